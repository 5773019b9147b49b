"""Find the place names in a mention's text, hashtags and X place, each weighed as evidence.

A text is tokenised once; at each word that can start a name, the longest run of 1–5 words
found in the gazetteer index wins. A `NameHit` maps every area the name may mean to a weight:
how strongly this one mention of the name alone points there. `ingest.region` adds the
weights up along province → regency → district chains and picks the best chain.

Weights (a chain needs `ACCEPT` = 0.5 in total to be accepted):

- "Kota/Kab./Kabupaten/Kec./Kecamatan/Prov./Provinsi X" restricts X to that kind: 1.0
  (a kecamatan: 0.9 when its name is unique, 0.3 when it repeats across Indonesia);
- a bare regency name 0.8; a name shared by a kota and a kabupaten 0.6 for the kota and
  0.45 for the kabupaten; a province 0.7; an alias as its area;
- a bare kecamatan 0.5 when unique, of 5+ letters and capitalised or of two words or more
  ("padang utara"; else 0.3 lowercase, 0.2 short), 0.2 when its name repeats, 0.1 when it is
  also a regency's or province's name;
- a common word (`region_words.COMMON_WORDS`) 0 lowercase and at most 0.2 capitalised: it
  only counts next to its regency or province; a short alias ("sby") lowercase at most 0.35;
- a name right after "Jl." ("Jl. Semarang"), a kecamatan later in a street name ("Jl.
  Keputih Tegal Timur") or a name followed by "Jaya", "Baru", "Lor"… at most 0.2;
  after "Kel./Desa" 0.2 for a kecamatan of the same name, else nothing;
- a hashtag counts as a capitalised name; a name inside a hashtag ("#banjirpadang") counts
  0.5 for regencies and provinces only; X's place counts 0.5 (0.4 for its later parts).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ingest.gazetteer import DISTRICT, PROVINCE, REGENCY, Gazetteer, NameEntry, fold_words
from ingest.region_words import (
    AFTER_PREFIX,
    DIRECTIONS,
    LOCAL_QUALIFIERS,
    PLACE_LEVELS,
    PREFIXES,
    STREET_ENDS,
    STREET_WORDS,
    SUPPORT,
    VILLAGE_WORDS,
    common_word_cap,
)

ACCEPT = 0.5
MAX_HITS = 64  # distinct names looked at per mention; bounds the work on a 25,000-char post
MIN_SQUASHED = 7  # "gununganyar" may stand for "Gunung Anyar"; shorter run-ons are words

# URLs, @handles and #hashtags. The cheap first character keeps this 10x faster than the
# plain alternation: the regex engine scans for it instead of trying every branch everywhere.
_NOT_PROSE = re.compile(
    r"""[hHwW@#]
        (?: (?<=[hH]) [tT][tT][pP][sS]?://\S+     # a URL
          | (?<=[wW]) [wW][wW]\.\S+              # www.…
          | (?<=@) (?<!\w@) \w+                  # an @handle
          | (?<=\#) (?<![\w&]\#) \w+             # a hashtag
        )""",
    re.VERBOSE,
)
_TAG_MARK = "\ue000"  # a private-use character standing for a hashtag in the text
_BREAK_TOKENS = frozenset(",;:!?()[]{}\n" + _TAG_MARK)
_TOKEN = re.compile(r"[^\W_]+|[,;:!?()\[\]{}\n\ue000]")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# Soft hyphen, zero-width and direction marks, the BOM, and our own hashtag mark: dropped.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ue000]")

_PREFIXES_LONGEST_FIRST = sorted(PREFIXES, key=len, reverse=True)

Weights = dict[str, float]
Match = tuple[int, Weights, frozenset[str]]  # end of the name, weights, codes reached by alias


@dataclass(frozen=True)
class NameHit:
    """One mention of a place name and the weight it lends to each area it may mean."""

    label: str  # 'text "Kota Padang"', 'hashtag #jogja', 'X place "Padang, Indonesia" (city)'
    weights: tuple[tuple[str, float], ...]  # (area code, weight), best first
    aliases: frozenset[str]  # codes reached through region_aliases.csv
    position: int  # the word it starts at; -1 for X's place
    key: tuple[str, ...]  # folded words, to count a repeated name once


@dataclass(frozen=True)
class Words:
    """A text split once into words and breaks (",", "(", a line break, a hashtag…).

    A break is kept as a one-character token: no name contains one, so no name runs across
    it. `folded` is for look-ups, `written` for capitals and reasons.
    """

    folded: tuple[str, ...]
    written: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> Words:
        """Tokenise `text` into letters-and-digits words and break tokens."""
        written = tuple(_TOKEN.findall(text))
        if text.isascii():  # no token holds a space: fold them all in one call
            folded = tuple(" ".join(written).lower().split(" ")) if written else ()
            return cls(folded, written)
        folded = tuple(_TOKEN.findall(text.casefold()))
        if len(folded) != len(written):  # casefolding split a word ("İ")
            folded = tuple(token.casefold() for token in written)
        return cls(folded, written)

    @cached_property
    def shouting(self) -> bool:
        """Tell whether most words are in capitals: then capitals say nothing about names."""
        sample = self.written[:400]
        letters = sum(map(str.isalpha, sample))
        return letters >= 3 and sum(map(str.isupper, sample)) > 0.6 * letters

    def is_break(self, index: int) -> bool:
        """Tell whether token `index` is a break (or past the end)."""
        return index >= len(self.folded) or self.folded[index] in _BREAK_TOKENS

    def capitalised(self, start: int, end: int) -> bool:
        """Tell whether words `start`..`end` are all written with a capital."""
        return not self.shouting and all(word[0].isupper() for word in self.written[start:end])

    def surface(self, start: int, end: int) -> str:
        """Return words `start`..`end` as written."""
        return " ".join(self.written[start:end])


def find_names(text: str, gazetteer: Gazetteer) -> tuple[NameHit, ...]:
    """Return the place names of a text and its hashtags, first mention of each name only."""
    text = unicodedata.normalize("NFKC", text if text.isascii() else _INVISIBLE.sub("", text))
    tags: list[str] = []
    plain = _NOT_PROSE.sub(lambda m: _mark(m.group(), tags), text)  # these break a name
    words = Words.of(plain)
    hits = list(_text_hits(words, gazetteer, "text "))
    if tags:
        marks = [index for index, token in enumerate(words.folded) if token == _TAG_MARK]
        for position, tag in zip(marks, tags):
            hits.extend(_hashtag_hits(tag, position, gazetteer))
    return _first_of_each(hits)


def _mark(found: str, tags: list[str]) -> str:
    """Stand a URL or @handle in for a comma, a hashtag for a mark (and remember it)."""
    if not found.startswith("#"):
        return " , "
    tags.append(found[1:])
    return f" {_TAG_MARK} "


def place_hit(full_name: str, place_type: str | None, gazetteer: Gazetteer) -> NameHit | None:
    """Read X's place ("Padang, Indonesia", "Sumatera Barat, Indonesia") as one weak hit."""
    weights: Weights = {}
    parts = [fold_words(part) for part in full_name.split(",")]
    parts = [words for words in parts if words not in ((), ("indonesia",))]
    for index, words in enumerate(parts):
        kind = PREFIXES.get(words[0]) if len(words) > 1 else None
        if kind:
            words = tuple(w for w in words[1:] if w not in AFTER_PREFIX) or words
        entries = _of_kind(gazetteer.names.get(words, ()), kind, gazetteer) or gazetteer.names.get(words, ())
        entries = _of_level(entries, PLACE_LEVELS.get(place_type or "", ()), gazetteer) or entries
        base = 0.5 if index == 0 else 0.4
        for code, weight in _bare_weights(entries, gazetteer, capitalised=True).items():
            area_weight = base * min(1.0, weight / 0.6)
            weights[code] = max(weights.get(code, 0.0), round(area_weight, 3))
    if not weights:
        return None
    label = f'X place "{full_name.strip()}"' + (f" ({place_type})" if place_type else "")
    return _hit(label, weights, frozenset(), -1, ("place",))


@lru_cache(maxsize=4)
def _starters(gazetteer: Gazetteer) -> frozenset[str]:
    """Return every word at which a name, prefix, village or street may start."""
    return gazetteer.first_words.union(PREFIXES, VILLAGE_WORDS, STREET_WORDS)


def _text_hits(words: Words, gazetteer: Gazetteer, verb: str) -> Iterator[NameHit]:
    """Walk the words once, yielding a hit for every name, prefixed or bare."""
    starters, folded = _starters(gazetteer), words.folded
    index, street_start, street_end = 0, 0, 0
    while index < len(folded):
        word = folded[index]
        if word not in starters and (len(word) < MIN_SQUASHED or word not in gazetteer.squashed):
            index += 1
            continue
        if word in STREET_WORDS:
            street_start = index + 2 if index + 1 < len(folded) and folded[index + 1] == "raya" else index + 1
            index, street_end = index + 1, _street_end(words, street_start)
            continue
        prefixed = _prefixed(words, index, gazetteer)
        found = prefixed or _bare(words, index, gazetteer)
        if found is None:
            index += 1
            continue
        end, weights, aliases = found
        label = f'{verb}"{words.surface(index, end)}"'
        if index < street_end:
            capped = _in_street(weights, index == street_start, gazetteer)
            weights, label = capped, label + (" (in a street name)" if capped != weights else "")
        elif prefixed is None:  # "Kota Padang Baru" is still Kota Padang
            weights = _local(words, end, weights, gazetteer)
        hit = _hit(label, weights, aliases, index, folded[index:end])
        if hit.weights:
            yield hit
        index = end


def _longest(words: Words, start: int, gazetteer: Gazetteer) -> tuple[int, tuple[NameEntry, ...]] | None:
    """Return the end and entries of the longest name starting at `start`, if any."""
    if start >= len(words.folded):
        return None
    first = words.folded[start]
    if first not in gazetteer.first_words:
        squashed = gazetteer.squashed.get(first) if len(first) >= MIN_SQUASHED else None
        return (start + 1, squashed) if squashed else None
    stop = start + 1
    while stop - start < gazetteer.longest and not words.is_break(stop):
        stop += 1
    for end in range(stop, start, -1):
        entries = gazetteer.names.get(words.folded[start:end])
        if entries:
            return end, entries
    return None


def _prefixed(words: Words, index: int, gazetteer: Gazetteer) -> Match | None:
    """Match "Kota Padang", "Kab. Solok", "Kec. Gubeng" or "Kel. Gubeng" at `index`."""
    folded = words.folded[index]
    kind = PREFIXES.get(folded) or ("desa" if folded in VILLAGE_WORDS else None)
    if kind is None:
        return None
    start = index + 1
    while start < len(words.folded) and words.folded[start] in AFTER_PREFIX:
        start += 1
    found = _longest(words, start, gazetteer)
    bare = _longest(words, index, gazetteer)  # "Kota Pahlawan", "Prov. Bali" are aliases
    if found is None or (bare is not None and bare[0] > found[0]):
        return None
    end, entries = found
    wanted = _of_kind(entries, "kecamatan" if kind == "desa" else kind, gazetteer)
    if not wanted:
        return (end, {}, frozenset()) if kind == "desa" else None  # "Desa Malang" is a village
    unique = len(wanted) == 1
    if kind == "desa":
        weight = SUPPORT if unique else SUPPORT / 2
    elif kind == "kecamatan":
        weight = 0.9 if unique else 0.3
    else:
        weight = 1.0
    return end, {e.code: weight for e in wanted}, frozenset(e.code for e in wanted if e.alias)


def _bare(words: Words, index: int, gazetteer: Gazetteer) -> Match | None:
    """Match a name without prefix at `index`, weighed by how ambiguous and common it is."""
    found = _longest(words, index, gazetteer)
    if found is None:
        return None
    end, entries = found
    key = words.folded[index:end]
    if len(key) == 1 and key[0] in PREFIXES:
        return None  # "Kota" is a kecamatan in Kediri, but nearly always a prefix
    capitalised = words.capitalised(index, end)
    short = all(e.alias for e in entries) and len("".join(key)) <= 3
    # A unique kecamatan name of two or more words ("padang utara") is rarely anything else,
    # even in lower case; the common phrases among them ("air putih") are capped below.
    weights = _bare_weights(entries, gazetteer, capitalised or len(key) > 1, short)
    cap = common_word_cap(key, capitalised)
    if cap is not None:
        weights = {code: min(w, cap) for code, w in weights.items()}
    return end, weights, frozenset(e.code for e in entries if e.alias)


def _bare_weights(
    entries: tuple[NameEntry, ...], gazetteer: Gazetteer, capitalised: bool, short: bool = False
) -> Weights:
    """Weigh each area a bare name may mean (see the module docstring)."""
    levels = [gazetteer.areas[e.code].level for e in entries]
    regencies, districts = levels.count(REGENCY), levels.count(DISTRICT)
    weights = {}
    for entry, level in zip(entries, levels):
        area = gazetteer.areas[entry.code]
        if level == PROVINCE:
            weight = 0.7
        elif level == REGENCY:
            weight = 0.8 if regencies == 1 or entry.alias else (0.6 if area.kind == "kota" else 0.45)
        elif districts < len(entries):
            weight = SUPPORT / 2  # also a regency's or province's name: that reading wins
        elif districts == 1 and len(area.short_name) > 4:  # "Simo", "Mojo": streets, words
            weight = 0.5 if capitalised else 0.3
        else:
            weight = SUPPORT
        weights[entry.code] = min(weight, 0.35) if short and not capitalised else weight
    return weights


def _hashtag_hits(tag: str, position: int, gazetteer: Gazetteer) -> list[NameHit]:
    """Read "#KotaPadang" split at capitals or after a prefix, else "#jaksel" whole, else inside."""
    label, folded = f"hashtag #{tag}", tag.casefold()
    for spaced in _hashtag_readings(tag):
        found = [_at(hit, position) for hit in _text_hits(Words.of(spaced), gazetteer, f"{label} ")]
        if found:
            return found
    entries = gazetteer.squashed.get(folded) or gazetteer.names.get((folded,), ())
    if entries:
        weights = _bare_weights(entries, gazetteer, capitalised=True)
        cap = common_word_cap((folded,), capitalised=True)
        if cap is not None:
            weights = {code: min(w, cap) for code, w in weights.items()}
        aliases = frozenset(e.code for e in entries if e.alias)
        return [_hit(label, weights, aliases, position, (folded,))]
    inner = _inside(folded, gazetteer)
    return [_hit(f'{label} "{inner[0]}"', inner[1], inner[2], position, (inner[0],))] if inner else []


def _hashtag_readings(tag: str) -> list[str]:
    """Return a hashtag as words: split at capitals ("Kota Padang"), after a prefix ("kota padang")."""
    readings = []
    parts = _CAMEL.findall(tag)
    if len(parts) > 1:
        readings.append(" ".join(parts))
    folded = tag.casefold()
    prefix = next((p for p in _PREFIXES_LONGEST_FIRST if folded.startswith(p) and len(folded) > len(p) + 2), None)
    if prefix:
        readings.append(f"{prefix} {folded[len(prefix) :]}")
    return readings


def _at(hit: NameHit, position: int) -> NameHit:
    return NameHit(hit.label, hit.weights, hit.aliases, position, hit.key)


def _inside(tag: str, gazetteer: Gazetteer) -> tuple[str, Weights, frozenset[str]] | None:
    """Find the longest regency, province or alias name (5+ letters) that starts or ends a tag."""
    best: tuple[str, tuple[NameEntry, ...]] | None = None
    for cut in range(1, len(tag)):
        for piece in (tag[:cut], tag[cut:]):
            if len(piece) < 5 or (best and len(piece) <= len(best[0])) or common_word_cap((piece,), False) is not None:
                continue
            entries = _of_level(gazetteer.squashed.get(piece, ()), (PROVINCE, REGENCY), gazetteer)
            if entries:
                best = (piece, entries)
    if best is None:
        return None
    weights = {code: round(w * 0.625, 3) for code, w in _bare_weights(best[1], gazetteer, True).items()}
    return best[0], weights, frozenset(e.code for e in best[1] if e.alias)


def _of_kind(entries: tuple[NameEntry, ...], kind: str | None, gazetteer: Gazetteer) -> tuple[NameEntry, ...]:
    if kind is None:
        return ()
    if kind == "provinsi":
        return _of_level(entries, (PROVINCE,), gazetteer)
    return tuple(e for e in entries if gazetteer.areas[e.code].kind == kind)


def _of_level(entries: tuple[NameEntry, ...], levels: tuple[int, ...], gazetteer: Gazetteer) -> tuple[NameEntry, ...]:
    return tuple(e for e in entries if gazetteer.areas[e.code].level in levels)


def _street_end(words: Words, start: int) -> int:
    """Return where a street name ends: three words, or a number, a break or a stop word."""
    folded, end = words.folded, start
    limit = min(end + 3, len(folded))
    while end < limit and not (words.is_break(end) or folded[end] in STREET_ENDS or folded[end][0].isdigit()):
        end += 1
    return end


def _in_street(weights: Weights, first: bool, gazetteer: Gazetteer) -> Weights:
    """Cap a name inside a street name at support weight: all of "Jl. Semarang" (a street in
    Surabaya), only the kecamatan readings of "Jl. Sudirman Padang" (a city after a street)."""
    return {
        code: min(w, SUPPORT) if first or gazetteer.areas[code].level == DISTRICT else w for code, w in weights.items()
    }


def _local(words: Words, end: int, weights: Weights, gazetteer: Gazetteer) -> Weights:
    """Cap a name followed by "Jaya", "Baru", "Lor"… (a street or estate) at support weight."""
    follower = words.folded[end] if end < len(words.folded) else ""
    if follower not in LOCAL_QUALIFIERS and follower not in DIRECTIONS:
        return weights
    return {
        code: min(w, SUPPORT) if follower in LOCAL_QUALIFIERS or gazetteer.areas[code].level == DISTRICT else w
        for code, w in weights.items()
    }


def _hit(label: str, weights: Weights, aliases: frozenset[str], position: int, key: tuple[str, ...]) -> NameHit:
    kept = sorted(((code, w) for code, w in weights.items() if w > 0), key=lambda item: -item[1])
    return NameHit(label, tuple(kept), aliases & {code for code, _ in kept}, position, key)


def _first_of_each(hits: list[NameHit]) -> tuple[NameHit, ...]:
    """Keep the strongest mention of each name (at its first position), at most `MAX_HITS`."""
    seen: dict[frozenset[str], NameHit] = {}
    for hit in sorted((h for h in hits if h.weights), key=lambda h: h.position):
        codes = frozenset(code for code, _ in hit.weights)
        best = seen.get(codes)
        if best is None and len(seen) >= MAX_HITS:
            break
        if best is None or hit.weights[0][1] > best.weights[0][1]:
            seen[codes] = hit if best is None else _at(hit, best.position)
    return tuple(sorted(seen.values(), key=lambda h: h.position))
