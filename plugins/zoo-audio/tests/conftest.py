import os
import sys

import pytest

os.environ.setdefault("ZOO_STRICT_PLUGINS", "1")   # a broken plugin fails the tests instead of warning

# test the source next to these tests, also when an installed copy exists (its entry point then loads
# the same code, as `zoo_audio.plugin` is imported from the first match on sys.path)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def audio_plugin():
    """The ``audio`` plugin is loaded: through its entry point when installed, else registered for the test."""
    from zoo_core.plugins import get_manager
    if get_manager().plugin("audio") is not None:
        yield "entry point"
        return
    import zoo_audio.plugin
    from zoo_core.testing import temporary_plugin
    with temporary_plugin(zoo_audio.plugin, "audio"):
        yield "registered for the test"
