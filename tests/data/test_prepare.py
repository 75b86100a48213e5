"""``prepare``: the dataset directory it writes, its options, and its safety rules."""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import (
    BEER_XML,
    SEDE_1,
    SEDE_2,
    SPLITS,
    YASIR_QUESTIONS,
    describe,
    leftovers,
    prepare_ok,
    read_all,
    read_labels_json,
    read_manifest_json,
    read_split,
    run_cli,
    sha256,
    tree_hashes,
)

import multilabeltext as mlt
from multilabeltext.config import PrepareConfig, TokenizerConfig
from multilabeltext.data.cleaning import html_to_text
from multilabeltext.data.tokenizer import Tokenizer
from multilabeltext.errors import ConfigError, DatasetFormatError


@pytest.fixture(scope="module")
def beer(tmp_path_factory) -> Path:
    """The beer site prepared once with the top 20 tags (read-only for the tests that share it)."""
    return prepare_ok(BEER_XML, tmp_path_factory.mktemp("beer") / "beer", "--top-n", "20")


def beer_questions() -> list[dict[str, str]]:
    return [el.attrib for el in ET.parse(BEER_XML).getroot() if el.attrib.get("PostTypeId") == "1"]


# ------------------------------------------------------------------------------------ output format


def test_split_files_schema(beer):
    for s in SPLITS:
        schema = pq.read_schema(beer / f"{s}.parquet")
        assert schema.names == ["id", "text", "tags", "split", "row"]
        assert schema.field("id").type == pa.string()
        assert schema.field("text").type == pa.string()
        assert schema.field("tags").type == pa.list_(pa.string())
        assert schema.field("split").type == pa.string()
        assert schema.field("row").type == pa.int64()
        part = read_split(beer, s)
        assert len(part) > 0
        assert (part["split"] == s).all()
        assert part["text"].str.len().min() > 0
        assert part["tags"].map(len).min() >= 1


def test_labels_json_sorted_and_matches_rows(beer):
    labels = read_labels_json(beer)
    assert labels == sorted(labels) and len(labels) == len(set(labels)) == 20
    rows = read_all(beer)
    assert {t for tags in rows["tags"] for t in tags} == set(labels)
    # the 20 most frequent tags of the dump (ties by name)
    counts = Counter(t for q in beer_questions() for t in q["Tags"].strip("<>").split("><"))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert labels == sorted(t for t, _ in top)
    for q in beer_questions():
        if q["Id"] in set(rows["id"]):
            kept = [t for t in q["Tags"].strip("<>").split("><") if t in labels]
            assert dict(zip(rows["id"], rows["tags"]))[q["Id"]] == kept


def test_manifest_counts_are_consistent(beer):
    manifest = read_manifest_json(beer)
    assert manifest["format"] == "multilabeltext-dataset" and manifest["format_version"] == 1
    counts = manifest["counts"]
    files = {s: read_split(beer, s) for s in SPLITS}
    assert counts["splits"] == {s: len(files[s]) for s in SPLITS}
    assert counts["kept"] == sum(counts["splits"].values()) == sum(len(f) for f in files.values())
    assert counts["kept"] == (counts["questions_read"] - counts["duplicates"] - counts["empty_text"]
                              - counts["no_kept_tag"])
    assert counts["labels"] == len(read_labels_json(beer))
    assert {f"{s}.parquet": manifest["files"][f"{s}.parquet"]["rows"] for s in SPLITS} == {
        f"{s}.parquet": len(files[s]) for s in SPLITS}
    # per-tag counts per split, most frequent first
    table = manifest["labels"]
    assert [r["tag"] for r in table] == [t for t, _ in sorted(
        ((r["tag"], r["count"]) for r in table), key=lambda tc: (-tc[1], tc[0]))]
    for r in table:
        per_split = {s: sum(r["tag"] in tags for tags in files[s]["tags"]) for s in SPLITS}
        assert {s: r[s] for s in SPLITS} == per_split
        assert r["count"] == sum(per_split.values())
    assert sorted(r["tag"] for r in table) == read_labels_json(beer)


