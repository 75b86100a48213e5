"""Wrong or silent answers (issue 13): counts that say what happened, warnings where the numbers mislead,
settings files that are not silently ignored, model directories usable from any directory."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from conftest import BEER_XML, describe, prepare_ok, read_all, read_manifest_json, run_cli


def tsv(path, rows):
    path.write_text("text\ttags\n" + "".join(f"{t}\t{g}\n" for t, g in rows))
    return path


def test_answers_joined_counts_only_the_answers_of_kept_questions(tmp_path):
    out = prepare_ok(BEER_XML, tmp_path / "beer", "--top-n", "5")
    kept = set(read_all(out)["id"])
    answers = [r.attrib for r in ET.parse(BEER_XML).getroot() if r.attrib.get("PostTypeId") == "2"]
    expected = sum(a.get("ParentId") in kept and bool(a.get("Body", "").strip()) for a in answers)
    counts = read_manifest_json(out)["counts"]
    assert counts["answers_joined"] == expected < counts["answers_read"]


def test_empty_texts_are_counted_as_empty_not_duplicate(tmp_path):
    rows = [(f"question {i} text", "a" if i % 2 else "b") for i in range(20)] + [("", "a")] * 5
    out = prepare_ok(tsv(tmp_path / "t.tsv", rows), tmp_path / "ds")
    counts = read_manifest_json(out)["counts"]
    assert counts["empty_text"] == 5 and counts.get("duplicates", 0) == 0, counts


def test_no_validation_split_warns_in_the_output_and_in_metrics(tmp_path):
    rows = [(f"question {i} about {'apples' if i % 2 else 'pears'}", "a" if i % 2 else "b") for i in range(40)]
    dataset = prepare_ok(tsv(tmp_path / "t.tsv", rows), tmp_path / "ds", "--split-ratios", "1,0,0")
    result = run_cli("train", dataset, "--out", tmp_path / "m", "--quiet", "--param", "cross_fit=0",
                     "--param", "jobs=1")
    assert result.exit_code == 0, describe(result)
    assert "Warning:" in result.stderr and "no validation rows" in result.stderr
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert any("no validation rows" in w for w in metrics["warnings"])


def test_a_validation_split_gives_no_warning(tmp_path):
    rows = [(f"question {i} about {'apples' if i % 2 else 'pears'}", "a" if i % 2 else "b") for i in range(40)]
    dataset = prepare_ok(tsv(tmp_path / "t.tsv", rows), tmp_path / "ds")
    result = run_cli("train", dataset, "--out", tmp_path / "m", "--quiet", "--param", "cross_fit=0",
                     "--param", "jobs=1")
    assert result.exit_code == 0 and "Warning" not in result.stderr, describe(result)
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["warnings"] == []


def test_evaluate_finds_the_dataset_from_another_directory(tmp_path, monkeypatch):
    rows = [(f"question {i} about {'apples' if i % 2 else 'pears'}", "a" if i % 2 else "b") for i in range(40)]
    work = tmp_path / "work"
    work.mkdir()
    tsv(work / "t.tsv", rows)
    monkeypatch.chdir(work)
    assert run_cli("prepare", "t.tsv", "--out", "ds", "--quiet", "--jobs", "1").exit_code == 0
    result = run_cli("train", "ds", "--out", "m", "--quiet", "--param", "jobs=1", "--param", "cross_fit=0")
    assert result.exit_code == 0, describe(result)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run_cli("evaluate", work / "m")
    assert result.exit_code == 0, describe(result)
    # and when the pair moves together
    (work).rename(tmp_path / "moved")
    result = run_cli("evaluate", tmp_path / "moved" / "m")
    assert result.exit_code == 0, describe(result)


def test_config_file_without_a_prepare_table_is_an_error(tmp_path):
    data = tsv(tmp_path / "t.tsv", [(f"q {i}", "a") for i in range(10)])
    only_train = tmp_path / "train.toml"
    only_train.write_text('[train]\nmodel = "linear"\n')
    result = run_cli("prepare", data, "--out", tmp_path / "ds", "--config", only_train)
    assert result.exit_code == 2 and "no [prepare] table" in result.stderr, describe(result)
    commented = tmp_path / "empty.toml"
    commented.write_text("# top_n = 3\n")
    result = run_cli("prepare", data, "--out", tmp_path / "ds", "--config", commented)
    assert result.exit_code == 2 and "sets no option" in result.stderr, describe(result)


def test_one_file_with_every_stage_table(tmp_path):
    data = tsv(tmp_path / "t.tsv", [(f"q {i} words", "a" if i % 3 else "b") for i in range(30)])
    project = tmp_path / "project.toml"
    project.write_text('[prepare]\nmin_tag_count = 11\n\n[train]\nmodel = "linear"\n')
    out = prepare_ok(data, tmp_path / "ds", "--config", project)
    assert read_manifest_json(out)["options"]["min_tag_count"] == 11
