"""Porting tests: tutorial-style PyTorch vision / classic training code, run on Zoo by changing imports:
random_split, custom Dataset / DataLoader, WeightedRandomSampler.

Written the way it appears in the official PyTorch tutorials and pytorch/examples, on tiny synthetic data.
Each ``@both()`` test takes the ``lib`` fixture (``conftest.py``) and binds ``torch, nn, F, optim, data``
from it, so the very same body also runs under real PyTorch (the reference, when importable).
"""
import numpy as np

import zoo_core as torch  # noqa: F401  (the porting imports)
import zoo_core.nn as nn  # noqa: F401
import zoo_core.nn.functional as F  # noqa: F401
from zoo_core import optim  # noqa: F401
from zoo_core.utils.data import DataLoader, Dataset, TensorDataset, random_split  # noqa: F401
from tests.zoo_core.porting._helpers import both, make_images


# ---------------------------------------------------------------------------------------------------------
# 1. random_split with a generator, fractions, Subset.indices; reproducible
# ---------------------------------------------------------------------------------------------------------
@both()
def test_random_split_with_generator(lib):
    torch = lib.torch

    dataset = lib.TensorDataset(torch.arange(64).float().unsqueeze(1), torch.arange(64) % 10)
    generator1 = torch.Generator().manual_seed(42)
    train_set, val_set = lib.random_split(dataset, [48, 16], generator=generator1)
    assert len(train_set) == 48 and len(val_set) == 16
    assert sorted(train_set.indices + val_set.indices) == list(range(64))
    again = lib.random_split(dataset, [48, 16], generator=torch.Generator().manual_seed(42))
    assert list(again[0].indices) == list(train_set.indices)
    x0, y0 = train_set[0]
    assert x0.item() == train_set.indices[0] and y0.item() == train_set.indices[0] % 10

    generator2 = torch.Generator().manual_seed(42)
    parts = lib.random_split(range(30), [0.3, 0.3, 0.4], generator=generator2)
    assert [len(p) for p in parts] == [9, 9, 12]

    train_size = int(0.8 * len(dataset))
    test_size = len(dataset) - train_size
    train_dataset, test_dataset = lib.random_split(dataset, [train_size, test_size])
    loader = lib.DataLoader(train_dataset, batch_size=10, shuffle=True)
    xs = torch.cat([xb for xb, _ in loader])
    assert xs.shape == (51, 1)


# ---------------------------------------------------------------------------------------------------------
# 2. Custom Dataset (__len__/__getitem__ returning tensors and dicts), DataLoader(shuffle, drop_last)
# ---------------------------------------------------------------------------------------------------------
@both()
def test_custom_dataset_dataloader(lib):
    torch = lib.torch
    Dataset, DataLoader = lib.Dataset, lib.DataLoader

    class SyntheticImages(Dataset):
        def __init__(self, n=64, transform=None):
            self.images, self.labels = make_images(n, 3, 8, 8)
            self.transform = transform

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, idx):
            if torch.is_tensor(idx):
                idx = idx.tolist()
            image = torch.from_numpy(self.images[idx])
            label = torch.tensor(self.labels[idx], dtype=torch.long)
            if self.transform:
                image = self.transform(image)
            return image, label

    class LandmarksDataset(Dataset):  # the "data loading tutorial": samples as dicts
        def __init__(self, n=20):
            rng = np.random.default_rng(1)
            self.landmarks = rng.random((n, 5, 2)).astype('float')

        def __len__(self):
            return len(self.landmarks)

        def __getitem__(self, idx):
            image = np.zeros((8, 8, 3), dtype=np.float32)
            sample = {'image': torch.from_numpy(image.transpose((2, 0, 1))),
                      'landmarks': torch.from_numpy(self.landmarks[idx]), 'name': f"img{idx}.jpg"}
            return sample

    normalize = lambda t: (t - t.mean()) / (t.std() + 1e-6)  # noqa: E731
    ds = SyntheticImages(transform=normalize)
    img, lbl = ds[3]
    assert img.shape == (3, 8, 8) and lbl.dtype == torch.int64 and lbl.dim() == 0
    assert abs(img.mean().item()) < 1e-4

    torch.manual_seed(0)
    loader = DataLoader(ds, batch_size=10, shuffle=True, num_workers=0, drop_last=True)
    assert len(loader) == 6
    seen = []
    for i_batch, (images, labels) in enumerate(loader):
        assert images.shape == (10, 3, 8, 8) and labels.shape == (10,) and labels.dtype == torch.int64
        seen.extend(labels.tolist())
    assert i_batch == 5 and len(seen) == 60

    dl = DataLoader(LandmarksDataset(), batch_size=4, shuffle=False, num_workers=0)
    for i_batch, sample_batched in enumerate(dl):
        print(i_batch, sample_batched['image'].size(), sample_batched['landmarks'].size())
    assert sample_batched['image'].size() == (4, 3, 8, 8)
    assert sample_batched['landmarks'].dtype == torch.float64 and sample_batched['name'][0] == "img16.jpg"

    # full-dataset iteration with the dataset's own len, no drop_last
    dl2 = DataLoader(ds, batch_size=10)
    assert len(dl2) == 7 and sum(len(b[1]) for b in dl2) == 64


# ---------------------------------------------------------------------------------------------------------
# 3. Classic MLP with WeightedRandomSampler (class imbalance) and Adam + weight decay, early stopping
# ---------------------------------------------------------------------------------------------------------
@both()
def test_weighted_sampler_and_early_stopping(lib):
    torch, nn, optim = lib.torch, lib.nn, lib.optim
    from_numpy = torch.from_numpy

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = (X[:, 0] + 0.5 * X[:, 1] > 1.0).astype(np.int64)  # imbalanced
    class_sample_count = np.array([len(np.where(y == t)[0]) for t in np.unique(y)])
    weight = 1. / class_sample_count
    samples_weight = torch.from_numpy(np.array([weight[t] for t in y]))
    sampler = lib.data.WeightedRandomSampler(samples_weight.double(), len(samples_weight))
    ds = lib.TensorDataset(from_numpy(X), from_numpy(y))
    torch.manual_seed(0)
    loader = lib.DataLoader(ds, batch_size=16, sampler=sampler)
    drawn = torch.cat([yb for _, yb in loader])
    assert len(drawn) == 64 and 0.25 < drawn.float().mean().item() < 0.75

    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
    criterion = nn.CrossEntropyLoss(weight=torch.tensor(weight / weight.sum(), dtype=torch.float32))
    best_loss, patience, bad_epochs, best_state = float("inf"), 8, 0, None
    for epoch in range(40):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            val_loss = criterion(model(from_numpy(X)), from_numpy(y)).item()
        if val_loss < best_loss - 1e-4:
            best_loss, bad_epochs = val_loss, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad_epochs += 1
            if bad_epochs >= patience:
                break
    model.load_state_dict(best_state)
    with torch.no_grad():
        acc = (model(from_numpy(X)).argmax(1) == from_numpy(y)).float().mean().item()
    assert best_loss < 0.5 and acc > 0.8
