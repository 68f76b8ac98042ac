"""Vision model families."""
from .small_cnn import SmallCNN

__all__ = ["SmallCNN"]
