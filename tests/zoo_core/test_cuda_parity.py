"""CUDA against CPU for whole layers, losses, optimizers, schedulers, checkpoints and a training step.

The op harness checks every op's gradients on CUDA one op at a time; these tests run the same modules
on both devices from the same weights and inputs and compare outputs, input gradients and parameter
gradients, so a code path that only composite layers take (cuDNN-free convolutions, RNN loops,
attention, in-place running statistics) is exercised on CuPy too. They carry the ``gpu`` marker: they run
on a CUDA machine, and on any machine under ``ZOO_FAKE_CUPY=1`` (tests/_fakecupy.py).
"""
import copy
import os
import subprocess
import sys

import numpy as np
import pytest

import zoo_core
import zoo_core.nn as nn
import zoo_core.nn.functional as F
from zoo_core import optim

pytestmark = pytest.mark.gpu

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
F64 = zoo_core.float64


def _np(t):
    return t.detach().cpu().numpy()


def _close(a, b, what):
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-9, atol=1e-10, err_msg=what)


def _inputs(spec, rng):
    """Tensors for a spec list: a shape (float64 normal, requires grad), ("long", high, shape) (int64 in
    [0, high)), ("unit", shape) or ("unit_grad", shape) (float64 in (0, 1), the second requiring grad)."""
    out = []
    for s in spec:
        if isinstance(s, tuple) and s and s[0] == "long":
            out.append(zoo_core.tensor(rng.integers(0, s[1], s[2])))
        elif isinstance(s, tuple) and s and s[0] in ("unit", "unit_grad"):   # values in (0, 1)
            out.append(zoo_core.tensor(rng.uniform(0.05, 0.95, s[1]), requires_grad=s[0] == "unit_grad"))
        else:
            out.append(zoo_core.tensor(rng.standard_normal(s), requires_grad=True))
    return out


def _flat(y):
    if isinstance(y, zoo_core.Tensor):
        return [y]
    if isinstance(y, (tuple, list)):
        return [t for v in y for t in _flat(v)]
    if hasattr(y, "data") and hasattr(y, "batch_sizes"):   # PackedSequence
        return [y.data]
    return []


MODULES = {
    "linear": (lambda: nn.Linear(5, 4), [(3, 5)]),
    "bilinear": (lambda: nn.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), [(2, 3, 9)]),
    "conv2d": (lambda: nn.Conv2d(4, 6, 3, padding=1, groups=2, dilation=1), [(2, 4, 7, 6)]),
    "conv2d_dilated": (lambda: nn.Conv2d(2, 3, 3, padding="same", dilation=2, padding_mode="reflect"),
                       [(1, 2, 8, 8)]),
    "conv_transpose1d": (lambda: nn.ConvTranspose1d(3, 2, 4, stride=2, padding=1), [(2, 3, 5)]),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1,
                                                    groups=2), [(2, 4, 4, 3)]),
    "max_pool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), [(2, 3, 7, 6)]),
    "avg_pool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [(2, 3, 7, 6)]),
    "adaptive_avg": (lambda: nn.AdaptiveAvgPool2d((3, 2)), [(2, 3, 7, 5)]),
    "adaptive_max": (lambda: nn.AdaptiveMaxPool2d(3), [(2, 3, 7, 5)]),
    "lp_pool": (lambda: nn.LPPool2d(2, 2), [(1, 2, 6, 6)]),
    "batch_norm_train": (lambda: nn.BatchNorm2d(3), [(4, 3, 5, 5)]),
    "batch_norm1d": (lambda: nn.BatchNorm1d(4), [(6, 4)]),
    "layer_norm": (lambda: nn.LayerNorm((4, 5)), [(3, 4, 5)]),
    "group_norm": (lambda: nn.GroupNorm(2, 4), [(3, 4, 5)]),
    "instance_norm": (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True), [(2, 3, 4, 4)]),
    "rms_norm": (lambda: nn.RMSNorm(6), [(2, 6)]),
    "local_response": (lambda: nn.LocalResponseNorm(3), [(2, 5, 4, 4)]),
    "embedding": (lambda: nn.Embedding(10, 4, padding_idx=0, max_norm=1.0), [("long", 10, (3, 5))]),
    "rnn": (lambda: nn.RNN(4, 5, num_layers=2, nonlinearity="relu"), [(6, 3, 4)]),
    "lstm": (lambda: nn.LSTM(4, 5, batch_first=True, bidirectional=True, proj_size=3), [(3, 6, 4)]),
    "gru": (lambda: nn.GRU(4, 5, num_layers=2, bidirectional=True), [(6, 3, 4)]),
    "lstm_cell": (lambda: nn.LSTMCell(4, 5), [(3, 4)]),
    "mha": (lambda: nn.MultiheadAttention(8, 2, batch_first=True, kdim=6, vdim=5),
            [(2, 4, 8), (2, 3, 6), (2, 3, 5)]),
    "encoder_layer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True,
                                                         norm_first=True), [(2, 5, 8)]),
    "decoder_layer": (lambda: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), [(5, 2, 8), (4, 2, 8)]),
    "upsample_bilinear": (lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                          [(1, 2, 3, 4)]),
    "upsample_nearest": (lambda: nn.Upsample(size=(5, 7), mode="nearest"), [(1, 2, 3, 4)]),
    "pixel_shuffle": (lambda: nn.Sequential(nn.PixelShuffle(2), nn.PixelUnshuffle(2)), [(1, 8, 3, 3)]),
    "reflection_pad": (lambda: nn.ReflectionPad2d((1, 2, 0, 1)), [(1, 2, 4, 4)]),
    "replication_pad": (lambda: nn.ReplicationPad1d(2), [(1, 2, 4)]),
    "circular_pad": (lambda: nn.CircularPad2d(1), [(1, 2, 3, 3)]),
    "prelu": (lambda: nn.PReLU(3), [(2, 3, 4)]),
    "activations": (lambda: nn.Sequential(nn.GELU("tanh"), nn.ELU(), nn.SELU(), nn.Mish(), nn.Hardswish(),
                                          nn.Softplus(beta=2.0), nn.LogSigmoid(), nn.Softmax(-1)), [(3, 7)]),
    "glu_softmin": (lambda: nn.Sequential(nn.GLU(), nn.Softmin(1)), [(3, 8)]),
}

