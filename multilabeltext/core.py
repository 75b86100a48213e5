"""The in-memory core of training: fit -> tune -> score, on texts and label matrices (no files).

:func:`fit_tune_score` fits a model on the train rows (early stopping and calibration may use the validation
rows), tunes the decision rule on held-out scores (:func:`tuning_rows`: the validation rows', or every
training row's for a cross-fitted model such as ``linear``) and scores the test rows. ``train()``
(:mod:`multilabeltext.training`) is this plus reading a dataset directory and writing a model directory; the
benchmark (``bench/bench_models.py``) calls the same steps (:func:`fit`, :func:`tuning_rows`, :func:`tune`,
:func:`score`) with its own meters around them.

Example:
    >>> from multilabeltext.models import get_model
    >>> texts = ["numpy array", "pandas frame", "numpy matrix", "pandas groupby"] * 5
    >>> Y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]] * 5)
    >>> done = fit_tune_score(get_model("linear", char_ngrams=None, cross_fit=0), ["numpy", "pandas"],
    ...                       (texts, Y), validation=(texts[:8], Y[:8]), test=(texts[:4], Y[:4]))
    >>> done.rule.method, done.rule.min_tags, done.metrics["test"]["micro_f1"]
    ('global', 1, 1.0)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .errors import ConfigError


@dataclass
class Fitted:
    """What :func:`fit_tune_score` returns: the fitted model, its tuned rule, metrics, timings, test scores.

    Attributes:
        model: the fitted :class:`~multilabeltext.models.base.TagModel`; ``rule``: the tuned
            :class:`~multilabeltext.thresholds.Thresholds`.
        metrics: ``threshold_method``, ``threshold_rows`` (rows the rule was tuned on), ``warnings`` (e.g. no
            validation rows: the rule was tuned on the training rows), ``validation`` (the rule on those rows) and, with test rows, ``test``, ``test_fixed_threshold`` (the 2018 tutorial's fixed
            threshold, no tag forced) and ``per_tag_test``.
        timings: ``fit_seconds``, ``train_texts_per_second`` and, with test rows, ``predict_texts_per_second``.
        test_proba, test_decided: the test rows' scores and tags (``None`` without test rows).
    """

    model: object
    rule: object
    metrics: dict
    timings: dict = field(default_factory=dict)
    test_proba: np.ndarray | None = None
    test_decided: np.ndarray | None = None


def fit(model, labels: list[str], texts: list[str], Y, *, validation=None, tokenizer=None, vectors=None,
        auxiliary=None, rule: dict | None = None):
    """``model.fit`` with the rule it will be tuned under (the ensemble weighs its members for it); returns it."""
    if validation is not None and not len(validation[0]):
        validation = None
    return model.fit(texts, Y, labels=labels, validation=validation, tokenizer=tokenizer, vectors=vectors,
                     auxiliary=auxiliary, rule=rule)


def tuning_rows(model, Y, scores) -> tuple[np.ndarray, np.ndarray]:
    """The ``(Y, proba)`` rows to tune the rule on: the model's held-out scores (``tuning_``: the validation
    split's, or every row's for a cross-fitted model) when it has them, else ``Y`` and ``scores`` (a matrix, or
    a function giving it: only called then; e.g. the training rows' scores, which make an optimistic rule)."""
    held_out = getattr(model, "tuning_", None)
    if held_out is not None:
        return held_out
    return np.asarray(Y), np.asarray(scores() if callable(scores) else scores)


def tune(Y, proba, **rule):
    """The decision rule tuned on ``(Y, proba)``: :meth:`Thresholds.fit
    <multilabeltext.thresholds.Thresholds.fit>` with the ``rule`` options (default: what ``train`` tunes)."""
    from .config import TrainConfig
    from .thresholds import Thresholds

    return Thresholds.fit(Y, proba, **{**TrainConfig().rule_options(), **rule})


def score(rule, Y, proba, labels: list[str] | None = None) -> tuple[dict, np.ndarray]:
    """``(metrics, decided)``: the rule's tags for ``proba`` and :func:`multilabeltext.metrics.evaluate` of them.

    ``Y`` may have more columns than ``proba``: tags the model never learned (e.g. seen only in a test part),
    never predicted and scored 0, so they count against recall and macro-F1.
    """
    from .metrics import evaluate

    Y, proba = np.asarray(Y), np.asarray(proba)
    extra = Y.shape[1] - proba.shape[1]
    if extra < 0:
        raise ConfigError(f"the scores have {proba.shape[1]} label columns but Y only {Y.shape[1]}.",
                          fix="score the model on label matrices over its labels.")
    decided = rule.decide(proba)
    if extra:
        decided = np.hstack([decided, np.zeros((len(decided), extra), dtype=bool)])
        proba = np.hstack([proba, np.zeros((len(proba), extra), dtype=proba.dtype)])
    return evaluate(Y, decided, proba, labels), decided


def fit_tune_score(model, labels: list[str], train: tuple, validation: tuple | None = None,
                   test: tuple | None = None, *, rule: dict | None = None, tokenizer=None, vectors=None,
                   auxiliary=None) -> Fitted:
    """Fit ``model`` on ``train`` = (texts, Y), tune the decision rule (``rule``: :meth:`Thresholds.fit
    <multilabeltext.thresholds.Thresholds.fit>` options, default what ``train`` tunes) on held-out scores,
    score ``test`` = (texts, Y) if given. See the module docstring."""
    from .config import TrainConfig

    rule = {**TrainConfig().rule_options(), **(rule or {})}
    texts, Y = list(train[0]), np.asarray(train[1])
    started = time.perf_counter()
    fit(model, labels, texts, Y, validation=validation, tokenizer=tokenizer, vectors=vectors, auxiliary=auxiliary,
        rule=rule)
    fit_seconds = time.perf_counter() - started
    warnings: list[str] = []
    if getattr(model, "tuning_", None) is None:
        warnings.append(f"the dataset has no validation rows, so the {rule['method']} threshold was tuned on the "
                        "training rows the model learned: the thresholds and the 'validation' metrics are "
                        "optimistic (no early stopping either). Prepare the dataset with a validation split, e.g. "
                        "--split-ratios 0.8,0.1,0.1.")
    Y_tune, proba_tune = tuning_rows(model, Y, lambda: model.predict_proba(texts))
    timings = {"fit_seconds": round(fit_seconds, 2),
               "train_texts_per_second": round(len(texts) / max(fit_seconds, 1e-9), 1)}
    scored = None
    if test is not None and len(test[0]):
        test_texts, Y_test = list(test[0]), np.asarray(test[1])
        started = time.perf_counter()
        proba = model.predict_proba(test_texts)
        predict_seconds = time.perf_counter() - started
        timings["predict_texts_per_second"] = round(len(test_texts) / max(predict_seconds, 1e-9), 1)
        scored = (Y_test, proba)
    return tune_and_score(model, labels, (Y_tune, proba_tune), scored, rule=rule, warnings=warnings,
                          timings=timings)


def tune_and_score(model, labels: list[str], tuning: tuple, test: tuple | None = None, *, rule: dict | None = None,
                   warnings: list[str] | None = None, timings: dict | None = None) -> Fitted:
    """The steps after the fit: tune the rule on held-out ``tuning`` = (Y, proba), score ``test`` = (Y, proba)
    if given; the :class:`Fitted` of ``model``. :func:`fit_tune_score` and the Spark engine (which scores
    on executors) both end here."""
    from .config import TrainConfig
    from .metrics import per_tag
    from .thresholds import DEFAULT_FIXED, Thresholds

    rule = {**TrainConfig().rule_options(), **(rule or {})}
    Y_tune, proba_tune = tuning
    tuned = tune(Y_tune, proba_tune, **rule)
    metrics = {"threshold_method": tuned.method, "threshold_rows": int(len(Y_tune)), "warnings": list(warnings or []),
               "validation": score(tuned, Y_tune, proba_tune, labels)[0]}
    done = Fitted(model=model, rule=tuned, metrics=metrics, timings=dict(timings or {}))
    if test is not None and len(test[0]):
        Y_test, proba = np.asarray(test[0]), np.asarray(test[1])
        metrics["test"], decided = score(tuned, Y_test, proba, labels)
        tutorial = Thresholds(method="fixed", fixed=rule.get("fixed", DEFAULT_FIXED), min_tags=0)  # the 2018 rule
        metrics["test_fixed_threshold"] = score(tutorial, Y_test, proba, labels)[0]
        metrics["per_tag_test"] = per_tag(Y_test, decided, labels)
        done.test_proba, done.test_decided = proba, decided
    return done
