"""``zoo_core.backends.cudnn``: PyTorch's cuDNN flags. Zoo does not use cuDNN (CuPy 14 ships without it):
convolutions run as im2col + cuBLAS GEMMs, so the flags are recorded and have no effect."""
enabled = True          # torch.backends.cudnn.enabled
benchmark = False       # autotuning of conv algorithms: zoo has one algorithm
deterministic = False   # zoo's convolutions are deterministic either way
allow_tf32 = True


def is_available():
    """False: zoo runs no cuDNN kernels."""
    return False


def version():
    """None: cuDNN is not used."""
    return None