LOSSES = {
    "cross_entropy": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1, weight=zoo_core.rand(5, dtype=F64)),
                      [(4, 5), ("long", 5, (4,))]),
    "cross_entropy_2d": (lambda: nn.CrossEntropyLoss(ignore_index=1), [(2, 3, 4, 4), ("long", 3, (2, 4, 4))]),
    "nll": (lambda: nn.NLLLoss(reduction="sum"), [(4, 5), ("long", 5, (4,))]),
    "mse": (lambda: nn.MSELoss(), [(3, 4), (3, 4)]),
    "smooth_l1": (lambda: nn.SmoothL1Loss(beta=0.5), [(3, 4), (3, 4)]),
    "huber": (lambda: nn.HuberLoss(delta=0.7), [(3, 4), (3, 4)]),
    "bce_logits": (lambda: nn.BCEWithLogitsLoss(pos_weight=zoo_core.rand(4, dtype=F64)), [(3, 4), ("unit", (3, 4))]),
    "bce": (lambda: nn.BCELoss(), [("unit_grad", (3, 4)), ("unit", (3, 4))]),
    "kl_div": (lambda: nn.KLDivLoss(reduction="batchmean", log_target=True), [(3, 4), (3, 4)]),
    "cosine_embedding": (lambda: nn.CosineEmbeddingLoss(margin=0.2),
                         [(4, 5), (4, 5), ("long", 2, (4,))]),
    "triplet": (lambda: nn.TripletMarginLoss(margin=0.5, swap=True), [(4, 5), (4, 5), (4, 5)]),
    "multi_margin": (lambda: nn.MultiMarginLoss(p=2), [(4, 5), ("long", 5, (4,))]),
    "gaussian_nll": (lambda: nn.GaussianNLLLoss(), [(4, 5), (4, 5), ("unit_grad", (4, 5))]),
    "poisson_nll": (lambda: nn.PoissonNLLLoss(), [(4, 5), ("unit", (4, 5))]),
}


def _run(module, inputs):
    y = module(*inputs)
    outs = [t for t in _flat(y) if t.dtype.is_floating_point]
    total = sum((o * (1.0 + 0.1 * zoo_core.arange(o.numel(), dtype=o.dtype, device=o.device).reshape(o.shape)))
                .sum() for o in outs)
    total.backward()
    return outs


