"""Outputs are claimed before any work (issue 13, items 1, 2, 4 and 9): one run per output, inputs never inside
it, no debris of killed runs, write failures as messages. Through the real CLI."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import BEER_XML, REPO, describe, leftovers, prepare_ok, read_manifest_json, run_cli, run_python


def assert_refused(result, *mentions: str) -> str:
    info = describe(result)
    assert result.exception is None or isinstance(result.exception, SystemExit), info
    assert result.exit_code == 2, info
    assert "Traceback" not in result.output, info
    for m in mentions:
        assert m in result.stderr, f"expected {m!r}\n{info}"
    return result.stderr


@pytest.fixture
def lock_holder():
    """Start a process that holds the lock of an output path (as a running multilabeltext would)."""
    started = []

    def hold(out: Path) -> subprocess.Popen:
        lock = out.parent / f".{out.name}.lock"
        code = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
                "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'%d\\n' % os.getpid()); print('ready', flush=True); "
                "time.sleep(120)")
        proc = subprocess.Popen([sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        started.append(proc)
        return proc

    yield hold
    for proc in started:
        proc.kill()
        proc.wait()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture(scope="module")
def beer_dataset(tmp_path_factory) -> Path:
    return prepare_ok(BEER_XML, tmp_path_factory.mktemp("outputs") / "beer", "--top-n", "5")


# ------------------------------------------------------------------------------------- item 1: locking


def test_prepare_is_refused_at_once_while_another_run_writes_the_output(tmp_path, lock_holder):
    out = tmp_path / "ds"
    holder = lock_holder(out)
    started = time.perf_counter()
    result = run_cli("prepare", BEER_XML, "--out", out, "--jobs", "1", "--quiet")
    err = assert_refused(result, "another multilabeltext run", f"process {holder.pid}", str(out))
    assert "Fix:" in err
    assert not out.exists() and not leftovers(tmp_path, "ds")
    assert time.perf_counter() - started < 5  # refused before reading anything


def test_train_is_refused_before_training_while_another_run_writes_the_model(beer_dataset, tmp_path, lock_holder):
    out = tmp_path / "model"
    lock_holder(out)
    result = run_cli("train", beer_dataset, "--out", out, "--quiet", "--param", "jobs=1")
    assert_refused(result, "another multilabeltext run", str(out))
    assert "Training" not in result.stderr
    assert not out.exists()


def test_word2vec_is_refused_while_another_run_writes_the_vectors(beer_dataset, tmp_path, lock_holder):
    out = tmp_path / "vectors"
    lock_holder(out)
    result = run_cli("word2vec", beer_dataset, "--out", out, "--epochs", "1", "--workers", "1")
    assert_refused(result, "another multilabeltext run")
    assert not out.exists()


def test_concurrent_prepares_on_one_output_one_wins_the_others_are_told(tmp_path):
    out = tmp_path / "same"
    python = REPO / ".venv" / "bin" / "python"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    procs = [subprocess.Popen([str(python), "-m", "multilabeltext", "prepare", str(BEER_XML), "--out", str(out),
                               "--jobs", "1", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for _ in range(3)]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2, 2], results
    for code, err in results:
        if code == 2:
            assert "another multilabeltext run" in err or "already holds a dataset" in err, err
            assert "Traceback" not in err
    assert read_manifest_json(out)["counts"]["kept"] > 0
    assert not leftovers(tmp_path, "same") and not (tmp_path / ".same.lock").exists()


def test_lock_file_is_removed_after_a_run(tmp_path):
    prepare_ok(BEER_XML, tmp_path / "ds")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


# ----------------------------------------------------------------------- item 2: inputs inside the output


def test_force_never_deletes_an_input_inside_the_output(tmp_path):
    out = prepare_ok(BEER_XML, tmp_path / "out_small")
    source = out / "x.xml"
    source.write_bytes(BEER_XML.read_bytes())
    for force in ([], ["--force"]):
        result = run_cli("prepare", source, "--out", out, "--jobs", "1", "--quiet", *force)
        assert_refused(result, "lies inside the output")
        assert source.read_bytes() == BEER_XML.read_bytes()


def test_train_refuses_a_dataset_inside_the_output(beer_dataset, tmp_path):
    result = run_cli("train", beer_dataset, "--out", beer_dataset.parent, "--force", "--quiet")
    assert_refused(result, "lies inside the output")
    assert (beer_dataset / "manifest.json").is_file()


def test_out_dot_is_refused_before_any_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("prepare", BEER_XML, "--out", ".", "--jobs", "1", "--quiet")
    assert_refused(result, "current directory")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------- item 4: debris of killed runs


def test_a_rerun_removes_temporaries_of_dead_runs(tmp_path):
    prepare_ok(BEER_XML, tmp_path / "ds")
    pid = dead_pid()
    for kind in ("tmp", "old"):
        debris = tmp_path / f".ds.{kind}-{pid}"
        debris.mkdir()
        (debris / "train.parquet").write_bytes(b"x" * 1000)
    prepare_ok(BEER_XML, tmp_path / "ds", "--force")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


def test_temporaries_of_a_live_run_are_left_alone(tmp_path):
    live = tmp_path / f".ds.tmp-{os.getppid()}"  # our parent is alive (and not us)
    live.mkdir()
    prepare_ok(BEER_XML, tmp_path / "ds")
    assert live.is_dir()


def test_an_output_left_renamed_by_a_killed_run_is_put_back(tmp_path):
    out = prepare_ok(BEER_XML, tmp_path / "ds", "--top-n", "3")
    before = read_manifest_json(out)
    out.rename(tmp_path / f".ds.old-{dead_pid()}")  # killed between the two renames of the replacement
    result = run_cli("prepare", BEER_XML, "--out", out, "--jobs", "1", "--quiet")
    assert_refused(result, "already holds a dataset")  # it is back, so it is not replaced without --force
    assert read_manifest_json(out) == before
    assert not leftovers(tmp_path, "ds")


def test_sigkilled_prepare_leaves_debris_that_the_next_run_removes(tmp_path):
    out = tmp_path / "ds"
    code = ("import os, signal, sys; sys.argv = ['multilabeltext', 'prepare', sys.argv[1], '--out', sys.argv[2], "
            "'--jobs', '1', '--quiet']; import multilabeltext.data.prepare as d; w = d.write_json; "
            "d.write_json = lambda *a: (w(*a), os.kill(os.getpid(), signal.SIGKILL)); "
            "from multilabeltext.cli import app; app()")
    run_python("-c", code, str(BEER_XML), str(out))
    assert leftovers(tmp_path, "ds"), "the killed run should have left its temporary directory"
    prepare_ok(BEER_XML, out)
    assert not leftovers(tmp_path, "ds")


# --------------------------------------------------------------------------- item 9: disks that refuse


def test_disk_full_is_a_message_and_leaves_nothing(tmp_path, monkeypatch):
    import multilabeltext.data.prepare as prepare

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(prepare, "write_json", full)
    result = run_cli("prepare", BEER_XML, "--out", tmp_path / "ds", "--jobs", "1", "--quiet")
    assert_refused(result, "No space left on device", "Fix:")
    assert list(tmp_path.iterdir()) == []


def test_output_under_a_file_is_a_message(tmp_path):
    (tmp_path / "file").write_text("data")
    result = run_cli("prepare", BEER_XML, "--out", tmp_path / "file" / "ds", "--jobs", "1", "--quiet")
    assert_refused(result, str(tmp_path / "file"))
    assert (tmp_path / "file").read_text() == "data"

