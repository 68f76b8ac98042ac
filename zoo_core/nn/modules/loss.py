"""(being written) loss layers."""
__all__ = []
