"""``prepare --engine spark`` agrees with the embedded engine on every real sample format.

Same rows kept and dropped (with the same reasons, counted in the manifest), the same text, tags and
source row per id, the same labels; split sizes at the rounded ratios (within two rows, or no further
off than the embedded split on the tiny sets where the rare-tag repair cannot do better); every tag with
at least three rows in every part. Each case runs both engines once through the real CLI.
"""

from __future__ import annotations

import json

import pytest
from conftest import (
    BEER_XML,
    COOKING_TXT,
    FIRST_POSTS_XML,
    HISTORY_CSV,
    MOVIES_CSV,
    PYQ_SAMPLE,
    SEDE_1,
    SEDE_2,
    SO_TITLES,
    SPLITS,
    YASIR_QUESTIONS,
    describe,
    prepare_ok,
    read_all,
    read_labels_json,
    read_manifest_json,
    read_split,
    run_cli,
)
from spark_session import spark  # noqa: F401  (the shared session fixture)

pytestmark = pytest.mark.spark

CASES = {
    "posts-xml beer (answers)": ([BEER_XML], ["--top-n", "20"]),
    "posts-xml first posts": ([FIRST_POSTS_XML], ["--top-n", "20"]),
    "data explorer csv x2": ([SEDE_1, SEDE_2], ["--top-n", "20", "--min-tag-count", "5"]),
    "posts.csv movies": ([MOVIES_CSV], ["--top-n", "20"]),
    "posts.csv history (max answers, drop code)": ([HISTORY_CSV], ["--top-n", "10", "--max-answers", "1",
                                                                   "--drop-code"]),
    "kaggle posttags triple": ([YASIR_QUESTIONS], ["--top-n", "20"]),
    "table csv pythonquestions": ([PYQ_SAMPLE], ["--text-column", "clean", "--label-column", "Actual",
                                                 "--id-column", "ParentId"]),
    "fasttext cooking (.id file)": ([COOKING_TXT], []),
    "table tsv so-titles": ([SO_TITLES], ["--text-column", "title", "--label-column", "tags"]),
}
SAME_COUNTS = ("questions_read", "answers_read", "other_posts", "malformed", "duplicates", "answers_joined",
               "answers_orphaned", "empty_text", "no_kept_tag", "kept", "labels")


def prepare_spark_ok(inputs, out, *options):
    result = run_cli("prepare", *inputs, "--out", out, "--quiet", "--engine", "spark", *options)
    assert result.exit_code == 0, describe(result)
    return out


@pytest.fixture(scope="module", params=list(CASES), ids=list(CASES))
def both(request, tmp_path_factory, spark):  # noqa: F811
    inputs, options = CASES[request.param]
    base = tmp_path_factory.mktemp("agree")
    embedded = prepare_ok(inputs, base / "embedded", *options)
    on_spark = prepare_spark_ok(inputs, base / "spark", *options)
    return embedded, on_spark


def test_same_rows_texts_tags_and_labels(both):
    embedded, on_spark = both
    assert read_labels_json(on_spark) == read_labels_json(embedded)
    a, b = read_all(on_spark), read_all(embedded)
    assert len(a) == len(b) > 0
    for column in ("id", "text", "tags", "row"):
        assert a[column].tolist() == b[column].tolist(), column


def test_same_counts_and_drop_reasons(both):
    embedded, on_spark = both
    ca, cb = read_manifest_json(on_spark)["counts"], read_manifest_json(embedded)["counts"]
    for key in SAME_COUNTS:
        assert ca.get(key) == cb.get(key), key
    assert ca["malformed_examples"] == cb["malformed_examples"]
    manifest = read_manifest_json(on_spark)
    assert manifest["engine"]["name"] == "spark"
    assert manifest["files"]["train.parquet"]["rows"] == ca["splits"]["train"]


def test_split_sizes_follow_the_ratios(both):
    embedded, on_spark = both
    n = read_manifest_json(on_spark)["counts"]["kept"]
    target = {"train": round(n * 0.8), "validation": round(n * 0.9) - round(n * 0.8)}
    target["test"] = n - target["train"] - target["validation"]
    sizes = read_manifest_json(on_spark)["counts"]["splits"]
    embedded_sizes = read_manifest_json(embedded)["counts"]["splits"]
    off = max(abs(sizes[s] - target[s]) for s in SPLITS)
    embedded_off = max(abs(embedded_sizes[s] - target[s]) for s in SPLITS)
    assert off <= max(2, embedded_off), (sizes, target, embedded_sizes)


