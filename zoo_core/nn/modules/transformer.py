"""(being written) transformer layers."""
__all__ = []
