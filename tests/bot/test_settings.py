"""Settings: defaults, validation, and one clear line naming a bad setting."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings

OAUTH = {"X_API_KEY": "key1", "X_API_SECRET": "sec1", "X_ACCESS_TOKEN": "tok1", "X_ACCESS_TOKEN_SECRET": "ts1"}
REAL = {**OAUTH, "LAPOR_FOLLOWUP_URL": "https://lapor.example.go.id/status/{tracking_number}"}


def test_defaults_run_on_sqlite_and_the_sandbox():
    settings = load_settings({})
    assert settings.database_url == "sqlite:///lapor.db"
    assert settings.account == "lapor1708"
    assert settings.poll_seconds == 60 and settings.backfill_hours == 6.0
    assert settings.use_embedded_sandbox and not settings.dry_run


def test_real_credentials_turn_the_sandbox_off_and_keep_keys_out_of_repr():
    settings = load_settings(REAL)
    assert not settings.use_embedded_sandbox
    assert settings.api_base_url == "https://api.x.com"
    assert "key1" not in repr(settings) and "tok1" not in repr(settings)
    assert set(settings.credentials.secrets()) == {"key1", "sec1", "tok1", "ts1"}


def test_base_url_without_credentials_talks_to_that_server():
    settings = load_settings({"X_API_BASE_URL": "http://127.0.0.1:9999/"})
    assert not settings.use_embedded_sandbox and settings.api_base_url == "http://127.0.0.1:9999"


def test_postgresql_url_is_accepted():
    url = "postgresql+psycopg://lapor:pw@db.internal/lapor"
    assert load_settings({"LAPOR_DATABASE_URL": url}).database_url == url


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"LAPOR_POLL_SECONDS": "soon"}, "LAPOR_POLL_SECONDS"),
        ({"LAPOR_POLL_SECONDS": "1"}, "LAPOR_POLL_SECONDS"),
        ({"LAPOR_BACKFILL_HOURS": "-3"}, "LAPOR_BACKFILL_HOURS"),
        ({"LAPOR_BACKFILL_HOURS": "nan"}, "LAPOR_BACKFILL_HOURS"),
        ({"LAPOR_DRY_RUN": "maybe"}, "LAPOR_DRY_RUN"),
        ({"LAPOR_DATABASE_URL": "not a url"}, "LAPOR_DATABASE_URL"),
        ({"LAPOR_DATABASE_URL": "mysql://x/y"}, "LAPOR_DATABASE_URL"),
        ({"LAPOR_ACCOUNT": "lapor 1708!"}, "LAPOR_ACCOUNT"),
        ({"X_API_BASE_URL": "ftp://example"}, "X_API_BASE_URL"),
        ({"LAPOR_FOLLOWUP_URL": "https://x.example/status"}, "LAPOR_FOLLOWUP_URL"),
        ({"LAPOR_FOLLOWUP_URL": "https://x.example/{tracking_number}/{other}"}, "LAPOR_FOLLOWUP_URL"),
        ({"LAPOR_FOLLOWUP_URL": "status/{tracking_number}"}, "LAPOR_FOLLOWUP_URL"),
        ({**OAUTH}, "LAPOR_FOLLOWUP_URL"),
        ({"X_API_KEY": "k", "LAPOR_FOLLOWUP_URL": "https://a.example/{tracking_number}"}, "X_API_SECRET"),
        ({"X_BEARER_TOKEN": "b", "LAPOR_FOLLOWUP_URL": "https://a.example/{tracking_number}"}, "X_API_KEY"),
        ({"LAPOR_LOG_LEVEL": "LOUD"}, "LAPOR_LOG_LEVEL"),
        ({"LAPOR_POSTING_ENABLED": "nope"}, "LAPOR_POSTING_ENABLED"),
        ({"LAPOR_ACK_LINK": "sometimes"}, "LAPOR_ACK_LINK"),
        ({"LAPOR_THANKS_REPLIES": "2"}, "LAPOR_THANKS_REPLIES"),
        ({"LAPOR_INFO_OPENS_COMPLAINT": "y"}, "LAPOR_INFO_OPENS_COMPLAINT"),
        ({"LAPOR_REPLIES_PER_AUTHOR_PER_DAY": "0"}, "LAPOR_REPLIES_PER_AUTHOR_PER_DAY"),
        ({"LAPOR_REPLIES_PER_AUTHOR_PER_DAY": "2.5"}, "LAPOR_REPLIES_PER_AUTHOR_PER_DAY"),
        ({"LAPOR_PRICE_POST_WITH_LINK_USD": "-1"}, "LAPOR_PRICE_POST_WITH_LINK_USD"),
        ({"LAPOR_PRICE_READ_USD": "free"}, "LAPOR_PRICE_READ_USD"),
        ({"LAPOR_DEDUPE_REPEAT": "2"}, "LAPOR_DEDUPE_REPEAT"),
        ({"LAPOR_DEDUPE_RELATED": "high"}, "LAPOR_DEDUPE_RELATED"),
        ({"LAPOR_DEDUPE_CAMPAIGN_AUTHORS": "1"}, "LAPOR_DEDUPE_CAMPAIGN_AUTHORS"),
        ({"LAPOR_DEDUPE_CAMPAIGN_MINUTES": "0"}, "LAPOR_DEDUPE_CAMPAIGN_MINUTES"),
    ],
)
def test_a_bad_or_missing_setting_is_named_in_one_line(environ, named):
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    message = str(caught.value)
    assert message.startswith(named) and "\n" not in message


def test_bearer_only_is_allowed_for_a_read_only_dry_run():
    settings = load_settings(
        {"X_BEARER_TOKEN": "b" * 10, "LAPOR_DRY_RUN": "true", "LAPOR_FOLLOWUP_URL": "https://a.example/{tracking_number}"}
    )
    assert settings.dry_run and not settings.credentials.has_user_context


def test_account_may_be_written_with_an_at_sign():
    assert load_settings({"LAPOR_ACCOUNT": "@lapor1708"}).account == "lapor1708"


def test_reply_settings_default_to_posting_with_links_and_no_thanks():
    settings = load_settings({})
    assert settings.posting_enabled and settings.ack_link
    assert not settings.thanks_replies and not settings.info_opens_complaint
    assert settings.replies_per_author_per_day == 3
    assert (settings.prices.read, settings.prices.post, settings.prices.post_with_link) == (0.001, 0.01, 0.20)


def test_reply_settings_are_read_and_an_empty_value_keeps_the_default():
    settings = load_settings({"LAPOR_POSTING_ENABLED": "off", "LAPOR_ACK_LINK": "false", "LAPOR_THANKS_REPLIES": "yes",
                              "LAPOR_INFO_OPENS_COMPLAINT": "1", "LAPOR_REPLIES_PER_AUTHOR_PER_DAY": "10",
                              "LAPOR_PRICE_POST_USD": "0"})
    assert not settings.posting_enabled and not settings.ack_link
    assert settings.thanks_replies and settings.info_opens_complaint
    assert settings.replies_per_author_per_day == 10 and settings.prices.post == 0
    assert load_settings({"LAPOR_POSTING_ENABLED": "  "}).posting_enabled


def test_near_duplicate_thresholds_are_settings():
    settings = load_settings({"LAPOR_DEDUPE_RELATED": "0.9", "LAPOR_DEDUPE_CAMPAIGN_AUTHORS": "10",
                              "LAPOR_DEDUPE_CAMPAIGN_MINUTES": "60"})
    assert settings.dedupe.related == 0.9 and settings.dedupe.campaign_authors == 10
    assert settings.dedupe.campaign_window.total_seconds() == 3600
    assert load_settings({}).dedupe.repeat == 0.65
    assert load_settings({"LAPOR_CONTINUATION_MINUTES": "0"}).dedupe.continuation_window.total_seconds() == 0


def test_agency_settings_default_to_auto_forward_and_no_mail():
    settings = load_settings({})
    assert settings.smtp is None and settings.officer_email is None and settings.auto_forward
    assert (settings.sla.verify_days, settings.sla.respond_days, settings.sla.close_days) == (3, 5, 10)
    assert settings.inbound_port is None and settings.digest_hour == 7


def test_smtp_and_per_agency_secrets_are_read_and_kept_out_of_repr():
    settings = load_settings({
        "LAPOR_SMTP_HOST": "mail.example.go.id", "LAPOR_SMTP_SECURITY": "ssl", "LAPOR_SMTP_USERNAME": "bot",
        "LAPOR_SMTP_PASSWORD": "smtp-pass-123", "LAPOR_AGENCY_SECRET_DINKES_SUMBAR": "hook-secret-456",
        "LAPOR_AGENCY_OPEN311_KEY_DPUPR_SUMBAR": "key-789", "LAPOR_SLA_CLOSE_DAYS": "7",
    })
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == ("mail.example.go.id", 465, "ssl")
    assert settings.agency_secrets == {"dinkes-sumbar": "hook-secret-456"}
    assert settings.open311_keys == {"dpupr-sumbar": "key-789"}
    assert settings.sla.close_days == 7
    assert {"smtp-pass-123", "hook-secret-456", "key-789"} <= set(settings.secrets())
    for secret in ("smtp-pass-123", "hook-secret-456", "key-789"):
        assert secret not in repr(settings)


@pytest.mark.parametrize(("environ", "named"), [
    ({"LAPOR_SMTP_HOST": "h", "LAPOR_SMTP_SECURITY": "tls"}, "LAPOR_SMTP_SECURITY"),
    ({"LAPOR_SMTP_HOST": "h", "LAPOR_SMTP_USERNAME": "u"}, "LAPOR_SMTP_PASSWORD"),
    ({"LAPOR_SMTP_HOST": "h", "LAPOR_SMTP_PORT": "70000"}, "LAPOR_SMTP_PORT"),
    ({"LAPOR_SMTP_HOST": "h", "LAPOR_SMTP_FROM": "LAPOR!"}, "LAPOR_SMTP_FROM"),
    ({"LAPOR_OFFICER_EMAIL": "petugas"}, "LAPOR_OFFICER_EMAIL"),
    ({"LAPOR_DIGEST_HOUR": "24"}, "LAPOR_DIGEST_HOUR"),
    ({"LAPOR_SLA_VERIFY_DAYS": "0"}, "LAPOR_SLA_VERIFY_DAYS"),
    ({"LAPOR_INBOUND_PORT": "http"}, "LAPOR_INBOUND_PORT"),
])
def test_a_bad_agency_setting_is_named(environ, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(environ)
