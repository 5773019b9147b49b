"""Read and check the bot's settings: the only place that looks at the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ingest.dedupe import DEFAULT_THRESHOLDS, Thresholds
from replies.forward.types import SmtpConfig

if TYPE_CHECKING:
    from ingest.sla import SlaSettings

X_DEFAULT_BASE_URL = "https://api.x.com"
SANDBOX_FOLLOWUP_URL = "http://127.0.0.1:8080/status/{tracking_number}"
_X_SECRET_NAMES = (
    "X_BEARER_TOKEN",
    "X_API_KEY",
    "X_API_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
)
_OAUTH1_NAMES = _X_SECRET_NAMES[1:]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
AGENCY_SECRET_PREFIX = "LAPOR_AGENCY_SECRET_"
OPEN311_KEY_PREFIX = "LAPOR_AGENCY_OPEN311_KEY_"
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
# X usernames: 1-15 letters, digits or underscores (X's signup rules).
_ACCOUNT = re.compile(r"^[A-Za-z0-9_]{1,15}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it in one line."""


@dataclass(frozen=True)
class XCredentials:
    """Keys for X; repr never shows them."""

    bearer_token: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)
    access_token_secret: str | None = field(default=None, repr=False)

    @property
    def has_user_context(self) -> bool:
        """Return whether all four OAuth 1.0a keys are present (needed to post)."""
        return all((self.api_key, self.api_secret, self.access_token, self.access_token_secret))

    @property
    def any(self) -> bool:
        """Return whether any credential is set."""
        return bool(self.bearer_token) or any(
            (self.api_key, self.api_secret, self.access_token, self.access_token_secret)
        )

    def secrets(self) -> tuple[str, ...]:
        """Return every non-empty secret, for log redaction."""
        values = (
            self.bearer_token,
            self.api_key,
            self.api_secret,
            self.access_token,
            self.access_token_secret,
        )
        return tuple(v for v in values if v)


@dataclass(frozen=True)
class Prices:
    """X API prices per post in US dollars, for the spend estimate (X's pay-per-use list, 2026)."""

    read: float = 0.001
    post: float = 0.01
    post_with_link: float = 0.20

    def spend(self, reads: int, posts: int, posts_with_link: int) -> float:
        """Return the estimated cost of that much use."""
        return reads * self.read + posts * self.post + posts_with_link * self.post_with_link


