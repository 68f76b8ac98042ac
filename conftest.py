"""Names the docstring examples use, for ``pytest --doctest-modules zoo_core`` (run by tests/test_docs.py)."""
import pytest


@pytest.fixture(autouse=True)
def _doctest_cwd(request, tmp_path, monkeypatch):
    """Docstring examples that save files write them into a fresh temporary directory, not the checkout."""
    if type(request.node).__name__ == "DoctestItem":
        monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    import numpy as np
    import zoo_core
    import zoo_core.nn.functional as F
    from zoo_core import nn, optim
    from zoo_core.data import TensorDataset
    zoo_core.manual_seed(0)
    model = nn.Linear(4, 2)   # the generic `model` and `opt` that optimizer/scheduler examples refer to
    doctest_namespace.update(zoo_core=zoo_core, torch=zoo_core, nn=nn, F=F, np=np, numpy=np, optim=optim,
                             model=model, opt=optim.SGD(model.parameters(), lr=0.1),
                             TensorDataset=TensorDataset)
