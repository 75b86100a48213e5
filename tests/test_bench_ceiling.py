"""bench/ensemble_ceiling.py on scores saved the way ``bench_models.py --save-scores`` saves them."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "bench" / "ensemble_ceiling.py"


@pytest.fixture
def scores_dir(tmp_path):
    """One split: 3 tags (the last one only in the test part), a good and a noisy member."""
    rng = np.random.default_rng(0)
    directory = tmp_path / "scores" / "toy" / "test"
    directory.mkdir(parents=True)
    Y_val = (rng.random((200, 2)) < 0.4).astype(np.uint8)
    Y_val[Y_val.sum(axis=1) == 0, 0] = 1
    Y_test = np.zeros((300, 3), dtype=np.uint8)
    Y_test[:, :2] = rng.random((300, 2)) < 0.4
    Y_test[Y_test[:, :2].sum(axis=1) == 0, 1] = 1
    Y_test[:5, 2] = 1  # a test-only tag: scored 0 by every member
    np.save(directory / "Y_validation.npy", Y_val)
    np.save(directory / "Y_test.npy", Y_test)
    (directory / "labels.json").write_text(json.dumps({"labels": ["a", "b"], "test_only": ["c"]}))
    for name, noise in (("good", 0.25), ("noisy", 0.6)):
        for part, Y in (("validation", Y_val), ("test", Y_test)):
            proba = np.clip(Y[:, :2] * 0.6 + 0.2 + rng.normal(0, noise, (len(Y), 2)), 0, 1).astype(np.float32)
            if part == "test":
                proba = np.hstack([proba, np.zeros((len(Y), 1), dtype=np.float32)])
            np.save(directory / f"{name}.{part}.npy", proba)
    return directory


def test_ceiling_recomputes_the_ensemble_and_bounds_it(scores_dir, tmp_path):
    out = tmp_path / "ceiling.json"
    run = subprocess.run([sys.executable, str(SCRIPT), str(scores_dir), "--members", "good,noisy", "--out", str(out)],
                         capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert (result["dataset"], result["split"]) == ("toy", "test")
    good, noisy, ensemble = result["members"]["good"], result["members"]["noisy"], result["ensemble"]
    assert good["micro_f1"] > noisy["micro_f1"]
    assert ensemble["weights"]["good"] > ensemble["weights"]["noisy"]
    ceiling = result["ceiling_chosen_on_test"]
    # the bound is chosen on the test rows over the grid the ensemble picks from: nothing tuned beats it
    assert ceiling["p_at_1"] >= max(good["p_at_1"], noisy["p_at_1"], ensemble["p_at_1"])
    assert ceiling["micro_f1"] >= good["micro_f1"] - 1e-4
    # top-1 errors of the tuned ensemble, counted by hand
    Y = np.load(scores_dir / "Y_test.npy")
    w = ensemble["weights"]
    proba = sum(w[m] * np.load(scores_dir / f"{m}.test.npy") for m in ("good", "noisy"))
    wrong = int((Y[np.arange(len(Y)), proba.argmax(axis=1)] == 0).sum())
    assert result["ensemble_top1_errors"]["wrong_top1"] == wrong
    assert sum(p["rows"] for p in result["ensemble_top1_errors"]["most_frequent"]) == wrong
    assert "ceiling (weights chosen on test)" in run.stdout


def test_missing_scores_say_how_to_make_them(scores_dir, tmp_path):
    run = subprocess.run([sys.executable, str(SCRIPT), str(scores_dir), "--members", "good,lstm",
                          "--out", str(tmp_path / "x.json")], capture_output=True, text=True, cwd=REPO)
    assert run.returncode != 0
    assert "--save-scores" in run.stderr and "lstm" in run.stderr
