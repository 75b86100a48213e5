"""The dataset directory: Parquet rows per split, ``labels.json`` and ``manifest.json``, written atomically.

Layout (format version 1)::

    DIR/manifest.json      what made it: sources (size, sha256), options, counts, label frequencies, file hashes
    DIR/labels.json        the kept tags, sorted; their order is the column order of every label matrix
    DIR/train.parquet      columns id (str), text (str), tags (list of str), split (str), row (source position)
    DIR/validation.parquet
    DIR/test.parquet
    DIR/tutorial/          only with --tutorial-artifacts: labels.npy, classes.json, ids.json, sentences.jsonl

Example:
    >>> import tempfile
    >>> from multilabeltext.config import PrepareConfig
    >>> from multilabeltext.data.prepare import prepare
    >>> from multilabeltext.progress import quiet
    >>> out = tempfile.mkdtemp() + "/beer"
    >>> with quiet():
    ...     _ = prepare(["../shared/datasets/stackexchange-samples/beer_se_AaronNie_Posts.xml"], out, PrepareConfig(top_n=5))
    >>> ds = load_dataset(out, split="train")
    >>> ds.columns.tolist(), len(ds), read_labels(out)[:2]
    (['id', 'text', 'tags', 'split', 'row'], 136, ['breweries', 'brewing'])
"""

from __future__ import annotations

import json
from pathlib import Path

from ..config import SPLITS
from ..errors import DatasetFormatError
from ..safefiles import sha256_file

FORMAT_NAME = "multilabeltext-dataset"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LABELS = "labels.json"


def split_file(directory: str | Path, split: str) -> Path:
    return Path(directory) / f"{split}.parquet"


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a dataset directory, checked for format and version."""
    from ..jsonfile import read_description

    directory = Path(directory)
    path = directory / MANIFEST
    manifest = read_description(directory, MANIFEST, kind="dataset", format_name=FORMAT_NAME,
                                made_by="`multilabeltext prepare`",
                                create="run `multilabeltext prepare ... --out DIR` first, then pass that DIR.",
                                redo="prepare the dataset again with --force.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise DatasetFormatError(
            f"dataset format version {version} is not supported (this multilabeltext reads version "
            f"{FORMAT_VERSION}).", path=path, fix="prepare the dataset again with this version (--force).")
    return manifest


def verify_files(directory: str | Path, manifest: dict | None = None) -> None:
    """Raise :class:`DatasetFormatError` when a split file or labels.json differs from the hash the manifest
    recorded (a file swapped or edited after ``prepare``). Reads each file once (about 1 s per GB)."""
    directory = Path(directory)
    manifest = manifest if manifest is not None else read_manifest(directory)
    for name in [f"{s}.parquet" for s in SPLITS] + [LABELS]:
        expected = (manifest.get("files") or {}).get(name, {}).get("sha256")
        path = directory / name
        if expected and path.is_file() and sha256_file(path) != expected:
            raise DatasetFormatError(f"{name} is not the file prepare wrote (its SHA-256 differs from the "
                                     "manifest's): it was replaced or edited since.", path=path,
                                     fix="prepare the dataset again (--force), or put the original file back.")


def read_labels(directory: str | Path) -> list[str]:
    """The dataset's label names, in matrix column order."""
    read_manifest(directory)
    return json.loads((Path(directory) / LABELS).read_text(encoding="utf-8"))


def load_dataset(directory: str | Path, split: str | None = None, columns: list[str] | None = None):
    """Rows of a dataset directory (one split, or all in train/validation/test order) as a pandas DataFrame."""
    import pandas as pd

    read_manifest(directory)
    splits = [split] if split else list(SPLITS)
    for s in splits:
        if s not in SPLITS:
            raise DatasetFormatError(f"unknown split {s!r}.", fix=f"use one of {', '.join(SPLITS)}.")
    frames = [pd.read_parquet(split_file(directory, s), columns=columns)
              for s in splits if split_file(directory, s).exists()]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=columns or ["id", "text", "tags", "split", "row"])
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
