"""(being written) sparse layers."""
__all__ = []
