"""Flag abusive language and urgency (danger to life or safety) in a mention. Pure.

Both are word lists over the folded text (`classify.normalise_text`: lower case, no
punctuation, stretched letters squeezed), with the words that fired kept as the reason, so
an officer sees why. They raise `needs_review`; they never decide a reply on their own.

- Abusive: insults and profanity in Indonesian, Javanese, Minang and English. Animal words
  that are also insults ("anjing", "babi", "monyet") count only without an animal context
  ("anjing liar menggigit warga" is a complaint about stray dogs, not abuse). Digits used as
  letters ("g0bl0k", "4njing") are read as letters.
- Urgent: fire, accident, drowning, landslide, earthquake, violence, gas leaks, fallen live
  wires, people trapped or missing. A flood counts only when it is happening now ("banjir
  setinggi pinggang", "sedang banjir"); "jalan ini selalu banjir kalau hujan" is not urgent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.classify import normalise_text

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_LETTER_DIGIT = re.compile(r"[a-z][0-9@]|[0-9@][a-z]", re.IGNORECASE)
_DIGIT_OR_AT = re.compile(r"[0-9@]")  # what _LETTER_DIGIT needs, found three times as fast
_WORD_WITH_DIGITS = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9@])[\w@]+\b", re.IGNORECASE)

ABUSIVE = (
    # Indonesian
    "bangsat", "bajingan", "brengsek", "keparat", "goblok", "goblog", "tolol", "bego", "idiot", "dungu",
    "kampret", "kurang ajar", "sialan", "tai", "taik", "tahi", "bangke", "biadab", "laknat",
    "ngentot", "ngentod", "kontol", "memek", "lonte", "pelacur", "jablay", "bencong", "banci",
    "otak udang", "tidak punya otak", "gak punya otak", "ga punya otak", "pukimak",
    # Javanese, Sundanese, Minang
    "asu", "jancok", "jancuk", "dancok", "cuk", "matamu", "ndasmu", "kehed", "pantek", "kanciang",
    "waang", "paja ang",
    # English
    "fuck", "fucking", "fucked", "shit", "bullshit", "bastard", "bitch", "asshole", "motherfucker", "dickhead",
)
ANIMAL_INSULTS = ("anjing", "anjeng", "babi", "monyet", "kunyuk", "beruk")
# Words near an animal word that show a real animal is meant.
ANIMAL_CONTEXT = (
    "liar", "peliharaan", "gigit", "menggigit", "digigit", "gigitan", "rabies", "hutan", "ternak", "kandang",
    "berkeliaran", "bangkai", "kawanan", "ekor", "razia", "vaksin", "kotoran", "menggonggong", "gonggong",
    "tertabrak", "mati", "diracun", "jalanan", "kucing", "sapi", "kambing", "ayam", "hewan", "pasar",
    "daging", "peternakan", "seekor", "puluhan", "banyak", "dog", "dogs", "stray",
)
URGENT = (
    # fire, explosions, gas, electricity
    "kebakaran", "terbakar", "dilalap api", "api membesar", "ledakan", "meledak", "gas bocor", "bocor gas",
    "kabel putus", "kabel listrik putus", "kabel menjuntai", "tersengat listrik", "kesetrum", "korsleting",
    # accidents and bodily harm
    "kecelakaan", "tabrakan", "tertabrak", "ditabrak", "korban jiwa", "korban meninggal", "tewas", "luka parah",
    "berdarah", "pingsan", "tidak sadarkan diri", "keracunan",
    # water, earth, structures
    "tenggelam", "hanyut", "terseret arus", "longsor", "tanah longsor", "banjir bandang", "gempa", "tsunami",
    "erupsi", "jembatan putus", "jembatan ambruk", "ambruk", "roboh", "pohon tumbang", "tertimpa",
    # violence and crime against people
    "begal", "dibegal", "perampokan", "dirampok", "penganiayaan", "dianiaya", "dipukuli", "pengeroyokan",
    "dikeroyok", "kekerasan", "kdrt", "pemerkosaan", "diperkosa", "pelecehan seksual", "penculikan",
    "diculik", "pembunuhan", "dibunuh", "tawuran", "penusukan", "ditusuk", "bom", "ancaman bom",
    # people in danger
    "darurat", "terjebak", "terperangkap", "evakuasi", "orang hilang", "anak hilang", "sos",
    # English
    "fire", "explosion", "gas leak", "accident", "injured", "killed", "drowning",
    "landslide", "earthquake", "emergency", "assault", "robbery", "stabbing", "trapped", "missing child",
)
FLOOD = ("banjir", "flood", "flooding", "kebanjiran")
# Before a danger word, these make it a risk, not an event: "rawan kecelakaan", "bisa longsor".
HYPOTHETICAL = (
    "rawan", "bisa", "dapat", "potensi", "berpotensi", "menyebabkan", "mengakibatkan", "sebabkan",
    "takut", "khawatir", "cegah", "mencegah", "hindari", "menghindari", "sebelum", "risiko", "resiko",
    "jangan sampai", "membahayakan", "hampir", "nyaris", "mau", "akan", "dikhawatirkan", "khawatirnya",
    "ditakutkan", "takutnya", "kuatir", "rentan", "prone", "risk", "could", "might",
    "avoid",
)
# A flood is urgent only with one of these: it is happening, rising or trapping people.
FLOOD_NOW = (
    "sekarang", "saat ini", "sedang", "masih", "setinggi", "sepinggang", "sedada", "seleher", "selutut",
    "naik", "terus naik", "terendam", "merendam", "masuk rumah", "air masuk",
    "mengungsi", "pengungsi", "now", "rising", "right now",
)


@dataclass(frozen=True)
class FlagHit:
    """A raised flag and the words that raised it."""

    name: str  # abusive | urgent
    words: tuple[str, ...]

    @property
    def reason(self) -> str:
        """Return the reason an officer reads."""
        return f"{self.name}: " + ", ".join(f'"{w}"' for w in self.words)


def find_abuse(text: str) -> FlagHit | None:
    """Return the abusive-language flag for `text`, or None."""
    tokens = _tokens(text)
    found = [_folded(ABUSIVE)[word] for word in _present(tokens, ABUSIVE)]
    found += [_folded(ANIMAL_INSULTS)[a] for a in _present(tokens, ANIMAL_INSULTS) if _insulting(tokens, a)]
    return FlagHit("abusive", tuple(dict.fromkeys(found))) if found else None


def find_urgency(text: str) -> FlagHit | None:
    """Return the urgency flag for `text` (danger to life or safety now), or None."""
    tokens = _tokens(text)
    found = [_folded(URGENT)[word] for word in _present(tokens, URGENT) if _happening(tokens, word)]
    floods = [_folded(FLOOD)[word] for word in _present(tokens, FLOOD) if _happening(tokens, word)]
    if floods:
        now = [_folded(FLOOD_NOW)[word] for word in _present(tokens, FLOOD_NOW)]
        found += [f"{floods[0]} + {now[0]}"] if now else []
    return FlagHit("urgent", tuple(dict.fromkeys(found))) if found else None


@lru_cache(maxsize=8)
def _tokens(text: str) -> tuple[str, ...]:
    readable = text or ""
    if _DIGIT_OR_AT.search(readable) and _LETTER_DIGIT.search(readable):  # only then can a word hide letters as digits
        readable = _WORD_WITH_DIGITS.sub(lambda m: m.group().lower().translate(_LEET), readable)
    return tuple(normalise_text(readable).split())


@lru_cache(maxsize=32)
def _phrases(words: tuple[str, ...]) -> tuple[str, ...]:
    """Fold the word list the way texts are folded, so "tanggal" meets "tangal"."""
    return tuple(_folded(words))


@lru_cache(maxsize=32)
def _folded(words: tuple[str, ...]) -> dict[str, str]:
    """Map each folded phrase to the word as written in the list (for the reasons)."""
    return {normalise_text(word): word for word in reversed(words) if normalise_text(word)}


def _present(tokens: tuple[str, ...], words: tuple[str, ...]) -> list[str]:
    """Return the folded phrases of `words` that occur in the text, in list order."""
    index = _by_first_word(words)
    if index.keys().isdisjoint(tokens):
        return []  # no phrase can start anywhere: the common case, decided in C
    hits = {
        " ".join(phrase)
        for position, token in enumerate(tokens)
        for phrase in index.get(token, ())
        if tokens[position : position + len(phrase)] == phrase
    }
    return [phrase for phrase in _phrases(words) if phrase in hits]


@lru_cache(maxsize=32)
def _by_first_word(words: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Index the folded phrases of `words` by their first word, as tuples of words."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _phrases(words):
        split = tuple(phrase.split())
        index.setdefault(split[0], []).append(split)
    return {first: tuple(phrases) for first, phrases in index.items()}


def _has(tokens: tuple[str, ...], phrase: str) -> bool:
    return phrase in _grams(tokens)


@lru_cache(maxsize=256)
def _grams(tokens: tuple[str, ...]) -> frozenset[str]:
    """Return every run of 1–3 words of the text, for constant-time phrase lookups."""
    return frozenset(" ".join(tokens[i : i + n]) for n in (1, 2, 3) for i in range(len(tokens) - n + 1))


def _position(tokens: tuple[str, ...], phrase: str, start: int = 0) -> int | None:
    words = phrase.split()
    width = len(words)
    for index in range(start, len(tokens) - width + 1):
        if list(tokens[index : index + width]) == words:
            return index
    return None


def _insulting(tokens: tuple[str, ...], animal: str) -> bool:
    """Return whether an animal word is used as an insult (no animal context within 3 words)."""
    if not _has(tokens, animal):
        return False
    context = set(_phrases(ANIMAL_CONTEXT))
    index = _position(tokens, animal)
    while index is not None:
        window = tokens[max(0, index - 3) : index] + tokens[index + 1 : index + 4]
        if not context & set(window):
            return True
        index = _position(tokens, animal, index + 1)
    return False


def _happening(tokens: tuple[str, ...], phrase: str) -> bool:
    """Return whether `phrase` occurs at least once not as a risk ("rawan …", "bisa …")."""
    if not _has(tokens, phrase):
        return False
    hypothetical = _phrases(HYPOTHETICAL)
    index = _position(tokens, phrase)
    while index is not None:
        before = tokens[max(0, index - 3) : index]
        if not any(_has(before, marker) for marker in hypothetical):
            return True
        index = _position(tokens, phrase, index + 1)
    return False
