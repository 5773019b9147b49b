"""`lapor-bot demo`: sample complaints and three accounts, to show the web console.

The demo runs the bot's main job once against the built-in X API sandbox (never X), so the
sandbox's sample mentions become complaints the ordinary way, then moves a few of them along
through the same review logic the console calls: some verified, one forwarded and answered by
its agency, one waiting in the agency's inbox, one rejected, one marked urgent. No SMTP server
is configured in a demo, so the forwards are recorded by hand (the audit log says so) instead
of being delivered. A second run changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings, XCredentials
from ingest.store import review
from ingest.store.followups import change_status
from ingest.store.models import ComplaintRow
from ingest.store.store import Store

EXIT_RUNTIME = 1
STATE_KEY = "demo_built"
BUILDING = "building"  # the state while a first run is under way
OFFICER = "officer:petugas"
AGENCY_ID = "dinkes-sumbar"
AGENCY_ACTOR = f"agency:{AGENCY_ID}/dinkes"
RESPONSE_NOTE = ("Terima kasih atas laporannya. Petugas Dinas Kesehatan sudah menemui pengelola puskesmas; "
                 "antrean kini dibuka pukul 07.30 dan loket tambahan disiapkan mulai Senin.")
REJECT_REASON = "Bukan kewenangan pemerintah daerah: sertifikat tanah diurus Kantor Pertanahan (BPN)."


@dataclass(frozen=True)
class DemoAccount:
    """A console account the demo makes, with its fixed (demo-only) password."""

    username: str
    role: str
    password: str
    display_name: str
    agency_id: str | None = None


ACCOUNTS = (
    DemoAccount("admin", "admin", "admin-demo-lapor", "Admin Demo"),
    DemoAccount("petugas", "officer", "petugas-demo-lapor", "Petugas Demo"),
    DemoAccount("dinkes", "agency", "dinkes-demo-lapor", "Dinkes Sumbar (demo)", AGENCY_ID),
)


@dataclass
class DemoReport:
    """What the demo made (or found made before): tracking numbers by what happened to them."""

    built: bool = False
    complaints: int = 0
    moved: dict[str, list[str]] = field(default_factory=dict)
    accounts_added: list[str] = field(default_factory=list)


def add_command(commands: Any) -> None:
    """Register `lapor-bot demo` on the CLI's subparsers."""
    demo = commands.add_parser("demo", help="fill the database with sample complaints and demo accounts")
    demo.add_argument("--reset", action="store_true",
                      help="delete the demo's SQLite database and sandbox state first, and build again")
    demo.set_defaults(handler=demo_command)


