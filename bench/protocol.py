"""The benchmark protocol of ``../shared/datasets/README.md`` as code: sources, splits, validation slices.

Every source goes through our own pipeline: ``prepare(..., PrepareConfig(split="none", dedupe=False))``
reads it with the project's reader (cleaning included) into a dataset directory holding every row in the
``train`` split, and the protocol is then applied to the ``row`` column (the row's position in the source
file). :func:`load_source` checks that nothing was dropped or reordered: ``row`` must be ``0..n-1`` and
each row's tags must equal the tags an independent, plain reading of the source file gives for that line.

Protocol (the README's "Benchmark protocol", exactly):

* ``so-titles``: rows in file order, 0-based index ``i``; test = ``i % 5 == 0``, train = the rest;
* ``cooking``: the fastText tutorial split, first 12,404 lines train, last 3,000 lines test;
* ``pyq`` (pythonquestions-sample): 5 folds, fold ``k`` tests on the rows with ``i % 5 == k``;
* any tuning uses only a validation slice of the train part: :func:`validation_slice`, a seeded random
  10% of the train part's rows.

Example:
    >>> [s.name for s in protocol_splits("pyq", 1000, folds=5)]
    ['fold0', 'fold1', 'fold2', 'fold3', 'fold4']
    >>> split = protocol_splits("so-titles", 10)[0]
    >>> split.train.tolist(), split.test.tolist()
    ([1, 2, 3, 4, 6, 7, 8, 9], [0, 5])
    >>> fit, val = validation_slice(np.arange(100), 0.1, seed=13)
    >>> len(fit), len(val), len(set(fit) | set(val))
    (90, 10, 100)
"""

from __future__ import annotations

import ast
import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATASETS_DIR = REPO.parent / "shared" / "datasets"
COOKING_TRAIN, COOKING_TEST = 12_404, 3_000


@dataclass(frozen=True)
class SourceSpec:
    """One protocol dataset: its files (relative to the datasets folder) and how ``prepare`` reads them."""

    name: str
    folder: str
    files: tuple[str, ...]
    prepare: dict  # PrepareConfig settings (split="none", dedupe=False are added)
    rows: int  # rows the source holds (checked)
    what: str


SOURCES: dict[str, SourceSpec] = {
    "so-titles": SourceSpec(
        "so-titles", "so-titles", ("so-titles/so_titles.tsv",),
        {"format": "table", "text_columns": ["title"], "label_column": "tags"}, 50_498,
        "Stack Overflow question titles, 100 tags (the file's own split column is ignored)"),
    "cooking": SourceSpec(
        "cooking", "cooking-stackexchange", ("cooking-stackexchange/cooking.stackexchange.txt",),
        {"format": "fasttext"}, 15_404, "cooking.stackexchange.com titles, fastText format, 736 tags"),
    "pyq": SourceSpec(
        "pyq", "pythonquestions-sample", ("pythonquestions-sample/predictions_for_plotly.csv",),
        {"format": "table", "text_columns": ["clean"], "label_column": "Actual", "id_column": "ParentId",
         "html": False}, 1_000,
        "pythonquestions-sample: title + body + answers (the 2018 tutorial's `clean`), gold tags `Actual`, 10 tags"),
}

# Stack Overflow text for the pyq Word2Vec transfer option (--pyq-vectors all-so-text): every Stack Overflow
# source under ../shared/datasets (not the beer/movies/history sites), read and cleaned (HTML) by prepare.
SO_TEXT_SOURCES: dict[str, tuple[tuple[str, ...], dict]] = {
    "so-titles": (SOURCES["so-titles"].files, SOURCES["so-titles"].prepare),
    "so-first-posts-xml": (("stackexchange-samples/so_first_posts_JesseAldridge_posts.xml",), {}),
    "so-sede-maelys": (("stackexchange-samples/so_sede_Maelys0903_QueryResults.csv",), {}),
    "so-sede-lalloretpilou": (("stackexchange-samples/so_sede_lalloretpilou_QueryResults.csv",), {}),
    "so-top100-kaggle": (("stackexchange-samples/so_top100_YasirSyed_Questions.csv",), {}),  # + PostTags/Tags
}


@dataclass
class Loaded:
    """A protocol dataset read through ``prepare``: rows in source order, and where they came from."""

    name: str
    directory: Path  # the prepared dataset directory (every row in its train split)
    frame: object  # pandas DataFrame: id, text, tags, split, row; sorted by row; row == index
    manifest: dict
    tokenizer: dict
    prepare_seconds: float
    checks: dict = field(default_factory=dict)


