"""Tests of sending e-mail through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import smtplib
from datetime import date
from email import policy

import pytest

from replies.forward.email import send_email, smtp_failure
from replies.forward.message import digest_email, forward_email
from replies.forward.types import FAILED, RETRY, SENT, SmtpConfig
from tests.forward.conftest import SMTP_PASSWORD, SMTP_USER
from tests.forward.helpers import MASKED_TEXT, NOW, GreetThenHangUp, forward_item

SENDER = "LAPOR! bot <bot@lapor.example.go.id>"
TO = "pengaduan@pupr.padang.go.id"

# The AUTH tests run without TLS on purpose: loopback only, and the point is the outcome mapping.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def config_for(controller, **changes) -> SmtpConfig:
    return SmtpConfig(**{"host": "127.0.0.1", "port": controller.port, "sender": SENDER, "timeout": 5.0, **changes})


def received(smtp) -> email.message.EmailMessage:
    """Return the one message the server accepted, parsed from the bytes it got."""
    (envelope,) = smtp.handler.envelopes
    return email.message_from_bytes(envelope.content, policy=policy.default)


def text_of(message: email.message.EmailMessage) -> str:
    """Return the decoded body with SMTP's CRLF line ends made plain."""
    return message.get_content().replace("\r\n", "\n")


def test_an_accepted_message_is_sent_with_its_message_id(smtp):
    message = forward_email(forward_item(), SENDER, TO, NOW)
    delivery = send_email(config_for(smtp), message)
    assert delivery.outcome == SENT
    assert delivery.external_id == message["Message-ID"]
    assert delivery.error is None
    (envelope,) = smtp.handler.envelopes
    assert envelope.mail_from == "bot@lapor.example.go.id"
    assert envelope.rcpt_tos == [TO]


def test_utf8_survives_the_trip_through_smtp(smtp):
    send_email(config_for(smtp), forward_email(forward_item(), SENDER, TO, NOW))
    got = received(smtp)
    assert got["Subject"] == "[LAPOR!] LPR-2611-00012 – Infrastruktur dan Pekerjaan Umum – Kota Padang (mendesak)"
    assert got["X-Lapor-Tracking"] == "LPR-2611-00012"
    body = text_of(got)
    assert f"\n{MASKED_TEXT}\n" in body
    assert "Tanggal masuk   : 28 November 2026 pukul 07.40 WIB" in body
    assert "Cara menanggapi" in body


def test_the_message_on_the_wire_is_seven_bit(smtp):
    send_email(config_for(smtp), forward_email(forward_item(), SENDER, TO, NOW))
    assert smtp.handler.envelopes[0].content.isascii()


def test_a_digest_reaches_the_server_with_every_item(smtp):
    items = [forward_item(tracking_number=f"LPR-2611-0002{n}") for n in range(4)]
    send_email(config_for(smtp), digest_email(items, "Dinas PUPR", SENDER, TO, date(2026, 11, 28), NOW))
    body = text_of(received(smtp))
    assert all(f"{n + 1}. {item.tracking_number}" in body for n, item in enumerate(items))


@pytest.mark.parametrize(
    ("stage", "reply", "outcome"),
    [
        ("data_reply", "451 4.3.0 Mail server temporarily rejected message", RETRY),
        ("data_reply", "554 5.6.0 Message content rejected", FAILED),
        ("rcpt_reply", "450 4.2.0 Greylisted, try again later", RETRY),
        ("rcpt_reply", "550 5.1.1 No such user here", FAILED),
        ("mail_reply", "451 4.3.2 Please try again later", RETRY),
        ("mail_reply", "553 5.7.1 Sender address rejected", FAILED),
    ],
)
def test_smtp_answers_map_to_outcomes(smtp, stage, reply, outcome):
    setattr(smtp.handler, stage, reply)
    delivery = send_email(config_for(smtp), forward_email(forward_item(), SENDER, TO, NOW))
    assert delivery.outcome == outcome
    assert reply.split()[0] in delivery.error
    assert delivery.external_id is None


