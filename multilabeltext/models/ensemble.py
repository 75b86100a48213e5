"""``ensemble``: a weighted average of other models' scores, weights tuned on the validation split.

Members are any registered models with their own settings; by default the cross-fitted ``linear`` SVM, the
``mlp`` over TF-IDF n-grams and the ``lstm`` over Word2Vec: their errors differ, so the average beats
each (bench/README.md has the figures). The weights are tuned under the decision rule the model ships with
(``fit(rule=...)``, what ``train`` passes; default ``TrainConfig().rule_options()``) and bagged:
the mean of the best grid weights of 200 bootstrap resamples of the validation rows, which keeps a small
validation split from picking noise. Each member is saved in its own folder.

Example:
    >>> m = EnsembleModel(members=[{"model": "linear", "params": {"char_ngrams": None, "min_df": 1}},
    ...                            {"model": "linear", "params": {"min_df": 1}}])
    >>> m.fit(["numpy arrays", "pandas frames"] * 5, [[1, 0], [0, 1]] * 5, labels=["numpy", "pandas"],
    ...       validation=(["numpy", "pandas"], [[1, 0], [0, 1]])).weights_.shape
    (2,)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..config import Settings, check
from .base import TagModel


@dataclass(frozen=True)
class EnsembleConfig(Settings):
    """Settings of the ``ensemble`` model: members and how their scores are weighted."""

    section: ClassVar[str] = "ensemble"
    # the mlp member with 128 hidden units (its own default is 512): the ensemble scores the same or better with
    # it and trains so-titles in 201 s with 1.8 GB at most instead of 307 s and 3.0 GB (bench/README.md); the lstm
    # member without its linear teacher (the ensemble averages in the linear model itself, and the teacher would
    # repeat that model's cross-fit; the ensemble's figures were measured this way)
    members: tuple = ({"model": "linear"}, {"model": "mlp", "params": {"hidden": 128}},
                      {"model": "lstm", "params": {"teacher": "none"}})
    weights: tuple[float, ...] | None = None  # None: tuned on validation (equal weights without validation)
    weight_step: float = 0.05  # spacing of the candidate weights (0.1 with more than 3 members)
    weight_resamples: int = 200  # bootstrap resamples of the validation rows; weights = mean of their best (0: best once)
    seed: int = 0  # of the resamples

    def __post_init__(self):
        object.__setattr__(self, "members", tuple(dict(m) for m in self.members))
        check(len(self.members) >= 1 and all(isinstance(m.get("model"), str) for m in self.members),
              f"members must be a list of {{model = NAME, params = {{...}}}} tables, got {self.members!r}.",
              'use members = [{model = "linear"}, {model = "lstm"}].')
        check(all(m["model"] != "ensemble" for m in self.members), "an ensemble cannot contain an ensemble.",
              "list plain models as members.")
        if self.weights is not None:
            object.__setattr__(self, "weights", tuple(float(w) for w in self.weights))
            check(len(self.weights) == len(self.members) and all(w >= 0 for w in self.weights)
                  and sum(self.weights) > 0, f"weights must be one non-negative number per member, got "
                  f"{self.weights!r}.", "leave weights out to tune them on validation.")
        check(0 < self.weight_step <= 0.5, f"weight_step must be in (0, 0.5], got {self.weight_step!r}.",
              "use weight_step = 0.05.")
        check(isinstance(self.weight_resamples, int) and self.weight_resamples >= 0,
              f"weight_resamples must be a whole number >= 0, got {self.weight_resamples!r}.",
              "use weight_resamples = 200 (or 0 for the single best weights on the whole validation split).")

    def grid_step(self, n_members: int) -> float:
        """Spacing of the candidate weights for ``n_members``: ``weight_step``, or 0.1 above 3 members (the
        grid grows as step ** -(n - 1))."""
        return self.weight_step if n_members <= 3 else 0.1


PREDICT_CHUNK = 2_048  # texts per round of the members (below the tokenizer's 4,096 remembered texts)


class EnsembleModel(TagModel):
    """Weighted average of member models' probabilities."""

    name = "ensemble"
    Config = EnsembleConfig
    supports_auxiliary = True  # passed on to the members that can use it (linear, mlp); the others train without

    def _members(self) -> list[TagModel]:
        from . import get_model

        return [get_model(m["model"], m.get("params", {})) for m in self.config.members]

    def require_auxiliary_support(self) -> None:
        from ..errors import ConfigError
        from . import model_class

        if not any(model_class(m["model"]).supports_auxiliary for m in self.config.members):
            raise ConfigError("no member of this ensemble can learn from auxiliary data.",
                              fix="add a linear or mlp member, or leave the auxiliary data out.")

    def _fit(self, texts, Y, validation):
        import gc
        import time

        from ..progress import status

        self.members_, self.fit_seconds_ = [], {}
        for i, member in enumerate(self._members()):
            status(f"ensemble member {i + 1}/{len(self.config.members)}: {member.name}")
            started = time.perf_counter()
            member.fit(texts, Y, labels=self.labels_, validation=validation, tokenizer=self.tokenizer_config_,
                       vectors=self.vectors_, auxiliary=self.auxiliary_ if member.supports_auxiliary else None,
                       rule=self.rule_options_)
            gc.collect()  # what the member's fit no longer holds goes before the next one starts
            self.fit_seconds_[f"{i}:{member.name}"] = round(time.perf_counter() - started, 1)
            self.history_ += [{"member": i, **h} for h in member.history_]
            self.members_.append(member)
        started = time.perf_counter()
        self._weigh(validation)
        self.fit_seconds_["weights"] = round(time.perf_counter() - started, 1)
        status("ensemble fit seconds: " + ", ".join(f"{k} {v:,.1f}" for k, v in self.fit_seconds_.items()))

    @classmethod
    def from_members(cls, members: list[TagModel], validation: tuple[list[str], np.ndarray],
                     config: EnsembleConfig | None = None, rule: dict | None = None) -> EnsembleModel:
        """An ensemble of members already fitted with this ``validation`` split: only the weights are tuned
        (under ``rule``, as :meth:`fit`), so models fitted in this session are not fitted again."""
        from ..errors import ConfigError

        labels = members[0].labels_
        if any(m.labels_ != labels for m in members) or any(m.validation_proba_ is None for m in members):
            raise ConfigError("ensemble members must share their labels and have been fitted with a validation split.",
                              fix="fit every member on the same labels with validation=(texts, Y).")
        model = cls(config or EnsembleConfig(members=[{"model": m.name, "params": m.config.to_dict()} for m in members]))
        model._start_fit(labels, members[0].tokenizer_config_, None, rule)
        model.history_ = [{"member": i, **h} for i, m in enumerate(members) for h in m.history_]
        model.members_ = list(members)
        validation = (list(validation[0]), np.asarray(validation[1], dtype=np.float32))
        model._weigh(validation)
        model._end_fit(validation)
        return model

    def _weigh(self, validation) -> None:
        """``weights_`` from the settings, or tuned on the members' held-out validation scores."""
        if self.config.weights is not None:
            weights = np.array(self.config.weights)
        elif validation is not None and len(validation[0]) and len(self.members_) > 1:
            weights = self._tune([m.validation_proba_ for m in self.members_], validation[1])
        else:
            weights = np.ones(len(self.members_))
        self.weights_ = (weights / weights.sum()).astype(np.float32)
        if validation is not None:  # the members' held-out scores, weighted: no second pass over validation
            self.validation_proba_ = sum(w * m.validation_proba_ for w, m in zip(self.weights_, self.members_))

    def _tune(self, probas: list[np.ndarray], Y: np.ndarray) -> np.ndarray:
        """Weights from a simplex grid, chosen by validation micro-F1 (each candidate under the decision rule the
        model will ship with, ``rule_options_``, tuned on the same rows).

        With ``weight_resamples`` > 0 the choice is bagged: the weights are the mean of the best candidate of
        each bootstrap resample of the validation rows; on a small split the single best candidate is mostly
        noise (bench/README.md). Ties go to the first candidate, the most even one.
        """
        cfg = self.config
        return tune_weights(probas, Y, cfg.grid_step(len(probas)), cfg.weight_resamples, cfg.seed,
                            rule=self.rule_options_)

    def _predict_proba(self, texts):
        """The weighted mean of the members' scores, a chunk of texts at a time: the members share their
        tokenizer's memory of the last texts (:mod:`~multilabeltext.data.tokenizer`), so each text of a
        chunk is tokenized once for all of them."""
        out = np.zeros((len(texts), len(self.labels_)), dtype=np.float32)
        for start in range(0, len(texts), PREDICT_CHUNK):
            chunk = texts[start:start + PREDICT_CHUNK]
            for w, m in zip(self.weights_, self.members_):
                out[start:start + len(chunk)] += w * m.predict_proba(chunk)
        return out

    def _save(self, directory: Path) -> None:
        for i, member in enumerate(self.members_):
            member.save(directory / "members" / str(i))
        (directory / "ensemble.json").write_text(json.dumps({"weights": self.weights_.tolist(),
                                                             "members": [m.name for m in self.members_]}) + "\n",
                                                 encoding="utf-8")

    def _load(self, directory: Path) -> None:
        from . import model_class

        meta = json.loads((directory / "ensemble.json").read_text(encoding="utf-8"))
        self.members_ = [model_class(name).load(directory / "members" / str(i))
                         for i, name in enumerate(meta["members"])]
        self.weights_ = np.array(meta["weights"], dtype=np.float32)