def _compare_module(build, spec):
    zoo_core.manual_seed(0)
    cpu = build().double()
    gpu = copy.deepcopy(cpu).to("cuda")
    for p in gpu.parameters():
        assert p.is_cuda and p.requires_grad
    rng = np.random.default_rng(0)
    xc = _inputs(spec, rng)
    xg = [x.detach().to("cuda").requires_grad_(x.requires_grad) for x in xc]
    yc, yg = _run(cpu, xc), _run(gpu, xg)
    assert len(yc) == len(yg) > 0
    for a, b in zip(yc, yg):
        assert b.is_cuda and b.dtype == a.dtype and b.shape == a.shape
        _close(a, b, "output")
    for i, (a, b) in enumerate(zip(xc, xg)):
        if a.requires_grad:
            assert b.grad.is_cuda
            _close(a.grad, b.grad, f"input {i} grad")
    for (name, a), b in zip(cpu.named_parameters(), gpu.parameters()):
        if a.grad is not None:
            assert b.grad is not None and b.grad.is_cuda, name
            _close(a.grad, b.grad, f"{name}.grad")
    for (name, a), b in zip(cpu.named_buffers(), gpu.buffers()):
        assert b.is_cuda, name
        _close(a, b, f"buffer {name}")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_matches_cpu(name):
    _compare_module(*MODULES[name])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_cpu(name):
    _compare_module(*LOSSES[name])


def test_eval_mode_batch_norm_and_dropout_match_cpu():
    def build():
        m = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Dropout(0.5), nn.ReLU())
        with zoo_core.no_grad():
            m[1].running_mean.normal_()
            m[1].running_var.uniform_(0.5, 2.0)
        return m.eval()
    _compare_module(build, [(2, 3, 6, 6)])


def test_packed_sequence_lstm_matches_cpu():
    from zoo_core.nn.utils import rnn as rnn_utils

    class Packed(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(3, 4, batch_first=True)

        def forward(self, x):
            packed = rnn_utils.pack_padded_sequence(x, [5, 3, 2], batch_first=True, enforce_sorted=False)
            out, (h, c) = self.lstm(packed)
            padded, _ = rnn_utils.pad_packed_sequence(out, batch_first=True)
            return padded, h, c
    _compare_module(Packed, [(3, 5, 3)])


def test_functional_ops_match_cpu():
    class Fn(nn.Module):
        def forward(self, x, grid_src):
            a = F.interpolate(x, scale_factor=1.5, mode="bicubic", align_corners=True)
            b = F.unfold(x, 2, stride=2)
            c = F.fold(b, x.shape[-2:], 2, stride=2)
            d = F.scaled_dot_product_attention(grid_src, grid_src, grid_src, is_causal=True)
            e = F.normalize(x, dim=1) + F.dropout(x, 0.0)
            f = F.one_hot(x.detach().abs().long().clamp(max=3).flatten(), 4).to(x.dtype)
            return a, b, c, d, e, f, F.embedding(zoo_core.tensor([[0, 2]], device=x.device), grid_src[0])
    _compare_module(Fn, [(1, 2, 4, 4), (2, 3, 4)])


OPTIMIZERS = {
    "sgd": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-2),
    "adam": lambda p: optim.Adam(p, lr=1e-2, amsgrad=True),
    "adamw": lambda p: optim.AdamW(p, lr=1e-2, weight_decay=0.1),
    "adam_capturable": lambda p: optim.Adam(p, lr=1e-2, capturable=True),   # step counter on the device
    "rmsprop": lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.5, centered=True),
    "adagrad": lambda p: optim.Adagrad(p, lr=1e-1, lr_decay=1e-3),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_match_cpu(name):
    zoo_core.manual_seed(0)
    cpu = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    gpu = copy.deepcopy(cpu).to("cuda")
    x = zoo_core.randn(16, 4, dtype=F64)
    y = zoo_core.randint(0, 3, (16,))
    opts = [OPTIMIZERS[name](m.parameters()) for m in (cpu, gpu)]
    sched = [optim.lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=10, cycle_momentum=name != "adagrad")
             for o in opts]
    for _ in range(5):
        for m, o, s, dev in zip((cpu, gpu), opts, sched, ("cpu", "cuda")):
            o.zero_grad()
            F.cross_entropy(m(x.to(dev)), y.to(dev)).backward()
            nn.utils.clip_grad_norm_(m.parameters(), 1.0)
            o.step()
            s.step()
    for a, b in zip(cpu.parameters(), gpu.parameters()):
        assert b.is_cuda
        _close(a, b, f"{name} parameters after 5 steps")
    for sa, sb in zip(opts[0].state.values(), opts[1].state.values()):
        for k, v in sa.items():
            if isinstance(v, zoo_core.Tensor) and v.dim() > 0:
                assert sb[k].is_cuda, k
                _close(v, sb[k], f"{name} state {k}")


