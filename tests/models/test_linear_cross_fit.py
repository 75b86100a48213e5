"""``linear`` cross-fitting: held-out scores for every row, calibration on them, a final fit on all rows.

Real Stack Overflow titles (so-titles, 20 common tags), a small validation split as users often have.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import so_titles_subset

from multilabeltext.errors import ConfigError
from multilabeltext.models.linear import LinearModel

FAST = {"char_ngrams": None, "min_df": 1}


@pytest.fixture(scope="module")
def data():
    labels, texts, Y = so_titles_subset(4000, 20)
    return labels, (texts[:2000], Y[:2000]), (texts[2000:2150], Y[2000:2150]), (texts[2150:], Y[2150:])


@pytest.fixture(scope="module")
def models(data):
    labels, train, validation, _ = data
    crossed = LinearModel(**FAST, cross_fit=5).fit(*train, labels=labels, validation=validation)
    plain = LinearModel(**FAST, cross_fit=0).fit(*train, labels=labels, validation=validation)
    return crossed, plain


def test_tuning_rows_are_every_train_and_validation_row_scored_held_out(data, models):
    labels, train, validation, _ = data
    crossed, _ = models
    Y_tune, proba_tune = crossed.tuning_
    assert Y_tune.shape == proba_tune.shape == (len(train[0]) + len(validation[0]), len(labels))
    np.testing.assert_array_equal(Y_tune, np.vstack([train[1], validation[1]]))
    np.testing.assert_array_equal(crossed.validation_proba_, proba_tune[len(train[0]):])
    # held out, the gold tags score lower than when the final model (which saw these rows) scores them
    in_sample = crossed.predict_proba(train[0])
    gold = train[1] > 0
    assert proba_tune[: len(train[0])][gold].mean() < in_sample[gold].mean() - 0.05


def test_a_plain_model_tunes_on_its_validation_split(data, models):
    _, _, validation, _ = data
    _, plain = models
    np.testing.assert_array_equal(plain.tuning_[0], validation[1])
    np.testing.assert_allclose(plain.tuning_[1], plain.predict_proba(validation[0]), atol=1e-6)


def test_cross_fitting_calibrates_better_than_a_small_validation_split(data, models):
    *_, test = data
    crossed, plain = models

    def log_loss(model):
        p = np.clip(model.predict_proba(test[0]), 1e-6, 1 - 1e-6)
        return float(-(test[1] * np.log(p) + (1 - test[1]) * np.log(1 - p)).mean())

    assert log_loss(crossed) < log_loss(plain)


def test_a_tag_missing_from_a_fold_gets_a_constant_score():
    texts = ["numpy array"] * 9 + ["regex group"] * 9 + ["rare tag here"]
    Y = np.array([[1, 0, 0]] * 9 + [[0, 1, 0]] * 9 + [[0, 0, 1]], dtype=np.float32)
    model = LinearModel(**FAST, cross_fit=3).fit(texts, Y, labels=["numpy", "regex", "rare"])
    assert model.tuning_[1].shape == (19, 3) and np.isfinite(model.tuning_[1]).all()
    assert model.predict_proba(["numpy array"])[0].argmax() == 0


def test_one_fold_is_refused():
    with pytest.raises(ConfigError, match="cross_fit must be 0"):
        LinearModel(cross_fit=1)


def test_the_logreg_classifier_is_gone_but_saved_svm_settings_load():
    from multilabeltext.models.linear import LinearConfig

    with pytest.raises(ConfigError, match="removed"):
        LinearConfig.from_dict({"classifier": "logreg"})
    assert LinearConfig.from_dict({"classifier": "svm", "C": 1.0}).C == 1.0  # a model saved before the removal
    with pytest.raises(TypeError):
        LinearModel(classifier="svm")  # not a setting any more


def test_jobs_are_bounded_by_the_cores(monkeypatch):
    import concurrent.futures

    from multilabeltext.parallel import resolve_jobs

    started = []
    real = concurrent.futures.ThreadPoolExecutor.__init__

    def spy(self, max_workers=None, *args, **kwargs):
        started.append(max_workers)
        real(self, max_workers, *args, **kwargs)

    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "__init__", spy)
    texts = ["numpy array", "regex group", "pandas frame", "numpy matrix"] * 5
    Y = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]] * 5, dtype=np.float32)
    LinearModel(**FAST, cross_fit=0, jobs=100_000).fit(texts, Y, labels=["numpy", "regex", "pandas"])
    assert started and max(started) <= resolve_jobs(0)
    with pytest.raises(ConfigError, match="jobs"):
        LinearModel(jobs=-1)


def test_progress_per_fold_and_block_of_tags(data, capfd):
    from multilabeltext import progress

    labels, train, validation, _ = data
    progress.set_quiet(False)
    try:
        LinearModel(**FAST, cross_fit=3, jobs=100_000).fit(train[0][:600], train[1][:600], labels=labels)
    finally:
        progress.set_quiet(True)
    err = capfd.readouterr().err
    for step in ("features of 600 texts", "cross-fit fold 1/3", "cross-fit fold 3/3", "final fit, 600 rows"):
        assert step in err, err[-2000:]
