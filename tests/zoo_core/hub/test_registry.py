"""The registry: names and namespaces, lookups, filters, pretrained weights and head replacement."""
import hashlib
import os
import sys
import warnings

import numpy as np
import pytest

import zoo_core
from zoo_core import hookimpl, hub, nn
from zoo_core.plugins import PluginError
from zoo_core.testing import temporary_plugin

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plugins"))
from _plugin_site import fresh_plugins  # noqa: E402,F401  (fixture)

pytestmark = pytest.mark.usefixtures("fresh_plugins")
CATEGORIES = ["cat", "dog", "owl"]


class TinyNet(nn.Module):
    """features (Linear 5 -> width) -> relu -> head (Linear width -> num_classes)."""

    def __init__(self, num_classes=3, width=4):
        super().__init__()
        self.features = nn.Linear(5, width)
        self.head = nn.Linear(width, num_classes)

    def forward(self, x):
        return self.head(self.features(x).relu())


def _weights_file(tmp_path, model, name="tiny.safetensors"):
    path = tmp_path / name
    zoo_core.save(model.state_dict(), str(path))
    data = path.read_bytes()
    return path, hashlib.sha256(data).hexdigest(), len(data)


class Toy:
    """A throwaway plugin: models, weights, a dataset, a transform and a tokenizer."""

    def __init__(self, tmp_path, head=("head",)):
        zoo_core.manual_seed(1)
        self.trained = TinyNet(num_classes=3)
        self.path, self.sha, self.size = _weights_file(tmp_path, self.trained)
        self.head = head

    @hookimpl
    def zoo_register_models(self, register):
        register("tiny", TinyNet, task="toy-classification", input_size=(5,), tags=["toy"], description="tiny")
        register("plain", lambda: nn.Linear(2, 2), task="regression", input_size=(2,))
        register("ghost", "no_such_package_zoo.models:Ghost", task="toy-classification")

    @hookimpl
    def zoo_register_weights(self, register):
        meta = {"categories": CATEGORIES, **({"head": list(self.head)} if self.head else {})}
        register("tiny.v1", sources=[str(self.path)], sha256=self.sha, size=self.size, meta=meta)
        register("tiny.v2", sources=[str(self.path)], sha256=self.sha, size=self.size, meta=meta, default=True)

    @hookimpl
    def zoo_register_datasets(self, register):
        register("squares", lambda n=3: [i * i for i in range(n)], task="toy-classification")

    @hookimpl
    def zoo_register_transforms(self, register):
        register("double", "operator:mul", description="multiply two things")

    @hookimpl
    def zoo_register_tokenizers(self, register):
        register("chars", lambda: list)


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "zoo-home"))
    plugin = Toy(tmp_path)
    with temporary_plugin(plugin, "toy"):
        yield plugin


