"""The built-in vision plugin's entry module: registers what zoo_vision provides, importing none of it.

Declared in zoo's ``pyproject.toml`` under ``[project.entry-points."zoo.plugins"]`` as ``vision``, and
found by module name when running from a source tree. Factories are lazy ``"module:attr"`` strings.
"""
from zoo_core import hookimpl


@hookimpl
def zoo_register_models(register):
    register("small_cnn", "zoo_vision.models.small_cnn:SmallCNN", task="image-classification",
             input_size=(1, 8, 8), tags=("digits", "small"),
             description="two conv-relu-pool blocks and a two-layer classifier, for 8x8 or 28x28 images")


@hookimpl
def zoo_register_datasets(register):
    register("digits", "zoo_vision.datasets.digits:Digits", task="image-classification",
             description="8x8 handwritten digits, 1,797 images in 10 classes, shipped with zoo_vision")


@hookimpl
def zoo_register_commands(cli):
    cli.add_command("train", "train a small CNN on the bundled 8x8 handwritten digits", _train,
                    configure="zoo_vision.train:build_parser")


def _train(args):
    from .train import TrainConfig, train
    cfg = TrainConfig(**{k: v for k, v in vars(args).items() if k in TrainConfig.__dataclass_fields__})
    _, acc, _ = train(cfg)
    return 0 if acc > 0 else 1
