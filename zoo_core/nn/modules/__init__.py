"""The layer modules, one file per family."""
