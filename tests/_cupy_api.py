"""Inventory of the real CuPy API, used by the strict CPU stand-in for CuPy.

Pure data, no imports.  Source read: **CuPy 14.2.0**, the newest release on
PyPI at the time of writing.  The source distribution ``cupy-14.2.0.tar.gz``
was fetched with pip and its Python/Cython sources were read directly; the
sdist carries no git commit id, and ``cupy/_version.py`` says
``__version__ = '14.2.0'``.  The stored ``cupy/cupy`` GitHub snapshots were
also looked at, but the copy of ``cupy/__init__.py`` they return by default
is from CuPy 7.x, so it was not used.  Older documentation
(docs/source/reference/ufunc.rst @ 1b2ed855) says "reduce/accumulate/
reduceat: not implemented yet"; in 14.2.0 they exist for a few ufuncs only
(see UFUNC_METHODS).

Files read (paths inside the sdist):
  cupy/__init__.py, cupy/linalg/__init__.py, cupy/random/__init__.py,
  cupy/random/_generator_api.pyx (class Generator),
  cupy/random/_generator.py (class RandomState),
  cupy/random/_bit_generator.pyx (BitGenerator / XORWOW ...),
  cupy/lib/stride_tricks.py, cupyx/__init__.py, cupyx/_ufunc_config.py,
  cupyx/_scatter.py, cupyx/scipy/special/__init__.py,
  cupy/_core/core.pyx + core.pxd (ndarray), cupy/_core/flags.pyx,
  cupy/_core/_kernel.pyx (class ufunc), cupy/_core/_scalar.pyx,
  cupy/_core/_routines_indexing.pyx, cupy/_core/_routines_manipulation.pyx,
  cupy/_manipulation/*.py, cupy/_sorting/*.py, cupy/_indexing/*.py,
  cupy/_statistics/histogram.py, cupy/_math/*.py, cupy/_misc/memory_ranges.py,
  cupy/_creation/*.py, cupy/linalg/_decomposition.py, cupy/linalg/_einsum.py.

The frozensets below were pulled out with an AST walk of the module-level
bindings (for ``.py``) or by scanning the class bodies (for ``.pyx``), then
checked by hand.
"""