def params(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_listing_with_patterns_and_filters(toy):
    assert hub.list_models() == ["toy/ghost", "toy/plain", "toy/tiny", "vision/small_cnn"]
    assert hub.list_models("ti*") == ["toy/tiny"]                      # short names match too
    assert hub.list_models("toy/*", task="toy-classification") == ["toy/ghost", "toy/tiny"]
    assert hub.list_models("*", namespace="vision") == ["vision/small_cnn"]
    assert hub.list_models(pretrained=True) == ["toy/tiny"]
    assert hub.list_models("toy/*", pretrained=False) == ["toy/ghost", "toy/plain"]
    assert hub.list_models("TOY/TI?Y") == ["toy/tiny"]
    assert hub.list_datasets() == ["toy/squares", "vision/digits"]
    assert hub.list_transforms() == ["toy/double"] and hub.list_tokenizers() == ["toy/chars"]
    assert hub.list_weights() == ["toy/tiny.v1", "toy/tiny.v2"]
    assert hub.list_weights("tiny") == ["toy/tiny.v1", "toy/tiny.v2"] and hub.list_weights("small_cnn") == []


def test_model_info(toy):
    info = hub.model_info("tiny")
    assert info["name"] == "toy/tiny" and info["namespace"] == "toy" and not info["builtin"]
    assert (info["task"], info["tags"], info["description"], info["input_size"]) == \
        ("toy-classification", ("toy",), "tiny", (5,))
    assert info["weights"] == ["toy/tiny.v1", "toy/tiny.v2"] and info["default_weights"] == "toy/tiny.v2"
    assert info["plugin"]["name"] == "toy" and info["plugin"]["distribution"] is None
    assert info["factory"].endswith(":TinyNet")
    vision = hub.model_info("vision/small_cnn")
    assert vision["factory"] == "zoo_vision.models.small_cnn:SmallCNN"
    assert vision["plugin"]["distribution"] in ("zoo", None) and vision["builtin"]


def test_create_model_passes_kwargs_and_device(toy):
    model = hub.create_model("tiny", num_classes=7, width=6, device="cpu")
    assert (model.features.out_features, model.head.out_features) == (6, 7)
    assert tuple(model(zoo_core.zeros(2, 5)).shape) == (2, 7)
    cnn = hub.create_model("small_cnn", num_classes=4)
    assert tuple(cnn(zoo_core.zeros(1, 1, 8, 8)).shape) == (1, 4)


@pytest.mark.parametrize("weights", ["DEFAULT", "v1", "tiny.v1", "toy/tiny.v2"])
def test_pretrained_weights_load_exactly(toy, weights):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = hub.create_model("toy/tiny", weights=weights)
    expected = params(toy.trained)
    assert set(params(model)) == set(expected)
    for k, v in params(model).items():
        np.testing.assert_array_equal(v, expected[k])


def test_weights_records(toy):
    w = hub.get_weights("tiny.v1")
    assert isinstance(w, hub.Weights)
    assert (w.name, w.model, w.tag, w.sha256, w.size, w.format) == \
        ("toy/tiny.v1", "toy/tiny", "v1", toy.sha, toy.size, "safetensors")
    assert w.categories == CATEGORIES and w.num_classes == 3 and w.head == ("head",)
    assert hub.fetch("tiny.v1") == hub.fetch(w)                          # fetch takes registered names
    model = hub.create_model("tiny", weights=w)                           # or the record itself
    np.testing.assert_array_equal(model.head.bias.detach().numpy(), toy.trained.head.bias.detach().numpy())


def test_new_num_classes_keeps_everything_but_the_head(toy):
    with pytest.warns(UserWarning, match=r"create_model\('toy/tiny'\): weights 'toy/tiny.v2' were trained "
                                         r"for 3 classes; with num_classes=5 the head \(head.weight, head.bias\) "
                                         r"is re-initialised and everything else is loaded"):
        model = hub.create_model("tiny", weights="DEFAULT", num_classes=5)
    assert tuple(model.head.weight.shape) == (5, 4)
    np.testing.assert_array_equal(model.features.weight.detach().numpy(), toy.trained.features.weight.detach().numpy())
    np.testing.assert_array_equal(model.features.bias.detach().numpy(), toy.trained.features.bias.detach().numpy())
    assert tuple(model(zoo_core.zeros(2, 5)).shape) == (2, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                                    # same classes: a plain strict load
        hub.create_model("tiny", weights="DEFAULT", num_classes=3)


def test_the_head_is_found_from_shape_mismatches_when_meta_does_not_list_it(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "home"))
    with temporary_plugin(Toy(tmp_path, head=()), "toy") as record:
        assert record.status == "loaded"
        with pytest.warns(UserWarning, match=r"the head \(head.weight, head.bias\) is re-initialised"):
            model = hub.create_model("tiny", weights="v1", num_classes=2)
        assert tuple(model.head.bias.shape) == (2,)


def test_weights_that_do_not_fit_outside_the_head_raise(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "home"))
    toy = Toy(tmp_path)
    with temporary_plugin(toy, "toy"):
        with pytest.raises(RuntimeError, match=r"do not fit the model outside its head.*features.weight"):
            hub.create_model("tiny", weights="v1", num_classes=5, width=8)
        with pytest.raises(RuntimeError, match="size mismatch for features.weight"):
            hub.create_model("tiny", weights="v1", width=8)


