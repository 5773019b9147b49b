"""Run the jobs on a schedule until SIGINT/SIGTERM; the tick in progress always finishes."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot.wiring import Bot

log = logging.getLogger(__name__)


JOBS = ("poll", "send", "forward", "sla", "retention")


def build_scheduler(bot: Bot, jobs: tuple[str, ...] = JOBS) -> BackgroundScheduler:
    """Return a scheduler running the chosen jobs every poll_seconds (SLA every 5 min, retention hourly).

    Several processes may share a database: only the holder of the poll lease polls, and the
    reply and forward outboxes are claimed row by row, so a poller plus N senders is safe.
    """
    seconds = bot.settings.poll_seconds
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": seconds},
        timezone=timezone.utc,
    )
    start = datetime.now(timezone.utc)
    every = {"poll": seconds, "send": seconds, "forward": seconds,
             # Deadlines move in working days: a check every five minutes is plenty.
             "sla": max(seconds, 300), "retention": 3600}
    for name in jobs:
        scheduler.add_job(getattr(bot, name), "interval", seconds=every[name], id=name, next_run_time=start)
    return scheduler


def run_until_stopped(bot: Bot, stop: threading.Event | None = None, jobs: tuple[str, ...] = JOBS) -> None:
    """Run the scheduler until a signal (or `stop`) arrives, then finish the current tick."""
    stop = stop or threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s: finishing the current tick, then stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    scheduler = build_scheduler(bot, jobs)
    scheduler.start()
    log.info("bot running (%s): @%s every %ds", ", ".join(jobs), bot.settings.account, bot.settings.poll_seconds)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("bot stopped")
