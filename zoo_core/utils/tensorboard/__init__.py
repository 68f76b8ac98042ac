"""``torch.utils.tensorboard``: ``SummaryWriter`` writing TensorBoard event files (no TensorFlow needed)."""
from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
