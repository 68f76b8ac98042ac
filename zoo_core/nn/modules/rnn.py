"""(being written) rnn layers."""
__all__ = []
