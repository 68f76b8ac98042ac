"""``import zoo_core`` stays light: no entry-point scan, no pluggy, no plugin; plugins load on first access.

Each check runs in a fresh interpreter, so what other tests imported does not matter.
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
HEAVY = ["pluggy", "zoo_core.plugins", "zoo_core.hub", "zoo_vision", "zoo_text", "cupy", "PIL", "tokenizers",
         "torch", "urllib.request"]

SPY = """
import importlib.metadata as md, json, sys
scans = []
_eps, _dists = md.entry_points, md.distributions
md.entry_points = lambda *a, **k: scans.append("entry_points") or _eps(*a, **k)
md.distributions = lambda *a, **k: scans.append("distributions") or _dists(*a, **k)
def loaded():
    return [m for m in HEAVY if m in sys.modules]
"""


def _run(code, env=None):
    # only the built-in plugins: third-party ones installed here would add their own modules
    env = dict(os.environ if env is None else env, PYTHONPATH=ROOT, ZOO_LOAD_PLUGINS="")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_import_zoo_core_reads_no_entry_points_and_imports_no_plugin():
    out = _run(f"HEAVY = {HEAVY!r}\n" + SPY + """
import zoo_core
after_import = (list(scans), loaded())
from zoo_core import hub                     # importing the hub does not load plugins either
after_hub = (list(scans), [m for m in loaded() if m not in ("zoo_core.hub",)])
models = hub.list_models()                   # the first registry access does
print(json.dumps([after_import, after_hub, scans.count("entry_points"), models, loaded()]))
""")
    after_import, after_hub, scans, models, modules = json.loads(out)
    assert after_import == [[], []]
    assert after_hub == [[], []]
    assert scans == 1 and models == ["vision/small_cnn"]
    # the built-in entry modules import nothing heavy: no model code, no Pillow, no tokenizers
    assert set(modules) == {"pluggy", "zoo_core.plugins", "zoo_core.hub", "zoo_vision", "zoo_text"}


def test_hookimpl_is_reexported_lazily():
    out = _run("import sys, zoo_core\nprint('pluggy' in sys.modules)\n"
               "from zoo_core import hookimpl\nimport pluggy\n"
               "print(isinstance(hookimpl, pluggy.HookimplMarker), hookimpl.project_name)")
    assert out.split() == ["False", "True", "zoo"]


def test_builtin_entry_modules_stay_light():
    out = _run(f"HEAVY = {HEAVY!r}\n" + SPY + """
import zoo_core.plugins, zoo_core.hub.registry
before = set(sys.modules)
from zoo_core.plugins import load_plugins
load_plugins()
new = sorted(m for m in set(sys.modules) - before
             if not m.startswith(("zoo_core", "importlib", "email", "csv", "zipfile")))
print(json.dumps(new))
""")
    new = json.loads(out)
    assert [m for m in new if m.startswith(("zoo_vision", "zoo_text"))] == \
        ["zoo_text", "zoo_text.plugin", "zoo_vision", "zoo_vision.plugin"]
    assert not [m for m in new if m.startswith(("PIL", "tokenizers", "cupy", "tqdm", "urllib"))], new


def test_import_zoo_core_costs_under_50ms_more_than_numpy():
    # In one interpreter: time `import numpy`, then `import zoo_core` on top of it; the second is what
    # zoo_core adds. Bytecode is cached in a private folder (the suite may run with
    # PYTHONDONTWRITEBYTECODE, which would make every run recompile zoo_core from source), and the
    # machine is noisy, so the best of several runs counts.
    code = ("import time\nt0 = time.perf_counter()\nimport numpy\nt1 = time.perf_counter()\n"
            "import zoo_core\nprint(time.perf_counter() - t1)")
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        _run("import zoo_core", env)          # warm the bytecode cache
        extra = min(float(_run(code, env)) for _ in range(5))
    assert extra < 0.050, f"import zoo_core takes {extra * 1e3:.0f} ms more than import numpy (budget: 50 ms)"
