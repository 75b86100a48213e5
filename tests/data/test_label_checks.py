"""Label cells that are not lists of labels, and repeated ids, are counted in the summary and the manifest
(issue 13: they were accepted silently)."""

from __future__ import annotations

import json

from conftest import describe, prepare_ok, read_all, read_manifest_json, run_cli


def test_odd_label_cells_are_counted_and_shown(tmp_path):
    rows = [{"id": str(i), "text": f"question {i} about fruit", "labels": ["apple" if i % 2 else "pear"]}
            for i in range(40)]
    odd = [42, "1}", "none", "nan", ["x" * 100_000, "plum"]]
    rows += [{"id": f"odd{i}", "text": f"odd question {i}", "labels": v} for i, v in enumerate(odd)]
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    problems = read_manifest_json(tmp_path / "ds")["counts"]["label_problems"]
    assert problems == {"a number, not a list of labels": 1, "unbalanced or stray brackets": 1,
                        "a placeholder (none, nan, null)": 2, "a tag over 100 characters (dropped)": 1}, problems
    assert "2 label cell(s): a placeholder" in result.stdout
    tags = {t for ts in read_all(tmp_path / "ds")["tags"] for t in ts}
    assert "none" not in tags and "nan" not in tags and not any(len(t) > 100 for t in tags)


def test_rows_sharing_one_id_are_counted(tmp_path):
    path = tmp_path / "d.tsv"
    path.write_text("id\ttext\ttags\n" + "".join(f"7\tquestion {i}\t{'a' if i % 2 else 'b'}\n" for i in range(2000)))
    result = run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    assert read_manifest_json(tmp_path / "ds")["counts"]["repeated_ids"] == 1999
    assert "1,999 row(s) repeat the id" in result.stdout


def test_ordinary_labels_raise_no_warning(tmp_path):
    path = tmp_path / "d.tsv"
    path.write_text("text\ttags\n" + "".join(f"question {i}\t['a', 'c++']\n" for i in range(30)))
    out = prepare_ok(path, tmp_path / "ds")
    assert "label_problems" not in read_manifest_json(out)["counts"]
