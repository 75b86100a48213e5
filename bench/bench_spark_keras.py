"""``train --model mlp|lstm``: data-parallel on Spark (``--engine spark``, 2 TensorFlow workers) against the embedded fit.

On so-titles (the embedded ``prepare`` of ``--rows`` titles, their ``--tags`` commonest tags, in a temporary
directory), each model is trained twice with the same settings and a fixed number of epochs (no early stopping
can end one run sooner than the other):

    <venv python> -m multilabeltext train <ds> --model M --out <tmp> --force --quiet --param epochs=E ...
        [--engine spark --spark-master local[W] --param spark_workers=W]

Measured per run: wall clock of the whole command (Spark's start and the workers' TensorFlow start included),
``fit_seconds`` (model.json), the training texts/s of each epoch (``history.json``: rows / the epoch's training
seconds, the validation pass excluded; the first epoch includes tracing) and the test micro-F1. The machine is
shared: the load average before and after each run is recorded with its figures.

Usage:
    python bench/bench_spark_keras.py                     # JSON to bench/results/spark-train-keras.json
    python bench/bench_spark_keras.py --rows 20000 --models lstm
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "spark-train-keras.json"
SO_TITLES = REPO.parent / "shared" / "datasets" / "so-titles" / "so_titles.tsv"
SETTINGS = {  # the mlp's default first layer (200k features x 512) would all-reduce 400 MB per step
    "mlp": {"max_features": 20000, "hidden": 128},
    "lstm": {},
}


def venv_python() -> str:
    candidate = REPO / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def cli(*args: str) -> float:
    """Run ``multilabeltext ARGS``; its wall clock in seconds (raises with its output if it fails)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "2"}
    started = time.perf_counter()
    done = subprocess.run([venv_python(), "-m", "multilabeltext", *args], capture_output=True, text=True, env=env)
    if done.returncode:
        raise SystemExit(f"multilabeltext {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return round(time.perf_counter() - started, 1)


def run(dataset: Path, out: Path, model: str, epochs: int, workers: int | None) -> dict:
    params = {**SETTINGS[model], "epochs": epochs, "patience": epochs}
    args = ["train", str(dataset), "--model", model, "--out", str(out), "--force", "--quiet"]
    args += [a for k, v in params.items() for a in ("--param", f"{k}={json.dumps(v)}")]
    if workers:
        args += ["--engine", "spark", "--spark-master", f"local[{workers}]", "--param", f"spark_workers={workers}"]
    load_before = os.getloadavg()
    wall = cli(*args)
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    history = json.loads((out / "weights" / "history.json").read_text(encoding="utf-8"))
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    return {"engine": "spark" if workers else "embedded", "workers": workers or 1, "params": params,
            "wall_seconds": wall, "fit_seconds": meta["timings"]["fit_seconds"],
            "epoch_texts_per_s": [h["texts_per_s"] for h in history],
            "epoch_seconds": [h["seconds"] for h in history],
            "loss": [round(h["loss"], 4) for h in history], "val_loss": [round(h["val_loss"], 4) for h in history],
            "test_micro_f1": round(metrics["test"]["micro_f1"], 4), "test_p_at_1": round(metrics["test"]["p_at_1"], 4),
            "spark": meta.get("engine"),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000, help="so-titles titles to prepare")
    parser.add_argument("--tags", type=int, default=20, help="their commonest tags kept")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default="mlp,lstm")
    parser.add_argument("--out", type=Path, default=RESULTS)
    options = parser.parse_args()
    results = {"rows": options.rows, "tags": options.tags, "epochs": options.epochs, "cpu_count": os.cpu_count(),
               "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench-spark-keras-") as tmp:
        tmp = Path(tmp)
        with open(SO_TITLES, encoding="utf-8") as f:
            head = [next(f) for _ in range(options.rows + 1)]
        (tmp / "titles.tsv").write_text("".join(head), encoding="utf-8")
        cli("prepare", str(tmp / "titles.tsv"), "--out", str(tmp / "ds"), "--text-column", "title",
            "--label-column", "tags", "--top-n", str(options.tags), "--quiet")
        results["splits"] = json.loads((tmp / "ds" / "manifest.json").read_text())["counts"]["splits"]
        for model in options.models.split(","):
            for workers in (None, options.workers):
                entry = run(tmp / "ds", tmp / f"{model}-{workers}", model, options.epochs, workers)
                entry["model"] = model
                print(json.dumps(entry), flush=True)
                results["runs"].append(entry)
    options.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written to {options.out}")


if __name__ == "__main__":
    main()
