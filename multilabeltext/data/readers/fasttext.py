"""fastText supervised files: ``__label__a __label__b some text`` per line.

Labels are the ``__label__`` tokens anywhere on the line (fastText's own rule); the rest is the text.
Ids come from a sibling ``.id`` file with one id per line (as in the cooking.stackexchange set), else
line numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...errors import EncodingError, MalformedInputError
from .base import RawBatch, Source, questions_frame

PREFIX = "__label__"
BATCH_ROWS = 20000


class FastTextSource(Source):
    """Streams fastText ``__label__`` files line by line."""

    format_name = "fasttext"
    html = False

    @property
    def files(self):
        return self.paths + [p for p in (self._id_file(p) for p in self.paths) if p is not None]

    @staticmethod
    def _id_file(path):
        candidate = path.with_suffix(".id")
        return candidate if candidate.exists() and candidate != path else None

    def batches(self) -> Iterator[RawBatch]:
        for path in self.paths:
            yield from self._file_batches(path)

    def _file_batches(self, path) -> Iterator[RawBatch]:
        id_path = self._id_file(path)
        ids_file = open(id_path, encoding="utf-8") if id_path else None
        ids, texts, tags = [], [], []
        consumed = 0
        labelled = 0
        try:
            with open(path, "rb") as f:
                for number, raw in enumerate(f, start=1):
                    consumed += len(raw)
                    external_id = ids_file.readline().strip() if ids_file else ""
                    try:
                        line = raw.decode(self.encoding)
                    except UnicodeDecodeError as exc:
                        bad = exc.object[exc.start:exc.start + 1].hex()
                        raise EncodingError(path, self.encoding, f"byte 0x{bad} is not valid {self.encoding}",
                                            line=number) from None
                    parsed = parse_line(line)
                    if parsed is None:
                        continue
                    text, labels = parsed
                    labelled += bool(labels)
                    ids.append(external_id or self.row_id(path, number))
                    texts.append(text)
                    tags.append(labels)
                    self.stats.questions += 1
                    if len(ids) >= BATCH_ROWS:
                        yield RawBatch(questions_frame(ids, [""] * len(ids), texts, tags), bytes_read=consumed)
                        ids, texts, tags, consumed = [], [], [], 0
        finally:
            if ids_file:
                ids_file.close()
        if self.stats.questions and not labelled:
            raise MalformedInputError(f"no line has a {PREFIX} label: this is not a fastText supervised file.",
                                      path=path, fix="choose another --format (e.g. table) or add __label__ tags.")
        id_bytes = id_path.stat().st_size if id_path else 0
        yield RawBatch(questions_frame(ids, [""] * len(ids), texts, tags), bytes_read=consumed + id_bytes)


def parse_line(line: str) -> tuple[str, list[str]] | None:
    """Text and labels of one line (a pure function); None for a blank line.

    Example:
        >>> parse_line("__label__baking __label__Bread Why does dough rise?")
        ('Why does dough rise?', ['baking', 'bread'])
    """
    words = line.split()
    if not words:
        return None
    labels = [w[len(PREFIX):].lower() for w in words if w.startswith(PREFIX) and len(w) > len(PREFIX)]
    return " ".join(w for w in words if not w.startswith(PREFIX)), list(dict.fromkeys(labels))
