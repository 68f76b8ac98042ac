"""The six hooks a Zoo plugin can implement (pluggy project ``zoo``).

Each ``zoo_register_<kind>`` hook is called once per process, on the first registry access, with a
``register(name, factory, **metadata)`` callable bound to the plugin's namespace. ``name`` is unqualified
(``"resnet18"`` becomes ``"vision/resnet18"``); ``factory`` is a callable or a lazy ``"module:attr"`` string,
so that a plugin's entry module imports nothing heavy.
"""
import pluggy

hookspec = pluggy.HookspecMarker("zoo")
hookimpl = pluggy.HookimplMarker("zoo")


@hookspec
def zoo_register_models(register):
    """Register model constructors: ``register("m5", "pkg.models:m5", task=..., input_size=...)``."""


@hookspec
def zoo_register_weights(register):
    """Register pretrained weights ``model.tag``: ``register("m5.speech_v1", sources=[...], sha256=..., meta=...)``."""


@hookspec
def zoo_register_datasets(register):
    """Register dataset classes or builders: ``register("digits", "pkg.datasets:Digits", task=...)``."""


@hookspec
def zoo_register_transforms(register):
    """Register transforms (preprocessing callables): ``register("spectrogram", "pkg.transforms:Spectrogram")``."""


@hookspec
def zoo_register_tokenizers(register):
    """Register tokenizers: ``register("bert_base_uncased", "pkg.tokenizers:bert_base_uncased")``."""


@hookspec
def zoo_register_commands(cli):
    """Add ``zoo`` subcommands: ``cli.add_command(name, help, func, configure=None)``."""
