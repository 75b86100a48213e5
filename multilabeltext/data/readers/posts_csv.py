"""Stack Exchange posts as CSV: Data Explorer exports (``Title,Body,Tags``) and ``Posts.csv`` dumps.

Column names are matched case-insensitively. With a ``PostTypeId`` column, rows of type 1 are questions,
rows of type 2 answers (joined by ``ParentId``), other types are counted and skipped; without it every
row is a question. Tags may be ``<a><b>`` or ``|a|b|``. Without an ``Id`` column, rows are numbered.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..tags import parse_tags
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


class PostsCsvSource(Source):
    """Streams Data Explorer / Posts.csv files."""

    format_name = "posts-csv"

    def batches(self) -> Iterator[RawBatch]:
        for path in self.paths:
            yield from self._file_batches(path)

    def _file_batches(self, path) -> Iterator[RawBatch]:
        header = read_header(path, self.encoding)
        fix = ("a Stack Exchange export needs Title, Body and Tags columns (Data Explorer: "
               "SELECT Id, Title, Body, Tags FROM Posts WHERE PostTypeId = 1); for other tables use --format table.")
        title_col = require_column(path, header, "Title", fix)
        body_col = require_column(path, header, "Body", fix)
        tags_col = require_column(path, header, "Tags", fix)
        id_col = find_column(header, "Id")
        type_col = find_column(header, "PostTypeId")
        parent_col = find_column(header, "ParentId")
        score_col = find_column(header, "Score")
        columns = [c for c in (id_col, title_col, body_col, tags_col, type_col, parent_col, score_col) if c]
        done = 0
        row_number = 0
        for df, n in csv_batches(path, columns, encoding=self.encoding, stats=self.stats,
                                 strict=self.config.strict, header=header):
            numbers = range(row_number + 1, row_number + len(df) + 1)
            row_number += len(df)
            ids = df[id_col].tolist() if id_col else [self.row_id(path, i) for i in numbers]
            answers = None
            if type_col is not None:
                kind = df[type_col]
                if parent_col is not None and self.with_answers:
                    a = df[kind == "2"]
                    scores = a[score_col].tolist() if score_col else [0] * len(a)
                    answers = answers_frame(a[parent_col].tolist(), a[body_col].tolist(),
                                            [int(s) if s.lstrip("-").isdigit() else 0 for s in map(str, scores)])
                self.stats.answers += int((kind == "2").sum())
                self.stats.other_posts += int((~kind.isin(["1", "2"])).sum())
                keep = (kind == "1").to_numpy()
                df = df[keep]
                ids = [i for i, k in zip(ids, keep) if k]
            self.stats.questions += len(df)
            questions = questions_frame(ids, df[title_col].tolist(), df[body_col].tolist(),
                                        [parse_tags(t) for t in df[tags_col]])
            yield RawBatch(questions=questions, answers=answers, bytes_read=n - done)
            done = n