def test_checkpoint_round_trip_moves_between_devices(tmp_path):
    zoo_core.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).to("cuda")
    opt = optim.Adam(model.parameters())
    model(zoo_core.randn(2, 1, 5, 5, device="cuda")).sum().backward()
    opt.step()
    path = tmp_path / "ck.pt"
    zoo_core.save({"model": model.state_dict(), "opt": opt.state_dict()}, path)
    on_cpu = zoo_core.load(path, map_location="cpu")
    assert all(not v.is_cuda for v in on_cpu["model"].values())
    back = zoo_core.load(path)
    assert all(v.is_cuda for v in back["model"].values())
    cpu_model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    cpu_model.load_state_dict(on_cpu["model"])
    for a, b in zip(cpu_model.state_dict().values(), model.state_dict().values()):
        np.testing.assert_array_equal(_np(a), _np(b))
    from zoo_core.serialization import load_safetensors, save_safetensors
    save_safetensors(model.state_dict(), tmp_path / "m.safetensors")
    loaded = load_safetensors(tmp_path / "m.safetensors", device="cuda")
    assert all(v.is_cuda for v in loaded.values())


def test_cross_device_errors_name_both_devices():
    a = zoo_core.ones(2, 3, device="cuda")
    b = zoo_core.ones(3, 2)
    for fn in (lambda: a @ b, lambda: a + b.t(), lambda: zoo_core.cat([a, b.t()]),
               lambda: nn.Linear(3, 2)(a), lambda: F.cross_entropy(a, zoo_core.tensor([0, 1]))):
        with pytest.raises(RuntimeError, match="cuda:0.*cpu|cpu.*cuda:0"):
            fn()


def test_data_loader_pin_memory_and_non_blocking_copy():
    from zoo_core.data import DataLoader, TensorDataset
    ds = TensorDataset(zoo_core.randn(10, 3), zoo_core.arange(10))
    for x, y in DataLoader(ds, batch_size=4, pin_memory=True):
        xg = x.to("cuda", non_blocking=True)
        assert xg.is_cuda and xg.shape == x.shape
        np.testing.assert_array_equal(_np(xg), _np(x))


def test_zoo_train_runs_on_cuda(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    code = ("import sys\n"
            "if sys.argv[1] == '1':\n"
            "    sys.path.insert(0, sys.argv[2]); from tests import _fakecupy; _fakecupy.install()\n"
            "from zoo_core.cli import main\n"
            "sys.exit(main(['train', '--device', 'cuda', '--epochs', '2', '--no-progress', '--output', sys.argv[3]]))\n")
    fake = "1" if os.environ.get("ZOO_FAKE_CUPY") == "1" else "0"
    r = subprocess.run([sys.executable, "-c", code, fake, ROOT, str(tmp_path / "run")], capture_output=True,
                       text=True, env=env, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "accuracy" in (r.stdout + r.stderr).lower()


def test_creation_functions_match_cpu():
    for make in (lambda d: zoo_core.arange(7, device=d), lambda d: zoo_core.arange(0, 1, 0.1, device=d),
                 lambda d: zoo_core.arange(5, -5, -1.5, dtype=F64, device=d),
                 lambda d: zoo_core.linspace(-1, 1, 9, device=d), lambda d: zoo_core.logspace(0, 3, 4, device=d),
                 lambda d: zoo_core.eye(3, 4, device=d), lambda d: zoo_core.full((2, 3), 7, device=d),
                 lambda d: zoo_core.tensor([[1, 2], [3, 4]], dtype=zoo_core.int8, device=d),
                 lambda d: zoo_core.zeros_like(zoo_core.ones(2, 3, device=d), dtype=zoo_core.bool)):
        a, b = make("cpu"), make("cuda")
        assert b.is_cuda and a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(_np(a), _np(b))
