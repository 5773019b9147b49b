"""`lapor-bot web` (serve the console) and `lapor-bot users …` (console accounts and API tokens)."""

from __future__ import annotations

import argparse
import getpass
import logging
import secrets
import signal
import sys
from typing import Any

from bot.reply_commands import login_name, opened_store
from bot.settings import Settings, SettingsError
from ingest.store.store import Store
from ingest.store.users import ROLES, UserError, add_token, add_user, update_user, user_by_name, users

EXIT_RUNTIME = 1
SECRET_STATE_KEY = "web_secret_key"
log = logging.getLogger(__name__)


def add_commands(commands: Any) -> None:
    """Register `web` and `users` on the CLI's subparsers."""
    web = commands.add_parser("web", help="serve the web console until SIGINT/SIGTERM")
    web.add_argument("--host", help="address to listen on (default LAPOR_WEB_HOST or 127.0.0.1)")
    web.add_argument("--port", type=int, help="TCP port (default LAPOR_WEB_PORT or 8080)")
    web.set_defaults(handler=web_command)

    cmd = commands.add_parser("users", help="console accounts: add, list, passwd, disable, enable, token")
    actions = cmd.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account (the password is asked for, or read from stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--agency", help="the agency id from the routing table (role agency only)")
    add.add_argument("--name", default="", help="the name shown in the console")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=users_add)
    listing = actions.add_parser("list", help="list accounts")
    listing.set_defaults(handler=users_list)
    passwd = actions.add_parser("passwd", help="set a new password (ends the user's sessions)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(handler=users_passwd)
    for name, active in (("disable", False), ("enable", True)):
        toggle = actions.add_parser(name, help=f"{name} an account")
        toggle.add_argument("username")
        toggle.set_defaults(handler=users_toggle, active=active)
    token = actions.add_parser("token", help="make an API token acting as this user (shown once)")
    token.add_argument("username")
    token.add_argument("--name", default="api", help="what the token is for")
    token.set_defaults(handler=users_token)


def web_secret(settings: Settings, store: Store) -> str:
    """Return the key that signs sessions: LAPOR_WEB_SECRET_KEY, or one made once and kept in the database."""
    if settings.web_secret_key:
        return settings.web_secret_key
    from bot.wiring import utc_now

    stored = store.get_state(SECRET_STATE_KEY)
    if stored:
        return stored
    store.set_state(SECRET_STATE_KEY, secrets.token_urlsafe(48), utc_now())
    return store.get_state(SECRET_STATE_KEY) or ""


def build_app(settings: Settings, store: Store) -> Any:
    """Return the console app over an open store, with the operator's routing table and calendar."""
    from bot.web.app import Console, create_app
    from bot.wiring import load_routing_table, utc_now
    from ingest.workdays import CalendarError, load_calendar

    try:
        calendar = load_calendar(settings.holidays_file)
    except (CalendarError, OSError) as exc:
        raise SettingsError(f"LAPOR_HOLIDAYS_FILE: {exc}") from None
    console = Console(settings=settings, store=store, routing=load_routing_table(settings), calendar=calendar,
                      now=utc_now)
    return create_app(console, secret_key=web_secret(settings, store), secure_cookies=settings.web_secure_cookies)


def web_command(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the console with waitress until a signal."""
    from waitress.server import create_server

    host, port = args.host or settings.web_host, settings.web_port if args.port is None else args.port
    with opened_store(settings) as store:
        app = build_app(settings, store)
        try:
            server = create_server(app, host=host, port=port, threads=8, ident="lapor-console")
        except OSError as exc:
            print(f"lapor-bot: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_RUNTIME
        if not settings.web_secure_cookies:
            log.warning("LAPOR_WEB_SECURE_COOKIES=false: session cookies travel without TLS; loopback only")
        print(f"LAPOR! console on http://{host}:{server.effective_port}/ ; Ctrl-C stops it", file=sys.stderr)
        for stop in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop, lambda *_: server.close())
        try:
            server.run()
        except (KeyboardInterrupt, OSError):
            pass  # closed by the signal handler
    return 0


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise UserError("the two passwords differ")
    return first


def _now() -> Any:
    from bot.wiring import utc_now

    return utc_now()


def users_add(settings: Settings, args: argparse.Namespace) -> int:
    """Create a console account."""
    from bot.web.passwords import PasswordError, hash_password
    from bot.wiring import load_routing_table

    if args.agency:
        known = {a.id for a in load_routing_table(settings).agencies}
        if args.agency not in known:
            print(f"lapor-bot: unknown agency {args.agency!r}; one of: {', '.join(sorted(known))}", file=sys.stderr)
            return EXIT_RUNTIME
    try:
        hashed = hash_password(_password(args))
        with opened_store(settings) as store:
            user = add_user(store, args.username, args.name, hashed, args.role, _now(), agency_id=args.agency,
                            actor=f"cli:{login_name()}")
    except (UserError, PasswordError) as exc:
        print(f"lapor-bot: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"user {user.username} ({user.role}{' of ' + user.agency_id if user.agency_id else ''}) added")
    return 0


def users_list(settings: Settings, args: argparse.Namespace) -> int:
    """List console accounts."""
    with opened_store(settings) as store:
        rows = users(store)
    if not rows:
        print("no users: add one with `lapor-bot users add NAME --role admin`")
    for user in rows:
        state = "active" if user.active else "disabled"
        last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never"
        print(f"{user.username:<24} {user.role:<8} {user.agency_id or '-':<24} {state:<9} last sign-in {last}")
    return 0


def users_passwd(settings: Settings, args: argparse.Namespace) -> int:
    """Set a new password."""
    from bot.web.passwords import PasswordError, hash_password

    try:
        hashed = hash_password(_password(args))
        with opened_store(settings) as store:
            update_user(store, args.username, _now(), actor=f"cli:{login_name()}", password_hash=hashed)
    except (UserError, PasswordError) as exc:
        print(f"lapor-bot: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"password of {args.username} changed; their sessions have ended")
    return 0


def users_toggle(settings: Settings, args: argparse.Namespace) -> int:
    """Disable or enable an account."""
    try:
        with opened_store(settings) as store:
            update_user(store, args.username, _now(), actor=f"cli:{login_name()}", active=args.active)
    except UserError as exc:
        print(f"lapor-bot: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    print(f"{args.username} is {'enabled' if args.active else 'disabled'}")
    return 0


def users_token(settings: Settings, args: argparse.Namespace) -> int:
    """Make an API token for a user and print it once."""
    with opened_store(settings) as store:
        user = user_by_name(store, args.username)
        if user is None or user.id is None:
            print(f"lapor-bot: no user {args.username!r}", file=sys.stderr)
            return EXIT_RUNTIME
        token = "lpr_" + secrets.token_urlsafe(32)
        add_token(store, user.id, args.name, token, _now())
    print(token)
    print("keep it now: only its hash is stored", file=sys.stderr)
    return 0

