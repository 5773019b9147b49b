"""`lapor-bot doctor`: check the configuration and what it points at, and say what is wrong in plain words.

Each check prints one line, `<check>: ok (...)` or `<check>: PROBLEM: <what is wrong and what to do>`;
the exit code is 0 when every check is ok, 1 otherwise. The doctor changes nothing: it does not
migrate the database, send mail or post on X.
"""

from __future__ import annotations

import argparse
import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from bot.settings import AGENCY_SECRET_PREFIX, SANDBOX_FOLLOWUP_URL, Settings, SettingsError, agency_env_name
from ingest.errors import StoreError, XAuthError, XError, XRateLimited, XUnavailable
from ingest.routing import RoutingTable
from replies.forward.types import SmtpConfig

TIMEOUT = 5.0  # seconds for each outside call: a doctor must answer quickly
_X_KEYS = "X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: a problem in plain words, or None with an optional note."""

    name: str
    problem: str | None = None
    note: str = ""

    @property
    def line(self) -> str:
        """Return the line the doctor prints."""
        if self.problem is not None:
            return f"{self.name}: PROBLEM: {self.problem}"
        return f"{self.name}: ok" + (f" ({self.note})" if self.note else "")


def add_command(commands: Any) -> None:
    """Register `lapor-bot doctor` on the CLI's subparsers."""
    cmd = commands.add_parser("doctor", help="check settings, database, X, SMTP and secrets; say what is wrong")
    cmd.set_defaults(handler=doctor_command)


def doctor_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run every check, print one line each; 0 when all are ok, 1 otherwise."""
    checks = run_checks(settings)
    for check in checks:
        print(check.line, flush=True)
    problems = sum(check.problem is not None for check in checks)
    print("all checks passed" if not problems else f"{problems} problem{'s' if problems > 1 else ''} found")
    return 1 if problems else 0


def run_checks(settings: Settings, now: Callable[[], datetime] | None = None) -> list[Check]:
    """Return the outcome of every check, in the order they are printed."""
    clock = now or (lambda: datetime.now(timezone.utc))
    routing, settings_check = check_settings(settings)
    database = check_database(settings.database_url)
    return [
        settings_check,
        database,
        check_x(settings),
        check_smtp(settings, routing),
        check_agency_secrets(settings, routing),
        check_followup_url(settings),
        check_posting(settings, clock(), database_ok=database.problem is None),
    ]


# --- settings ---------------------------------------------------------------------------------------
def check_settings(settings: Settings) -> tuple[RoutingTable | None, Check]:
    """Check what load_settings leaves for later: the routing table and the holidays file."""
    from bot.wiring import load_routing_table
    from ingest.workdays import CalendarError, load_calendar

    try:
        routing = load_routing_table(settings)
    except SettingsError as exc:
        return None, Check("settings", f"{exc} (fix the file, or unset LAPOR_ROUTING_FILE to use the shipped table)")
    try:
        load_calendar(settings.holidays_file)
    except (CalendarError, OSError) as exc:
        return routing, Check("settings", f"LAPOR_HOLIDAYS_FILE: {exc}")
    table = settings.routing_file or "the shipped routing table"
    return routing, Check("settings", note=f"{table}, {len(routing.agencies)} agencies")


# --- database ---------------------------------------------------------------------------------------
def check_database(url: str) -> Check:
    """Check that the database answers and is migrated to the newest revision (without migrating it)."""
    from ingest.store.metrics import fetch_schema_state

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        if not path.parent.exists():
            return Check("database", f"{shown}: the folder {path.parent} does not exist; create it or fix "
                                     "LAPOR_DATABASE_URL")
        if not path.exists():
            return Check("database", f"{shown}: no database file yet; `lapor-bot run --once` creates and "
                                     "migrates it")
    try:
        state = fetch_schema_state(url, timeout=TIMEOUT)
    except StoreError as exc:
        return Check("database", f"cannot open {shown}: {_without(exc, parsed.password)}; check LAPOR_DATABASE_URL "
                                 "and that the database server runs and lets this machine in")
    if state.current is None:
        return Check("database", f"{shown} has no tables yet; `lapor-bot run --once` creates them")
    if not state.known:
        return Check("database", f"{shown} is at schema revision {state.current}, newer than this version of "
                                 f"the bot knows (newest {state.head}): upgrade the bot on this machine")
    if not state.up_to_date:
        return Check("database", f"{shown} is at schema revision {state.current}, not the newest {state.head}: "
                                 "back it up, then start the bot once (it migrates at start)")
    return Check("database", note=f"{shown}, schema at revision {state.current}")


def _without(exc: Exception, password: str | None) -> str:
    text = str(exc)
    return text.replace(password, "***") if password else text


# --- X -------------------------------------------------------------------------------------------------
def check_x(settings: Settings) -> Check:
    """Ask X (or the configured server) who the keys belong to, through the bot's own client."""
    from bot.wiring import PLACEHOLDER_KEY
    from ingest.x_client import XClient

    if settings.use_embedded_sandbox:
        return Check("X", note="no X keys: the built-in X API sandbox is used, nothing reaches X")
    credentials, real = settings.credentials, settings.credentials.any
    where = settings.api_base_url
    client = XClient(
        where,
        bearer_token=credentials.bearer_token if real else None,
        api_key=credentials.api_key if real else PLACEHOLDER_KEY,
        api_secret=credentials.api_secret if real else PLACEHOLDER_KEY,
        access_token=credentials.access_token if real else PLACEHOLDER_KEY,
        access_token_secret=credentials.access_token_secret if real else PLACEHOLDER_KEY,
        timeout=TIMEOUT,
    )
    asked = "users/me" if credentials.has_user_context or not real else f"the lookup of @{settings.account}"
    try:
        account = client.fetch_account(settings.account)
    except XAuthError as exc:
        return Check("X", _refused(str(exc), real))
    except XRateLimited:
        return Check("X", f"{where} answered 429 (rate limit or usage cap) to {asked}: the keys could not be "
                          "checked now; try again in 15 minutes, and check the app's usage in the developer portal")
    except XUnavailable as exc:
        if "cannot reach" in str(exc):
            return Check("X", f"{where} cannot be reached ({str(exc).rsplit(': ', 1)[-1]}): check the network, "
                              "proxy and firewall of this machine, and X_API_BASE_URL if set")
        return Check("X", f"{where} did not answer {asked} properly ({exc}); try again later")
    except XError as exc:
        return Check("X", f"{where} refused {asked}: {exc}")
    if account.username.lower() != settings.account.lower():
        return Check("X", f"the X keys belong to @{account.username}, not LAPOR_ACCOUNT=@{settings.account}: "
                          "use the keys of the account the bot speaks for, or fix LAPOR_ACCOUNT")
    who = "no X keys: " if not real else ""
    return Check("X", note=f"{who}{where} answered {asked}: @{account.username} (id {account.id})")


