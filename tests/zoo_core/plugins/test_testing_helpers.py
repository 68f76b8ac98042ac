"""``zoo_core.testing``'s plugin helpers: throwaway plugins that always go away, and ``check_plugin``."""
import pytest

from zoo_core import hookimpl, hub, nn
from zoo_core.plugins import PluginError, list_plugins
from zoo_core.testing import check_plugin, temporary_plugin, zoo_plugin  # noqa: F401  (fixture)
from _plugin_site import fresh_plugins, plugin_source, site  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("fresh_plugins")


class Toy:
    def __init__(self, *models):
        self.models = models

    @hookimpl
    def zoo_register_models(self, register):
        for name, factory, meta in self.models:
            register(name, factory, **meta)

    @hookimpl
    def zoo_register_commands(self, cli):
        cli.add_command("toy-hello", "say hello", "builtins:print")


def linear(num_classes=3):
    return nn.Linear(4, num_classes)


def test_temporary_plugin_is_removed_even_when_the_block_raises():
    with pytest.raises(KeyError):
        with temporary_plugin(Toy(("lin", linear, {"input_size": (4,)})), "toy"):
            assert hub.list_models("toy/*") == ["toy/lin"]
            raise KeyError("boom")
    assert hub.list_models("toy/*") == [] and [p.name for p in list_plugins()] == ["vision", "text"]


def test_fixture_registers_and_unregisters(zoo_plugin):
    zoo_plugin(Toy(("lin", linear, {"input_size": (4,)})), "toy_a")
    zoo_plugin(Toy(("lin", linear, {"input_size": (4,)})), "toy_b")
    assert hub.list_models("*/lin") == ["toy_a/lin", "toy_b/lin"]


def test_fixture_teardown_happened():
    assert hub.list_models("*/lin") == []


def test_check_plugin_exercises_every_model_and_command():
    assert check_plugin("vision").models == {"vision/small_cnn": (2, 10)}
    with temporary_plugin(Toy(("lin", linear, {"input_size": (4,)}),
                              ("lazy", "zoo_vision.models.small_cnn:SmallCNN", {"input_size": (1, 8, 8)})), "toy"):
        report = check_plugin("toy", batch=3)
    assert report.models == {"toy/lin": (3, 3), "toy/lazy": (3, 10)}
    assert report.entries == {"model": ["toy/lin", "toy/lazy"]} and report.commands == ["toy-hello"]


@pytest.mark.parametrize("model, error", [
    (("lin", linear, {}), "has no input_size metadata"),
    (("ghost", "no_such_module_zoo:Net", {"input_size": (4,)}), "cannot resolve 'no_such_module_zoo:Net'"),
    (("wrong", linear, {"input_size": (5,)}), r"model 'toy/wrong' failed to build or run on an input of shape "
                                              r"\(2, 5\): RuntimeError: linear: input has 5 features"),
])
def test_check_plugin_reports_broken_models(model, error):
    with temporary_plugin(Toy(model), "toy"):
        with pytest.raises(Exception, match=error):
            check_plugin("toy")


def test_check_plugin_reraises_load_failures(site, monkeypatch):
    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "0")
    site.add("broken-plugin", "1.0", {"broken": "broken_mod"}, {"broken_mod": "raise RuntimeError('boom')"})
    with pytest.warns(UserWarning):
        with pytest.raises(PluginError, match=r"plugin 'broken' \(broken-plugin 1.0\) failed: import failed: "
                                              r"RuntimeError: boom") as info:
            check_plugin("broken")
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(PluginError, match="no plugin named 'nothing'"):
        check_plugin("nothing")


def test_check_plugin_on_a_real_entry_point(site):
    site.add("good-plugin", "1.0", {"good": "good_mod"}, {"good_mod": plugin_source(["a", "b"])})
    assert check_plugin("good").models == {"good/a": (2, 2), "good/b": (2, 2)}