def test_manifest_source_hashes(beer):
    source = read_manifest_json(beer)["source"]
    assert source["format"] == "posts-xml"
    [entry] = source["files"]
    assert Path(entry["path"]).resolve() == BEER_XML.resolve()
    assert entry["bytes"] == BEER_XML.stat().st_size
    assert entry["sha256"] == sha256(BEER_XML)


def test_manifest_output_hashes(beer):
    files = read_manifest_json(beer)["files"]
    for s in SPLITS:
        assert files[f"{s}.parquet"]["sha256"] == sha256(beer / f"{s}.parquet")
    written = {str(p.relative_to(beer)) for p in beer.rglob("*") if p.is_file()}
    assert written == {"train.parquet", "validation.parquet", "test.parquet", "labels.json", "manifest.json"}


def test_manifest_hashes_every_output_file(beer):
    """labels.json (the label-matrix column order) is an output file too: the manifest should pin it."""
    files = read_manifest_json(beer)["files"]
    written = {str(p.relative_to(beer)) for p in beer.rglob("*") if p.is_file()} - {"manifest.json"}
    missing = sorted(written - set(files))
    assert not missing, f"output files without a hash in manifest.json: {missing}"
    for name in written:
        assert files[name]["sha256"] == sha256(beer / name), name


def test_manifest_records_options_and_tokenizer(beer):
    manifest = read_manifest_json(beer)
    assert PrepareConfig.from_dict(manifest["options"]) == PrepareConfig(top_n=20, jobs=1)
    assert manifest["tokenizer"] == TokenizerConfig().to_dict()


def test_row_is_the_position_in_the_source(beer):
    order = {q["Id"]: i for i, q in enumerate(beer_questions())}
    rows = read_all(beer)
    assert rows["row"].is_unique
    assert all(order[i] == r for i, r in zip(rows["id"], rows["row"]))


# ------------------------------------------------------------------------------------------- dedupe


