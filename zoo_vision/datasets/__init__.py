"""Image datasets shipped with or read by zoo_vision."""
from .digits import Digits, load_digits

__all__ = ["Digits", "load_digits"]