def _refused(message: str, real: bool) -> str:
    if not real:
        return f"the server refused the placeholder keys ({message}); set the X keys, or unset X_API_BASE_URL"
    if "(401)" in message:
        return (f"X refused the keys (401): they are wrong or revoked. Copy {_X_KEYS} (and X_BEARER_TOKEN) "
                "again from the X developer portal; regenerate the access token after changing the app's permissions")
    return (f"X refused the app's access ({message.split(': ', 1)[-1]}): give the app Read and Write "
            "permission in the X developer portal and regenerate the access token")


# --- SMTP ---------------------------------------------------------------------------------------------
def check_smtp(settings: Settings, routing: RoutingTable | None) -> Check:
    """Connect, greet and log in to the mail server as configured; no mail is sent."""
    needing = sorted(a.id for a in (routing.agencies if routing else ()) if "email" in a.forward_by)
    if settings.smtp is None:
        if needing or settings.officer_email:
            who = ", ".join(needing[:5]) + (" and others" if len(needing) > 5 else "") or "LAPOR_OFFICER_EMAIL"
            return Check("SMTP", f"LAPOR_SMTP_HOST is not set, but e-mail is needed ({who}): those forwards and "
                                 "notices wait in the outbox until it is set")
        return Check("SMTP", note="not configured; no agency receives e-mail")
    step, problem = try_smtp(settings.smtp)
    if problem is not None:
        return Check("SMTP", problem)
    return Check("SMTP", note=f"{settings.smtp.host}:{settings.smtp.port}: {step}")


def try_smtp(config: SmtpConfig, timeout: float = TIMEOUT) -> tuple[str, str | None]:
    """Return (the steps done, a problem or None) after connect, EHLO, STARTTLS and login as configured."""
    where, step = f"{config.host}:{config.port}", "connect"
    context = ssl.create_default_context()
    server: smtplib.SMTP | None = None
    try:
        if config.security == "ssl":
            step = "connect (TLS)"
            server = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=context)
        else:
            server = smtplib.SMTP(config.host, config.port, timeout=timeout)
        step = "EHLO"
        _expect(server.ehlo(), 250)
        if config.security == "starttls":
            step = "STARTTLS"
            if not server.has_extn("starttls"):
                return step, (f"{where} does not offer STARTTLS: set LAPOR_SMTP_SECURITY=ssl (usually port 465), "
                              "or none only for a relay on this machine")
            server.starttls(context=context)
            _expect(server.ehlo(), 250)
        if config.username:
            step = "login"
            if not server.has_extn("auth"):
                return step, (f"{where} offers no login (AUTH) here: check LAPOR_SMTP_SECURITY (many servers offer "
                              "it only after STARTTLS), or unset LAPOR_SMTP_USERNAME/PASSWORD")
            server.login(config.username, config.password or "")
        return _steps(config), None
    except (smtplib.SMTPException, OSError) as exc:
        return step, _redacted(_smtp_problem(exc, where, step), config.password)
    finally:
        if server is not None:
            _quit(server)


