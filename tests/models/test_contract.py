"""One contract test over every registered model: learns a handful of examples, survives save/load.

Like spaCy's ``test_overfitting_IO_multi`` and scikit-learn's ``parametrize_with_checks``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from multilabeltext.errors import ConfigError
from multilabeltext.models import MODELS, get_model

# small, fast settings per model (a model missing here runs with its defaults)
FAST = {
    "mlp": {"char_ngrams": None, "min_df": 1, "hidden": 16, "epochs": 60, "learning_rate": 0.02, "dropout": 0.0,
            "batch_size": 4, "patience": 60},
    "linear": {"char_ngrams": None, "min_df": 1, "C": 1.0},
    "lstm": {"epochs": 30, "units": 16, "embedding_dim": 16, "batch_size": 8, "learning_rate": 0.01,
             "dropout": 0.0, "min_count": 1},
    "tree": {"char_ngrams": None, "min_df": 1},
    "ensemble": {"members": [{"model": "linear", "params": {"char_ngrams": None, "min_df": 1, "C": 1.0}},
                             {"model": "linear", "params": {"min_df": 1, "C": 0.5}}]},
}

LABELS = ["numpy", "pandas", "regex"]
TEXTS = [
    "numpy array reshape broadcasting", "numpy dtype of an array", "vectorized numpy operations on arrays",
    "pandas dataframe groupby sum", "merge two pandas dataframes", "pandas series index alignment",
    "regex match digits", "regular expression group capture regex", "regex lookahead pattern",
    "numpy array from a pandas dataframe", "pandas dataframe column with a regex",
    "numpy arrays and regex patterns",
]
Y = np.array([[1, 0, 0]] * 3 + [[0, 1, 0]] * 3 + [[0, 0, 1]] * 3 + [[1, 1, 0], [0, 1, 1], [1, 0, 1]],
             dtype=np.float32)


# variants that store more than the defaults do: (registered name, extra settings)
VARIANTS = {"lstm-bag": ("lstm", {"networks": 2})}  # two networks, their probabilities averaged


@pytest.fixture(scope="module", params=sorted(MODELS) + sorted(VARIANTS))
def fitted(request):
    name, extra = VARIANTS.get(request.param, (request.param, {}))
    model = get_model(name, {**FAST.get(name, {}), **extra})
    return name, model.fit(TEXTS, Y, labels=LABELS, validation=(TEXTS, Y))


def test_fit_returns_self_and_learned_state_ends_in_underscore(fitted):
    name, model = fitted
    assert model.labels_ == LABELS
    assert get_model(name).__dict__.keys() == {"config"}  # the constructor only stores settings


def test_learns_a_handful_of_examples(fitted):
    _, model = fitted
    proba = model.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), len(LABELS)) and proba.dtype == np.float32
    assert np.all((proba >= 0) & (proba <= 1))
    # every gold tag scores above every wrong tag of the same text
    for p, y in zip(proba, Y):
        assert p[y > 0].min() > p[y == 0].max() if (y == 0).any() else True


def test_predict_is_predict_proba_thresholded(fitted):
    _, model = fitted
    proba = model.predict_proba(TEXTS)
    assert np.array_equal(model.predict(TEXTS, threshold=0.4), proba >= 0.4)
    per_label = np.array([0.3, 0.5, 0.7], dtype=np.float32)
    assert np.array_equal(model.predict(TEXTS, threshold=per_label), proba >= per_label)


def test_empty_and_unknown_texts_give_finite_scores(fitted):
    _, model = fitted
    proba = model.predict_proba(["", "zzzz qqqq xxxx", "  "])
    assert proba.shape == (3, len(LABELS)) and np.isfinite(proba).all()
    assert model.predict_proba([]).shape == (0, len(LABELS))


def test_survives_save_and_load_in_a_new_process(fitted, tmp_path):
    name, model = fitted
    model.save(tmp_path / "m")
    expected = model.predict_proba(TEXTS)
    reloaded = type(model).load(tmp_path / "m")
    np.testing.assert_allclose(reloaded.predict_proba(TEXTS), expected, atol=1e-5)
    code = (
        "import json, sys; from multilabeltext.models import model_class; "
        f"m = model_class({name!r}).load(sys.argv[1]); "
        "print(json.dumps(m.predict_proba(json.loads(sys.argv[2])).tolist()))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m"), json.dumps(TEXTS)],
                         capture_output=True, text=True, check=True)
    np.testing.assert_allclose(np.array(json.loads(out.stdout.strip().splitlines()[-1])), expected, atol=1e-5)


# safe formats; .cbor: the tree model's label trees, written and read by Omikuji's Rust library (serde), never pickle
SAFE_SUFFIXES = {".json", ".npy", ".npz", ".keras"} | {".cbor"}


def test_saves_no_pickles(fitted, tmp_path):
    name, model = fitted
    model.save(tmp_path / "m")
    suffixes = {p.suffix for p in (tmp_path / "m").rglob("*") if p.is_file()}
    assert suffixes <= (SAFE_SUFFIXES if name == "tree" else SAFE_SUFFIXES - {".cbor"}), suffixes


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ConfigError, match="shape"):
        get_model("linear").fit(TEXTS, Y[:, :2], labels=LABELS)


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(ConfigError, match="not fitted"):
        get_model("linear").predict_proba(["x"])


def test_linear_char_ngrams_read_only_the_head_of_long_texts(tmp_path):
    """char_max_chars: text past the limit changes no char feature (words still see all of it), and a model
    saved before the setting existed loads with char n-grams over the whole text."""
    import json

    from multilabeltext.models import get_model

    head = "how to read a csv file with pandas " * 9  # 315 characters
    texts = [head + "numpy arrays everywhere", head + "django views and templates"] * 4
    m = get_model("linear", min_df=1, char_max_chars=300).fit(texts, [[1, 0], [0, 1]] * 4, labels=["a", "b"])
    char = m.features_.vectorizers["char"].transform(texts[:2])
    assert (char[0] != char[1]).nnz == 0
    assert (m.features_.vectorizers["word"].transform(texts[:2])[0] != m.features_.vectorizers["word"].transform(texts[:2])[1]).nnz > 0
    m.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "model_config.json").read_text())
    del config["config"]["char_max_chars"]
    (tmp_path / "m" / "model_config.json").write_text(json.dumps(config))
    old = type(m).load(tmp_path / "m")
    assert old.config.char_max_chars is None
    assert (old.features_.vectorizers["char"].transform(texts[:2])[0] != old.features_.vectorizers["char"].transform(texts[:2])[1]).nnz > 0
