"""Send one e-mail through the configured SMTP server and say what became of it.

SMTP 4xx, a dropped connection and network trouble are passing (RETRY); 5xx is final
(FAILED). Once the server has accepted the message, trouble while saying goodbye is ignored,
so an accepted forward is never sent twice. Error texts never carry the password.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import replace
from email.message import EmailMessage

from replies.forward.types import FAILED, RETRY, SENT, Delivery, SmtpConfig

SECURITIES = ("none", "starttls", "ssl")


def send_email(config: SmtpConfig, message: EmailMessage,
               before_handover: Callable[[], None] | None = None) -> Delivery:
    """Hand `message` to the SMTP server in `config`; SENT carries the Message-ID.

    `before_handover` runs once the connection is up, just before the message is sent: after
    it, a crash may leave the message delivered without our knowing.
    """
    if config.security not in SECURITIES:
        return Delivery(FAILED, error=f"unknown SMTP security {config.security!r}; use one of {', '.join(SECURITIES)}")
    where = f"{config.host}:{config.port}"
    try:
        server = _connect(config)
    except (smtplib.SMTPException, OSError) as exc:
        return _redacted(smtp_failure(exc, where), config.password)
    try:
        if before_handover is not None:
            before_handover()
        refused = server.send_message(message)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        _close(server)
        return _redacted(smtp_failure(exc, where), config.password)
    _close(server)
    note = f"some recipients refused: {', '.join(sorted(refused))}" if refused else None
    return Delivery(SENT, external_id=message["Message-ID"], error=note)


def smtp_failure(exc: BaseException, where: str) -> Delivery:
    """Map an smtplib or socket exception to RETRY (passing) or FAILED (final)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        outcome = RETRY if codes and all(400 <= code < 500 for code in codes) else FAILED
        said = "; ".join(f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in sorted(exc.recipients.items()))
        return Delivery(outcome, error=f"SMTP {where} refused every recipient: {said}")
    if isinstance(exc, smtplib.SMTPResponseException):
        outcome = RETRY if 400 <= exc.smtp_code < 500 else FAILED
        return Delivery(outcome, error=f"SMTP {where} answered {exc.smtp_code} {_text(exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return Delivery(RETRY, error=f"SMTP {where} closed the connection: {exc}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Delivery(FAILED, error=f"SMTP {where} does not support what the configuration asks: {exc}")
    if isinstance(exc, smtplib.SMTPException | ValueError):
        return Delivery(FAILED, error=f"SMTP {where}: {exc}")
    kind = "timed out" if isinstance(exc, TimeoutError) else "cannot be reached"
    return Delivery(RETRY, error=f"SMTP {where} {kind}: {type(exc).__name__}: {exc}")


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if config.security == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        server = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        if config.security == "starttls":
            server.starttls(context=context)
        if config.username:
            server.login(config.username, config.password or "")
    except BaseException:
        _close(server)
        raise
    return server


def _close(server: smtplib.SMTP) -> None:
    """Say QUIT if the server still listens; a failure here changes nothing already decided."""
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


def _text(reply: bytes | str) -> str:
    raw = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(raw.split())


def _redacted(delivery: Delivery, password: str | None) -> Delivery:
    """Drop the password from an error text, in case a server or library echoed it."""
    if not password or not delivery.error or password not in delivery.error:
        return delivery
    return replace(delivery, error=delivery.error.replace(password, "***"))
