"""Decide which language a mention is written in: Indonesian, English or something else.

Order of evidence, most trusted first:

1. X's own `lang` field (X API v2 Post object, `lang`: a BCP47 tag, "in" for Indonesian,
   "und" when X cannot tell, and the "q…"/"zxx" pseudo-codes for hashtag-only, media-only or
   mention-only posts: https://docs.x.com/x-api/fundamentals/data-dictionary#tweet).
   Regional languages of Indonesia and Malay ("jv", "su", "ms") count as Indonesian.
2. On a long text (`MIN_LETTERS_FOR_LANGDETECT` letters or more) langdetect may overrule X,
   but only when it is very sure (`OVERRULE_PROBABILITY`), and a very clear word count
   (`RULE_OVERRULES_X`) overrules X without it; without X's tag it decides long
   texts, except that "some other language" needs that same certainty to beat the word rule.
   langdetect costs milliseconds a text, so against X's tag it is asked only when the word
   rule below points to another language; without a tag, only when the rule is not sure on
   its own (`SURE_RULE`).
3. A word rule: very common Indonesian function and slang words against common English words.
   Short texts never reach langdetect, which is erratic on them ("ok" → Slovak).
4. Otherwise Indonesian, the language of the service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from langdetect import DetectorFactory, detect_langs
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

LanguageCode = Literal["id", "en", "other"]
LanguageSource = Literal["x", "langdetect", "rule", "default"]

MIN_LETTERS_FOR_LANGDETECT = 40
OVERRULE_PROBABILITY = 0.95
ACCEPT_PROBABILITY = 0.80
# Without X's tag, a word-rule verdict this sure (one function word in ten, net) is taken as
# it is: langdetect costs milliseconds and, on such texts, agrees with it.
SURE_RULE = 0.6
STRONG_RULE = 0.7  # a word-rule verdict this sure beats X's "other" on Latin-script text
# A word-rule verdict this sure (three function words in ten, net) beats X's "in" or "en" on a
# long text without asking langdetect. Read as tagged "en", the (all Indonesian) dev texts at
# this confidence got langdetect's very sure "id" 99 % of the time, and 61 % of the langdetect
# calls against X's tag are saved (benchmarks/language_rule.py).
RULE_OVERRULES_X = 0.8

# X tags meaning Indonesian or close enough to be served in Indonesian.
_X_INDONESIAN = frozenset({"in", "id", "jv", "su", "ms", "min", "ban", "mad"})
# X tags meaning "no language": undetermined, and the pseudo-codes for posts made only of
# hashtags (qht), mentions (qme), media links (qam), cashtags (qct), emoji/short (qst),
# or with no linguistic content (zxx, art).
_X_UNDECIDED = frozenset({"und", "qme", "qht", "qam", "qct", "qst", "zxx", "art", ""})
# langdetect codes that stand for Indonesian in practice (its profiles have no jv/su).
_LANGDETECT_INDONESIAN = frozenset({"id", "ms", "jv", "su"})

_INDONESIAN_WORDS = frozenset(
    """
    yang dan di ke dari ini itu tidak tak gak ga nggak enggak ngga gk tdk ada sudah udah
    udh sdh belum blm bisa bs mau mo akan sedang lagi lg juga jg saja aja dong deh sih kok
    kak ka min mimin bang pak bu bapak ibu mas mbak tolong mohon cek dm terima kasih
    makasih makasi trims tks thx kasih saya aku gue gua gw lu lo kamu anda kami kita mereka
    dia nya apa apakah kapan dimana mana gimana bagaimana kenapa mengapa berapa siapa
    karena krn karna tapi tp atau dengan dgn untuk utk buat sama yg dr pada dalam jalan
    rusak banyak sangat banget bgt parah kalau kalo klo kl jadi jd masih msh lebih
    sampai sampe hari jam baru lama terus trs bagus mantap mantul oke sip siap wkwk
    wkwkwk hehe haha halo hai selamat pagi siang sore malam assalamualaikum info
    lapor laporan aduan warga rumah sekolah kantor kota desa kelurahan kecamatan
    """.split()
)
_ENGLISH_WORDS = frozenset(
    """
    the a an and or but of to in on at for with from by is are was were be been being
    this that these those it its i you your we our they their he she my me us them
    have has had do does did not no yes please thank thanks very much
    what when where why how who which can could would should will just about
    good great bad service quick response help issue problem still again today
    """.split()
)

_MENTION = re.compile(r"(?<!\w)@\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HASHTAG = re.compile(r"(?<!\w)#\w+")
_MASK = re.compile(r"\[[A-Z]+\]")  # our own personal-data masks, e.g. "[TELEPON]"
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Language:
    """The language a text is taken to be in, where that verdict came from, and how sure."""

    code: LanguageCode
    source: LanguageSource
    confidence: float


def detect_language(text: str, x_lang: str | None) -> Language:
    """Return the language of `text`, trusting X's `lang` first (see the module docstring)."""
    cleaned = strip_for_detection(text)
    long_enough = sum(map(len, _words(cleaned))) >= MIN_LETTERS_FOR_LANGDETECT
    from_x = _language_from_x(x_lang)
    if from_x is not None and from_x.code != "other":
        return _overruled_if_sure(cleaned, from_x) if long_enough else from_x
    by_rule = _language_by_rule(cleaned)
    if from_x is not None:
        return _weigh_other_from_x(cleaned, from_x, by_rule, long_enough)
    if by_rule is not None and by_rule.confidence >= SURE_RULE:
        return by_rule  # clear enough without langdetect's milliseconds
    if long_enough and (guess := _langdetect(cleaned)) is not None:
        if by_rule is None or guess.confidence >= _needed_to_beat_rule(guess):
            return guess
    if by_rule is not None:
        return by_rule
    if _mostly_non_latin(cleaned):
        return Language("other", "rule", 0.6)
    return Language("id", "default", 0.3)


