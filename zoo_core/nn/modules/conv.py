"""(being written) conv layers."""
__all__ = []
