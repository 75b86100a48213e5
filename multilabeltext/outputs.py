"""Claiming an output path before any work: an exclusive lock beside it, checks that it may be written, and
the cleanup of what runs that died left behind.

Every command that writes a directory or file (``prepare``, ``train``, ``word2vec``, ``report``) claims its
output first. A claim:

* refuses an output that holds one of the run's inputs (replacing it would delete the input), and a
  directory output that is the current directory or holds it;
* takes an exclusive lock, the file ``.NAME.lock`` beside the output (``flock``: released by the system
  when the process dies, even by ``kill -9``); a second run on the same output is refused at once;
* removes ``.NAME.tmp-PID`` / ``.NAME.old-PID`` siblings of processes that are no longer alive (a kill
  between the two renames of :func:`replace_atomically` leaves the old output
  only as ``.NAME.old-PID``: it is put back).

Claims are re-entrant within one process (the library claims again where it writes).

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "dataset"
    >>> with claim_output(out):
    ...     (out.parent / ".dataset.lock").exists()
    True
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import ConfigError, DatasetExistsError, MultilabeltextError, OutputBusyError

_held: dict[str, list] = {}  # lock path -> [fd, depth], for this process


def lock_path(out: str | Path) -> Path:
    out = _absolute(out)
    return out.parent / f".{out.name}.lock"


def _absolute(path: str | Path) -> Path:
    """``path`` made absolute and normalized ('.' and '..' resolved, symlinks of the parent followed)."""
    path = Path(os.path.abspath(path))
    return path.parent.resolve() / path.name if path.name else path


def check_output(out: str | Path, *, inputs=(), directory: bool = True) -> Path:
    """Raise :class:`ConfigError` when writing ``out`` could destroy an input or the current directory."""
    target = _absolute(out)
    real = Path(os.path.realpath(target))
    if directory:
        cwd = Path.cwd().resolve()
        if real == cwd or real in cwd.parents:
            raise ConfigError("the output directory is the current directory or holds it; the whole output is "
                              "replaced when the run succeeds.", path=out,
                              fix="pass a new directory below this one, e.g. --out data/NAME.")
    for given in inputs:
        if not isinstance(given, (str, os.PathLike)):
            continue
        source = Path(os.path.realpath(given))
        if source == real or (directory and real in source.parents):
            raise ConfigError(f"the input {given} lies inside the output; writing the output would replace "
                              "or delete it.", path=out,
                              fix="write the output somewhere else, or move the input out of it first.")
    return target


class OutputClaim:
    """An exclusive claim on one output path, held until :meth:`release` (or the end of a ``with`` block)."""

    def __init__(self, out: str | Path, *, inputs=(), directory: bool = True):
        self.out = check_output(out, inputs=inputs, directory=directory)
        self.lock = lock_path(self.out)
        self._released = False
        _acquire(self.lock, self.out)
        try:
            clean_stale(self.out)
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if not self._released:
            self._released = True
            _release(self.lock)

    def __enter__(self) -> Path:
        return self.out

    def __exit__(self, *exc) -> None:
        self.release()


def claim_output(out: str | Path, *, inputs=(), directory: bool = True) -> OutputClaim:
    """Check and lock ``out`` now (raising :class:`OutputBusyError` if another run holds it); use with ``with``."""
    return OutputClaim(out, inputs=inputs, directory=directory)


def _acquire(lock: Path, out: Path) -> None:
    import fcntl

    key = str(lock)
    if key in _held:
        _held[key][1] += 1
        return
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, lock.parent) from None
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise os_error(exc, lock.parent) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            raise OutputBusyError(
                f"another multilabeltext run{f' (process {holder})' if holder else ''} is writing this output.",
                path=out, fix="wait for it to finish, or choose another output path.") from None
        try:  # the holder before us may have unlinked the file we opened: lock the file that is there now
            same = os.stat(lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    _held[key] = [fd, 1]


def _release(lock: Path) -> None:
    key = str(lock)
    entry = _held.get(key)
    if entry is None:
        return
    entry[1] -= 1
    if entry[1] == 0:
        del _held[key]
        try:
            os.unlink(lock)  # still locked by us, so no other run is using this file
        except OSError:
            pass
        os.close(entry[0])


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_siblings(out: Path) -> list[tuple[Path, str, int]]:
    """``(path, kind, pid)`` of the ``.NAME.tmp-PID`` / ``.NAME.old-PID`` siblings of dead processes."""
    found = []
    if not out.parent.is_dir():
        return found
    for kind in ("tmp", "old"):
        for path in out.parent.glob(f".{out.name}.{kind}-*"):
            pid_text = path.name[len(f".{out.name}.{kind}-"):]
            if pid_text.isdigit() and int(pid_text) != os.getpid() and not _alive(int(pid_text)):
                found.append((path, kind, int(pid_text)))
    return found


def clean_stale(out: Path) -> list[Path]:
    """Remove the temporaries of dead runs on ``out``; put back an old output a killed run left renamed."""
    from .progress import plain, status

    removed = []
    stale = stale_siblings(out)
    if not os.path.lexists(out):
        olds = sorted((p for p, kind, _ in stale if kind == "old"), key=lambda p: p.stat().st_mtime)
        if olds:
            olds[-1].rename(out)
            status(f"Put back {plain(out)}, left as {plain(olds[-1].name)} by a run that was killed")
            stale = [s for s in stale if s[0] != olds[-1]]
    for path, _, _ in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path)
    if removed:
        status(f"Removed {len(removed)} temporary file(s) left by killed runs: "
               f"{plain(', '.join(p.name for p in removed))}")
    return removed


def check_regular_file_target(out: str | Path, *, looks_like=None) -> Path:
    """Raise :class:`ConfigError` unless ``out`` is a new path or an existing regular file (device nodes,
    directories, FIFOs and sockets are refused). ``looks_like(head_bytes)`` may refuse a regular file that is
    not what the command writes (so a typo never replaces someone's data)."""
    out = Path(out)
    try:
        info = os.stat(out)
    except FileNotFoundError:
        return out
    except OSError as exc:
        raise os_error(exc, out) from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError("the output path is a directory.", path=out, fix="pass a file name, e.g. --out report.html.")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError("the output path exists and is not a regular file (a device, pipe or socket); it is "
                          "never replaced.", path=out, fix="pass a new file name, e.g. --out report.html.")
    if looks_like is not None:
        with open(out, "rb") as f:
            head = f.read(512)
        if head and not looks_like(head):
            raise ConfigError("the output file exists and is not one this command wrote; it is never replaced.",
                              path=out, fix="pass a new file name, or remove the file yourself.")
    return out


def write_text_atomically(out: str | Path, text: str) -> Path:
    """Write ``text`` to ``out`` through ``.NAME.tmp-PID`` beside it and a rename (claims ``out`` meanwhile)."""
    out = Path(out)
    with claim_output(out, directory=False):
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if not is_write_error(exc):
                raise
            raise os_error(exc, out) from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return out


def check_replaceable(out: str | Path, *, force: bool = False, marker: str = "manifest.json") -> Path:
    """Raise :class:`DatasetExistsError` unless ``out`` may be written: new, empty, or (with ``force``) a
    directory holding ``marker`` (a dataset's manifest.json, a model's model.json), never other data."""
    out = Path(out)
    kind = "dataset" if marker == "manifest.json" else "model"
    if out.exists() and not out.is_dir():
        raise DatasetExistsError("the output path exists and is a file.", path=out,
                                 fix="choose a directory path for --out.")
    if out.is_dir() and any(out.iterdir()) and not force:
        what = f"a {kind}" if (out / marker).exists() else "files"
        raise DatasetExistsError(f"the output directory already holds {what}.", path=out,
                                 fix="pass --force to replace it, or choose another --out directory.")
    if out.is_dir() and any(out.iterdir()) and force and not (out / marker).exists():
        raise DatasetExistsError(f"the output directory holds files that are not a {kind}; --force only "
                                 f"replaces a {kind} directory, to never delete other data.", path=out,
                                 fix="choose another --out directory, or empty this one yourself.")
    return out


@contextmanager
def atomic_directory(out: str | Path, *, force: bool = False, marker: str = "manifest.json") -> Iterator[Path]:
    """Yield a temporary sibling directory that replaces ``out`` only if the block succeeds.

    Refuses an ``out`` that already holds files unless ``force``; even with ``force`` it only replaces a
    directory holding ``marker`` (a dataset's manifest.json, a model's model.json), never other data.
    An interrupted or failed run leaves ``out`` as it was and removes the temporary directory.
    """
    with claim_output(out):
        out = check_replaceable(out, force=force, marker=marker)
        with replace_atomically(out) as tmp:
            yield tmp


@contextmanager
def replace_atomically(out: Path) -> Iterator[Path]:
    """Yield a fresh temporary sibling of ``out`` that is renamed to ``out`` (replacing it) if the block succeeds.

    No checks of what ``out`` holds: callers decide first whether it may be replaced (:func:`atomic_directory`
    does). It claims ``out`` (:mod:`multilabeltext.outputs`: a lock, stale temporaries of dead runs removed);
    a failed write (disk full, read-only) becomes the project's error naming the path.
    """
    with claim_output(out) as out:
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
        except OSError as exc:
            raise os_error(exc, out.parent) from None
        try:
            yield tmp
            if out.exists():
                old = out.parent / f".{out.name}.old-{os.getpid()}"
                out.rename(old)
                tmp.rename(out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                tmp.rename(out)
        except OSError as exc:
            if not is_write_error(exc):
                raise
            raise os_error(exc, exc.filename or out) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EBUSY, errno.EFBIG}


def is_write_error(exc: OSError) -> bool:
    """Whether ``exc`` says the disk refused a write (full, read-only, no permission, busy), not a bug."""
    return exc.errno in WRITE_ERRNOS or "No space left" in str(exc) or "Read-only file system" in str(exc)


def os_error(exc: OSError, path: str | Path | None = None) -> MultilabeltextError:
    """The project's error for a failed write or read: disk full, read-only, permission, busy."""
    where = path if path is not None else exc.filename
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in str(exc):
        fix = "free some space on that disk, or write the output to another disk."
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        fix = "choose an output path you can write to."
    elif exc.errno == errno.EBUSY:
        fix = "choose another output path (a mount point or the current directory cannot be replaced)."
    else:
        fix = "check the path and the disk, then run again."
    return MultilabeltextError(f"cannot write here ({reason}).", path=where, fix=fix)
