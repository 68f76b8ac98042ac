"""Cases of the families in more_continuous / more_multivariate: ``make(lib, a=None, b=None)`` builds the
same float64 distribution with ``lib = zoo_core`` or ``torch``; ``value(lib)`` is a point of its support;
``params`` are the default ``(a, b)`` for gradchecks (b None: one parameter)."""
import zoo_core.distributions  # noqa: F401

from ._cases import t

A = [0.3, -1.2, 2.0]
P = [1.5, 0.7, 2.5]
W = [[[0.5, -0.2], [1.0, 0.3], [0.1, 0.8]]]
POS = lambda lib: t(lib, [0.1, 0.4, 3.0])   # noqa: E731
UNIT = lambda lib: t(lib, [0.1, 0.4, 0.95])   # noqa: E731


def _d(lib):
    return lib.distributions


def _or(x, lib, default):
    return t(lib, default) if x is None else x


MORE = {
    "Weibull": (lambda lib, a=None, b=None: _d(lib).Weibull(_or(a, lib, P), _or(b, lib, [0.8, 2.0, 1.3])),
                POS, (P, [0.8, 2.0, 1.3])),
    "Pareto": (lambda lib, a=None, b=None: _d(lib).Pareto(_or(a, lib, [0.05, 0.2, 1.0]), _or(b, lib, [0.8, 2.5, 3.0])),
               lambda lib: t(lib, [0.1, 0.4, 3.0]), ([0.05, 0.2, 1.0], [0.8, 2.5, 3.0])),
    "HalfCauchy": (lambda lib, a=None, b=None: _d(lib).HalfCauchy(_or(a, lib, P)), POS, (P, None)),
    "Kumaraswamy": (lambda lib, a=None, b=None: _d(lib).Kumaraswamy(_or(a, lib, [1.5, 0.7, 2.5]),
                                                                    _or(b, lib, [0.5, 2.0, 1.0])),
                    UNIT, ([1.5, 0.7, 2.5], [0.5, 2.0, 1.0])),
    "InverseGamma": (lambda lib, a=None, b=None: _d(lib).InverseGamma(_or(a, lib, [1.5, 2.7, 3.5]),
                                                                      _or(b, lib, [0.5, 2.0, 1.0])),
                     POS, ([1.5, 2.7, 3.5], [0.5, 2.0, 1.0])),
    "FisherSnedecor": (lambda lib, a=None, b=None: _d(lib).FisherSnedecor(_or(a, lib, [1.5, 3.0, 6.0]),
                                                                          _or(b, lib, [2.5, 5.0, 9.0])),
                       POS, ([1.5, 3.0, 6.0], [2.5, 5.0, 9.0])),
    "GeneralizedPareto": (lambda lib, a=None, b=None: _d(lib).GeneralizedPareto(
                              _or(a, lib, [0.0, -0.5, 0.05]), _or(b, lib, P), t(lib, [0.3, -0.2, 0.0])),
                          lambda lib: t(lib, [0.1, 0.4, 3.0]), ([0.0, -0.5, 0.05], P)),
    "ContinuousBernoulli": (lambda lib, a=None, b=None: _d(lib).ContinuousBernoulli(_or(a, lib, [0.2, 0.4995, 0.9])),
                            UNIT, ([0.2, 0.4995, 0.9], None)),
    "ContinuousBernoulliLogits": (lambda lib, a=None, b=None: _d(lib).ContinuousBernoulli(logits=_or(a, lib, A)),
                                  UNIT, (A, None)),
    "VonMises": (lambda lib, a=None, b=None: _d(lib).VonMises(_or(a, lib, A), _or(b, lib, [0.5, 3.0, 6.0])),
                 lambda lib: t(lib, [0.1, 0.4, -2.0]), (A, [0.5, 3.0, 6.0])),
    "NegativeBinomial": (lambda lib, a=None, b=None: _d(lib).NegativeBinomial(t(lib, [3.0, 0.5, 10.0]),
                                                                              _or(a, lib, [0.2, 0.5, 0.9])),
                         lambda lib: t(lib, [0.0, 3.0, 7.0]), ([0.2, 0.5, 0.9], None)),
    "NegativeBinomialLogits": (lambda lib, a=None, b=None: _d(lib).NegativeBinomial(
                                   _or(b, lib, [3.0, 0.5, 10.0]), logits=_or(a, lib, A)),
                               lambda lib: t(lib, [0.0, 3.0, 7.0]), (A, [3.0, 0.5, 10.0])),
    "LogisticNormal": (lambda lib, a=None, b=None: _d(lib).LogisticNormal(_or(a, lib, A), _or(b, lib, P)),
                       lambda lib: t(lib, [0.1, 0.2, 0.3, 0.4]), (A, P)),
    "LowRankMVN": (lambda lib, a=None, b=None: _d(lib).LowRankMultivariateNormal(
                       _or(a, lib, [A, P]), _or(b, lib, W), t(lib, [1.0, 0.5, 2.0])),
                   lambda lib: t(lib, [[0.1, 0.4, -1.0], [1.0, 2.0, 0.0]]), ([A, P], W)),
}
