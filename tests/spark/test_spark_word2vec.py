"""``word2vec --engine spark``: Spark ML vectors in the project's vectors format, read unchanged by
``word2vec --vectors --similar`` and ``train --vectors``; the embedded path's messages for bad input."""

from __future__ import annotations

import json
import shutil
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BEER_XML, PYQ_SAMPLE, describe, prepare_ok, read_manifest_json, run_cli, tree_hashes
from spark_session import spark  # noqa: F401  (the shared session fixture)

from multilabeltext.config import TokenizerConfig
from multilabeltext.data.tokenizer import Tokenizer

pytestmark = pytest.mark.spark

FAST = ["--vector-size", "16", "--window", "5", "--epochs", "2", "--workers", "1"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tmp_path_factory.mktemp("spark-word2vec")


@pytest.fixture(scope="module")
def data(base):
    return prepare_ok(PYQ_SAMPLE, base / "ds", "--text-column", "clean", "--label-column", "Actual",
                      "--id-column", "ParentId")


@pytest.fixture(scope="module")
def fast_config(base):
    path = base / "w2v.toml"
    path.write_text("[word2vec]\nmin_words = 0  # exactly --epochs (no raise for a small corpus)\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def vectors(spark, data, base, fast_config):  # noqa: F811
    out = base / "w2v"
    result = run_cli("word2vec", data, "--engine", "spark", "--out", out, "--config", fast_config, *FAST, "--quiet")
    assert result.exit_code == 0, describe(result)
    assert result.stdout.strip() == str(out)
    return out


def corpus_counts(data) -> Counter:
    """Token counts of the train and validation texts, by the dataset's own tokenizer (read without Spark)."""
    tokenizer = Tokenizer(TokenizerConfig.from_dict(read_manifest_json(data)["tokenizer"]))
    texts = pd.concat([pd.read_parquet(data / f"{s}.parquet", columns=["text"]) for s in ("train", "validation")])
    return Counter(t for tokens in tokenizer.batch(texts["text"].tolist()) for t in tokens)


def test_the_same_files_and_metadata_as_the_embedded_word2vec(vectors, data):
    assert sorted(p.name for p in vectors.iterdir()) == ["vectors.npy", "vocab.json", "word2vec.json"]
    meta = json.loads((vectors / "word2vec.json").read_text(encoding="utf-8"))
    assert meta["format"] == "multilabeltext-vectors" and meta["engine"] == "spark"
    assert meta["vector_size"] == 16 and meta["config"]["window"] == 5
    assert meta["training"]["epochs"] == 2 and meta["training"]["spark"]["params"]["numPartitions"] == 1
    rows = sum(len(pd.read_parquet(data / f"{s}.parquet")) for s in ("train", "validation"))
    assert meta["corpus"]["documents"] == rows
    assert meta["corpus"]["tokens"] == sum(corpus_counts(data).values())
    assert meta["corpus"]["tokenizer"] == read_manifest_json(data)["tokenizer"]
    result = run_cli("word2vec", "--vectors", vectors, "--quiet")  # the summary line: words, dimensions
    assert result.exit_code == 0 and result.stdout.split() == [str(meta["vocabulary_size"]), "16"], describe(result)


def test_one_partition_is_reproducible(vectors, data, fast_config, tmp_path):
    again = tmp_path / "again"
    result = run_cli("word2vec", data, "--engine", "spark", "--out", again, "--config", fast_config, *FAST, "--quiet")
    assert result.exit_code == 0, describe(result)
    assert (again / "vocab.json").read_bytes() == (vectors / "vocab.json").read_bytes()
    assert np.array_equal(np.load(again / "vectors.npy"), np.load(vectors / "vectors.npy"))


def test_the_vocabulary_is_every_token_seen_min_count_times(vectors, data):
    counts = corpus_counts(data)
    vocab = json.loads((vectors / "vocab.json").read_text(encoding="utf-8"))
    assert set(vocab) == {w for w, c in counts.items() if c >= 2}  # min_count 2, the default
    assert [counts[w] for w in vocab] == sorted((counts[w] for w in vocab), reverse=True)  # most frequent first


def test_max_vocab_keeps_the_most_frequent_words(spark, data, fast_config, tmp_path):  # noqa: F811
    out = tmp_path / "top"
    result = run_cli("word2vec", data, "--engine", "spark", "--out", out, "--config", fast_config, *FAST,
                     "--max-vocab", "100", "--quiet")
    assert result.exit_code == 0, describe(result)
    counts = corpus_counts(data)
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    cut = sorted(counts.values(), reverse=True)[100]  # as gensim's max_final_vocab: ties with the first word cut go
    assert set(vocab) == {w for w, c in counts.items() if c > cut} and 0 < len(vocab) <= 100


def test_two_datasets_make_one_vocabulary_each_tokenized_by_its_own_tokenizer(spark, data, base, fast_config,  # noqa: F811
                                                                              tmp_path):
    cased = tmp_path / "cased.toml"
    cased.write_text("[tokenizer]\nlowercase = false\n", encoding="utf-8")
    beer = prepare_ok([BEER_XML], base / "beer", "--top-n", "20", "--config", cased)  # another tokenizer: cased
    out = tmp_path / "both"
    result = run_cli("word2vec", data, beer, "--engine", "spark", "--out", out, "--config", fast_config, *FAST,
                     "--quiet")
    assert result.exit_code == 0, describe(result)
    counts = corpus_counts(data) + corpus_counts(beer)
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    assert set(vocab) == {w for w, c in counts.items() if c >= 2}
    assert any(w[0].isupper() for w in vocab) and "pandas" in vocab  # beer's cased tokens beside pyq's
    meta = json.loads((out / "word2vec.json").read_text(encoding="utf-8"))
    assert meta["corpus"]["tokens"] == sum(counts.values())
    assert len(meta["corpus"]["datasets"]) == 2


def test_spark_vectors_answer_similar_through_the_cli(vectors):
    vocab = json.loads((vectors / "vocab.json").read_text(encoding="utf-8"))
    result = run_cli("word2vec", "--vectors", vectors, "--similar", "pandas", "--topn", "5", "--quiet")
    assert result.exit_code == 0, describe(result)
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(lines) == 5 and all(q == "pandas" and w in vocab and w != "pandas" for q, w, _ in lines), lines
    scores = [float(s) for _, _, s in lines]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)


def test_train_lstm_accepts_spark_vectors(vectors, data, tmp_path):
    out = tmp_path / "lstm"
    result = run_cli("train", data, "--model", "lstm", "--vectors", vectors, "--out", out, "--quiet",
                     "--param", "epochs=1", "--param", "units=8", "--param", "max_length=50",
                     "--param", 'vocabulary="vectors"')  # the lstm's vocabulary: every word of these vectors
    assert result.exit_code == 0, describe(result)
    assert json.loads((out / "model.json").read_text(encoding="utf-8"))["train"]["vectors"] == str(vectors)


def test_bad_input_gets_the_embedded_message(vectors, data, tmp_path):
    for args in ([tmp_path / "no-such-dataset", "--out", tmp_path / "o"],  # a missing dataset
                 [data, "--out", vectors]):  # an existing output without --force
        spark_run = run_cli("word2vec", *args, "--engine", "spark")
        embedded = run_cli("word2vec", *args)
        assert spark_run.exit_code == embedded.exit_code == 2, describe(spark_run)
        assert spark_run.stderr == embedded.stderr and "Fix:" in spark_run.stderr, describe(spark_run)
    result = run_cli("word2vec", data, "--engine", "spark", "--out", tmp_path / "o", "--cbow")
    assert result.exit_code == 2 and "skip-gram" in result.stderr and "--engine embedded" in result.stderr, \
        describe(result)
    result = run_cli("word2vec", "--vectors", vectors, "--engine", "spark")
    assert result.exit_code == 2 and "--engine" in result.stderr, describe(result)
    assert not (tmp_path / "o").exists()


def test_a_failed_run_leaves_nothing_half_written(spark, vectors, data, fast_config, tmp_path):  # noqa: F811
    broken = tmp_path / "broken"  # a valid dataset directory whose texts are numbers: the tokenizer fails in a task
    shutil.copytree(data, broken)
    table = pq.read_table(broken / "train.parquet")
    column = table.schema.get_field_index("text")
    pq.write_table(table.set_column(column, "text", pa.array(range(len(table)), pa.int64())), broken / "train.parquet")
    old = tmp_path / "w2v"
    shutil.copytree(vectors, old)
    before = tree_hashes(old)
    for out, extra in ((old, ["--force"]), (tmp_path / "new", [])):
        result = run_cli("word2vec", broken, "--engine", "spark", "--out", out, "--config", fast_config, *FAST, *extra)
        assert result.exit_code == 2 and "Spark job failed" in result.stderr, describe(result)
        assert "Traceback" not in result.output and "py4j" not in result.output, describe(result)
    assert tree_hashes(old) == before  # the vectors it was to replace are untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "w2v"]  # no new, no temporary siblings