def test_lookup_errors_are_helpful(toy):
    with pytest.raises(hub.UnknownNameError, match=r"unknown model 'tinny'; did you mean 'tiny'"):
        hub.create_model("tinny")
    with pytest.raises(hub.UnknownNameError, match=r"model 'toy/tiny' has no weights 'v9'; available: DEFAULT, v1, v2"):
        hub.create_model("tiny", weights="v9")
    with pytest.raises(hub.UnknownNameError, match=r"model 'toy/plain' has no pretrained weights"):
        hub.create_model("plain", weights="DEFAULT")
    with pytest.raises(ImportError, match=r"cannot resolve 'no_such_package_zoo.models:Ghost' registered for "
                                          r"model 'toy/ghost'"):
        hub.create_model("ghost")
    with pytest.raises(hub.UnknownNameError):
        hub.get_weights("tiny.v9")
    with pytest.raises(LookupError):                                      # the base class is a LookupError
        hub.create_dataset("nothing")


def test_datasets_transforms_and_tokenizers(toy):
    assert hub.create_dataset("squares", n=4) == [0, 1, 4, 9]
    digits = hub.create_dataset("digits", train=False)
    assert len(digits) == 360 and type(digits).__module__ == "zoo_vision.datasets.digits"
    assert hub.create_transform("double", 3, 4) == 12
    assert hub.create_tokenizer("chars") is list


class _Bad:
    def __init__(self, *calls):
        self.calls = calls

    @hookimpl
    def zoo_register_models(self, register):
        for args, kwargs in self.calls:
            register(*args, **kwargs)


@pytest.mark.parametrize("args, kwargs, error", [
    (("a/b", TinyNet), {}, "the name must be an unqualified string"),
    (("has space", TinyNet), {}, "invalid model name"),
    (("x", 42), {}, "factory must be a callable or a 'module:attr' string, got int"),
    (("x", "not a reference"), {}, "a lazy factory must look like 'package.module:attr'"),
    (("x", TinyNet), {"weights": ["a"]}, "weights cannot be given as metadata"),
])
def test_invalid_registrations_fail_the_plugin(args, kwargs, error):
    with pytest.raises(PluginError, match="plugin 'bad' failed") as info:
        with temporary_plugin(_Bad((args, kwargs)), "bad"):
            pass
    assert error in str(info.value.__cause__)
    assert hub.list_models() == ["vision/small_cnn"]                     # rolled back, nothing left behind


def test_invalid_weights_registrations(tmp_path):
    class BadWeights:
        def __init__(self, **kw):
            self.kw = kw

        @hookimpl
        def zoo_register_weights(self, register):
            register("tiny.v1", **self.kw)

    ok = dict(sources=["/nowhere.safetensors"], sha256="0" * 64)
    for kw, error in [({"sources": ["/x.pth"]}, "weights need sources= and sha256="),
                      ({**ok, "sha256": "xyz"}, "sha256 must be 64 hexadecimal digits"),
                      ({**ok, "model": "other"}, "not a keyword")]:
        with pytest.raises(PluginError) as info:
            with temporary_plugin(BadWeights(**kw), "badw"):
                pass
        assert error in str(info.value.__cause__)
    with pytest.raises(PluginError) as info:
        with temporary_plugin(_Weightless(), "badw"):
            pass
    assert "invalid weights name" in str(info.value.__cause__)


class _Weightless:
    @hookimpl
    def zoo_register_weights(self, register):
        register("no_tag", sources=["/x.pth"], sha256="0" * 64)


def test_registry_is_filled_once_and_sorted_names_do_not_depend_on_registration_order(tmp_path):
    class Reversed:
        @hookimpl
        def zoo_register_models(self, register):
            for name in ("zz", "mm", "aa"):
                register(name, TinyNet, input_size=(5,))
    with temporary_plugin(Reversed(), "rev"):
        assert hub.list_models("rev/*") == ["rev/aa", "rev/mm", "rev/zz"]
    assert hub.list_models("rev/*") == []
