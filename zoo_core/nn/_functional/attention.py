"""(being written) functional attention."""
__all__ = []
