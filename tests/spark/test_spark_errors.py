"""Bad input and broken setups on ``--engine spark``: the embedded engine's kind of message, never a stack trace.

Most checks happen on the driver before Spark starts (missing file or column, existing output, no pyspark,
no Java); the rest run on the shared local session.
"""

from __future__ import annotations

import sys

import pytest
from conftest import BEER_XML, SO_TITLES, describe, read_manifest_json, run_cli, run_python
from spark_session import assert_user_error, spark  # noqa: F401  (spark: the shared session fixture)

pytestmark = pytest.mark.spark


def spark_prepare(*args):
    return run_cli("prepare", *args, "--quiet", "--engine", "spark")



def test_missing_file(tmp_path):
    assert_user_error(spark_prepare(tmp_path / "nope.xml", "--out", tmp_path / "out"), "nope.xml")


def test_missing_column(tmp_path):
    result = spark_prepare(SO_TITLES, "--out", tmp_path / "out", "--text-column", "headline")
    assert_user_error(result, "headline", "title")


def test_existing_output_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert_user_error(spark_prepare(BEER_XML, "--out", out), "--force")
    assert (out / "mine.txt").read_text() == "keep me"


def test_bad_spark_conf(tmp_path):
    assert_user_error(spark_prepare(BEER_XML, "--out", tmp_path / "o", "--spark-conf", "novalue"), "key=value")


def test_pyspark_missing_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    assert_user_error(spark_prepare(BEER_XML, "--out", tmp_path / "o"), "pip install 'multilabeltext[spark]'")
    assert not (tmp_path / "o").exists()


def test_java_missing_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java"))
    assert_user_error(spark_prepare(BEER_XML, "--out", tmp_path / "o"), "openjdk-17-jre-headless")


def test_java_too_old(tmp_path, monkeypatch):
    fake = tmp_path / "jdk" / "bin"
    fake.mkdir(parents=True)
    (fake / "java").write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    (fake / "java").chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert_user_error(spark_prepare(BEER_XML, "--out", tmp_path / "o"), "Java 11", "openjdk-17-jre-headless")


def test_malformed_rows_counted_with_lines_and_strict_stops(spark, tmp_path):  # noqa: F811
    lines = BEER_XML.read_text(encoding="utf-8").splitlines()
    lines.insert(5, '  <row Id="99999" PostTypeId="1" Title="broken')
    bad = tmp_path / "Posts.xml"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ok = spark_prepare(bad, "--out", tmp_path / "s", "--top-n", "5")
    assert ok.exit_code == 0, describe(ok)
    embedded = run_cli("prepare", bad, "--out", tmp_path / "e", "--top-n", "5", "--quiet", "--jobs", "1")
    assert embedded.exit_code == 0, describe(embedded)
    counts, expected = read_manifest_json(tmp_path / "s")["counts"], read_manifest_json(tmp_path / "e")["counts"]
    assert counts["malformed"] == expected["malformed"] == 1
    assert counts["malformed_examples"] == expected["malformed_examples"]
    assert counts["malformed_examples"][0].startswith("Posts.xml:6: ")
    assert_user_error(spark_prepare(bad, "--out", tmp_path / "strict", "--strict"), "Posts.xml:6", "--strict")
    assert not (tmp_path / "strict").exists()


def test_malformed_answers_counted_with_lines_and_strict_stops(spark, tmp_path):  # noqa: F811
    """The Kaggle Answers.csv is read late, by the answers' join (never cached): its malformed rows are still
    counted, with the embedded engine's examples, and ``--strict`` stops at them before anything is written."""
    import csv

    dump = tmp_path / "dump"
    dump.mkdir()
    with open(dump / "Questions.csv", "w", newline="") as q, open(dump / "Answers.csv", "w", newline="") as a, \
            open(dump / "Tags.csv", "w", newline="") as t:
        qw, aw, tw = csv.writer(q), csv.writer(a), csv.writer(t)
        qw.writerow(["Id", "OwnerUserId", "CreationDate", "Score", "Title", "Body"])
        aw.writerow(["Id", "OwnerUserId", "CreationDate", "ParentId", "Score", "Body"])
        tw.writerow(["Id", "Tag"])
        for i in range(1, 41):
            qw.writerow([i, "NA", "2016-01-01", 1, f"question {i}", f"<p>body {i}</p>"])
            aw.writerow([1000 + i, "NA", "2016-01-02", i, 1, f"<p>answer {i}</p>"])
            tw.writerow([i, ["pandas", "numpy", "django"][i % 3]])
            if i in (7, 30):
                aw.writerow([2000 + i, "NA", "2016-01-02"])  # three fields of six: malformed
    ok = spark_prepare(dump / "Questions.csv", "--out", tmp_path / "s")
    assert ok.exit_code == 0, describe(ok)
    embedded = run_cli("prepare", dump / "Questions.csv", "--out", tmp_path / "e", "--quiet")
    assert embedded.exit_code == 0, describe(embedded)
    counts, expected = read_manifest_json(tmp_path / "s")["counts"], read_manifest_json(tmp_path / "e")["counts"]
    assert counts["malformed"] == expected["malformed"] == 2
    assert counts["answers_read"] == expected["answers_read"] == 40
    assert counts["malformed_examples"] == expected["malformed_examples"]
    assert counts["malformed_examples"][0].startswith("Answers.csv:9: ")
    result = spark_prepare(dump / "Questions.csv", "--out", tmp_path / "strict", "--strict")
    assert_user_error(result, "Answers.csv:9", "--strict")
    assert not (tmp_path / "strict").exists()


def test_empty_texts_give_the_embedded_message(spark, tmp_path):  # noqa: F811
    table = tmp_path / "t.tsv"
    table.write_text("text\ttags\n \ta\n\tb\n", encoding="utf-8")
    embedded = run_cli("prepare", table, "--out", tmp_path / "e", "--quiet")
    result = spark_prepare(table, "--out", tmp_path / "s")
    assert_user_error(result, "no rows left")
    assert result.stderr.split("Fix:")[0].replace(str(tmp_path / "s"), "") == \
        embedded.stderr.split("Fix:")[0].replace(str(tmp_path / "e"), "")
    assert not (tmp_path / "s").exists()


def test_a_failed_job_leaves_nothing(spark, tmp_path, monkeypatch):  # noqa: F811
    from multilabeltext.spark import prepare as spark_prepare_module

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(spark_prepare_module, "_write", broken)
    out = tmp_path / "out"
    assert_user_error(spark_prepare(BEER_XML, "--out", out), "the Spark job failed", "disk on fire")
    left = [p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")]  # the lock file may stay
    assert left == []  # neither the output nor a temporary sibling


def test_the_embedded_engine_imports_nothing_of_spark(tmp_path):
    code = ("import sys; from multilabeltext.cli import app; from typer.testing import CliRunner; "
            f"r = CliRunner().invoke(app, ['prepare', r'{BEER_XML}', '--out', r'{tmp_path / 'o'}', '--quiet', "
            "'--top-n', '5', '--jobs', '1']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if 'spark' in m or 'py4j' in m))")
    result = run_python("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
