"""(being written) misc ops."""
__all__ = []
