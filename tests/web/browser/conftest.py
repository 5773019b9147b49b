"""The console in a real browser: demo data, the real app on loopback, headless Chromium.

`site` (one per module) builds the demo (`bot.demo`: the bot's main job over the sandbox's
sample mentions, plus one mention carrying a <script> tag), serves the real console
(`bot.web_commands.build_app`) on 127.0.0.1 with a loopback SMTP server for the forwards, and
adds an agency user for the agency the flow forwards to. `page` is a fresh browser context
that records console errors, page errors and dialogs: any JS error or CSP violation fails the
test. Without Chromium or Playwright the tests are skipped, except under CI (CI set), where
they fail.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

from bot.demo import ACCOUNTS, DemoReport, build_demo
from bot.settings import Settings, load_settings
from bot.web.passwords import hash_password
from bot.web_commands import build_app
from bot.wiring import Bot, load_routing_table, utc_now
from ingest.store.models import ComplaintRow
from ingest.store.store import Store, open_store
from ingest.store.users import add_user
from ingest.workdays import WorkCalendar
from tests.forward.helpers import ScriptedSmtp, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
SCRIPT_MENTION = ("@lapor1708 Jalan berlubang besar di Jl. Sudirman Kota Padang <script>alert(1)</script> "
                  "sudah sebulan belum ditambal, motor sering jatuh")
FLOW_PASSWORD = "pupr-browser-test-2026"
PASSWORDS = {account.username: account.password for account in ACCOUNTS}


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Launch headless Chromium once; skip (fail under CI) when it or Playwright is missing."""
    missing = _missing_browser()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    """The console under test and what the demo put in it."""

    url: str
    settings: Settings
    store: Store
    demo: DemoReport
    smtp: Controller
    flow_agency: str = ""  # the agency of the flow's agency user (e-mail only, so the SMTP server delivers)
    flow_user: str = "pupr"

    def complaint(self, number: str) -> ComplaintRow:
        """Return a complaint as stored now."""
        row = self.store.complaint(number)
        assert row is not None, number
        return row

    def complaints(self) -> list[ComplaintRow]:
        """Return every complaint, oldest first."""
        return list(reversed(self.store.complaints(limit=10_000)))

    def run_forward_job(self) -> None:
        """Run the bot's forward job once (what `lapor-bot run` does every tick): deliver by e-mail."""
        bot = Bot(settings=self.settings, store=self.store, x=None,  # type: ignore[arg-type] - not used
                  routing=load_routing_table(self.settings), calendar=WorkCalendar())
        bot.forward()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, chromium: Any) -> Iterator[Site]:
    """Build the demo in a temporary folder and serve the console on a free loopback port."""
    folder: Path = tmp_path_factory.mktemp("console")
    controller = Controller(ScriptedSmtp(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = load_settings({
        "LAPOR_DATABASE_URL": f"sqlite:///{folder / 'lapor.db'}", "LAPOR_SANDBOX_STATE": str(folder / "sandbox.json"),
        "LAPOR_SMTP_HOST": "127.0.0.1", "LAPOR_SMTP_PORT": str(controller.port), "LAPOR_SMTP_SECURITY": "none",
        "LAPOR_WEB_SECURE_COOKIES": "false", "LAPOR_LOG_LEVEL": "WARNING",
    })
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the test output
    report = build_demo(settings, extra_mentions=[SCRIPT_MENTION])
    store = open_store(settings.database_url)
    server = make_server("127.0.0.1", 0, build_app(settings, store), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="console", daemon=True)
    thread.start()
    site = Site(url=f"http://127.0.0.1:{server.server_port}", settings=settings, store=store, demo=report,
                smtp=controller)
    try:
        yield site
    finally:
        server.shutdown()
        thread.join(5)
        store.close()
        controller.stop()


def add_agency_user(site: Site, username: str, agency_id: str, password: str = FLOW_PASSWORD) -> None:
    """Create an agency user (the demo has one for dinkes-sumbar only)."""
    add_user(site.store, username, username.title(), hash_password(password), "agency", utc_now(),
             agency_id=agency_id)


@dataclass
class Watch:
    """What the page said: console errors, uncaught errors, and the dialogs it opened (all accepted)."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[tuple[str, str]] = field(default_factory=list)
    # URLs whose loading may fail: a 404 the test asks for, and the favicon Chromium asks every site for.
    allowed: list[str] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and any(url in where for url in self.allowed):
            return
        self.errors.append(f"console: {message.text} ({where})")

    def on_dialog(self, dialog: Any) -> None:
        self.dialogs.append((dialog.type, dialog.message))
        dialog.accept()


@pytest.fixture
def browser_page(chromium: Any, site: Site) -> Iterator[tuple[Any, Watch]]:
    """Return a fresh page (its own cookies) and its Watch; fail on any JS error or CSP violation."""
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, base_url=site.url, locale="id-ID")
    context.set_default_timeout(10_000)
    page = context.new_page()
    watch = Watch()
    page.on("console", watch.on_console)
    page.on("pageerror", lambda error: watch.errors.append(f"page error: {error}"))
    page.on("dialog", watch.on_dialog)
    try:
        yield page, watch
    finally:
        context.close()
    assert not watch.errors, "the browser reported errors:\n" + "\n".join(watch.errors)
    assert not [d for d in watch.dialogs if d[0] == "alert"], f"an alert opened: {watch.dialogs}"


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the form; return on the user's start page."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action^='/login'] button[type=submit]")
    assert "/login" not in page.url, f"sign-in as {username} failed: {page.url}"


def sign_out(page: Any) -> None:
    """Sign out through the top bar's form."""
    with page.expect_navigation():
        page.click("form[action='/logout'] button[type=submit]")
