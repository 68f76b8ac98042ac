"""The ``torch.conv2d``-style top-level forms of ``nn.functional`` ops that PyTorch code also calls.

Most share ``nn.functional``'s signature and are looked up there on first use (``import zoo_core`` stays
light); the few whose ``torch.*`` argument order differs from the functional form get an adapter here.
"""
# torch.<name> is nn.functional.<name> with the same positional order
SAME_AS_FUNCTIONAL = frozenset("""
    conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d avg_pool1d max_pool1d max_pool2d
    max_pool3d adaptive_avg_pool1d adaptive_max_pool1d dropout alpha_dropout feature_alpha_dropout layer_norm
    group_norm pixel_shuffle pixel_unshuffle channel_shuffle cosine_similarity pairwise_distance selu celu
    threshold prelu rrelu hardshrink bilinear rms_norm relu_ selu_ celu_ threshold_ rrelu_ pdist
""".split())

ADAPTED = frozenset(["batch_norm", "instance_norm", "embedding"])


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    """``torch.batch_norm``: the weights come before the running statistics (unlike ``F.batch_norm``)."""
    from .nn import functional as F
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                  cudnn_enabled=True):
    """``torch.instance_norm``: the weights come before the running statistics."""
    from .nn import functional as F
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def embedding(weight, input, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``torch.embedding(weight, indices)``: the table first (``F.embedding`` takes the indices first)."""
    from .nn import functional as F
    return F.embedding(input, weight, padding_idx=None if padding_idx < 0 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def lookup(name):
    if name in SAME_AS_FUNCTIONAL:
        from .nn import functional as F
        return getattr(F, name)
    if name in ADAPTED:
        return globals()[name]
    return None
