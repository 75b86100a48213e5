"""The 2018 tutorial's pythonquestions sample (``predictions_for_plotly.csv``), with its newlines put back.

The 2018 script stripped backslashes from the text, so every newline ``\\n`` became a letter ``n`` glued to
its neighbours: ``auth.nnmodels.py nnclass Account(...):n    account_id``, ``pdnimport``, ``Falsen``.
Word2Vec and the tokenizer then learn junk words (``nnclass``, ``nimport``, ``pandasn``). This reader is the
``table`` reader plus one repair, applied only to this known file (a CSV whose header is exactly
``ParentId,clean,Actual,Predictions``, read with the ``clean`` text column): each run of letters that holds
such an ``n`` is split back, judged by how often the pieces occur as words of their own in the same file:

* a run of two or more ``n`` at the start or the end of a word (``nnclass``, ``AccountManagernn``), or
  between two pieces of which the second is a word (``AccountManagernnclass``);
* one ``n`` before a capital (``nThe``, ``nNone``) or before a word seen at least 3x more often without it
  (``nimport``, ``ndf``; not ``none``/``nan``, which are words themselves);
* one ``n`` at the end of a rare word whose stem is a word (``Falsen``, ``emailn``), or between two words
  (``pdnimport``), or at the end of a word that indentation (two spaces) follows;
* a lone ``n`` touching punctuation or followed by indentation (``):n    x``), and lone ``nn``, ``nnn``.

A lone ``n`` between spaces (``for n in range``) and ordinary words (``return``, ``then``) are kept. The
repair is a heuristic: about 50,000 newlines come back in the 1,000 rows; a few words may be split wrongly.

Example:
    >>> flat = "import pandas as pdnimport numpy as npnnclass A:n    pass"
    >>> others = ["import numpy as np", "import pandas as pd", "class A", "x = 1nimport os"] * 5
    >>> fixed, n = repair_flattened_newlines([flat] + others)
    >>> fixed[0].splitlines()
    ['import pandas as pd', 'import numpy as np', '', 'class A:', '    pass']
    >>> n
    4
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ...progress import status
from .base import RawBatch, read_header
from .table import TableSource

HEADER_2018 = ["ParentId", "clean", "Actual", "Predictions"]  # predictions_for_plotly.csv, as the 2018 script wrote it
WORD = re.compile(r"[A-Za-z]+")
KNOWN_MIN = 5  # a piece is a word when it occurs this often on its own in the file
PREFIX_RATIO = 3  # "n" + word is split when the word alone is this much more frequent
SUFFIX_RATIO = 10  # word + "n" is split when the word alone is this much more frequent
RARE_MAX = 3  # a word seen at most this often may hide a newline at its end
# words that look like flattened ones but are words: none/nan/non/nat (NaT), then/seen (the/see + n), isn (isn't)
KEEP = frozenset("""non nan nat nor none not now new next then seen been even taken given shown own down open
often ten men when an in on can isn wasn doesn didn don aren haven hasn couldn shouldn wouldn weren won ain""".split())


def is_2018_sample(path: Path, text_columns=()) -> bool:
    """True for the 2018 tutorial's ``predictions_for_plotly.csv`` read with its ``clean`` text column."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        header = read_header(path, "utf-8")
    except Exception:  # noqa: BLE001  (not this file: the table reader reports its own errors)
        return False
    return header == HEADER_2018 and [c.lower() for c in text_columns or ("clean",)] == ["clean"]


def repair_flattened_newlines(texts: list[str]) -> tuple[list[str], int]:
    """``texts`` with the 2018 script's ``n``-for-newline artifacts turned back into newlines, and their count.

    Word frequencies are taken over all of ``texts`` (the whole file), so pass every text at once.
    """
    counts = Counter(w.lower() for text in texts for w in WORD.findall(text))
    repaired = 0

    def known(piece: str) -> bool:
        return (len(piece) >= 2 and counts[piece.lower()] >= KNOWN_MIN) or piece.lower() in ("i", "a")

    def starts_lines(piece: str) -> bool:  # seen glued to a flattened newline often: import, from, out, def
        p = piece.lower()
        return counts["n" + p] + counts["nn" + p] >= KNOWN_MIN

    def split(word: str) -> str:
        lower = word.lower()
        if lower in KEEP:
            return word
        trail = len(word) - len(word.rstrip("n"))
        stem = word[: len(word) - trail]
        if trail >= 2 and len(stem) >= 2:
            return split(stem) + "\n" * trail
        lead = len(word) - len(word.lstrip("n"))
        rest = word[lead:]
        if lead and rest:
            if lead >= 2 or (rest[0].isupper() and (not rest.isupper() or len(rest) == 1)) or (
                    known(rest) and counts[rest.lower()] >= PREFIX_RATIO * counts[lower]):
                return "\n" * lead + split(rest)
        best = None
        for run in re.finditer(r"n+", word):
            a, b = word[: run.start()], word[run.end():]
            if len(a) < 2 or not known(a):
                continue
            if b:  # inside: pdnimport, AccountManagernnclass
                ok = len(b) >= 2 and known(b) and (len(run.group()) >= 2 or starts_lines(b)) and counts[lower] <= min(
                    counts[a.lower()], counts[b.lower()])
            else:  # at the end: Falsen, emailn (not then, isn't)
                ok = counts[a.lower()] >= SUFFIX_RATIO * counts[lower] or (len(a) >= 3 and counts[lower] <= RARE_MAX)
            if ok:
                score = min(counts[a.lower()], counts[b.lower()] if b else 10**9)
                if best is None or score > best[0]:
                    best = (score, a, len(run.group()), b)
        if best:
            _, a, n, b = best
            return split(a) + "\n" * n + (split(b) if b else "")
        return word

    def fix(match: re.Match) -> str:
        nonlocal repaired
        word, text, end = match.group(), match.string, match.end()
        indented = text[end:end + 2] == "  "
        if word.strip("n") == "":  # a lone run of n
            left = text[match.start() - 1] if match.start() else " "
            right = text[end] if end < len(text) else " "
            flat = len(word) >= 2 or indented or (not left.isspace() and left not in "([{=," and (right.isspace() or right == " "))
            out = "\n" * len(word) if flat else word
        else:
            out = split(word)
            if out == word and indented and len(word) > 3 and word.endswith("n") and counts[word[:-1].lower()] >= 3:
                out = word[:-1] + "\n"
        repaired += out.count("\n")
        return out

    fixed = [WORD.sub(fix, text) for text in texts]
    return fixed, repaired


class Sample2018Source(TableSource):
    """The ``table`` reader for the 2018 sample, with :func:`repair_flattened_newlines` on its texts."""

    def batches(self) -> Iterator[RawBatch]:
        batches = list(super().batches())  # 1,000 rows: the repair needs the whole file's word counts
        texts = [t for b in batches if b.questions is not None for t in b.questions["body"]]
        fixed, repaired = repair_flattened_newlines(texts)
        status(f"{self.paths[0].name}: the 2018 sample; put back {repaired:,} newlines its script had "
               "flattened into the letter n")
        start = 0
        for batch in batches:
            if batch.questions is not None:
                n = len(batch.questions)
                batch.questions["body"] = fixed[start:start + n]
                start += n
            yield batch
