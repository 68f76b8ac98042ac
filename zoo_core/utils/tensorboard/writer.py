"""``SummaryWriter``: training logs that TensorBoard reads, with PyTorch's interface and no TensorFlow.

Scalars, groups of scalars, histograms, images (PNG through Pillow, imported on first use) and text are
written as TensorBoard event files (``_events.py`` encodes the records). ``add_graph`` and ``add_hparams``
have no Zoo equivalent: they warn once and write nothing, so training scripts keep running.

Example::

    >>> import tempfile
    >>> with SummaryWriter(tempfile.mkdtemp()) as w:
    ...     for step in range(3):
    ...         w.add_scalar("loss", 1.0 / (step + 1), step)
"""
import atexit
import itertools
import math
import os
import socket
import time
import warnings
from datetime import datetime

import numpy as np

from . import _events

__all__ = ["SummaryWriter"]

_file_ids = itertools.count()


def _to_numpy(x):
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def _scalar(x, tag):
    a = _to_numpy(x)
    if a.size != 1:
        raise ValueError(f"add_scalar: {tag!r} expects a single number, got an array of shape {a.shape}")
    return float(a.reshape(()))


class _FileWriter:
    """One event file: records are buffered and appended on ``flush``."""

    def __init__(self, log_dir, max_queue, flush_secs, filename_suffix):
        os.makedirs(log_dir, exist_ok=True)
        host = socket.gethostname()
        name = f"events.out.tfevents.{int(time.time()):010d}.{host}.{os.getpid()}.{next(_file_ids)}{filename_suffix}"
        self.path = os.path.join(log_dir, name)
        self.max_queue, self.flush_secs = max_queue, flush_secs
        self.pending = [_events.record(_events.event(time.time(), file_version="brain.Event:2"))]
        self.last_flush = time.time()
        self.flush()
        atexit.register(self.flush)   # a script that never calls close() still gets its last records

    def add(self, summary, step, walltime):
        ev = _events.event(time.time() if walltime is None else walltime, 0 if step is None else int(step),
                           summary=summary)
        self.pending.append(_events.record(ev))
        if len(self.pending) >= self.max_queue or time.time() - self.last_flush >= self.flush_secs:
            self.flush()

    def flush(self):
        if self.pending:
            with open(self.path, "ab") as f:
                f.write(b"".join(self.pending))
            self.pending = []
        self.last_flush = time.time()


