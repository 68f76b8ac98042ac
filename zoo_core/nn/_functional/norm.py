"""(being written) functional norm."""
__all__ = []
