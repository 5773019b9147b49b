"""Sign and check webhook bodies: HMAC-SHA256 over "<timestamp>.<body>" with a per-agency secret.

Headers on every signed request, both ways (our forwards to an agency, an agency's status
updates to us):

    X-Lapor-Timestamp: 1764300000            Unix seconds when the request was signed
    X-Lapor-Signature: sha256=<hex digest>   HMAC-SHA256(secret, b"<timestamp>." + body)

The receiver recomputes the digest over the raw body, compares in constant time, and refuses
a timestamp further than `tolerance` seconds from its clock, so a captured request cannot be
replayed later. Pure, standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Lapor-Timestamp"
SIGNATURE_HEADER = "X-Lapor-Signature"
DEFAULT_TOLERANCE = 300  # seconds
_PREFIX = "sha256="


class SignatureError(ValueError):
    """A signed request that must be refused; the message says why (never the secret)."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Return the X-Lapor-Signature value for `body` signed at `timestamp`."""
    if not secret:
        raise SignatureError("no secret to sign with")
    digest = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256)
    return _PREFIX + digest.hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Return the two headers that sign `body`."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, now: float, tolerance: int = DEFAULT_TOLERANCE
) -> int:
    """Check a signed request; return its timestamp, or raise SignatureError saying what is wrong."""
    lowered = {key.lower(): value for key, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "").strip()
    given = lowered.get(SIGNATURE_HEADER.lower(), "").strip()
    if not raw_timestamp or not given:
        raise SignatureError(f"missing {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    # isdigit() alone admits "²" (int() then raises ValueError) and non-ASCII digits: ASCII only.
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()) or len(raw_timestamp) > 12:
        raise SignatureError(f"{TIMESTAMP_HEADER} must be Unix seconds")
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"{TIMESTAMP_HEADER} is more than {tolerance} s away from our clock (replay or skew)")
    if not secret:
        raise SignatureError("no secret is configured for this sender")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), signature(secret, timestamp, body).encode("ascii")):
        raise SignatureError("the signature does not match the body")
    return timestamp