class SummaryWriter:
    """Write TensorBoard logs under ``log_dir`` (default ``runs/<date>_<host><comment>``)."""

    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if log_dir is None:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", f"{stamp}_{socket.gethostname()}{comment}")
        self.log_dir = str(log_dir)
        self._args = (max_queue, flush_secs, filename_suffix)
        self._writer = _FileWriter(self.log_dir, *self._args)
        self._group_writers = {}
        self._warned = set()

    def get_logdir(self):
        return self.log_dir

    def _write(self, summary, global_step, walltime):
        self._writer.add(summary, global_step, walltime)

    # ---- what can be logged ------------------------------------------------------------------------
    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        """Log one number (a Python number or a one-element tensor) at ``global_step``."""
        self._write(_events.summary_value(tag, simple_value=_scalar(scalar_value, tag)), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Log several numbers as one chart: one run per key, under ``log_dir/<main_tag>_<key>``."""
        for key, value in tag_scalar_dict.items():
            sub = os.path.join(self.log_dir, f"{main_tag.replace('/', '_')}_{key}")
            w = self._group_writers.get(sub)
            if w is None:
                w = self._group_writers[sub] = _FileWriter(sub, *self._args)
            w.add(_events.summary_value(main_tag, simple_value=_scalar(value, main_tag)), global_step, walltime)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        """Log the distribution of ``values`` (``bins``: a count, numpy's rule names, or TensorFlow's
        exponential buckets by default)."""
        v = _to_numpy(values).astype(np.float64).ravel()
        if v.size == 0:
            raise ValueError(f"add_histogram: {tag!r} got an empty array")
        if isinstance(bins, str) and bins == "tensorflow":
            pos = 1e-12 * 1.1 ** np.arange(int(math.log(1e20 / 1e-12) / math.log(1.1)) + 1)
            bins = np.concatenate([-pos[::-1], [0.0], pos])
        counts, limits = np.histogram(v, bins=bins)
        nz = np.nonzero(counts)[0]
        lo, hi = (nz[0], nz[-1] + 1) if nz.size else (0, len(counts))
        # as PyTorch: an empty leading bucket whose limit is the left edge of the first filled one
        counts, limits = np.concatenate([[0], counts[lo:hi]]), limits[lo:hi + 1]
        if max_bins is not None and len(counts) > max_bins:
            step = math.ceil(len(counts) / max_bins)
            counts = np.add.reduceat(counts, np.arange(0, len(counts), step))
            limits = limits[np.minimum(np.arange(step - 1, len(limits) + step - 1, step), len(limits) - 1)]
        histo = _events.histogram_proto(v.min(), v.max(), v.size, v.sum(), (v * v).sum(), limits, counts)
        self._write(_events.summary_value(tag, histo=histo), global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        """Log an image: floats in [0, 1] or uint8, laid out as ``dataformats`` (CHW, HWC, HW)."""
        img = _to_numpy(img_tensor)
        fmt = dataformats.upper()
        if img.ndim != len(fmt):
            raise ValueError(f"add_image: {tag!r} has shape {img.shape} but dataformats={dataformats!r}")
        if fmt == "HW":
            img = img[..., None]
        elif fmt == "CHW":
            img = img.transpose(1, 2, 0)
        elif fmt != "HWC":
            raise ValueError(f"add_image: dataformats must be CHW, HWC or HW, got {dataformats!r}")
        self._write(_events.summary_value(tag, image=_png(img)), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        """Log a batch of images as one grid, up to 8 per row (PyTorch's tensorboard ``make_grid``)."""
        imgs = _to_numpy(img_tensor)
        if dataformats.upper() == "NHWC":
            imgs = imgs.transpose(0, 3, 1, 2)
        n, c, h, w = imgs.shape
        cols = min(n, 8)
        rows = math.ceil(n / cols)
        grid = np.zeros((c, rows * h, cols * w), dtype=imgs.dtype)
        for i in range(n):
            r, k = divmod(i, cols)
            grid[:, r * h:(r + 1) * h, k * w:(k + 1) * w] = imgs[i]
        self.add_image(tag, grid, global_step, walltime, "CHW")

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        """Log a piece of (markdown) text."""
        tensor, metadata = _events.text_tensor(text_string)
        self._write(_events.summary_value(f"{tag}/text_summary", tensor=tensor, metadata=metadata),
                    global_step, walltime)

    def _skip(self, what):
        if what not in self._warned:
            self._warned.add(what)
            warnings.warn(f"SummaryWriter.{what}: not supported by Zoo's writer; nothing is logged", stacklevel=3)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        self._skip("add_graph")

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        self._skip("add_hparams")

    # ---- lifetime ----------------------------------------------------------------------------------
    def flush(self):
        self._writer.flush()
        for w in self._group_writers.values():
            w.flush()

    def close(self):
        self.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _png(img):
    """PNG bytes and the Summary.Image proto for an HWC image (floats are scaled from [0, 1])."""
    import io

    from PIL import Image
    if img.dtype.kind == "f":
        img = (img.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)   # truncation, as PyTorch
    elif img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.shape[2] == 1:   # PyTorch writes grey images as RGB
        img = np.repeat(img, 3, axis=2)
    h, w, c = img.shape
    mode = {3: "RGB", 4: "RGBA"}.get(c)
    if mode is None:
        raise ValueError(f"add_image: images need 1, 3 or 4 channels, got {c}")
    buf = io.BytesIO()
    Image.fromarray(img[..., 0] if c == 1 else img, mode=mode).save(buf, format="PNG")
    return _events.image_proto(h, w, c, buf.getvalue())