def demo_command(settings: Settings, args: argparse.Namespace) -> int:
    """Build the demo (or say it is there already) and print what to sign in with."""
    from ingest.errors import StoreError

    try:
        if args.reset:
            reset_demo(settings)
        report = build_demo(settings)
    except (DemoError, StoreError) as exc:
        print(f"lapor-bot: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(describe(report, settings))
    return 0


class DemoError(RuntimeError):
    """The demo cannot be built here; the message says why."""


def sandbox_settings(settings: Settings) -> Settings:
    """Return the settings with X taken away: the demo reads the built-in sandbox only."""
    return replace(settings, credentials=XCredentials(), x_base_url=None, dry_run=False, posting_enabled=True)


def reset_demo(settings: Settings) -> None:
    """Delete a demo's SQLite files and sandbox state; refuse to touch any other database."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise DemoError("--reset works on a SQLite file only: drop the PostgreSQL database yourself")
    path = Path(url.database)
    if path.exists():
        from ingest.store.store import open_store

        store = open_store(settings.database_url)
        try:
            if store.get_state(STATE_KEY) is None and store.complaints(limit=1):
                raise DemoError(f"{path} holds complaints the demo did not make: not deleting it")
        finally:
            store.close()
    for name in (str(path), f"{path}-wal", f"{path}-shm", f"{path}-journal", settings.sandbox_state):
        Path(name).unlink(missing_ok=True)


def build_demo(settings: Settings, *, extra_mentions: Sequence[str] = (),
               now: Callable[[], datetime] | None = None) -> DemoReport:
    """Make the demo data and accounts unless made before; `extra_mentions` are posted to the sandbox first."""
    from bot.wiring import build_bot, utc_now

    clock = now or utc_now
    bot = build_bot(sandbox_settings(settings))
    try:
        report = DemoReport()
        earlier = bot.store.get_state(STATE_KEY)
        if earlier == BUILDING:
            raise DemoError("an earlier demo run stopped half-way: run `lapor-bot demo --reset`")
        if earlier is not None:
            report.moved = json.loads(earlier)
        else:
            if bot.store.complaints(limit=1):
                raise DemoError("this database holds complaints already: run the demo in an empty folder")
            assert bot.sandbox is not None
            bot.store.set_state(STATE_KEY, BUILDING, clock())
            for text in extra_mentions:
                bot.sandbox.add_mention(text, author="warga_demo")
            bot.poll()
            bot.sla()
            bot.forward()
            bot.send()
            report.moved = move_complaints(bot.store, clock())
            bot.sla()  # the clocks of the complaints just moved
            bot.send()  # the citizens' follow-up replies, posted to the sandbox
            bot.store.set_state(STATE_KEY, json.dumps(report.moved), clock())
            report.built = True
        report.accounts_added = add_accounts(bot.store, clock())
        report.complaints = len(bot.store.complaints(limit=100_000))
        return report
    finally:
        bot.close()


def move_complaints(store: Store, now: datetime) -> dict[str, list[str]]:
    """Take a few fresh complaints through verification, forwarding, a response, a rejection and urgency."""
    waiting = [c for c in reversed(store.complaints(limit=1000)) if c.status == "awaiting_verification"]
    if not waiting:
        raise DemoError("the sandbox gave no complaints: nothing to show")
    taken: set[str] = set()

    def pick(test: Callable[[ComplaintRow], bool]) -> ComplaintRow | None:
        chosen = next((c for c in waiting if c.tracking_number not in taken and test(c)), None)
        if chosen is not None:
            taken.add(chosen.tracking_number)
        return chosen

    moved: dict[str, list[str]] = {}
    health = [pick(lambda c: c.agency_id == AGENCY_ID and not c.has_personal_data),
              pick(lambda c: c.agency_id == AGENCY_ID)]
    roads = pick(lambda c: c.category == "infrastruktur" and not c.urgent)
    for complaint in (c for c in (*health, roads) if c is not None):
        _forward_by_hand(store, complaint, now)
        moved.setdefault("forwarded", []).append(complaint.tracking_number)
    if health[0] is not None:
        review.record_response(store, health[0].tracking_number, "responded", RESPONSE_NOTE, AGENCY_ACTOR, now,
                               source="console", public=True)
        moved["responded"] = [health[0].tracking_number]
    for complaint in (pick(lambda c: c.category == "perhubungan" and not c.needs_review) for _ in range(2)):
        if complaint is not None:
            review.verify(store, complaint.tracking_number, OFFICER, now, note="Laporan jelas (data demo)")
            moved.setdefault("verified", []).append(complaint.tracking_number)
    if rejected := pick(lambda c: "PTSL" in c.text or c.category == "perumahan"):
        review.reject(store, rejected.tracking_number, OFFICER, now, REJECT_REASON)
        moved["rejected"] = [rejected.tracking_number]
    if urgent := pick(lambda c: not c.urgent and not c.needs_review and "embatan" in c.text):
        review.mark_urgent(store, urgent.tracking_number, OFFICER, now, note="Membahayakan keselamatan warga")
        moved["urgent"] = [urgent.tracking_number]
    return moved


def _forward_by_hand(store: Store, complaint: ComplaintRow, now: datetime) -> None:
    """Verify, then record the forward an SMTP server would have made (the demo has none)."""
    number = complaint.tracking_number
    review.verify(store, number, OFFICER, now, note="Laporan jelas (data demo)")
    change_status(store, number, "forwarded", now, announce=True, agency=complaint.agency, actor=OFFICER,
                  note="Diteruskan manual: demo tanpa server SMTP")


def add_accounts(store: Store, now: datetime) -> list[str]:
    """Create the demo accounts that are missing; return their usernames."""
    from bot.web.passwords import hash_password
    from ingest.store.users import add_user, user_by_name

    added = []
    for account in ACCOUNTS:
        if user_by_name(store, account.username) is None:
            add_user(store, account.username, account.display_name, hash_password(account.password), account.role,
                     now, agency_id=account.agency_id, actor="demo")
            added.append(account.username)
    return added


def describe(report: DemoReport, settings: Settings) -> str:
    """Return the demo's summary: what it did, what to open, who to sign in as."""
    labels = {"verified": "verified", "forwarded": "forwarded (recorded by hand: no SMTP in a demo)",
              "responded": "answered by its agency", "rejected": "rejected", "urgent": "marked urgent"}
    if report.built:
        lines = [f"demo data made in {settings.database_url}: {report.complaints} complaints from the sandbox"]
    else:
        lines = [f"demo data already in {settings.database_url} ({report.complaints} complaints): "
                 "nothing changed (--reset starts again)"]
    lines += [f"  {labels.get(key, key)}: {', '.join(numbers)}" for key, numbers in report.moved.items()]
    if responded := report.moved.get("responded"):
        lines.append(f"  the citizen's status page: /status/{responded[0]}")
    added = ", ".join(report.accounts_added) or "none (all there already)"
    lines += ["", f"demo accounts (added now: {added}); fixed passwords, fine for a demo on loopback only,",
              "never for a console others can reach:"]
    for account in ACCOUNTS:
        role = account.role + (f" of {account.agency_id}" if account.agency_id else "")
        lines.append(f"  {account.username:<9} {account.password:<20} {role}")
    return "\n".join(lines)
