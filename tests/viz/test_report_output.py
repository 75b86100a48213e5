"""``report --out`` writes only to new paths or regular files it wrote before (issue 13, item 3)."""

from __future__ import annotations

import os
import stat

from conftest import describe, run_cli


def assert_refused(result, *mentions):
    info = describe(result)
    assert result.exit_code == 2 and "Traceback" not in result.output, info
    for m in mentions:
        assert m in result.stderr, info


def test_report_never_replaces_a_fifo(viz_linear, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_cli("report", "--model", viz_linear, "--out", fifo)
    assert_refused(result, "not a regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_report_never_replaces_a_symlink_to_a_device(viz_linear, tmp_path):
    link = tmp_path / "null.html"
    link.symlink_to("/dev/null")
    result = run_cli("report", "--model", viz_linear, "--out", link)
    assert_refused(result, "not a regular file")
    assert link.is_symlink()


def test_report_never_replaces_a_file_it_did_not_write(viz_linear, tmp_path):
    target = viz_linear / "model.json"
    before = target.read_bytes()
    result = run_cli("report", "--model", viz_linear, "--out", target)
    assert_refused(result, "not one this command wrote")
    assert target.read_bytes() == before


def test_report_replaces_its_own_report_and_leaves_no_lock(viz_linear, tmp_path):
    out = tmp_path / "r.html"
    for _ in range(2):
        result = run_cli("report", "--model", viz_linear, "--out", out)
        assert result.exit_code == 0, describe(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]
