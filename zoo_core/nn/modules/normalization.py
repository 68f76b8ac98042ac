"""(being written) normalization layers."""
__all__ = []
