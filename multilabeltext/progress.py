"""Progress reporting in one place: every long loop reports through :func:`task`; ``--quiet`` silences all.

Bars go to stderr (stdout stays clean for JSON and pipes).

Example:
    >>> set_quiet(True)
    >>> with task("Counting", total=3) as bar:
    ...     for _ in range(3):
    ...         bar.advance(1)
    >>> set_quiet(False)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

_quiet = False
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # terminal control characters (tab and newline kept)


def plain(text) -> str:
    r"""``text`` made safe to print through rich: markup like ``[/x]`` escaped (shown as written, never parsed),
    control characters such as ANSI escapes shown as ``\x1b`` instead of reaching the terminal.

    >>> plain("[/x] \x1b[31mred")
    '\\[/x] \\x1b[31mred'
    """
    from rich.markup import escape

    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text)))


def set_quiet(quiet: bool) -> None:
    """Silence (or restore) every progress bar and status message of the library."""
    global _quiet
    _quiet = quiet


def is_quiet() -> bool:
    return _quiet


@contextmanager
def quiet() -> Iterator[None]:
    """Silence progress within a block (as ``--quiet`` does for a command), then restore what was set."""
    before = _quiet
    set_quiet(True)
    try:
        yield
    finally:
        set_quiet(before)


class _Bar:
    def __init__(self, progress=None, task_id=None):
        self._progress = progress
        self._task_id = task_id

    def advance(self, amount: float = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task_id, amount)

    def update(self, *, total: float | None = None, description: str | None = None) -> None:
        if self._progress is not None:
            self._progress.update(self._task_id, total=total, description=description)


@contextmanager
def task(description: str, total: float | None = None, unit: str = "") -> Iterator[_Bar]:
    """A progress bar for one stage; ``unit="bytes"`` shows sizes and transfer speed."""
    if _quiet:
        yield _Bar()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = [TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn()]
    columns += [DownloadColumn(), TransferSpeedColumn()] if unit == "bytes" else [MofNCompleteColumn()]
    columns += [TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        yield _Bar(progress, progress.add_task(description, total=total))


def status(message: str) -> None:
    """A one-line status message on stderr (silenced by ``--quiet``); rich markup, so pass user text
    (paths, names) through :func:`plain`."""
    if not _quiet:
        from rich.console import Console

        Console(stderr=True).print(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message))
