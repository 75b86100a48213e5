"""The commented defaults files equal the settings dataclasses' defaults."""

from importlib import resources

import pytest

from multilabeltext.config import PrepareConfig, TrainConfig
from multilabeltext.embeddings import Word2VecConfig


@pytest.mark.parametrize("name, cls", [("prepare", PrepareConfig), ("train", TrainConfig),
                                       ("word2vec", Word2VecConfig)])
def test_defaults_file_equals_dataclass(name, cls, tmp_path):
    path = tmp_path / f"{name}.toml"
    path.write_text((resources.files("multilabeltext") / "defaults" / f"{name}.toml").read_text(encoding="utf-8"))
    assert cls.from_toml(path) == cls()
