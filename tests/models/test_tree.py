"""The ``tree`` model (Omikuji label trees): its own files, no pickle, clean stdout, the train file it writes.

The contract every model keeps (fit, predict_proba, save/load in a new process) is in test_contract.py.
"""

from __future__ import annotations

import json
import pickle
import sys

import numpy as np
import pytest
from conftest import DATASETS, prepare_ok, run_python

from multilabeltext.errors import ConfigError
from multilabeltext.models import get_model, model_class
from multilabeltext.models.tree import write_xmc

TEXTS = ["numpy array reshape", "numpy dtype of an array", "pandas dataframe groupby", "merge pandas dataframes",
         "regex match digits", "regex lookahead pattern", "nothing to see here"] * 3
Y = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 0]] * 3, dtype=np.float32)
LABELS = ["numpy", "pandas", "regex"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    model = get_model("tree", char_ngrams=None, top_k=2).fit(TEXTS, Y, labels=LABELS)
    return model, model.save(tmp_path_factory.mktemp("tree") / "m")


def test_the_label_trees_are_omikuji_files_not_pickles(saved):
    _, path = saved
    trees = sorted(p.name for p in (path / "omikuji").iterdir())
    assert trees == ["settings.json", "tree0.cbor", "tree1.cbor", "tree2.cbor"]  # n_trees = 3
    json.loads((path / "omikuji" / "settings.json").read_text())
    for tree in (path / "omikuji").glob("*.cbor"):
        assert tree.read_bytes()[:1] != b"\x80"  # a pickle (protocol 2+) starts with PROTO 0x80


def test_load_never_unpickles(saved, monkeypatch):
    model, path = saved

    def refuse(*args, **kwargs):
        raise AssertionError("the tree model unpickled something")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    np_load = np.load
    monkeypatch.setattr(np, "load", lambda *a, **k: np_load(*a, **{**k, "allow_pickle": False}))
    reloaded = model_class("tree").load(path)
    np.testing.assert_allclose(reloaded.predict_proba(TEXTS), model.predict_proba(TEXTS), atol=1e-6)


def test_only_top_k_tags_get_a_score(saved):
    model, _ = saved
    assert ((model.predict_proba(TEXTS) > 0).sum(axis=1) <= 2).all()


def test_the_train_file_leaves_out_rows_without_tags(tmp_path):
    import scipy.sparse as sp

    X = sp.csr_matrix(np.array([[0.0, 0.5, 0.0], [0.25, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32))
    assert write_xmc(tmp_path / "t.txt", X, np.array([[1, 0], [0, 0], [1, 1]])) == 2
    assert (tmp_path / "t.txt").read_text().splitlines() == ["2 3 2", "0 1:0.5", "0,1 0:1"]
    with pytest.raises(ConfigError, match="no training text has a tag"):
        write_xmc(tmp_path / "t.txt", X, np.zeros((3, 2)))


def test_without_omikuji_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "omikuji", None)  # import omikuji now raises ImportError
    with pytest.raises(ConfigError, match=r"multilabeltext\[tree\]"):
        get_model("tree").fit(TEXTS, Y, labels=LABELS)


def test_train_and_predict_through_the_cli_keep_stdout_clean(tmp_path):
    """Omikuji's Rust log lines and progress bars never reach the commands' output (predict prints JSON)."""
    data = prepare_ok(DATASETS / "pythonquestions-sample" / "predictions_for_plotly.csv", tmp_path / "pyq",
                      "--text-column", "clean", "--label-column", "Actual", "--id-column", "ParentId")
    train = run_python("-m", "multilabeltext", "train", data, "--out", tmp_path / "m", "--model", "tree", "--quiet")
    assert train.returncode == 0, train.stderr
    assert "INFO" not in train.stdout + train.stderr and "omikuji" not in train.stdout
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["test"]["p_at_1"] > 0.6  # 10 tags, 1,000 questions: linear reaches ~0.8
    out = run_python("-m", "multilabeltext", "predict", tmp_path / "m", "how to plot a pandas dataframe",
                     "numpy array indexing")
    assert out.returncode == 0, out.stderr
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(answers) == 2 and all(a["tags"] for a in answers), out.stdout
    assert "INFO" not in out.stderr


def test_damaged_label_trees_are_the_projects_error_not_a_crash(saved, tmp_path):
    import shutil

    from multilabeltext.errors import MultilabeltextError

    _, path = saved
    damaged = shutil.copytree(path, tmp_path / "m")
    tree = damaged / "omikuji" / "tree0.cbor"
    tree.write_bytes(np.random.default_rng(0).integers(0, 256, tree.stat().st_size, dtype=np.uint8).tobytes())
    with pytest.raises(MultilabeltextError, match="Omikuji failed while loading the label trees"):
        model_class("tree").load(damaged)
    (damaged / "omikuji" / "settings.json").unlink()
    with pytest.raises(MultilabeltextError, match="settings.json is missing"):
        model_class("tree").load(damaged)
