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


def detect_format(paths: list[Path], encoding: str | None = None) -> str:
    """Guess the format of the first input path (all inputs of one run share a format)."""
    path = paths[0]
    if not path.exists():
        raise InputNotFoundError(path)
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
    fmt = config.format if config.format != "auto" else detect_format(paths, config.encoding)
    if fmt == "table" and len(paths) == 1 and is_2018_sample(paths[0], config.text_columns):
        return Sample2018Source(paths, config)  # the 2018 sample: its flattened newlines are put back
    return SOURCES[fmt](paths, config, with_answers="answers" in config.fields)


def describe_table_kind(path: Path) -> str:  # used by the CLI's help and summary
    return table_kind(path)
