from __future__ import annotations

import pytest

from customer_segmentation.progress import Progress, log_progress, log_warning


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_steps_report_share_elapsed_and_estimate() -> None:
    lines: list[str] = []
    clock = FakeClock()
    with Progress("k sweep", total=4, emit=lines.append, clock=clock) as progress:
        clock.now += 2.0
        progress.step("k=2")
        clock.now += 2.0
        progress.step("k=3")
    assert lines == [
        "k sweep: started",
        "k sweep: 1/4 (25%): k=2 - 2.0 s elapsed, ~6.0 s left",
        "k sweep: 2/4 (50%): k=3 - 4.0 s elapsed, ~4.0 s left",
        "k sweep: done in 4.0 s",
    ]


def test_open_ended_task_and_long_durations_in_minutes() -> None:
    lines: list[str] = []
    clock = FakeClock()
    progress = Progress("fit", emit=lines.append, clock=clock)
    clock.now += 300.0
    progress.step()
    assert lines == ["fit: step 1 (5.0 min)"]


def test_failure_is_reported_and_the_error_propagates() -> None:
    lines: list[str] = []
    clock = FakeClock()
    with pytest.raises(RuntimeError), Progress("fit", emit=lines.append, clock=clock):
        clock.now += 1.5
        raise RuntimeError("boom")
    assert lines == ["fit: started", "fit: failed after 1.5 s"]


def test_total_must_be_positive() -> None:
    with pytest.raises(ValueError, match="total must be a positive number of steps, got 0"):
        Progress("x", total=0)


def test_log_progress_outside_a_dbt_run_does_not_fail(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # dbt is installed in this venv, so the line goes through dbt's event manager: to the
    # process's stdout, or to the `stdout_log` logger once an earlier test in this process has
    # set dbt's event manager up (its stream is then another test's captured stdout)
    log_progress("progress line for the test")
    captured = capfd.readouterr()
    assert "progress line for the test" in captured.out + captured.err + caplog.text


def test_log_warning_outside_a_dbt_run_does_not_fail(
    capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    log_warning("warning line for the test")  # where the line goes: see the test above
    captured = capfd.readouterr()
    assert "warning line for the test" in captured.out + captured.err + caplog.text
