"""Train / validation / test assignment: iterative stratification, the data's own split column, or none."""

from __future__ import annotations

import ast
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import COOKING_TXT, SO_TITLES, describe, prepare_ok, read_all, read_manifest_json, read_split, run_cli

from multilabeltext.data.split import iterative_split, normalize_split_names
from multilabeltext.errors import ConfigError


@pytest.fixture(scope="module")
def so_title_tags() -> list[list[str]]:
    table = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False)
    return [ast.literal_eval(t) for t in table["tags"]]


@pytest.fixture(scope="module")
def cooking_tags() -> list[list[str]]:
    lines = COOKING_TXT.read_text(encoding="utf-8").splitlines()
    return [list(dict.fromkeys(w[9:] for w in line.split() if w.startswith("__label__"))) for line in lines]


def label_matrix(label_sets: list[list[str]]) -> np.ndarray:
    labels = sorted({t for tags in label_sets for t in tags})
    index = {t: i for i, t in enumerate(labels)}
    y = np.zeros((len(label_sets), len(labels)), dtype=bool)
    for r, tags in enumerate(label_sets):
        y[r, [index[t] for t in tags]] = True
    return y


def label_distribution(y: np.ndarray, parts: np.ndarray) -> float:
    """Sechidis et al.'s LD: mean over labels and parts of |pos/neg ratio in the part - in the whole|."""
    n = len(y)
    positives = y.sum(0)
    whole = positives / (n - positives)
    gaps = []
    for j in np.unique(parts):
        mask = parts == j
        p = y[mask].sum(0)
        gaps.append(np.abs(p / (mask.sum() - p) - whole))
    return float(np.mean(gaps))


def test_reproducible_with_a_seed(so_title_tags):
    a = iterative_split(so_title_tags, (0.8, 0.1, 0.1), seed=7)
    b = iterative_split(so_title_tags, (0.8, 0.1, 0.1), seed=7)
    c = iterative_split(so_title_tags, (0.8, 0.1, 0.1), seed=8)
    assert a.shape == (len(so_title_tags),)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert set(np.unique(a)) == {0, 1, 2}


@pytest.mark.parametrize("ratios", [(0.8, 0.1, 0.1), (0.6, 0.2, 0.2), (0.7, 0.3, 0.0)])
def test_ratios_respected(so_title_tags, ratios):
    parts = iterative_split(so_title_tags, ratios, seed=13)
    fractions = np.bincount(parts, minlength=3) / len(parts)
    assert np.allclose(fractions, ratios, atol=0.005), fractions
    if ratios[2] == 0:
        assert not (parts == 2).any()


def _tags_missing_from_a_part(label_sets, parts, min_rows: int) -> dict[str, list[int]]:
    total = Counter(t for tags in label_sets for t in tags)
    per_part = [Counter(t for tags, j in zip(label_sets, parts) if j == k for t in tags) for k in range(3)]
    return {t: [per_part[k][t] for k in range(3)] for t, n in total.items()
            if n >= min_rows and any(per_part[k][t] == 0 for k in range(3))}


def test_every_frequent_tag_in_every_part_so_titles(so_title_tags):
    parts = iterative_split(so_title_tags, (0.8, 0.1, 0.1), seed=13)
    assert _tags_missing_from_a_part(so_title_tags, parts, 10) == {}


@pytest.mark.parametrize("seed", [0, 3, 13])
def test_every_tag_with_10_rows_in_every_part_cooking(cooking_tags, seed):
    """Cooking has hundreds of rare tags (736 in all): the case stratification is for."""
    parts = iterative_split(cooking_tags, (0.8, 0.1, 0.1), seed=seed)
    missing = _tags_missing_from_a_part(cooking_tags, parts, 10)
    assert missing == {}, f"tags with >= 10 rows absent from a part (train, validation, test counts): {missing}"


def test_better_stratified_than_a_random_split(so_title_tags):
    y = label_matrix(so_title_tags)
    parts = iterative_split(so_title_tags, (0.8, 0.1, 0.1), seed=13)
    stratified = label_distribution(y, parts)
    rng = np.random.default_rng(0)
    random = [label_distribution(y, rng.permutation(parts)) for _ in range(5)]  # same part sizes, shuffled
    assert stratified < 0.5 * min(random), (stratified, random)


def test_rows_without_tags_fill_the_parts():
    label_sets = [["a"]] * 30 + [[]] * 70
    parts = iterative_split(label_sets, (0.8, 0.1, 0.1), seed=1)
    assert np.bincount(parts, minlength=3).tolist() == [80, 10, 10]


