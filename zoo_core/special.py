"""``zoo_core.special``: special functions under their ``torch.special`` names."""
from .ops.binary_math import sinc, xlog1py, xlogy
from .ops.reduction import logsumexp
from .ops.scan import log_softmax, softmax
from .ops.special import digamma, erfinv, lgamma as gammaln, mvlgamma as multigammaln, polygamma
from .ops.special_functions import (airy_ai, bessel_j0, bessel_j1, bessel_y0, bessel_y1, entr, erfcx, gammainc,
                                    gammaincc, i0, i0e, i1, i1e, log_ndtr, modified_bessel_i0, modified_bessel_i1,
                                    modified_bessel_k0, modified_bessel_k1, ndtr, ndtri, scaled_modified_bessel_k0,
                                    scaled_modified_bessel_k1, spherical_bessel_j0, zeta)
from .ops.special_polynomials import (chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v,
                                      chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
                                      laguerre_polynomial_l, legendre_polynomial_p, shifted_chebyshev_polynomial_t,
                                      shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
                                      shifted_chebyshev_polynomial_w)
from .ops.unary import erf, erfc, expm1, exp2, log1p, logit, round, sigmoid as expit

psi = digamma

__all__ = ["airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
           "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf",
           "erfc", "erfcx", "erfinv", "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln",
           "hermite_polynomial_h", "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l",
           "legendre_polynomial_p", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "multigammaln", "ndtr", "ndtri",
           "polygamma", "psi", "round", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]
