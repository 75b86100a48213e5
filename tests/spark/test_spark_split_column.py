"""``--split column`` on Spark: the data's own split, handled as the embedded engine handles it.

Copies of a question within one split follow ``--dedupe``; a question copying one of a later split (test >
validation > train) is leakage, dropped and counted apart (never the test row), with or without ``--dedupe``;
a column without validation rows gets them carved from train (by the hash of the id with the seed and the
rare-tag repair on Spark; the embedded engine stratifies iteratively: same sizes, other rows).
"""

from __future__ import annotations

import json

import pytest
from conftest import SPLITS, describe, prepare_ok, read_manifest_json, read_split, run_cli
from spark_session import spark  # noqa: F401  (the shared session fixture)

pytestmark = pytest.mark.spark

TAGS = ["apple", "pear", "plum", "fig"]


def dataset_with_leaks(path):
    rows = [{"text": f"train question {i} about {TAGS[i % 4]}", "labels": [TAGS[i % 4]], "split": "train"}
            for i in range(200)]
    tests = [{"text": f"test question {i} about {TAGS[i % 4]}", "labels": [TAGS[i % 4]], "split": "Test"}
             for i in range(50)]
    copies = [{"text": r["text"], "labels": ["apple"], "split": "train"} for r in tests[:10]]  # leak into train
    dev = [{"text": f"dev question {i} about {TAGS[i % 4]}", "labels": [TAGS[i % 4]], "split": "dev"}
           for i in range(20)]
    dev.append({"text": tests[10]["text"], "labels": ["fig"], "split": "dev"})  # leak into validation
    rows = copies + rows + dev + tests + [dict(tests[-1])]  # and one copy inside the test split
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def spark_prepare(inputs, out, *options):
    result = run_cli("prepare", inputs, "--out", out, "--quiet", "--engine", "spark", *options)
    assert result.exit_code == 0, describe(result)
    return out


@pytest.mark.parametrize("options", [[], ["--no-dedupe"]], ids=["dedupe", "no-dedupe"])
def test_same_rows_and_counts_as_embedded(spark, tmp_path, options):  # noqa: F811
    data = dataset_with_leaks(tmp_path / "d.jsonl")
    embedded = prepare_ok(data, tmp_path / "e", "--split", "column", *options)
    on_spark = spark_prepare(data, tmp_path / "s", "--split", "column", *options)
    for s in SPLITS:
        a, b = read_split(on_spark, s), read_split(embedded, s)
        assert sorted(zip(a["id"], a["text"])) == sorted(zip(b["id"], b["text"])), s
    ce, cs = read_manifest_json(embedded)["counts"], read_manifest_json(on_spark)["counts"]
    for key in ("duplicates", "duplicates_of_a_later_split", "kept", "splits", "no_kept_tag", "empty_text"):
        assert cs.get(key, 0) == ce.get(key, 0), (key, cs, ce)
    assert cs["duplicates_of_a_later_split"] == 11 and cs.get("duplicates", 0) == (0 if options else 1)  # the copy inside the test split


def test_validation_carved_from_train_when_the_column_has_none(spark, tmp_path):  # noqa: F811
    rows = [{"text": f"train question {i} about {TAGS[i % 4]}", "labels": [TAGS[i % 4]], "split": "train"}
            for i in range(200)]
    rows += [{"text": f"test question {i}", "labels": [TAGS[i % 4]], "split": "test"} for i in range(50)]
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = spark_prepare(data, tmp_path / "s", "--split", "column")
    sizes = {s: len(read_split(out, s)) for s in SPLITS}
    assert sizes == {"train": 180, "validation": 20, "test": 50}, sizes
    validation = read_split(out, "validation")
    assert set(validation["id"]) <= {str(i) for i in range(1, 201)}  # only training rows move
    assert {t for tags in validation["tags"] for t in tags} == set(TAGS)
    assert read_manifest_json(out)["counts"]["validation_carved_from_train"] == 20
    again = spark_prepare(data, tmp_path / "again", "--split", "column")  # seeded: the same rows
    assert sorted(read_split(again, "validation")["id"]) == sorted(validation["id"])
    unchanged = spark_prepare(data, tmp_path / "zero", "--split", "column", "--validation-fraction", "0")
    assert len(read_split(unchanged, "validation")) == 0 and len(read_split(unchanged, "train")) == 200


def test_unknown_split_values_are_the_embedded_error(spark, tmp_path):  # noqa: F811
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"text": "a b", "labels": ["x"], "split": "holdout"}) + "\n")
    result = run_cli("prepare", data, "--out", tmp_path / "s", "--quiet", "--engine", "spark", "--split", "column")
    assert result.exit_code == 2 and "holdout" in result.stderr and "Fix:" in result.stderr, describe(result)
