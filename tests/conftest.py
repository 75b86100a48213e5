"""Shared paths and helpers for the test suite.

The real sample data lives read-only beside the checkout, in ``../shared/datasets`` (CI has it too), so
nothing here is skipped when it is missing: a missing directory is a broken setup and fails loudly.
Tests never copy those files into the repository; small fixtures are built in ``tmp_path``.

Helpers (import them with ``from conftest import ...``):

* :func:`run_cli` runs ``multilabeltext ...`` in-process with typer's ``CliRunner`` (stdout and stderr
  are captured separately: ``result.stdout``, ``result.stderr``; ``result.output`` is both interleaved).
* :func:`prepare_ok` runs ``multilabeltext prepare`` with ``--jobs 1 --quiet`` and checks it succeeded.
* :func:`run_python` runs ``.venv``'s Python in a subprocess (``-m multilabeltext ...`` or ``processing.py``)
  for the few true end-to-end tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
SAMPLES = DATASETS / "stackexchange-samples"

# the real files the tests read (all small)
YASIR_QUESTIONS = SAMPLES / "so_top100_YasirSyed_Questions.csv"
YASIR_POST_TAGS = SAMPLES / "so_top100_YasirSyed_PostTags.csv"
YASIR_TAGS = SAMPLES / "so_top100_YasirSyed_Tags.csv"
BEER_XML = SAMPLES / "beer_se_AaronNie_Posts.xml"
FIRST_POSTS_XML = SAMPLES / "so_first_posts_JesseAldridge_posts.xml"
HISTORY_CSV = SAMPLES / "history_meta_se_VanAnDuong_Posts.csv"
MOVIES_CSV = SAMPLES / "movies_se_RafaelRon_Posts.csv"
SEDE_1 = SAMPLES / "so_sede_Maelys0903_QueryResults.csv"
SEDE_2 = SAMPLES / "so_sede_lalloretpilou_QueryResults.csv"
COOKING_TXT = DATASETS / "cooking-stackexchange" / "cooking.stackexchange.txt"
COOKING_ID = DATASETS / "cooking-stackexchange" / "cooking.stackexchange.id"
SO_TITLES = DATASETS / "so-titles" / "so_titles.tsv"
PYQ_SAMPLE = DATASETS / "pythonquestions-sample" / "predictions_for_plotly.csv"

SPLITS = ("train", "validation", "test")
CLI_ENV = {"COLUMNS": "200", "TERMINAL_WIDTH": "200", "NO_COLOR": "1"}


def pytest_configure(config):
    # Fail early and clearly (never skip) when the shared data is not beside the checkout.
    if not DATASETS.is_dir():
        raise pytest.UsageError(f"the real sample data is missing: expected {DATASETS} (../shared/datasets "
                                "relative to the repository root).")


def pytest_collection_modifyitems(config, items):
    # `make test` runs the suite on two pytest-xdist workers (`-n 2`), which take the tests in this order: the
    # `long` ones (the README's examples, the notebook) go first, so neither worker is left running one of
    # them alone at the end. (Each worker that meets a Spark test starts its own local SparkSession.)
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable: otherwise collection order


@pytest.fixture(scope="session")
def datasets() -> Path:
    """``../shared/datasets`` (read-only real data)."""
    return DATASETS


@pytest.fixture(autouse=True)
def _restore_quiet():
    """``--quiet`` sets a module-level flag; put it back so in-process runs do not leak into each other."""
    from multilabeltext.progress import is_quiet, set_quiet

    before = is_quiet()
    yield
    set_quiet(before)


# ------------------------------------------------------------------------------------------------ CLI


def run_cli(*args, env: dict | None = None):
    """``multilabeltext ARGS`` in-process; returns typer's Result (``exit_code``, ``stdout``, ``stderr``, ``output``).

    Unexpected exceptions are caught by the runner (exit code 1, ``result.exception`` set), so the
    tests check ``exit_code`` and that no exception other than ``SystemExit`` escaped.
    """
    from multilabeltext.cli import app

    runner = CliRunner()
    return runner.invoke(app, [str(a) for a in args], env={**CLI_ENV, **(env or {})}, prog_name="multilabeltext")


def describe(result) -> str:
    """Everything useful about a CLI result, for assertion messages."""
    import traceback

    text = f"exit code {result.exit_code}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        text += "\n--- exception\n" + "".join(traceback.format_exception(result.exception))
    return text


def prepare_ok(inputs, out: Path, *options) -> Path:
    """``multilabeltext prepare INPUTS --out OUT --jobs 1 --quiet OPTIONS``, asserting success; returns OUT."""
    inputs = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    result = run_cli("prepare", *inputs, "--out", out, "--jobs", "1", "--quiet", *options)
    assert result.exit_code == 0, describe(result)
    assert (out / "manifest.json").is_file(), describe(result)
    return out


def run_python(*args, cwd: Path = REPO, timeout: float = 120, input_text: str | None = None,
               ) -> subprocess.CompletedProcess:
    """The venv's Python in a subprocess (e.g. ``run_python("-m", "multilabeltext", "prepare", ...)``)."""
    python = REPO / ".venv" / "bin" / "python"
    python = python if python.exists() else Path(sys.executable)
    env = {**os.environ, **CLI_ENV}
    return subprocess.run([str(python), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env, input=input_text)


# ------------------------------------------------------------------------------------------- datasets


def read_split(out: Path, split: str) -> pd.DataFrame:
    """One split file of a dataset directory, read directly with pandas (not through the library)."""
    return pd.read_parquet(out / f"{split}.parquet")


def read_all(out: Path) -> pd.DataFrame:
    """All rows of a dataset directory (train, validation, test), sorted by source position ``row``."""
    frames = [read_split(out, s) for s in SPLITS]
    df = pd.concat(frames, ignore_index=True)
    df["tags"] = df["tags"].map(list)
    return df.sort_values("row", kind="stable").reset_index(drop=True)


def read_manifest_json(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def read_labels_json(out: Path) -> list[str]:
    return json.loads((out / "labels.json").read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_hashes(directory: Path) -> dict[str, str]:
    """``relative path -> sha256`` of every file under ``directory`` (to prove it was left untouched)."""
    return {str(p.relative_to(directory)): sha256(p) for p in sorted(directory.rglob("*")) if p.is_file()}


def leftovers(parent: Path, name: str) -> list[Path]:
    """Temporary or old siblings a run of ``prepare --out parent/name`` may have left behind."""
    return sorted(p for p in parent.iterdir() if p.name.startswith(f".{name}.tmp-") or p.name.startswith(f".{name}.old-"))


def so_titles_subset(rows: int, n_labels: int) -> tuple[list[str], list[str], np.ndarray]:
    """(labels, titles, Y): the first ``rows`` so-titles rows, kept when they carry one of their ``n_labels``
    commonest tags; ``Y`` is float32 (n_titles, n_labels)."""
    import ast

    df = pd.read_csv(SO_TITLES, sep="\t", nrows=rows)
    df["tags"] = df["tags"].map(ast.literal_eval)
    labels = pd.Series([t for ts in df["tags"] for t in ts]).value_counts().index[:n_labels].tolist()
    df = df[df["tags"].map(lambda ts: any(t in labels for t in ts))]
    Y = np.array([[t in ts for t in labels] for ts in df["tags"]], dtype=np.float32)
    return labels, df["title"].tolist(), Y
