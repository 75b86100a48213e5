"""bench/seed_bag.py on scores saved the way ``bench_models.py --save-scores`` saves them."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "bench" / "seed_bag.py"


def _save_runs(root: Path, noises: list[float], rows: int = 400, seed: int = 0) -> list[Path]:
    """One directory per 'seed': the same labels, the true signal plus that run's own noise."""
    rng = np.random.default_rng(seed)
    Y_val = (rng.random((rows, 3)) < 0.35).astype(np.uint8)
    Y_test = (rng.random((rows, 3)) < 0.35).astype(np.uint8)
    Y_val[Y_val.sum(axis=1) == 0, 0] = 1
    Y_test[Y_test.sum(axis=1) == 0, 0] = 1
    runs = []
    for i, noise in enumerate(noises):
        split = root / f"run{i}" / "toy" / "fold0"
        split.mkdir(parents=True)
        np.save(split / "Y_validation.npy", Y_val)
        np.save(split / "Y_test.npy", Y_test)
        (split / "labels.json").write_text(json.dumps({"labels": ["a", "b", "c"], "test_only": []}))
        for part, Y in (("validation", Y_val), ("test", Y_test)):
            proba = np.clip(0.3 + 0.4 * Y + rng.normal(0, noise, Y.shape), 0, 1).astype(np.float32)
            np.save(split / f"m.{part}.npy", proba)
        runs.append(root / f"run{i}")
    return runs


def _run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, cwd=REPO)


def test_averaging_independent_noisy_runs_beats_each_run(tmp_path):
    runs = _save_runs(tmp_path, [0.35] * 4)
    out = tmp_path / "bag.json"
    done = _run(*runs, "--model", "m", "--dataset", "toy", "--out", out)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    mean = result["mean_over_splits"]
    assert mean["averaged_first_k_micro_f1"][0] == mean["per_seed_micro_f1"][0]  # k = 1 is the first seed alone
    assert mean["averaged_first_k_micro_f1"][-1] > max(mean["per_seed_micro_f1"]) + 0.02
    # recomputed by hand with the library's rule: the average of all four runs' scores
    from multilabeltext import core

    split = [r / "toy" / "fold0" for r in runs]
    Y_val, Y_test = np.load(split[0] / "Y_validation.npy"), np.load(split[0] / "Y_test.npy")
    val = np.mean([np.load(d / "m.validation.npy") for d in split], axis=0)
    test = np.mean([np.load(d / "m.test.npy") for d in split], axis=0)
    metrics, _ = core.score(core.tune(Y_val, val), Y_test, test)
    assert result["splits"]["fold0"]["averaged_first_k"][-1]["micro_f1"] == pytest.approx(metrics["micro_f1"], abs=1e-4)


def test_runs_on_other_rows_are_refused(tmp_path):
    first = _save_runs(tmp_path / "a", [0.3], seed=1)
    second = _save_runs(tmp_path / "b", [0.3], seed=2)
    done = _run(*first, *second, "--model", "m", "--dataset", "toy")
    assert done.returncode != 0 and "other rows" in done.stderr
