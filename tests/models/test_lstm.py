"""The ``lstm`` model: learns tiny data, round-trips through ``.keras`` (also in a new process), keeps the
tutorial's network as a preset, handles empty and unknown texts, and validates its settings.

Small networks and a few dozen texts keep the whole file well under a minute on 2 CPU cores.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REPO, run_python

from multilabeltext.errors import ConfigError
from multilabeltext.models import get_model
from multilabeltext.models.lstm import LstmConfig, LstmModel

LABELS = ["numpy", "pandas", "regex"]
TEXTS = [
    "numpy array reshape", "numpy dtype of an array", "vectorized numpy operations on arrays",
    "numpy broadcasting rules", "numpy matrix multiplication dot",
    "pandas dataframe groupby sum", "merge two pandas dataframes", "pandas series index alignment",
    "pandas read csv file", "pandas pivot table",
    "regex match digits", "regular expression group capture regex", "regex lookahead pattern",
    "regex replace whitespace", "regex greedy quantifier",
    "numpy array from a pandas dataframe", "pandas dataframe column filtered with a regex",
    "numpy arrays and regex patterns", "numpy pandas regex all together", "convert pandas series to numpy",
]
Y = np.array([[1, 0, 0]] * 5 + [[0, 1, 0]] * 5 + [[0, 0, 1]] * 5
             + [[1, 1, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 1, 0]], dtype=np.float32)
# small and fast: a few hundred steps on 20 texts
TINY = dict(units=16, embedding_dim=16, min_count=1, epochs=40, batch_size=5, learning_rate=0.02, dropout=0.0,
            seed=7, teacher="none")  # the default teacher has tests of its own


@pytest.fixture(autouse=True)
def _quiet():
    from multilabeltext.progress import set_quiet

    set_quiet(True)  # conftest restores the flag afterwards


@pytest.fixture(scope="module")
def fitted() -> LstmModel:
    """The default network (bidirectional, max pooling, masking, bucketing), shrunk."""
    from multilabeltext.progress import set_quiet

    set_quiet(True)
    return LstmModel(**TINY).fit(TEXTS, Y, labels=LABELS)


@pytest.fixture(scope="module")
def fitted_validated() -> LstmModel:
    """Trained with a validation split (early stopping) and auxiliary rows (the weighted loss)."""
    from multilabeltext.auxiliary import AuxiliaryData
    from multilabeltext.progress import set_quiet

    set_quiet(True)
    aux = AuxiliaryData.from_tags(["numpy arrays", "pandas frames", "a django view"], [["numpy"], ["pandas"], ["django"]],
                                  labels=LABELS, source_labels=["numpy", "pandas", "django"], weight=0.5, source="t")
    return LstmModel(**dict(TINY, epochs=8)).fit(TEXTS, Y, labels=LABELS, validation=(TEXTS[::2], Y[::2]),
                                                 auxiliary=aux)


def _vectors(dim: int = 8):
    from gensim.models import KeyedVectors

    words = sorted({w for t in TEXTS for w in t.split()})
    kv = KeyedVectors(vector_size=dim)
    kv.add_vectors(words, np.random.default_rng(0).normal(size=(len(words), dim)).astype(np.float32))
    return kv


def test_importing_the_module_does_not_import_tensorflow():
    code = ("import sys, multilabeltext.models.lstm; "
            "print(sorted(m for m in ('keras', 'tensorflow') if m in sys.modules))")
    out = run_python("-c", code)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_registered():
    model = get_model("lstm", {"units": 8})
    assert isinstance(model, LstmModel) and model.config.units == 8


def test_overfits_a_handful_of_examples(fitted):
    proba = fitted.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), len(LABELS)) and proba.dtype == np.float32
    assert np.array_equal(proba >= 0.5, Y > 0), np.round(proba, 2)
    assert fitted.vocab_[:2] == ["<pad>", "<oov>"]
    history = fitted.history_
    assert len(history) == TINY["epochs"] and history[-1]["loss"] < history[0]["loss"] / 5
    assert set(history[0]) == {"epoch", "loss", "val_loss", "seconds", "texts_per_s"}
    assert history[0]["val_loss"] is None and history[-1]["stopped"] == "epoch_cap_no_validation"
    assert fitted.device_["device"] == "CPU" and fitted.device_["deterministic"]


def test_scores_do_not_depend_on_the_batch(fitted):
    """Masking: a short text scores the same alone and padded in a batch with longer texts."""
    alone = np.vstack([fitted.predict_proba([t]) for t in TEXTS[:4]])
    together = fitted.predict_proba(TEXTS[:4] + ["numpy " * 50])[:4]
    np.testing.assert_allclose(alone, together, atol=1e-5)


@pytest.mark.parametrize("which", ["fitted", "fitted_validated"])
def test_empty_and_unknown_texts_give_finite_scores(which, request):
    model = request.getfixturevalue(which)
    texts = ["", "zzzz qqqq xxxx", "the and of", None, "numpy"]  # empty, all-OOV, all stopwords, not text
    proba = model.predict_proba(texts)
    assert proba.shape == (5, 3) and np.isfinite(proba).all() and ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba[0], proba[2], atol=1e-6)  # both are no tokens at all
    only_empty = model.predict_proba(["", ""])  # a batch that is all padding
    assert np.isfinite(only_empty).all()
    assert model.predict_proba([]).shape == (0, 3)


def test_the_same_seed_gives_the_same_model():
    cfg = dict(TINY, epochs=3, bidirectional=False)  # one direction: half the graph to trace, twice
    a = LstmModel(**cfg).fit(TEXTS, Y, labels=LABELS).predict_proba(TEXTS)
    b = LstmModel(**cfg).fit(TEXTS, Y, labels=LABELS).predict_proba(TEXTS)
    assert np.array_equal(a, b)  # on a CPU with op determinism: the same bits


def test_early_stopping_keeps_the_best_epoch(fitted_validated):
    history = fitted_validated.history_
    assert all(h["val_loss"] is not None and h["texts_per_s"] > 0 for h in history)
    best = min(history, key=lambda h: h["val_loss"])
    assert fitted_validated.best_epoch_ == best["epoch"]
    targets = np.hstack([Y[::2], np.ones_like(Y[::2])])  # trained with auxiliary rows: labels and their weights
    loss = fitted_validated.model_.evaluate(
        fitted_validated._pad(fitted_validated._encode(TEXTS[::2])), targets, verbose=0)
    assert loss == pytest.approx(best["val_loss"], rel=1e-3)  # the best weights were restored
    assert history[-1]["stopped"] == fitted_validated.stop_["reason"] != "epoch_cap_no_validation"
    assert "view" in fitted_validated.vocab_  # the auxiliary texts' words are in the vocabulary


def test_why_training_stopped():
    from multilabeltext.models.keras_support import stop_reason

    def history(*losses):
        return [{"epoch": i + 1, "val_loss": v} for i, v in enumerate(losses)]

    assert stop_reason(history(0.5, 0.4, 0.3), 3, 3, True)["reason"] == "epoch_cap_still_improving"
    assert "epoch cap (3)" in stop_reason(history(0.5, 0.4, 0.3), 3, 3, True)["message"]
    assert stop_reason(history(0.5, 0.3, 0.4), 3, 2, True)["reason"] == "epoch_cap"
    assert stop_reason(history(0.5, 0.3, 0.4, 0.5), 10, 2, True)["reason"] == "early_stopping"
    assert stop_reason(history(None, None), 2, 2, False)["reason"] == "epoch_cap_no_validation"


def test_the_layer_qualifies_for_the_cudnn_kernel_and_no_row_is_all_padding(fitted):
    """Keras' fused cuDNN LSTM needs standard activations, no recurrent dropout and right-padded masks."""
    import keras

    for layer in (fitted.model_.get_layer("bidirectional").forward_layer,
                  LstmModel(LstmConfig.tutorial()).fit(TEXTS[:6], Y[:6], labels=LABELS, vectors=_vectors())
                  .model_.get_layer("lstm")):
        assert isinstance(layer, keras.layers.LSTM) and layer.use_cudnn == "auto"
        assert layer.activation.__name__ == "tanh" and layer.recurrent_activation.__name__ == "sigmoid"
        assert layer.cell.dropout == 0 and layer.cell.recurrent_dropout == 0 and not layer.unroll and layer.use_bias
    padded = fitted._pad(fitted._encode(["numpy", "", "numpy array reshape"]))
    mask = padded != 0
    assert mask.any(axis=1).all()  # every row keeps a step (cuDNN refuses all-masked rows)
    assert (np.sort(mask, axis=1)[:, ::-1] == mask).all()  # right-padded: steps first, padding after
    left = LstmModel(**dict(TINY, padding="pre", epochs=1)).fit(TEXTS[:6], Y[:6], labels=LABELS)
    assert left.model_.get_layer("bidirectional").forward_layer.use_cudnn is False  # masked + front padding


