"""``zoo_core.utils``: the ``torch.utils`` namespace (``zoo_core.utils.data`` is ``zoo_core.data``)."""
from . import data
from . import checkpoint
