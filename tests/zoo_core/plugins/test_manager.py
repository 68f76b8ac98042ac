"""Plugin discovery, load order, isolation and the environment controls, with real entry points.

Every third-party plugin here is a real distribution (``*.dist-info`` with ``entry_points.txt``) in a
temporary directory on ``sys.path``; nothing in pluggy or the manager is mocked.
"""
import importlib.metadata
import sys
import threading
import warnings

import pytest

from zoo_core import hub
from zoo_core.plugins import PluginError, PluginWarning, get_manager, list_plugins, manager
from _plugin_site import fresh_plugins, ours, plugin_source, site  # noqa: F401  (fixtures)


def names(records):
    return [(p.name, p.status) for p in records]


def lenient(monkeypatch):
    monkeypatch.setenv("ZOO_STRICT_PLUGINS", "0")


def test_builtins_first_then_third_party_sorted_whatever_the_install_order(site):
    site.add("zeta-dist", entry_points={"zeta": "zeta_mod"}, modules={"zeta_mod": plugin_source(["z"])})
    site.add("alpha-dist", entry_points={"alpha": "alpha_mod"}, modules={"alpha_mod": plugin_source(["a"])})
    site.add("mid-dist", entry_points={"mid": "mid_mod"}, modules={"mid_mod": plugin_source(["m"])})
    assert names(list_plugins()) == [("vision", "loaded"), ("text", "loaded"), ("alpha", "loaded"),
                                     ("mid", "loaded"), ("zeta", "loaded")]
    alpha = get_manager().plugin("alpha")
    assert (alpha.dist, alpha.version, alpha.value, alpha.builtin) == ("alpha-dist", "1.0", "alpha_mod", False)
    assert hub.list_models() == ["alpha/a", "mid/m", "vision/small_cnn", "zeta/z"]


