"""Reading and writing the project's JSON files (dataset manifests, model descriptions), with errors that
name the file, say what was wrong and how to fix it.

Example:
    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "manifest.json").write_text(json.dumps({"format": "demo", "format_version": 1}))
    >>> read_description(d, "manifest.json", kind="dataset", format_name="demo", made_by="`demo`",
    ...                  create="run demo first.", redo="run demo again.")["format_version"]
    1
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import DatasetFormatError


def read_json(path: str | Path, *, missing: str, fix: str) -> Any:
    """The parsed JSON of ``path``; a :class:`DatasetFormatError` naming it when it is absent (``missing``
    says what was expected) or not valid JSON, both with ``fix``."""
    path = Path(path)
    if not path.is_file():
        raise DatasetFormatError(missing, path=path, fix=fix)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetFormatError(f"{path.name} is not valid JSON ({exc.msg}).", path=path, fix=fix) from None
    except UnicodeDecodeError as exc:
        raise DatasetFormatError(f"{path.name} is not UTF-8 text (byte {exc.start}).", path=path, fix=fix) from None
    except RecursionError:
        raise DatasetFormatError(f"{path.name} is nested too deeply.", path=path, fix=fix) from None


def read_description(directory: str | Path, filename: str, *, kind: str, format_name: str, made_by: str,
                     create: str, redo: str) -> dict:
    """``directory/filename``, the JSON file that says what a ``kind`` directory is, checked to exist, to parse
    and to be a ``format_name`` file (the caller checks the version). ``create`` is the fix when the directory
    is missing, ``redo`` when the file is damaged; ``made_by`` names the command that writes such directories."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DatasetFormatError(f"{kind} directory not found.", path=directory, fix=create)
    if not (directory / filename).exists():
        raise DatasetFormatError(f"not a {kind} directory (no {filename}).", path=directory,
                                 fix=f"pass a directory written by {made_by}.")
    data = read_json(directory / filename, missing=f"{filename} is not a file.", fix=redo)
    if not isinstance(data, dict) or data.get("format") != format_name:
        raise DatasetFormatError(f"{filename} is not a {format_name} file.", path=directory / filename,
                                 fix=f"pass a directory written by {made_by}.")
    return data


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON (non-ASCII kept as is) with a final newline."""
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
