"""Between a model's parameters and one flat vector: ``parameters_to_vector``, ``vector_to_parameters``."""
from ...ops.join import cat
from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_device(param, first):
    if first is None:
        return param.device
    if param.device != first:
        raise TypeError(f"Found two parameters on different devices, this is currently not supported "
                        f"({first} and {param.device}).")
    return first


def parameters_to_vector(parameters):
    """All ``parameters`` flattened and concatenated into one 1-D tensor (differentiable).

    Example::

        >>> nn.utils.parameters_to_vector(nn.Linear(3, 2).parameters()).shape
        zoo_core.Size([8])
    """
    device, flat = None, []
    for p in parameters:
        device = _check_device(p, device)
        flat.append(p.reshape(-1))
    return cat(flat)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (their ``.data``; not recorded).

    Example::

        >>> m = nn.Linear(3, 2)
        >>> nn.utils.vector_to_parameters(zoo_core.zeros(8), m.parameters())
        >>> float(m.weight.abs().sum())
        0.0
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device, pointer = None, 0
    for p in parameters:
        device = _check_device(p, device)
        n = p.numel()
        p.data = vec[pointer:pointer + n].view_as(p).data
        pointer += n
