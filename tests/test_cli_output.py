"""What the commands print: ``evaluate`` names the model before its per-tag table, ``word2vec``'s summary
counts the epochs that ran, ``predict`` answers blank lines without tagging them (one output line per input line).
"""

from __future__ import annotations

import json

import pytest
from conftest import PYQ_SAMPLE, SEDE_1, describe, prepare_ok, run_cli, run_python


@pytest.fixture(scope="module")
def pyq(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-output") / "pyq"
    return prepare_ok(PYQ_SAMPLE, out, "--text-column", "clean", "--label-column", "Actual", "--id-column", "ParentId")


@pytest.fixture(scope="module")
def model(pyq, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli-output") / "pyq-linear"
    result = run_cli("train", pyq, "--out", out, "--quiet", "--param", "char_ngrams=null", "--param", "jobs=1")
    assert result.exit_code == 0, describe(result)
    return out


def test_evaluate_says_which_model_before_its_per_tag_table(model, pyq):
    result = run_cli("evaluate", model, "--reference-2018", PYQ_SAMPLE)
    assert result.exit_code == 0, describe(result)
    lines = result.stdout.splitlines()
    assert lines[0] == f"test split of {pyq}: 100 rows"
    named = next(i for i, line in enumerate(lines) if line.startswith(f"Model {model.name} ({model})"))
    per_tag = next(i for i, line in enumerate(lines) if line.split()[:2] == ["tag", "support"])
    side_by_side = lines.index("Side by side:")
    assert named < per_tag < side_by_side
    assert lines[side_by_side + 1].startswith("model") and "2018-lstm" in "\n".join(lines[side_by_side:])
    quiet = run_cli("evaluate", model, "--no-per-tag")
    assert quiet.stdout.splitlines()[0] == lines[0] and "tag  support" not in quiet.stdout


def test_word2vec_summary_counts_the_epochs_that_ran(tmp_path):
    dataset = prepare_ok(SEDE_1, tmp_path / "sede", "--top-n", "10")
    config = tmp_path / "w2v.toml"
    config.write_text("[word2vec]\nmin_words = 30000\nmax_epochs = 6\n", encoding="utf-8")
    out = tmp_path / "vectors"
    result = run_cli("word2vec", dataset, "--out", out, "--config", config, "--epochs", "1", "--workers", "1",
                     "--vector-size", "8", env={"COLUMNS": "250"})
    assert result.exit_code == 0, describe(result)
    ran = json.loads((out / "word2vec.json").read_text(encoding="utf-8"))["training"]["epochs"]
    assert 1 < ran <= 6  # a small corpus: raised from --epochs 1
    assert f"{ran} epochs (--epochs 1, raised for a small corpus until 30,000 words are seen)" in result.stdout
    assert " 1 epoch" not in result.stdout


def test_predict_stdin_answers_blank_lines_without_tagging_them(model):
    lines = ["plot a pandas dataframe with matplotlib", "", "   \t", "regex for digits", " "]
    proc = run_python("-m", "multilabeltext", "predict", model, "-", input_text="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["text"] for o in out] == lines  # output line N answers input line N
    for o in (out[1], out[2], out[4]):
        assert o["tags"] == [] and o["probabilities"] == {} and o["skipped"].startswith("blank")
    assert "pandas" in out[0]["tags"] and out[3]["tags"] == ["regex"] and "skipped" not in out[0]
    assert "3 blank text(s) not tagged (line 2, 3, 5)" in proc.stderr


def test_predict_arguments_and_file_skip_blank_texts_too(model, tmp_path):
    result = run_cli("predict", model, "", "numpy array")
    assert result.exit_code == 0, describe(result)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["skipped"] and first["tags"] == [] and second["tags"] and "skipped" not in second
    texts = tmp_path / "texts.txt"
    texts.write_text("\n" * 3 + "django models and views\n", encoding="utf-8")
    from_file = run_cli("predict", model, "--file", texts, "--batch-size", "1")
    records = [json.loads(line) for line in from_file.stdout.splitlines()]
    assert [bool(r.get("skipped")) for r in records] == [True, True, True, False]
    assert records[3]["tags"] == ["django"]
