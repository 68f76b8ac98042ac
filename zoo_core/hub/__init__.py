"""The model zoo: registered models, pretrained weights and datasets, and a verified download cache.

Example::

    >>> from zoo_core import hub   # doctest: +SKIP
    >>> hub.list_models()                       # loads the plugins on first use   # doctest: +SKIP
    ['vision/small_cnn']
    >>> model = hub.create_model("small_cnn")   # short names work when unambiguous   # doctest: +SKIP
    >>> path = hub.fetch("https://example.com/w.safetensors", sha256="...")   # cached under ZOO_HOME   # doctest: +SKIP
"""
from .registry import (AmbiguousNameError, RegistryError, UnknownNameError, create_dataset, create_model,
                       create_tokenizer, create_transform, get_weights, list_datasets, list_models,
                       list_tokenizers, list_transforms, list_weights, model_info)

__all__ = ["list_models", "model_info", "create_model", "list_weights", "get_weights", "list_datasets",
           "create_dataset", "list_transforms", "create_transform", "list_tokenizers", "create_tokenizer",
           "fetch", "Weights", "RegistryError", "UnknownNameError", "AmbiguousNameError"]


def __getattr__(name):
    # the cache (urllib, hashing, locks) is imported only by code that downloads
    if name == "fetch":
        from .cache import fetch
        return fetch
    if name == "Weights":
        from .weights import Weights
        return Weights
    raise AttributeError(f"module 'zoo_core.hub' has no attribute {name!r}")
