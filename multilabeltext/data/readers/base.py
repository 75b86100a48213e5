"""What every reader shares: the batch it yields, its counters, and streaming CSV with clear errors.

A reader streams its files and yields :class:`RawBatch` objects: questions (``id``, ``title``, ``body``,
``tags``, ``split``) and answers (``parent_id``, ``body``, ``score``) as pandas DataFrames, never the
whole file at once.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...config import PrepareConfig
from ...errors import EncodingError, InputNotFoundError, MalformedInputError, MissingColumnError

QUESTION_COLUMNS = ["id", "title", "body", "tags", "split"]
ANSWER_COLUMNS = ["parent_id", "body", "score"]
BLOCK_SIZE = 8 << 20  # bytes of CSV per Arrow block: about 5,000 Stack Overflow posts
MAX_BLOCK_SIZE = 512 << 20  # a row longer than BLOCK_SIZE is read again with blocks up to this size


@dataclass
class RawBatch:
    """A slice of a source: questions and/or answers, plus how many input bytes it consumed."""

    questions: pd.DataFrame | None = None
    answers: pd.DataFrame | None = None
    bytes_read: int = 0


@dataclass
class ReadStats:
    """Counters a reader fills while streaming (reported in the summary and the manifest)."""

    questions: int = 0
    answers: int = 0
    other_posts: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    label_problems: dict[str, int] = field(default_factory=dict)  # what was odd about label cells -> rows
    repeated_ids: int = 0  # rows whose id an earlier row already had

    def skip_malformed(self, where: str, why: str, strict: bool, path: str | Path, line: int | None) -> None:
        """Count a malformed row, or raise in strict mode."""
        if strict:
            raise MalformedInputError(f"malformed row: {why}", path=path, line=line,
                                      fix="repair the row, or leave out --strict to skip such rows with a count.")
        self.malformed += 1
        if len(self.malformed_examples) < 5:
            self.malformed_examples.append(f"{where}: {why}")


class Source:
    """Base class of readers: holds paths and options; ``batches()`` streams the data."""

    format_name = ""
    html = True  # are bodies HTML?
    default_encoding = "utf-8"

    def __init__(self, paths: list[Path], config: PrepareConfig, with_answers: bool = True):
        self.paths = [Path(p) for p in paths]
        self.config = config
        self.with_answers = with_answers
        self.encoding = config.encoding or self.default_encoding
        self.stats = ReadStats()
        for path in self.paths:
            if not path.exists():
                raise InputNotFoundError(path)
        if config.html is not None:
            self.html = config.html

    @property
    def files(self) -> list[Path]:
        """Every file the source reads (for sizes, hashes and the manifest)."""
        return self.paths

    @property
    def total_bytes(self) -> int:
        """Bytes of every file read (the sum of the batches' ``bytes_read``, for progress)."""
        return sum(p.stat().st_size for p in self.files)

    def batches(self) -> Iterator[RawBatch]:
        raise NotImplementedError

    def row_id(self, path: Path, number: int) -> str:
        """An id for a row that has none: its 1-based row number (prefixed by the file name if several files)."""
        return f"{path.name}:{number}" if len(self.paths) > 1 else str(number)


def questions_frame(ids, titles, bodies, tags, splits=None) -> pd.DataFrame:
    """Build a questions DataFrame with the standard columns."""
    n = len(ids)
    return pd.DataFrame({"id": ids, "title": titles, "body": bodies, "tags": tags,
                         "split": splits if splits is not None else [None] * n}, columns=QUESTION_COLUMNS)


def answers_frame(parent_ids, bodies, scores) -> pd.DataFrame:
    """Build an answers DataFrame with the standard columns."""
    return pd.DataFrame({"parent_id": parent_ids, "body": bodies, "score": scores}, columns=ANSWER_COLUMNS)


# ---------------------------------------------------------------------------------------------- CSV


def python_encoding(encoding: str) -> str:
    """The codec name Python uses, raising :class:`EncodingError`-style config errors early for unknown names."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        from ...errors import ConfigError

        raise ConfigError(f"unknown encoding {encoding!r}.", fix="pass e.g. --encoding utf-8 or --encoding latin-1.") from None


def read_header(path: Path, encoding: str, delimiter: str = ",") -> list[str]:
    """Column names of a CSV file (its first line), decoding with ``encoding``."""
    enc = "utf-8-sig" if python_encoding(encoding) == "utf-8" else encoding
    with open(path, "rb") as f:
        first = f.readline()
    try:
        text = first.decode(enc)
    except UnicodeDecodeError as exc:
        raise EncodingError(path, encoding, _describe_decode_error(exc), line=1) from None
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # a long first line is a header the column checks explain
    try:
        return next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
    finally:
        csv.field_size_limit(limit)


def find_column(header: list[str], *names: str) -> str | None:
    """The header's spelling of the first of ``names`` it has, compared case-insensitively."""
    lower = {h.lower(): h for h in header}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def require_column(path: Path, header: list[str], name: str, fix: str, *aliases: str) -> str:
    """Like :func:`find_column`, raising :class:`MissingColumnError` when absent."""
    found = find_column(header, name, *aliases)
    if found is None:
        raise MissingColumnError(path, name, header, fix)
    return found


class _CountingReader(io.RawIOBase):
    """A file wrapper that counts bytes read (for byte-accurate progress over Arrow's CSV reader)."""

    def __init__(self, raw):
        self.raw = raw
        self.count = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.raw.readinto(buffer)
        self.count += n or 0
        return n

    def close(self):
        self.raw.close()
        super().close()


class _Utf8Reader(io.RawIOBase):
    """``raw``'s bytes (in ``codec``) served as UTF-8, decoded a megabyte at a time: Arrow's own transcoding calls
    the codec in small pieces, and took 2x as long on the Kaggle dump's ISO-8859-1 files. Undecodable bytes raise
    ``UnicodeDecodeError`` from ``read``."""

    def __init__(self, raw, codec: str, block: int = 1 << 20):
        self.raw, self.block = raw, block
        self.decoder = codecs.getincrementaldecoder(codec)()
        self.pending, self.at, self.done = b"", 0, False

    def readable(self):
        return True

    def readinto(self, buffer):
        while self.at == len(self.pending) and not self.done:
            chunk = self.raw.read(self.block)
            self.done = not chunk
            self.pending, self.at = self.decoder.decode(chunk, final=self.done).encode("utf-8"), 0
        n = min(len(buffer), len(self.pending) - self.at)
        buffer[:n] = self.pending[self.at:self.at + n]
        self.at += n
        return n

    def close(self):
        self.raw.close()
        super().close()


def csv_batches(path: Path, columns: list[str], *, encoding: str, stats: ReadStats, strict: bool,
                delimiter: str = ",", header: list[str] | None = None) -> Iterator[tuple[pd.DataFrame, int]]:
    """Stream ``columns`` of a CSV file as string DataFrames, with the bytes consumed so far.

    Malformed rows (wrong number of fields) are skipped and counted, or raise in ``strict`` mode;
    undecodable bytes raise :class:`EncodingError` naming the line.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    header = header if header is not None else read_header(path, encoding, delimiter)
    invalid_rows: list[str] = []  # texts of skipped rows, located in the file afterwards (Arrow gives no line)

    def on_invalid(row) -> str:
        if len(invalid_rows) < 5 or strict:
            invalid_rows.append(row.text)
        if strict:
            return "error"
        stats.malformed += 1
        why = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        if len(stats.malformed_examples) < 5:
            stats.malformed_examples.append(why)
        return "skip"

    codec = python_encoding(encoding)
    parse_options = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid)
    convert_options = pacsv.ConvertOptions(column_types={c: pa.string() for c in header},
                                           include_columns=columns, strings_can_be_null=False,
                                           quoted_strings_can_be_null=False)
    examples_before = len(stats.malformed_examples)
    malformed_before = stats.malformed
    block_size, rows_done, bytes_done = BLOCK_SIZE, 0, 0
    while True:  # once per block size: a row longer than a block is read again with bigger blocks
        read_options = pacsv.ReadOptions(block_size=block_size, encoding="utf8", use_threads=True,
                                         skip_rows_after_names=rows_done)
        raw = _CountingReader(open(path, "rb"))
        text = raw if codec == "utf-8" else _Utf8Reader(raw, codec)  # UTF-8: Arrow validates it itself
        try:
            reader = pacsv.open_csv(io.BufferedReader(text, 1 << 20), read_options=read_options,
                                    parse_options=parse_options, convert_options=convert_options)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                rows_done += batch.num_rows
                bytes_done = max(bytes_done, raw.count)
                yield batch.to_pandas(), bytes_done
            break
        except UnicodeDecodeError:  # from _Utf8Reader
            line, detail = locate_decode_error(path, encoding)
            raise EncodingError(path, encoding, detail, line=line) from None
        except pa.ArrowInvalid as exc:
            if "straddl" in str(exc) and block_size < MAX_BLOCK_SIZE:
                rows_done += stats.malformed - malformed_before  # skipped rows are rows of the file too
                malformed_before = stats.malformed
                block_size *= 4
                continue
            if "straddl" in str(exc):
                raise MalformedInputError(f"a row is longer than {MAX_BLOCK_SIZE >> 20} MB, the most one row may "
                                          "hold.", path=path, line=rows_done + 2,
                                          fix="split or shorten that row (is a quote left open?).") from None
            if strict and invalid_rows:
                line = locate_text(path, invalid_rows[-1], encoding)
                raise MalformedInputError(f"malformed row: {exc}".split("\n")[0].rstrip(":") + ".", path=path,
                                          line=line, fix="repair the row (quote fields holding the delimiter), or "
                                                         "leave out --strict to skip such rows with a count.") from None
            if "UTF8" in str(exc) or "utf8" in str(exc) or "decode" in str(exc).lower():
                line, detail = locate_decode_error(path, encoding)
                raise EncodingError(path, encoding, detail, line=line) from None
            raise MalformedInputError(f"cannot parse the file as CSV: {exc}", path=path,
                                      fix="check that it is a CSV file with a header row "
                                          "(quoted fields may contain newlines).") from None
        finally:
            text.close()
    # name the lines of the skipped rows reported as examples
    new_examples = stats.malformed_examples[examples_before:]
    for i, (why, text) in enumerate(zip(new_examples, invalid_rows)):
        line = locate_text(path, text, encoding)
        stats.malformed_examples[examples_before + i] = f"{path.name}:{line or '?'}: {why}"


def locate_text(path: Path, text: str, encoding: str) -> int | None:
    """1-based line where ``text`` starts in the file, or None (only used to report errors)."""
    needle = text.encode("utf-8" if python_encoding(encoding) == "utf-8" else encoding, errors="replace")
    if not needle:
        return None
    line, tail = 1, b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            data = tail + chunk
            at = data.find(needle)
            if at >= 0:
                return line + data.count(b"\n", 0, at)
            keep = min(len(needle), len(data))
            line += data.count(b"\n", 0, len(data) - keep)
            tail = data[len(data) - keep:]
    return None


def _describe_decode_error(exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start:exc.start + 1]
    return f"byte 0x{bad.hex()} is not valid {exc.encoding}"


def locate_decode_error(path: Path, encoding: str) -> tuple[int | None, str]:
    """Line number and description of the first undecodable bytes in a file (only used on the error path)."""
    codec = "utf-8-sig" if python_encoding(encoding) == "utf-8" else encoding
    decoder = codecs.getincrementaldecoder(codec)()
    line = 1
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return line + chunk.count(b"\n", 0, exc.start), _describe_decode_error(exc)
            line += chunk.count(b"\n")
    return None, "invalid text"
