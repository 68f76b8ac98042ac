"""``zoo_core.backends.cuda``: PyTorch's CUDA math switches (recorded; CuPy decides its own GEMM precision)."""


class _Matmul:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()


def is_built():
    """True when CuPy can be imported (zoo's CUDA backend), without starting CUDA."""
    import importlib.util
    return importlib.util.find_spec("cupy") is not None
