"""bench/bench_models.py's command line: ``--auxiliary-weight`` reaches the pyq folds' auxiliary rows."""

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import bench_models  # noqa: E402
import protocol  # noqa: E402

from multilabeltext.config import TrainConfig  # noqa: E402

COMMAND = ["--datasets", "pyq", "--models", "lstm", "--peers", "none", "--only-folds", "0"]


@pytest.fixture(scope="module")
def pyq_and_titles(tmp_path_factory):
    """The pythonquestions sample's fold 0 and the prepared so-titles directory (the auxiliary source)."""
    work = tmp_path_factory.mktemp("bench")
    loaded = protocol.load_source("pyq", work)
    split = protocol.protocol_splits("pyq", len(loaded.frame))[0]
    titles = protocol.load_source("so-titles", work / "auxiliary").directory
    return loaded, bench_models.SplitData(loaded, split, 0.1, 13), titles


@pytest.mark.parametrize("extra, weight", [([], TrainConfig().auxiliary_weight), (["--auxiliary-weight", "0.6"], 0.6),
                                           (["--auxiliary-weight", "1"], 1.0)])
def test_the_auxiliary_weight_reaches_the_auxiliary_rows(extra, weight, pyq_and_titles):
    args = bench_models.parse_args(COMMAND + extra)
    assert args.auxiliary_weight == weight
    loaded, data, titles = pyq_and_titles
    auxiliary = bench_models.split_auxiliary(args, loaded, data, lambda: titles)
    assert auxiliary.weight == weight and auxiliary.summary()["weight"] == weight
    assert len(auxiliary.texts) > 4000  # the so-titles titles tagged python
    assert auxiliary.label_weights.max() == weight


def test_no_auxiliary_rows_without_them(pyq_and_titles):
    loaded, data, titles = pyq_and_titles
    args = bench_models.parse_args(COMMAND + ["--pyq-auxiliary", "none", "--auxiliary-weight", "0.6"])
    assert bench_models.split_auxiliary(args, loaded, data, lambda: titles) is None


@pytest.mark.parametrize("bad", ["0", "1.5", "-0.3"])
def test_an_auxiliary_weight_outside_0_1_is_refused(bad, capsys):
    with pytest.raises(SystemExit):
        bench_models.parse_args(COMMAND + ["--auxiliary-weight", bad])
    assert "--auxiliary-weight must be in (0, 1]" in capsys.readouterr().err