def tune_weights(probas: list[np.ndarray], Y: np.ndarray, step: float = 0.05, resamples: int = 200,
                 seed: int = 0, *, rule: dict | None = None) -> np.ndarray:
    """Member weights for averaging ``probas``: the simplex-grid candidate with the best micro-F1 (each under the
    decision rule ``rule`` tuned on the same rows: :meth:`Thresholds.fit <multilabeltext.thresholds.Thresholds.fit>`
    options, default ``TrainConfig().rule_options()``, what ``train`` ships), averaged over ``resamples``
    bootstrap resamples of the rows (0: best once).

    What :class:`EnsembleModel` does with its members' held-out validation scores, for scores saved elsewhere too.

    Example:
        >>> Y = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
        >>> good = Y * 0.8 + 0.1
        >>> tune_weights([good, 1 - good], Y, step=0.5, resamples=0).tolist()  # the reversed scores get 0
        [1.0, 0.0]
    """
    from ..config import TrainConfig
    from ..thresholds import Thresholds

    rule = TrainConfig().rule_options() if rule is None else rule
    candidates = simplex_grid(len(probas), step)

    def predictions():
        for w in candidates:
            proba = sum(wi * p for wi, p in zip(w, probas))
            yield Thresholds.fit(Y, proba, **rule).decide(proba)

    winners = best_candidates(Y, predictions(), resamples, seed)
    return np.mean([candidates[i] for i in winners], axis=0)


