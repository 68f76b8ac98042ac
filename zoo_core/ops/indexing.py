"""(being written) indexing ops."""
__all__ = []
