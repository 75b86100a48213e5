"""The library's own exceptions: each says what was expected, what was found, and how to fix it.

Only the CLI turns these into messages and exit codes; library callers can catch
:class:`MultilabeltextError` (or a subclass) and read its fields.

Example:
    >>> err = MissingColumnError("data.csv", expected="title", found=["Title", "Body"],
    ...                          fix="pass --text-column Title")
    >>> print(err)
    data.csv: expected a column 'title', found: Title, Body. Fix: pass --text-column Title
"""

from __future__ import annotations

from pathlib import Path


class MultilabeltextError(Exception):
    """Base class: a problem the user can fix (bad input, bad option, existing output).

    Attributes:
        what: one sentence saying what is wrong.
        path: the file or directory involved, if any.
        line: the 1-based line (or row) number involved, if known.
        fix: what the user can do about it.
    """

    exit_code = 2

    def __init__(self, what: str, *, path: str | Path | None = None, line: int | None = None,
                 fix: str | None = None):
        self.what = what
        self.path = str(path) if path is not None else None
        self.line = line
        self.fix = fix
        super().__init__(self.message)

    @property
    def where(self) -> str:
        """``file:line`` (or just ``file``) naming where the problem is, or an empty string."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    @property
    def message(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.fix:
            parts.append(f"Fix: {self.fix}")
        return " ".join(parts)


class ConfigError(MultilabeltextError):
    """An option or configuration value is invalid."""


class InputNotFoundError(MultilabeltextError):
    """An input file or directory does not exist."""

    def __init__(self, path: str | Path, fix: str | None = None):
        super().__init__("file not found.", path=path,
                         fix=fix or "check the path (relative paths are resolved from the current directory).")


class UnknownFormatError(MultilabeltextError):
    """The input format could not be detected or is not supported."""


class MissingColumnError(MultilabeltextError):
    """A table lacks a column the reader needs."""

    def __init__(self, path: str | Path, expected: str, found: list[str], fix: str):
        shown = [name if len(name) <= 60 else name[:57] + "..." for name in found[:40]]
        more = f" and {len(found) - 40} more" if len(found) > 40 else ""
        super().__init__(f"expected a column '{expected}', found: {', '.join(shown) or '(no columns)'}{more}.",
                         path=path, fix=fix)
        self.expected = expected
        self.found = found


class EncodingError(MultilabeltextError):
    """The file is not in the expected text encoding."""

    def __init__(self, path: str | Path, encoding: str, detail: str = "", line: int | None = None):
        hint = "latin-1" if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") else "utf-8"
        super().__init__(
            f"cannot decode the file as {encoding}{': ' + detail if detail else ''}.",
            path=path, line=line,
            fix=f"pass the file's encoding, e.g. --encoding {hint} (the Kaggle pythonquestions CSVs are ISO-8859-1).",
        )
        self.encoding = encoding


class MalformedInputError(MultilabeltextError):
    """A row of the input cannot be parsed (raised in --strict mode, or when nothing parses at all)."""


class EmptyDatasetError(MultilabeltextError):
    """Nothing is left to write after reading and filtering."""


class DatasetExistsError(MultilabeltextError):
    """The output directory already holds data."""


class OutputBusyError(MultilabeltextError):
    """Another run holds the lock on the output path."""


class DatasetFormatError(MultilabeltextError):
    """A directory is not a dataset directory, or is from an incompatible version."""
