"""Recognising "stop" without mistaking complaints for it."""

from __future__ import annotations

import pytest

from replies.optout import is_opt_out_request

STOPS = [
    "@lapor1708 stop",
    "@lapor1708 STOP!!!",
    "@lapor1708 stoppp",
    "@lapor1708 berhenti",
    "@lapor1708 Berhenti membalas",
    "@lapor1708 jangan balas lagi",
    "@lapor1708 gak usah dibalas",
    "@lapor1708 tolong stop ya",
    "@lapor1708 unsubscribe",
    "@lapor1708 please stop",
    "stop @lapor1708",
    "@lapor1708 @warga stop balas",
]
NOT_STOPS = [
    "@lapor1708 stop pungli di pasar raya padang!",
    "@lapor1708 tolong hentikan galian C liar di sungai",
    "@lapor1708 bus berhenti sembarangan di depan sekolah",
    "@lapor1708 kapan berhenti banjirnya min",
    "@lapor1708 stop",  # placeholder replaced below
    "",
    "@lapor1708",
    "@lapor1708 😡😡",
    "@lapor1708 stop " + "kata " * 10,
]
NOT_STOPS[4] = "@lapor1708 lampu merah di simpang stop tidak menyala"


@pytest.mark.parametrize("text", STOPS)
def test_stop_requests_are_recognised(text):
    assert is_opt_out_request(text)


@pytest.mark.parametrize("text", NOT_STOPS)
def test_complaints_that_contain_the_word_are_not_stop_requests(text):
    assert not is_opt_out_request(text)