# Public names bound in cupy/__init__.py (imports, defs, assignments, both
# branches of the numpy<2 / >=2 shims) plus the implicitly reachable subpackage
# `lib` (cupy/__init__.py imports cupy.lib._shape_base, and
# cupy/lib/__init__.py imports stride_tricks). NOT present: errstate, seterr,
# geterr (those are cupyx.*), insert, spacing, geomspace, block, nanpercentile,
# nanquantile, einsum_path, vecdot, matvec, vecmat, longdouble, float128,
# object_, str_, bytes_, void, datetime64, nditer, ndenumerate, frompyfunc,
# histogram_bin_edges, polyder, polyint, polydiv, unstack.
TOP_LEVEL = frozenset({
    'AxisError', 'ComplexWarning', 'DataSource', 'ElementwiseKernel', 'Inf',
    'Infinity', 'ModuleDeprecationWarning', 'NAN', 'NINF', 'NZERO', 'NaN',
    'PINF', 'PZERO', 'RankWarning', 'RawKernel', 'RawModule',
    'ReductionKernel', 'TooHardError', 'VisibleDeprecationWarning', 'abs',
    'absolute', 'acos', 'acosh', 'add', 'all', 'allclose', 'alltrue', 'amax',
    'amin', 'angle', 'any', 'append', 'apply_along_axis', 'apply_over_axes',
    'arange', 'arccos', 'arccosh', 'arcsin', 'arcsinh', 'arctan', 'arctan2',
    'arctanh', 'argmax', 'argmin', 'argpartition', 'argsort', 'argwhere',
    'around', 'array', 'array2string', 'array_equal', 'array_equiv',
    'array_repr', 'array_split', 'array_str', 'asanyarray', 'asarray',
    'asarray_chkfinite', 'ascontiguousarray', 'asfarray', 'asfortranarray',
    'asin', 'asinh', 'asnumpy', 'astype', 'atan', 'atan2', 'atanh',
    'atleast_1d', 'atleast_2d', 'atleast_3d', 'average', 'bartlett',
    'base_repr', 'binary_repr', 'bincount', 'bitwise_and', 'bitwise_count',
    'bitwise_invert', 'bitwise_left_shift', 'bitwise_not', 'bitwise_or',
    'bitwise_right_shift', 'bitwise_xor', 'blackman', 'bool', 'bool_',
    'broadcast', 'broadcast_arrays', 'broadcast_shapes', 'broadcast_to',
    'byte', 'byte_bounds', 'c_', 'can_cast', 'cbrt', 'cdouble', 'ceil',
    'cfloat', 'choose', 'clear_memo', 'clip', 'column_stack', 'common_type',
    'complex128', 'complex64', 'complex_', 'complexfloating', 'compress',
    'concat', 'concatenate', 'conj', 'conjugate', 'convolve', 'copy',
    'copysign', 'copyto', 'corrcoef', 'correlate', 'cos', 'cosh',
    'count_nonzero', 'cov', 'cross', 'csingle', 'cuda', 'cumprod',
    'cumproduct', 'cumsum', 'cumulative_prod', 'cumulative_sum', 'deg2rad',
    'degrees', 'delete', 'diag', 'diag_indices', 'diag_indices_from',
    'diagflat', 'diagonal', 'diff', 'digitize',
    'disable_experimental_feature_warning', 'disp', 'divide', 'divmod', 'dot',
    'double', 'dsplit', 'dstack', 'dtype', 'e', 'ediff1d', 'einsum', 'empty',
    'empty_like', 'equal', 'euler_gamma', 'exceptions', 'exp', 'exp2',
    'expand_dims', 'expm1', 'extract', 'eye', 'fabs', 'fft', 'fill_diagonal',
    'find_common_type', 'finfo', 'fix', 'flatiter', 'flatnonzero', 'flip',
    'fliplr', 'flipud', 'float16', 'float32', 'float64', 'float_',
    'float_power', 'floating', 'floor', 'floor_divide', 'fmax', 'fmin', 'fmod',
    'format_float_positional', 'format_float_scientific', 'format_parser',
    'frexp', 'fromDlpack', 'from_dlpack', 'frombuffer', 'fromfile',
    'fromfunction', 'fromiter', 'fromstring', 'full', 'full_like', 'fuse',
    'gcd', 'generic', 'genfromtxt', 'get_array_module', 'get_array_wrap',
    'get_default_memory_pool', 'get_default_pinned_memory_pool',
    'get_printoptions', 'gradient', 'greater', 'greater_equal', 'half',
    'hamming', 'hanning', 'heaviside', 'histogram', 'histogram2d',
    'histogramdd', 'hsplit', 'hstack', 'hypot', 'i0', 'identity', 'iinfo',
    'imag', 'in1d', 'index_exp', 'indices', 'inexact', 'inf', 'infty', 'inner',
    'int16', 'int32', 'int64', 'int8', 'int_', 'intc', 'integer', 'interp',
    'intersect1d', 'intp', 'invert', 'is_available', 'isclose', 'iscomplex',
    'iscomplexobj', 'isdtype', 'isfinite', 'isfortran', 'isin', 'isinf',
    'isnan', 'isneginf', 'isposinf', 'isreal', 'isrealobj', 'isscalar',
    'issctype', 'issubclass_', 'issubdtype', 'issubsctype', 'iterable', 'ix_',
    'kaiser', 'kron', 'lcm', 'ldexp', 'left_shift', 'less', 'less_equal',
    'lexsort', 'lib', 'linalg', 'linspace', 'load', 'loadtxt', 'log', 'log10',
    'log1p', 'log2', 'logaddexp', 'logaddexp2', 'logical_and', 'logical_not',
    'logical_or', 'logical_xor', 'logspace', 'long', 'longlong',
    'make_aligned_dtype', 'mask_indices', 'matmul', 'matrix_transpose', 'max',
    'maximum', 'may_share_memory', 'mean', 'median', 'memoize', 'meshgrid',
    'mgrid', 'min', 'min_scalar_type', 'minimum', 'mintypecode', 'mod', 'modf',
    'moveaxis', 'msort', 'multiply', 'nan', 'nan_to_num', 'nanargmax',
    'nanargmin', 'nancumprod', 'nancumsum', 'nanmax', 'nanmean', 'nanmedian',
    'nanmin', 'nanprod', 'nanstd', 'nansum', 'nanvar', 'ndarray', 'ndim',
    'ndindex', 'negative', 'newaxis', 'nextafter', 'nonzero', 'not_equal',
    'number', 'obj2sctype', 'ogrid', 'ones', 'ones_like', 'outer', 'packbits',
    'pad', 'partition', 'percentile', 'permute_dims', 'pi', 'piecewise',
    'place', 'poly', 'poly1d', 'polyadd', 'polyfit', 'polymul', 'polynomial',
    'polysub', 'polyval', 'positive', 'pow', 'power', 'printoptions', 'prod',
    'product', 'promote_types', 'ptp', 'put', 'put_along_axis', 'putmask',
    'quantile', 'r_', 'rad2deg', 'radians', 'random', 'ravel',
    'ravel_multi_index', 'real', 'real_if_close', 'reciprocal', 'remainder',
    'repeat', 'require', 'reshape', 'resize', 'result_type', 'right_shift',
    'rint', 'roll', 'rollaxis', 'roots', 'rot90', 'round', 'round_',
    'row_stack', 's_', 'safe_eval', 'save', 'savetxt', 'savez',
    'savez_compressed', 'sctype2char', 'searchsorted', 'select',
    'set_printoptions', 'set_string_function', 'setdiff1d', 'setxor1d',
    'shape', 'shares_memory', 'short', 'show_config', 'sign', 'signbit',
    'signedinteger', 'sin', 'sinc', 'single', 'singlecomplex', 'sinh', 'size',
    'sometrue', 'sort', 'sort_complex', 'split', 'sqrt', 'square', 'squeeze',
    'stack', 'std', 'subtract', 'sum', 'swapaxes', 'take', 'take_along_axis',
    'tan', 'tanh', 'tensordot', 'testing', 'tile', 'trace', 'transpose',
    'trapezoid', 'trapz', 'tri', 'tril', 'tril_indices', 'tril_indices_from',
    'trim_zeros', 'triu', 'triu_indices', 'triu_indices_from', 'true_divide',
    'trunc', 'typename', 'ubyte', 'ufunc', 'uint', 'uint16', 'uint32',
    'uint64', 'uint8', 'uintc', 'uintp', 'ulong', 'ulonglong', 'union1d',
    'unique', 'unique_all', 'unique_counts', 'unique_inverse', 'unique_values',
    'unpackbits', 'unravel_index', 'unsignedinteger', 'unwrap', 'ushort',
    'vander', 'var', 'vdot', 'vectorize', 'vsplit', 'vstack', 'where', 'who',
    'zeros', 'zeros_like',
})


# Top-level names that are cupy.ufunc instances (create_ufunc /
# create_math_ufunc / create_comparison / create_arithmetic / _create_bit_op in
# cupy/_math/*.py, cupy/_logic/*.py,
# cupy/_core/_routines_{math,binary,logic}.pyx, plus their aliases). matmul is
# a cupyx GeneralizedUFunc (_GUFunc), NOT a cupy.ufunc: no .outer/.at/.reduce.
# clip, around/round, angle, real, imag, where, isclose, isneginf, isposinf,
# nan_to_num are plain functions.
UFUNCS = frozenset({
    'abs', 'absolute', 'acos', 'acosh', 'add', 'arccos', 'arccosh', 'arcsin',
    'arcsinh', 'arctan', 'arctan2', 'arctanh', 'asin', 'asinh', 'atan',
    'atan2', 'atanh', 'bitwise_and', 'bitwise_count', 'bitwise_invert',
    'bitwise_left_shift', 'bitwise_not', 'bitwise_or', 'bitwise_right_shift',
    'bitwise_xor', 'cbrt', 'ceil', 'conj', 'conjugate', 'copysign', 'cos',
    'cosh', 'deg2rad', 'degrees', 'divide', 'divmod', 'equal', 'exp', 'exp2',
    'expm1', 'fabs', 'fix', 'float_power', 'floor', 'floor_divide', 'fmax',
    'fmin', 'fmod', 'frexp', 'gcd', 'greater', 'greater_equal', 'heaviside',
    'hypot', 'i0', 'invert', 'isfinite', 'isinf', 'isnan', 'lcm', 'ldexp',
    'left_shift', 'less', 'less_equal', 'log', 'log10', 'log1p', 'log2',
    'logaddexp', 'logaddexp2', 'logical_and', 'logical_not', 'logical_or',
    'logical_xor', 'maximum', 'minimum', 'mod', 'modf', 'multiply', 'negative',
    'nextafter', 'not_equal', 'positive', 'pow', 'power', 'rad2deg', 'radians',
    'reciprocal', 'remainder', 'right_shift', 'rint', 'sign', 'signbit', 'sin',
    'sinc', 'sinh', 'sqrt', 'square', 'subtract', 'tan', 'tanh', 'true_divide',
    'trunc',
})


