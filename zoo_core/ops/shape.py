"""(being written) shape ops."""
__all__ = []
