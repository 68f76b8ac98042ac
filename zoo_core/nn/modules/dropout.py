"""(being written) dropout layers."""
__all__ = []
