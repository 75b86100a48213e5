"""``scripts/make_flow.py`` draws flow.png from the package: the real commands and directory layouts."""

from __future__ import annotations

import importlib.util

from conftest import REPO, run_python
from PIL import Image

from multilabeltext.cli import app


def _script():
    spec = importlib.util.spec_from_file_location("make_flow", REPO / "scripts" / "make_flow.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stages_come_from_the_cli_and_the_documented_layouts():
    flow = _script()
    boxes, readers = flow.stages()
    commands = {c.name for c in app.registered_commands}
    assert set(flow.CHAIN) <= commands
    assert set(readers) == commands - set(flow.CHAIN)  # every other command reads a model directory
    assert readers[:3] == ["evaluate", "predict", "report"]
    files = {box["title"]: box["files"] for box in boxes}
    assert files["dataset dir"][:3] == ["manifest.json", "labels.json", "train.parquet"]
    assert files["vectors"] == ["vectors.npy", "vocab.json", "word2vec.json"]
    assert {"model.json", "thresholds.json", "predictions.parquet", "weights/"} <= set(files["model dir"])


def test_script_writes_a_png(tmp_path):
    out = tmp_path / "flow.png"
    proc = run_python(REPO / "scripts" / "make_flow.py", "--out", out, timeout=120)
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width > 1000 and image.height > 300
    committed = REPO / "flow.png"
    assert committed.is_file()  # the committed diagram (regenerate it with the script when commands change)
