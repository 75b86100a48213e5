"""The word2vec stage: training on real prepared data, no test-split leakage, safe save/load, formats, CLI.

One module-scoped run trains on the full so-titles sample (3 epochs, one worker: deterministic, ~3 s);
everything else uses small datasets built in ``tmp_path`` from the real titles.
"""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest
from conftest import SO_TITLES, describe, run_cli

from multilabeltext.config import PrepareConfig
from multilabeltext.data.prepare import prepare
from multilabeltext.data.tokenizer import Tokenizer
from multilabeltext.embeddings import (
    PAD,
    VectorsError,
    Word2VecConfig,
    embedding_matrix,
    load_vectors,
    most_similar,
    save_vectors,
    train_word2vec,
)
from multilabeltext.errors import ConfigError, DatasetFormatError, InputNotFoundError, MultilabeltextError
from multilabeltext.progress import set_quiet

FAST = Word2VecConfig(vector_size=32, epochs=2, min_words=0, workers=1)  # for the small datasets


def titles(n: int | None = None) -> pd.DataFrame:
    return pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False, nrows=n)[["title", "tags"]]


def prepare_titles(frame: pd.DataFrame, out, **options):
    """A dataset directory from a frame of title, tags (and optionally split) columns."""
    path = out.parent / f"{out.name}.tsv"
    frame.to_csv(path, sep="\t", index=False)
    config = PrepareConfig(text_columns=("title",), label_column="tags", jobs=1, **options)
    set_quiet(True)
    prepare([path], out, config, force=True)
    return out


@pytest.fixture(scope="module")
def titles_ds(tmp_path_factory):
    """The whole so-titles sample, prepared as `make prepare-samples` does (iterative split)."""
    return prepare_titles(titles(), tmp_path_factory.mktemp("so-titles") / "ds")


@pytest.fixture(scope="module")
def titles_kv(titles_ds):
    set_quiet(True)
    return train_word2vec([titles_ds], Word2VecConfig(epochs=3, min_words=0, workers=1))


@pytest.fixture(scope="module")
def leak_ds(tmp_path_factory):
    """3,000 real titles with their own split column; marker words occur only in one split each."""
    frame = titles(3000)
    frame["split"] = ["test" if i % 10 == 0 else "validation" if i % 10 == 1 else "train" for i in range(len(frame))]
    for split, marker in (("train", "zqxtrainonly"), ("validation", "zqxvalidonly"), ("test", "zqxtestonly")):
        rows = frame.index[frame.split == split][:20]
        frame.loc[rows, "title"] = frame.loc[rows, "title"] + f" {marker}"
    return prepare_titles(frame, tmp_path_factory.mktemp("leak") / "ds", split="column")


@pytest.fixture(scope="module")
def small_kv(leak_ds):
    set_quiet(True)
    return train_word2vec([leak_ds], FAST)


# --------------------------------------------------------------------------------------------- config


def test_config_defaults_are_the_tutorials_skip_gram():
    cfg = Word2VecConfig()
    assert (cfg.vector_size, cfg.window, cfg.min_count, cfg.sg) == (150, 10, 2, 1)
    assert cfg.splits == ("train", "validation")
    assert Word2VecConfig.from_dict(cfg.to_dict()) == cfg


def test_config_refuses_the_test_split_and_bad_values():
    with pytest.raises(ConfigError) as info:
        Word2VecConfig(splits=("train", "test"))
    assert "test" in info.value.what and "leak" in info.value.what and "--splits" in info.value.fix
    with pytest.raises(ConfigError):
        Word2VecConfig(splits="train,test")
    for bad in ({"splits": ("training",)}, {"splits": ()}, {"vector_size": 0}, {"window": 0}, {"min_count": 0},
                {"sg": 2}, {"epochs": 0}, {"negative": 0}, {"sample": 1.5}, {"workers": -1}, {"max_vocab": 0},
                {"corpus": "disk"}, {"seed": "13"}):
        with pytest.raises(ConfigError):
            Word2VecConfig(**bad)
    assert Word2VecConfig(splits="train").splits == ("train",)


