"""Work that runs on a clock rather than on a request: each app registers its jobs from its
AppConfig.ready() (core imports none of them), and `manage.py run_periodic` runs them.

- "minute" jobs (flag new scans, due scheduled EPCIS subscriptions) run every minute;
- "day" jobs (certification and OCOP expiry reminders, loan instalment reminders) run once a day.

Production runs `run_periodic --once --period minute` from htxconnect-periodic.timer and the
reminders from htxconnect-reminders.timer (deploy/systemd/); `make demo` runs `run_periodic`
as a loop beside the task worker. Every job must be safe to run twice (they claim their work).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger(__name__)

PERIODS = ("minute", "day")


@dataclass(frozen=True)
class Job:
    name: str
    period: str
    run: Callable[[], object]


_jobs: dict[str, Job] = {}


def register(name: str, run: Callable[[], object], *, period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}")
    _jobs[name] = Job(name, period, run)


def jobs(period: str | None = None) -> list[Job]:
    return [job for job in _jobs.values() if period is None or job.period == period]


def run_due(period: str) -> dict[str, object]:
    """Run every job of `period` once; one job failing does not stop the others (it is logged)."""
    results: dict[str, object] = {}
    for job in jobs(period):
        try:
            results[job.name] = job.run()
        except Exception:  # noqa: BLE001 — the next tick retries; the failure is in the log
            log.exception("periodic job %s failed", job.name)
            results[job.name] = "failed"
    return results
