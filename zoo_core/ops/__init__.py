"""Tensor ops, one module per family. Importing this package attaches the Tensor methods."""
