"""The 8x8 handwritten digits (1,797 images, 10 classes), shipped inside the package.

The data is scikit-learn's copy of the UCI test set (see ``zoo_vision/data/LICENSE-digits.txt``).
"""
import gzip
from importlib import resources

import numpy as np

from zoo_core.data import Dataset
from zoo_core.ops.creation import from_numpy

_N_TEST = 360   # held-out images (20 %): a fixed split so that accuracies are comparable


def load_digits():
    """(images, labels): float32 (1797, 1, 8, 8) scaled to [0, 1], and int64 (1797,)."""
    with resources.files("zoo_vision").joinpath("data/digits.csv.gz").open("rb") as f:
        raw = np.loadtxt(gzip.open(f), delimiter=",", dtype=np.float32)
    images = (raw[:, :64] / 16.0).reshape(-1, 1, 8, 8)
    return np.ascontiguousarray(images), raw[:, 64].astype(np.int64)


class Digits(Dataset):
    """The digits as a map-style dataset of ``(image (1, 8, 8) float32, label int)``.

    ``train=True`` gives 1,437 images, ``train=False`` the other 360 (a fixed shuffled split).

    Example::

        >>> ds = Digits(train=False)
        >>> image, label = ds[0]
        >>> image.shape, len(ds)
        (zoo_core.Size([1, 8, 8]), 360)
    """

    def __init__(self, train=True, transform=None):
        images, labels = load_digits()
        order = np.random.default_rng(0).permutation(len(labels))
        idx = order[_N_TEST:] if train else order[:_N_TEST]
        self.images = from_numpy(images[idx])
        self.labels = from_numpy(labels[idx])
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = self.images[i]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels._data[i])
