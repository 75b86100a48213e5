"""``mlp``: NumPy prediction equals the Keras network's, early stopping keeps the best epoch, bad settings."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import so_titles_subset

from multilabeltext.errors import ConfigError
from multilabeltext.models.mlp import MlpModel

SMALL = {"char_ngrams": None, "min_df": 1, "hidden": 32, "epochs": 8, "patience": 1, "batch_size": 64}


@pytest.fixture(scope="module")
def fitted():
    labels, texts, Y = so_titles_subset(2500, 8)
    model = MlpModel(**SMALL).fit(texts[:900], Y[:900], labels=labels, validation=(texts[900:1100], Y[900:1100]))
    return model, texts[1100:], Y[1100:]


def test_numpy_prediction_equals_the_keras_network(fitted):
    model, texts, _ = fitted
    keras_out = np.asarray(model.model_(model.features_.transform(texts[:50]).toarray(), training=False))
    np.testing.assert_allclose(model.predict_proba(texts[:50]), keras_out, atol=1e-5)


def test_learns_real_titles_and_logs_every_epoch(fitted):
    model, texts, Y = fitted
    proba = model.predict_proba(texts)
    top = proba.argmax(axis=1)
    p_at_1, always_commonest = Y[np.arange(len(Y)), top].mean(), Y.mean(axis=0).max()
    assert p_at_1 > always_commonest + 0.15, (p_at_1, always_commonest)  # unseen titles, 8 common tags
    assert [h["epoch"] for h in model.history_] == list(range(1, len(model.history_) + 1))
    assert all(h["val_loss"] is not None and h["seconds"] > 0 for h in model.history_)


def test_output_biases_start_at_each_tags_log_odds():
    Y = np.array([[1, 0]] * 9 + [[0, 1]], dtype=np.float32)
    model = MlpModel(**{**SMALL, "epochs": 1, "learning_rate": 1e-9}).fit(["a b"] * 10, Y, labels=["x", "y"])
    np.testing.assert_allclose(model.weights_[3], np.log([0.9 / 0.1, 0.1 / 0.9]), atol=1e-3)


@pytest.mark.parametrize("settings, message", [({"hidden": 0}, "hidden"), ({"dropout": 1.0}, "dropout"),
                                               ({"epochs": 0}, "epochs"), ({"learning_rate": 0}, "learning_rate")])
def test_bad_settings_are_clear_errors(settings, message):
    with pytest.raises(ConfigError, match=message):
        MlpModel(**settings)
