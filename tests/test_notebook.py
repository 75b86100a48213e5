"""The tutorial notebook runs end to end (nbclient, a real kernel) on the real pythonquestions sample.

Its outputs go to a temporary directory (``MULTILABELTEXT_WORK``), never into the repository; the
notebook is committed without outputs.
"""

from __future__ import annotations

import json
import time

import nbformat
import pytest
from conftest import DATASETS, REPO
from nbclient import NotebookClient

NOTEBOOK = REPO / "multilabeltext.ipynb"
TIMEOUT = 600  # seconds per cell, and the limit for the whole notebook (it takes ~2-4 minutes on 2 cores)


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_notebook_runs_end_to_end(tmp_path, monkeypatch):
    work = tmp_path / "work"
    monkeypatch.setenv("MULTILABELTEXT_WORK", str(work))
    monkeypatch.setenv("MULTILABELTEXT_DATASETS", str(DATASETS))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   startup_timeout=120).execute()
    seconds = time.perf_counter() - started
    print(f"notebook executed in {seconds:.0f} s (kernel start included)")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    texts = "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
                      if o.output_type == "stream")
    assert "test micro-F1" in texts and "2018-lstm" in texts and "report:" in texts
    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 9  # every figure cell displayed its Plotly figure
    for name in ("data/manifest.json", "vectors/vectors.npy", "lstm/model.json", "linear/model.json", "report.html"):
        assert (work / name).is_file(), name
    metrics = json.loads((work / "lstm" / "metrics.json").read_text())["test"]
    assert metrics["micro_f1"] > 0.5
    assert seconds < TIMEOUT


@pytest.mark.parametrize("script", ["scripts/make_notebook.py"])
def test_notebook_matches_its_generator(script):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebook", REPO / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    committed = nbformat.read(NOTEBOOK, as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in built.cells]