def _sede_like(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    pd.DataFrame(rows, columns=["Id", "Title", "Body", "Tags"]).to_csv(path, index=False)
    return path


DUPLICATES = [
    ("1", "How to sort a dict by value?", "<p>I have a dict.</p>", "<python><dictionary>"),
    ("2", "Parse JSON in Java", "<p>Which library?</p>", "<java><json>"),
    ("3", "How to sort a dict by value?", "<p>I have a dict.</p>", "<python><sorting>"),
    ("4", "Center a div", "<p>CSS only please</p>", "<css><html>"),
    ("5", "How to sort a dict by value?", "<p>I have a dict.</p>", "<python>"),
    ("6", "Parse JSON in Java", "<p>Which library is fastest?</p>", "<java><json>"),  # another body: kept
]


def test_dedupe_drops_later_copies(tmp_path):
    path = _sede_like(tmp_path / "QueryResults.csv", DUPLICATES)
    out = prepare_ok(path, tmp_path / "ds", "--split", "none")
    counts = read_manifest_json(out)["counts"]
    assert counts["duplicates"] == 2
    rows = read_all(out)
    assert list(rows["id"]) == ["1", "2", "4", "6"]
    assert rows.loc[rows["id"] == "1", "tags"].item() == ["python", "dictionary"]

    out = prepare_ok(path, tmp_path / "all", "--split", "none", "--no-dedupe")
    assert read_manifest_json(out)["counts"].get("duplicates", 0) == 0
    assert list(read_all(out)["id"]) == ["1", "2", "3", "4", "5", "6"]


def test_dedupe_on_titles_only(tmp_path):
    path = _sede_like(tmp_path / "QueryResults.csv", DUPLICATES)
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--fields", "title")
    assert list(read_all(out)["id"]) == ["1", "2", "4"]


# ----------------------------------------------------------------------------------------- text fields


def test_fields_title_body_versus_answers(beer, tmp_path):
    questions = {q["Id"]: q for q in beer_questions()}
    short = read_all(prepare_ok(BEER_XML, tmp_path / "qonly", "--top-n", "20", "--fields", "title,body"))
    full = read_all(beer)
    assert list(short["id"]) == list(full["id"])
    short_text = dict(zip(short["id"], short["text"]))
    for qid, text in zip(full["id"], full["text"]):
        q = questions[qid]
        expected = " ".join([" ".join(q["Title"].split()), html_to_text(q["Body"])]).strip()
        assert short_text[qid] == expected
        assert text.startswith(expected)
    assert sum(len(t) for t in full["text"]) > 2 * sum(len(t) for t in short["text"])
    manifest = read_manifest_json(tmp_path / "qonly")
    assert manifest["counts"].get("answers_joined", 0) == 0

    titles = read_all(prepare_ok(BEER_XML, tmp_path / "titles", "--top-n", "20", "--fields", "title"))
    assert all(text == " ".join(questions[i]["Title"].split()) for i, text in zip(titles["id"], titles["text"]))


def test_drop_code(tmp_path):
    kept = read_all(prepare_ok(YASIR_QUESTIONS, tmp_path / "kept", "--split", "none", "--fields", "title,body"))
    dropped = read_all(prepare_ok(YASIR_QUESTIONS, tmp_path / "dropped", "--split", "none", "--fields", "title,body",
                                  "--drop-code"))
    assert read_manifest_json(tmp_path / "dropped")["options"]["drop_code"] is True
    questions = pd.read_csv(YASIR_QUESTIONS, dtype=str, keep_default_na=False).set_index("Id")
    kept_text = dict(zip(kept["id"], kept["text"]))
    dropped_text = dict(zip(dropped["id"], dropped["text"]))
    # the famous "sorted array" question: a C++ listing in <pre>, names in inline <code>
    assert "#include <algorithm>" in kept_text["11227809"]
    assert "#include" not in dropped_text["11227809"]
    for qid, text in dropped_text.items():
        q = questions.loc[qid]
        assert text == " ".join([" ".join(q["Title"].split()), html_to_text(q["Body"], drop_code=True)]).strip()
    assert sum(map(len, dropped_text.values())) < 0.9 * sum(map(len, kept_text.values()))
    with_inline = [qid for qid, q in questions.iterrows() if "<code>" in q["Body"].replace("<pre><code>", "")]
    assert with_inline
    assert any("<code>" in questions.loc[q, "Body"] and len(dropped_text[q]) > len(questions.loc[q, "Title"]) + 20
               for q in with_inline)


# ---------------------------------------------------------------------------------------- tag options


@pytest.fixture(scope="module")
def sede_tag_counts() -> Counter:
    tags = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)["Tags"] for p in (SEDE_1, SEDE_2)])
    return Counter(t for value in tags for t in value.strip("<>").split("><"))


def _top(counts: Counter, n: int, exclude=()) -> list[str]:
    ranked = sorted(((t, c) for t, c in counts.items() if t not in exclude), key=lambda tc: (-tc[1], tc[0]))
    return sorted(t for t, _ in ranked[:n])


def test_top_n_and_exclude_tag(tmp_path, sede_tag_counts):
    out = prepare_ok([SEDE_1, SEDE_2], tmp_path / "ds", "--top-n", "10", "--exclude-tag", "python")
    labels = read_labels_json(out)
    assert "python" not in labels
    assert labels == _top(sede_tag_counts, 10, exclude={"python"})
    rows = read_all(out)
    assert all(set(tags) <= set(labels) and tags for tags in rows["tags"])
    raw = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in (SEDE_1, SEDE_2)])
    untagged = sum(1 for v in raw["Tags"] if not set(v.strip("<>").split("><")) & set(labels))
    assert read_manifest_json(out)["counts"]["no_kept_tag"] == untagged
    assert len(rows) == len(raw) - untagged


def test_several_excluded_tags(tmp_path, sede_tag_counts):
    out = prepare_ok([SEDE_1, SEDE_2], tmp_path / "ds", "--top-n", "5", "--exclude-tag", "python",
                     "--exclude-tag", "javascript")
    assert read_labels_json(out) == _top(sede_tag_counts, 5, exclude={"python", "javascript"})