def test_plugin_that_raises_on_import_is_isolated_and_reported_in_one_warning(site, monkeypatch):
    lenient(monkeypatch)
    site.add("broken-plugin", "2.3", {"broken": "broken_mod"}, {"broken_mod": "raise RuntimeError('boom at import')"})
    site.add("other-broken", "0.1", {"other": "other_mod"}, {"other_mod": "import no_such_module_zoo_test"})
    site.add("good-plugin", "1.0", {"good": "good_mod"}, {"good_mod": plugin_source(["net"])})
    with pytest.warns(PluginWarning) as caught:
        models = hub.list_models()
    assert models == ["good/net", "vision/small_cnn"]          # everything else keeps working
    assert len(caught) == 1                                      # ONE warning for all problems
    msg = str(caught[0].message)
    assert "plugin 'broken' (broken-plugin 2.3) failed: import failed: RuntimeError: boom at import" in msg
    assert "ZOO_DISABLE_PLUGINS=broken" in msg
    assert "plugin 'other' (other-broken 0.1)" in msg and "No module named 'no_such_module_zoo_test'" in msg
    assert "ZOO_DISABLE_PLUGINS=other" in msg
    failed = list_plugins(failed=True)
    assert [(p.name, p.status) for p in failed] == [("broken", "failed"), ("other", "failed")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")                           # reported once, not on every access
        hub.list_models()
        hub.create_model("net")


def test_strict_mode_reraises_the_original_error_with_the_plugin_named(site):
    site.add("broken-plugin", "2.3", {"broken": "broken_mod"}, {"broken_mod": "raise RuntimeError('boom at import')"})
    with pytest.raises(RuntimeError, match="boom at import") as info:
        hub.list_models()
    assert "plugin 'broken' (broken-plugin 2.3)" in "\n".join(getattr(info.value, "__notes__", []))


def test_disabling_a_broken_plugin_silences_it(site, monkeypatch):
    site.add("broken-plugin", "2.3", {"broken": "broken_mod"}, {"broken_mod": "raise RuntimeError('boom')"})
    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", "broken")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert hub.list_models() == ["vision/small_cnn"]
    assert ("broken", "disabled") in names(list_plugins(all=True))
    assert "broken_mod" not in sys.modules                      # never imported


def test_hook_that_raises_rolls_back_that_plugin_only(site, monkeypatch):
    lenient(monkeypatch)
    site.add("half-plugin", "1.0", {"half": "half_mod"}, {"half_mod": plugin_source(["net"], fail_in="datasets")})
    site.add("good-plugin", "1.0", {"good": "good_mod"}, {"good_mod": plugin_source(["net2"])})
    with pytest.warns(PluginWarning, match=r"plugin 'half' \(half-plugin 1.0\) failed: zoo_register_datasets "
                                           r"raised: ValueError: dataset hook exploded"):
        models = hub.list_models()
    assert models == ["good/net2", "vision/small_cnn"]          # half/net was registered, then rolled back
    record = next(p for p in list_plugins() if p.name == "half")
    assert record.status == "failed" and isinstance(record.exc, ValueError)


def test_hook_raising_in_strict_mode(site):
    site.add("half-plugin", "1.0", {"half": "half_mod"}, {"half_mod": plugin_source(["net"], fail_in="models")})
    with pytest.raises(ValueError, match="model hook exploded"):
        hub.list_models()


def test_duplicate_item_name_within_a_plugin_fails_that_plugin(site, monkeypatch):
    lenient(monkeypatch)
    site.add("dup-items", "1.0", {"dupi": "dupi_mod"}, {"dupi_mod": plugin_source(["net", "net"])})
    with pytest.warns(PluginWarning, match="model 'dupi/net' is already registered"):
        assert hub.list_models() == ["vision/small_cnn"]


def test_same_namespace_from_two_distributions_refuses_both(site, monkeypatch):
    lenient(monkeypatch)
    site.add("sound-one", "1.0", {"sound": "sound_one"}, {"sound_one": plugin_source(["m5"])})
    site.add("sound-two", "2.0", {"sound": "sound_two"}, {"sound_two": plugin_source(["m5"])})
    with pytest.warns(PluginWarning) as caught:
        assert hub.list_models() == ["vision/small_cnn"]       # neither silently wins
    msg = str(caught[0].message)
    assert "plugin 'sound' (sound-one 1.0) was refused" in msg and "also claimed by sound-two 2.0" in msg
    assert "ZOO_DISABLE_PLUGINS=sound-two" in msg              # disabling by distribution resolves it
    assert "sound_one" not in sys.modules and "sound_two" not in sys.modules
    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", "sound-two")
    manager.reset()
    assert hub.list_models() == ["sound/m5", "vision/small_cnn"]
    assert get_manager().plugin("sound").dist == "sound-one"


def test_duplicate_short_names_across_plugins(site):
    site.add("alpha-dist", entry_points={"alpha": "alpha_mod"},
             modules={"alpha_mod": plugin_source(["net", "small_cnn"])})
    site.add("beta-dist", entry_points={"beta": "beta_mod"}, modules={"beta_mod": plugin_source(["net"])})
    assert hub.list_models("net") == ["alpha/net", "beta/net"]
    with pytest.raises(hub.AmbiguousNameError, match="'net' is ambiguous: it could be alpha/net, beta/net"):
        hub.create_model("net")
    assert hub.create_model("beta/net").out_features == 2        # qualified names always work
    # a built-in wins a short-name tie with a third-party plugin
    assert type(hub.create_model("small_cnn")).__name__ == "SmallCNN"
    assert hub.list_models("small_cnn") == ["alpha/small_cnn", "vision/small_cnn"]


def test_reserved_namespace_is_refused_with_a_warning(site, monkeypatch):
    lenient(monkeypatch)
    site.add("evil-vision", "6.6.6", {"vision": "evil_mod"}, {"evil_mod": plugin_source(["small_cnn", "evil"])})
    with pytest.warns(PluginWarning, match=r"plugin 'vision' \(evil-vision 6.6.6\) was refused: the namespace "
                                           r"'vision' is reserved for zoo's built-in plugin"):
        models = hub.list_models()
    assert models == ["vision/small_cnn"] and "evil_mod" not in sys.modules
    assert type(hub.create_model("vision/small_cnn")).__module__ == "zoo_vision.models.small_cnn"
    refused = [p for p in list_plugins(failed=True)]
    assert [(p.name, p.dist, p.status) for p in refused] == [("vision", "evil-vision", "refused")]
    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", "evil-vision")     # by distribution: the built-in stays
    manager.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert hub.list_models() == ["vision/small_cnn"]


def test_invalid_namespace_and_unknown_hook_names(site, monkeypatch):
    lenient(monkeypatch)
    site.add("bad-name", "1.0", {"Bad-Name": "badname_mod"}, {"badname_mod": plugin_source(["x"])})
    site.add("typo-hook", "1.0", {"typo": "typo_mod"},
             {"typo_mod": "from zoo_core import hookimpl\n@hookimpl\ndef zoo_register_model(register):\n    pass\n"})
    with pytest.warns(PluginWarning) as caught:
        hub.list_models()
    msg = str(caught[0].message)
    assert "invalid plugin name 'Bad-Name'" in msg
    assert "unknown hook(s) zoo_register_model" in msg


def test_zoo_load_plugins_is_an_allow_list_for_third_party_plugins(site, monkeypatch):
    site.add("alpha-dist", entry_points={"alpha": "alpha_mod"}, modules={"alpha_mod": plugin_source(["a"])})
    site.add("beta-dist", entry_points={"beta": "beta_mod"}, modules={"beta_mod": plugin_source(["b"])})
    monkeypatch.setenv("ZOO_LOAD_PLUGINS", "beta")
    manager.reset()
    assert hub.list_models() == ["beta/b", "vision/small_cnn"]
    assert names(ours(site, list_plugins(all=True))) == [("vision", "loaded"), ("text", "loaded"),
                                                         ("alpha", "not-allowed"), ("beta", "loaded")]
    assert "alpha_mod" not in sys.modules
    monkeypatch.setenv("ZOO_LOAD_PLUGINS", "")                   # empty: no third-party plugin, built-ins stay
    manager.reset()
    assert hub.list_models() == ["vision/small_cnn"]
    monkeypatch.delenv("ZOO_LOAD_PLUGINS")                       # unset: everything
    manager.reset()
    assert ours(site, hub.list_models()) == ["alpha/a", "beta/b", "vision/small_cnn"]


def test_zoo_disable_plugins_can_disable_builtins_too(fresh_plugins, monkeypatch):
    monkeypatch.setenv("ZOO_DISABLE_PLUGINS", " vision , nothing-such")
    assert hub.list_models() == []
    assert names(list_plugins(all=True))[:2] == [("vision", "disabled"), ("text", "loaded")]
    with pytest.raises(hub.UnknownNameError, match="unknown model 'small_cnn'"):
        hub.create_model("small_cnn")


def test_builtins_are_found_by_module_name_without_metadata(fresh_plugins, monkeypatch):
    real = importlib.metadata.entry_points

    def without_zoo_dist(**kw):   # a source tree: zoo itself is not installed, so it declares nothing
        return [ep for ep in real(**kw) if ep.dist is None or ep.dist.metadata["Name"] != "zoo"]
    monkeypatch.setattr(importlib.metadata, "entry_points", without_zoo_dist)
    records = list_plugins()
    assert [(p.name, p.dist, p.builtin, p.status) for p in records] == [
        ("vision", None, True, "loaded"), ("text", None, True, "loaded")]
    assert records[0].origin == "source tree"
    assert hub.list_models() == ["vision/small_cnn"]


def test_first_access_from_many_threads_loads_each_plugin_once(site):
    counter = "import builtins\nbuiltins.zoo_test_loads = getattr(builtins, 'zoo_test_loads', 0) + 1\n"
    site.add("count-dist", entry_points={"count": "count_mod"},
             modules={"count_mod": plugin_source(["c"], extra=counter)})
    import builtins
    results = []
    threads = [threading.Thread(target=lambda: results.append(hub.list_models())) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert builtins.zoo_test_loads == 1
    finally:
        builtins.__dict__.pop("zoo_test_loads", None)
    assert results == [["count/c", "vision/small_cnn"]] * 8


def test_commands_hook_failures_are_recorded_and_do_not_unload_the_plugin(site, monkeypatch):
    lenient(monkeypatch)
    extra = """
        @hookimpl
        def zoo_register_commands(cli):
            cli.add_command("models", "steal a core command", lambda args: 0)
    """
    site.add("cmd-dist", entry_points={"cmdp": "cmd_mod"}, modules={"cmd_mod": plugin_source(["net"], extra=extra)})
    with pytest.warns(PluginWarning, match="'zoo models' is a core command and cannot be replaced"):
        commands = get_manager().commands(reserved={"models"})
    assert "models" not in commands.commands and "train" in commands.commands
    assert hub.list_models() == ["cmdp/net", "vision/small_cnn"]
    assert [p.name for p in list_plugins(failed=True)] == ["cmdp"]


def test_two_plugins_adding_the_same_command_keep_the_first_in_load_order(site, monkeypatch):
    lenient(monkeypatch)
    extra = """
        @hookimpl
        def zoo_register_commands(cli):
            cli.add_command("train", "another train", lambda args: 0)
    """
    site.add("cmd-dist", entry_points={"cmdp": "cmd_mod"}, modules={"cmd_mod": plugin_source([], extra=extra)})
    with pytest.warns(PluginWarning, match=r"'zoo train' is already added by plugin 'vision' "
                                           r"\(nothing is overwritten\)"):
        commands = get_manager().commands()
    assert commands.commands["train"].plugin == "vision"


def test_runtime_plugins_cannot_take_reserved_or_used_namespaces(fresh_plugins):
    class Toy:
        pass
    with pytest.raises(PluginError, match="reserved for zoo's built-in plugin"):
        get_manager().add_plugin(Toy(), "vision")
    get_manager().add_plugin(Toy(), "toy")
    with pytest.raises(PluginError, match="namespace 'toy' is"):
        get_manager().add_plugin(Toy(), "toy")
    get_manager().remove_plugin("toy")
    assert [p.name for p in list_plugins()] == ["vision", "text"]