# cupy/linalg/__init__.py. Missing vs numpy.linalg: multi_dot, svdvals,
# vector_norm, matrix_norm, outer, vecdot, trace, diagonal, tensordot.
LINALG = frozenset({
    'LinAlgError', 'cholesky', 'cond', 'cross', 'det', 'eig', 'eigh',
    'eigvals', 'eigvalsh', 'inv', 'lstsq', 'matmul', 'matrix_power',
    'matrix_rank', 'matrix_transpose', 'norm', 'pinv', 'qr', 'slogdet',
    'solve', 'svd', 'tensorinv', 'tensorsolve',
})


# Module-level names of cupy/random/__init__.py; `Generator` is provided lazily
# via the module __getattr__ (cupy.random.Generator works).
RANDOM = frozenset({
    'BitGenerator', 'Generator', 'MRG32k3a', 'Philox4x3210', 'RandomState',
    'XORWOW', 'beta', 'binomial', 'bytes', 'chisquare', 'choice',
    'default_rng', 'dirichlet', 'exponential', 'f', 'gamma', 'geometric',
    'get_random_state', 'gumbel', 'hypergeometric', 'laplace', 'logistic',
    'lognormal', 'logseries', 'multinomial', 'multivariate_normal',
    'negative_binomial', 'noncentral_chisquare', 'noncentral_f', 'normal',
    'pareto', 'permutation', 'poisson', 'power', 'rand', 'randint', 'randn',
    'random', 'random_integers', 'random_sample', 'ranf', 'rayleigh',
    'reset_states', 'sample', 'seed', 'set_random_state', 'shuffle',
    'standard_cauchy', 'standard_exponential', 'standard_gamma',
    'standard_normal', 'standard_t', 'triangular', 'uniform', 'vonmises',
    'wald', 'weibull', 'zipf',
})


# Public methods of class Generator in cupy/random/_generator_api.pyx (the
# complete list; plus the attribute `bit_generator`). Generator has NO normal,
# permutation, choice, shuffle, permuted, bytes, lognormal, laplace, logistic,
# gumbel, multinomial, multivariate_normal, negative_binomial, pareto,
# rayleigh, standard_cauchy, standard_t, triangular, vonmises, wald, weibull,
# zipf, spawn.
RANDOM_GENERATOR_METHODS = frozenset({
    'beta', 'binomial', 'chisquare', 'dirichlet', 'exponential', 'f', 'gamma',
    'geometric', 'hypergeometric', 'integers', 'logseries', 'poisson', 'power',
    'random', 'standard_exponential', 'standard_gamma', 'standard_normal',
    'uniform',
})


RANDOM_GENERATOR_ATTRS = frozenset({'bit_generator'})


# Public methods of class RandomState in cupy/random/_generator.py (plus
# attribute `method`). NO random, random_integers, bytes, get_state, set_state,
# multinomial.
RANDOM_STATE_METHODS = frozenset({
    'beta', 'binomial', 'chisquare', 'choice', 'dirichlet', 'exponential', 'f',
    'gamma', 'geometric', 'gumbel', 'hypergeometric', 'laplace', 'logistic',
    'lognormal', 'logseries', 'multivariate_normal', 'negative_binomial',
    'noncentral_chisquare', 'noncentral_f', 'normal', 'pareto', 'permutation',
    'poisson', 'power', 'rand', 'randint', 'randn', 'random_sample',
    'rayleigh', 'seed', 'shuffle', 'standard_cauchy', 'standard_exponential',
    'standard_gamma', 'standard_normal', 'standard_t', 'tomaxint',
    'triangular', 'uniform', 'vonmises', 'wald', 'weibull', 'zipf',
})


# cupy/lib/stride_tricks.py: as_strided(x, shape=None, strides=None) -- no
# subok/writeable; sliding_window_view(x, window_shape, axis=None, *,
# subok=False, writeable=False) -- writeable=True raises.
STRIDE_TRICKS = frozenset({
    'as_strided', 'sliding_window_view',
})


# cupyx/__init__.py (lapack and cusparse via lazy module __getattr__).
CUPYX = frozenset({
    'DeviceSynchronized', 'GeneralizedUFunc', 'allow_synchronize', 'cusparse',
    'empty_like_pinned', 'empty_pinned', 'errstate', 'get_runtime_info',
    'geterr', 'lapack', 'linalg', 'optimizing', 'rsqrt', 'scatter_add',
    'scatter_max', 'scatter_min', 'scipy', 'seterr', 'time',
    'zeros_like_pinned', 'zeros_pinned',
})


