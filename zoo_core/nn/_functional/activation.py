"""(being written) functional activation."""
__all__ = []