def test_save_and_load_give_the_same_numbers_also_in_a_new_process(fitted_validated, tmp_path):
    model = fitted_validated
    out = model.save(tmp_path / "m")
    files = {p.name for p in out.iterdir()}
    assert {"model.keras", "vocab.json", "model_config.json", "history.json", "lstm.json"} == files
    info = json.loads((out / "lstm.json").read_text(encoding="utf-8"))
    assert info["device"]["device"] == "CPU" and info["stop"]["reason"] == model.stop_["reason"]
    assert json.loads((out / "vocab.json").read_text(encoding="utf-8")) == model.vocab_
    probe = TEXTS + ["", "unknown words only", "regex"]
    expected = model.predict_proba(probe)

    reloaded = LstmModel.load(out)
    np.testing.assert_allclose(reloaded.predict_proba(probe), expected, atol=1e-6)
    assert reloaded.config == model.config and reloaded.history_ == model.history_
    assert reloaded.best_epoch_ == model.best_epoch_

    code = ("import json, sys; from multilabeltext.models import model_class; "
            "m = model_class('lstm').load(sys.argv[1]); "
            "print(json.dumps(m.predict_proba(json.loads(sys.argv[2])).tolist()))")
    result = run_python("-c", code, out, json.dumps(probe), cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    np.testing.assert_allclose(np.array(json.loads(result.stdout.strip().splitlines()[-1])), expected, atol=1e-6)


def test_tutorial_preset_builds_the_tutorial_network():
    import keras

    cfg = LstmConfig.tutorial(epochs=1)
    assert (cfg.units, cfg.max_length, cfg.pooling, cfg.bidirectional, cfg.trainable_embeddings) == (
        100, 1000, "last", False, False)
    assert LstmConfig.tutorial().epochs == 5
    kv = _vectors()
    model = LstmModel(cfg).fit(TEXTS[:6], Y[:6], labels=LABELS, vectors=kv)
    layers = [layer for layer in model.model_.layers if not isinstance(layer, keras.layers.InputLayer)]
    assert [type(layer).__name__ for layer in layers] == ["Embedding", "LSTM", "Dense"]
    embedding, lstm, dense = layers
    assert not embedding.trainable and embedding.output_dim == 8 and not embedding.mask_zero
    assert model.vocab_[2:] == list(kv.index_to_key)  # the tutorial's vocabulary: the Word2Vec words
    weights = embedding.get_weights()[0]
    np.testing.assert_allclose(weights[model.vocab_.index("numpy")], kv["numpy"])  # frozen: still Word2Vec
    assert not weights[0].any()  # padding row
    assert lstm.units == 100 and not lstm.return_sequences
    assert dense.units == 3 and dense.activation.__name__ == "sigmoid"
    assert isinstance(model.model_.optimizer, keras.optimizers.Adam)
    assert model.model_.loss.__class__.__name__ == "BinaryCrossentropy"
    assert model._pad(model._encode(["numpy array"]), model._batch_width()).shape == (1, 1000)
    assert np.isfinite(model.predict_proba(["numpy array", ""])).all()


def test_two_layers_stack_two_bilstms_and_round_trip(tmp_path):
    """``layers=2``: the first BiLSTM hands every step to the second, which the pooling reads."""
    import keras

    model = LstmModel(**dict(TINY, epochs=2, layers=2)).fit(TEXTS, Y, labels=LABELS)
    rnns = [layer for layer in model.model_.layers if isinstance(layer, keras.layers.Bidirectional)]
    assert [layer.name for layer in rnns] == ["bidirectional", "bidirectional_2"]
    assert all(layer.forward_layer.return_sequences and layer.forward_layer.units == 16 for layer in rnns)
    # the second layer reads the first one's both directions (2 x 16) into its 4 gates (4 x 16)
    assert [tuple(layer.forward_layer.cell.kernel.shape) for layer in rnns] == [(16, 64), (32, 64)]
    last = LstmModel(**dict(TINY, epochs=1, layers=2, pooling="last", bidirectional=False)).fit(
        TEXTS, Y, labels=LABELS)
    lstms = [layer for layer in last.model_.layers if isinstance(layer, keras.layers.LSTM)]
    assert [layer.return_sequences for layer in lstms] == [True, False]
    reloaded = LstmModel.load(model.save(tmp_path / "two"))
    assert reloaded.config.layers == 2
    np.testing.assert_allclose(reloaded.predict_proba(TEXTS), model.predict_proba(TEXTS), atol=1e-6)


def test_refit_trains_a_new_network_on_fit_and_validation_for_the_best_epoch_count(tmp_path):
    settings, val = dict(TINY, epochs=6, patience=1), (TEXTS[::2], Y[::2])
    plain = LstmModel(**settings).fit(TEXTS[1::2], Y[1::2], labels=LABELS, validation=val)
    refit = LstmModel(**dict(settings, refit=True)).fit(TEXTS[1::2], Y[1::2], labels=LABELS, validation=val)
    assert plain.refit_ is None
    assert [h["val_loss"] for h in refit.history_] == [h["val_loss"] for h in plain.history_]  # the first network's
    assert refit.refit_["epochs"] == plain.best_epoch_ and refit.refit_["rows"] == len(TEXTS)
    # thresholds are tuned on held-out scores: the early-stopped network's, not the refit one's
    np.testing.assert_allclose(refit.tuning_[1], plain.predict_proba(val[0]), atol=1e-5)
    assert np.abs(refit.predict_proba(val[0]) - plain.predict_proba(val[0])).max() > 1e-3
    reloaded = LstmModel.load(refit.save(tmp_path / "refit"))
    assert reloaded.refit_ == refit.refit_
    np.testing.assert_allclose(reloaded.predict_proba(TEXTS), refit.predict_proba(TEXTS), atol=1e-6)


def _aux(weight=0.5):
    from multilabeltext.auxiliary import AuxiliaryData

    return AuxiliaryData.from_tags(["numpy arrays", "pandas frames", "a django view", "regex in pandas"],
                                   [["numpy"], ["pandas"], ["django"], ["pandas"]], labels=LABELS,
                                   source_labels=["numpy", "pandas", "django"], weight=weight, source="t")


def test_soft_targets_blend_held_out_scores_and_fill_the_tags_the_auxiliary_source_lacks():
    from multilabeltext.models.lstm import soft_targets

    aux = _aux(0.3)  # annotates numpy and pandas, not regex
    train_scores = np.full(Y.shape, 0.25, dtype=np.float32)
    aux_scores = np.array([[0.9, 0.8, 0.7]] * 4, dtype=np.float32)
    targets, weights = soft_targets(Y, train_scores, 0.4, aux, aux_scores)
    assert targets.shape == weights.shape == (len(TEXTS) + 4, 3)
    np.testing.assert_allclose(targets[:len(TEXTS)], 0.6 * Y + 0.4 * 0.25, atol=1e-6)
    np.testing.assert_array_equal(weights[:len(TEXTS)], 1.0)
    np.testing.assert_array_equal(targets[len(TEXTS):, :2], aux.Y[:, :2])  # annotated tags: the source's labels
    np.testing.assert_allclose(targets[len(TEXTS):, 2], 0.7)  # regex: the teacher's score, weighted like the rest
    np.testing.assert_allclose(weights[len(TEXTS):], 0.3)
    hard, _ = soft_targets(Y, train_scores, 0.0)
    np.testing.assert_array_equal(hard, Y)


def test_the_teacher_scores_are_out_of_fold():
    from multilabeltext.config import TokenizerConfig
    from multilabeltext.models.linear import LinearModel
    from multilabeltext.models.lstm import teacher_scores

    aux = _aux()
    scores, aux_scores, info = teacher_scores(TEXTS, Y, LABELS, TokenizerConfig(), aux)
    assert info == {"model": "linear", "cross_fit": 5, "rows": len(TEXTS), "auxiliary_rows": 4,
                    "seconds": info["seconds"]}
    held = LinearModel(cross_fit=5).fit(TEXTS, Y, labels=LABELS, tokenizer=TokenizerConfig(), auxiliary=aux)
    np.testing.assert_allclose(scores, held.tuning_[1], atol=1e-6)  # the cross-fit's held-out scores ...
    in_sample = held.predict_proba(TEXTS)  # ... not the final model's scores of its own training rows
    assert np.abs(scores - in_sample).max() > 0.05
    assert np.mean(np.abs(in_sample - Y)) < np.mean(np.abs(scores - Y))  # in-sample scores fit the labels better
    np.testing.assert_allclose(aux_scores, held.predict_proba(aux.texts), atol=1e-6)
    assert teacher_scores(TEXTS, Y, LABELS, TokenizerConfig())[1] is None


def test_a_teacher_trained_lstm_learns_and_survives_save_and_load(tmp_path):
    import multilabeltext.models.lstm as lstm_module

    seen = {}
    real = lstm_module.soft_targets

    def spy(Y_, train_scores, mix, auxiliary=None, aux_scores=None):
        seen.update(rows=len(Y_), mix=mix, aux=len(auxiliary.texts))
        return real(Y_, train_scores, mix, auxiliary, aux_scores)

    lstm_module.soft_targets = spy
    try:
        model = LstmModel(**dict(TINY, teacher="linear", teacher_mix=0.3)).fit(
            TEXTS, Y, labels=LABELS, validation=(TEXTS[:6], Y[:6]), auxiliary=_aux())
    finally:
        lstm_module.soft_targets = real
    assert seen == {"rows": len(TEXTS), "mix": 0.3, "aux": 4}  # the validation rows are not the teacher's
    assert model.teacher_["model"] == "linear" and model.teacher_["rows"] == len(TEXTS)
    proba = model.predict_proba(TEXTS)
    assert ((proba >= 0.5) == (Y > 0.5)).mean() >= 0.9
    reloaded = LstmModel.load(model.save(tmp_path / "taught"))
    assert reloaded.config.teacher == "linear" and reloaded.teacher_ == model.teacher_
    assert json.loads((tmp_path / "taught" / "lstm.json").read_text())["teacher"]["cross_fit"] == 5
    np.testing.assert_allclose(reloaded.predict_proba(TEXTS), proba, atol=1e-6)
    assert LstmModel(**dict(TINY, epochs=1, teacher="none")).fit(TEXTS, Y, labels=LABELS).teacher_ is None


def test_the_teacher_is_the_default_and_skipped_for_too_few_texts(capsys):
    from multilabeltext.config import TokenizerConfig
    from multilabeltext.models.lstm import teacher_scores
    from multilabeltext.progress import set_quiet

    assert (LstmConfig().teacher, LstmConfig().teacher_mix) == ("linear", 0.25)
    set_quiet(False)
    settings = {k: v for k, v in TINY.items() if k not in ("teacher", "teacher_mix")}
    model = LstmModel(**dict(settings, epochs=1)).fit(TEXTS[:3], Y[:3], labels=LABELS)
    assert model.teacher_ is None and model.config.teacher == "linear"
    assert "teacher skipped: 3 training text(s) are too few" in capsys.readouterr().err
    assert LstmModel(**dict(settings, epochs=1)).fit(TEXTS[:4], Y[:4], labels=LABELS).teacher_["cross_fit"] == 2
    with pytest.raises(ConfigError, match="at least 4"):  # the function itself refuses what fit skips
        teacher_scores(TEXTS[:3], Y[:3], LABELS, TokenizerConfig())


def test_a_bag_of_networks_averages_the_networks_each_seed_would_train_alone(tmp_path):
    """networks = 2: network k is exactly the network seed + k trains alone; the bag predicts their mean, saves
    one .keras file per network and records each network's seed and stop in lstm.json."""
    settings = dict(TINY, epochs=6)
    validation = (TEXTS[::2], Y[::2])
    bag = LstmModel(**dict(settings, networks=2)).fit(TEXTS, Y, labels=LABELS, validation=validation)
    alone = [LstmModel(**dict(settings, seed=s)).fit(TEXTS, Y, labels=LABELS, validation=validation)
             for s in (7, 8)]
    expected = np.mean([m.predict_proba(TEXTS) for m in alone], axis=0)
    np.testing.assert_allclose(bag.predict_proba(TEXTS), expected, atol=1e-6)
    assert not np.allclose(alone[0].predict_proba(TEXTS), alone[1].predict_proba(TEXTS), atol=1e-3)
    losses = [[(h["loss"], h["val_loss"]) for h in m.history_] for m in (bag, alone[0])]
    assert losses[0] == losses[1] and bag.best_epoch_ == alone[0].best_epoch_  # the first network's history

    bag.save(tmp_path / "bag")
    assert {p.name for p in (tmp_path / "bag").glob("*.keras")} == {"model.keras", "model-2.keras"}
    info = json.loads((tmp_path / "bag" / "lstm.json").read_text())
    assert [n["seed"] for n in info["networks"]] == [7, 8]
    assert [n["best_epoch"] for n in info["networks"]] == [m.best_epoch_ for m in alone]
    np.testing.assert_allclose(LstmModel.load(tmp_path / "bag").predict_proba(TEXTS), expected, atol=1e-6)

    (tmp_path / "bag" / "model-2.keras").unlink()
    from multilabeltext.errors import MultilabeltextError

    with pytest.raises(MultilabeltextError, match="2 networks, but model-2.keras is missing"):
        LstmModel.load(tmp_path / "bag")


def test_a_trainer_of_one_network_refuses_a_bag():
    model = LstmModel(**dict(TINY, networks=2))
    model.network_trainer = lambda *args, **kwargs: None  # e.g. Spark's data-parallel trainer
    with pytest.raises(ConfigError, match="networks = 2: this trainer"):
        model.fit(TEXTS, Y, labels=LABELS)


def test_vectors_initialise_a_trainable_embedding():
    kv = _vectors(8)
    model = LstmModel(**dict(TINY, epochs=1, embedding_dim=None, bidirectional=False)).fit(
        TEXTS, Y, labels=LABELS, vectors=kv)
    assert model.model_.get_layer("embedding").output_dim == 8
    with pytest.raises(ConfigError, match="embedding_dim"):
        LstmModel(**dict(TINY, epochs=1, embedding_dim=16)).fit(TEXTS, Y, labels=LABELS, vectors=kv)
    with pytest.raises(ConfigError, match="vectors"):
        LstmModel(LstmConfig.tutorial()).fit(TEXTS, Y, labels=LABELS)


@pytest.mark.parametrize("bad", [
    {"pooling": "mean"}, {"units": 0}, {"dropout": 1.0}, {"dropout": -0.1}, {"max_length": 0},
    {"learning_rate": 0}, {"epochs": 0}, {"batch_size": 2.5}, {"min_count": 0},
    {"embedding_dim": -3}, {"pooling": "attention"}, {"vocabulary": "glove"}, {"padding": "left"},
    {"clipnorm": -1.0}, {"max_vocab": -1}, {"patience": -1}, {"mask": False}, {"bidirectional": "yes"},
    {"prior_bias": 1}, {"seed": "13"}, {"deterministic": "yes"}, {"layers": 0}, {"layers": 1.5}, {"layers": 9},
    {"refit": "yes"}, {"inference": "tensorrt"}, {"teacher": "mlp"}, {"teacher": True}, {"teacher_mix": 1.5},
    {"teacher_mix": -0.1}, {"teacher_mix": "0.5"},
    {"networks": 0}, {"networks": 17}, {"networks": "2"}, {"networks": True}, {"networks": 2, "refit": True},
])
def test_bad_settings_are_config_errors(bad):
    with pytest.raises(ConfigError, match="Fix:"):
        LstmModel(**bad)


def test_settings_from_dict_refuse_unknown_keys_and_round_trip(tmp_path):
    for gone in ({"attention_heads": 2}, {"class_weighting": "balanced"}):  # class_weighting lowered micro-F1: removed
        with pytest.raises(ConfigError, match="unknown option"):
            get_model("lstm", gone)
    cfg = LstmConfig.tutorial()
    assert LstmConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    toml = tmp_path / "lstm.toml"
    toml.write_text(cfg.to_toml(), encoding="utf-8")
    assert LstmConfig.from_toml(toml) == cfg  # no setting of the preset needs a null
    assert LstmConfig(clipnorm=None, max_vocab=None) == LstmConfig(clipnorm=0, max_vocab=0)
    assert LstmConfig(mask=False, bucketing=False).bucketing is False

