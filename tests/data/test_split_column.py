"""A user's own split (``--split column``), handled honestly (issue 13): a validation slice carved from train when
the column has none (seeded, stratified, said in the summary), and dedupe never changing the given test split."""

from __future__ import annotations

import json

from conftest import SPLITS, describe, prepare_ok, read_manifest_json, read_split, run_cli

TAGS = ["apple", "pear", "plum", "fig"]


def write_rows(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def own_split_rows(n_train=200, n_test=50):
    rows = [{"text": f"train question {i} about {TAGS[i % 4]}", "labels": [TAGS[i % 4]], "split": "train"}
            for i in range(n_train)]
    rows += [{"text": f"test question {i} about {TAGS[i % 4]}", "labels": [TAGS[i % 4]], "split": "test"}
             for i in range(n_test)]
    return rows


def test_validation_is_carved_from_train_when_the_column_has_none(tmp_path):
    path = write_rows(tmp_path / "d.jsonl", own_split_rows())
    result = run_cli("prepare", path, "--out", tmp_path / "ds", "--split", "column", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    assert "carved from train" in result.stdout
    out = tmp_path / "ds"
    sizes = {s: len(read_split(out, s)) for s in SPLITS}
    assert sizes == {"train": 180, "validation": 20, "test": 50}, sizes
    validation = read_split(out, "validation")
    assert set(validation["id"]) <= {str(i) for i in range(1, 201)}  # only training rows move
    assert {t for tags in validation["tags"] for t in tags} == set(TAGS)  # stratified: every tag is there
    assert read_manifest_json(out)["counts"]["validation_carved_from_train"] == 20
    again = prepare_ok(path, tmp_path / "again", "--split", "column")  # seeded: the same rows
    assert sorted(read_split(again, "validation")["id"]) == sorted(validation["id"])


def test_validation_fraction_zero_keeps_the_split_as_given(tmp_path):
    path = write_rows(tmp_path / "d.jsonl", own_split_rows())
    out = prepare_ok(path, tmp_path / "ds", "--split", "column", "--validation-fraction", "0")
    assert len(read_split(out, "validation")) == 0 and len(read_split(out, "train")) == 200


def test_a_given_validation_split_is_kept(tmp_path):
    rows = own_split_rows()
    for r in rows[:30]:
        r["split"] = "dev"
    out = prepare_ok(write_rows(tmp_path / "d.jsonl", rows), tmp_path / "ds", "--split", "column")
    assert len(read_split(out, "validation")) == 30 and "validation_carved_from_train" not in read_manifest_json(out)["counts"]


def test_dedupe_never_drops_a_given_test_row(tmp_path):
    rows = own_split_rows()
    test_texts = [r["text"] for r in rows if r["split"] == "test"]
    # 10 training rows that copy a test row, placed before the test rows (the old dedupe kept these, dropped the test rows)
    copies = [{"text": t, "labels": ["apple"], "split": "train"} for t in test_texts[:10]]
    rows = copies + rows
    rows.append(dict(rows[-1]))  # one duplicate inside the test split: follows --dedupe
    out = prepare_ok(write_rows(tmp_path / "d.jsonl", rows), tmp_path / "ds", "--split", "column")
    test = read_split(out, "test")
    assert sorted(test["text"]) == sorted(test_texts)
    counts = read_manifest_json(out)["counts"]
    assert counts["duplicates_of_a_later_split"] == 10 and counts["duplicates"] == 1, counts
    train_texts = set(read_split(out, "train")["text"]) | set(read_split(out, "validation")["text"])
    assert not train_texts & set(test_texts)  # no leakage left

    kept = prepare_ok(write_rows(tmp_path / "d.jsonl", rows), tmp_path / "nodedupe", "--split", "column",
                      "--no-dedupe")
    assert len(read_split(kept, "test")) == 51  # inside one split, --no-dedupe keeps the copy
    assert read_manifest_json(kept)["counts"]["duplicates_of_a_later_split"] == 10  # leakage goes anyway
