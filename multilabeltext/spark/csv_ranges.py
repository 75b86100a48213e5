"""A large local CSV file cut into byte ranges that each start a record, so Spark parses it on every core.

Spark's own CSV reader must read a file whose quoted fields hold newlines (``multiLine``) as one task: the
1.35 GB ``Answers.csv`` of the Kaggle dump took one core while the other idled. Here the driver finds record
boundaries instead, in one sequential pass that only counts bytes: in a CSV that quotes fields the RFC 4180
way (a ``"`` inside a quoted field is doubled, as Python's ``csv`` and the Kaggle dump write it), a newline
ends a record exactly when an even number of ``"`` comes before it (one pass at ~1.5 GB/s). Each task then parses its range with
the embedded reader's parser (pyarrow's CSV reader, the same options as
:func:`multilabeltext.data.readers.base.csv_batches`), so both engines see the same records, and a skipped
row is reported with its line, as the embedded engine reports it.

Used for local files in an encoding where ``"`` and ``\\n`` are single bytes (UTF-8, ISO-8859-1, ASCII,
cp1252); a UTF-16 file or a Hadoop URI (``s3a://``) is read by Spark's CSV reader as before.

Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "q.csv")
    >>> _ = open(path, "w").write('Id,Body\\n1,"a\\nb"\\n2,c\\n3,"d ""e""\\nf"\\n')
    >>> record_ranges(path, 10)                # byte ranges (start, end), each starting a record
    [(0, 16), (16, 34)]
    >>> frames = [f for s, e in record_ranges(path, 10) for f in read_range(path, s, e, ["Id", "Body"])]
    >>> [f["Id"].tolist() for f in frames], frames[1]["Body"].tolist()
    ([['1'], ['2', '3']], ['c', 'd "e"\\nf'])
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterator

import pandas as pd

RANGE_BYTES = 64 << 20  # bytes of CSV per Spark task: 21 tasks for the 1.35 GB Answers.csv
ROWS_PER_FRAME = 8_192  # rows per pandas frame handed to the parser (Arrow batches of Spark's size)
BAD_WHY, BAD_OFFSET = "_bad_why", "_bad_offset"  # columns of a skipped row: why, and where it starts
COUNT_BLOCK = 16 << 20


def splittable(path: str, encoding: str) -> bool:
    """Whether ``path`` can be cut by :func:`record_ranges`: a local file in a byte-compatible encoding.

    Example:
        >>> splittable("Questions.csv", "latin-1"), splittable("s3a://bucket/q.csv", "utf-8"), \\
        ...     splittable("q.csv", "utf-16")
        (True, False, False)
    """
    if "://" in path:
        return False
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        return False
    return '"\n'.encode(codec, errors="strict") == b'"\n'


def record_ranges(path: str, target_bytes: int = RANGE_BYTES) -> list[tuple[int, int]]:
    """``(start, end)`` of consecutive byte ranges of about ``target_bytes``, each starting at a record: the
    first newline past the target with an even number of quotes before it (one pass counting quotes)."""
    size = os.path.getsize(path)
    ranges: list[tuple[int, int]] = []
    start = 0
    with open(path, "rb") as f:
        pos = quotes = 0  # quotes in the file before pos
        while start + target_bytes < size:
            target = start + target_bytes
            quotes += _quotes(f, pos, target)
            pos, boundary = target, None
            f.seek(pos)
            tail = b""
            while boundary is None and (block := f.read(1 << 16)):
                data = tail + block
                at = 0
                while (newline := data.find(b"\n", at)) >= 0:
                    quotes += data.count(b'"', at, newline)
                    at = newline + 1
                    if quotes % 2 == 0:
                        boundary = pos + newline + 1
                        break
                if boundary is None:
                    quotes += data.count(b'"', at)
                    pos += len(data)
            if boundary is None or boundary >= size:
                break
            ranges.append((start, boundary))
            start = pos = boundary
    ranges.append((start, size))
    return ranges


def _quotes(f, start: int, end: int) -> int:
    f.seek(start)
    count, left = 0, end - start
    while left > 0 and (block := f.read(min(COUNT_BLOCK, left))):
        count += block.count(b'"')
        left -= len(block)
    return count


def line_at(path: str, offset: int) -> int:
    """The 1-based line of the byte at ``offset`` (for the few skipped rows a summary names)."""
    lines, done = 1, 0
    with open(path, "rb") as f:
        while done < offset and (block := f.read(min(COUNT_BLOCK, offset - done))):
            lines += block.count(b"\n")
            done += len(block)
    return lines


def read_range(path: str, start: int, end: int, header: list[str], *, encoding: str = "utf-8",
               delimiter: str = ",", columns: list[str] | None = None,
               rows_per_frame: int = ROWS_PER_FRAME) -> Iterator[pd.DataFrame]:
    """The records of ``path[start:end]`` as string DataFrames of ``columns`` (default: the header's), in order,
    ``rows_per_frame`` rows each.

    The range starting at 0 holds the header line, skipped. A row with the wrong number of fields is not
    parsed: it comes after the frame's good rows, with only :data:`BAD_WHY` (``expected 6 fields, found 4``)
    and :data:`BAD_OFFSET` (where it starts in the file: :func:`line_at` gives its line) set. Undecodable bytes raise ``UnicodeDecodeError`` (its
    ``start``: the offset in the range).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(path, "rb") as f:
        f.seek(start)
        data = f.read(end - start)
    codec = codecs.lookup(encoding).name
    bad: list[tuple[str, str]] = []

    def on_invalid(row) -> str:
        try:
            text = row.text
        except UnicodeDecodeError:  # undecodable bytes in a skipped row: where it is stays unknown
            text = ""
        bad.append((text, f"expected {row.expected_columns} fields, found {row.actual_columns}"))
        return "skip"

    # another encoding: transcoded here in one piece (Arrow's own transcoding calls the codec in small pieces, 2x
    # the time on the Kaggle dump's ISO-8859-1 ranges); an undecodable byte raises with its offset in the range
    text = data if codec == "utf-8" else data.decode(codec).encode("utf-8")
    read_options = pacsv.ReadOptions(column_names=header, skip_rows=1 if start == 0 else 0, use_threads=False,
                                     block_size=max(len(text) + 1, 1 << 20), encoding="utf8")
    parse_options = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=on_invalid)
    columns = list(header if columns is None else columns)  # only these are decoded, as csv_batches does
    convert_options = pacsv.ConvertOptions(column_types={c: pa.string() for c in header}, include_columns=columns,
                                           strings_can_be_null=False, quoted_strings_can_be_null=False)
    try:
        table = None if not text or text.isspace() else pacsv.read_csv(  # isspace: no copy, unlike strip
            io.BytesIO(text), read_options=read_options, parse_options=parse_options, convert_options=convert_options)
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower() or "decode" in str(exc).lower():
            _raise_decode_error(data, codec)
        raise
    rows = table.num_rows if table is not None else 0
    for first in range(0, rows, rows_per_frame):
        frame = table.slice(first, rows_per_frame).to_pandas()
        frame[BAD_WHY] = None
        frame[BAD_OFFSET] = None
        yield frame
    if bad:
        yield pd.DataFrame({**{c: [""] * len(bad) for c in columns}, BAD_WHY: [why for _, why in bad],
                            BAD_OFFSET: _offsets_of([text for text, _ in bad], data, start, codec)})


def _offsets_of(texts: list[str], data: bytes, start: int, codec: str) -> list[int]:
    """The file offset where each skipped row's text starts (searched in order in ``data``; the range's
    start if it is not found)."""
    out, at = [], 0
    for text in texts:
        needle = text.encode(codec, errors="replace")
        found = data.find(needle, at) if needle else -1
        out.append(start + max(found, at))
        if found >= 0:
            at = found + len(needle)
    return out


def _raise_decode_error(data: bytes, codec: str) -> None:
    data.decode(codec)  # raises UnicodeDecodeError with the offset in the range (pyarrow's error has none)