def test_normalize_split_names():
    values = ["train", "Training", "dev", "valid", "VAL", "validation", "test", " Test ", "eval"]
    assert normalize_split_names(values, source="x.csv") == [
        "train", "train", "validation", "validation", "validation", "validation", "test", "test", "test"]
    assert normalize_split_names(["extra"], source="x.csv", mapping={"extra": "train"}) == ["train"]
    with pytest.raises(ConfigError) as info:
        normalize_split_names(["train", "holdout", None], source="x.csv", column="part")
    assert "holdout" in info.value.what and "(empty)" in info.value.what and "'part'" in info.value.what
    assert info.value.path == "x.csv" and info.value.fix


# -------------------------------------------------------------------------------------------- CLI


def _split_table(tmp_path, values: list[str], column: str = "split"):
    sample = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False, nrows=len(values))
    path = tmp_path / "titles.tsv"
    pd.DataFrame({"title": sample["title"], "tags": sample["tags"], column: values}).to_csv(path, sep="\t",
                                                                                          index=False)
    return path


def test_split_column_maps_the_datas_own_split(tmp_path):
    values = ["train", "dev", "Test", "valid", "TRAINING", "eval", "train", "val", "test", "train"] * 3
    path = _split_table(tmp_path, values)
    out = prepare_ok(path, tmp_path / "ds", "--split", "column", "--no-dedupe")
    expected = normalize_split_names(values, source="-")
    rows = read_all(out)
    assert list(rows["split"]) == expected
    for s in ("train", "validation", "test"):
        part = read_split(out, s)
        assert (part["split"] == s).all()
        assert len(part) == expected.count(s)
    assert read_manifest_json(out)["counts"]["splits"] == {s: expected.count(s) for s in ("train", "validation",
                                                                                          "test")}


def test_split_column_with_another_name(tmp_path):
    values = ["train"] * 6 + ["test"] * 4
    path = _split_table(tmp_path, values, column="fold")
    out = prepare_ok(path, tmp_path / "ds", "--split", "column", "--split-column", "fold", "--no-dedupe",
                     "--validation-fraction", "0")  # (by default a validation slice is carved from train)
    assert read_manifest_json(out)["counts"]["splits"] == {"train": 6, "validation": 0, "test": 4}


def test_split_column_unknown_values_is_an_error(tmp_path):
    """so_titles.tsv's own split column says validation / train_extra: not names prepare can map."""
    result = run_cli("prepare", SO_TITLES, "--out", tmp_path / "ds", "--jobs", "1", "--quiet",
                     "--split", "column")
    assert result.exit_code == 2, describe(result)
    assert "train_extra" in result.stderr and "so_titles.tsv" in result.stderr
    assert "Fix:" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "ds").exists()


def test_split_column_missing_column_is_an_error(tmp_path):
    path = _split_table(tmp_path, ["train"] * 5)
    result = run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1", "--quiet", "--split", "column",
                     "--split-column", "fold")
    assert result.exit_code == 2, describe(result)
    assert "fold" in result.stderr and "titles.tsv" in result.stderr and "Fix:" in result.stderr


def test_split_none_puts_everything_in_train(tmp_path):
    sample = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False, nrows=200)
    path = tmp_path / "titles.tsv"
    sample[["title", "tags"]].to_csv(path, sep="\t", index=False)
    out = prepare_ok(path, tmp_path / "ds", "--split", "none", "--no-dedupe")
    assert len(read_split(out, "train")) == 200
    assert len(read_split(out, "validation")) == 0 and len(read_split(out, "test")) == 0
    assert (read_split(out, "train")["split"] == "train").all()
    assert read_manifest_json(out)["counts"]["splits"] == {"train": 200, "validation": 0, "test": 0}


def test_prepare_split_is_reproducible_and_seeded(tmp_path):
    sample = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False, nrows=3000)
    path = tmp_path / "titles.tsv"
    sample[["title", "tags"]].to_csv(path, sep="\t", index=False)
    a = read_all(prepare_ok(path, tmp_path / "a", "--seed", "5"))
    b = read_all(prepare_ok(path, tmp_path / "b", "--seed", "5"))
    c = read_all(prepare_ok(path, tmp_path / "c", "--seed", "6"))
    assert a.equals(b)
    assert list(a["split"]) != list(c["split"])
    counts = Counter(a["split"])
    assert abs(counts["train"] / len(a) - 0.8) < 0.01 and abs(counts["test"] / len(a) - 0.1) < 0.01
