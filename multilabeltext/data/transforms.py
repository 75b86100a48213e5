"""Pure functions over batches (pandas DataFrames in, DataFrames out): clean, join answers, build texts.

They hold no state and touch no files, so a distributed engine can run them as they are (e.g. with
``mapInPandas`` or ``map_batches``) on the full Stack Overflow dump.

Example:
    >>> import pandas as pd
    >>> q = pd.DataFrame({"id": ["1"], "title": ["Sort a dict"], "body": ["<p>How?</p>"], "tags": [["python"]]})
    >>> a = pd.DataFrame({"parent_id": ["1", "1"], "body": ["<p>Use sorted</p>", "<p>Or this</p>"], "score": [1, 5]})
    >>> q = clean_questions(q, html=True)
    >>> build_texts(q, clean_answers(a, html=True), fields=("title", "body", "answers"), max_answers=1)["text"][0]
    'Sort a dict How? Or this'
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .cleaning import clean_texts


def clean_questions(questions: pd.DataFrame, *, html: bool = True, drop_code: bool = False) -> pd.DataFrame:
    """Titles whitespace-normalized, bodies turned from HTML into text (if ``html``)."""
    out = questions.copy()
    out["title"] = clean_texts(out["title"].tolist(), html=False)
    out["body"] = clean_texts(out["body"].tolist(), html=html, drop_code=drop_code)
    return out


def clean_answers(answers: pd.DataFrame, *, html: bool = True, drop_code: bool = False) -> pd.DataFrame:
    """Answer bodies turned from HTML into text; empty answers dropped."""
    out = answers.copy()
    out["body"] = clean_texts(out["body"].tolist(), html=html, drop_code=drop_code)
    return out[out["body"] != ""]


def question_key_texts(questions: pd.DataFrame, fields: Sequence[str]) -> list[str]:
    """The question's own text fields that make two questions identical (title and/or body), as one string."""
    title = questions["title"] if "title" in fields else ""
    body = questions["body"] if "body" in fields or "title" not in fields else ""
    return (title + "\x00" + body).tolist() if len(questions) else []


def stable_hashes(texts: Sequence[str]) -> list[int]:
    """A signed 64-bit hash of each text, the same in every process (``hash()`` is salted per process).

    Spark's workers compare questions by it, as the embedded engine compares them by ``hash()``: 16 bytes
    per question shuffled instead of its whole text.

    Example:
        >>> a, b, empty = stable_hashes(["How do I sort a dict?", "How do I sort a dict?", ""])
        >>> a == b == stable_hashes(["How do I sort a dict?"])[0] != empty
        True
    """
    from hashlib import blake2b

    return [int.from_bytes(blake2b(t.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little", signed=True)
            for t in texts]


def question_keys(questions: pd.DataFrame, fields: Sequence[str]) -> list[int]:
    """Hash of :func:`question_key_texts`, for dropping identical questions (stable within one process only)."""
    return [hash(t) for t in question_key_texts(questions, fields)]


def build_texts(questions: pd.DataFrame, answers: pd.DataFrame | None, *, fields: Sequence[str],
                max_answers: int | None = None) -> pd.DataFrame:
    """Add a ``text`` column: the chosen fields joined by spaces, answers best-scored first.

    ``answers`` rows whose parent is not in ``questions`` are ignored; ``max_answers=None`` keeps all.
    """
    parts = []
    if "title" in fields:
        parts.append(questions["title"].fillna(""))
    if "body" in fields:
        parts.append(questions["body"].fillna(""))
    if "answers" in fields and answers is not None and len(answers) and max_answers != 0:
        ordered = answers.sort_values(["parent_id", "score"], ascending=[True, False], kind="stable")
        if max_answers is not None:
            ordered = ordered.groupby("parent_id", sort=False).head(max_answers)
        joined = ordered.groupby("parent_id", sort=False)["body"].agg(" ".join)
        parts.append(questions["id"].map(joined).fillna(""))
    out = questions.copy()
    if not parts:
        out["text"] = ""
        return out
    out["text"] = [" ".join(p for p in row if p) for row in zip(*(p.tolist() for p in parts))]
    return out
