"""Each input file's parsed records, cached apart: a query for some kinds of record reads only the files that hold them.

:func:`.readers.read_parsed` gives one frame of ``PARSED_SCHEMA`` rows per file. Kept as one union, every later
question of the plan (the Kaggle tags, the questions, the answers) scanned all of it: at scale 1 the tags' scan
read the answers' 780 MB of raw bodies to find 1.9M small rows. Here each file is persisted on its own, and
:meth:`ParsedFiles.kinds` unions only the files whose role can hold the kinds asked for (:data:`ROLE_KINDS`).
Every file may hold malformed rows (``m``) and one summary row per partition (``p``).

Partition numbers (``pid``) stay global: each file's parser numbers its partitions after the earlier files'
(``base + partitionId``), as the union of all files numbered them before, so source order and the per-partition
offsets are unchanged.

Example:
    >>> sorted(kinds_of("kt")), sorted(kinds_of("xml")) == sorted(ALL_KINDS)
    (['m', 'p', 't'], True)
"""

from __future__ import annotations

ALL_KINDS = frozenset("qaotnrimp")  # question, answer, other post, tag, tag name, post-tag link, id, malformed, partition
ROLE_KINDS = {"kq": frozenset("qao"), "ka": frozenset("a"), "kt": frozenset("t"), "kn": frozenset("n"),
              "kr": frozenset("r"), "fasttext-ids": frozenset("i")}  # other roles: any kind


def kinds_of(role: str) -> frozenset:
    """The kinds of record a file of ``role`` can yield (with ``m`` and ``p``, which every file can)."""
    return ROLE_KINDS.get(role, ALL_KINDS) | {"m", "p"}


class ParsedFiles:
    """Per file (in input order), its parsed records and its role; the files' frames persisted apart."""

    def __init__(self, frames: list, roles: list[str]):
        self.frames, self.roles = list(frames), list(roles)

    def persist(self, level) -> ParsedFiles:
        self.frames = [frame.persist(level) for frame in self.frames]
        return self

    def unpersist(self) -> None:
        for frame in self.frames:
            frame.unpersist()

    def all(self):
        """Every record of every file (one union)."""
        return _union(self.frames)

    def kinds(self, *kinds: str):
        """The records of these ``kinds``, read only from the files whose role can hold them."""
        from pyspark.sql import functions as F

        wanted = set(kinds)
        frames = [f for f, role in zip(self.frames, self.roles) if wanted & kinds_of(role)] or self.frames[:1]
        return _union(frames).filter(F.col("kind").isin(*kinds))


def _union(frames: list):
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out