# Full list of cupyx/scipy/special/__init__.py.
CUPYX_SCIPY_SPECIAL = frozenset({
    'bdtr', 'bdtrc', 'bdtri', 'beta', 'betainc', 'betaincinv', 'betaln',
    'binom', 'boxcox', 'boxcox1p', 'btdtr', 'btdtri', 'cbrt', 'chdtr',
    'chdtrc', 'chdtri', 'cosdg', 'cosm1', 'cotdg', 'digamma', 'ellipeinc',
    'ellipj', 'ellipk', 'ellipkinc', 'ellipkm1', 'entr', 'erf', 'erfc',
    'erfcinv', 'erfcx', 'erfinv', 'exp1', 'exp10', 'exp2', 'expi', 'expit',
    'expm1', 'expn', 'exprel', 'fdtr', 'fdtrc', 'fdtri', 'gamma', 'gammainc',
    'gammaincc', 'gammainccinv', 'gammaincinv', 'gammaln', 'gammasgn', 'gdtr',
    'gdtrc', 'huber', 'i0', 'i0e', 'i1', 'i1e', 'inv_boxcox', 'inv_boxcox1p',
    'j0', 'j1', 'k0', 'k0e', 'k1', 'k1e', 'kl_div', 'lambertw', 'log1p',
    'log_expit', 'log_ndtr', 'log_softmax', 'loggamma', 'logit', 'logsumexp',
    'lpmv', 'multigammaln', 'nbdtr', 'nbdtrc', 'nbdtri', 'ndtr', 'ndtri',
    'pdtr', 'pdtrc', 'pdtri', 'poch', 'polygamma', 'pseudo_huber', 'psi',
    'radian', 'rel_entr', 'rgamma', 'round', 'shichi', 'sici', 'sinc', 'sindg',
    'softmax', 'sph_harm', 'sph_harm_y', 'spherical_yn', 'tandg',
    'wright_bessel', 'xlog1py', 'xlogy', 'y0', 'y1', 'yn', 'zeta', 'zetac',
})


# Public methods/properties of cupy.ndarray: cdef class _ndarray_base in
# cupy/_core/core.pyx (def/cpdef/property) plus the readonly cdef attributes
# size, dtype, data, base declared in cupy/_core/core.pxd; class ndarray only
# re-wraps view(dtype=None, type=None). Missing vs numpy.ndarray: itemset,
# resize, setflags, getfield, setfield, tostring, newbyteorder, ctypes,
# to_device, __array_namespace__, __array_interface__, __index__, __contains__.
# Extra (CuPy-only): get, set, device, data(MemoryPointer), cstruct, mdspan,
# reduced_view, toDlpack, scatter_add/max/min (deprecated, warn),
# __cuda_array_interface__.
NDARRAY_ATTRS = frozenset({
    'T', 'all', 'any', 'argmax', 'argmin', 'argpartition', 'argsort', 'astype',
    'base', 'byteswap', 'choose', 'clip', 'compress', 'conj', 'conjugate',
    'copy', 'cstruct', 'cumprod', 'cumsum', 'data', 'device', 'diagonal',
    'dot', 'dtype', 'dump', 'dumps', 'fill', 'flags', 'flat', 'flatten', 'get',
    'imag', 'item', 'itemsize', 'mT', 'max', 'mdspan', 'mean', 'min', 'nbytes',
    'ndim', 'nonzero', 'partition', 'prod', 'ptp', 'put', 'ravel', 'real',
    'reduced_view', 'repeat', 'reshape', 'round', 'scatter_add', 'scatter_max',
    'scatter_min', 'searchsorted', 'set', 'shape', 'size', 'sort', 'squeeze',
    'std', 'strides', 'sum', 'swapaxes', 'take', 'toDlpack', 'tobytes',
    'tofile', 'tolist', 'trace', 'transpose', 'var', 'view',
})


# Special methods defined on _ndarray_base (Cython __richcmp__ provides the six
# comparisons, __nonzero__ provides __bool__). NOTE: no __index__ (a 0-d cupy
# int array cannot be used as a Python index / in range()), no __contains__,
# __array__ always raises TypeError.
NDARRAY_DUNDERS = frozenset({
    '__abs__', '__add__', '__and__', '__array__', '__array_finalize__',
    '__array_function__', '__array_priority__', '__array_ufunc__', '__bool__',
    '__bytes__', '__class_getitem__', '__complex__', '__copy__',
    '__cuda_array_interface__', '__deepcopy__', '__divmod__', '__dlpack__',
    '__dlpack_device__', '__eq__', '__float__', '__floordiv__', '__format__',
    '__ge__', '__getitem__', '__gt__', '__iadd__', '__iand__', '__ifloordiv__',
    '__ilshift__', '__imod__', '__imul__', '__int__', '__invert__', '__ior__',
    '__ipow__', '__irshift__', '__isub__', '__iter__', '__itruediv__',
    '__ixor__', '__le__', '__len__', '__lshift__', '__lt__', '__matmul__',
    '__mod__', '__mul__', '__ne__', '__neg__', '__or__', '__pos__', '__pow__',
    '__reduce__', '__repr__', '__rshift__', '__setitem__', '__str__',
    '__sub__', '__truediv__', '__xor__',
})


# ufunc methods (cupy/_core/_kernel.pyx, cdef class ufunc).  The class has
# __call__, outer, at, reduce, accumulate, reduceat and the attributes
# name, __name__, nin, nout, nargs, types.  It has no identity, ntypes,
# signature.  Names below are the public cupy names whose ufunc supports the
# method; every other ufunc raises NotImplementedError
# ("`cupy_xxx.reduce` is not supported yet").
UFUNC_METHODS = {
    '__call__': 'all',
    # A.reshape(A.shape + (1,)*B.ndim) then self(A, B, **kwargs).
    'outer': 'all',
    # reduce(array, axis=0, dtype=None, out=None, keepdims=False):
    # add -> array.sum(...), multiply -> array.prod(...).  There is no
    # initial= or where=.  `array` must already be a cupy.ndarray.
    'reduce': frozenset({'add', 'multiply'}),
    # accumulate(array, axis=0, dtype=None, out=None): cumsum / cumprod.
    'accumulate': frozenset({'add', 'multiply'}),
    # reduceat(array, indices, axis=0, dtype=None, out=None): add only,
    # done as a difference of cumsums (see NOTES).
    'reduceat': frozenset({'add'}),
    # at(a, indices, b=None): only ufuncs created with scatter_op=...
    'at': frozenset({'add', 'subtract', 'maximum', 'minimum',
                     'bitwise_and', 'bitwise_or', 'bitwise_xor'}),
}

UFUNC_ATTRS = frozenset({
    'name', 'nin', 'nout', 'nargs', 'types', '__name__', '__doc__',
    '__call__', 'outer', 'at', 'reduce', 'accumulate', 'reduceat',
})

