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
from .kaggle import KaggleSource, kaggle_files, without_siblings
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
        found = directory_formats(path)
        if len(found) == 1:
            (fmt, files), = found.items()
            questions = [f for f in files if "questions" in f.name.lower()]
            if len(questions) > 1:
                raise UnknownFormatError(f"the directory holds {len(questions)} Kaggle question files "
                                         f"({', '.join(q.name for q in questions)}); one run reads one dump.",
                                         path=path, fix="pass the Questions.csv of the dump to read.")
            from ...progress import plain, status

            status(f"Reading {plain(path)} as {fmt}: {plain(', '.join(f.name for f in files))}")
            return fmt
        if not found:
            raise UnknownFormatError("a directory without Questions.csv, Posts.xml or Posts.csv.", path=path,
                                     fix="give the data file itself, or pass --format.")
        listing = "; ".join(f"{fmt}: {', '.join(f.name for f in files)}" for fmt, files in found.items())
        raise UnknownFormatError(f"the directory holds data of several formats ({listing}); one run reads one "
                                 "format.", path=path, fix="pass the file(s) of one format instead of the directory.")
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


def directory_formats(path: Path) -> dict[str, list[Path]]:
    """The dump formats a directory holds, each with the files that belong to it (data files other readers
    would not read are listed as ``table``)."""
    found: dict[str, list[Path]] = {}
    questions = sorted(p for p in path.glob("*.csv") if "questions" in p.name.lower())
    if questions:
        parts = [kaggle_files(q) for q in questions]
        found["kaggle"] = sorted({f for part in parts for f in part.values() if f is not None})
    for name, fmt in (("Posts.xml", "posts-xml"), ("Posts.csv", "posts-csv")):
        if (path / name).exists():
            found[fmt] = [path / name]
    claimed = {f for files in found.values() for f in files}
    others = sorted(p for p in path.iterdir() if p.is_file() and p not in claimed and not p.name.startswith(".")
                    and p.suffix.lower() in (".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet"))
    if others and found:  # (an extracted Stack Exchange dump's Comments.xml, Users.xml ... are not data to read)
        found["other data files"] = others
    return found


def open_source(paths: list[str | Path], config: PrepareConfig) -> Source:
    """The reader for ``paths`` (format from ``config.format`` or detected); answers read only if needed."""
    paths = without_siblings([Path(p) for p in paths])
    for given in paths:
        if given.exists():
            check_not_packed(given)
    fmt = config.format if config.format != "auto" else detect_format(paths, config.encoding)
    named = {"posts-xml": "Posts.xml", "posts-csv": "Posts.csv"}
    if fmt in named:  # a dump's directory: its Posts file
        paths = [p / named[fmt] if p.is_dir() and (p / named[fmt]).is_file() else p for p in paths]
    if fmt == "table" and len(paths) == 1 and is_2018_sample(paths[0], config.text_columns):
        return Sample2018Source(paths, config)  # the 2018 sample: its flattened newlines are put back
    return SOURCES[fmt](paths, config, with_answers="answers" in config.fields)


def describe_table_kind(path: Path) -> str:  # used by the CLI's help and summary
    return table_kind(path)