def _steps(config: SmtpConfig) -> str:
    done = ["connected (TLS)" if config.security == "ssl" else "connected", "EHLO"]
    if config.security == "starttls":
        done.append("STARTTLS")
    if config.username:
        done.append("login")
    return ", ".join(done) + " ok; no mail sent"


def _expect(reply: tuple[int, bytes], code: int) -> None:
    if reply[0] != code:
        raise smtplib.SMTPResponseException(reply[0], reply[1])


def _smtp_problem(exc: BaseException, where: str, step: str) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (f"{where} refused the login ({exc.smtp_code}): check LAPOR_SMTP_USERNAME and "
                "LAPOR_SMTP_PASSWORD")
    if isinstance(exc, smtplib.SMTPResponseException):
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{where} answered {exc.smtp_code} {' '.join(said.split())} at {step}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection at {step}: is it an SMTP server, with this LAPOR_SMTP_SECURITY?"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"{where}: the server's TLS certificate is not trusted at {step} ({exc.verify_message}): "
                "use the server's real host name in LAPOR_SMTP_HOST")
    if isinstance(exc, ssl.SSLError):
        return f"{where}: TLS failed at {step} ({exc.reason}): check LAPOR_SMTP_SECURITY and LAPOR_SMTP_PORT"
    if isinstance(exc, ConnectionRefusedError):
        return f"nothing listens at {where} (connection refused): check LAPOR_SMTP_HOST and LAPOR_SMTP_PORT"
    if isinstance(exc, socket.gaierror):
        return f"the host name in LAPOR_SMTP_HOST is unknown ({where}): check its spelling and this machine's DNS"
    if isinstance(exc, TimeoutError):
        return f"{where} did not answer within {TIMEOUT:g} s at {step}: a firewall may drop the connection"
    return f"{where} failed at {step}: {type(exc).__name__}: {exc}"


def _redacted(text: str, password: str | None) -> str:
    return text.replace(password, "***") if password else text


def _quit(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


# --- agencies, links, posting ----------------------------------------------------------------------
def check_agency_secrets(settings: Settings, routing: RoutingTable | None) -> Check:
    """Check that every agency with a webhook has its signing secret."""
    if routing is None:
        return Check("agency secrets", "cannot be checked: the routing table did not load (see settings)")
    hooked = [a.id for a in routing.agencies if a.contact.webhook]
    missing = [agency_env_name(AGENCY_SECRET_PREFIX, agency) for agency in hooked
               if agency.replace("_", "-") not in settings.agency_secrets]
    if missing:
        return Check("agency secrets", f"set {', '.join(missing)}: without them, webhook forwards to those "
                                       "agencies fail and their status updates are refused")
    return Check("agency secrets", note=f"{len(hooked)} agencies with a webhook, each with its secret")


def check_followup_url(settings: Settings) -> Check:
    """Check that the link in replies is one a citizen can open."""
    url = settings.followup_url
    if not settings.credentials.any:
        note = "the sandbox's local status page" if url == SANDBOX_FOLLOWUP_URL else url
        return Check("followup URL", note=f"{note}; fine without X keys")
    parts = urlsplit(url.format(tracking_number="LPR-2611-00001"))
    if _is_local(parts.hostname or ""):
        return Check("followup URL", f"{url} points at this machine or a private network: citizens on X cannot open "
                                     "it; set LAPOR_FOLLOWUP_URL to the public status page")
    if parts.scheme != "https":
        return Check("followup URL", f"{url} is plain http: use https, X and browsers warn about plain links")
    return Check("followup URL", note=url)


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".invalid", ".test", ".example")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host
    return address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified


def check_posting(settings: Settings, now: datetime, *, database_ok: bool) -> Check:
    """Say whether replies are posted: dry run, the setting, an operator's stop, or a pause after X's limits."""
    from ingest.store.metrics import fetch_health_as_is

    if settings.dry_run:
        return Check("posting", note="LAPOR_DRY_RUN=true: replies are composed and stored, never posted")
    if not settings.posting_enabled:
        return Check("posting", "LAPOR_POSTING_ENABLED=false keeps every reply queued: set it to true when "
                                "replies may go out")
    if not database_ok:
        return Check("posting", "unknown: whether an operator stopped posting is read from the database, which "
                                "must pass its check first")
    try:
        health = fetch_health_as_is(settings.database_url, now, timeout=TIMEOUT)
    except StoreError as exc:
        return Check("posting", f"cannot read the stop switch: {exc}")
    if health.posting_stopped is not None:
        return Check("posting", f"stopped by an operator ({health.posting_stopped}): replies stay queued; "
                                "`lapor-bot replies resume` lifts it")
    if health.posting_paused_until is not None:
        until = f"{health.posting_paused_until:%Y-%m-%d %H:%M} UTC"
        return Check("posting", note=f"on, but paused by X's limits until {until}; it resumes by itself")
    return Check("posting", note="on")