# Keyword arguments that ufunc.__call__ accepts (_kernel.pyx ufunc.__call__):
# anything else raises TypeError('Wrong arguments ...').  `where=` is NOT
# accepted (only a private `_where`); there is no order=, subok=, signature=.
UFUNC_CALL_KWARGS = frozenset({'out', 'dtype', 'casting'})

# ufunc.at dtype limits (cupy/_core/_routines_indexing.pyx,
# _scatter_op_single).  They apply only when `indices` contains an integer
# array (the atomic kernel path); the value is first cast to a.dtype, so the
# check is on the TARGET array's dtype.  Slice-only indices use an ordinary
# in-place ufunc, and boolean-mask indices use mask kernels; neither path
# checks dtypes.
UFUNC_AT_DTYPES = {
    'add': frozenset({'int32', 'int64', 'float16', 'float32', 'float64',
                      'uint32', 'uint64'}),
    'subtract': frozenset({'int32', 'uint32'}),
    'maximum': frozenset({'int32', 'int64', 'float32', 'float64',
                          'uint32', 'uint64'}),
    'minimum': frozenset({'int32', 'int64', 'float32', 'float64',
                          'uint32', 'uint64'}),
    'bitwise_and': frozenset({'int32', 'int64', 'uint32', 'uint64'}),
    'bitwise_or': frozenset({'int32', 'int64', 'uint32', 'uint64'}),
    'bitwise_xor': frozenset({'int32', 'int64', 'uint32', 'uint64'}),
}

# Fields of ndarray.flags (cupy/_core/flags.pyx, class Flags).  All are
# read-only.  flags['C_CONTIGUOUS' | 'F_CONTIGUOUS' | 'OWNDATA'] work; any
# other key raises KeyError.  There is NO writeable, aligned,
# writebackifcopy, and no setflags().
NDARRAY_FLAGS = frozenset({'c_contiguous', 'f_contiguous', 'owndata',
                           'fnc', 'forc'})

# Signatures as written in CuPy 14.2.0 for the calls on the project's list.
# A keyword not shown here raises TypeError (unexpected keyword argument).
SIGNATURES = {
    'unique': "(ar, return_index=False, return_inverse=False, "
              "return_counts=False, axis=None, *, equal_nan=True)",
    'sort': "(a, axis=-1, kind=None)",
    'argsort': "(a, axis=-1, kind=None)",
    'ndarray.sort': "(axis=-1, kind=None)",
    'ndarray.argsort': "(axis=-1, kind=None)",
    'partition': "(a, kth, axis=-1)",
    'argpartition': "(a, kth, axis=-1)",
    'searchsorted': "(a, v, side='left', sorter=None)",
    'bincount': "(x, weights=None, minlength=None)",
    'take': "(a, indices, axis=None, out=None)",
    'take_along_axis': "(a, indices, axis)",
    'put_along_axis': "(arr, indices, values, axis)",
    'put': "(a, ind, v, mode='wrap')",
    'einsum': "(*operands, dtype=None, optimize=False)",
    'linalg.svd': "(a, full_matrices=True, compute_uv=True)",
    'linalg.qr': "(a, mode='reduced')",
    'lib.stride_tricks.as_strided': "(x, shape=None, strides=None)",
    'may_share_memory': "(a, b, max_work=None)",
    'shares_memory': "(a, b, max_work=None)",
    'copyto': "(dst, src, casting='same_kind', where=None)",
    'clip': "(a, a_min, a_max, out=None)",
    'ndarray.clip': "(min=None, max=None, out=None)",
    'round': "(a, decimals=0, out=None)",
    'around': "(a, decimals=0, out=None)",
    'isneginf': "(x, out=None)",
    'isposinf': "(x, out=None)",
    'flatnonzero': "(a)",
    'nonzero': "(a)",
    'argwhere': "(a)",
    'tri': "(N, M=None, k=0, dtype=float)",
    'diff': "(a, n=1, axis=-1, prepend=None, append=None)",
    'unravel_index': "(indices, dims, order='C')",
    'tile': "(A, reps)",
    'repeat': "(a, repeats, axis=None)",
    'frombuffer': "(*args, **kwargs)  # numpy.frombuffer then asarray",
    'cumsum': "(a, axis=None, dtype=None, out=None)",
    'prod': "(a, axis=None, dtype=None, out=None, keepdims=False)",
    'sum': "(a, axis=None, dtype=None, out=None, keepdims=False)",
    'amax': "(a, axis=None, out=None, keepdims=False)",
    'amin': "(a, axis=None, out=None, keepdims=False)",
    'logspace': "(start, stop, num=50, endpoint=True, base=10.0, "
                "dtype=None, axis=0)",
    'moveaxis': "(a, source, destination)",
    'broadcast_to': "(array, shape)",
    'ascontiguousarray': "(a, dtype=None)",
    'asarray': "(a, dtype=None, order=None, *, copy=None, blocking=False)",
    'array': "(obj, dtype=None, copy=True, order='K', subok=False, "
             "ndmin=0, *, blocking=False)",
    'ndarray.astype': "(dtype, order='K', casting=None, subok=None, "
                      "copy=True)",
    'ndarray.view': "(dtype=None, type=None)",
    'ndarray.fill': "(value)",
    'ndarray.reshape': "(*shape, order='C', copy=None)",
    'random.default_rng': "(seed=None)",
    'random.Generator': "(bit_generator)",
    'random.Generator.random': "(size=None, dtype=float64, out=None)",
    'random.Generator.uniform': "(low=0.0, high=1.0, size=None, "
                                "dtype=float64)",
    'random.Generator.integers': "(low, high=None, size=None, dtype=int64, "
                                 "endpoint=False)",
    'random.Generator.standard_normal': "(size=None, dtype=float64, "
                                        "out=None)",
    'random.Generator.exponential': "(scale=1.0, size=None)",
    'random.Generator.binomial': "(n, p, size=None)",
    'random.Generator.standard_exponential': "(size=None, dtype=float64, "
                                             "method='inv', out=None)",
    'random.Generator.standard_gamma': "(shape, size=None, dtype=float64, "
                                       "out=None)",
    'random.XORWOW': "(seed=None, *, size=-1)",
    'random.RandomState': "(seed=None, method=None)",
    'cupyx.errstate': "(*, divide=None, over=None, under=None, "
                      "invalid=None, linalg=None)",
    'cupyx.scatter_add': "(a, slices, value)",
}

