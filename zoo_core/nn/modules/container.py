"""``Container``: PyTorch's deprecated base class, kept so old code runs (subclass ``Module`` instead)."""
import warnings

from ..module import Module

__all__ = ["Container"]


class Container(Module):
    """A ``Module`` whose keyword arguments become its children (deprecated in PyTorch; warns as it does).

    Example::

        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     c = nn.Container(fc=nn.Linear(2, 3))
        >>> [name for name, _ in c.named_children()]
        ['fc']
    """

    def __init__(self, **kwargs):
        super().__init__()
        warnings.warn("nn.Container is deprecated. All of it's functionality is now implemented in nn.Module. "
                      "Subclass that instead.", stacklevel=2)
        for key, value in kwargs.items():
            self.add_module(key, value)
