"""Tracebacks where a message belongs, and user text in messages (issue 13, items 7, 9 and 10).

Each case ran into a traceback (or a crash of the error printer) before; each must now be the project's error:
exit 2, the place, a Fix: line. Through the real CLI, on small fixtures written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BEER_XML, describe, prepare_ok, read_manifest_json, run_cli


def assert_message(result, *mentions: str) -> str:
    info = describe(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), info
    assert result.exit_code == 2, info
    assert "Traceback" not in result.output, info
    assert "Error:" in result.stderr and "Fix:" in result.stderr, info
    for m in mentions:
        assert m in result.stderr, f"expected {m!r}\n{info}"
    return result.stderr


def tsv(path: Path, rows: int = 40) -> Path:
    path.write_text("text\ttags\n" + "".join(f"question number {i} about things\ttag{i % 3}\n" for i in range(rows)))
    return path


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("messages")
    return prepare_ok(tsv(root / "t.tsv"), root / "ds")


# ------------------------------------------------------------------------------------ item 9: inputs


def test_deeply_nested_jsonl_line_is_skipped_and_counted(tmp_path):
    path = tmp_path / "nested.jsonl"
    good = "".join(json.dumps({"text": f"text {i}", "tags": ["a"]}) + "\n" for i in range(5))
    path.write_text(good + '{"text": ' + "[" * 100_000 + "]" * 100_000 + ', "tags": ["a"]}\n')
    out = prepare_ok(path, tmp_path / "ds")
    counts = read_manifest_json(out)["counts"]
    assert counts["malformed"] == 1 and "nested too deeply" in counts["malformed_examples"][0]
    assert "nested.jsonl:6" in counts["malformed_examples"][0]


def test_deeply_nested_jsonl_line_with_strict_names_the_line(tmp_path):
    path = tmp_path / "nested.jsonl"
    path.write_text('{"text": "a", "tags": ["a"]}\n{"text": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    result = run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1", "--strict")
    assert_message(result, f"{path}:2", "nested too deeply")


def test_jsonl_whose_keys_change_after_the_first_batch(tmp_path):
    path = tmp_path / "keys.jsonl"
    with open(path, "w") as f:
        for i in range(20_000):
            f.write(json.dumps({"text": f"text {i}", "tags": [f"t{i % 4}"]}) + "\n")
        for i in range(30):
            f.write(json.dumps({"body": f"other {i}", "labels": ["t1"]}) + "\n")
    out = prepare_ok(path, tmp_path / "ds", "--no-dedupe")
    counts = read_manifest_json(out)["counts"]
    assert counts["questions_read"] == 20_000 and counts["malformed"] == 30
    assert "keys.jsonl:20001" in counts["malformed_examples"][0] and "'text'" in counts["malformed_examples"][0]
    result = run_cli("prepare", path, "--out", tmp_path / "strict", "--jobs", "1", "--strict")
    assert_message(result, f"{path}:20001", "no key 'text'")


def test_tsv_header_over_128_kb(tmp_path):
    path = tmp_path / "wide.tsv"
    path.write_text("text\ttags\t" + "c" * 200_000 + "\n" + "hello there\tx\t1\n" * 5)
    prepare_ok(path, tmp_path / "ds")
    path.write_text("x" * 200_000 + "\tother\n" + "hello\tx\n")
    err = assert_message(run_cli("prepare", path, "--out", tmp_path / "ds2", "--jobs", "1"), "expected a column")
    assert len(err) < 2000  # the huge column name is shortened in the message


def test_tsv_row_over_8_mb_is_read(tmp_path):
    path = tmp_path / "long.tsv"
    path.write_text("text\ttags\n" + "".join(f"short {i}\tx\n" for i in range(3000)) + "w" * 20_000_000
                    + " end\ty\n" + "".join(f"after {i}\tx\n" for i in range(3000)))
    out = prepare_ok(path, tmp_path / "ds")
    counts = read_manifest_json(out)["counts"]
    assert counts["questions_read"] == 6001 and counts["kept"] == 6001


@pytest.mark.parametrize("kind", ["binary", "directory"])
def test_config_that_is_binary_or_a_directory(tmp_path, kind):
    config = tmp_path / "conf"
    if kind == "binary":
        config.write_bytes(bytes(range(256)) * 4)
    else:
        config.mkdir()
    data = tsv(tmp_path / "t.tsv")
    assert_message(run_cli("prepare", data, "--out", tmp_path / "ds", "--config", config), str(config))
    assert_message(run_cli("train", tmp_path, "--out", tmp_path / "m", "--config", config), str(config))


@pytest.mark.parametrize("param, words", [
    ("C=abc", "C must be a number"), ("C=inf", "C must be a number"), ("C=nan", "C must be a number"),
    ("C=1e400", "C must be a finite number"), ("C=true", "C must be a number"),
    ("max_features=-5", "max_features must be a positive"), ("min_df=2.5", "min_df must be a whole number"),
])
def test_bad_param_values(small_dataset, tmp_path, param, words):
    result = run_cli("train", small_dataset, "--out", tmp_path / "m", "--quiet", "--param", param)
    assert_message(result, words)
    assert not (tmp_path / "m").exists()


def test_whole_float_for_an_int_setting_is_accepted(small_dataset, tmp_path):
    result = run_cli("train", small_dataset, "--out", tmp_path / "m", "--quiet", "--param", "min_df=1e0",
                     "--param", "jobs=1", "--param", "cross_fit=0")
    assert result.exit_code == 0, describe(result)


# ----------------------------------------------------------------------------------- item 7: sizes


def test_huge_hidden_layer_is_refused_before_training(small_dataset, tmp_path):
    result = run_cli("train", small_dataset, "--out", tmp_path / "m", "--model", "mlp", "--param",
                     "hidden=100000000")
    assert_message(result, "hidden", "GiB")
    assert "mlp:" not in result.stderr  # nothing was built


def test_jobs_are_bounded_by_the_cpus():
    import os

    from multilabeltext.parallel import resolve_jobs

    cores = len(os.sched_getaffinity(0))
    assert resolve_jobs(100_000) == cores
    assert resolve_jobs(0) == cores
    assert resolve_jobs(1) == 1


# ---------------------------------------------------------------------------- item 10: user text


def test_a_file_named_like_markup_is_shown_as_written(tmp_path):
    missing = tmp_path / "[/x].tsv"
    err = assert_message(run_cli("prepare", missing, "--out", tmp_path / "ds"))
    assert "[/x].tsv" in err


def test_a_column_named_like_markup_does_not_vanish(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("[x]\t[bold]tags\nhello\ta\n")
    err = assert_message(run_cli("prepare", path, "--out", tmp_path / "ds"), "[x]", "[bold]tags")
    assert "[/x]" not in err


def test_ansi_escapes_from_input_never_reach_the_terminal(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("\x1b[31mred\x1b]0;title\x07\ttags\nhello\ta\n")
    err = assert_message(run_cli("prepare", path, "--out", tmp_path / "ds", "--text-column", "text"))
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b[31mred" in err


def test_summary_escapes_tags_and_skipped_rows(tmp_path):
    path = tmp_path / "t.jsonl"
    rows = [{"text": f"text {i}", "tags": ["[/x]", "\x1b[2J"]} for i in range(5)] + ["not an object"]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    assert "[/x]" in result.stdout and "\x1b" not in result.stdout


def test_beer_still_prepares(tmp_path):  # the escaping changes nothing for ordinary text
    result = run_cli("prepare", BEER_XML, "--out", tmp_path / "beer", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    assert "Prepared" in result.stdout
