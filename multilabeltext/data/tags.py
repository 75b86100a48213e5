"""Tags: parse the forms sources write them in, count them, choose which to keep, filter batches.

Example:
    >>> parse_tags("<python><pandas>"), parse_tags("|python|pandas|"), parse_tags("['python', 'pandas']")
    (['python', 'pandas'], ['python', 'pandas'], ['python', 'pandas'])
    >>> select_tags({"python": 9, "pandas": 5, "numpy": 5, "regex": 1}, top_n=2, exclude=["python"])
    ['numpy', 'pandas']
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from ..errors import ConfigError

_ANGLE = re.compile(r"<([^<>]+)>")


def parse_tags(value: object, delimiter: str | None = None) -> list[str]:
    """Tags from one cell: ``<a><b>``, ``|a|b|``, a Python/JSON list string, a list, or delimiter-separated.

    With no ``delimiter`` the form is detected; plain strings split on commas if any, else on whitespace.
    Tags are stripped and lower-cased; duplicates are dropped, order kept.

    Example:
        >>> parse_tags("a, b ,a"), parse_tags("a b"), parse_tags("a;b", delimiter=";"), parse_tags(None)
        (['a', 'b'], ['a', 'b'], ['a', 'b'], [])
    """
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return []
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist") and not isinstance(value, str)):
        items = [str(v) for v in (value.tolist() if hasattr(value, "tolist") else value)]
    else:
        text = str(value).strip()
        if delimiter is not None:
            items = text.split(delimiter)
        elif text.startswith("<") and text.endswith(">"):
            items = _ANGLE.findall(text)
        elif text.startswith("|") and text.endswith("|"):
            items = text.split("|")
        elif text.startswith("[") and text.endswith("]"):
            items = _parse_list_literal(text)
        elif "," in text:
            items = text.split(",")
        else:
            items = text.split()
    seen: dict[str, None] = {}
    for item in items:
        tag = item.strip().strip("'\"").strip().lower()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


MAX_TAG_CHARS = 100  # longer "tags" are dropped and counted (Stack Overflow's longest is 35 characters)
PLACEHOLDERS = {"none", "nan", "null", "n/a", "na", "-"}


def parse_tags_checked(value: object, delimiter: str | None = None) -> tuple[list[str], str | None]:
    """:func:`parse_tags`, plus what was odd about the cell (``None`` if nothing), for the summary's counts:
    a number instead of labels, a placeholder such as ``none``/``nan`` (no tag), unbalanced brackets or
    braces, or a tag over :data:`MAX_TAG_CHARS` characters (dropped).

    Example:
        >>> parse_tags_checked(42), parse_tags_checked("none"), parse_tags_checked("['a', 'b']")
        ((['42'], 'a number, not a list of labels'), ([], 'a placeholder (none, nan, null)'), (['a', 'b'], None))
    """
    problem = None
    if isinstance(value, bool) or (isinstance(value, (int, float)) and value == value):
        problem = "a number, not a list of labels"
    elif isinstance(value, dict):
        return [], "an object, not a list of labels"
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() in PLACEHOLDERS:
            return [], "a placeholder (none, nan, null)"
        if (text.count("[") != text.count("]") or text.count("{") != text.count("}")
                or "{" in text or text.startswith("[") != text.endswith("]")):
            problem = "unbalanced or stray brackets"
    tags = parse_tags(value, delimiter)
    if any(len(t) > MAX_TAG_CHARS for t in tags):
        tags = [t for t in tags if len(t) <= MAX_TAG_CHARS]
        problem = f"a tag over {MAX_TAG_CHARS} characters (dropped)"
    return tags, problem


def _parse_list_literal(text: str) -> list[str]:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text[1:-1].split(",")
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def count_tags(tag_lists: Iterable[Iterable[str]]) -> Counter:
    """How many rows carry each tag (a batch function; counters from batches add up with ``+``)."""
    counts: Counter = Counter()
    for tags in tag_lists:
        counts.update(tags)
    return counts


def select_tags(counts: Mapping[str, int], *, top_n: int | None = None, exclude: Iterable[str] = (),
                min_count: int = 1) -> list[str]:
    """The tags to keep, sorted by name: the ``top_n`` most frequent not excluded, each seen ``min_count`` times.

    Ties in frequency break by tag name, so the choice is reproducible. Raises :class:`ConfigError` when
    ``top_n`` asks for more tags than qualify.
    """
    excluded = {t.lower() for t in exclude}
    eligible = sorted(((n, t) for t, n in counts.items() if t not in excluded and n >= min_count),
                      key=lambda nt: (-nt[0], nt[1]))
    if top_n is not None and top_n > len(eligible):
        raise ConfigError(
            f"top_n asks for {top_n} tags but only {len(eligible)} tag(s) qualify "
            f"({len(counts)} distinct, {len(excluded & set(counts))} excluded, min count {min_count}).",
            fix=f"pass --top-n {max(len(eligible), 1)} or less, or lower --min-tag-count.")
    chosen = eligible[:top_n] if top_n is not None else eligible
    return sorted(t for _, t in chosen)


def filter_tags(tag_lists: Iterable[Iterable[str]], keep: set[str] | frozenset[str]) -> list[list[str]]:
    """Each row's tags restricted to ``keep``, order kept (a pure batch function).

    Example:
        >>> filter_tags([["python", "pandas"], ["php"]], {"pandas"})
        [['pandas'], []]
    """
    return [[t for t in tags if t in keep] for tags in tag_lists]
