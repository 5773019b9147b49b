"""Several bot processes on one database: one poller at a time, the rest send; jobs chosen per process."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.sandbox import Sandbox
from bot.settings import load_settings
from bot.wiring import build_bot


def test_only_the_lease_holder_polls_and_another_takes_over_when_it_stops(db_url):
    with Sandbox() as sandbox:
        settings = load_settings({"X_API_BASE_URL": sandbox.url, "LAPOR_DATABASE_URL": db_url})
        first, second = build_bot(settings), build_bot(settings)
        try:
            assert first.poll() is not None
            assert second.poll() is None  # the first process holds the poll lease
            assert first.poll() is not None  # and renews it
            first.close()
            assert second.poll() is not None  # released on close: taken over at once
        finally:
            second.close()


def test_run_once_with_chosen_jobs_only(sandbox, tmp_path, capsys):
    capsys.readouterr()
    posted = len(sandbox.posts)
    sandbox.add_mention("Jalan berlubang di depan SD 12 Padang, mohon ditambal", author="warga_baru")
    assert main(["run", "--once", "--jobs", "poll"]) == 0
    assert "1 mentions read" in capsys.readouterr().out
    assert len(sandbox.posts) == posted  # polled, not answered: no send job in this process
    assert main(["run", "--once", "--jobs", "send"]) == 0
    assert "mentions read" not in capsys.readouterr().out  # this process did not poll
    assert len(sandbox.posts) == posted + 1


@pytest.mark.parametrize("jobs", ["", "poll,post", ","])
def test_unknown_jobs_are_a_configuration_error(sandbox, capsys, jobs):
    assert main(["run", "--once", "--jobs", jobs]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_a_run_leaves_xs_rate_limit_windows_in_the_metrics(db_url):
    from bot.metrics import render_metrics
    from bot.wiring import utc_now
    from ingest.store.metrics import read_metrics

    with Sandbox() as sandbox:
        settings = load_settings({"X_API_BASE_URL": sandbox.url, "LAPOR_DATABASE_URL": db_url})
        bot = build_bot(settings)
        try:
            bot.poll()
            bot.send()
            text = render_metrics(read_metrics(bot.store, utc_now()), settings.prices)
        finally:
            bot.close()
    lines = [line for line in text.splitlines() if line.startswith("lapor_x_rate_limit_remaining{")]
    endpoints = {line.split('"')[1] for line in lines}
    assert {"mentions", "create_24h"} <= endpoints, lines
