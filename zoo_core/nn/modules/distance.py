"""Distance layers: ``PairwiseDistance`` and ``CosineSimilarity`` (thin wrappers over ``functional``)."""
from .. import functional as F
from ..module import Module

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    r"""The p-norm distance :math:`\|x_1 - x_2 + \epsilon\|_p` between rows of ``x1`` and ``x2``.

    Example::

        >>> nn.PairwiseDistance()(zoo_core.ones(2, 3), zoo_core.zeros(2, 3)).shape
        zoo_core.Size([2])
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    r"""Cosine similarity :math:`\frac{x_1 \cdot x_2}{\max(\|x_1\| \|x_2\|, \epsilon)}` along ``dim``.

    Example::

        >>> nn.CosineSimilarity(dim=1)(zoo_core.ones(2, 3), zoo_core.ones(2, 3)).shape
        zoo_core.Size([2])
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
