"""(being written) functional loss."""
__all__ = []
