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


def build_scheduler(bot: Bot) -> BackgroundScheduler:
    """Return a scheduler running poll, send and forward every poll_seconds, one job at a time."""
    seconds = bot.settings.poll_seconds
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": seconds},
        timezone=timezone.utc,
    )
    start = datetime.now(timezone.utc)
    scheduler.add_job(bot.poll, "interval", seconds=seconds, id="poll", next_run_time=start)
    scheduler.add_job(bot.send, "interval", seconds=seconds, id="send", next_run_time=start)
    scheduler.add_job(bot.forward, "interval", seconds=seconds, id="forward", next_run_time=start)
    # Deadlines move in working days: a check every five minutes is plenty.
    scheduler.add_job(bot.sla, "interval", seconds=max(seconds, 300), id="sla", next_run_time=start)
    return scheduler


def run_until_stopped(bot: Bot, stop: threading.Event | None = None) -> None:
    """Run the scheduler until a signal (or `stop`) arrives, then finish the current tick."""
    stop = stop or threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("received %s: finishing the current tick, then stopping", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    scheduler = build_scheduler(bot)
    scheduler.start()
    log.info("bot running: polling @%s every %ds", bot.settings.account, bot.settings.poll_seconds)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("bot stopped")