def prepare_quietly(files: list[Path], out: Path, settings: dict):
    """``multilabeltext.prepare`` with split="none" and dedupe=False (every row kept, in the train split)."""
    from multilabeltext.config import PrepareConfig
    from multilabeltext.data.prepare import prepare

    config = PrepareConfig.from_dict({**settings, "split": "none", "dedupe": False}, source="bench protocol")
    return prepare([str(f) for f in files], out, config, force=True), config


def load_source(name: str, work: Path, datasets_dir: Path = DATASETS_DIR) -> Loaded:
    """Prepare source ``name`` into ``work/prepared/<name>`` and check the rows are the file's, in order."""
    from multilabeltext.data.dataset import load_dataset

    spec = SOURCES[name]
    files = [datasets_dir / f for f in spec.files]
    started = time.perf_counter()
    result, config = prepare_quietly(files, work / "prepared" / name, spec.prepare)
    seconds = time.perf_counter() - started
    frame = load_dataset(result.out).sort_values("row", kind="stable").reset_index(drop=True)
    n = len(frame)
    checks = {"rows": n, "expected_rows": spec.rows,
              "row_is_file_order_index": bool((frame["row"].to_numpy() == np.arange(n)).all()),
              "dropped": {k: result.counts.get(k, 0) for k in ("empty_text", "no_kept_tag", "duplicates", "malformed")}}
    if n != spec.rows or not checks["row_is_file_order_index"]:
        raise SystemExit(f"{name}: prepare kept {n:,} rows (expected {spec.rows:,}) or changed their order "
                         f"(row == index: {checks['row_is_file_order_index']}); the protocol needs every row in "
                         f"file order. Counts: {result.counts}")
    raw_tags = _raw_tags(name, files[0])
    mismatched = [i for i, (a, b) in enumerate(zip(raw_tags, frame["tags"])) if set(a) != set(b)]
    checks["tags_match_raw_file"] = len(raw_tags) == n and not mismatched
    if not checks["tags_match_raw_file"]:
        raise SystemExit(f"{name}: the prepared rows do not line up with the source file "
                         f"({len(raw_tags):,} raw rows, first mismatches at {mismatched[:5]}).")
    return Loaded(name=name, directory=Path(result.out), frame=frame, manifest=result.manifest,
                  tokenizer=result.manifest["tokenizer"], prepare_seconds=round(seconds, 2),
                  checks={**checks, "prepare_config": config.to_dict()})


def _raw_tags(name: str, path: Path) -> list[list[str]]:
    """Each source row's tags read plainly from the file (no project code but the tag-string parser)."""
    if name == "cooking":
        with open(path, encoding="utf-8") as f:
            return [[t[len("__label__"):].lower() for t in line.split() if t.startswith("__label__")] for line in f]
    delimiter = "\t" if path.suffix == ".tsv" else ","
    column = "tags" if name == "so-titles" else "Actual"
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        return [[str(t).strip().lower() for t in ast.literal_eval(row[column])] for row in reader]


# ---------------------------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class Split:
    """One train/test split of the protocol (row indices into the source, in file order)."""

    name: str
    train: np.ndarray
    test: np.ndarray
    rule: str


def protocol_splits(name: str, n: int, folds: int = 5) -> list[Split]:
    """The protocol's split(s) of a source with ``n`` rows (pyq: ``folds`` folds, ``i % folds == k``)."""
    i = np.arange(n)
    if name == "so-titles":
        return [Split("test", i[i % 5 != 0], i[i % 5 == 0], "test = i % 5 == 0, train = the rest")]
    if name == "cooking":
        if n != COOKING_TRAIN + COOKING_TEST:
            raise ValueError(f"cooking has {n} rows, the protocol expects {COOKING_TRAIN + COOKING_TEST}.")
        return [Split("test", i[:COOKING_TRAIN], i[n - COOKING_TEST:],
                      f"first {COOKING_TRAIN:,} lines train, last {COOKING_TEST:,} lines test")]
    if name == "pyq":
        return [Split(f"fold{k}", i[i % folds != k], i[i % folds == k], f"test = i % {folds} == {k}, train = the rest")
                for k in range(folds)]
    raise ValueError(f"unknown protocol dataset {name!r}")


