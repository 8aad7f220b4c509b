"""Progress lines for long steps (large fits, the k sweep) that users see during ``dbt build``.

Inside a dbt run (a dbt-duckdb Python model runs in dbt's process) a line is fired as a dbt
``Note`` event: it reaches the terminal with dbt's timestamp, between the model's START and OK
lines, and is written to ``logs/dbt.log``. A plain ``print`` would reach the terminal but not the
log file; Python's ``logging`` is not shown by dbt. Outside dbt the line goes to stderr.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType

ProgressCallback = Callable[[str], None]


def log_progress(message: str) -> None:
    """Show one progress line: a dbt event inside dbt, stderr elsewhere."""
    try:
        from dbt_common.events.functions import fire_event
        from dbt_common.events.types import Note
    except ImportError:  # not running with dbt installed
        print(message, file=sys.stderr, flush=True)
        return
    fire_event(Note(msg=message))


def log_warning(message: str) -> None:
    """Show one warning line: a dbt ``Note`` event at warn level inside dbt (yellow, counted in
    the log as a warning, never an error), stderr elsewhere."""
    try:
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.functions import fire_event
        from dbt_common.events.types import Note
    except ImportError:  # not running with dbt installed
        print(f"WARNING: {message}", file=sys.stderr, flush=True)
        return
    fire_event(Note(msg=message), level=EventLevel.WARN)


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


class Progress:
    """Progress of one task, optionally in ``total`` steps, with elapsed time and an estimate.

    Use as a context manager (``started`` / ``done in`` / ``failed after`` lines) and call
    :meth:`step` after each unit of work::

        with Progress("k sweep", total=9) as progress:
            for k in range(2, 11):
                ...
                progress.step(f"k={k}")

    ``emit`` and ``clock`` are injectable for tests.
    """

    def __init__(
        self,
        task: str,
        total: int | None = None,
        emit: ProgressCallback = log_progress,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if total is not None and total < 1:
            raise ValueError(f"total must be a positive number of steps, got {total}")
        self.task = task
        self.total = total
        self.done = 0
        self._emit = emit
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def step(self, message: str = "") -> None:
        """Record one finished step and show where the task stands."""
        self.done += 1
        elapsed = self.elapsed()
        detail = f": {message}" if message else ""
        if self.total is None:
            line = f"{self.task}: step {self.done}{detail} ({_seconds(elapsed)})"
        else:
            left = elapsed / self.done * (self.total - self.done)
            line = (
                f"{self.task}: {self.done}/{self.total} ({self.done / self.total:.0%}){detail}"
                f" - {_seconds(elapsed)} elapsed, ~{_seconds(left)} left"
            )
        self._emit(line)

    def __enter__(self) -> Progress:
        self._start = self._clock()
        self._emit(f"{self.task}: started")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        verb = "done in" if exc_type is None else "failed after"
        self._emit(f"{self.task}: {verb} {_seconds(self.elapsed())}")
