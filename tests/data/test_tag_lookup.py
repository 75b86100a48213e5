"""TagLookup: the compact post id -> tags table that the Kaggle reader fills from Tags.csv."""

import random

import pytest

from multilabeltext.data.readers.tag_lookup import TagLookup


def lookup_of(pairs, batch=3):
    lookup = TagLookup()
    for i in range(0, len(pairs), batch):
        chunk = pairs[i:i + batch]
        lookup.add([p for p, _ in chunk], [t for _, t in chunk])
    return lookup.freeze()


def reference(pairs, ids):
    by_post = {}
    for post, tag in pairs:
        if tag is not None:
            by_post.setdefault(post, []).append(tag)
    return [by_post.get(i, []) for i in ids]


@pytest.mark.parametrize("id_style", ["ints", "strings", "mixed"])
def test_matches_a_dict_of_lists(id_style):
    rng = random.Random(id_style)
    names = [f"tag{i}" for i in range(40)] + ["", None]  # "" is a tag (a blank cell); None is none

    def post_id(i):
        if id_style == "strings" or (id_style == "mixed" and i % 7 == 0):
            return f"p{i:04d}"
        return str(i)

    pairs = [(post_id(rng.randrange(500)), rng.choice(names)) for _ in range(3000)]
    queries = [post_id(i) for i in range(600)] + ["007", " 7", "", "-1", "x"]
    lookup = lookup_of(pairs, batch=257)
    assert lookup.tags_of(queries) == reference(pairs, queries)
    assert len(lookup) == len({p for p, t in pairs if t is not None})


def test_integer_ids_only_match_their_plain_spelling():
    lookup = lookup_of([("7", "pandas"), ("12", "numpy"), ("12", "scipy")])
    assert lookup.tags_of(["7", "07", "+7", "12", "x12"]) == [["pandas"], [], [], ["numpy", "scipy"], []]


def test_a_post_keeps_its_tags_in_file_order_across_batches():
    lookup = lookup_of([("5", "c"), ("9", "z"), ("5", "a"), ("5", "b")], batch=1)
    assert lookup.tags_of(["5", "9"]) == [["c", "a", "b"], ["z"]]


def test_empty_file_and_unfrozen_use():
    assert TagLookup().freeze().tags_of(["1", "a"]) == [[], []]
    with pytest.raises(RuntimeError, match="freeze"):
        TagLookup().tags_of(["1"])