def test_config_from_toml(tmp_path):
    path = tmp_path / "word2vec.toml"
    path.write_text("[word2vec]\nvector_size = 100\nsplits = ['train']\nsample = 0\n", encoding="utf-8")
    assert Word2VecConfig.from_toml(path) == Word2VecConfig(vector_size=100, splits=("train",), sample=0.0)
    path.write_text("vector_sise = 100\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Word2VecConfig.from_toml(path)
    assert "vector_size" in info.value.fix


# ------------------------------------------------------------------------------------------- training


def test_neighbours_make_sense_on_so_titles(titles_kv):
    def near(word):
        return {w for w, _ in most_similar(titles_kv, word, topn=10)}

    assert "dataframe" in near("pandas")
    assert near("django") & {"admin", "models", "queryset", "flask", "laravel"}
    assert near("sql") & {"mysql", "sqlite", "oracle", "database", "query", "queries"}
    assert near("iphone") & {"ios", "ipad"}
    # related pairs are closer than unrelated ones
    assert titles_kv.similarity("pandas", "dataframe") > titles_kv.similarity("pandas", "iphone") + 0.2
    assert titles_kv.similarity("mysql", "sql") > titles_kv.similarity("mysql", "css") + 0.2


def test_training_records_the_corpus(titles_ds, titles_kv):
    meta = titles_kv.metadata
    tok = Tokenizer()
    frames = [pd.read_parquet(titles_ds / f"{s}.parquet") for s in ("train", "validation")]
    documents = sum(len(f) for f in frames)
    tokens = sum(len(tok(t)) for f in frames for t in f.text)
    assert meta["corpus"]["documents"] == documents
    assert meta["corpus"]["tokens"] == tokens
    assert set(meta["corpus"]["datasets"][0]["per_split"]) == {"train", "validation"}
    assert meta["corpus"]["tokenizer"] == tok.config.to_dict()
    training = meta["training"]
    assert training["raw_words"] == tokens * 3 and training["words_per_second"] > 0
    assert training["reproducible"] and training["workers"] == 1 and training["mode"] == "memory"
    assert len(titles_kv) > 5000 and titles_kv.vector_size == 150


def test_test_split_text_is_never_used(leak_ds, small_kv):
    # the marker words are really there, one split each
    for split, marker in (("train", "zqxtrainonly"), ("validation", "zqxvalidonly"), ("test", "zqxtestonly")):
        assert pd.read_parquet(leak_ds / f"{split}.parquet").text.str.contains(marker).sum() == 20
    assert "zqxtrainonly" in small_kv and "zqxvalidonly" in small_kv
    assert "zqxtestonly" not in small_kv
    only_train = train_word2vec([leak_ds], FAST.replace(splits=("train",)))
    assert "zqxtrainonly" in only_train and "zqxvalidonly" not in only_train and "zqxtestonly" not in only_train


def test_one_worker_is_reproducible_and_corpus_modes_agree(leak_ds, small_kv):
    again = train_word2vec([leak_ds], FAST)
    assert again.index_to_key == small_kv.index_to_key
    assert np.array_equal(again.vectors, small_kv.vectors)
    streamed = train_word2vec([leak_ds], FAST.replace(corpus="stream"))
    assert np.array_equal(streamed.vectors, small_kv.vectors)
    from_file = train_word2vec([leak_ds], FAST.replace(corpus="file"))
    assert from_file.index_to_key == small_kv.index_to_key and from_file.metadata["training"]["mode"] == "file"
    other_seed = train_word2vec([leak_ds], FAST.replace(seed=14))
    assert not np.array_equal(other_seed.vectors, small_kv.vectors)


def test_several_datasets_make_one_vocabulary(tmp_path, leak_ds):
    other = titles(6000).iloc[3000:].copy()
    other["title"] = other["title"] + " zqxotherdataset"
    other_ds = prepare_titles(other, tmp_path / "other")
    kv = train_word2vec([leak_ds, other_ds], FAST.replace(max_vocab=3000))
    assert "zqxtrainonly" in kv and "zqxotherdataset" in kv and "zqxtestonly" not in kv
    assert len(kv) <= 3000
    assert [d["path"] for d in kv.metadata["corpus"]["datasets"]] == [str(leak_ds), str(other_ds)]
    with pytest.raises(ConfigError):
        train_word2vec([leak_ds, leak_ds], FAST)
    with pytest.raises(DatasetFormatError):
        train_word2vec([tmp_path / "missing"], FAST)
    with pytest.raises(MultilabeltextError) as info:
        train_word2vec([leak_ds], FAST.replace(min_count=100_000))
    assert "--min-count" in info.value.fix


# ----------------------------------------------------------------------------------------- save/load


def test_safe_format_round_trip(tmp_path, titles_kv):
    out = save_vectors(titles_kv, tmp_path / "vec")
    assert sorted(p.name for p in out.iterdir()) == ["vectors.npy", "vocab.json", "word2vec.json"]
    matrix = np.load(out / "vectors.npy", allow_pickle=False)
    assert matrix.dtype == np.float32 and matrix.shape == (len(titles_kv), 150)
    assert json.loads((out / "vocab.json").read_text(encoding="utf-8")) == titles_kv.index_to_key
    info = json.loads((out / "word2vec.json").read_text(encoding="utf-8"))
    assert info["format"] == "multilabeltext-vectors" and info["vocabulary_size"] == len(titles_kv)
    assert info["training"]["gensim_version"] and info["corpus"]["tokens"] > 0 and info["config"]["window"] == 10

    loaded = load_vectors(out)
    assert loaded.index_to_key == titles_kv.index_to_key
    assert np.array_equal(loaded.vectors, titles_kv.vectors)
    assert most_similar(loaded, "pandas", 5) == most_similar(titles_kv, "pandas", 5)
    assert loaded.metadata["corpus"] == info["corpus"]

    with pytest.raises(VectorsError) as info:
        save_vectors(titles_kv, out)
    assert "--force" in info.value.fix
    save_vectors(loaded, out, force=True)  # replaces vectors...
    assert np.array_equal(load_vectors(out).vectors, titles_kv.vectors)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(VectorsError):
        save_vectors(titles_kv, other, force=True)  # ...but never other data
    assert (other / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_load_word2vec_text_and_binary(tmp_path, small_kv):
    for name, binary in (("v.txt", False), ("v.vec", False), ("v.bin", True), ("v.txt.gz", False),
                         ("v.bin.gz", True), ("vectors-noext", True), ("vectors-noext-text", False)):
        path = tmp_path / name
        small_kv.save_word2vec_format(str(path), binary=binary)
        kv = load_vectors(path)
        assert kv.index_to_key == small_kv.index_to_key, name
        assert np.allclose(kv.vectors, small_kv.vectors, atol=1e-6), name
        if binary:
            assert np.array_equal(kv.vectors, small_kv.vectors), name
        assert kv.metadata["source"]["format"] == f"word2vec-{'binary' if binary else 'text'}"
    # GloVe-style text: no "COUNT DIM" header line
    glove = tmp_path / "glove.txt"
    glove.write_text("sql 0.1 0.2 0.3\nmysql 0.1 0.25 0.3\ncss -0.3 0.1 0.0\n", encoding="utf-8")
    kv = load_vectors(glove)
    assert kv.index_to_key == ["sql", "mysql", "css"] and most_similar(kv, "sql", 1)[0][0] == "mysql"


def test_pickle_formats_need_trust(tmp_path, small_kv):
    from gensim.models import Word2Vec

    kv_path = tmp_path / "vectors.kv"
    small_kv.save(str(kv_path))
    with pytest.raises(VectorsError) as info:
        load_vectors(kv_path)
    assert "pickle" in info.value.what and "trust" in info.value.fix and "save_word2vec_format" in info.value.fix
    assert np.array_equal(load_vectors(kv_path, trust=True).vectors, small_kv.vectors)

    model_path = tmp_path / "w2v.model"
    Word2Vec([["sql", "mysql"], ["sql", "query"]], vector_size=4, min_count=1, workers=1).save(str(model_path))
    with pytest.raises(VectorsError):
        load_vectors(model_path)
    assert "sql" in load_vectors(model_path, trust=True)
    # a pickle under another name is recognised too
    disguised = tmp_path / "vectors.data"
    disguised.write_bytes(kv_path.read_bytes())
    with pytest.raises(VectorsError) as info:
        load_vectors(disguised)
    assert "pickle" in info.value.what


def test_missing_and_malformed_vectors(tmp_path, titles_ds, small_kv):
    with pytest.raises(InputNotFoundError):
        load_vectors(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(VectorsError) as info:
        load_vectors(empty)
    assert "vectors.npy" in info.value.what
    with pytest.raises(VectorsError) as info:
        load_vectors(titles_ds)
    assert "dataset directory" in info.value.what

    out = save_vectors(small_kv, tmp_path / "vec")
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    (out / "vocab.json").write_text(json.dumps(vocab[:-1]), encoding="utf-8")
    with pytest.raises(VectorsError) as info:
        load_vectors(out)
    assert "rows" in info.value.what
    (out / "vocab.json").write_text("[not json", encoding="utf-8")
    with pytest.raises(VectorsError):
        load_vectors(out)
    (out / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    np.save(out / "vectors.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(VectorsError):  # an object array is never unpickled
        load_vectors(out)

    garbage = tmp_path / "bad.txt"
    garbage.write_text("2 3\nsql 0.1 zero 0.3\n", encoding="utf-8")
    with pytest.raises(VectorsError) as info:
        load_vectors(garbage)
    assert "word2vec text" in info.value.what and info.value.fix
    truncated = tmp_path / "bad.bin.gz"
    with gzip.open(truncated, "wb") as f:
        f.write(b"10 50\nsql \x00\x01")
    with pytest.raises(VectorsError):
        load_vectors(truncated)


# ------------------------------------------------------------------------------------------- queries


def test_most_similar_and_out_of_vocabulary_words(titles_kv):
    result = most_similar(titles_kv, "django", topn=5)
    assert len(result) == 5 and all(isinstance(w, str) and isinstance(s, float) for w, s in result)
    assert [s for _, s in result] == sorted((s for _, s in result), reverse=True)
    assert most_similar(titles_kv, "Django", topn=5) == result  # the tokenizer lowercases
    with pytest.raises(VectorsError) as info:
        most_similar(titles_kv, "djang")
    assert "'djang' is not in the vocabulary" in info.value.what and "django" in info.value.fix
    with pytest.raises(VectorsError) as info:
        most_similar(titles_kv, "zzzqqqxxx")
    assert "min_count" in info.value.fix
    with pytest.raises(ConfigError):
        most_similar(titles_kv, "django", topn=0)


def test_embedding_matrix(small_kv):
    vocabulary = [PAD, "php", "zqxtrainonly", "never-seen-word", "javascript", "another-unseen"]
    m = embedding_matrix(small_kv, vocabulary)
    assert m.shape == (6, small_kv.vector_size) and m.dtype == np.float32
    assert not m[0].any()
    assert np.array_equal(m[1], small_kv["php"]) and np.array_equal(m[4], small_kv["javascript"])
    oov = m[[3, 5]]
    assert oov.any() and np.abs(oov).max() < 0.1 and not np.array_equal(oov[0], oov[1])
    assert np.array_equal(embedding_matrix(small_kv, vocabulary), m)  # fixed seed
    assert not np.array_equal(embedding_matrix(small_kv, vocabulary, seed=1)[3], m[3])
    no_pad = embedding_matrix(small_kv, ["php", "never-seen-word"])
    assert np.array_equal(no_pad[0], small_kv["php"])


# ----------------------------------------------------------------------------------------------- CLI


def assert_user_error(result, *mentions: str) -> str:
    info = describe(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), info
    assert result.exit_code == 2, info
    assert "Traceback" not in result.output, info
    assert "Error:" in result.stderr, info
    assert any(line.startswith("Fix:") for line in result.stderr.splitlines()), info
    for m in mentions:
        assert m in result.stderr, f"expected {m!r}\n{info}"
    return result.stderr


def test_cli_trains_saves_and_queries(tmp_path, leak_ds):
    out = tmp_path / "vec"
    result = run_cli("word2vec", leak_ds, "--out", out, "--vector-size", 32, "--epochs", 2, "--workers", 1,
                     "--similar", "php", "--topn", 3)
    assert result.exit_code == 0, describe(result)
    assert "words/s" in result.stdout and "vocabulary" in result.stdout and "Nearest to 'php'" in result.stdout
    info = json.loads((out / "word2vec.json").read_text(encoding="utf-8"))
    assert info["vector_size"] == 32 and info["config"]["epochs"] == 2 and info["corpus"]["splits"] == [
        "train", "validation"]

    result = run_cli("word2vec", "--vectors", out, "--similar", "php", "--similar", "JavaScript", "--topn", 4)
    assert result.exit_code == 0, describe(result)
    assert "Nearest to 'php'" in result.stdout and "Nearest to 'JavaScript'" in result.stdout
    expected = most_similar(load_vectors(out), "php", 4)
    assert all(word in result.stdout for word, _ in expected)

    result = run_cli("word2vec", "--vectors", out, "--similar", "php", "--topn", 2, "--quiet")
    assert result.exit_code == 0, describe(result)
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(q, w) for q, w, _ in lines] == [("php", w) for w, _ in expected[:2]]

    result = run_cli("word2vec", "--vectors", out)  # no --similar: what the vectors are
    assert result.exit_code == 0 and str(leak_ds) in result.stdout, describe(result)

    result = run_cli("word2vec", leak_ds, "--out", out, "--epochs", 1, "--quiet")
    assert_user_error(result, "already holds word vectors", "--force")
    result = run_cli("word2vec", leak_ds, "--out", out, "--epochs", 1, "--workers", 1, "--force", "--quiet",
                     "--splits", "train")
    assert result.exit_code == 0 and result.stdout.strip() == str(out), describe(result)
    assert "zqxvalidonly" not in load_vectors(out)


def test_cli_errors(tmp_path, leak_ds):
    out = tmp_path / "vec"
    run_cli("word2vec", leak_ds, "--out", out, "--vector-size", 16, "--epochs", 1, "--workers", 1, "--quiet")
    err = assert_user_error(run_cli("word2vec", "--vectors", out, "--similar", "phpp"), "'phpp' is not in the vocabulary")
    assert "php" in err
    assert_user_error(run_cli("word2vec", "--vectors", tmp_path / "missing", "--similar", "sql"),
                      str(tmp_path / "missing"), "not found")
    assert_user_error(run_cli("word2vec", leak_ds, "--out", tmp_path / "v2", "--splits", "train,test"), "leak")
    assert not (tmp_path / "v2").exists()
    assert_user_error(run_cli("word2vec", leak_ds), "--out")
    assert_user_error(run_cli("word2vec", leak_ds, "--vectors", out), "not both")
    assert_user_error(run_cli("word2vec", "--vectors", out, "--epochs", 3), "--epochs")
    assert_user_error(run_cli("word2vec", tmp_path / "nodata", "--out", tmp_path / "v3"), "dataset directory")
    kv_file = tmp_path / "v.kv"
    load_vectors(out).save(str(kv_file))
    assert_user_error(run_cli("word2vec", "--vectors", kv_file, "--similar", "php"), "pickle", "--trust")
    result = run_cli("word2vec", "--vectors", kv_file, "--similar", "php", "--trust", "--quiet")
    assert result.exit_code == 0, describe(result)


def test_cli_help_teaches_with_examples():
    result = run_cli("word2vec", "--help")
    assert result.exit_code == 0, describe(result)
    for text in ("--similar", "--vectors", "--splits", "Examples", "multilabeltext word2vec data/so-titles",
                 "--trust", "test"):
        assert text in result.stdout, text


def test_small_corpora_get_more_epochs(tmp_path):
    """min_words raises the epochs of a small corpus (up to max_epochs), and the metadata records them."""
    ds = prepare_titles(titles(400), tmp_path / "small")
    set_quiet(True)
    kv = train_word2vec([ds], Word2VecConfig(vector_size=16, epochs=2, min_words=20_000, max_epochs=9, workers=1))
    tokens = kv.metadata["corpus"]["tokens"]
    expected = min(9, max(2, -(-20_000 // tokens)))
    assert 2 < expected and kv.metadata["training"]["epochs"] == expected
    assert kv.metadata["training"]["raw_words"] == tokens * expected
    with pytest.raises(ConfigError, match="max_epochs"):
        Word2VecConfig(epochs=10, max_epochs=5)