def best_candidates(Y: np.ndarray, predictions, resamples: int = 0, seed: int = 0) -> np.ndarray:
    """Index of the prediction with the best micro-F1 against ``Y``, per bootstrap resample of the rows.

    ``predictions`` is any iterable of 0/1 matrices shaped like ``Y`` (one is held at a time). With
    ``resamples=0``: one index, the best on all rows. Ties go to the lowest index.

    Example:
        >>> Y = np.array([[1, 0], [0, 1], [1, 1]])
        >>> best_candidates(Y, [Y == 1, np.ones_like(Y, dtype=bool)]).tolist()
        [0]
    """
    Y = np.asarray(Y, dtype=np.float64)
    # per row and candidate: true positives and predicted tags; a resample's micro-F1 = 2 tp / (gold + predicted)
    stats = [((Y * p).sum(axis=1), np.asarray(p).sum(axis=1)) for p in predictions]
    tp, predicted = (np.stack(column, axis=1) for column in zip(*stats))
    gold = Y.sum(axis=1)
    rng = np.random.default_rng(seed)
    winners = []
    for start in range(0, max(resamples, 1), 50):  # 50 resamples at a time: memory stays bounded
        if resamples == 0:
            counts = np.ones((1, len(Y)))
        else:
            counts = np.stack([np.bincount(rng.integers(0, len(Y), len(Y)), minlength=len(Y)).astype(np.float64)
                               for _ in range(min(50, resamples - start))])
        denominator = (counts @ gold)[:, None] + counts @ predicted
        f1 = np.divide(2 * (counts @ tp), denominator, out=np.zeros_like(denominator), where=denominator > 0)
        winners.append(f1.argmax(axis=1))
    return np.concatenate(winners)


def simplex_grid(n: int, step: float) -> list[np.ndarray]:
    """Every weight vector of ``n`` non-negative multiples of ``step`` summing to 1, the most even first.

    Example:
        >>> [w.tolist() for w in simplex_grid(2, 0.5)]
        [[0.5, 0.5], [0.0, 1.0], [1.0, 0.0]]
    """
    import itertools

    units = int(round(1 / step))
    grid = [np.array(c + (units - sum(c),), dtype=np.float64) / units
            for c in itertools.product(range(units + 1), repeat=n - 1) if sum(c) <= units]
    return sorted(grid, key=lambda w: float(np.abs(w - 1 / n).sum()))
