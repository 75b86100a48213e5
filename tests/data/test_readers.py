"""Every input format, read from the real samples (or a small fixture of the real layout), through the CLI.

Expected values come from reading the raw files independently (pandas, ElementTree, plain Python), not
from the library.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import (
    BEER_XML,
    COOKING_ID,
    COOKING_TXT,
    FIRST_POSTS_XML,
    HISTORY_CSV,
    MOVIES_CSV,
    PYQ_SAMPLE,
    SEDE_1,
    SEDE_2,
    SO_TITLES,
    YASIR_POST_TAGS,
    YASIR_QUESTIONS,
    YASIR_TAGS,
    prepare_ok,
    read_all,
    read_labels_json,
    read_manifest_json,
)

from multilabeltext.data.cleaning import html_to_text
from multilabeltext.data.readers import detect_format


def angle_tags(value: str) -> list[str]:
    """``<a><b>`` or ``|a|b|`` -> ``['a', 'b']`` (an independent re-implementation for expectations)."""
    if value.startswith("|"):
        return [t.lower() for t in value.strip("|").split("|") if t]
    return [t.lower() for t in re.findall(r"<([^<>]+)>", value)]


def xml_rows(path: Path) -> list[dict[str, str]]:
    return [el.attrib for el in ET.parse(path).getroot() if el.tag == "row"]


def source_paths(manifest: dict) -> list[str]:
    return [Path(f["path"]).name for f in manifest["source"]["files"]]


# ------------------------------------------------------------------------------------------ Kaggle


def test_kaggle_post_tags_triple(tmp_path):
    """Questions.csv + PostTags.csv + Tags.csv (real top-100 sample): tags come through PostTags -> Tags."""
    out = prepare_ok(YASIR_QUESTIONS, tmp_path / "ds", "--split", "none")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "kaggle"
    assert set(source_paths(manifest)) >= {YASIR_QUESTIONS.name, YASIR_TAGS.name, YASIR_POST_TAGS.name}

    questions = pd.read_csv(YASIR_QUESTIONS, dtype=str, keep_default_na=False)
    names = dict(pd.read_csv(YASIR_TAGS, dtype=str, keep_default_na=False).set_index("Id")["TagName"].str.lower().items())
    expected: dict[str, list[str]] = {}
    for post, tag_id in csv.reader(YASIR_POST_TAGS.open(encoding="utf-8")):
        if post != "PostId":
            expected.setdefault(post, []).append(names[tag_id])

    rows = read_all(out)
    assert manifest["counts"]["questions_read"] == len(questions) == 100
    assert len(rows) == 100
    assert set(rows["id"]) == set(questions["Id"])
    got = dict(zip(rows["id"], rows["tags"]))
    for post, tags in expected.items():
        assert sorted(got[post]) == sorted(tags), post
    assert sum(len(t) for t in rows["tags"]) == sum(len(t) for t in expected.values()) == len(
        pd.read_csv(YASIR_POST_TAGS, dtype=str))
    assert read_labels_json(out) == sorted(set(names[t] for t in pd.read_csv(YASIR_POST_TAGS, dtype=str)["TagId"]))
    titles = dict(zip(questions["Id"], questions["Title"]))
    for post, text in zip(rows["id"], rows["text"]):
        assert text.startswith(titles[post])


KAGGLE_QUESTIONS = [
    # Id, OwnerUserId, CreationDate, Score, Title, Body
    ("100", "7", "2016-10-13T01:02:03Z", "4", "Read a café menu with pandas",
     "<p>I keep a café menu in a CSV file, prices in £ &amp; naïve parsing fails.</p>\n"
     "<pre><code>df = pd.read_csv(\"menu.csv\")\nprint(df)\n</code></pre>\n<p>What is wrong?</p>"),
    ("200", "NA", "2016-10-14T01:02:03Z", "1", "Match a word with a regex",
     "<p>How do I match <code>façade</code> as a whole word?</p>"),
    ("300", "9", "2016-10-15T01:02:03Z", "0", "Django view returns 404",
     "<p>My view raises Http404, why?</p>"),
    ("400", "11", "2016-10-16T01:02:03Z", "2", "Sum a numpy array along an axis",
     "<p>I need <code>np.sum</code> over rows.</p>"),
]
KAGGLE_ANSWERS = [
    # Id, OwnerUserId, CreationDate, ParentId, Score, Body  (interleaved, not in score order)
    ("101", "3", "2016-10-13T02:00:00Z", "100", "3", "<p>ANSWERMIDDLE pass <code>encoding='latin-1'</code>.</p>"),
    ("201", "4", "2016-10-14T02:00:00Z", "200", "1", "<p>ANSWERREGEXLOW use <code>\\b</code>.</p>"),
    ("102", "5", "2016-10-13T03:00:00Z", "100", "10", "<p>ANSWERBEST the file is ISO-8859-1 (déjà vu).</p>"),
    ("202", "6", "2016-10-14T03:00:00Z", "200", "5", "<p>ANSWERREGEXHIGH <pre><code>re.search(r'\\bx\\b', s)</code></pre></p>"),
    ("103", "8", "2016-10-13T04:00:00Z", "100", "-1", "<p>ANSWERWORST reinstall Python.</p>"),
    ("901", "8", "2016-10-13T04:00:00Z", "999", "7", "<p>ANSWERORPHAN its question is not in the dump.</p>"),
]
KAGGLE_TAGS = [("100", "python"), ("100", "pandas"), ("200", "python"), ("200", "regex"), ("300", "python"),
               ("300", "django"), ("400", "python"), ("400", "numpy")]


def write_latin1_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with open(path, "w", encoding="iso-8859-1", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def kaggle_dump(tmp_path) -> Path:
    """A tiny dump in the Kaggle pythonquestions layout, ISO-8859-1 encoded like the real one."""
    d = tmp_path / "pythonquestions"
    d.mkdir()
    write_latin1_csv(d / "Questions.csv", ["Id", "OwnerUserId", "CreationDate", "Score", "Title", "Body"],
                     KAGGLE_QUESTIONS)
    write_latin1_csv(d / "Answers.csv", ["Id", "OwnerUserId", "CreationDate", "ParentId", "Score", "Body"],
                     KAGGLE_ANSWERS)
    write_latin1_csv(d / "Tags.csv", ["Id", "Tag"], KAGGLE_TAGS)
    raw = (d / "Questions.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the fixture really is latin-1, not UTF-8
    return d


def _texts(out: Path) -> dict[str, str]:
    rows = read_all(out)
    return dict(zip(rows["id"], rows["text"]))


def test_kaggle_pythonquestions_triple(kaggle_dump, tmp_path):
    out = prepare_ok(kaggle_dump / "Questions.csv", tmp_path / "ds", "--split", "none")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "kaggle"
    assert manifest["source"]["encoding"].lower().replace("_", "-") in ("latin-1", "iso-8859-1")
    assert set(source_paths(manifest)) == {"Questions.csv", "Answers.csv", "Tags.csv"}
    counts = manifest["counts"]
    assert counts["questions_read"] == 4
    assert counts["answers_read"] == 6
    assert counts["answers_joined"] == 5
    assert counts["answers_orphaned"] == 1

    rows = read_all(out)
    assert dict(zip(rows["id"], map(sorted, rows["tags"]))) == {
        "100": ["pandas", "python"], "200": ["python", "regex"], "300": ["django", "python"],
        "400": ["numpy", "python"]}
    texts = dict(zip(rows["id"], rows["text"]))
    q100 = texts["100"]
    # latin-1 decoded correctly, HTML cleaned (entities, tags), code blocks kept by default
    assert q100.startswith("Read a café menu with pandas I keep a café menu in a CSV file, prices in £ & naïve")
    assert 'df = pd.read_csv("menu.csv")' in q100
    assert "<p>" not in q100 and "&amp;" not in q100
    assert "déjà vu" in q100
    # answers joined to their question by ParentId, best score first
    assert q100.index("ANSWERBEST") < q100.index("ANSWERMIDDLE") < q100.index("ANSWERWORST")
    assert q100.index("What is wrong?") < q100.index("ANSWERBEST")
    assert "ANSWERREGEX" not in q100
    assert texts["200"].index("ANSWERREGEXHIGH") < texts["200"].index("ANSWERREGEXLOW")
    assert "ANSWER" not in texts["200"].replace("ANSWERREGEX", "")
    assert texts["300"] == "Django view returns 404 My view raises Http404, why?"
    assert "ANSWERORPHAN" not in " ".join(texts.values())


def test_kaggle_triple_given_as_three_files_is_one_dump(kaggle_dump, tmp_path):
    """`prepare Answers.csv Questions.csv Tags.csv` (the triple typed out, any order) reads the dump once: it
    failed with "Answers.csv: file not found" (each file was taken for a dump of its own)."""
    whole = read_all(prepare_ok(kaggle_dump, tmp_path / "dir", "--split", "none"))
    given = [kaggle_dump / name for name in ("Answers.csv", "Tags.csv", "Questions.csv")]
    out = prepare_ok(given, tmp_path / "files", "--split", "none")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "kaggle"
    assert sorted(source_paths(manifest)) == ["Answers.csv", "Questions.csv", "Tags.csv"]
    assert manifest["counts"]["questions_read"] == 4 and manifest["counts"]["answers_joined"] == 5
    assert read_all(out).equals(whole)


def test_kaggle_max_answers(kaggle_dump, tmp_path):
    one = _texts(prepare_ok(kaggle_dump / "Questions.csv", tmp_path / "one", "--split", "none", "--max-answers", "1"))
    assert "ANSWERBEST" in one["100"]
    assert "ANSWERMIDDLE" not in one["100"] and "ANSWERWORST" not in one["100"]
    assert "ANSWERREGEXHIGH" in one["200"] and "ANSWERREGEXLOW" not in one["200"]
    assert read_manifest_json(tmp_path / "one")["counts"]["answers_joined"] == 2

    two = _texts(prepare_ok(kaggle_dump / "Questions.csv", tmp_path / "two", "--split", "none", "--max-answers", "2"))
    assert "ANSWERBEST" in two["100"] and "ANSWERMIDDLE" in two["100"] and "ANSWERWORST" not in two["100"]

    none = _texts(prepare_ok(kaggle_dump / "Questions.csv", tmp_path / "zero", "--split", "none", "--max-answers", "0"))
    assert "ANSWER" not in " ".join(none.values())


def test_kaggle_questions_only_does_not_read_answers(kaggle_dump, tmp_path):
    out = prepare_ok(kaggle_dump, tmp_path / "ds", "--split", "none", "--fields", "title,body")  # a directory
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "kaggle"
    assert "Answers.csv" not in source_paths(manifest)
    assert "ANSWER" not in " ".join(_texts(out).values())


def test_kaggle_utf8_dump_is_read_as_utf8(kaggle_dump, tmp_path):
    """Re-encoded as UTF-8 (as some mirrors ship it), the same dump reads to the same texts."""
    d = tmp_path / "utf8"
    d.mkdir()
    for f in kaggle_dump.iterdir():
        (d / f.name).write_text(f.read_text(encoding="iso-8859-1"), encoding="utf-8")
    latin = _texts(prepare_ok(kaggle_dump / "Questions.csv", tmp_path / "a", "--split", "none"))
    utf8 = _texts(prepare_ok(d / "Questions.csv", tmp_path / "b", "--split", "none"))
    assert utf8 == latin
    assert read_manifest_json(tmp_path / "b")["source"]["encoding"].lower().replace("_", "-") in ("utf-8", "utf8")


# --------------------------------------------------------------------------------------- Posts.xml


def test_posts_xml_beer(tmp_path):
    rows_xml = xml_rows(BEER_XML)
    kinds = Counter(r["PostTypeId"] for r in rows_xml)
    assert (kinds["1"], kinds["2"], len(rows_xml) - kinds["1"] - kinds["2"]) == (454, 1074, 48)

    out = prepare_ok(BEER_XML, tmp_path / "beer")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "posts-xml"
    counts = manifest["counts"]
    assert (counts["questions_read"], counts["answers_read"], counts["other_posts"]) == (454, 1074, 48)
    assert counts["answers_joined"] == 1074 and counts.get("answers_orphaned", 0) == 0

    questions = {r["Id"]: r for r in rows_xml if r["PostTypeId"] == "1"}
    rows = read_all(out)
    assert len(rows) == counts["kept"] == 454 - counts["duplicates"]
    assert set(rows["id"]) <= set(questions)
    for qid, tags in zip(rows["id"], rows["tags"]):
        assert tags == angle_tags(questions[qid]["Tags"]), qid

    # the question with the most answers: every answer's text is in its text, best score first
    answers = [r for r in rows_xml if r["PostTypeId"] == "2"]
    parent, _ = Counter(a["ParentId"] for a in answers).most_common(1)[0]
    mine = sorted((a for a in answers if a["ParentId"] == parent), key=lambda a: -int(a["Score"]))
    text = dict(zip(rows["id"], rows["text"]))[parent]
    assert text.startswith(questions[parent]["Title"])
    positions = [text.find(html_to_text(a["Body"])[:60]) for a in mine]
    assert all(p > 0 for p in positions)
    scores = [int(a["Score"]) for a in mine]
    for (p1, s1), (p2, s2) in zip(zip(positions, scores), zip(positions[1:], scores[1:])):
        if s1 > s2:
            assert p1 < p2


def test_posts_xml_first_posts(tmp_path):
    rows_xml = xml_rows(FIRST_POSTS_XML)
    questions = {r["Id"]: r for r in rows_xml if r["PostTypeId"] == "1"}
    assert len(questions) == 35
    out = prepare_ok(FIRST_POSTS_XML, tmp_path / "first", "--split", "none")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "posts-xml"
    assert manifest["counts"]["questions_read"] == 35
    rows = read_all(out)
    assert set(rows["id"]) == set(questions)
    assert dict(zip(rows["id"], rows["tags"])) == {q: angle_tags(r["Tags"]) for q, r in questions.items()}
    assert "c#" in read_labels_json(out)


# --------------------------------------------------------------------------------------- Posts.csv


def test_posts_csv_with_post_type(tmp_path):
    """A Posts.csv dump with PostTypeId: questions, answers joined by ParentId, other types skipped."""
    posts = pd.read_csv(HISTORY_CSV, dtype=str, keep_default_na=False)
    questions = posts[posts["PostTypeId"] == "1"]
    answers = posts[posts["PostTypeId"] == "2"]
    out = prepare_ok(HISTORY_CSV, tmp_path / "history", "--split", "none")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "posts-csv"
    counts = manifest["counts"]
    assert counts["questions_read"] == len(questions) == 786
    assert counts["answers_read"] == len(answers) == 1459
    assert counts["other_posts"] == len(posts) - len(questions) - len(answers) == 32
    assert counts["answers_joined"] == int(answers["ParentId"].isin(questions["Id"]).sum())

    rows = read_all(out)
    assert set(rows["id"]) <= set(questions["Id"])
    expected_tags = dict(zip(questions["Id"], questions["Tags"].map(angle_tags)))
    assert all(tags == expected_tags[i] for i, tags in zip(rows["id"], rows["tags"]))
    texts = dict(zip(rows["id"], rows["text"]))
    parent = answers["ParentId"].value_counts().index[0]
    for body in answers.loc[answers["ParentId"] == parent, "Body"]:
        assert html_to_text(body)[:60] in texts[parent]
    other_bodies = posts.loc[~posts["PostTypeId"].isin(["1", "2"]), "Body"].map(html_to_text)
    joined = " ".join(texts.values())
    assert not any(b and len(b) > 40 and b in joined for b in other_bodies)


def test_posts_csv_without_post_type(tmp_path):
    """An early dump as CSV (no PostTypeId, a UTF-8 BOM): every row is a question, ids from the Id column."""
    posts = pd.read_csv(MOVIES_CSV, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out = prepare_ok(MOVIES_CSV, tmp_path / "movies", "--split", "none", "--no-dedupe")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "posts-csv"
    assert manifest["counts"]["questions_read"] == len(posts) == 2239
    rows = read_all(out)
    assert list(rows["id"]) == list(posts["Id"])
    assert list(rows["tags"]) == [angle_tags(t) for t in posts["Tags"]]
    assert all(text.startswith(" ".join(title.split())) for text, title in zip(rows["text"], posts["Title"]))


def test_sede_exports_both_files_in_one_run(tmp_path):
    first = pd.read_csv(SEDE_1, dtype=str, keep_default_na=False)
    second = pd.read_csv(SEDE_2, dtype=str, keep_default_na=False)
    out = prepare_ok([SEDE_1, SEDE_2], tmp_path / "sede", "--split", "none", "--no-dedupe")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "posts-csv"
    assert source_paths(manifest) == [SEDE_1.name, SEDE_2.name]
    assert manifest["counts"]["questions_read"] == len(first) + len(second) == 711
    rows = read_all(out)
    assert list(rows["id"]) == list(first["Id"]) + list(second["Id"])
    expected = [angle_tags(t) for t in pd.concat([first["Tags"], second["Tags"]])]
    assert list(rows["tags"]) == expected
    all_tags = sorted({t for tags in expected for t in tags})
    assert read_labels_json(out) == all_tags


# ---------------------------------------------------------------------------------------- fastText


def test_fasttext_cooking(tmp_path):
    lines = COOKING_TXT.read_text(encoding="utf-8").splitlines()
    ids = COOKING_ID.read_text(encoding="utf-8").split()
    assert len(lines) == len(ids) == 15404
    out = prepare_ok(COOKING_TXT, tmp_path / "cooking", "--no-dedupe")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "fasttext"
    assert COOKING_ID.name in source_paths(manifest)
    assert manifest["counts"]["questions_read"] == 15404
    rows = read_all(out)
    assert len(rows) == 15404
    assert list(rows["id"]) == ids
    expected_tags = [list(dict.fromkeys(w[9:] for w in line.split() if w.startswith("__label__"))) for line in lines]
    assert list(rows["tags"]) == expected_tags
    assert list(rows["text"]) == [" ".join(w for w in line.split() if not w.startswith("__label__")) for line in lines]
    assert len(read_labels_json(out)) == len({t for tags in expected_tags for t in tags}) == 736


# ------------------------------------------------------------------------------------------- tables


def test_table_tsv_so_titles(tmp_path):
    table = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False)
    assert len(table) == 50498
    out = prepare_ok(SO_TITLES, tmp_path / "so", "--text-column", "title", "--label-column", "tags", "--no-dedupe")
    manifest = read_manifest_json(out)
    assert manifest["source"]["format"] == "table"
    rows = read_all(out)
    assert len(rows) == manifest["counts"]["kept"] == 50498
    assert list(rows["tags"]) == [ast.literal_eval(t) for t in table["tags"]]
    assert list(rows["text"]) == [" ".join(t.split()) for t in table["title"]]
    assert list(rows["id"]) == [str(i) for i in range(1, len(table) + 1)]  # no id column: row numbers
    assert len(read_labels_json(out)) == 100


def test_table_csv_pythonquestions_sample(tmp_path):
    table = pd.read_csv(PYQ_SAMPLE, dtype=str, keep_default_na=False)
    out = prepare_ok(PYQ_SAMPLE, tmp_path / "pyq", "--text-column", "clean", "--label-column", "Actual",
                     "--id-column", "ParentId")
    rows = read_all(out)
    assert len(rows) == 1000
    labels = read_labels_json(out)
    assert labels == ["dictionary", "django", "list", "matplotlib", "numpy", "pandas", "python-2.7", "python-3.x",
                      "regex", "tkinter"]
    assert sum(len(t) for t in rows["tags"]) == 1178
    assert list(rows["id"]) == list(table["ParentId"])
    assert list(rows["tags"]) == [ast.literal_eval(t) for t in table["Actual"]]
    assert "Predictions" not in " ".join(rows["text"][:5])


def _sample_titles(n: int = 120) -> pd.DataFrame:
    table = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False, nrows=5000)
    sample = table.iloc[::40].head(n).reset_index(drop=True)
    sample["tag_list"] = sample["tags"].map(ast.literal_eval)
    return sample


def test_table_jsonl_with_label_lists(tmp_path):
    sample = _sample_titles()
    path = tmp_path / "titles.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i, row in sample.iterrows():
            f.write(json.dumps({"id": f"q{i}", "text": row["title"], "labels": row["tag_list"]}) + "\n")
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--no-dedupe")
    assert read_manifest_json(out)["source"]["format"] == "table"
    rows = read_all(out)
    assert list(rows["id"]) == [f"q{i}" for i in range(len(sample))]
    assert list(rows["tags"]) == list(sample["tag_list"])
    assert list(rows["text"]) == [" ".join(t.split()) for t in sample["title"]]


def test_table_jsonl_with_delimited_labels(tmp_path):
    sample = _sample_titles()
    path = tmp_path / "titles.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for _, row in sample.iterrows():
            f.write(json.dumps({"title": row["title"], "tags": ";".join(row["tag_list"])}) + "\n")
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--no-dedupe", "--label-delimiter", ";")
    rows = read_all(out)
    assert list(rows["tags"]) == list(sample["tag_list"])


def test_table_parquet_with_label_lists(tmp_path):
    sample = _sample_titles()
    path = tmp_path / "titles.parquet"
    pq.write_table(pa.table({"title": sample["title"].tolist(), "tags": sample["tag_list"].tolist(),
                             "id": [f"p{i}" for i in range(len(sample))]}), path)
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--no-dedupe")
    assert read_manifest_json(out)["source"]["format"] == "table"
    rows = read_all(out)
    assert list(rows["id"]) == [f"p{i}" for i in range(len(sample))]
    assert list(rows["tags"]) == list(sample["tag_list"])
    assert list(rows["text"]) == [" ".join(t.split()) for t in sample["title"]]


def test_table_parquet_with_delimited_labels(tmp_path):
    sample = _sample_titles()
    path = tmp_path / "titles.parquet"
    pd.DataFrame({"question": sample["title"], "categories": sample["tag_list"].map("|".join)}).to_parquet(path)
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--no-dedupe", "--text-column", "question",
                     "--label-column", "categories", "--label-delimiter", "|")
    rows = read_all(out)
    assert list(rows["tags"]) == list(sample["tag_list"])


def test_table_joins_several_text_columns(tmp_path):
    path = tmp_path / "posts.csv"
    pd.DataFrame({"headline": ["Sort a dict", "Parse JSON"], "details": ["by value", "in Python"],
                  "labels": ["python,dictionary", "python json"]}).to_csv(path, index=False)
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--text-column", "headline", "--text-column", "details")
    rows = read_all(out)
    assert list(rows["text"]) == ["Sort a dict by value", "Parse JSON in Python"]
    assert list(rows["tags"]) == [["python", "dictionary"], ["python", "json"]]


# ---------------------------------------------------------------------------------------- detection


def _jsonl(tmp_path: Path) -> Path:
    p = tmp_path / "t.jsonl"
    p.write_text('{"text": "a b", "labels": ["x"]}\n', encoding="utf-8")
    return p


def _parquet(tmp_path: Path) -> Path:
    p = tmp_path / "t.parquet"
    pd.DataFrame({"text": ["a b"], "labels": [["x"]]}).to_parquet(p)
    return p


def _kaggle_dir(tmp_path: Path) -> Path:
    d = tmp_path / "dump"
    d.mkdir()
    write_latin1_csv(d / "Questions.csv", ["Id", "OwnerUserId", "CreationDate", "Score", "Title", "Body"],
                     KAGGLE_QUESTIONS)
    write_latin1_csv(d / "Tags.csv", ["Id", "Tag"], KAGGLE_TAGS)
    return d


def _posts_xml_dir(tmp_path: Path) -> Path:
    d = tmp_path / "site"
    d.mkdir()
    (d / "Posts.xml").write_bytes(FIRST_POSTS_XML.read_bytes()[:4000].rsplit(b"\n", 1)[0] + b"\n")
    return d


def _fasttext_no_suffix(tmp_path: Path) -> Path:
    p = tmp_path / "cooking.train"
    p.write_text("__label__baking __label__bread Why does my bread not rise?\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("make_path, expected", [
    (lambda t: YASIR_QUESTIONS, "kaggle"),
    (_kaggle_dir, "kaggle"),
    (lambda t: _kaggle_dir(t) / "Questions.csv", "kaggle"),
    (lambda t: BEER_XML, "posts-xml"),
    (lambda t: FIRST_POSTS_XML, "posts-xml"),
    (_posts_xml_dir, "posts-xml"),
    (lambda t: HISTORY_CSV, "posts-csv"),
    (lambda t: MOVIES_CSV, "posts-csv"),
    (lambda t: SEDE_1, "posts-csv"),
    (lambda t: SEDE_2, "posts-csv"),
    (lambda t: COOKING_TXT, "fasttext"),
    (_fasttext_no_suffix, "fasttext"),
    (lambda t: SO_TITLES, "table"),
    (lambda t: PYQ_SAMPLE, "table"),
    (_jsonl, "table"),
    (_parquet, "table"),
], ids=["kaggle-posttags", "kaggle-dir", "kaggle-questions", "xml-beer", "xml-first-posts", "xml-dir",
        "csv-history", "csv-movies", "csv-sede1", "csv-sede2", "fasttext-cooking", "fasttext-no-suffix",
        "tsv-so-titles", "csv-pyq", "jsonl", "parquet"])
def test_detect_format(tmp_path, make_path, expected):
    path = make_path(tmp_path)
    assert detect_format([Path(path)]) == expected