def test_every_tag_with_three_rows_reaches_every_part(both):
    _, on_spark = both
    rows = read_all(on_spark)
    per_part = {s: set(t for tags in rows[rows["split"] == s]["tags"] for t in tags) for s in SPLITS}
    counts = rows["tags"].explode().value_counts()
    for tag, count in counts.items():
        if count >= 3:
            assert all(tag in per_part[s] for s in SPLITS), (tag, count)
    table = {r["tag"]: r for r in read_manifest_json(on_spark)["labels"]}
    for tag, count in counts.items():
        assert table[tag]["count"] == count
        assert sum(table[tag][s] for s in SPLITS) == count


def test_the_split_does_not_depend_on_partitioning(spark, tmp_path):  # noqa: F811
    """Input split into many small tasks (lines cut across partitions): identical dataset, byte for byte."""
    default = prepare_spark_ok([BEER_XML], tmp_path / "default", "--top-n", "20")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "200000")  # the 1.6 MB file in 8+ tasks
    try:
        many = prepare_spark_ok([BEER_XML], tmp_path / "many", "--top-n", "20")
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    for s in SPLITS:
        assert read_split(many, s).equals(read_split(default, s)), s
        rows = read_split(many, s)["row"]
        assert rows.is_monotonic_increasing, s  # each split file in source order
    assert json.loads((many / "labels.json").read_text()) == json.loads((default / "labels.json").read_text())
    assert read_manifest_json(many)["labels"] == read_manifest_json(default)["labels"]


@pytest.mark.parametrize("joins", ["broadcast", "sort-merge", "small-ranges"])
def test_kaggle_triple_latin1_with_answers_agrees(spark, tmp_path, monkeypatch, joins):  # noqa: F811
    """The benchmark's format: ISO-8859-1 Questions/Answers/Tags.csv, multi-line quoted HTML bodies; the tags
    and the answers' parents joined by broadcast (a dump of up to a million questions) or by sort-merge; with
    small ranges, a question's run of Tags.csv rows is cut between tasks (128-byte ranges of ~10 rows)."""
    import csv

    import multilabeltext.spark.prepare as spark_prepare
    from multilabeltext.spark import csv_ranges

    if joins == "sort-merge":
        monkeypatch.setattr(spark_prepare, "BROADCAST_MAX_QUESTIONS", 0)
    if joins == "small-ranges":
        monkeypatch.setattr(csv_ranges, "RANGE_BYTES", 2048)  # Tags.csv (a sixteenth): 128 bytes a range

    dump = tmp_path / "dump"
    dump.mkdir()
    tags = ["pandas", "numpy", "django", "flask", "regex"]
    with open(dump / "Questions.csv", "w", encoding="latin-1", newline="") as q, \
            open(dump / "Answers.csv", "w", encoding="latin-1", newline="") as a, \
            open(dump / "Tags.csv", "w", encoding="latin-1", newline="") as t:
        qw, aw, tw = csv.writer(q), csv.writer(a), csv.writer(t)
        qw.writerow(["Id", "OwnerUserId", "CreationDate", "Score", "Title", "Body"])
        aw.writerow(["Id", "OwnerUserId", "CreationDate", "ParentId", "Score", "Body"])
        tw.writerow(["Id", "Tag"])
        for i in range(1, 121):
            qw.writerow([i, "NA", "2016-01-01T00:00:00Z", 1, f"Caf\xe9 question {i} about {tags[i % 5]}",
                         f'<p>Body "{i}" with\nnew lines</p>\n<pre><code>x = {i}\n</code></pre>'])
            for k in range(i % 3):
                aw.writerow([1000 + 3 * i + k, "NA", "2016-01-02T00:00:00Z", i, (k * 7) % 5,
                             f"<p>Answer {k} na\xefve\nline two</p>"])
            tw.writerow([i, "python"])
            tw.writerow([i, tags[i % 5]])
            if i % 7 == 0:
                tw.writerow([i, tags[(i + 1) % 5]])
            if i % 2 == 0:  # a second or third kept tag: their order in the file must survive the runs' join
                tw.writerow([i, tags[(i + 3) % 5]])
        aw.writerow([9999, "NA", "2016-01-02T00:00:00Z", 5000, 1, "<p>an orphan</p>"])
        # no kept tag and no text of its own: its answers decide "no kept tag" (embedded) over "empty text"
        qw.writerow([200, "NA", "2016-01-01T00:00:00Z", 1, "", "<p></p>"])
        aw.writerow([9998, "NA", "2016-01-02T00:00:00Z", 200, 1, "<p>the answer has text</p>"])
        tw.writerow([200, "python"])
    options = ["--top-n", "4", "--exclude-tag", "python", "--max-answers", "1"]
    embedded = prepare_ok([dump / "Questions.csv"], tmp_path / "e", *options)
    on_spark = prepare_spark_ok([dump / "Questions.csv"], tmp_path / "s", *options)
    a, b = read_all(on_spark), read_all(embedded)
    for column in ("id", "text", "tags", "row"):
        assert a[column].tolist() == b[column].tolist(), column
    assert "Caf\xe9" in a["text"][0] and "na\xefve" in " ".join(a["text"])
    ca, cb = read_manifest_json(on_spark)["counts"], read_manifest_json(embedded)["counts"]
    for key in SAME_COUNTS:
        assert ca.get(key) == cb.get(key), key
    assert ca["answers_orphaned"] == 1 and read_manifest_json(on_spark)["source"]["encoding"] == "latin-1"
    assert ca["empty_text"] == 0 and ca["no_kept_tag"] >= 1


