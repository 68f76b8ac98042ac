"""``EmbeddingBag``: sums, means or maxima of bags of rows of a lookup table."""
from .. import init
from .._functional.embedding_bag import embedding_bag
from ..module import Module
from ..parameter import Parameter
from ...autograd.grad_mode import no_grad
from ...ops.creation import empty

__all__ = ["EmbeddingBag"]


class EmbeddingBag(Module):
    r"""A table of ``num_embeddings`` vectors; ``forward`` reduces each bag of looked-up rows to one vector.

    Args:
        num_embeddings: size of the table
        embedding_dim: size of each vector
        max_norm: rows looked up with a larger ``norm_type``-norm are renormalised in place
        scale_grad_by_freq: divide gradients by the index frequencies in the mini-batch (not with ``max``)
        mode: ``"sum"``, ``"mean"`` (default) or ``"max"`` over each bag
        sparse: accepted for compatibility; gradients are dense
        include_last_offset: ``offsets`` has one more entry, the end of the last bag (CSR layout)
        padding_idx: this row is initialised to zeros, left out of every bag and gets no gradient

    Shape: ``input`` (B, L) of B bags of length L, or 1-D (N) with ``offsets`` (B) (where each bag starts);
    ``per_sample_weights`` like ``input`` (``mode="sum"`` only); output ``(B, embedding_dim)``, zeros for
    an empty bag. Initialisation (as PyTorch): ``N(0, 1)``, padding row zeroed.

    Example::

        >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag(zoo_core.tensor([1, 2, 4, 5, 4]), zoo_core.tensor([0, 2])).shape
        zoo_core.Size([2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            if padding_idx > 0:
                if padding_idx >= num_embeddings:
                    raise AssertionError("padding_idx must be within num_embeddings")
            elif padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise AssertionError("padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(empty(num_embeddings, embedding_dim, device=device, dtype=dtype))
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight.detach())
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self):
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq!r}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx!r}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An ``EmbeddingBag`` whose table is ``embeddings`` (2-D); ``freeze`` stops it from learning.

        Example::

            >>> bag = nn.EmbeddingBag.from_pretrained(zoo_core.tensor([[1., 2.3, 3.], [4., 5.1, 6.3]]))
            >>> bag(zoo_core.tensor([[1, 0]])), bag.weight.requires_grad
            (tensor([[2.5000, 3.7000, 4.6500]]), False)
        """
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, max_norm=max_norm,
                  norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
