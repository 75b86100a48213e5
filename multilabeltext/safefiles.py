"""Reading a directory written by this package without following it elsewhere: only regular files inside it,
each no larger than declared.

A model directory could point outside itself: ``metrics.json`` symlinked to another JSON file was served by
``GET /model``, and a weights file symlinked to ``/dev/urandom`` was read without limit. :func:`check_tree`
runs before anything in a model directory is read: every entry must be a regular file or directory that is
not a symlink, and every file the directory's description declares (``model.json``'s ``files``: relative path
-> bytes, written by ``save_model``) must have exactly that size. Directories written before sizes were
declared get a general bound per file instead.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.json").write_text("{}")
    >>> check_tree(d, declared={"a.json": {"bytes": 2}})
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from .errors import DatasetFormatError

MAX_FILE_BYTES = 16 << 30  # bound per file when no size is declared


def sha256_file(path: str | Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in chunks (hashlib releases the GIL, so this can run in a thread)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_sizes(directory: str | Path) -> dict[str, dict]:
    """``relative path -> {"bytes", "sha256"}`` of every regular file under ``directory`` (what
    :func:`check_tree` verifies: sizes always, contents with ``verify=True``)."""
    directory = Path(directory)
    return {p.relative_to(directory).as_posix(): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(directory.rglob("*")) if p.is_file() and not p.is_symlink()}


def check_tree(directory: str | Path, *, declared: dict | None = None, kind: str = "model", verify: bool = False,
               fix: str = "train the model again (or copy the directory without links).") -> None:
    """Raise :class:`DatasetFormatError` for a symlink, device, FIFO or socket in ``directory``, a declared file
    of another size (or, with ``verify``, other contents), or an undeclared file over :data:`MAX_FILE_BYTES`.
    Missing files are left to the reader that needs them, which says what their absence means."""
    directory = Path(directory)
    for root, dirs, files in os.walk(directory, followlinks=False):
        for name in dirs + files:
            path = Path(root) / name
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                raise DatasetFormatError(f"the {kind} directory holds a symbolic link ({name} -> "
                                         f"{os.readlink(path)}); only its own files are read.", path=path, fix=fix)
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                raise DatasetFormatError(f"the {kind} directory holds {name}, which is not a regular file.",
                                         path=path, fix=fix)
            if stat.S_ISREG(info.st_mode) and not declared and info.st_size > MAX_FILE_BYTES:
                raise DatasetFormatError(f"{name} is {info.st_size:,} bytes, more than any {kind} file should be.",
                                         path=path, fix=fix)
    for relative, entry in (declared or {}).items():
        size, digest = (entry, None) if isinstance(entry, int) else (entry.get("bytes"), entry.get("sha256"))
        path = directory / relative
        if not path.is_file():
            if verify:
                raise DatasetFormatError(f"the {kind} directory lacks {relative}.", path=directory, fix=fix)
            continue  # a missing file is reported by what needs it, with what it means (no predictions, ...)
        actual = path.stat().st_size
        if size is not None and actual != size:
            raise DatasetFormatError(f"{relative} is {actual:,} bytes, but the {kind} was saved with {size:,} "
                                     "(truncated, replaced or edited since).", path=path, fix=fix)
        if verify and digest:
            if sha256_file(path) != digest:
                raise DatasetFormatError(f"{relative} is not the file the {kind} was saved with (its SHA-256 "
                                         "differs): replaced or edited since.", path=path, fix=fix)
