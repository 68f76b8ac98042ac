"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and the single-step ``RNNCell``, ``LSTMCell``, ``GRUCell``.

Parameter names, shapes, gate order and initialisation are PyTorch's, so state dicts load both ways.
The recurrences themselves live in ``nn/_functional/rnn.py``.
"""
import math
import numbers
import warnings

from .. import init
from .._functional.misc import linear
from .._functional.rnn import gru_cell, lstm_cell, rnn_cell, rnn_layers
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ...ops.creation import empty, zeros

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_NAME = {"LSTM": "LSTM", "GRU": "GRU", "RNN_TANH": "RNN", "RNN_RELU": "RNN"}


def _check_type(value, kind, name):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")


class RNNBase(Module):
    """The shared machinery of ``RNN``, ``LSTM`` and ``GRU`` (``mode`` picks the cell)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + str(mode))
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        _check_type(bias, bool, "bias")
        _check_type(batch_first, bool, "batch_first")
        _check_type(input_size, int, "input_size")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        _check_type(hidden_size, int, "hidden_size")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size

        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        D = 2 if bidirectional else 1
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(D):
                layer_input = input_size if layer == 0 else real_hidden * D
                shapes = [("weight_ih_l{}{}", (gate_size, layer_input)), ("weight_hh_l{}{}", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    shapes += [("weight_hr_l{}{}", (proj_size, hidden_size))]
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for fmt, shape in shapes:
                    name = fmt.format(layer, suffix)
                    setattr(self, name, Parameter(empty(*shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        """Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        """The parameters, one list per layer and direction (``[[w_ih, w_hh, b_ih, b_hh], ...]``)."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op (PyTorch packs weights for cuDNN here; Zoo has no cuDNN path)."""

    def _layer_weights(self):
        """Per layer and direction: ``(w_ih, w_hh, b_ih, b_hh, w_hr)`` with None where absent."""
        out = []
        for names in self._all_weights:
            p = {n.split("_l")[0]: getattr(self, n) for n in names}
            out.append((p["weight_ih"], p["weight_hh"], p.get("bias_ih"), p.get("bias_hh"), p.get("weight_hr")))
        return out

    # ---- argument checks, as PyTorch words them ---------------------------------------------------
    def _check_input(self, input, packed):
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). Convert "
                             f"input: input.to({w.dtype}), or convert model: model.to({input.dtype})")
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.shape[-1]}")

    def _check_hidden(self, hx, batch, size, msg="Expected hidden size {}, got {}"):
        expected = (self.num_layers * (2 if self.bidirectional else 1), batch, size)
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _check_hx(self, hx, batch):
        if self.mode == "LSTM":
            self._check_hidden(hx[0], batch, self.proj_size or self.hidden_size, "Expected hidden[0] size {}, got {}")
            self._check_hidden(hx[1], batch, self.hidden_size, "Expected hidden[1] size {}, got {}")
        else:
            self._check_hidden(hx, batch, self.hidden_size)

    def _unbatched_hx(self, hx, batched):
        """Check ``hx``'s rank against the input's; unbatched ``hx`` gets its batch dim."""
        want = 3 if batched else 2
        kind = "batched 3-D" if batched else "unbatched 2-D"
        if self.mode == "LSTM":
            if hx[0].dim() != want or hx[1].dim() != want:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got "
                                   f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            return hx if batched else (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        if hx.dim() != want:
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
        return hx if batched else hx.unsqueeze(1)

    def _permute(self, hx, perm):
        if perm is None:
            return hx
        if self.mode == "LSTM":
            return hx[0].index_select(1, perm), hx[1].index_select(1, perm)
        return hx.index_select(1, perm)

    def forward(self, input, hx=None):
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = [int(b) for b in batch_sizes_t.tolist()]
            batch = batch_sizes[0]
            batched = True
        else:
            x, batch_sizes, sorted_indices = input, None, None
            if x.dim() not in (2, 3):
                tail = " tensor instead" if self.mode.startswith("RNN") else " instead"
                raise ValueError(f"{_NAME[self.mode]}: Expected input to be 2D or 3D, got {x.dim()}D{tail}")
            batched = x.dim() == 3
            if not batched:
                x = x.unsqueeze(0 if self.batch_first else 1)
            if hx is not None:
                hx = self._unbatched_hx(hx, batched)
            batch = x.shape[0 if self.batch_first else 1]
            if x.shape[1 if self.batch_first else 0] == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        self._check_input(x, packed)
        if hx is None:
            D = 2 if self.bidirectional else 1
            h0 = zeros(self.num_layers * D, batch, self.proj_size or self.hidden_size, dtype=x.dtype, device=x.device)
            hx = (h0, zeros(self.num_layers * D, batch, self.hidden_size, dtype=x.dtype, device=x.device)) if lstm \
                else h0
        else:
            self._check_hx(hx, batch)
            hx = self._permute(hx, sorted_indices)
        out, h_n, c_n = rnn_layers(self.mode, x, hx, self._layer_weights(), self.num_layers, self.bidirectional,
                                   self.dropout, self.training, 1 if self.batch_first else 0, batch_sizes)
        hidden = (h_n, c_n) if lstm else h_n
        if packed:
            return PackedSequence(out, batch_sizes_t, sorted_indices, unsorted_indices), \
                self._permute(hidden, unsorted_indices)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            hidden = (h_n.squeeze(1), c_n.squeeze(1)) if lstm else h_n.squeeze(1)
        return out, hidden

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    r"""A multi-layer Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})`
    (or ReLU).

    Args:
        input_size, hidden_size: features of ``x`` and of ``h``
        num_layers: stacked layers (default 1); ``nonlinearity``: ``'tanh'`` (default) or ``'relu'``
        bias: learn ``b_ih``, ``b_hh`` (default True); ``batch_first``: input/output ``(N, L, *)``
        dropout: dropout on every layer's output but the last (training only); ``bidirectional``

    Shape: input ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``), ``(L, H_in)`` unbatched, or a
    ``PackedSequence``; ``h_0`` ``(D * num_layers, N, H_out)``. Returns ``(output, h_n)`` with output
    ``(L, N, D * H_out)``. Parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (``_reverse`` for the backward direction), all ~ ``U(-1/sqrt(H), 1/sqrt(H))``.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(zoo_core.randn(5, 3, 10), zoo_core.randn(2, 3, 20))
        >>> output.shape, hn.shape
        (zoo_core.Size([5, 3, 20]), zoo_core.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.__dict__["nonlinearity"] = args[3]
            args = args[:3] + args[4:]
        else:
            self.__dict__["nonlinearity"] = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)


class LSTM(RNNBase):
    r"""A multi-layer LSTM (gates ``i, f, g, o`` in that order in ``weight_ih``/``weight_hh``).

    .. math::
        i, f, o = \sigma(\cdot),\ g = \tanh(\cdot),\ c_t = f c_{t-1} + i g,\ h_t = o \tanh(c_t)

    Args as ``RNN`` (without ``nonlinearity``), plus ``proj_size``: when > 0, ``h_t`` is projected by
    ``weight_hr_l{k}`` ``(proj_size, hidden_size)`` to ``proj_size`` features.

    Shape: as ``RNN``; ``hx = (h_0, c_0)`` with ``c_0`` ``(D * num_layers, N, hidden_size)``. Returns
    ``(output, (h_n, c_n))``.

    Example::

        >>> lstm = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = lstm(zoo_core.randn(5, 3, 10))
        >>> output.shape, cn.shape
        (zoo_core.Size([5, 3, 20]), zoo_core.Size([2, 3, 20]))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    r"""A multi-layer GRU (gates ``r, z, n`` in that order).

    .. math::
        r, z = \sigma(\cdot),\ n = \tanh(W_{in} x + b_{in} + r (W_{hn} h + b_{hn})),\ h_t = (1 - z) n + z h_{t-1}

    Args and shapes as ``RNN`` (without ``nonlinearity``).

    Example::

        >>> gru = nn.GRU(10, 20, 2, batch_first=True)
        >>> output, hn = gru(zoo_core.randn(3, 5, 10))
        >>> output.shape
        zoo_core.Size([3, 5, 20])
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# ---- cells -------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """Parameters ``weight_ih`` ``(chunks * H, H_in)``, ``weight_hh`` ``(chunks * H, H)``, ``bias_ih``,
    ``bias_hh``, all ~ ``U(-1/sqrt(H), 1/sqrt(H))`` as PyTorch."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, states):
        """Batch an unbatched call and check sizes; returns ``(input, states, batched)``."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for k, s in enumerate(states):
            if s is not None and s.dim() not in (1, 2):
                which = "hidden" if len(states) == 1 else f"hx[{k}]"
                raise ValueError(f"{name}: Expected {which} to be 1D or 2D, got {s.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        out = []
        for k, s in enumerate(states):
            if s is None:
                s = zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            elif not batched:
                s = s.unsqueeze(0)
            if s.shape[0] != input.shape[0]:
                raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} batch size "
                                   f"{s.shape[0]}")
            if s.shape[1] != self.hidden_size:
                raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got {s.shape[1]}, expected "
                                   f"{self.hidden_size}")
            out.append(s)
        return input, out, batched


class RNNCell(RNNCellBase):
    r"""One Elman RNN step: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Shape: input ``(N, H_in)`` or ``(H_in)``, hidden ``(N, H)`` or ``(H)`` (zeros when omitted).

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> cell(zoo_core.randn(3, 10)).shape
        zoo_core.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (hx,), batched = self._prepare(input, (hx,))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h = rnn_cell(linear(input, self.weight_ih, self.bias_ih), linear(hx, self.weight_hh, self.bias_hh),
                     self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    r"""One LSTM step (gates ``i, f, g, o``); returns ``(h', c')``.

    Shape: input ``(N, H_in)`` or ``(H_in)``; ``hx = (h, c)`` each ``(N, H)`` or ``(H)`` (zeros when omitted).

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> h, c = cell(zoo_core.randn(3, 10))
        >>> h.shape
        zoo_core.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h, c), batched = self._prepare(input, (None, None) if hx is None else tuple(hx))
        h, c = lstm_cell(linear(input, self.weight_ih, self.bias_ih), linear(h, self.weight_hh, self.bias_hh), c)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    r"""One GRU step (gates ``r, z, n``).

    Shape: input ``(N, H_in)`` or ``(H_in)``, hidden ``(N, H)`` or ``(H)`` (zeros when omitted).

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> cell(zoo_core.randn(3, 10), zoo_core.randn(3, 20)).shape
        zoo_core.Size([3, 20])
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, (hx,), batched = self._prepare(input, (hx,))
        h = gru_cell(linear(input, self.weight_ih, self.bias_ih), linear(hx, self.weight_hh, self.bias_hh), hx)
        return h if batched else h.squeeze(0)
