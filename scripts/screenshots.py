"""Take the console's screenshots into docs/screenshots/ (`make screenshots`).

Builds the demo (`bot.demo`) in a temporary folder, serves the real console on a free
loopback port in a thread, and drives Debian's headless Chromium (/usr/bin/chromium) through
Playwright at 1366x900. Nothing leaves this machine: the demo reads the built-in X API sandbox.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
VIEWPORT = {"width": 1366, "height": 900}
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main() -> int:
    """Build the demo, serve it, and write one PNG per page."""
    if not os.access(CHROMIUM, os.X_OK):
        print(f"screenshots: {CHROMIUM} is missing: install Debian's chromium "
              "(sudo apt-get install --no-install-recommends chromium)", file=sys.stderr)
        return 1
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("screenshots: the playwright package is missing: pip install -e '.[test]'", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lapor-screenshots-") as folder, serve_demo(Path(folder)) as (url, moved):
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                for name, user, path in shots(moved):
                    take(browser, url, name, user, path)
            finally:
                browser.close()
    return 0


def shots(moved: dict[str, list[str]]) -> list[tuple[str, str | None, str]]:
    """Return (file name, who is signed in, path) for each screenshot."""
    forwarded, responded = moved["forwarded"], moved["responded"][0]
    waiting = next((n for n in forwarded if n not in moved["responded"]), responded)
    return [
        ("login", None, "/login"),
        ("queue", "petugas", "/queue"),
        ("complaint", "petugas", f"/complaints/{waiting}"),
        ("dashboard", "petugas", "/dashboard"),
        ("agency_inbox", "dinkes", "/agency"),
        ("agency_complaint", "dinkes", f"/agency/complaints/{waiting}"),
        ("status", None, f"/status/{responded}"),
    ]


def take(browser: Any, url: str, name: str, user: str | None, path: str) -> None:
    """Open `path` (signed in as `user`) in a fresh context and save the full page."""
    from bot.demo import ACCOUNTS

    context = browser.new_context(viewport=VIEWPORT, base_url=url, locale="id-ID")
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        if user is not None:
            password = next(a.password for a in ACCOUNTS if a.username == user)
            page.goto("/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.click("form[action^='/login'] button[type=submit]")
        answer = page.goto(path, wait_until="networkidle")
        if answer is None or answer.status != 200:
            raise SystemExit(f"screenshots: {path} answered {answer.status if answer else 'nothing'}")
        target = OUT / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        print(f"{target.relative_to(OUT.parents[1])}  ({path}{', as ' + user if user else ''})")
        if errors:
            raise SystemExit(f"screenshots: JavaScript errors on {path}: {errors}")
    finally:
        context.close()


@contextmanager
def serve_demo(folder: Path) -> Iterator[tuple[str, dict[str, list[str]]]]:
    """Build the demo in `folder` and serve the console on a free loopback port until the block ends."""
    from werkzeug.serving import make_server

    from bot.demo import build_demo
    from bot.settings import load_settings
    from bot.web_commands import build_app
    from ingest.store.store import open_store

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    settings = load_settings({"LAPOR_DATABASE_URL": f"sqlite:///{folder / 'lapor.db'}",
                              "LAPOR_SANDBOX_STATE": str(folder / "sandbox.json"), "LAPOR_WEB_SECURE_COOKIES": "false"})
    report = build_demo(settings)
    store = open_store(settings.database_url)
    server = make_server("127.0.0.1", 0, build_app(settings, store), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="console", daemon=True)
    thread.start()
    stop: Callable[[], None] = server.shutdown
    try:
        yield f"http://127.0.0.1:{server.server_port}", report.moved
    finally:
        stop()
        thread.join(5)
        store.close()


if __name__ == "__main__":
    sys.exit(main())
