"""Readers, one module per source format, and format detection.

Example:
    >>> from pathlib import Path
    >>> detect_format([Path("../shared/datasets/stackexchange-samples/beer_se_AaronNie_Posts.xml")])
    'posts-xml'
"""

from __future__ import annotations

from pathlib import Path

from ...config import PrepareConfig
from ...errors import InputNotFoundError, UnknownFormatError
from .base import RawBatch, ReadStats, Source, find_column, read_header
from .fasttext import PREFIX, FastTextSource
from .kaggle import KaggleSource, kaggle_files
from .posts_csv import PostsCsvSource
from .posts_xml import PostsXmlSource
from .sample_2018 import Sample2018Source, is_2018_sample
from .table import TableSource, table_kind

SOURCES: dict[str, type[Source]] = {
    "kaggle": KaggleSource,
    "posts-xml": PostsXmlSource,
    "posts-csv": PostsCsvSource,
    "fasttext": FastTextSource,
    "table": TableSource,
}

__all__ = ["SOURCES", "RawBatch", "ReadStats", "Source", "detect_format", "open_source"]


# magic bytes of archives and compressed files: (name, how to unpack it)
PACKED = (
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it first: 7z x FILE (Debian/Ubuntu: apt-get install "
                                                "p7zip-full); Stack Exchange dumps hold Posts.xml inside"),
    (b"\x1f\x8b", "gzip-compressed", "decompress it first: gunzip -k FILE"),
    (b"BZh", "bzip2-compressed", "decompress it first: bunzip2 -k FILE"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it first: unxz -k FILE"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed", "decompress it first: unzstd FILE"),
    (b"PK\x03\x04", "a zip archive", "extract it first: unzip FILE"),
)


def check_not_packed(path: Path) -> None:
    """Raise :class:`UnknownFormatError` for an archive, a compressed file or binary junk, saying what to do."""
    if not path.is_file():
        return
    with open(path, "rb") as f:
        head = f.read(4096)
    if path.suffix.lower() in (".parquet", ".pq") or head.startswith(b"PAR1"):
        return
    for magic, what, fix in PACKED:
        if head.startswith(magic):
            raise UnknownFormatError(f"the file is {what}, not a text dump.", path=path,
                                     fix=fix.replace("FILE", str(path)) + ", then pass the extracted file.")
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # NUL bytes: not text (UTF-16 aside)
        raise UnknownFormatError("the file holds binary data, not text (no CSV, XML, JSON Lines or fastText "
                                 "file has NUL bytes).", path=path,
                                 fix="check that this is the right file (a download that failed? an archive?).")


def detect_format(paths: list[Path], encoding: str | None = None) -> str:
    """Guess the format of the first input path (all inputs of one run share a format)."""
    path = paths[0]
    if not path.exists():
        raise InputNotFoundError(path)
    for given in paths:
        check_not_packed(given)
    if path.is_dir():
        if list(path.glob("*Questions*.csv")) or list(path.glob("*questions*.csv")):
            return "kaggle"
        for name, fmt in (("Posts.xml", "posts-xml"), ("Posts.csv", "posts-csv")):
            if (path / name).exists():
                return fmt
        raise UnknownFormatError("a directory without Questions.csv, Posts.xml or Posts.csv.", path=path,
                                 fix="give the data file itself, or pass --format.")
    suffix = path.suffix.lower()
    if suffix == ".xml":
        return "posts-xml"
    if suffix == ".csv" and "questions" in path.name.lower():
        files = kaggle_files(path)
        if files["tags"] is not None:
            return "kaggle"
    if suffix == ".csv":
        header = read_header(path, encoding or "utf-8")
        if all(find_column(header, c) for c in ("Title", "Body", "Tags")):
            return "posts-csv"
        return "table"
    if suffix in (".tsv", ".tab", ".jsonl", ".ndjson", ".json", ".parquet", ".pq"):
        return "table"
    with open(path, "rb") as f:
        head = f.read(65536)
    if PREFIX.encode() in head:
        return "fasttext"
    raise UnknownFormatError(f"cannot tell the format of a '{suffix or 'extension-less'}' file.", path=path,
                             fix="pass --format kaggle|posts-xml|posts-csv|fasttext|table.")


def open_source(paths: list[str | Path], config: PrepareConfig) -> Source:
    """The reader for ``paths`` (format from ``config.format`` or detected); answers read only if needed."""
    paths = [Path(p) for p in paths]
    for given in paths:
        if given.exists():
            check_not_packed(given)
    fmt = config.format if config.format != "auto" else detect_format(paths, config.encoding)
    if fmt == "table" and len(paths) == 1 and is_2018_sample(paths[0], config.text_columns):
        return Sample2018Source(paths, config)  # the 2018 sample: its flattened newlines are put back
    return SOURCES[fmt](paths, config, with_answers="answers" in config.fields)


def describe_table_kind(path: Path) -> str:  # used by the CLI's help and summary
    return table_kind(path)
