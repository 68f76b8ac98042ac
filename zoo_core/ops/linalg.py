"""(being written) linalg ops."""
__all__ = []
