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

ADAPTED = frozenset(["batch_norm", "instance_norm", "embedding", "binary_cross_entropy_with_logits", "kl_div",
                     "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss", "poisson_nll_loss",
                     "triplet_margin_loss", "ctc_loss", "dropout_", "alpha_dropout_", "feature_dropout",
                     "feature_dropout_", "feature_alpha_dropout_", "max_pool1d_with_indices"])

# the torch.* loss forms take the reduction as ATen's enum
_REDUCTION = {0: "none", 1: "mean", 2: "sum"}


def _reduction(r):
    if r not in _REDUCTION:
        raise ValueError(f"reduction must be 0 (none), 1 (mean) or 2 (sum), got {r!r}")
    return _REDUCTION[r]


def _F():
    from .nn import functional
    return functional


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                                 pos_weight=pos_weight)


def kl_div(input, target, reduction=1, *, log_target=False):
    return _F().kl_div(input, target, reduction=_reduction(reduction), log_target=log_target)


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return _F().margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=1):
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction(reduction))


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1, zero_infinity=False):
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
                         zero_infinity)


def dropout_(input, p, train):
    return _F().dropout(input, p, train, inplace=True)


def alpha_dropout_(input, p, train):
    return _F().alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input, p, train):
    """Channel dropout (whole feature maps): ``F.dropout2d``'s rule for any number of spatial dims."""
    return _feature(input, p, train, False)


def feature_dropout_(input, p, train):
    return _feature(input, p, train, True)


def feature_alpha_dropout_(input, p, train):
    return _F().feature_alpha_dropout(input, p, train, inplace=True)


def _feature(input, p, train, inplace):
    F = _F()
    fn = {3: F.dropout1d, 4: F.dropout2d, 5: F.dropout3d}.get(input.ndim, F.dropout2d)
    return fn(input, p, train, inplace=inplace)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _F().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode=ceil_mode,
                           return_indices=True)


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
