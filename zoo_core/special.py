"""``zoo_core.special``: special functions under their ``torch.special`` names."""
from .ops.special import digamma, erfinv, lgamma as gammaln, mvlgamma as multigammaln, polygamma
from .ops.unary import erf, erfc, expm1, exp2, log1p, logit, sigmoid as expit
from .ops.scan import log_softmax, softmax

psi = digamma

__all__ = ["digamma", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "log1p", "log_softmax",
           "logit", "multigammaln", "polygamma", "psi", "softmax"]
