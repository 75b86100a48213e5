"""Bad input through the real CLI: exit code 2, a message naming the file (and line), a ``Fix:`` line, no traceback.

Most cases run in-process (typer's CliRunner); a few run ``python -m multilabeltext`` / ``processing.py`` in a
subprocess, where a traceback would really reach the user's terminal.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from conftest import (
    BEER_XML,
    SO_TITLES,
    SPLITS,
    YASIR_POST_TAGS,
    YASIR_QUESTIONS,
    describe,
    prepare_ok,
    read_all,
    read_labels_json,
    read_manifest_json,
    read_split,
    run_cli,
    run_python,
)

FORMATS = ("kaggle", "posts-xml", "posts-csv", "fasttext", "table")


def prepare(*args):
    return run_cli("prepare", *args, "--jobs", "1")


def assert_user_error(result, *mentions: str, line: int | None = None, path: Path | None = None) -> str:
    """Exit code 2, each of ``mentions`` in stderr, ``path[:line]`` named, a Fix: line, no traceback."""
    info = describe(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), info
    assert result.exit_code == 2, info
    assert "Traceback" not in result.output, info
    err = result.stderr
    assert "Error:" in err, info
    assert any(line_.startswith("Fix:") for line_ in err.splitlines()), info
    if path is not None:
        where = f"{path}:{line}" if line is not None else str(path)
        assert where in err, f"expected the message to name {where}\n{info}"
    for m in mentions:
        assert m in err, f"expected {m!r} in the message\n{info}"
    return err


def sample_titles(n: int) -> pd.DataFrame:
    return pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False, nrows=n)[["title", "tags"]]


# ------------------------------------------------------------------------------------------ inputs


def test_missing_file(tmp_path):
    missing = tmp_path / "Questions.csv"
    assert_user_error(prepare(missing, "--out", tmp_path / "ds"), "not found", path=missing)
    assert not (tmp_path / "ds").exists()


def test_second_input_missing(tmp_path):
    missing = tmp_path / "QueryResults2.csv"
    assert_user_error(prepare(SO_TITLES, missing, "--out", tmp_path / "ds"), "not found", path=missing)


def test_table_without_the_label_column(tmp_path):
    path = tmp_path / "titles.csv"
    sample_titles(20)[["title"]].to_csv(path, index=False)
    err = assert_user_error(prepare(path, "--out", tmp_path / "ds"), "tags", "title", path=path)
    assert "--label-column" in err


def test_table_with_a_misnamed_label_column(tmp_path):
    path = tmp_path / "titles.csv"
    sample_titles(20).to_csv(path, index=False)
    assert_user_error(prepare(path, "--out", tmp_path / "ds", "--label-column", "labels"), "labels", "--label-column",
                      path=path)


def test_table_with_a_misnamed_text_column(tmp_path):
    path = tmp_path / "titles.jsonl"
    sample_titles(20).to_json(path, orient="records", lines=True)
    assert_user_error(prepare(path, "--out", tmp_path / "ds", "--text-column", "body"), "body", "--text-column",
                      path=path)


def test_posts_csv_without_tags(tmp_path):
    path = tmp_path / "QueryResults.csv"
    pd.DataFrame({"Id": ["1", "2"], "Title": ["Sort a dict", "Parse JSON"],
                  "Body": ["<p>How?</p>", "<p>Which lib?</p>"]}).to_csv(path, index=False)
    err = assert_user_error(prepare(path, "--out", tmp_path / "ds", "--format", "posts-csv"), "Tags", path=path)
    assert "Title, Body" in err or "Id, Title, Body" in err  # lists the columns it found


# ---------------------------------------------------------------------------------------- encodings

BAD_LINE = 60  # the line holding the first non-UTF-8 byte in each fixture below


def _latin1_lines(tmp_path: Path, kind: str) -> tuple[Path, list[str]]:
    """A file whose line BAD_LINE (1-based) holds 'café' encoded as ISO-8859-1; every other line is ASCII."""
    if kind == "table-csv":
        name, header, make = "titles.csv", ["text,tags"], lambda i, w: f"question {w} number {i},tag{i % 3}"
    elif kind == "posts-csv":
        name, header, make = "QueryResults.csv", ["Id,Title,Body,Tags"], \
            lambda i, w: f'{i},Question {w} {i},"<p>body {i}</p>",<tag{i % 3}>'
    elif kind == "posts-xml":
        name, header = "Posts.xml", ['<?xml version="1.0" encoding="utf-8"?>', "<posts>"]
        make = lambda i, w: (f'  <row Id="{i}" PostTypeId="1" Title="Question {w} {i}" '  # noqa: E731
                             f'Body="&lt;p&gt;body {i}&lt;/p&gt;" Tags="&lt;tag{i % 3}&gt;" />')
    elif kind == "fasttext":
        name, header, make = "train.txt", [], lambda i, w: f"__label__tag{i % 3} question {w} number {i}"
    else:  # jsonl
        name, header, make = "titles.jsonl", [], lambda i, w: json.dumps({"text": f"question {w} {i}",
                                                                          "tags": [f"tag{i % 3}"]},
                                                                         ensure_ascii=False)
    lines = list(header)
    i = 0
    while len(lines) < BAD_LINE + 20:
        i += 1
        lines.append(make(i, "café" if len(lines) + 1 == BAD_LINE else "plain"))
    if kind == "posts-xml":
        lines.append("</posts>")
    path = tmp_path / name
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    raw_lines = path.read_bytes().split(b"\n")
    assert b"caf\xe9" in raw_lines[BAD_LINE - 1] and all(ln.isascii() for ln in raw_lines[:BAD_LINE - 1])
    return path, lines


@pytest.mark.parametrize("kind", ["table-csv", "posts-csv", "posts-xml", "fasttext", "jsonl"])
def test_wrong_encoding_names_the_line_and_suggests_latin1(tmp_path, kind):
    path, _ = _latin1_lines(tmp_path, kind)
    result = prepare(path, "--out", tmp_path / "ds")
    assert_user_error(result, "utf-8", "--encoding latin-1", path=path, line=BAD_LINE)
    assert not (tmp_path / "ds").exists()


@pytest.mark.parametrize("kind", ["table-csv", "posts-csv", "posts-xml", "fasttext", "jsonl"])
def test_right_encoding_reads_the_file(tmp_path, kind):
    path, _ = _latin1_lines(tmp_path, kind)
    out = prepare_ok(path, tmp_path / "ds", "--encoding", "latin-1", "--split", "none")
    assert any("café" in text for text in read_all(out)["text"])


def test_undecodable_byte_in_a_non_utf8_encoding_names_the_line(tmp_path):
    """cp1252 leaves 0x81 undefined: the CSV reader decodes other encodings itself, a megabyte at a time, and a bad
    byte far into the file still gives the file, the line and the fix (and blocks of rows before it decode)."""
    rows = [f"{i},question number {i} about café,tag{i % 3}" for i in range(1, 30_001)]
    bad = 25_000  # a row past the first megabyte: the error comes from a later block
    rows[bad - 2] = f"{bad - 1},a byte cp1252 lacks: \x81 here,tag0"
    path = tmp_path / "titles.csv"
    path.write_bytes(("Id,Title,Tags\n" + "\n".join(rows) + "\n").encode("latin-1"))
    assert path.stat().st_size > 1 << 20
    result = prepare(path, "--out", tmp_path / "ds", "--encoding", "cp1252", "--text-column", "Title",
                     "--label-column", "Tags")
    assert_user_error(result, "cp1252", "0x81", path=path, line=bad)
    assert not (tmp_path / "ds").exists()
    fine = prepare_ok(path, tmp_path / "latin1", "--encoding", "latin-1", "--text-column", "Title",
                      "--label-column", "Tags", "--split", "none")
    assert sum("café" in text for text in read_all(fine)["text"]) == 30_000 - 1


# ------------------------------------------------------------------------------------ malformed rows


MALFORMED_XML_LINE = 7


@pytest.fixture
def posts_xml_with_a_bad_row(tmp_path) -> Path:
    """The first rows of the real beer dump, with line 7 broken (an attribute's closing quote lost)."""
    lines = BEER_XML.read_text(encoding="utf-8-sig").splitlines()[:40]
    assert lines[MALFORMED_XML_LINE - 1].lstrip().startswith("<row")
    lines[MALFORMED_XML_LINE - 1] = lines[MALFORMED_XML_LINE - 1].replace('" Score=', ' Score=', 1)
    path = tmp_path / "Posts.xml"
    path.write_text("\n".join(lines + ["</posts>"]) + "\n", encoding="utf-8")
    with pytest.raises(ET.ParseError):
        ET.fromstring(lines[MALFORMED_XML_LINE - 1].strip())
    return path


def test_malformed_xml_row_is_skipped_and_counted(tmp_path, posts_xml_with_a_bad_row):
    result = prepare(posts_xml_with_a_bad_row, "--out", tmp_path / "ds", "--split", "none")
    assert result.exit_code == 0, describe(result)
    counts = read_manifest_json(tmp_path / "ds")["counts"]
    assert counts["malformed"] == 1
    assert any(f"Posts.xml:{MALFORMED_XML_LINE}" in e for e in counts["malformed_examples"])
    assert "malformed" in result.stdout and f"Posts.xml:{MALFORMED_XML_LINE}" in result.stdout  # the summary
    good_rows = [ln for ln in posts_xml_with_a_bad_row.read_text(encoding="utf-8").splitlines()
                 if 'PostTypeId="1"' in ln]
    assert counts["questions_read"] == len(good_rows) - 1


def test_malformed_xml_row_with_strict(tmp_path, posts_xml_with_a_bad_row):
    result = prepare(posts_xml_with_a_bad_row, "--out", tmp_path / "ds", "--strict")
    assert_user_error(result, "--strict", path=posts_xml_with_a_bad_row, line=MALFORMED_XML_LINE)
    assert not (tmp_path / "ds").exists()


MALFORMED_CSV_LINE = 9


@pytest.fixture
def csv_with_a_bad_row(tmp_path) -> Path:
    """A table CSV whose line 9 has one field too many (quoted multi-line fields before it, as in real exports)."""
    sample = sample_titles(30)
    rows = ["title,tags", '"A title with a line break\ninside it","[\'python\']"']  # lines 1-3
    rows += [f'"{t.replace(chr(34), "")}","{g}"' for t, g in zip(sample["title"][:5], sample["tags"][:5])]  # 4-8
    rows += ['"one field too many","[\'php\']",extra']  # line 9
    rows += [f'"{t.replace(chr(34), "")}","{g}"' for t, g in zip(sample["title"][5:], sample["tags"][5:])]
    path = tmp_path / "titles.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert path.read_text(encoding="utf-8").splitlines()[MALFORMED_CSV_LINE - 1].endswith(",extra")
    return path


def test_malformed_csv_row_is_skipped_and_counted(tmp_path, csv_with_a_bad_row):
    result = prepare(csv_with_a_bad_row, "--out", tmp_path / "ds", "--split", "none", "--no-dedupe")
    assert result.exit_code == 0, describe(result)
    counts = read_manifest_json(tmp_path / "ds")["counts"]
    assert counts["malformed"] == 1
    assert counts["questions_read"] == 31  # 32 data rows, one malformed
    assert "malformed" in result.stdout
    assert "one field too many" not in " ".join(read_all(tmp_path / "ds")["text"])


def test_malformed_csv_row_example_names_the_line(tmp_path, csv_with_a_bad_row):
    prepare_ok(csv_with_a_bad_row, tmp_path / "ds", "--split", "none")
    examples = read_manifest_json(tmp_path / "ds")["counts"]["malformed_examples"]
    assert examples and examples[0].startswith(f"titles.csv:{MALFORMED_CSV_LINE}:"), examples


def test_malformed_csv_row_with_strict(tmp_path, csv_with_a_bad_row):
    result = prepare(csv_with_a_bad_row, "--out", tmp_path / "ds", "--strict")
    assert_user_error(result, "--strict", path=csv_with_a_bad_row, line=MALFORMED_CSV_LINE)
    assert not (tmp_path / "ds").exists()


# ------------------------------------------------------------------------------------------ empty text


def test_all_texts_empty(tmp_path):
    path = tmp_path / "titles.csv"
    pd.DataFrame({"text": ["", "   ", ""], "tags": ["python", "java", "python"]}).to_csv(path, index=False)
    err = assert_user_error(prepare(path, "--out", tmp_path / "ds"), "text", path=path)
    assert "3" in err  # says how many rows had no text
    assert not (tmp_path / "ds").exists()


def test_all_bodies_empty_after_cleaning(tmp_path):
    path = tmp_path / "QueryResults.csv"
    pd.DataFrame({"Title": ["", ""], "Body": ["<p></p>", "<pre><code>x = 1</code></pre>"],
                  "Tags": ["<python>", "<java>"]}).to_csv(path, index=False)
    assert_user_error(prepare(path, "--out", tmp_path / "ds", "--drop-code"), "text", path=path)


def test_some_texts_empty_are_dropped_and_counted(tmp_path):
    sample = sample_titles(40)
    sample.loc[[3, 10, 11], "title"] = ["", "  ", ""]
    path = tmp_path / "titles.csv"
    sample.to_csv(path, index=False)
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--no-dedupe")
    counts = read_manifest_json(out)["counts"]
    assert counts["empty_text"] == 3
    assert counts["kept"] == 37 == len(read_all(out))
    assert all(t.strip() for t in read_all(out)["text"])


# ------------------------------------------------------------------------------------------- options


def test_top_n_larger_than_the_number_of_tags(tmp_path):
    used = pd.read_csv(YASIR_POST_TAGS, dtype=str)["TagId"].nunique()  # distinct tags on the 100 questions
    err = assert_user_error(prepare(YASIR_QUESTIONS, "--out", tmp_path / "ds", "--top-n", "5000"), "5000")
    assert f"only {used} tag" in err and f"--top-n {used}" in err
    assert not (tmp_path / "ds").exists()


def test_existing_dataset_without_force(tmp_path):
    out = prepare_ok(YASIR_QUESTIONS, tmp_path / "ds")
    assert_user_error(prepare(YASIR_QUESTIONS, "--out", out), "already holds a dataset", "--force", path=out)


def test_unknown_format(tmp_path):
    assert_user_error(prepare(SO_TITLES, "--out", tmp_path / "ds", "--format", "xlsx"), "xlsx", *FORMATS)


def test_undetectable_format(tmp_path):
    path = tmp_path / "notes"
    path.write_text("just some text\nwithout labels\n", encoding="utf-8")
    assert_user_error(prepare(path, "--out", tmp_path / "ds"), "--format", path=path)


def test_xml_that_is_not_a_posts_dump(tmp_path):
    path = tmp_path / "Users.xml"
    path.write_text('<?xml version="1.0"?>\n<users>\n  <user Id="1" />\n</users>\n', encoding="utf-8")
    assert_user_error(prepare(path, "--out", tmp_path / "ds"), "Posts.xml", path=path)


def test_unknown_encoding(tmp_path):
    assert_user_error(prepare(SO_TITLES, "--out", tmp_path / "ds", "--encoding", "klingon"), "klingon", "--encoding")


@pytest.mark.parametrize("ratios", ["a,b,c", "0.5,0.5,0.5", "0.8,0.2", "0,0.5,0.5", "0.9,-0.1,0.2"])
def test_bad_split_ratios(tmp_path, ratios):
    err = assert_user_error(prepare(SO_TITLES, "--out", tmp_path / "ds", "--split-ratios", ratios), "split-ratios")
    assert not (tmp_path / "ds").exists()
    assert "split" in err


@pytest.mark.parametrize("option, value", [("--split", "random"), ("--top-n", "0"), ("--min-tag-count", "0"),
                                           ("--fields", "title,comments"), ("--max-answers", "-1")])
def test_bad_option_values(tmp_path, option, value):
    assert_user_error(prepare(SO_TITLES, "--out", tmp_path / "ds", option, value), value.split(",")[-1])


def test_bad_config_file(tmp_path):
    config = tmp_path / "prepare.toml"
    config.write_text("top_nn = 10\n", encoding="utf-8")
    assert_user_error(prepare(SO_TITLES, "--out", tmp_path / "ds", "--config", config), "top_nn", path=config)
    config.write_text("top_n = [\n", encoding="utf-8")
    assert_user_error(prepare(SO_TITLES, "--out", tmp_path / "ds", "--config", config), "TOML", path=config)
    missing = tmp_path / "nope.toml"
    assert_user_error(prepare(SO_TITLES, "--out", tmp_path / "ds", "--config", missing), path=missing)


# ---------------------------------------------------------------------------------------------- help


def test_prepare_help_mentions_every_format_and_an_example():
    result = run_cli("prepare", "--help")
    assert result.exit_code == 0, describe(result)
    text = result.stdout
    for fmt in FORMATS:
        assert fmt in text, fmt
    for thing in ("Questions.csv", "Posts.xml", "Posts.csv", "__label__", "JSONL", "Parquet", "TSV"):
        assert thing in text, thing
    assert "Example" in text and "multilabeltext prepare " in text and "--out" in text
    for option in ("--top-n", "--exclude-tag", "--min-tag-count", "--fields", "--drop-code", "--split",
                   "--split-ratios", "--tutorial-artifacts", "--jobs", "--force", "--config", "--encoding",
                   "--strict", "--max-answers", "--label-delimiter"):
        assert option in text, option


def test_main_help_and_version():
    result = run_cli("--help")
    assert result.exit_code == 0 and "prepare" in result.stdout, describe(result)
    result = run_cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == "multilabeltext 0.1.0", describe(result)


# -------------------------------------------------------------------------------- real processes


def test_processing_py_help():
    result = run_python("processing.py", "--help")
    assert result.returncode == 0, result.stderr
    for fmt in FORMATS:
        assert fmt in result.stdout, fmt
    assert "--out" in result.stdout and "--top-n" in result.stdout
    assert "Traceback" not in result.stderr


def _dataset_contents(out: Path) -> dict:
    manifest = read_manifest_json(out)
    return {"labels": read_labels_json(out),
            "rows": {s: read_split(out, s).assign(tags=lambda d: d["tags"].map(list)).to_dict("list")
                     for s in SPLITS},
            "counts": manifest["counts"], "options": manifest["options"], "source": manifest["source"]}


def test_processing_py_prepares_the_same_dataset(tmp_path):
    args = [BEER_XML, "--top-n", "20", "--jobs", "1", "--quiet"]
    tutorial = run_python("processing.py", *args, "--out", tmp_path / "tutorial")
    assert tutorial.returncode == 0, tutorial.stderr
    assert tutorial.stdout.strip() == str(tmp_path / "tutorial")  # --quiet prints only OUT
    module = run_python("-m", "multilabeltext", "prepare", *args, "--out", tmp_path / "module")
    assert module.returncode == 0, module.stderr
    assert _dataset_contents(tmp_path / "tutorial") == _dataset_contents(tmp_path / "module")
    assert len(read_labels_json(tmp_path / "module")) == 20


@pytest.mark.parametrize("case", ["missing-file", "wrong-encoding", "strict-malformed-csv", "empty-texts"])
def test_errors_in_a_real_process_show_no_traceback(tmp_path, case, request):
    if case == "missing-file":
        path, line = tmp_path / "Posts.xml", None
    elif case == "wrong-encoding":
        path, _ = _latin1_lines(tmp_path, "table-csv")
        line = BAD_LINE
    elif case == "strict-malformed-csv":
        path, line = request.getfixturevalue("csv_with_a_bad_row"), MALFORMED_CSV_LINE
    else:
        path, line = tmp_path / "titles.csv", None
        pd.DataFrame({"text": ["", ""], "tags": ["a", "b"]}).to_csv(path, index=False)
    result = run_python("-m", "multilabeltext", "prepare", path, "--out", tmp_path / "ds", "--jobs", "1", "--quiet",
                        *(["--strict"] if case == "strict-malformed-csv" else []))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert "Fix:" in result.stderr
    assert (f"{path}:{line}" if line else str(path)) in result.stderr, result.stderr
    assert not (tmp_path / "ds").exists()