def quick_split(split: Split, name: str) -> Split:
    """A tiny version of a split for smoke runs (same rules, fewer rows)."""
    if name == "so-titles":  # the first 2,500 rows of the file, same i % 5 rule
        return Split(split.name, split.train[split.train < 2500], split.test[split.test < 2500],
                     split.rule + " (quick: rows i < 2,500)")
    if name == "cooking":  # the first 2,000 training lines, the last 500 lines
        return Split(split.name, split.train[:2000], split.test[-500:], split.rule + " (quick: 2,000 / last 500)")
    return split  # pyq is small already (quick mode runs fewer folds)


def validation_slice(train: np.ndarray, fraction: float = 0.1, seed: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, validation rows): a seeded random ``fraction`` of the train part, both in file order."""
    train = np.asarray(train)
    rng = np.random.default_rng(seed)
    n_val = max(1, int(round(fraction * len(train))))
    chosen = np.zeros(len(train), dtype=bool)
    chosen[rng.permutation(len(train))[:n_val]] = True
    return train[~chosen], train[chosen]


# ------------------------------------------------------------------------------------ dataset directories


def write_split_dataset(loaded: Loaded, out: Path, fit: np.ndarray, validation: np.ndarray, test: np.ndarray,
                        *, protocol: dict) -> Path:
    """A dataset directory (our format) holding exactly one protocol split: fit -> ``train``, validation
    slice -> ``validation``, test part -> ``test``; labels = the prepared source's. Word2Vec reads its
    train + validation splits only; ``multilabeltext train`` could be run on it to reproduce a row.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from multilabeltext.data.dataset import LABELS, MANIFEST, split_file
    from multilabeltext.data.prepare import ROW_SCHEMA
    from multilabeltext.jsonfile import write_json
    from multilabeltext.safefiles import sha256_file

    out.mkdir(parents=True, exist_ok=True)
    files, rows = {}, {}
    for split, idx in (("train", fit), ("validation", validation), ("test", test)):
        part = loaded.frame.iloc[np.asarray(idx)].assign(split=split)
        table = pa.Table.from_pandas(part[["id", "text", "tags", "split", "row"]], schema=ROW_SCHEMA,
                                     preserve_index=False)
        pq.write_table(table, split_file(out, split), compression="zstd")
        rows[split] = len(part)
        files[f"{split}.parquet"] = {"rows": len(part), "sha256": sha256_file(split_file(out, split))}
    labels = json.loads((loaded.directory / LABELS).read_text(encoding="utf-8"))
    write_json(out / LABELS, labels)
    manifest = {**loaded.manifest, "counts": {**loaded.manifest["counts"], "splits": rows},
                "files": {**files, "labels.json": {"sha256": sha256_file(out / LABELS)}},
                "bench_protocol": protocol}
    manifest.pop("labels", None)  # per-split tag counts of the un-split source would mislead
    write_json(out / MANIFEST, manifest)
    return out


def prepare_so_text(work: Path, datasets_dir: Path = DATASETS_DIR,
                    exclude_ids: set[str] | None = None) -> tuple[list[Path], list[dict]]:
    """Every Stack Overflow source prepared (cleaned) into ``work/so-text/<name>``, all rows in ``train``.

    Returns the dataset directories and a summary per source. Stops if a source holds a question id in
    ``exclude_ids`` (the pythonquestions-sample's ids: the samples' ids do not overlap them, and this keeps it
    so). so-titles carries no post ids (its ids are row numbers), so it is not checked; it is titles only,
    while the pythonquestions-sample's texts are title + body + answers.
    """
    from multilabeltext.data.dataset import load_dataset

    dirs, summary = [], []
    for name, (files, settings) in SO_TEXT_SOURCES.items():
        started = time.perf_counter()
        result, _ = prepare_quietly([datasets_dir / f for f in files], work / "so-text" / name, settings)
        frame = load_dataset(result.out, columns=["id", "text"])
        overlap = sorted(set(frame["id"]) & exclude_ids) if exclude_ids and name != "so-titles" else []
        if overlap:
            raise SystemExit(f"{name} holds {len(overlap)} question ids of the pythonquestions-sample "
                             f"(e.g. {overlap[:3]}); they would leak test text into Word2Vec.")
        dirs.append(Path(result.out))
        summary.append({"name": name, "files": list(files), "rows": len(frame),
                        "text_chars": int(frame["text"].str.len().sum()),
                        "format": result.manifest["source"]["format"],
                        "prepare_seconds": round(time.perf_counter() - started, 2)})
    return dirs, summary
