"""Stage settings (multilabeltext.config): validation, round trips, and the train stage's decision rule."""

from __future__ import annotations

import numpy as np
import pytest

from multilabeltext import thresholds
from multilabeltext.config import PrepareConfig, TokenizerConfig, TrainConfig
from multilabeltext.errors import ConfigError
from multilabeltext.thresholds import Thresholds


def test_train_defaults_come_from_the_decision_rule_module():
    d = TrainConfig()
    assert (d.threshold, d.min_tags, d.fixed_threshold, d.optimize, d.shrink) == (
        thresholds.TRAIN_METHOD, thresholds.TRAIN_MIN_TAGS, thresholds.DEFAULT_FIXED, thresholds.TRAIN_OPTIMIZE,
        thresholds.TRAIN_SHRINK)
    assert d.rule_options() == {"method": "global", "min_tags": 1, "fixed": 0.25, "metric": "micro_f1",
                                "shrink": thresholds.TRAIN_SHRINK}


def test_rule_options_tune_the_rule_train_ships():
    rng = np.random.default_rng(0)
    Y = rng.random((300, 4)) < 0.3
    proba = np.clip(Y * 0.5 + rng.random((300, 4)) * 0.5, 0, 1)
    config = TrainConfig(threshold="per-tag", optimize="macro", shrink=10.0)
    rule = Thresholds.fit(Y, proba, **config.rule_options())
    assert (rule.method, rule.metric, rule.shrink, rule.min_tags) == ("per-tag", "macro_f1", 10.0, 1)
    assert Thresholds.from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize("changes, message", [
    ({"threshold": "best"}, "threshold must be one of fixed, global, per-tag"),
    ({"optimize": "f2"}, "optimize must be one of micro, macro, samples"),
    ({"shrink": -1.0}, "shrink must be a number >= 0"),
    ({"fixed_threshold": 1.5}, "fixed_threshold must be a threshold between 0 and 1"),
    ({"min_tags": -1}, "min_tags must be an integer >= 0"),
    ({"params": [1]}, "params must be a table"),
])
def test_train_settings_are_validated(changes, message):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(**changes)


@pytest.mark.parametrize("cls", [TokenizerConfig, PrepareConfig, TrainConfig])
def test_settings_round_trip_through_dict_and_toml(cls, tmp_path):
    settings = cls()
    assert cls.from_dict(settings.to_dict()) == settings
    path = tmp_path / "settings.toml"
    path.write_text(settings.to_toml(), encoding="utf-8")
    assert cls.from_toml(path) == settings
