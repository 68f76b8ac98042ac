"""Distribution cases shared by the tests: each ``make(lib)`` builds the same distribution with
``lib = zoo_core`` or ``torch`` (float64 parameters), ``value(lib)`` a point in its support."""
import numpy as np

import zoo_core.distributions  # noqa: F401  (sets zoo_core.distributions before the lead wires it lazily)

F = "float64"


def t(lib, x):
    return lib.tensor(np.asarray(x, dtype=np.float64))


A = [0.3, -1.2, 2.0]
P = [1.5, 0.7, 2.5]
PROB = [0.2, 0.5, 0.9]
SIMPLEX_LOGITS = [[0.1, -1.0, 2.0, 0.5], [1.0, 1.0, -0.3, 0.0]]
COV = [[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]]
TRIL = [[1.2, 0.0, 0.0], [0.4, 0.8, 0.0], [-0.3, 0.2, 1.1]]

# name: (make, value, params for gradcheck as names of make's tensors)
CASES = {
    "Normal": (lambda lib, a=None, b=None: lib.distributions.Normal(t(lib, A) if a is None else a,
                                                                    t(lib, P) if b is None else b),
               lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "Uniform": (lambda lib, a=None, b=None: lib.distributions.Uniform(t(lib, A) if a is None else a,
                                                                      t(lib, [1.0, 0.0, 3.0]) if b is None else b),
                lambda lib: t(lib, [0.5, -1.0, 2.5])),
    "Laplace": (lambda lib, a=None, b=None: lib.distributions.Laplace(t(lib, A) if a is None else a,
                                                                      t(lib, P) if b is None else b),
                lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "Cauchy": (lambda lib, a=None, b=None: lib.distributions.Cauchy(t(lib, A) if a is None else a,
                                                                    t(lib, P) if b is None else b),
               lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "StudentT": (lambda lib, a=None, b=None: lib.distributions.StudentT(t(lib, [3.0, 1.5, 8.0]) if a is None else a,
                                                                        t(lib, A), t(lib, P) if b is None else b),
                 lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "LogNormal": (lambda lib, a=None, b=None: lib.distributions.LogNormal(t(lib, A) if a is None else a,
                                                                          t(lib, P) if b is None else b),
                  lambda lib: t(lib, [0.1, 0.4, 3.0])),
    "Exponential": (lambda lib, a=None, b=None: lib.distributions.Exponential(t(lib, P) if a is None else a),
                    lambda lib: t(lib, [0.1, 0.4, 3.0])),
    "Gamma": (lambda lib, a=None, b=None: lib.distributions.Gamma(t(lib, P) if a is None else a,
                                                                  t(lib, [0.5, 2.0, 1.0]) if b is None else b),
              lambda lib: t(lib, [0.1, 0.4, 3.0])),
    "Chi2": (lambda lib, a=None, b=None: lib.distributions.Chi2(t(lib, P) if a is None else a),
             lambda lib: t(lib, [0.1, 0.4, 3.0])),
    "Beta": (lambda lib, a=None, b=None: lib.distributions.Beta(t(lib, P) if a is None else a,
                                                                t(lib, [0.5, 2.0, 1.0]) if b is None else b),
             lambda lib: t(lib, [0.1, 0.4, 0.95])),
    "Dirichlet": (lambda lib, a=None, b=None: lib.distributions.Dirichlet(
                      t(lib, [[1.5, 0.7, 2.5], [0.5, 3.0, 1.0]]) if a is None else a),
                  lambda lib: t(lib, [[0.2, 0.3, 0.5], [0.6, 0.1, 0.3]])),
    "Bernoulli": (lambda lib, a=None, b=None: lib.distributions.Bernoulli(t(lib, PROB) if a is None else a),
                  lambda lib: t(lib, [1.0, 0.0, 1.0])),
    "BernoulliLogits": (lambda lib, a=None, b=None: lib.distributions.Bernoulli(logits=t(lib, A) if a is None else a),
                        lambda lib: t(lib, [1.0, 0.0, 1.0])),
    "Binomial": (lambda lib, a=None, b=None: lib.distributions.Binomial(t(lib, [5.0, 5.0, 5.0]),
                                                                        t(lib, PROB) if a is None else a),
                 lambda lib: t(lib, [0.0, 3.0, 5.0])),
    "Geometric": (lambda lib, a=None, b=None: lib.distributions.Geometric(t(lib, PROB) if a is None else a),
                  lambda lib: t(lib, [0.0, 3.0, 5.0])),
    "Poisson": (lambda lib, a=None, b=None: lib.distributions.Poisson(t(lib, P) if a is None else a),
                lambda lib: t(lib, [0.0, 3.0, 5.0])),
    "Categorical": (lambda lib, a=None, b=None: lib.distributions.Categorical(
                        logits=t(lib, SIMPLEX_LOGITS) if a is None else a),
                    lambda lib: lib.tensor([3, 0])),
    "CategoricalProbs": (lambda lib, a=None, b=None: lib.distributions.Categorical(
                             probs=t(lib, [[0.1, 0.2, 0.3, 0.4], [1.0, 2.0, 0.5, 0.5]]) if a is None else a),
                         lambda lib: lib.tensor([1, 2])),
    "OneHotCategorical": (lambda lib, a=None, b=None: lib.distributions.OneHotCategorical(
                              logits=t(lib, SIMPLEX_LOGITS) if a is None else a),
                          lambda lib: t(lib, [[0, 0, 1, 0], [1, 0, 0, 0]])),
    "MVNCov": (lambda lib, a=None, b=None: lib.distributions.MultivariateNormal(
                   t(lib, A) if a is None else a, covariance_matrix=t(lib, COV) if b is None else b),
               lambda lib: t(lib, [[0.1, 0.4, -1.0], [1.0, 2.0, 0.0]])),
    "MVNTril": (lambda lib, a=None, b=None: lib.distributions.MultivariateNormal(
                    t(lib, A) if a is None else a, scale_tril=t(lib, TRIL) if b is None else b),
                lambda lib: t(lib, [[0.1, 0.4, -1.0], [1.0, 2.0, 0.0]])),
    "MVNPrecision": (lambda lib, a=None, b=None: lib.distributions.MultivariateNormal(
                         t(lib, A) if a is None else a, precision_matrix=t(lib, COV) if b is None else b),
                     lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "IndependentNormal": (lambda lib, a=None, b=None: lib.distributions.Independent(
                              lib.distributions.Normal(t(lib, [A, P]) if a is None else a, t(lib, [P, P])), 1),
                          lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "TanhNormal": (lambda lib, a=None, b=None: lib.distributions.TransformedDistribution(
                       lib.distributions.Normal(t(lib, A) if a is None else a, t(lib, P) if b is None else b),
                       [lib.distributions.transforms.TanhTransform()]),
                   lambda lib: t(lib, [0.1, 0.4, -0.9])),
    "AffineSigmoid": (lambda lib, a=None, b=None: lib.distributions.TransformedDistribution(
                          lib.distributions.Normal(t(lib, A) if a is None else a, t(lib, P) if b is None else b),
                          [lib.distributions.transforms.SigmoidTransform(),
                           lib.distributions.transforms.AffineTransform(1.0, -2.0)]),
                      lambda lib: t(lib, [0.1, 0.4, -0.9])),
    "Multinomial": (lambda lib, a=None, b=None: lib.distributions.Multinomial(
                        6, logits=t(lib, SIMPLEX_LOGITS) if a is None else a),
                    lambda lib: t(lib, [[1, 2, 3, 0], [0, 0, 6, 0]])),
    "HalfNormal": (lambda lib, a=None, b=None: lib.distributions.HalfNormal(t(lib, P) if a is None else a),
                   lambda lib: t(lib, [0.1, 0.4, 3.0])),
    "Gumbel": (lambda lib, a=None, b=None: lib.distributions.Gumbel(t(lib, A) if a is None else a,
                                                                    t(lib, P) if b is None else b),
               lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "RelaxedBernoulli": (lambda lib, a=None, b=None: lib.distributions.RelaxedBernoulli(
                             t(lib, 0.7), logits=t(lib, A) if a is None else a),
                         lambda lib: t(lib, [0.1, 0.4, 0.9])),
    "RelaxedOneHotCategorical": (lambda lib, a=None, b=None: lib.distributions.RelaxedOneHotCategorical(
                                     t(lib, 0.7), logits=t(lib, SIMPLEX_LOGITS) if a is None else a),
                                 lambda lib: t(lib, [[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1]])),
    "MixtureNormal": (lambda lib, a=None, b=None: lib.distributions.MixtureSameFamily(
                          lib.distributions.Categorical(logits=t(lib, [0.1, -1.0, 2.0]) if a is None else a),
                          lib.distributions.Normal(t(lib, A), t(lib, P) if b is None else b)),
                      lambda lib: t(lib, [0.1, 0.4, -1.0])),
    "MixtureMVN": (lambda lib, a=None, b=None: lib.distributions.MixtureSameFamily(
                       lib.distributions.Categorical(logits=t(lib, [[0.1, -1.0], [2.0, 0.0]]) if a is None else a),
                       lib.distributions.MultivariateNormal(t(lib, [[A, P], [P, A]]) if b is None else b,
                                                            scale_tril=t(lib, TRIL))),
                   lambda lib: t(lib, [[0.1, 0.4, -1.0], [1.0, 2.0, 0.0]])),
}
