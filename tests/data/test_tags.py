"""Tags: the forms sources write them in, counting, choosing which to keep."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from multilabeltext.data.tags import count_tags, filter_tags, parse_tags, select_tags
from multilabeltext.errors import ConfigError, MultilabeltextError


@pytest.mark.parametrize("value, expected", [
    ("<python><pandas>", ["python", "pandas"]),
    ("<c#><.net><c++><node.js>", ["c#", ".net", "c++", "node.js"]),
    ("|python|pandas|", ["python", "pandas"]),
    ("|c#|asp.net-mvc|", ["c#", "asp.net-mvc"]),
    ("['php', 'mysql']", ["php", "mysql"]),
    ('["php", "mysql"]', ["php", "mysql"]),
    ("['c++']", ["c++"]),
    ("[]", []),
    ("python, pandas ,numpy", ["python", "pandas", "numpy"]),
    ("python pandas", ["python", "pandas"]),
    ("  <Python><PANDAS>  ", ["python", "pandas"]),
    ("<python><python><numpy>", ["python", "numpy"]),
    ("", []),
    ("   ", []),
    (None, []),
    (float("nan"), []),
    (["Python", " pandas ", "python"], ["python", "pandas"]),
    (("a", "b"), ["a", "b"]),
    (np.array(["x", "y"], dtype=object), ["x", "y"]),
])
def test_parse_tags_forms(value, expected):
    assert parse_tags(value) == expected


@pytest.mark.parametrize("value, delimiter, expected", [
    ("php;mysql;php", ";", ["php", "mysql"]),
    ("c++|c#", "|", ["c++", "c#"]),
    ("a b, c d", ",", ["a b", "c d"]),  # multi-word labels survive an explicit delimiter
    ("python", ";", ["python"]),
])
def test_parse_tags_with_delimiter(value, delimiter, expected):
    assert parse_tags(value, delimiter) == expected


def test_count_and_filter_tags():
    rows = [["python", "pandas"], ["python"], [], ["numpy", "python"]]
    counts = count_tags(rows)
    assert counts == Counter({"python": 3, "pandas": 1, "numpy": 1})
    assert count_tags(rows[:2]) + count_tags(rows[2:]) == counts  # batch counts add up
    assert filter_tags(rows, {"python", "numpy"}) == [["python"], ["python"], [], ["numpy", "python"]]
    assert filter_tags(rows, set()) == [[], [], [], []]


COUNTS = {"python": 90, "pandas": 40, "numpy": 40, "django": 30, "regex": 12, "list": 12, "tkinter": 3}


def test_select_all_tags_sorted_by_name():
    assert select_tags(COUNTS) == sorted(COUNTS)


def test_select_top_n():
    assert select_tags(COUNTS, top_n=2) == ["numpy", "python"]
    assert select_tags(COUNTS, top_n=1) == ["python"]


def test_select_top_n_after_exclusion_case_insensitive():
    assert select_tags(COUNTS, top_n=3, exclude=["Python"]) == ["django", "numpy", "pandas"]


def test_select_min_count():
    assert select_tags(COUNTS, min_count=12) == ["django", "list", "numpy", "pandas", "python", "regex"]
    assert select_tags(COUNTS, min_count=13) == ["django", "numpy", "pandas", "python"]
    assert select_tags(COUNTS, min_count=13, top_n=2, exclude=["python"]) == ["numpy", "pandas"]


def test_select_ties_break_by_name_reproducibly():
    # regex and list tie at 12 for the 5th place: "list" wins alphabetically, whatever the input order
    expected = ["django", "list", "numpy", "pandas", "python"]
    assert select_tags(COUNTS, top_n=5) == expected
    assert select_tags(dict(reversed(list(COUNTS.items()))), top_n=5) == expected
    # pandas and numpy tie for 2nd place: numpy wins
    assert select_tags(COUNTS, top_n=2) == ["numpy", "python"]


@pytest.mark.parametrize("kwargs, qualifying", [
    ({"top_n": 8}, 7),
    ({"top_n": 7, "exclude": ["python"]}, 6),
    ({"top_n": 5, "min_count": 30}, 4),
])
def test_select_top_n_larger_than_qualifying_tags_is_an_error(kwargs, qualifying):
    with pytest.raises(ConfigError) as info:
        select_tags(COUNTS, **kwargs)
    error = info.value
    assert isinstance(error, MultilabeltextError) and error.exit_code == 2
    assert str(kwargs["top_n"]) in error.what and f"only {qualifying} tag" in error.what
    assert error.fix and f"--top-n {qualifying}" in error.fix


def test_select_exactly_all_qualifying_is_fine():
    assert select_tags(COUNTS, top_n=7) == sorted(COUNTS)
