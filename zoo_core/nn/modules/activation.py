"""(being written) activation layers."""
__all__ = []
