"""(being written) pooling layers."""
__all__ = []
