"""``ensemble``: weights tuned on held-out validation scores; an ensemble of already fitted members."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import so_titles_subset

from multilabeltext.errors import ConfigError
from multilabeltext.models import get_model
from multilabeltext.models.ensemble import EnsembleConfig, EnsembleModel, best_candidates, simplex_grid

WORDS = {"char_ngrams": None, "min_df": 1}
CHARS = {"word_ngrams": [1, 1], "char_ngrams": [2, 4], "min_df": 1}
MEMBERS = [{"model": "linear", "params": {**WORDS, "cross_fit": 0}}, {"model": "linear", "params": {**CHARS, "cross_fit": 0}}]


@pytest.fixture(scope="module")
def data():
    labels, texts, Y = so_titles_subset(3000, 10)
    return labels, (texts[:1200], Y[:1200]), (texts[1200:1500], Y[1200:1500]), (texts[1500:], Y[1500:])


def test_an_ensemble_of_fitted_members_equals_one_that_fits_them(data):
    labels, train, validation, test = data
    members = [get_model("linear", **WORDS, cross_fit=0).fit(*train, labels=labels, validation=validation),
               get_model("linear", **CHARS, cross_fit=0).fit(*train, labels=labels, validation=validation)]
    reused = EnsembleModel.from_members(members, validation)
    fitted = EnsembleModel(members=[{"model": "linear", "params": {**WORDS, "cross_fit": 0}},
                                    {"model": "linear", "params": {**CHARS, "cross_fit": 0}}]).fit(
        *train, labels=labels, validation=validation)
    np.testing.assert_allclose(reused.weights_, fitted.weights_)
    np.testing.assert_allclose(reused.predict_proba(test[0]), fitted.predict_proba(test[0]), atol=1e-5)
    assert reused.tuning_[1].shape == (len(validation[0]), len(labels))
    assert [m["model"] for m in reused.config.members] == ["linear", "linear"]


def test_weights_come_from_held_out_scores_not_in_sample_ones(data):
    """A cross-fitted member's validation rows are in its final fit; the ensemble must weigh its held-out
    scores of them (validation_proba_), which are less confident than its in-sample predictions."""
    labels, train, validation, _ = data
    member = get_model("linear", **WORDS).fit(*train, labels=labels, validation=validation)
    gold = validation[1] > 0
    assert member.validation_proba_[gold].mean() < member.predict_proba(validation[0])[gold].mean() - 0.05
    ensemble = EnsembleModel.from_members([member, member], validation)
    np.testing.assert_allclose(ensemble.validation_proba_, member.validation_proba_, atol=1e-6)


def test_members_without_validation_scores_are_refused(data):
    labels, train, _, _ = data
    member = get_model("linear", **WORDS, cross_fit=0).fit(*train, labels=labels)
    with pytest.raises(ConfigError, match="validation split"):
        EnsembleModel.from_members([member, member], (train[0][:10], train[1][:10]))


def test_simplex_grid_covers_every_split_once_most_even_first():
    grid = simplex_grid(3, 0.25)
    assert len(grid) == 15 and all(abs(w.sum() - 1) < 1e-9 for w in grid)
    assert len({tuple(w) for w in grid}) == 15
    assert np.abs(grid[0] - 1 / 3).sum() <= min(np.abs(w - 1 / 3).sum() for w in grid)


def _best_by_evaluate(Y, predictions):
    """The reference: the index of the best micro-F1 by the library's own metrics (ties: the first)."""
    from multilabeltext.metrics import evaluate

    scores = [evaluate(Y, p, None)["micro_f1"] for p in predictions]
    return int(np.argmax(scores))


