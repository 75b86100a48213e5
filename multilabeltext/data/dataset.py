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

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..config import SPLITS
from ..errors import DatasetExistsError, DatasetFormatError

FORMAT_NAME = "multilabeltext-dataset"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LABELS = "labels.json"


def split_file(directory: str | Path, split: str) -> Path:
    return Path(directory) / f"{split}.parquet"


def sha256_file(path: str | Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in chunks (hashlib releases the GIL, so this can run in a thread)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def check_replaceable(out: str | Path, *, force: bool = False, marker: str = MANIFEST) -> Path:
    """Raise :class:`DatasetExistsError` unless ``out`` may be written: new, empty, or (with ``force``) a
    directory holding ``marker`` (a dataset's manifest.json, a model's model.json), never other data."""
    out = Path(out)
    kind = "dataset" if marker == MANIFEST else "model"
    if out.exists() and not out.is_dir():
        raise DatasetExistsError("the output path exists and is a file.", path=out,
                                 fix="choose a directory path for --out.")
    if out.is_dir() and any(out.iterdir()) and not force:
        what = f"a {kind}" if (out / marker).exists() else "files"
        raise DatasetExistsError(f"the output directory already holds {what}.", path=out,
                                 fix="pass --force to replace it, or choose another --out directory.")
    if out.is_dir() and any(out.iterdir()) and force and not (out / marker).exists():
        raise DatasetExistsError(f"the output directory holds files that are not a {kind}; --force only "
                                 f"replaces a {kind} directory, to never delete other data.", path=out,
                                 fix="choose another --out directory, or empty this one yourself.")
    return out


@contextmanager
def atomic_directory(out: str | Path, *, force: bool = False, marker: str = MANIFEST) -> Iterator[Path]:
    """Yield a temporary sibling directory that replaces ``out`` only if the block succeeds.

    Refuses an ``out`` that already holds files unless ``force``; even with ``force`` it only replaces a
    directory holding ``marker`` (a dataset's manifest.json, a model's model.json), never other data.
    An interrupted or failed run leaves ``out`` as it was and removes the temporary directory.
    """
    from ..outputs import claim_output

    with claim_output(out):
        out = check_replaceable(out, force=force, marker=marker)
        with replace_atomically(out) as tmp:
            yield tmp


@contextmanager
def replace_atomically(out: Path) -> Iterator[Path]:
    """Yield a fresh temporary sibling of ``out`` that is renamed to ``out`` (replacing it) if the block succeeds.

    No checks of what ``out`` holds: callers decide first whether it may be replaced (:func:`atomic_directory`
    does). It claims ``out`` (:mod:`multilabeltext.outputs`: a lock, stale temporaries of dead runs removed);
    a failed write (disk full, read-only) becomes the project's error naming the path.
    """
    from ..outputs import claim_output, is_write_error, os_error

    with claim_output(out) as out:
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
        except OSError as exc:
            raise os_error(exc, out.parent) from None
        try:
            yield tmp
            if out.exists():
                old = out.parent / f".{out.name}.old-{os.getpid()}"
                out.rename(old)
                tmp.rename(out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(out)
        except OSError as exc:
            if not is_write_error(exc):
                raise
            raise os_error(exc, exc.filename or out) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


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