def _weigh_other_from_x(
    cleaned: str, from_x: Language, by_rule: Language | None, long_enough: bool
) -> Language:
    """Judge X's "some other language" verdict, which X often gives to short slang."""
    if _mostly_non_latin(cleaned):
        return from_x
    if by_rule is not None and by_rule.confidence >= STRONG_RULE:
        return by_rule
    if long_enough:
        return _overruled_if_sure(cleaned, from_x)
    return by_rule or Language("id", "default", 0.3)


def strip_for_detection(text: str) -> str:
    """Remove @mentions, URLs, hashtags and personal-data masks, which carry no language."""
    # Each pass runs only when its marker is present: most texts have no link, mention or mask.
    if "://" in text or "www." in text.lower():
        text = _URL.sub(" ", text)
    for marker, pattern in (("@", _MENTION), ("#", _HASHTAG), ("[", _MASK)):
        if marker in text:
            text = pattern.sub(" ", text)
    return " ".join(text.split())


def _language_from_x(x_lang: str | None) -> Language | None:
    """Map X's `lang` tag to our codes; None when X gave no usable tag."""
    if x_lang is None:
        return None
    tag = x_lang.strip().lower().split("-")[0]
    if tag in _X_UNDECIDED:
        return None
    if tag in _X_INDONESIAN:
        return Language("id", "x", 0.9)
    if tag == "en":
        return Language("en", "x", 0.9)
    return Language("other", "x", 0.7)


def _overruled_if_sure(cleaned: str, from_x: Language) -> Language:
    """Keep X's verdict unless langdetect disagrees with very high probability.

    langdetect costs milliseconds, so it is asked only when the common-word count points to
    another language than X's, and not when the count is clear on its own (`RULE_OVERRULES_X`).
    """
    by_rule = _language_by_rule(cleaned)
    if by_rule is None or by_rule.code == from_x.code:
        return from_x
    if by_rule.confidence >= RULE_OVERRULES_X:
        return by_rule
    guess = _langdetect(cleaned)
    if guess is not None and guess.code != from_x.code and guess.confidence >= OVERRULE_PROBABILITY:
        return guess
    return from_x


def load_langdetect() -> None:
    """Load langdetect's language profiles now (about half a second), not at the first long text."""
    init_factory()


def _langdetect(cleaned: str) -> Language | None:
    """Ask langdetect (seeded, so repeatable); None when it cannot answer."""
    DetectorFactory.seed = 0
    try:
        best = detect_langs(cleaned.casefold())[0]  # its profiles are lower case: no SHOUTING
    except LangDetectException:
        return None
    code: LanguageCode
    if best.lang in _LANGDETECT_INDONESIAN:
        code = "id"
    elif best.lang == "en":
        code = "en"
    else:
        code = "other"
    return Language(code, "langdetect", round(float(best.prob), 3))


def _needed_to_beat_rule(guess: Language) -> float:
    """Trust langdetect over the word rule; for "some other language" only when very sure."""
    return OVERRULE_PROBABILITY if guess.code == "other" else ACCEPT_PROBABILITY


@lru_cache(maxsize=4)
def _words(cleaned: str) -> tuple[str, ...]:
    """Return the words of a cleaned text (cached: `detect_language` and the word rule both read them)."""
    return tuple(_WORD.findall(cleaned))


def _language_by_rule(cleaned: str) -> Language | None:
    """Count very common Indonesian and English words; None when neither side wins."""
    found = _words(cleaned)
    # On ASCII text one casefold of the words joined by spaces folds each word alike, and a word
    # holds no space, so splitting gives the same words back.
    words = " ".join(found).casefold().split(" ") if found and cleaned.isascii() else [w.casefold() for w in found]
    indonesian = sum(map(_INDONESIAN_WORDS.__contains__, words))
    english = sum(map(_ENGLISH_WORDS.__contains__, words))
    if indonesian == english:
        return None
    code: LanguageCode = "id" if indonesian > english else "en"
    margin = abs(indonesian - english) / max(len(words), 1)
    return Language(code, "rule", round(min(0.9, 0.5 + margin), 3))


def _mostly_non_latin(cleaned: str) -> bool:
    """Tell whether most letters are outside the Latin script (Arabic, CJK, Thai…)."""
    letters = [ch for ch in cleaned if ch.isalpha()]
    if not letters:
        return False
    non_latin = sum(ord(ch) > 0x024F for ch in letters)
    return non_latin * 2 > len(letters)
