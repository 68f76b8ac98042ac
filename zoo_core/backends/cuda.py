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


# ---- scaled-dot-product-attention switches (PyTorch's fused kernels; Zoo has the math one only) ----------
from ..nn.attention import SDPBackend  # noqa: E402,F401  (torch.backends.cuda.SDPBackend)

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def _switch(name):
    def enable(enabled):
        _sdp[name] = bool(enabled)

    def enabled():
        return _sdp[name]
    enable.__name__, enabled.__name__ = f"enable_{name}_sdp", f"{name}_sdp_enabled"
    enable.__doc__ = f"Record whether PyTorch may use its {name} attention kernel (Zoo computes attention " \
                     "with its math implementation whatever the switches say)."
    return enable, enabled


enable_flash_sdp, flash_sdp_enabled = _switch("flash")
enable_mem_efficient_sdp, mem_efficient_sdp_enabled = _switch("mem_efficient")
enable_math_sdp, math_sdp_enabled = _switch("math")
enable_cudnn_sdp, cudnn_sdp_enabled = _switch("cudnn")


def is_flash_attention_available():
    """False: Zoo has no fused flash-attention kernel."""
    return False


def sdp_kernel(enable_flash=True, enable_math=True, enable_mem_efficient=True, enable_cudnn=True):
    """The older context manager form: sets the switches for the block and restores them after."""
    import contextlib

    @contextlib.contextmanager
    def ctx():
        saved = dict(_sdp)
        _sdp.update(flash=enable_flash, math=enable_math, mem_efficient=enable_mem_efficient, cudnn=enable_cudnn)
        try:
            yield
        finally:
            _sdp.update(saved)
    return ctx()