@dataclass(frozen=True)
class Settings:
    """Everything the bot is configured with; see .env.example for each setting."""

    database_url: str = "sqlite:///lapor.db"
    account: str = "lapor1708"
    x_base_url: str | None = None
    credentials: XCredentials = XCredentials()
    dry_run: bool = False
    poll_seconds: int = 60
    followup_url: str = SANDBOX_FOLLOWUP_URL
    backfill_hours: float = 6.0
    sandbox_state: str = "lapor-sandbox.json"
    log_level: str = "INFO"
    posting_enabled: bool = True
    ack_link: bool = True
    thanks_replies: bool = False
    info_opens_complaint: bool = False
    replies_per_author_per_day: int = 3
    prices: Prices = Prices()
    routing_file: str | None = None
    dedupe: Thresholds = DEFAULT_THRESHOLDS
    smtp: SmtpConfig | None = None  # None: e-mail forwards wait (and say why) until it is set
    officer_email: str | None = None  # where SLA breach notices for officers go
    agency_secrets: Mapping[str, str] = field(default_factory=dict, repr=False)  # agency id → webhook secret
    open311_keys: Mapping[str, str] = field(default_factory=dict, repr=False)  # agency id → Open311 api_key
    auto_forward: bool = True
    forward_max_attempts: int = 6
    digest_hour: int = 7  # WIB
    sla_verify_days: int = 3
    sla_respond_days: int = 5
    sla_close_days: int = 10
    holidays_file: str | None = None
    inbound_host: str = "127.0.0.1"
    inbound_port: int | None = None  # the agencies' status webhook; None: not served
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_secret_key: str | None = field(default=None, repr=False)  # None: one kept in the database
    web_secure_cookies: bool = True
    log_format: str = "text"  # text | json (one JSON object per line)
    metrics_token: str | None = field(default=None, repr=False)  # /metrics from beyond loopback
    retention_raw_days: int | None = 30  # raw tweet JSON kept this long; None: for ever
    retention_text_days: int | None = 365  # texts of finished complaints masked after this long

    @property
    def sla(self) -> SlaSettings:
        """Return the SLA stages' lengths in working days."""
        from ingest.sla import SlaSettings

        return SlaSettings(self.sla_verify_days, self.sla_respond_days, self.sla_close_days)

    def secrets(self) -> tuple[str, ...]:
        """Return every secret the bot holds, for log redaction."""
        smtp_password = (self.smtp.password,) if self.smtp and self.smtp.password else ()
        extra = tuple(v for v in (self.web_secret_key, self.metrics_token, _url_password(self.database_url)) if v)
        return (*self.credentials.secrets(), *smtp_password, *self.agency_secrets.values(),
                *self.open311_keys.values(), *extra)

    @property
    def use_embedded_sandbox(self) -> bool:
        """Return whether to start the in-process X API sandbox (no credentials, no URL)."""
        return not self.credentials.any and self.x_base_url is None

    @property
    def api_base_url(self) -> str:
        """Return the X API base URL the client talks to (the sandbox's is set at start)."""
        return self.x_base_url or X_DEFAULT_BASE_URL


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from an environment mapping; raise SettingsError naming a bad one."""
    credentials = XCredentials(*(_optional(environ, name) for name in _X_SECRET_NAMES))
    dry_run = _boolean(environ, "LAPOR_DRY_RUN", False)
    _check_credentials(credentials, dry_run)
    x_base_url = _optional(environ, "X_API_BASE_URL")
    if x_base_url is not None:
        x_base_url = _http_url("X_API_BASE_URL", x_base_url).rstrip("/")
    real_x = credentials.any
    return Settings(
        database_url=_database_url(environ.get("LAPOR_DATABASE_URL") or "sqlite:///lapor.db"),
        account=_account(environ.get("LAPOR_ACCOUNT") or "lapor1708"),
        x_base_url=x_base_url,
        credentials=credentials,
        dry_run=dry_run,
        poll_seconds=int(_number(environ, "LAPOR_POLL_SECONDS", 60, minimum=5, whole=True)),
        followup_url=_followup_url(environ, required=real_x),
        backfill_hours=_number(environ, "LAPOR_BACKFILL_HOURS", 6.0, minimum=0),
        sandbox_state=environ.get("LAPOR_SANDBOX_STATE") or "lapor-sandbox.json",
        log_level=_log_level(environ.get("LAPOR_LOG_LEVEL") or "INFO"),
        posting_enabled=_boolean(environ, "LAPOR_POSTING_ENABLED", True),
        ack_link=_boolean(environ, "LAPOR_ACK_LINK", True),
        thanks_replies=_boolean(environ, "LAPOR_THANKS_REPLIES", False),
        info_opens_complaint=_boolean(environ, "LAPOR_INFO_OPENS_COMPLAINT", False),
        replies_per_author_per_day=int(
            _number(environ, "LAPOR_REPLIES_PER_AUTHOR_PER_DAY", 3, minimum=1, whole=True)
        ),
        routing_file=_optional(environ, "LAPOR_ROUTING_FILE"),
        dedupe=_dedupe(environ),
        smtp=_smtp(environ),
        officer_email=_email(environ, "LAPOR_OFFICER_EMAIL"),
        agency_secrets=_per_agency(environ, AGENCY_SECRET_PREFIX),
        open311_keys=_per_agency(environ, OPEN311_KEY_PREFIX),
        auto_forward=_boolean(environ, "LAPOR_AUTO_FORWARD", True),
        forward_max_attempts=int(_number(environ, "LAPOR_FORWARD_MAX_ATTEMPTS", 6, minimum=1, whole=True)),
        digest_hour=_hour(environ, "LAPOR_DIGEST_HOUR", 7),
        sla_verify_days=int(_number(environ, "LAPOR_SLA_VERIFY_DAYS", 3, minimum=1, whole=True)),
        sla_respond_days=int(_number(environ, "LAPOR_SLA_RESPOND_DAYS", 5, minimum=1, whole=True)),
        sla_close_days=int(_number(environ, "LAPOR_SLA_CLOSE_DAYS", 10, minimum=1, whole=True)),
        holidays_file=_optional(environ, "LAPOR_HOLIDAYS_FILE"),
        inbound_host=environ.get("LAPOR_INBOUND_HOST", "").strip() or "127.0.0.1",
        inbound_port=_port(environ, "LAPOR_INBOUND_PORT"),
        web_host=environ.get("LAPOR_WEB_HOST", "").strip() or "127.0.0.1",
        web_port=_port(environ, "LAPOR_WEB_PORT") or 8080,
        web_secret_key=_secret_key(environ),
        web_secure_cookies=_boolean(environ, "LAPOR_WEB_SECURE_COOKIES", True),
        log_format=_choice(environ, "LAPOR_LOG_FORMAT", ("text", "json"), "text"),
        metrics_token=_optional(environ, "LAPOR_METRICS_TOKEN"),
        retention_raw_days=_days_or_never(environ, "LAPOR_RETENTION_RAW_DAYS", 30),
        retention_text_days=_days_or_never(environ, "LAPOR_RETENTION_TEXT_DAYS", 365),
        prices=Prices(
            read=_number(environ, "LAPOR_PRICE_READ_USD", Prices.read, minimum=0),
            post=_number(environ, "LAPOR_PRICE_POST_USD", Prices.post, minimum=0),
            post_with_link=_number(environ, "LAPOR_PRICE_POST_WITH_LINK_USD", Prices.post_with_link, minimum=0),
        ),
    )


def _smtp(environ: Mapping[str, str]) -> SmtpConfig | None:
    host = _optional(environ, "LAPOR_SMTP_HOST")
    if host is None:
        return None
    security = (environ.get("LAPOR_SMTP_SECURITY") or "starttls").strip().lower()
    if security not in ("none", "starttls", "ssl"):
        raise SettingsError(f"LAPOR_SMTP_SECURITY must be none, starttls or ssl, not {security!r}")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
    username, password = _optional(environ, "LAPOR_SMTP_USERNAME"), _optional(environ, "LAPOR_SMTP_PASSWORD")
    if bool(username) != bool(password):
        raise SettingsError("LAPOR_SMTP_USERNAME and LAPOR_SMTP_PASSWORD go together: set both or neither")
    sender = _optional(environ, "LAPOR_SMTP_FROM") or "LAPOR! <lapor-bot@localhost>"
    if not re.search(r"[^@\s<>]+@[^@\s<>]+", sender):
        raise SettingsError(f"LAPOR_SMTP_FROM must hold an e-mail address, not {sender!r}")
    return SmtpConfig(
        host=host, port=_port(environ, "LAPOR_SMTP_PORT") or default_port, security=security,
        username=username, password=password, sender=sender,
    )


def _url_password(url: str) -> str | None:
    try:
        return make_url(url).password
    except ArgumentError:
        return None


def _choice(environ: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (environ.get(name) or "").strip().lower() or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _days_or_never(environ: Mapping[str, str], name: str, default: int) -> int | None:
    raw = (environ.get(name) or "").strip().lower()
    if raw in ("never", "forever"):
        return None
    return int(_number(environ, name, default, minimum=1, whole=True))


def _secret_key(environ: Mapping[str, str]) -> str | None:
    value = _optional(environ, "LAPOR_WEB_SECRET_KEY")
    if value is not None and len(value) < 32:
        raise SettingsError("LAPOR_WEB_SECRET_KEY must be at least 32 characters (e.g. python -c "
                            "'import secrets; print(secrets.token_urlsafe(48))')")
    return value


def _email(environ: Mapping[str, str], name: str) -> str | None:
    value = _optional(environ, name)
    if value is not None and not _EMAIL.fullmatch(value):
        raise SettingsError(f"{name} must be an e-mail address, not {value!r}")
    return value


def _per_agency(environ: Mapping[str, str], prefix: str) -> dict[str, str]:
    """Collect PREFIX_<AGENCY_ID> variables; the key is the agency id ("DINKES_SUMBAR" → "dinkes-sumbar")."""
    found = {}
    for name, value in environ.items():
        if name.startswith(prefix) and value.strip():
            found[name[len(prefix):].lower().replace("_", "-")] = value.strip()
    return found


def agency_env_name(prefix: str, agency_id: str) -> str:
    """Return the environment variable that holds an agency's secret (for messages and docs)."""
    return prefix + agency_id.upper().replace("-", "_")


