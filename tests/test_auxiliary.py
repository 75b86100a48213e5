"""Auxiliary training data: rows from a related source, down-weighted, only for the tags it annotates."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import PYQ_SAMPLE, SO_TITLES, describe, prepare_ok, run_cli

from multilabeltext.auxiliary import AuxiliaryData, drop_overlap, load_auxiliary
from multilabeltext.errors import ConfigError
from multilabeltext.models import get_model

FAST = {"char_ngrams": None, "min_df": 1, "cross_fit": 0}
SMALL = {"linear": FAST, "mlp": {"char_ngrams": None, "min_df": 1, "hidden": 16, "epochs": 40, "learning_rate": 0.02}}
MAIN = (["numpy array shape", "reshape a numpy array", "pandas dataframe merge", "pandas groupby sum"] * 5,
        [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0]] * 5)
LABELS = ["numpy", "pandas", "django"]


@pytest.mark.parametrize("name", ["linear", "mlp"])
def test_auxiliary_rows_teach_a_tag_the_training_rows_barely_show(name, tmp_path):
    # two django training rows about urls; the auxiliary rows bring what templates and views look like
    texts, Y = MAIN[0] + ["django url routing"] * 2, MAIN[1] + [[0, 0, 1]] * 2
    aux = AuxiliaryData.from_tags(["django view template", "django template tags", "numpy dtype"] * 4,
                                  [["django"], ["django"], ["numpy"]] * 4, labels=LABELS,
                                  source_labels=["django", "numpy"], weight=0.5)
    alone = get_model(name, **SMALL[name]).fit(texts, Y, labels=LABELS)
    helped = get_model(name, **SMALL[name]).fit(texts, Y, labels=LABELS, auxiliary=aux)
    query = ["render a template in a view"]
    assert helped.predict_proba(query)[0, 2] > alone.predict_proba(query)[0, 2] + 0.2
    assert helped.auxiliary_ is None  # trained on, not kept
    reloaded = type(helped).load(helped.save(tmp_path / name))
    np.testing.assert_allclose(reloaded.predict_proba(query), helped.predict_proba(query), atol=1e-6)


@pytest.mark.parametrize("name", ["linear", "mlp"])
def test_auxiliary_rows_are_no_evidence_for_tags_their_source_lacks(name):
    # auxiliary titles about pandas whose source has no "pandas" tag: they must not teach "not pandas"
    texts, tags = ["pandas dataframe to csv", "pandas groupby mean"] * 10, [["numpy"], ["numpy"]] * 10
    unknown = AuxiliaryData.from_tags(texts, tags, labels=LABELS, source_labels=["numpy", "django"])
    negative = AuxiliaryData.from_tags(texts, tags, labels=LABELS, source_labels=["numpy", "pandas", "django"])
    assert not unknown.known[1] and negative.known[1]
    query = ["pandas dataframe groupby"]
    p_unknown = get_model(name, **SMALL[name]).fit(*MAIN, labels=LABELS, auxiliary=unknown).predict_proba(query)[0, 1]
    p_negative = get_model(name, **SMALL[name]).fit(*MAIN, labels=LABELS, auxiliary=negative).predict_proba(query)[0, 1]
    assert p_unknown > p_negative + 0.2, (p_unknown, p_negative)


def test_cross_fitting_scores_only_the_main_rows():
    aux = AuxiliaryData.from_tags(["numpy stack arrays"] * 6, [["numpy"]] * 6, labels=LABELS, source_labels=LABELS)
    model = get_model("linear", char_ngrams=None, min_df=1, cross_fit=2)
    model.fit(*MAIN, labels=LABELS, validation=(["numpy zeros", "pandas pivot"], [[1, 0, 0], [0, 1, 0]]),
              auxiliary=aux)
    Y_tune, _ = model.tuning_
    assert len(Y_tune) == len(MAIN[0]) + 2


def test_overlap_with_evaluation_texts_is_dropped():
    titles = ["Sort a dict by value", "Read a CSV file", "Sort lists", "Sort a di", "Sort a dict by value?"]
    evaluation = ["sort a dict by value? I have a dict ...", "sorting lists"]
    assert drop_overlap(titles, evaluation) == [1, 2, 3]  # whole words only: "sort a di" does not start "sort a dict"


def test_models_without_auxiliary_support_refuse_it(monkeypatch):
    # every registered model learns from auxiliary rows now; take the support away from one to test the refusal
    from multilabeltext.models.lstm import LstmModel

    monkeypatch.setattr(LstmModel, "supports_auxiliary", False)
    aux = AuxiliaryData.from_tags(["x"], [["numpy"]], labels=LABELS, source_labels=LABELS)
    with pytest.raises(ConfigError, match="cannot learn from auxiliary data"):
        get_model("lstm").fit(*MAIN, labels=LABELS, auxiliary=aux)
    with pytest.raises(ConfigError, match="no member"):
        get_model("ensemble", members=[{"model": "lstm"}]).fit(*MAIN, labels=LABELS, auxiliary=aux)
    with pytest.raises(ConfigError, match="weight"):
        AuxiliaryData.from_tags(["x"], [["numpy"]], labels=LABELS, source_labels=LABELS, weight=0)


@pytest.fixture(scope="module")
def datasets_dirs(tmp_path_factory):
    root = tmp_path_factory.mktemp("aux")
    pyq = prepare_ok(PYQ_SAMPLE, root / "pyq", "--text-column", "clean", "--label-column", "Actual",
                     "--id-column", "ParentId")
    so = prepare_ok(SO_TITLES, root / "so", "--top-n", "100", "--split", "none")
    return pyq, so


def test_load_auxiliary_from_a_prepared_dataset(datasets_dirs):
    pyq, so = datasets_dirs
    labels = json.loads((pyq / "labels.json").read_text())
    aux = load_auxiliary(so, labels, require_tag="python")
    assert 3000 < len(aux.texts) < 4577  # so-titles rows tagged python (duplicates dropped)
    known = {label for label, k in zip(labels, aux.known) if k}
    assert {"django", "numpy", "pandas"} <= known and not {"matplotlib", "tkinter"} & known
    assert aux.Y[:, ~aux.known].sum() == 0
    with pytest.raises(ConfigError, match="not a tag"):
        load_auxiliary(so, labels, require_tag="no-such-tag")


def test_train_cli_with_auxiliary_data_records_it(datasets_dirs, tmp_path):
    pyq, so = datasets_dirs
    out = tmp_path / "model"
    result = run_cli("train", pyq, "--out", out, "--auxiliary", so, "--auxiliary-tag", "python",
                     "--auxiliary-weight", "0.3", "--param", "cross_fit=0", "--quiet")
    assert result.exit_code == 0, describe(result)
    meta = json.loads((out / "model.json").read_text())
    recorded = json.dumps(meta)
    assert '"auxiliary_tag": "python"' in recorded and '"weight": 0.3' in recorded, recorded[:2000]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["micro_f1"] > 0.6


@pytest.mark.parametrize("case", ["not-a-dataset", "unknown-auxiliary-tag"])
def test_train_cli_auxiliary_errors_are_clear(datasets_dirs, tmp_path, case):
    # (every registered model learns from auxiliary rows now, the lstm included, so a model without support is no
    # longer reachable from the CLI; test_models_without_auxiliary_support_refuse_it covers that refusal)
    pyq, so = datasets_dirs
    args = (["--auxiliary", tmp_path] if case == "not-a-dataset"
            else ["--auxiliary", so, "--auxiliary-tag", "no-such-tag-anywhere"])
    result = run_cli("train", pyq, "--out", tmp_path / "m", *args, "--quiet")
    assert result.exit_code == 2, describe(result)
    assert "Fix:" in result.stderr and "Traceback" not in result.output, describe(result)
