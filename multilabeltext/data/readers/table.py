"""Generic tables: CSV, TSV, JSON Lines or Parquet with named text and label columns.

Text columns (``--text-column``, repeatable: joined in order) default to ``text``, or ``title`` and/or
``body``; the label column (``--label-column``) defaults to ``tags``/``labels``/``label``. Labels may be a
list (JSON/Parquet), a list string (``['a', 'b']``), ``<a><b>``, or delimiter-separated
(``--label-delimiter``; commas or spaces by default). Texts are plain (pass ``--html`` if they are HTML).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from ...errors import EncodingError, MalformedInputError, MissingColumnError
from ..tags import parse_tags_checked
from .base import RawBatch, Source, csv_batches, find_column, questions_frame, read_header

TEXT_DEFAULTS = ("text", "title", "body", "question", "content", "sentence", "document")
LABEL_DEFAULTS = ("tags", "labels", "label", "categories", "topics")
JSON_BATCH_ROWS = 20000


def table_kind(path: Path) -> str:
    """``csv``, ``tsv``, ``jsonl`` or ``parquet`` from the file extension."""
    suffix = path.suffix.lower()
    return {".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
            ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "csv")


def missing_key(row: dict, needed: list[str]) -> str | None:
    """Why a JSON Lines row is malformed when it lacks a column the first lines named, else None.

    Example:
        >>> missing_key({"text": "x"}, ["text", "tags"])
        "no key 'tags' (the first lines have 'text', 'tags')"
    """
    missing = next((k for k in needed if k not in row), None)
    return None if missing is None else f"no key {missing!r} (the first lines have {', '.join(map(repr, needed))})"


class TableSource(Source):
    """Streams generic tables."""

    format_name = "table"
    html = False

    def batches(self) -> Iterator[RawBatch]:
        for path in self.paths:
            kind = table_kind(path)
            if kind == "parquet":
                yield from self._frames(path, self._parquet_frames(path))
            elif kind == "jsonl":
                yield from self._frames(path, self._jsonl_frames(path))
            else:
                delimiter = "\t" if kind == "tsv" else ","
                header = read_header(path, self.encoding, delimiter)
                cols = self._columns(path, header)
                frames = csv_batches(path, cols, encoding=self.encoding, stats=self.stats,
                                     strict=self.config.strict, delimiter=delimiter, header=header)
                yield from self._frames(path, frames, header)

    def _columns(self, path: Path, header: list[str]) -> list[str]:
        self._text_cols = self._pick_text_columns(path, header)
        self._label_col = self._pick(path, header, self.config.label_column, LABEL_DEFAULTS, "label",
                                     "--label-column NAME")
        self._id_col = find_column(header, self.config.id_column) if self.config.id_column else find_column(header, "id")
        if self.config.id_column and self._id_col is None:
            raise MissingColumnError(path, self.config.id_column, header, "check --id-column.")
        self._split_col = None
        if self.config.split == "column":
            name = self.config.split_column or "split"
            self._split_col = find_column(header, name)
            if self._split_col is None:
                raise MissingColumnError(path, name, header,
                                         "pass --split-column NAME, or --split iterative for a stratified split.")
        return [c for c in (self._id_col, *self._text_cols, self._label_col, self._split_col) if c]

    def _pick_text_columns(self, path: Path, header: list[str]) -> list[str]:
        if self.config.text_columns:
            cols = []
            for name in self.config.text_columns:
                found = find_column(header, name)
                if found is None:
                    raise MissingColumnError(path, name, header, "check --text-column (repeat it to join columns).")
                cols.append(found)
            return cols
        if find_column(header, "text"):
            return [find_column(header, "text")]
        cols = [c for c in (find_column(header, "title"), find_column(header, "body")) if c]
        if cols:
            return cols
        found = next((find_column(header, n) for n in TEXT_DEFAULTS if find_column(header, n)), None)
        if found is None:
            raise MissingColumnError(path, "text", header, "pass --text-column NAME (repeat it to join columns).")
        return [found]

    @staticmethod
    def _pick(path, header, given, defaults, what, flag) -> str:
        if given:
            found = find_column(header, given)
            if found is None:
                raise MissingColumnError(path, given, header, f"check {flag}.")
            return found
        found = next((find_column(header, n) for n in defaults if find_column(header, n)), None)
        if found is None:
            raise MissingColumnError(path, defaults[0], header, f"pass {flag} to name the {what} column.")
        return found

    def _frames(self, path: Path, frames, header: list[str] | None = None) -> Iterator[RawBatch]:
        if not hasattr(self, "_ids_seen"):
            self._ids_seen: set[str] = set()
        done = 0
        row_number = 0
        for df, n in frames:
            if header is None:  # JSON/Parquet: columns known once the first batch is read
                header = [str(c) for c in df.columns]
                self._columns(path, header)
            numbers = range(row_number + 1, row_number + len(df) + 1)
            row_number += len(df)
            ids = ([str(v) for v in df[self._id_col]] if self._id_col
                   else [self.row_id(path, i) for i in numbers])
            texts = df[self._text_cols[0]].fillna("").astype(str)
            for col in self._text_cols[1:]:
                texts = texts + " " + df[col].fillna("").astype(str)
            tags = []
            for value in df[self._label_col]:
                parsed, problem = parse_tags_checked(value, self.config.label_delimiter)
                tags.append(parsed)
                if problem:
                    self.stats.label_problems[problem] = self.stats.label_problems.get(problem, 0) + 1
            if self._id_col:
                for row_id in ids:
                    if row_id in self._ids_seen:
                        self.stats.repeated_ids += 1
                    else:
                        self._ids_seen.add(row_id)
            splits = df[self._split_col].tolist() if self._split_col else None
            self.stats.questions += len(df)
            yield RawBatch(questions_frame(ids, [""] * len(ids), texts.tolist(), tags, splits), bytes_read=n - done)
            done = n

    def _parquet_frames(self, path: Path):
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
        except Exception as exc:  # pyarrow raises several types for non-Parquet files
            raise MalformedInputError(f"not a Parquet file ({exc}).", path=path,
                                      fix="check the file, or rename it to .csv/.tsv/.jsonl if it is one.") from None
        size = path.stat().st_size
        total = max(parquet.metadata.num_rows, 1)
        seen = 0
        for batch in parquet.iter_batches(batch_size=20000):
            seen += batch.num_rows
            yield batch.to_pandas(), int(size * seen / total)

    def _jsonl_frames(self, path: Path):
        # one batch of lines: (line number, the object or None, why it is malformed); the problems are counted
        # in line order once the batch is complete (the first batch's rows name the keys every row must have)
        lines: list[tuple[int, dict | None, str | None]] = []
        consumed = 0
        needed: list[str] | None = None

        def complete(batch):
            """The batch's rows that have every column the first rows named; the others counted as malformed."""
            nonlocal needed
            if needed is None:
                header = list(dict.fromkeys(k for _, row, _ in batch if row is not None for k in row))
                if header:
                    needed = self._columns(path, header)
            kept = []
            for number, row, note in batch:
                if note is None and needed:
                    note = missing_key(row, needed)
                if note:
                    self.stats.skip_malformed(f"{path.name}:{number}", note, self.config.strict, path, number)
                else:
                    kept.append(row)
            return kept

        with open(path, "rb") as f:
            for number, raw in enumerate(f, start=1):
                consumed += len(raw)
                if not raw.strip():
                    continue
                try:
                    row = json.loads(raw.decode(self.encoding))
                except UnicodeDecodeError as exc:
                    raise EncodingError(path, self.encoding, str(exc.reason), line=number) from None
                except json.JSONDecodeError as exc:
                    lines.append((number, None, f"not valid JSON ({exc.msg})"))
                    continue
                except RecursionError:
                    lines.append((number, None, "JSON nested too deeply"))
                    continue
                if not isinstance(row, dict):
                    lines.append((number, None, "expected a JSON object per line"))
                    continue
                lines.append((number, row, None))
                if len(lines) >= JSON_BATCH_ROWS:
                    yield pd.DataFrame(complete(lines), columns=needed), consumed
                    lines = []
        if lines or consumed == 0:
            kept = complete(lines)
            yield pd.DataFrame(kept, columns=needed if needed else None), consumed
