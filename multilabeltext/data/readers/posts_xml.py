"""Stack Exchange data-dump ``Posts.xml``: one ``<row .../>`` element per line.

Questions are ``PostTypeId="1"`` with ``Tags`` as ``<a><b>`` (older dumps) or ``|a|b|`` (newer dumps);
answers are ``PostTypeId="2"`` with ``ParentId``. Other post types (wiki, excerpts...) are counted and
skipped. Each line is parsed on its own, so a malformed row is reported with its line number and skipped
(or stops the run in ``--strict`` mode) without losing the rest of the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from ...errors import EncodingError, MalformedInputError
from ..tags import parse_tags
from .base import RawBatch, Source, answers_frame, questions_frame

BATCH_ROWS = 5000


class PostsXmlSource(Source):
    """Streams ``Posts.xml`` files line by line."""

    format_name = "posts-xml"

    def batches(self) -> Iterator[RawBatch]:
        for path in self.paths:
            yield from self._file_batches(path)

    def _file_batches(self, path) -> Iterator[RawBatch]:
        q = {"id": [], "title": [], "body": [], "tags": []}
        a = {"parent_id": [], "body": [], "score": []}
        consumed = 0
        rows_seen = 0
        codec = "utf-8-sig" if self.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else self.encoding

        def flush() -> RawBatch:
            nonlocal consumed
            batch = RawBatch(questions=questions_frame(q["id"], q["title"], q["body"], q["tags"]),
                             answers=answers_frame(a["parent_id"], a["body"], a["score"]) if a["body"] else None,
                             bytes_read=consumed)
            for d in (q, a):
                for v in d.values():
                    v.clear()
            consumed = 0
            return batch

        with open(path, "rb") as f:
            for number, raw in enumerate(f, start=1):
                consumed += len(raw)
                try:
                    line = raw.decode(codec if number == 1 else self.encoding).strip()
                except UnicodeDecodeError as exc:
                    bad = exc.object[exc.start:exc.start + 1].hex()
                    raise EncodingError(path, self.encoding, f"byte 0x{bad} is not valid {self.encoding}",
                                        line=number) from None
                if not line.startswith("<row"):  # a dump without line breaks: <?xml ...?><posts><row .../>...
                    at = line.find("<row")
                    if at < 0:
                        continue
                    line = line[at:]
                for row in self._parse_line(line, path, number):
                    rows_seen += 1
                    kind = row.get("PostTypeId")
                    if kind == "1":
                        post_id = row.get("Id")
                        if not post_id:
                            self.stats.skip_malformed(f"{path.name}:{number}", "question without Id",
                                                      self.config.strict, path, number)
                            continue
                        q["id"].append(post_id)
                        q["title"].append(row.get("Title", ""))
                        q["body"].append(row.get("Body", ""))
                        q["tags"].append(parse_tags(row.get("Tags", "")))
                        self.stats.questions += 1
                    elif kind == "2":
                        self.stats.answers += 1
                        if self.with_answers:
                            a["parent_id"].append(row.get("ParentId", ""))
                            a["body"].append(row.get("Body", ""))
                            a["score"].append(_int(row.get("Score")))
                    else:
                        self.stats.other_posts += 1
                if len(q["id"]) + len(a["body"]) >= BATCH_ROWS:
                    yield flush()
        if rows_seen == 0:
            raise MalformedInputError("no <row .../> elements found: this is not a Stack Exchange Posts.xml dump.",
                                      path=path, fix="pass the dump's Posts.xml, or choose another --format.")
        yield flush()

    def _parse_line(self, line: str, path, number: int) -> list[dict[str, str]]:
        """Attributes of the ``<row>`` element(s) on one line (several if a file has no line breaks)."""
        try:
            return parse_line(line)
        except ET.ParseError as exc:
            self.stats.skip_malformed(f"{path.name}:{number}", f"not a well-formed <row/> element ({exc})",
                                      self.config.strict, path, number)
            return []


def parse_line(line: str) -> list[dict[str, str]]:
    """Attributes of the ``<row>`` element(s) on one stripped line (a pure function; raises ``ET.ParseError``).

    Example:
        >>> parse_line('<row Id="1" PostTypeId="1" Tags="|a|" />')
        [{'Id': '1', 'PostTypeId': '1', 'Tags': '|a|'}]
    """
    if line.count("<row") == 1 and line.endswith("/>"):
        return [ET.fromstring(line).attrib]
    text = line.removesuffix("</posts>")
    return [el.attrib for el in ET.fromstring(f"<rows>{text}</rows>") if el.tag == "row"]


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0