NOTES = [
    # ---- unique / sort / search ---------------------------------------
    "unique (cupy/_manipulation/add_remove.py): return_index, "
    "return_inverse, return_counts, axis and keyword-only equal_nan=True "
    "are supported.  There is NO `sorted=` keyword (NumPy 2.3+ has one), "
    "so passing it raises TypeError.  With axis=None the inverse is "
    "reshaped to ar.shape, as in NumPy 2.x.  With axis given, equal_nan is "
    "ignored and the rows are sorted by a host-side Python loop (slow, "
    "many syncs).  Both paths may synchronize.",
    "argsort/sort (cupy/_sorting/sort.py, core.pyx _check_kind_sort): "
    "kind may only be None or 'stable'; 'quicksort', 'mergesort' and "
    "'heapsort' raise ValueError(\"kind can only be None or 'stable'\").  "
    "The sort is always stable.  There is no `order=` and no NumPy-2 "
    "`stable=` keyword (TypeError).  Sorting a 0-d array raises AxisError.",
    "ndarray.sort() (in place, _routines_sorting.pyx _ndarray_sort) raises "
    "NotImplementedError on a non-C-contiguous array (e.g. a.T.sort(), "
    "a[:, ::2].sort()).  cupy.sort(a) copies first, so it is fine.",
    "partition/argpartition: (a, kth, axis=-1) only, with no kind/order.  "
    "argpartition fully sorts.",
    "searchsorted (cupy/_sorting/search.py): side and sorter are "
    "supported, but `a` must be a 1-D cupy.ndarray (otherwise "
    "NotImplementedError or ValueError).  `v` must be a cupy.ndarray or a "
    "Python int/float/complex: a list, a numpy array or a np.int64 scalar "
    "raises NotImplementedError (np.float64 passes because it subclasses "
    "float).  `sorter` must be a cupy integer array.  `side` is not "
    "checked: anything other than 'right' acts as 'left'.  Result dtype is "
    "int64.",
    "flatnonzero, nonzero and argwhere call _util.check_array, so the "
    "input must be a cupy.ndarray (TypeError otherwise).  They "
    "synchronize.  nonzero on a 0-d array raises ValueError('Calling "
    "nonzero on 0d arrays is not allowed...'), the same as NumPy >= 2.1.",
    # ---- counting / indexing ------------------------------------------
    "bincount(x, weights=None, minlength=None) "
    "(cupy/_statistics/histogram.py): minlength and weights are "
    "supported; minlength=None means 0.  x must be a 1-D non-float cupy "
    "array.  A negative value raises ValueError after a sync.  With "
    "weights the result is always float64; without, intp.  An empty x "
    "gives intp zeros even when weights are given.",
    "take(a, indices, axis=None, out=None) (cupy/_indexing/indexing.py): "
    "there is NO `mode=`, so passing it raises TypeError.  Out-of-range "
    "indices WRAP AROUND silently (as with mode='wrap') instead of raising "
    "IndexError.  The same wrapping applies to integer-array "
    "getitem/setitem.",
    "take_along_axis(a, indices, axis): axis has NO default (NumPy 2.x "
    "defaults to -1), so it must be passed.  indices must be a cupy "
    "integer array (IndexError otherwise) with the same ndim as a.  "
    "axis=None is allowed.",
    "put_along_axis(arr, indices, values, axis) (cupy/lib/_shape_base.py) "
    "exists.  axis=None needs 1-D indices (NotImplementedError "
    "otherwise).  Duplicate indices store an undefined one of the values, "
    "not the last one.",
    "put(a, ind, v, mode='wrap'): the default mode is 'wrap' (NumPy's is "
    "'raise').",
    "ufunc.at (np.add.at etc., _kernel.pyx ufunc.at): only add, subtract, "
    "maximum, minimum, bitwise_and, bitwise_or and bitwise_xor; any other "
    "ufunc raises NotImplementedError.  With integer-array indices the "
    "TARGET dtype must be in UFUNC_AT_DTYPES (add: int32/int64/float16/"
    "float32/float64/uint32/uint64; subtract: int32/uint32 only), or "
    "TypeError.  Out-of-range indices wrap.  Results with duplicates are "
    "exact for integer types but float sums come from atomics, so their "
    "order is not deterministic.",
    "ufunc.reduce exists only for add and multiply (it calls "
    "array.sum/array.prod); np.maximum.reduce, np.minimum.reduce, "
    "np.logical_and.reduce and the like raise NotImplementedError.  "
    "accumulate: add and multiply only (cumsum/cumprod).  No initial=/"
    "where=.",
    "ufunc.reduceat: add only, as reduceat(array, indices, axis=0, "
    "dtype=None, out=None).  It is computed as cumsum differences "
    "(_routines_indexing.pyx _add_reduceat), so float results can differ "
    "from NumPy's sequential sum by rounding, and cancellation can hurt "
    "for large prefixes.  The indices[i] >= indices[i+1] rule gives "
    "array[indices[i]], as in NumPy.  axis must be an int.",
    "ufunc.__call__ takes only out=, dtype= and casting= as keywords; "
    "where= raises TypeError('Wrong arguments').  Inputs must be cupy "
    "arrays, Python scalars or NumPy SCALARS.  A numpy.ndarray (even 0-d) "
    "or a list raises TypeError('Unsupported type ...') "
    "(_scalar.pyx CScalar).  np.<ufunc>(cupy_arr, ...) goes through "
    "__array_ufunc__ to the cupy ufunc.",
    # ---- linalg / einsum -------------------------------------------------
    "einsum(*operands, dtype=None, optimize=False): optimize accepts "
    "False/True/'greedy'/'optimal', (algo, memory_limit), or an "
    "['einsum_path', ...] list.  out=, casting= and order= raise "
    "TypeError('Did not understand the following kwargs').  There is no "
    "cupy.einsum_path.",
    "linalg.svd(a, full_matrices=True, compute_uv=True): there is no "
    "`hermitian=`.  It returns a plain tuple (u, s, vh), not NumPy's "
    "SVDResult namedtuple, so .U/.S/.Vh do not exist (unpacking works).",
    "linalg.qr(a, mode='reduced'): supports 'reduced', 'complete', 'r' "
    "and 'raw'; 'full'/'economic'/'f'/'e' raise ValueError.  It returns a "
    "plain tuple (no .Q/.R attributes).  Batched (ndim>2) input is "
    "supported.",
    # ---- memory / views --------------------------------------------------
    "lib.stride_tricks.as_strided(x, shape=None, strides=None): there is "
    "NO subok and NO writeable (TypeError if passed).  The result is "
    "always writable and is built as ndarray(memptr=x.data), so "
    "result.base is None and result.flags.owndata is True (unlike NumPy).  "
    "sliding_window_view raises if writeable=True.",
    "may_share_memory(a, b, max_work=None) "
    "(cupy/_misc/memory_ranges.py, _memory_range.pyx) needs two "
    "cupy.ndarrays (typed _ndarray_base; TypeError for numpy/scalars).  "
    "Any max_work other than None raises NotImplementedError.  It is a "
    "bounds check on the same allocation.",
    "copyto(dst, src, casting='same_kind', where=None) "
    "(cupy/_manipulation/basic.py): where= and casting= are supported.  "
    "The where default is None, not True.  src may be a cupy array, a "
    "Python or NumPy scalar, or a size-1 numpy array.  A non-scalar "
    "numpy.ndarray raises ValueError('non-scalar numpy.ndarray cannot be "
    "used for copyto'), and a list fails (no .dtype).",
    # ---- math ------------------------------------------------------------
    "clip(a, a_min, a_max, out=None): out= works, but a_min and a_max are "
    "REQUIRED positionals.  The NumPy-2.1 keywords min=/max= and extra "
    "ufunc kwargs (dtype=, casting=) raise TypeError.  ndarray.clip(min="
    "None, max=None, out=None) uses the names min/max.",
    "round/around(a, decimals=0, out=None) support decimals (negative "
    "too) and out.  round_ is deprecated and warns.",
    "isneginf(x, out=None), isposinf(x, out=None), exp2 (ufunc), "
    "tri(N, M=None, k=0, dtype=float), diff(a, n=1, axis=-1, prepend=None, "
    "append=None), tile(A, reps), logspace(..., axis=0), moveaxis, "
    "broadcast_to(array, shape) (no subok), prod and cumsum(dtype=) all "
    "exist with the same keywords as NumPy.",
    "unravel_index(indices, dims, order='C') (cupy/_indexing/generate.py) "
    "needs `indices` to be a cupy array.  A Python int fails: "
    "`(indices < 0).any()` raises AttributeError on a bool.  It "
    "synchronizes, and it always returns a tuple of cupy arrays.",
    "repeat(a, repeats, axis=None) "
    "(_routines_manipulation.pyx _repeat): repeats may be an int, a "
    "list/tuple, or a 1-D cupy integer array (safe-castable to intp).  A "
    "numpy.ndarray for repeats raises TypeError(\"'repeats' does not "
    "accept numpy.ndarray; convert with cupy.array() first\").  Per-element "
    "repeats synchronize.",
    "frombuffer(*args, **kwargs) is numpy.frombuffer followed by "
    "cupy.asarray (a host-to-device copy).",
    "ascontiguousarray(a, dtype=None) is typed `_ndarray_base a` in "
    "core.pyx, so it accepts ONLY a cupy.ndarray (TypeError for numpy "
    "arrays, lists or scalars).  A 0-d input returns shape (1,), as in "
    "NumPy.",
    "iinfo, finfo, dtype, promote_types, min_scalar_type, issubdtype and "
    "isdtype are NumPy's own objects re-exported.  can_cast, result_type "
    "and common_type are thin wrappers that read .dtype from cupy arrays.  "
    "shape(a) and ndim(a) work on anything.",
    "errstate: cupy.errstate/seterr/geterr do NOT exist.  "
    "cupyx.errstate(*, divide=None, over=None, under=None, invalid=None, "
    "linalg=None) exists, but divide/over/under/invalid other than None "
    "raise NotImplementedError (only linalg='ignore'|'raise' works), and "
    "there is no all= keyword (cupyx/_ufunc_config.py).  GPU kernels never "
    "raise FP warnings, so keep numpy.errstate for host code; it has no "
    "effect on cupy.",
    # ---- ndarray ---------------------------------------------------------
    "ndarray.fill(value) (core.pyx): value must be a scalar, a 0-d cupy "
    "array or a 0-d/size-() numpy value.  A non-scalar numpy array raises "
    "ValueError('non-scalar numpy.ndarray cannot be used for fill'), and "
    "a non-scalar cupy array raises ValueError('non-scalar cupy.ndarray "
    "cannot be used for fill').",
    "setitem with a numpy.ndarray value (core.pyx __setitem__ -> "
    "_routines_indexing.pyx _scatter_op 'update'): with BASIC indices "
    "only (ints, slices, Ellipsis, None) a non-cupy value goes to "
    "y.fill(value), so a non-scalar numpy array OR a list raises "
    "ValueError('non-scalar numpy.ndarray cannot be used for fill').  The "
    "one exception is a[:] = np_arr with identical shape/dtype when "
    "CUPY_EXPERIMENTAL_SLICE_COPY=1.  With ADVANCED indices (integer or "
    "boolean arrays) the value goes through core.array(value), so numpy "
    "arrays and lists are accepted (host-to-device copy).  Index arrays "
    "may themselves be numpy arrays or lists; they are converted.",
    "ndarray.sort(axis=-1, kind=None) and ndarray.argsort(axis=-1, "
    "kind=None): kind must be None or 'stable' (ValueError otherwise).  "
    "There is no order=/stable=.",
    "ndarray.astype(dtype, order='K', casting=None, subok=None, "
    "copy=True): copy=False returns self when no cast or reorder is "
    "needed, as in NumPy.  Passing ANY casting= value (even 'unsafe') "
    "raises TypeError('casting is not supported yet'), and so does "
    "subok=.",
    "ndarray.view(dtype=None, type=None): a change of itemsize is "
    "supported when the last axis is contiguous (ValueError otherwise), "
    "and the last-axis length is rescaled.  On a 0-d array an itemsize "
    "change raises ValueError, as in NumPy.",
    "ndarray.flags has only c_contiguous, f_contiguous, owndata, fnc and "
    "forc (all read-only) plus "
    "flags['C_CONTIGUOUS'|'F_CONTIGUOUS'|'OWNDATA'].  There is NO "
    "writeable (AttributeError; flags['WRITEABLE'] raises KeyError), no "
    "aligned, and no ndarray.setflags.  owndata is simply "
    "`self.base is None`.",
    "ndarray.item() works for size-1 arrays (ValueError otherwise) and "
    "returns a Python scalar via get().  ndarray.tolist() is "
    "get().tolist().  Both synchronize.",
    "ndarray.__iter__ raises TypeError('iteration over a 0-d array') on "
    "0-d arrays and otherwise yields self[i], i.e. 0-d cupy ARRAYS for a "
    "1-D input, never numpy/Python scalars.  len() of a 0-d array raises "
    "TypeError.",
    "Reductions (sum, max, min, mean, prod, any, all, argmax, ...) and "
    "integer indexing of a 1-D array return 0-d cupy.ndarrays, never "
    "scalars.  float()/int()/complex()/bool() work but synchronize.  "
    "There is NO __index__, so a 0-d cupy int array cannot be used as a "
    "Python index, in range(), or as a shape entry; call int()/.item() "
    "first.  Reductions do not take initial= or where= (amax/amin/sum "
    "signatures have neither).",
    "__array__ always raises TypeError('Implicit conversion to a NumPy "
    "array is not allowed. Please use `.get()`...').  So np.asarray(cp_x), "
    "np.array([cp_x]) and any NumPy routine that does not dispatch through "
    "__array_function__/__array_ufunc__ fail.  Use cupy.asnumpy / .get().",
    "cupy.asarray / cupy.array of a list(/tuple, nested) holding ONLY cupy "
    "arrays of identical shape (e.g. 0-d results of reductions) works: "
    "_array_from_nested_cupy_sequence concatenates on the device and "
    "dtypes are promoted with numpy.promote_types.  A list that MIXES cupy "
    "arrays with Python/NumPy scalars, or holds cupy arrays of different "
    "shapes, or mixes cupy and numpy arrays, falls back to numpy.array(obj) "
    "and raises TypeError (implicit conversion).",
    "__array_function__ (core.pyx) resolves func.__module__ under the "
    "cupy namespace and calls the cupy function with the SAME args and "
    "kwargs, returning NotImplemented (-> TypeError) if the cupy function "
    "is missing.  So np.unique(cp_x, sorted=True) raises TypeError inside "
    "cupy.unique, and np.take(cp_x, i, mode='clip') raises TypeError.",
    "cupyx.scatter_add/scatter_max/scatter_min call the deprecated "
    "ndarray.scatter_* methods and therefore emit a DeprecationWarning "
    "('Please use `cupy.add.at` instead') in 14.x.  Prefer cupy.add.at, "
    "cupy.maximum.at and cupy.minimum.at.",
    # ---- random ----------------------------------------------------------
    "cupy.random.Generator (cupy/random/_generator_api.pyx) has ONLY: "
    "random, uniform, integers, beta, chisquare, dirichlet, exponential, "
    "f, geometric, hypergeometric, logseries, standard_exponential, "
    "poisson, power, standard_normal, gamma, standard_gamma, binomial.  "
    "There is NO normal, permutation, choice, shuffle, permuted or bytes "
    "(AttributeError).  Use loc + scale * standard_normal(...) and "
    "argsort(random(n)), or the legacy cupy.random.permutation/choice "
    "(global RandomState).",
    "Generator keywords: random(size=None, dtype=float64, out=None) and "
    "standard_normal(size=None, dtype=float64, out=None) accept dtype= and "
    "out=.  standard_normal allows float32/float64 only (TypeError "
    "otherwise).  random() makes float32 for any non-float64 dtype and "
    "then casts.  out must match the dtype exactly and be contiguous.  "
    "uniform(low, high, size, dtype) has no out.  integers(low, high=None, "
    "size=None, dtype=int64, endpoint=False) takes only SCALAR low/high "
    "(int(low)).  exponential(scale, size) and binomial(n, p, size) have "
    "no dtype.  With size=None every method returns a 0-d cupy array, not "
    "a Python scalar.",
    "Generator construction: cupy.random.default_rng(seed) returns "
    "Generator(XORWOW(seed)); it also accepts a BitGenerator (wrapped) or "
    "a Generator (returned as is).  Generator(XORWOW(seed)), "
    "Generator(MRG32k3a(seed)) and Generator(Philox4x3210(seed)) work.  "
    "The seed goes through numpy.random.SeedSequence (a cupy array seed is "
    "moved to the host first).  cupy.random.Generator itself is resolved "
    "lazily by the module __getattr__.",
    "Generator state save/restore: there is NO public API (no "
    "bit_generator.state property as in NumPy; bit_generator.state() is a "
    "METHOD that returns a device pointer).  The whole state is "
    "bit_generator._state, a cupy int8 array of cuRAND states, so "
    "`saved = g.bit_generator._state.copy()` and "
    "`g.bit_generator._state[...] = saved` is the only way (private; it "
    "also ignores Generator._binomial_state).  copy.deepcopy and pickle "
    "of a BitGenerator/Generator FAIL (BitGenerator holds a "
    "threading.Lock, self.lock).  To reproduce a stream, build a new one "
    "with the same seed.",
    "cupy.random.RandomState (cupy/random/_generator.py) has seed(seed) "
    "but NO get_state/set_state and NO `random` method (use "
    "random_sample).  Float dtypes are limited to float32/float64 "
    "(_check_and_get_dtype raises TypeError otherwise).  Module-level "
    "cupy.random.random/ranf/sample are aliases of random_sample.  "
    "get_random_state()/set_random_state(rs)/seed() manage the "
    "per-device global RandomState.",
]
