"""``zoo_core.backends.mps``: Apple's Metal backend, which zoo does not have."""


def is_available():
    """False: zoo runs on numpy (CPU) and CuPy (NVIDIA GPUs) only."""
    return False


def is_built():
    return False