def test_a_refused_connection_is_retried(closed_port):
    delivery = send_email(
        SmtpConfig(host="127.0.0.1", port=closed_port), forward_email(forward_item(), SENDER, TO, NOW)
    )
    assert delivery.outcome == RETRY
    assert "cannot be reached" in delivery.error


def test_a_silent_server_times_out_and_is_retried(silent_port):
    config = SmtpConfig(host="127.0.0.1", port=silent_port, timeout=0.3)
    delivery = send_email(config, forward_email(forward_item(), SENDER, TO, NOW))
    assert delivery.outcome == RETRY
    assert "timed out" in delivery.error


def test_a_server_that_hangs_up_is_retried():
    server = GreetThenHangUp()
    try:
        delivery = send_email(
            SmtpConfig(host="127.0.0.1", port=server.port, timeout=2.0), forward_email(forward_item(), SENDER, TO, NOW)
        )
    finally:
        server.close()
    assert delivery.outcome == RETRY


def test_login_with_the_right_password_sends(smtp_auth):
    config = config_for(smtp_auth, username=SMTP_USER, password=SMTP_PASSWORD)
    assert send_email(config, forward_email(forward_item(), SENDER, TO, NOW)).outcome == SENT


def test_a_wrong_password_fails_without_showing_it(smtp_auth):
    wrong = "not-the-" + SMTP_PASSWORD
    delivery = send_email(
        config_for(smtp_auth, username=SMTP_USER, password=wrong), forward_email(forward_item(), SENDER, TO, NOW)
    )
    assert delivery.outcome == FAILED
    assert "535" in delivery.error
    assert wrong not in delivery.error and SMTP_PASSWORD not in delivery.error


def test_sending_without_login_where_auth_is_required_fails(smtp_auth):
    delivery = send_email(config_for(smtp_auth), forward_email(forward_item(), SENDER, TO, NOW))
    assert delivery.outcome == FAILED
    assert "530" in delivery.error


def test_starttls_against_a_server_without_tls_fails(smtp):
    delivery = send_email(config_for(smtp, security="starttls"), forward_email(forward_item(), SENDER, TO, NOW))
    assert delivery.outcome == FAILED
    assert "STARTTLS" in delivery.error
    assert smtp.handler.envelopes == []


def test_ssl_against_a_plain_server_is_retried(smtp):
    delivery = send_email(config_for(smtp, security="ssl", timeout=2.0), forward_email(forward_item(), SENDER, TO, NOW))
    assert delivery.outcome == RETRY


def test_an_unknown_security_setting_fails_without_connecting():
    delivery = send_email(SmtpConfig(host="127.0.0.1", security="tls"), forward_email(forward_item(), SENDER, TO, NOW))
    assert delivery.outcome == FAILED
    assert "security" in delivery.error


def test_an_error_echoing_the_password_is_redacted(monkeypatch, smtp):
    def echo(self, user, password, **kwargs):
        raise smtplib.SMTPAuthenticationError(535, f"bad credentials {user}/{password}".encode())

    monkeypatch.setattr(smtplib.SMTP, "login", echo)
    delivery = send_email(
        config_for(smtp, username=SMTP_USER, password=SMTP_PASSWORD), forward_email(forward_item(), SENDER, TO, NOW)
    )
    assert delivery.outcome == FAILED
    assert SMTP_PASSWORD not in delivery.error and "***" in delivery.error


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.test": (550, b"no"), "b@x.test": (450, b"later")}), FAILED),
        (smtplib.SMTPRecipientsRefused({"a@x.test": (451, b"later"), "b@x.test": (450, b"later")}), RETRY),
        (smtplib.SMTPSenderRefused(550, b"no", "bot@x.test"), FAILED),
        (smtplib.SMTPSenderRefused(421, b"busy", "bot@x.test"), RETRY),
        (smtplib.SMTPServerDisconnected("gone"), RETRY),
        (smtplib.SMTPConnectError(421, b"too many connections"), RETRY),
        (smtplib.SMTPNotSupportedError("no AUTH"), FAILED),
        (ConnectionResetError("reset"), RETRY),
        (TimeoutError("slow"), RETRY),
    ],
)
def test_exceptions_map_to_outcomes(exc, outcome):
    assert smtp_failure(exc, "mail.test:25").outcome == outcome
