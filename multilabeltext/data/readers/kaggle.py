"""The Kaggle "Python Questions from Stack Overflow" triple, and its PostTags variant.

* ``Questions.csv`` (Id, OwnerUserId, CreationDate, Score, Title, Body), ``Answers.csv`` (Id, OwnerUserId,
  CreationDate, ParentId, Score, Body; optional), ``Tags.csv`` (Id, Tag); ISO-8859-1.
* Variant (e.g. Kaggle's "StackSample"-like exports): ``Tags.csv`` (Id, TagName) plus ``PostTags.csv``
  (PostId, TagId) mapping posts to tags.

Give the path of ``Questions.csv`` (or of the directory holding it); sibling files are found by
replacing ``Questions`` in the file name, so prefixed names such as ``so_Questions.csv`` work too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...errors import InputNotFoundError, MissingColumnError
from .base import (
    RawBatch,
    Source,
    answers_frame,
    csv_batches,
    find_column,
    questions_frame,
    read_header,
    require_column,
)
from .tag_lookup import TagLookup


def kaggle_files(path: Path) -> dict[str, Path | None]:
    """Locate questions, answers, tags and post-tags files from a directory or a ``*Questions*.csv`` path."""
    if path.is_dir():
        candidates = sorted(path.glob("*Questions*.csv")) or sorted(path.glob("*questions*.csv"))
        if not candidates:
            raise InputNotFoundError(path / "Questions.csv",
                                     fix="give the Kaggle dump's directory holding Questions.csv and Tags.csv.")
        path = candidates[0]
    name = path.name
    key = "Questions" if "Questions" in name else "questions"

    def sibling(word: str) -> Path | None:
        for w in (word, word.lower()):
            p = path.with_name(name.replace(key, w))
            if p.exists() and p != path:
                return p
        return None

    return {"questions": path, "answers": sibling("Answers"), "tags": sibling("Tags"),
            "post_tags": sibling("PostTags")}


def without_siblings(paths: list[Path]) -> list[Path]:
    """``paths`` without the files a given ``Questions.csv`` brings with it (its Answers, Tags, PostTags).

    A user who passes the whole triple (``Questions.csv Answers.csv Tags.csv``, in any order) means one dump:
    each ``Questions.csv`` is read with its siblings, so the siblings given beside it are dropped rather than
    read as dumps of their own. Paths that are no such sibling are kept, in their order.

    Example:
        >>> import tempfile; d = Path(tempfile.mkdtemp())
        >>> for name in ("Questions.csv", "Answers.csv", "Tags.csv"): _ = (d / name).write_text("Id")
        >>> [p.name for p in without_siblings([d / "Answers.csv", d / "Questions.csv", d / "Tags.csv"])]
        ['Questions.csv']
    """
    siblings = {sibling for path in paths if path.suffix.lower() == ".csv" and "questions" in path.name.lower()
                for key, sibling in kaggle_files(path).items() if key != "questions" and sibling is not None}
    return [p for p in paths if p not in siblings]


class KaggleSource(Source):
    """Streams Questions.csv and Answers.csv; tags come from Tags.csv (read first, it is small)."""

    format_name = "kaggle"
    default_encoding = "latin-1"

    def __init__(self, paths, config, with_answers=True):
        super().__init__(paths, config, with_answers)
        self.parts = [kaggle_files(p) for p in self.paths]
        self._encodings: dict[Path, str] = {}
        if config.encoding is None:
            self.encoding = sniff_encoding(self.parts[0]["questions"])
        for part in self.parts:
            if part["tags"] is None:
                q = part["questions"]
                raise InputNotFoundError(q.with_name(q.name.replace("Questions", "Tags")),
                                         fix="put the dump's Tags.csv next to Questions.csv.")

    def encoding_of(self, path: Path) -> str:
        """The encoding of one of the dump's files: --encoding if given, else detected for that file alone
        (an ASCII Questions.csv says nothing about Answers.csv)."""
        if self.config.encoding is not None:
            return self.encoding
        if path not in self._encodings:
            self._encodings[path] = sniff_encoding(path)
        return self._encodings[path]

    @property
    def files(self) -> list[Path]:
        keys = ["questions", "tags", "post_tags"] + (["answers"] if self.with_answers else [])
        return [p[k] for p in self.parts for k in keys if p[k] is not None]

    def batches(self) -> Iterator[RawBatch]:
        for part in self.parts:
            yield from self._part_batches(part)

    def _read_tags(self, part) -> tuple[TagLookup, int]:
        tags_path: Path = part["tags"]
        header = read_header(tags_path, self.encoding_of(tags_path))
        lookup = TagLookup()
        used = 0
        if part["post_tags"] is not None:
            id_col = require_column(tags_path, header, "Id", "Tags.csv needs the tag Id column.")
            name_col = require_column(tags_path, header, "TagName", "Tags.csv needs a TagName (or Tag) column.", "Tag")
            names: dict[str, str] = {}
            for df, n in csv_batches(tags_path, [id_col, name_col], encoding=self.encoding_of(tags_path), stats=self.stats,
                                     strict=self.config.strict, header=header):
                names.update(zip(df[id_col], df[name_col]))
                used = n
            pt_path: Path = part["post_tags"]
            pt_header = read_header(pt_path, self.encoding_of(pt_path))
            post_col = require_column(pt_path, pt_header, "PostId", "PostTags.csv needs PostId and TagId columns.")
            tag_col = require_column(pt_path, pt_header, "TagId", "PostTags.csv needs PostId and TagId columns.")
            for df, _ in csv_batches(pt_path, [post_col, tag_col], encoding=self.encoding_of(pt_path), stats=self.stats,
                                     strict=self.config.strict, header=pt_header):
                named = df[tag_col].map(names)  # NaN: a tag id Tags.csv does not name, skipped
                known = named.notna()
                lookup.add(df.loc[known, post_col].tolist(), named[known].str.lower().tolist())
            return lookup.freeze(), used + pt_path.stat().st_size
        id_col = require_column(tags_path, header, "Id", "Tags.csv needs columns Id,Tag (one row per question and tag).")
        tag_col = find_column(header, "Tag", "TagName")
        if tag_col is None:
            raise MissingColumnError(tags_path, "Tag", header, "Tags.csv needs columns Id,Tag (one row per question "
                                                               "and tag), or TagName with a PostTags.csv beside it.")
        for df, n in csv_batches(tags_path, [id_col, tag_col], encoding=self.encoding_of(tags_path), stats=self.stats,
                                 strict=self.config.strict, header=header):
            given = df[tag_col].fillna("") != ""  # an empty Tag cell is no tag (a blank one is the tag "")
            lookup.add(df.loc[given, id_col].tolist(), df.loc[given, tag_col].str.strip().str.lower().tolist())
            used = n
        return lookup.freeze(), used

    def _part_batches(self, part) -> Iterator[RawBatch]:
        tags, tag_bytes = self._read_tags(part)
        yield RawBatch(bytes_read=tag_bytes)
        q_path: Path = part["questions"]
        header = read_header(q_path, self.encoding_of(q_path))
        fix = "Questions.csv needs columns Id, Title and Body (the Kaggle pythonquestions layout)."
        id_col = require_column(q_path, header, "Id", fix)
        title_col = require_column(q_path, header, "Title", fix)
        body_col = require_column(q_path, header, "Body", fix)
        type_col = find_column(header, "PostTypeId")
        parent_col = find_column(header, "ParentId")
        columns = [id_col, title_col, body_col] + [c for c in (type_col, parent_col) if c]
        done = 0
        for df, n in csv_batches(q_path, columns, encoding=self.encoding_of(q_path), stats=self.stats,
                                 strict=self.config.strict, header=header):
            answers = None
            if type_col is not None:  # a posts table: questions and answers together
                kind = df[type_col]
                if parent_col is not None and self.with_answers:
                    a = df[kind == "2"]
                    answers = answers_frame(a[parent_col].tolist(), a[body_col].tolist(), [0] * len(a))
                    self.stats.answers += len(a)
                self.stats.other_posts += int((~kind.isin(["1", "2"])).sum())
                df = df[kind == "1"]
            ids = df[id_col].tolist()
            self.stats.questions += len(ids)
            questions = questions_frame(ids, df[title_col].reset_index(drop=True),
                                        df[body_col].reset_index(drop=True), tags.tags_of(ids))
            yield RawBatch(questions=questions, answers=answers, bytes_read=n - done)
            done = n
        a_path = part["answers"]
        if not self.with_answers or a_path is None:
            return
        a_header = read_header(a_path, self.encoding_of(a_path))
        fix = "Answers.csv needs columns ParentId and Body (the Kaggle pythonquestions layout)."
        parent_col = require_column(a_path, a_header, "ParentId", fix)
        body_col = require_column(a_path, a_header, "Body", fix)
        score_col = find_column(a_header, "Score")
        columns = [parent_col, body_col] + ([score_col] if score_col else [])
        done = 0
        for df, n in csv_batches(a_path, columns, encoding=self.encoding_of(a_path), stats=self.stats,
                                 strict=self.config.strict, header=a_header):
            scores = _scores(df[score_col]) if score_col else [0] * len(df)
            self.stats.answers += len(df)
            yield RawBatch(answers=answers_frame(df[parent_col], df[body_col], scores),
                           bytes_read=n - done)
            done = n


def sniff_encoding(path: Path, probe: int = 1 << 22) -> str:
    """``utf-8`` if the file's first 4 MB decode as UTF-8, else ``latin-1`` (the Kaggle dump's ISO-8859-1).

    A later undecodable byte still stops the run with an :class:`EncodingError` naming its line.
    """
    with open(path, "rb") as f:
        head = f.read(probe)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the probe's end
            return "latin-1"
    return "utf-8"


def _scores(column) -> list[int]:
    import pandas as pd

    return pd.to_numeric(column, errors="coerce").fillna(0).astype("int64").tolist()