def test_min_tag_count(tmp_path, sede_tag_counts):
    out = prepare_ok([SEDE_1, SEDE_2], tmp_path / "ds", "--min-tag-count", "15")
    assert read_labels_json(out) == sorted(t for t, c in sede_tag_counts.items() if c >= 15)
    out = prepare_ok([SEDE_1, SEDE_2], tmp_path / "both", "--min-tag-count", "15", "--top-n", "3")
    assert read_labels_json(out) == _top(Counter({t: c for t, c in sede_tag_counts.items() if c >= 15}), 3)


# ------------------------------------------------------------------------------------ tutorial artifacts


def test_tutorial_artifacts(tmp_path):
    out = prepare_ok(BEER_XML, tmp_path / "beer", "--top-n", "20", "--tutorial-artifacts")
    tutorial = out / "tutorial"
    labels = read_labels_json(out)
    rows = pd.concat([read_split(out, s) for s in SPLITS], ignore_index=True)  # train, validation, test order

    matrix = np.load(tutorial / "labels.npy", allow_pickle=False)
    assert matrix.shape == (len(rows), len(labels))
    assert set(np.unique(matrix).tolist()) <= {0, 1}
    expected = np.array([[int(t in tags) for t in labels] for tags in rows["tags"]])
    assert np.array_equal(matrix, expected)

    assert json.loads((tutorial / "classes.json").read_text(encoding="utf-8")) == labels
    assert json.loads((tutorial / "ids.json").read_text(encoding="utf-8")) == rows["id"].tolist()

    sentences = [json.loads(line) for line in (tutorial / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(sentences) == len(rows)
    tok = Tokenizer()
    assert sentences == [tok(t) for t in rows["text"]]
    assert all(isinstance(s, list) and s and all(isinstance(w, str) for w in s) for s in sentences)

    files = read_manifest_json(out)["files"]
    for name in ("labels.npy", "classes.json", "ids.json", "sentences.jsonl"):
        assert files[f"tutorial/{name}"]["sha256"] == sha256(tutorial / name)


def test_no_tutorial_artifacts_by_default(beer):
    assert not (beer / "tutorial").exists()


# ---------------------------------------------------------------------------------------- the pool path


def test_worker_processes_give_the_same_dataset(tmp_path, monkeypatch):
    """The only test that starts worker processes: --jobs 2 on a small input, made to go parallel."""
    from multilabeltext.data import prepare as prepare_module

    serial = prepare_ok(BEER_XML, tmp_path / "serial", "--top-n", "20", "--tutorial-artifacts")
    monkeypatch.setattr(prepare_module, "PARALLEL_MIN_BYTES", 0)
    result = run_cli("prepare", BEER_XML, "--out", tmp_path / "parallel", "--top-n", "20", "--tutorial-artifacts",
                     "--jobs", "2")
    assert result.exit_code == 0, describe(result)
    assert "2 processes" in result.stderr
    parallel = tmp_path / "parallel"
    for s in SPLITS:
        assert read_split(parallel, s).equals(read_split(serial, s)), s
    assert read_labels_json(parallel) == read_labels_json(serial)
    for name in ("labels.npy", "classes.json", "ids.json", "sentences.jsonl"):
        assert sha256(parallel / "tutorial" / name) == sha256(serial / "tutorial" / name), name


# ------------------------------------------------------------------------------ load_dataset / manifest


def test_load_dataset_round_trip(beer):
    everything = mlt.load_dataset(beer)
    direct = pd.concat([read_split(beer, s) for s in SPLITS], ignore_index=True)
    assert everything.columns.tolist() == ["id", "text", "tags", "split", "row"]
    assert everything["id"].tolist() == direct["id"].tolist()
    assert everything["text"].tolist() == direct["text"].tolist()
    assert [list(t) for t in everything["tags"]] == [list(t) for t in direct["tags"]]
    test = mlt.load_dataset(beer, split="test")
    assert test["id"].tolist() == read_split(beer, "test")["id"].tolist() and (test["split"] == "test").all()
    ids = mlt.load_dataset(beer, split="train", columns=["id", "tags"])
    assert ids.columns.tolist() == ["id", "tags"] and len(ids) == len(read_split(beer, "train"))
    assert mlt.read_manifest(beer) == read_manifest_json(beer)
    with pytest.raises(DatasetFormatError):
        mlt.load_dataset(beer, split="dev")


def test_prepare_from_python(tmp_path):
    result = mlt.prepare([BEER_XML], tmp_path / "beer", mlt.PrepareConfig(top_n=5, jobs=1))
    assert result.out == tmp_path / "beer"
    assert result.labels == read_labels_json(result.out) and len(result.labels) == 5
    assert json.loads(json.dumps(result.manifest)) == read_manifest_json(result.out)
    assert result.counts["kept"] == len(mlt.load_dataset(result.out))


def _copy_dataset(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        if f.is_file():
            (dst / f.name).write_bytes(f.read_bytes())
    return dst


@pytest.mark.parametrize("damage, words", [
    (lambda d: (d / "manifest.json").unlink(), "no manifest.json"),
    (lambda d: (d / "manifest.json").write_text(json.dumps({**json.loads((d / "manifest.json").read_text()),
                                                            "format_version": 99})), "version 99"),
    (lambda d: (d / "manifest.json").write_text(json.dumps({"format": "something-else", "format_version": 1})),
     "not a multilabeltext-dataset"),
    (lambda d: (d / "manifest.json").write_text("{not json"), "not valid JSON"),
], ids=["no-manifest", "other-version", "other-format", "bad-json"])
def test_not_a_dataset(beer, tmp_path, damage, words):
    d = _copy_dataset(beer, tmp_path / "copy")
    damage(d)
    for call in (mlt.read_manifest, mlt.load_dataset):
        with pytest.raises(DatasetFormatError) as info:
            call(d)
        assert words in info.value.what
        assert info.value.fix and info.value.path and Path(info.value.path).name in ("copy", "manifest.json")


def test_not_a_directory(tmp_path):
    with pytest.raises(DatasetFormatError):
        mlt.load_dataset(tmp_path / "nowhere")
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "notes.txt").write_text("hello")
    with pytest.raises(DatasetFormatError):
        mlt.read_manifest(tmp_path / "plain")


# ------------------------------------------------------------------------------------------- config


def test_config_toml_round_trip(tmp_path):
    config = PrepareConfig(format="posts-xml", fields=["title", "body"], max_answers=3, drop_code=True, top_n=10,
                           exclude_tags=["python", "python-3.x"], min_tag_count=4, split_ratios=[0.7, 0.15, 0.15],
                           seed=99, tutorial_artifacts=True, jobs=2, encoding="latin-1",
                           tokenizer=TokenizerConfig(remove_stopwords=False, min_length=2))
    path = tmp_path / "prepare.toml"
    path.write_text(config.to_toml(), encoding="utf-8")
    assert PrepareConfig.from_toml(path) == config
    # a file with a [prepare] table is read too
    sectioned = tmp_path / "sectioned.toml"
    sectioned.write_text("[prepare]\ntop_n = 7\nexclude_tags = ['python']\n", encoding="utf-8")
    assert PrepareConfig.from_toml(sectioned) == PrepareConfig(top_n=7, exclude_tags=("python",))


def test_defaults_file_equals_the_dataclass_defaults():
    text = (resources.files("multilabeltext") / "defaults" / "prepare.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert PrepareConfig.from_dict(data) == PrepareConfig()
    # and every option is mentioned (set, or commented out when its default is unset)
    for name in PrepareConfig().to_dict():
        assert name in text, name


def test_config_rejects_unknown_and_invalid_values(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("top_nn = 10\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        PrepareConfig.from_toml(path)
    assert "top_nn" in info.value.what and "top_n" in info.value.fix
    path.write_text("top_n = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        PrepareConfig.from_toml(path)


def test_config_file_overridden_by_command_line(tmp_path):
    config = tmp_path / "prepare.toml"
    config.write_text('top_n = 8\nexclude_tags = ["python"]\nseed = 7\nfields = ["title", "body"]\ndedupe = false\n'
                      "[tokenizer]\nremove_stopwords = false\n", encoding="utf-8")
    out = prepare_ok([SEDE_1, SEDE_2], tmp_path / "ds", "--config", config, "--top-n", "3", "--dedupe")
    manifest = read_manifest_json(out)
    options = manifest["options"]
    assert options["top_n"] == 3  # the command line wins
    assert options["dedupe"] is True
    assert options["exclude_tags"] == ["python"] and options["seed"] == 7  # the file's values
    assert options["fields"] == ["title", "body"]
    assert manifest["tokenizer"]["remove_stopwords"] is False
    labels = read_labels_json(out)
    assert len(labels) == 3 and "python" not in labels


# ----------------------------------------------------------------------------------- safety of OUT


@pytest.fixture
def existing(tmp_path) -> Path:
    return prepare_ok(YASIR_QUESTIONS, tmp_path / "out", "--top-n", "5")


@pytest.mark.parametrize("failing", [
    ["--top-n", "100000"],                                         # fails after reading
    ["--format", "table", "--label-column", "NoSuchColumn"],       # fails while reading
], ids=["top-n-too-large", "missing-column"])
def test_failed_run_leaves_existing_dataset_untouched(existing, failing):
    before = tree_hashes(existing)
    result = run_cli("prepare", YASIR_QUESTIONS, "--out", existing, "--force", "--jobs", "1", "--quiet", *failing)
    assert result.exit_code == 2, describe(result)
    assert tree_hashes(existing) == before
    assert leftovers(existing.parent, existing.name) == []


def test_interrupted_run_leaves_existing_dataset_untouched(existing, monkeypatch):
    from multilabeltext.data import prepare as prepare_module

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(prepare_module, "_stage_join", interrupt)
    before = tree_hashes(existing)
    result = run_cli("prepare", YASIR_QUESTIONS, "--out", existing, "--force", "--jobs", "1", "--quiet")
    assert result.exit_code == 130, describe(result)
    assert "nothing was written" in result.stderr
    assert tree_hashes(existing) == before
    assert leftovers(existing.parent, existing.name) == []


def test_refuses_an_existing_dataset_without_force(existing):
    before = tree_hashes(existing)
    result = run_cli("prepare", YASIR_QUESTIONS, "--out", existing, "--jobs", "1", "--quiet", "--top-n", "3")
    assert result.exit_code == 2, describe(result)
    assert "already holds a dataset" in result.stderr and "--force" in result.stderr
    assert str(existing) in result.stderr
    assert tree_hashes(existing) == before


def test_force_replaces_an_existing_dataset(existing):
    assert len(read_labels_json(existing)) == 5
    result = run_cli("prepare", YASIR_QUESTIONS, "--out", existing, "--force", "--jobs", "1", "--quiet",
                     "--top-n", "3")
    assert result.exit_code == 0, describe(result)
    assert len(read_labels_json(existing)) == 3
    assert read_manifest_json(existing)["options"]["top_n"] == 3
    assert leftovers(existing.parent, existing.name) == []


@pytest.mark.parametrize("force", [False, True])
def test_never_replaces_a_directory_that_is_not_a_dataset(tmp_path, force):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work", encoding="utf-8")
    (out / "figures").mkdir()
    (out / "figures" / "plot.png").write_bytes(b"\x89PNG")
    before = tree_hashes(out)
    result = run_cli("prepare", YASIR_QUESTIONS, "--out", out, "--jobs", "1", "--quiet", *(["--force"] if force else []))
    assert result.exit_code == 2, describe(result)
    assert str(out) in result.stderr and "Fix:" in result.stderr
    assert tree_hashes(out) == before
    assert leftovers(tmp_path, "mine") == []


def test_empty_existing_directory_is_fine(tmp_path):
    (tmp_path / "empty").mkdir()
    prepare_ok(YASIR_QUESTIONS, tmp_path / "empty")


def test_output_path_that_is_a_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("keep me", encoding="utf-8")
    result = run_cli("prepare", YASIR_QUESTIONS, "--out", target, "--force", "--jobs", "1", "--quiet")
    assert result.exit_code == 2, describe(result)
    assert target.read_text(encoding="utf-8") == "keep me"
    assert "Fix:" in result.stderr
