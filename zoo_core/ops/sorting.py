"""(being written) sorting ops."""
__all__ = []