def test_best_candidates_matches_micro_f1_on_every_resample():
    rng = np.random.default_rng(3)
    Y = (rng.random((60, 5)) < 0.3).astype(np.float32)
    predictions = [rng.random((60, 5)) < q for q in (0.2, 0.3, 0.5)] + [Y > 0]  # the last one is perfect
    assert best_candidates(Y, predictions).tolist() == [3]
    noisy = predictions[:3]
    winners = best_candidates(Y, noisy, resamples=30, seed=5)
    assert len(winners) == 30
    again = np.random.default_rng(5)  # the same resamples, drawn as the function draws them
    for winner in winners:
        rows = again.integers(0, len(Y), len(Y))
        assert winner == _best_by_evaluate(Y[rows], [p[rows] for p in noisy])


def test_bagged_weights_are_the_mean_of_each_resample_best(data):
    labels, train, validation, _ = data
    members = [get_model("linear", **WORDS, cross_fit=0).fit(*train, labels=labels, validation=validation),
               get_model("linear", **CHARS, cross_fit=0).fit(*train, labels=labels, validation=validation)]
    rule = {"method": "global", "min_tags": 0}  # the rule the reference below applies
    once = EnsembleModel.from_members(members, validation, EnsembleConfig(members=MEMBERS, weight_resamples=0),
                                      rule=rule)
    bagged = EnsembleModel.from_members(members, validation, EnsembleConfig(members=MEMBERS, weight_resamples=40),
                                        rule=rule)
    grid = simplex_grid(2, 0.05)
    assert any(np.allclose(once.weights_, w) for w in grid)  # one grid point
    probas = [m.validation_proba_ for m in members]
    from multilabeltext.thresholds import tune_global

    predictions = [sum(wi * p for wi, p in zip(w, probas)) for w in grid]
    predictions = [p >= tune_global(validation[1], p) for p in predictions]
    expected = np.mean([grid[i] for i in best_candidates(validation[1], predictions, 40, 0)], axis=0)
    np.testing.assert_allclose(bagged.weights_, expected, atol=1e-6)
    assert bagged.config.to_dict()["weight_resamples"] == 40


def test_weight_resamples_must_be_a_whole_number():
    with pytest.raises(ConfigError, match="weight_resamples"):
        EnsembleConfig(weight_resamples=-1)


def test_weights_are_tuned_under_the_rule_the_model_ships_with(data):
    """Each weight candidate is judged with the decision rule train() will tune (default: global, min 1 tag)."""
    from multilabeltext.config import TrainConfig
    from multilabeltext.models.ensemble import tune_weights
    from multilabeltext.thresholds import Thresholds

    labels, train, validation, _ = data
    members = [get_model("linear", **WORDS, cross_fit=0).fit(*train, labels=labels, validation=validation),
               get_model("linear", **CHARS, cross_fit=0).fit(*train, labels=labels, validation=validation)]
    ensemble = EnsembleModel.from_members(members, validation, EnsembleConfig(members=MEMBERS, weight_resamples=0))
    assert ensemble.rule_options_ == TrainConfig().rule_options() and ensemble.rule_options_["min_tags"] == 1
    probas, Y = [m.validation_proba_ for m in members], validation[1]
    grid = simplex_grid(2, 0.05)
    decided = []
    for w in grid:
        p = sum(wi * q for wi, q in zip(w, probas))
        decided.append(Thresholds.fit(Y, p, method="global", min_tags=1).decide(p))
    np.testing.assert_allclose(ensemble.weights_, grid[int(best_candidates(Y, decided)[0])], atol=1e-6)
    per_tag = tune_weights(probas, Y, 0.05, 0, rule={"method": "per-tag", "min_tags": 1})
    assert per_tag.shape == (2,) and per_tag.sum() == pytest.approx(1.0)


def test_the_default_ensemble_has_a_narrower_mlp_than_the_mlp_model():
    """Its mlp member has 128 hidden units (the mlp's own default is 512): a third less time and 1.2 GB less
    memory on so-titles at the same score (bench/results/speed-ensemble-mlp128.json)."""
    members = EnsembleModel()._members()
    assert [m.name for m in members] == ["linear", "mlp", "lstm"]
    assert members[1].config.hidden == 128
    assert members[2].config.teacher == "none" and get_model("lstm").config.teacher == "linear"
    assert get_model("mlp").config.hidden == 512
