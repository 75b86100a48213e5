"""What every command shares (multilabeltext.cli.common): the model directory is the first argument of every
command that reads one; report/dashboard/serve still take --model, with a deprecation note."""

from __future__ import annotations

import pytest
from conftest import describe, run_cli


@pytest.mark.parametrize("command", ["report", "dashboard", "serve"])
def test_the_model_directory_is_the_first_argument(command, tmp_path):
    missing = tmp_path / "nothing"
    new = run_cli(command, missing)
    assert new.exit_code == 2 and "model directory not found" in new.stderr, describe(new)
    assert "deprecated" not in new.stderr
    old = run_cli(command, "--model", missing)
    assert old.exit_code == 2 and "model directory not found" in old.stderr, describe(old)
    assert f"`multilabeltext {command} --model DIR` is deprecated; write `multilabeltext {command} DIR`" in old.stderr
    both = run_cli(command, missing, "--model", tmp_path / "other")
    assert both.exit_code == 2 and "two model directories" in both.output, describe(both)
    assert f"{command} [OPTIONS] [MODEL]" in run_cli(command, "--help").stdout
