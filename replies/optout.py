"""Recognise a citizen asking the bot to stop replying. Pure.

Only a short message that is nothing but a stop request counts: "stop", "berhenti",
"jangan balas lagi". A complaint that contains the word ("stop pungli di pasar!") is a
complaint, not an opt-out.
"""

from __future__ import annotations

import re
import unicodedata

_NOISE = re.compile(r"@\w+|https?://\S+|[^\w\s]")
_REPEATS = re.compile(r"(\w)\1{2,}")
# A stop request is at most this many words once handles and punctuation are gone.
MAX_WORDS = 6

STOP_PHRASES = frozenset(
    {
        "stop",
        "stop bot",
        "stop balas",
        "stop balasan",
        "stop membalas",
        "stop reply",
        "stop replying",
        "stop replies",
        "stop mention",
        "stop tag",
        "berhenti",
        "berhenti balas",
        "berhenti membalas",
        "berhenti berlangganan",
        "jangan balas",
        "jangan balas lagi",
        "jangan dibalas",
        "jangan dibalas lagi",
        "tidak usah balas",
        "tidak usah dibalas",
        "gak usah balas",
        "gak usah dibalas",
        "ga usah balas",
        "ga usah dibalas",
        "nggak usah dibalas",
        "tolong berhenti",
        "tolong stop",
        "mohon berhenti",
        "unsubscribe",
        "unsub",
        "opt out",
        "optout",
        "no more replies",
        "please stop",
        "stop please",
        "stop it",
        "berhenti kirim balasan",
        "jangan kirim balasan lagi",
    }
)


def normalise_request(text: str) -> str:
    """Return `text` without handles, links, punctuation, case or stretched letters."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = _NOISE.sub(" ", folded).split()
    return _REPEATS.sub(r"\1", " ".join(words))


def is_opt_out_request(text: str) -> bool:
    """Return whether the message asks for no more automated replies."""
    request = normalise_request(text)
    if not request or len(request.split()) > MAX_WORDS:
        return False
    return request in STOP_PHRASES or request.removesuffix(" ya") in STOP_PHRASES
