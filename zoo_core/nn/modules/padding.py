"""(being written) padding layers."""
__all__ = []
