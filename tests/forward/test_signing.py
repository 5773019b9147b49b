"""Tests of the webhook signing scheme."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from replies.forward.signing import (
    DEFAULT_TOLERANCE,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    signature,
    signed_headers,
    verify,
)

SECRET = "rahasia-instansi"
BODY = '{"event":"complaint.forwarded","text":"Jalan rusak – mohon diperbaiki"}'.encode()
AT = 1_764_300_000


def test_signed_headers_verify_and_return_the_timestamp():
    assert verify(SECRET, signed_headers(SECRET, AT, BODY), BODY, now=AT + 5) == AT


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{AT}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature(SECRET, AT, BODY) == f"sha256={expected}"


def test_header_names_are_matched_case_insensitively():
    headers = {name.lower(): value for name, value in signed_headers(SECRET, AT, BODY).items()}
    assert verify(SECRET, headers, BODY, now=AT) == AT


@pytest.mark.parametrize(
    "body",
    [BODY + b" ", BODY.replace(b"rusak", b"bagus"), b"", BODY[:-1]],
    ids=["appended", "changed", "empty", "truncated"],
)
def test_an_altered_body_is_refused(body):
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, signed_headers(SECRET, AT, BODY), body, now=AT)


def test_a_changed_timestamp_header_is_refused():
    headers = signed_headers(SECRET, AT, BODY) | {TIMESTAMP_HEADER: str(AT + 1)}
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, headers, BODY, now=AT)


def test_another_secret_is_refused():
    with pytest.raises(SignatureError, match="does not match"):
        verify("another-secret", signed_headers(SECRET, AT, BODY), BODY, now=AT)


@pytest.mark.parametrize("missing", [TIMESTAMP_HEADER, SIGNATURE_HEADER])
def test_a_missing_header_is_refused(missing):
    headers = {name: value for name, value in signed_headers(SECRET, AT, BODY).items() if name != missing}
    with pytest.raises(SignatureError, match="missing"):
        verify(SECRET, headers, BODY, now=AT)


@pytest.mark.parametrize("offset", [DEFAULT_TOLERANCE + 1, -(DEFAULT_TOLERANCE + 1), 86_400])
def test_a_timestamp_too_far_from_the_clock_is_refused(offset):
    with pytest.raises(SignatureError, match="replay or skew"):
        verify(SECRET, signed_headers(SECRET, AT, BODY), BODY, now=AT + offset)


@pytest.mark.parametrize("offset", [DEFAULT_TOLERANCE, -DEFAULT_TOLERANCE])
def test_a_timestamp_at_the_tolerance_is_accepted(offset):
    assert verify(SECRET, signed_headers(SECRET, AT, BODY), BODY, now=AT + offset) == AT


def test_a_custom_tolerance_applies():
    with pytest.raises(SignatureError):
        verify(SECRET, signed_headers(SECRET, AT, BODY), BODY, now=AT + 31, tolerance=30)


@pytest.mark.parametrize("raw", ["abc", "-5", "1.5", "1" * 13, "²", "١٧٦٤٣٠٠٠٠٠"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(raw):
    headers = signed_headers(SECRET, AT, BODY) | {TIMESTAMP_HEADER: raw}
    with pytest.raises(SignatureError, match="Unix seconds"):
        verify(SECRET, headers, BODY, now=AT)


def test_signing_without_a_secret_is_refused():
    with pytest.raises(SignatureError, match="no secret"):
        signed_headers("", AT, BODY)


def test_verifying_without_a_secret_is_refused():
    with pytest.raises(SignatureError, match="no secret"):
        verify("", signed_headers(SECRET, AT, BODY), BODY, now=AT)


def test_the_error_never_shows_the_secret():
    with pytest.raises(SignatureError) as caught:
        verify(SECRET, signed_headers("wrong", AT, BODY), BODY, now=AT)
    assert SECRET not in str(caught.value)
