"""(being written) reduction ops."""
__all__ = []
