"""A model directory is read only from its own regular files, each of the size it was saved with (issue 13,
item 8), and every damaged directory is a message naming the file, in predict, evaluate, serve, the dashboard and
the report alike (item 9)."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import describe, prepare_ok, run_cli


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("damaged")
    rows = "".join(f"question {i} about {'apples' if i % 2 else 'pears'} and more\t{'a' if i % 2 else 'b'}\n"
                   for i in range(60))
    (root / "t.tsv").write_text("text\ttags\n" + rows)
    dataset = prepare_ok(root / "t.tsv", root / "ds")
    result = run_cli("train", dataset, "--out", root / "m", "--quiet", "--param", "jobs=1", "--param", "cross_fit=0")
    assert result.exit_code == 0, describe(result)
    return root / "m"


def npy_file(model_dir: Path) -> Path:
    return sorted((model_dir / "weights").glob("*.npy"))[0]


def truncate(p: Path):
    p.write_bytes(p.read_bytes()[:40])


def randomize(p: Path):
    p.write_bytes(np.random.default_rng(0).bytes(p.stat().st_size))


def pickled(p: Path):
    p.write_bytes(pickle.dumps({"a": 1}, protocol=2))


DAMAGE = {
    "missing weight file": lambda m: npy_file(m).unlink(),
    "missing thresholds.json": lambda m: (m / "thresholds.json").unlink(),
    "truncated npy": lambda m: truncate(npy_file(m)),
    "random npy": lambda m: randomize(npy_file(m)),
    "pickled npy": lambda m: pickled(npy_file(m)),
    "non-UTF-8 model.json": lambda m: (m / "model.json").write_bytes(b'{"format": "\xff\xfe"}'),
    "bad JSON model.json": lambda m: (m / "model.json").write_text('{"format": '),
    "metrics.json symlinked elsewhere": lambda m: ((m / "metrics.json").unlink(),
                                                   (m / "metrics.json").symlink_to(m.parent / "ds" / "manifest.json")),
    "weights symlinked to a device": lambda m: (npy_file(m).unlink(), npy_file_link(m)),
}


def npy_file_link(m: Path):
    (m / "weights" / "coef.npy").symlink_to("/dev/zero")


@pytest.fixture(params=list(DAMAGE))
def damaged(request, model, tmp_path) -> Path:
    copy = tmp_path / "m"
    shutil.copytree(model, copy, symlinks=True)
    if not (tmp_path / "ds").exists():
        shutil.copytree(model.parent / "ds", tmp_path / "ds")
    DAMAGE[request.param](copy)
    return copy


def assert_message(result):
    info = describe(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), info
    assert result.exit_code == 2 and "Traceback" not in result.output, info
    assert "Error:" in result.stderr and "Fix:" in result.stderr, info


def test_predict_says_what_is_damaged(damaged):
    assert_message(run_cli("predict", damaged, "a question about apples"))


def test_evaluate_says_what_is_damaged(damaged):
    assert_message(run_cli("evaluate", damaged))


def test_report_says_what_is_damaged(damaged, tmp_path):
    assert_message(run_cli("report", "--model", damaged, "--out", tmp_path / "r.html"))


def test_serve_and_dashboard_load_refuse_it(damaged):
    from multilabeltext.errors import MultilabeltextError
    from multilabeltext.serve.app import create_app
    from multilabeltext.viz.dashboard.data import DashboardData

    with pytest.raises(MultilabeltextError):
        create_app(damaged)
    with pytest.raises(MultilabeltextError):
        DashboardData.load(damaged)


def test_model_json_declares_every_file_size(model):
    files = json.loads((model / "model.json").read_text())["files"]
    assert files["thresholds.json"]["bytes"] == (model / "thresholds.json").stat().st_size
    assert any(name.startswith("weights/") for name in files)
