"""Thresholds: tuned on validation data, they beat 0.5 on held-out data; settings round-trip and validate."""

from __future__ import annotations

import json

import numpy as np
import pytest

from multilabeltext.errors import ConfigError
from multilabeltext.metrics import evaluate
from multilabeltext.thresholds import (
    BASE_GRID,
    Thresholds,
    _bin_index,
    apply,
    check_grid,
    default_grid,
    threshold_vector,
    tune_global,
    tune_per_tag,
)

# ------------------------------------------------------------------------------------------- synthetic data


def synthetic(n: int, offsets: np.ndarray, *, gap: float = 0.25, noise: float = 0.08, density: float = 0.15,
              seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """True tags and scores = offset + gap * label + noise: label j's best threshold is near offset_j + gap/2."""
    rng = np.random.default_rng(seed)
    Y = rng.random((n, len(offsets))) < density
    proba = np.clip(offsets + gap * Y + rng.normal(0, noise, Y.shape), 0, 1)
    return Y, proba


def micro_f1(Y, proba, thresholds, min_tags=0) -> float:
    return evaluate(Y, apply(proba, thresholds, min_tags=min_tags))["micro_f1"]


# ------------------------------------------------------------------------------------------- tuning


def test_global_threshold_is_found_and_beats_half_on_held_out_data():
    offsets = np.full(10, 0.1)  # negatives around 0.1, positives around 0.35: the best threshold is ~0.23
    Y_val, p_val = synthetic(4000, offsets, seed=1)
    Y_test, p_test = synthetic(4000, offsets, seed=2)
    t = tune_global(Y_val, p_val)
    assert 0.18 <= t <= 0.30
    assert micro_f1(Y_test, p_test, t) > micro_f1(Y_test, p_test, 0.5) + 0.3
    assert micro_f1(Y_test, p_test, t) > 0.8


def test_per_tag_thresholds_follow_each_tag_and_beat_global_on_held_out_data():
    offsets = np.linspace(0.0, 0.6, 8)  # each tag's best threshold is near its offset + 0.125
    Y_val, p_val = synthetic(5000, offsets, seed=3)
    Y_test, p_test = synthetic(5000, offsets, seed=4)
    per_tag = tune_per_tag(Y_val, p_val)
    assert per_tag.shape == (8,) and per_tag.dtype == np.float64
    assert np.abs(per_tag - (offsets + 0.125)).max() < 0.06
    t = tune_global(Y_val, p_val)
    f_half, f_global, f_per_tag = (micro_f1(Y_test, p_test, x) for x in (0.5, t, per_tag))
    assert f_per_tag > f_global + 0.05 and f_per_tag > f_half + 0.05
    assert f_per_tag > 0.8
    assert evaluate(Y_test, apply(p_test, per_tag))["macro_f1"] > evaluate(Y_test, apply(p_test, 0.5))["macro_f1"]


def test_tuning_picks_the_best_of_the_grid_for_every_metric_and_min_tags(monkeypatch):
    """The vectorized counts agree with brute force: apply each candidate, evaluate, keep the best."""
    monkeypatch.setattr("multilabeltext.thresholds._SAMPLES_CHUNK", 64)  # samples_f1 counts in several blocks
    rng = np.random.default_rng(5)
    Y = rng.random((300, 7)) < 0.2
    Y[:20] = False  # rows without tags
    Y[:, 3] = False  # a label never true
    proba = np.clip(0.3 * Y + rng.random(Y.shape) * 0.6, 0, 1)
    proba[:, 5] = np.round(proba[:, 5], 1)  # scores exactly on grid values, and ties
    grid = np.round(np.arange(0.05, 0.95, 0.05), 2)
    for metric in ("micro_f1", "macro_f1", "samples_f1"):
        for min_tags in (0, 1, 2, 9):
            curve = [evaluate(Y, apply(proba, g, min_tags=min_tags))[metric] for g in grid]
            t = tune_global(Y, proba, grid, metric=metric, min_tags=min_tags)
            assert t in grid
            got = evaluate(Y, apply(proba, t, min_tags=min_tags))[metric]
            assert got == pytest.approx(max(curve), abs=1e-12), (metric, min_tags)


def test_per_tag_picks_each_labels_best_of_the_grid():
    rng = np.random.default_rng(6)
    Y = rng.random((400, 6)) < 0.25
    proba = np.clip(0.25 * Y + rng.random(Y.shape) * 0.7, 0, 1).astype(np.float32)
    grid = np.round(np.arange(0.1, 0.9, 0.05), 2)
    per_tag = tune_per_tag(Y, proba, grid, min_support=0)
    for j in range(6):
        f1 = [evaluate(Y[:, [j]], proba[:, [j]] >= g)["micro_f1"] for g in grid]
        got = evaluate(Y[:, [j]], proba[:, [j]] >= per_tag[j])["micro_f1"]
        assert got == pytest.approx(max(f1), abs=1e-12)


def test_ties_go_to_the_middle_of_a_flat_stretch():
    # any threshold in (0.2, 0.6] separates perfectly: the middle of the tied candidates is chosen
    Y = [[1, 0], [0, 1]]
    proba = [[0.6, 0.2], [0.1, 0.95]]
    assert tune_global(Y, proba, grid=[0.1, 0.3, 0.4, 0.5, 0.9]) == 0.4
    # per tag: label 0 ties on 0.3, 0.4, 0.5; label 1 on 0.3, 0.4, 0.5, 0.9 (the upper middle of four)
    assert tune_per_tag(Y, proba, grid=[0.1, 0.3, 0.4, 0.5, 0.9], min_support=1).tolist() == [0.4, 0.5]


def test_per_tag_min_support_falls_back():
    offsets = np.array([0.1, 0.3, 0.5])
    Y, proba = synthetic(2000, offsets, seed=7)
    Y[5:, 2] = False  # label 2: 5 or fewer positives
    support = Y.sum(0)
    assert support[2] < 6 <= support[:2].min()
    explicit = tune_per_tag(Y, proba, min_support=6, fallback=0.42)
    assert explicit[2] == 0.42 and explicit[0] != 0.42 and explicit[1] != 0.42
    default = tune_per_tag(Y, proba, min_support=6)
    assert default[2] == tune_global(Y, proba)
    assert np.array_equal(default[:2], explicit[:2])
    everything_rare = tune_per_tag(Y, proba, min_support=10**6, fallback=0.3)
    assert everything_rare.tolist() == [0.3, 0.3, 0.3]
    with pytest.raises(ConfigError, match="fallback"):
        tune_per_tag(Y, proba, fallback=1.5)
    with pytest.raises(ConfigError, match="min_support"):
        tune_per_tag(Y, proba, min_support=-1)


def test_label_never_true_gets_the_fallback():
    Y = np.array([[1, 0], [1, 0], [0, 0]] * 5)
    proba = np.array([[0.8, 0.9], [0.7, 0.1], [0.2, 0.3]] * 5)
    assert tune_per_tag(Y, proba, min_support=0, fallback=0.33)[1] == 0.33


def test_default_grid_adds_score_percentiles():
    Y = np.array([[1, 0]] * 50 + [[0, 1]] * 50)
    proba = np.where(Y, 0.004, 0.001)  # a model whose scores are all tiny
    grid = default_grid(Y, proba)
    assert set(BASE_GRID.tolist()) <= set(grid.tolist())
    assert 0.004 in grid.tolist() and np.all(np.diff(grid) > 0)
    assert tune_global(Y, proba) == 0.004  # found although below every fixed grid step
    assert micro_f1(Y, proba, 0.004) == 1.0


def test_grid_is_validated():
    assert check_grid([0.5, 0.1, 0.5]).tolist() == [0.1, 0.5]
    for bad in ([], [0.1, 1.2], [-0.1], [np.nan], "abc"):
        with pytest.raises(ConfigError, match="grid"):
            check_grid(bad)
    with pytest.raises(ConfigError, match="metric must be one of"):
        tune_global([[1]], [[0.5]], metric="accuracy")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bin_index_equals_searchsorted(dtype):
    """The lookup-table binning is exact, at grid values, next to them, and outside [0, 1]."""
    rng = np.random.default_rng(8)
    grid = np.unique(np.concatenate([BASE_GRID, np.round(rng.random(99), 4), [0.0, 1.0]]))
    on = rng.choice(grid, size=3000)
    scores = np.concatenate([rng.random(3000), on, np.nextafter(on, -1), np.nextafter(on, 2),
                             [-0.5, -1e-9, 0.0, 1.0, 1.0 + 1e-9, 7.0, 1e30]]).astype(dtype)
    S = scores.reshape(1, -1)
    expected = np.searchsorted(grid, S.astype(np.float64), side="right")
    assert np.array_equal(_bin_index(S, grid), expected)
    dense = np.unique(rng.random(5000))  # values closer than 2**-16: the plain binary search is used
    assert np.array_equal(_bin_index(S, dense), np.searchsorted(dense, S.astype(np.float64), side="right"))


def test_large_input_is_handled():
    """50,000 x 100 (the size the module is built for) works; speed is kept by vectorization, not timed."""
    Y, proba = synthetic(50_000, np.full(100, 0.1), density=0.03, seed=9)
    t = Thresholds.fit(Y, proba.astype(np.float32), method="per-tag", min_tags=1)
    assert len(t.per_tag) == 100 and 0.2 < t.global_ < 0.35
    assert t.decide(proba).sum(axis=1).min() >= 1


# ------------------------------------------------------------------------------------------- apply


def test_apply_scalar_and_vector():
    proba = np.array([[0.9, 0.3, 0.5], [0.1, 0.6, 0.49]])
    assert apply(proba, 0.5).tolist() == [[True, False, True], [False, True, False]]
    assert apply(proba, [0.95, 0.2, 0.4]).tolist() == [[False, True, True], [False, True, True]]
    assert apply(proba, np.float32(0.5)).dtype == bool
    assert apply(proba.astype(np.float32), 0.3).tolist() == [[True, True, True], [False, True, True]]


def test_apply_min_tags_forces_top_tags():
    rng = np.random.default_rng(10)
    proba = rng.random((500, 8)) * 0.6
    forced = apply(proba, 0.55, min_tags=1)
    assert forced.sum(axis=1).min() >= 1
    plain = apply(proba, 0.55)
    assert np.array_equal(forced[plain.any(axis=1)], plain[plain.any(axis=1)])  # rows with tags unchanged
    empty = ~plain.any(axis=1)
    assert np.array_equal(forced[empty].argmax(axis=1), proba[empty].argmax(axis=1))
    assert (forced[empty].sum(axis=1) == 1).all()


def test_apply_min_tags_adds_the_best_not_yet_predicted_tags():
    proba = np.array([[0.9, 0.3, 0.2, 0.25],     # one tag passes: two more are added, best first
                      [0.1, 0.2, 0.3, 0.05],     # none passes: the top three
                      [0.5, 0.5, 0.5, 0.5]])     # ties go to the lower column
    out = apply(proba, [0.5, 0.5, 0.5, 0.6], min_tags=3)
    assert out.astype(int).tolist() == [[1, 1, 0, 1], [1, 1, 1, 0], [1, 1, 1, 0]]
    # with per-tag thresholds the predicted tag need not be the top-scored one
    out = apply([[0.9, 0.4, 0.1]], [0.95, 0.3, 0.5], min_tags=2)
    assert out.astype(int).tolist() == [[1, 1, 0]]
    assert apply([[0.1, 0.2]], 0.9, min_tags=5).all()  # more than the labels: every label
    assert apply([[0.1, 0.2]], 0.9, min_tags=0).sum() == 0


def test_apply_validates_its_arguments():
    with pytest.raises(ConfigError, match="3 numbers"):
        apply([[0.1, 0.2, 0.3]], [0.5, 0.5])
    with pytest.raises(ConfigError, match="between 0 and 1, got 1.5 for label column 1"):
        apply([[0.1, 0.2]], [0.5, 1.5])
    with pytest.raises(ConfigError, match="threshold must be a threshold between 0 and 1, got -0.1"):
        apply([[0.1, 0.2]], -0.1)
    with pytest.raises(ConfigError, match="min_tags must be an integer >= 0, got -1"):
        apply([[0.1, 0.2]], 0.5, min_tags=-1)
    with pytest.raises(ConfigError, match="min_tags"):
        apply([[0.1, 0.2]], 0.5, min_tags=1.5)
    assert threshold_vector(0.3, 3).tolist() == [0.3, 0.3, 0.3]


# ------------------------------------------------------------------------------------------- settings


def test_thresholds_defaults_and_vectors():
    t = Thresholds()
    assert (t.method, t.fixed, t.min_tags, t.global_, t.per_tag) == ("fixed", 0.25, 0, None, None)
    assert t.vector(3).tolist() == [0.25, 0.25, 0.25]
    assert Thresholds(method="global", global_=0.3).vector(2).tolist() == [0.3, 0.3]
    per = Thresholds(method="per-tag", global_=0.3, per_tag=[0.1, 0.2])
    assert per.per_tag == (0.1, 0.2) and per.vector(2).tolist() == [0.1, 0.2]
    with pytest.raises(ConfigError, match="per_tag has 2 thresholds but there are 3 labels"):
        per.vector(3)


@pytest.mark.parametrize("t", [
    Thresholds(),
    Thresholds(method="fixed", fixed=0.4, min_tags=1),
    Thresholds(method="global", global_=0.27),
    Thresholds(method="per-tag", global_=0.3, per_tag=[0.1, 0.55, 0.9], min_tags=2),
])
def test_to_dict_from_dict_round_trip_through_json(t):
    d = t.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert Thresholds.from_dict(json.loads(json.dumps(d))) == t
    assert Thresholds.from_dict(d, n_labels=3) == t


def test_toml_round_trip(tmp_path):
    t = Thresholds(method="per-tag", global_=0.3, per_tag=[0.1, 0.55], min_tags=1)
    path = tmp_path / "thresholds.toml"
    path.write_text("[thresholds]\n" + t.to_toml(), encoding="utf-8")
    assert Thresholds.from_toml(path) == t


@pytest.mark.parametrize(("data", "message"), [
    ({"method": "nope"}, "method must be one of fixed, global, per-tag, got 'nope'"),
    ({"method": "global"}, 'method "global" needs global_'),
    ({"method": "per-tag", "global_": 0.3}, 'method "per-tag" needs per_tag'),
    ({"method": "global", "global_": 1.5}, "global_ must be a threshold between 0 and 1, got 1.5"),
    ({"method": "global", "global_": "0.3"}, "global_ must be a threshold between 0 and 1, got '0.3'"),
    ({"fixed": -0.25}, "fixed must be a threshold between 0 and 1, got -0.25"),
    ({"fixed": True}, "fixed must be a threshold between 0 and 1, got True"),
    ({"method": "per-tag", "per_tag": [0.2, -0.1]}, r"per_tag\[1\] must be a threshold between 0 and 1, got -0.1"),
    ({"method": "per-tag", "per_tag": [0.2, float("nan")]}, r"per_tag\[1\] must be a threshold"),
    ({"method": "per-tag", "per_tag": "0.2,0.3"}, "per_tag must be a list of thresholds"),
    ({"min_tags": -1}, "min_tags must be an integer >= 0, got -1"),
    ({"min_tags": "1"}, "min_tags must be an integer >= 0, got '1'"),
    ({"treshold": 0.3}, "unknown option"),
])
def test_from_dict_rejects_bad_values(data, message):
    with pytest.raises(ConfigError, match=message) as err:
        Thresholds.from_dict(data)
    assert err.value.fix


def test_from_dict_checks_per_tag_length_and_type():
    d = Thresholds(method="per-tag", global_=0.3, per_tag=[0.1, 0.2]).to_dict()
    with pytest.raises(ConfigError, match="per_tag has 2 thresholds but there are 5 labels"):
        Thresholds.from_dict(d, n_labels=5)
    with pytest.raises(ConfigError, match="must be a mapping"):
        Thresholds.from_dict([("method", "fixed")])
    # the length only matters for per-tag thresholds
    assert Thresholds.from_dict({"method": "global", "global_": 0.3}, n_labels=5).vector(5).shape == (5,)


def test_fit_tunes_and_predicts():
    offsets = np.array([0.0, 0.2, 0.4, 0.1])
    Y_val, p_val = synthetic(3000, offsets, seed=11)
    Y_test, p_test = synthetic(3000, offsets, seed=12)
    fixed = Thresholds.fit(Y_val, p_val, method="fixed", min_tags=1)
    assert fixed == Thresholds(method="fixed", min_tags=1)
    glob = Thresholds.fit(Y_val, p_val, method="global")
    assert glob.global_ == tune_global(Y_val, p_val) and glob.per_tag is None
    per = Thresholds.fit(Y_val, p_val, method="per-tag", min_tags=1)
    assert per.global_ == tune_global(Y_val, p_val)
    assert per.per_tag == tuple(tune_per_tag(Y_val, p_val).tolist())
    assert all(type(x) is float for x in per.per_tag)
    assert Thresholds.from_dict(json.loads(json.dumps(per.to_dict())), n_labels=4) == per
    scores = {t.method: evaluate(Y_test, t.decide(p_test))["micro_f1"] for t in (fixed, glob, per)}
    assert scores["per-tag"] > scores["global"] > evaluate(Y_test, apply(p_test, 0.5))["micro_f1"]
    assert per.decide(p_test).sum(axis=1).min() >= 1
    forced = Thresholds.fit(Y_val, p_val, method="global", min_tags=1, metric="samples_f1")
    assert forced.global_ == tune_global(Y_val, p_val, metric="samples_f1", min_tags=1)
    with pytest.raises(ConfigError, match="method must be one of"):
        Thresholds.fit(Y_val, p_val, method="best")


def test_a_label_whose_best_threshold_would_flood_the_rows_keeps_the_fallback():
    """Cooking, cross-fitted: 'experimental' (13 positives) has held-out scores of pure noise around 0.001; its
    own best F1 (one hit among thousands of rows) chose 0.001 and tagged 2,294 of 3,000 test titles."""
    rng = np.random.default_rng(0)
    n = 2000
    Y = np.zeros((n, 2), dtype=bool)
    Y[:300, 0] = True
    Y[rng.choice(n, 12, replace=False), 1] = True
    S = np.column_stack([np.where(Y[:, 0], rng.uniform(0.4, 1.0, n), rng.uniform(0.0, 0.5, n)),
                         rng.uniform(0.0005, 0.002, n)])
    grid = np.round(np.arange(0.0005, 1.0, 0.0005), 4)
    per_label = tune_per_tag(Y, S, grid=grid, fallback=0.5)
    assert per_label[1] == 0.5  # noise: the fallback, not a threshold under every score
    assert 0.4 <= per_label[0] <= 0.5  # a learnable label keeps its own threshold
    decided = apply(S, per_label)
    assert decided[:, 1].sum() == 0


def test_shrunk_per_tag_thresholds_sit_between_own_and_global():
    rng = np.random.default_rng(4)
    Y = rng.random((2000, 6)) < np.array([0.3, 0.2, 0.1, 0.05, 0.02, 0.01])
    proba = np.clip(Y * rng.uniform(0.2, 0.6, 6) + rng.random((2000, 6)) * 0.5, 0, 1)
    plain = Thresholds.fit(Y, proba, method="per-tag", min_tags=1)
    shrunk = Thresholds.fit(Y, proba, method="per-tag", min_tags=1, shrink=50)
    assert plain.global_ == shrunk.global_ and plain.shrink == 0 and shrunk.shrink == 50
    own, pulled, g = np.array(plain.per_tag), np.array(shrunk.per_tag), plain.global_
    n = Y.sum(axis=0)
    np.testing.assert_allclose(pulled, (n * own + 50 * g) / (n + 50))
    assert (np.abs(pulled - g) <= np.abs(own - g) + 1e-12).all()
    share = np.abs(pulled - g) / np.maximum(np.abs(own - g), 1e-12)  # rare tags keep less of their own threshold
    moved = np.abs(own - g) > 1e-9
    assert np.all(np.diff(share[moved]) <= 1e-12)
    with pytest.raises(ConfigError, match="shrink must be a number >= 0"):
        Thresholds.fit(Y, proba, method="per-tag", shrink=-1)


def test_the_rule_is_tuned_for_the_metric_asked_for():
    rng = np.random.default_rng(5)
    Y = rng.random((3000, 8)) < np.linspace(0.4, 0.02, 8)
    proba = np.clip(Y * 0.35 + rng.random((3000, 8)) * 0.6, 0, 1)
    for metric in ("micro_f1", "macro_f1", "samples_f1"):
        rule = Thresholds.fit(Y, proba, method="global", min_tags=1, metric=metric)
        assert rule.metric == metric
        best = max(evaluate(Y, Thresholds(method="global", global_=t, min_tags=1).decide(proba))[metric]
                   for t in np.round(np.arange(0.02, 0.96, 0.01), 2))
        assert evaluate(Y, rule.decide(proba))[metric] >= best - 1e-9
    macro = Thresholds.fit(Y, proba, method="per-tag", metric="macro_f1")
    micro = Thresholds.fit(Y, proba, method="per-tag", metric="micro_f1")
    assert evaluate(Y, macro.decide(proba))["macro_f1"] >= evaluate(Y, micro.decide(proba))["macro_f1"]
    with pytest.raises(ConfigError, match="metric must be one of"):
        Thresholds.fit(Y, proba, metric="f2")