def test_jsonl_rows_without_a_named_key_are_malformed_on_both_engines(spark, tmp_path):  # noqa: F811
    """JSON Lines whose keys change: a row missing a column the first lines named is malformed, with the same
    reason and line on both engines; extra keys, another key order and blank lines are fine."""
    tags = ["pandas", "numpy", "django"]
    lines = []
    for i in range(90):
        row = {"id": i, "text": f"question {i} about {tags[i % 3]} and more words", "tags": [tags[i % 3]]}
        if i % 10 == 3:
            row = {"tags": row["tags"], "text": row["text"], "id": i, "extra": "ignored"}  # another order, a new key
        if i % 10 == 5:
            del row["tags"]  # malformed: no key 'tags'
        if i % 17 == 8:
            del row["text"]
        lines.append(json.dumps(row))
        if i == 40:
            lines += ["", "[1, 2]", "{not json"]
    data = tmp_path / "changing.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    embedded = prepare_ok([data], tmp_path / "e", "--top-n", "3")
    on_spark = prepare_spark_ok([data], tmp_path / "s", "--top-n", "3")
    ca, cb = read_manifest_json(on_spark)["counts"], read_manifest_json(embedded)["counts"]
    for key in SAME_COUNTS:
        assert ca.get(key) == cb.get(key), key
    assert ca["malformed_examples"] == cb["malformed_examples"]
    missing = sum(1 for i in range(90) if i % 10 == 5 or i % 17 == 8)  # no 'tags', no 'text'
    assert ca["malformed"] == missing + 2  # and the two lines that are not JSON objects
    assert any("no key 'tags'" in str(example) for example in ca["malformed_examples"])
    a, b = read_all(on_spark), read_all(embedded)
    assert a["id"].tolist() == b["id"].tolist() and len(a) == 90 - missing



def test_a_session_limit_on_records_per_file_still_gives_one_file_per_split(spark, tmp_path):  # noqa: F811
    """Spark writes each split file in one task; a session's ``maxRecordsPerFile`` (which would cut it into several
    part files) does not apply to it."""
    spark.conf.set("spark.sql.files.maxRecordsPerFile", "50")
    try:
        out = prepare_spark_ok([BEER_XML], tmp_path / "limited", "--top-n", "20")
    finally:
        spark.conf.unset("spark.sql.files.maxRecordsPerFile")
    manifest = read_manifest_json(out)
    assert manifest["counts"]["splits"]["train"] > 50
    for s in SPLITS:
        assert len(read_split(out, s)) == manifest["counts"]["splits"][s], s
