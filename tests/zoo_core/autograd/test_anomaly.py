"""Anomaly detection: ``set_detect_anomaly`` / ``detect_anomaly`` make backward raise when a node returns
NaN, naming the node and showing the traceback of the forward call that created it."""
import numpy as np
import pytest

import zoo_core
from zoo_core import autograd


def val(t):
    return np.array(t.detach().cpu().numpy())


def T(data, rg=False, dtype=zoo_core.float64):
    return zoo_core.tensor(data, dtype=dtype, requires_grad=rg)


@pytest.fixture(autouse=True)
def _anomaly_off():
    yield
    autograd.set_detect_anomaly(False)


class NanGrad(zoo_core.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * float("nan")


class NanSecond(zoo_core.autograd.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, g):
        return g, g * float("nan")


def _check_message(err, name, index, forward_line):
    msg = str(err.value)
    assert f"Function '{name}' returned nan values in its {index}th output" in msg
    assert "test_anomaly.py" in msg                 # the forward traceback names this file ...
    assert forward_line in msg                      # ... and shows the line that created the node


def test_set_detect_anomaly_names_function_and_forward_line():
    x = T([1.0, 2.0], rg=True)
    autograd.set_detect_anomaly(True)
    assert autograd.is_anomaly_enabled() and zoo_core.is_anomaly_enabled()
    y = NanGrad.apply(x)  # forward-site-1
    z = y * 3
    with pytest.raises(RuntimeError) as err:
        z.backward(zoo_core.ones_like(z))
    _check_message(err, "NanGradBackward", 0, "y = NanGrad.apply(x)  # forward-site-1")
    assert x.grad is None


def test_detect_anomaly_context_manager():
    x = T([1.0, 2.0], rg=True)
    assert not autograd.is_anomaly_enabled()
    with autograd.detect_anomaly():
        assert autograd.is_anomaly_enabled()
        y = NanGrad.apply(x * 1.0)  # forward-site-2
        with pytest.raises(RuntimeError) as err:
            y.backward(zoo_core.ones_like(y))
    assert not autograd.is_anomaly_enabled()
    _check_message(err, "NanGradBackward", 0, "y = NanGrad.apply(x * 1.0)  # forward-site-2")


def test_anomaly_names_the_output_index():
    a, b = T([1.0], rg=True), T([2.0], rg=True)
    with autograd.detect_anomaly():
        y = NanSecond.apply(a, b)  # forward-site-3
        with pytest.raises(RuntimeError) as err:
            autograd.grad(y, (a, b), zoo_core.ones_like(y))
    _check_message(err, "NanSecondBackward", 1, "forward-site-3")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # numpy's 0/0 in the sqrt backward
def test_anomaly_in_builtin_op():
    # torch (whose anomaly mode is too slow to run here) says exactly this for the same graph
    x = T([0.0, 1.0], rg=True)
    with autograd.detect_anomaly():
        y = zoo_core.sqrt(x) * 0.0            # 0 * inf = nan in SqrtBackward0
        with pytest.raises(RuntimeError) as err:
            y.backward(zoo_core.ones_like(y))
    assert str(err.value).splitlines()[0] == "Function 'SqrtBackward0' returned nan values in its 0th output."


def test_no_error_without_anomaly_mode():
    x = T([1.0, 2.0], rg=True)
    y = NanGrad.apply(x)
    y.backward(zoo_core.ones_like(y))
    assert np.isnan(val(x.grad)).all()


def test_anomaly_does_not_change_normal_results():
    x = T([0.5, -1.5], rg=True)
    with autograd.detect_anomaly():
        y = (x.exp() * x).tanh()
        g, = autograd.grad(y, x, zoo_core.ones_like(y), create_graph=True)
        g2, = autograd.grad(g, x, zoo_core.ones_like(g))
    x2 = T([0.5, -1.5], rg=True)
    y2 = (x2.exp() * x2).tanh()
    h, = autograd.grad(y2, x2, zoo_core.ones_like(y2), create_graph=True)
    h2, = autograd.grad(h, x2, zoo_core.ones_like(h))
    np.testing.assert_array_equal(val(g), val(h))
    np.testing.assert_array_equal(val(g2), val(h2))


def test_set_detect_anomaly_as_context_manager_restores():
    autograd.set_detect_anomaly(True)
    with autograd.set_detect_anomaly(False):
        assert not autograd.is_anomaly_enabled()
    assert autograd.is_anomaly_enabled()
    with autograd.detect_anomaly():
        with autograd.set_detect_anomaly(False):
            assert not autograd.is_anomaly_enabled()
        assert autograd.is_anomaly_enabled()
    autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()


def test_anomaly_error_points_at_the_failing_node_not_the_loss():
    x = T([1.0, 2.0], rg=True)
    with autograd.detect_anomaly():
        h = x.exp()
        bad = NanGrad.apply(h)  # the-bad-node
        loss = bad * h + h.tanh()  # the-loss-line
        with pytest.raises(RuntimeError) as err:
            loss.backward(zoo_core.ones_like(loss))
    msg = str(err.value)
    assert "the-bad-node" in msg and "the-loss-line" not in msg


def test_anomaly_enabled_only_for_backward_still_checks():
    x = T([1.0, 2.0], rg=True)
    y = NanGrad.apply(x)
    with autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="returned nan values"):
            y.backward(zoo_core.ones_like(y))