def _hour(environ: Mapping[str, str], name: str, default: int) -> int:
    value = int(_number(environ, name, default, minimum=0, whole=True))
    if value > 23:
        raise SettingsError(f"{name} must be an hour from 0 to 23, not {value}")
    return value


def _port(environ: Mapping[str, str], name: str) -> int | None:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return None
    value = int(_number(environ, name, 0, minimum=1, whole=True))
    if value > 65535:
        raise SettingsError(f"{name} must be a TCP port (1-65535), not {raw!r}")
    return value


def _optional(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _check_credentials(credentials: XCredentials, dry_run: bool) -> None:
    if not credentials.any:
        return
    given = [name for name in _OAUTH1_NAMES if getattr(credentials, name[2:].lower())]
    if given and len(given) < len(_OAUTH1_NAMES):
        missing = next(name for name in _OAUTH1_NAMES if name not in given)
        raise SettingsError(f"{missing} is missing: OAuth 1.0a needs all four of {', '.join(_OAUTH1_NAMES)}")
    if not given and not dry_run:
        raise SettingsError(
            "X_API_KEY is missing: posting replies needs OAuth 1.0a user context "
            "(set the four X_API_*/X_ACCESS_* keys, or LAPOR_DRY_RUN=true to read only)"
        )


def _boolean(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _number(
    environ: Mapping[str, str], name: str, default: float, *, minimum: float, whole: bool = False
) -> float:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise SettingsError(f"{name} must be {kind}, not {raw!r}") from None
    if value != value or value < minimum or value == float("inf"):
        raise SettingsError(f"{name} must be at least {minimum:g}, not {raw!r}")
    return value


def _http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, not {value!r}")
    return value


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError(f"LAPOR_DATABASE_URL is not a database URL: {value!r}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise SettingsError(
            f"LAPOR_DATABASE_URL must be a sqlite:/// or postgresql:// URL, not {url.get_backend_name()!r}"
        )
    return value


def _account(value: str) -> str:
    value = value.strip().removeprefix("@")
    if not _ACCOUNT.match(value):
        raise SettingsError(f"LAPOR_ACCOUNT must be an X username (letters, digits, _), not {value!r}")
    return value


def _followup_url(environ: Mapping[str, str], *, required: bool) -> str:
    raw = (environ.get("LAPOR_FOLLOWUP_URL") or "").strip()
    if not raw:
        if required:
            raise SettingsError(
                "LAPOR_FOLLOWUP_URL is missing: replies on X need a public link with {tracking_number}"
            )
        return SANDBOX_FOLLOWUP_URL
    if "{tracking_number}" not in raw:
        raise SettingsError(f"LAPOR_FOLLOWUP_URL must contain {{tracking_number}}, not {raw!r}")
    try:
        filled = raw.format(tracking_number="LPR-2611-00001")
    except (KeyError, IndexError, ValueError):
        raise SettingsError(
            f"LAPOR_FOLLOWUP_URL may hold only the {{tracking_number}} placeholder: {raw!r}"
        ) from None
    _http_url("LAPOR_FOLLOWUP_URL", filled)
    return raw


def _dedupe(environ: Mapping[str, str]) -> Thresholds:
    default = DEFAULT_THRESHOLDS

    def share(name: str, value: float) -> float:
        found = _number(environ, name, value, minimum=0)
        if found > 1:
            raise SettingsError(f"{name} must be between 0 and 1, not {found:g}")
        return found

    return replace(
        default,
        repeat=share("LAPOR_DEDUPE_REPEAT", default.repeat),
        related=share("LAPOR_DEDUPE_RELATED", default.related),
        campaign=share("LAPOR_DEDUPE_CAMPAIGN", default.campaign),
        campaign_authors=int(_number(environ, "LAPOR_DEDUPE_CAMPAIGN_AUTHORS", default.campaign_authors,
                                     minimum=2, whole=True)),
        campaign_window=timedelta(minutes=_number(environ, "LAPOR_DEDUPE_CAMPAIGN_MINUTES",
                                                  default.campaign_window.total_seconds() / 60, minimum=1)),
        related_within=timedelta(days=_number(environ, "LAPOR_DEDUPE_RELATED_DAYS",
                                              default.related_within.days, minimum=1)),
        continuation_window=timedelta(minutes=_number(environ, "LAPOR_CONTINUATION_MINUTES",
                                                      default.continuation_window.total_seconds() / 60, minimum=0)),
    )


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(f"LAPOR_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {value!r}")
    return level
