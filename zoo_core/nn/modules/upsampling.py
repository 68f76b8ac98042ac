"""(being written) upsampling layers."""
__all__ = []
