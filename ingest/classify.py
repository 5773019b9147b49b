"""Classify a mention by keyword rules: what kind of message it is, and which category.

This is the first, transparent pass: every decision comes with the keywords behind it
(`Classification.reasons`). The keywords and their weights live in `rules/keywords.toml`,
which operators may edit; the valid codes come from `rules/kinds.csv` and
`rules/categories.csv`. A later statistical model can replace `classify` with any function
of the same signature, `(text, language) -> Classification`.

Kinds are decided in this order, the first that fires wins:

1. spam                  its score reaches `spam_threshold`;
2. lainnya               an operator reply, news or "cek DM" marker fires, with no problem;
3. apresiasi             thanks or praise outweighs any question or suggestion, no problem
                         word matched (strong praise: no more than a weak one), and the
                         text does not ask for something in a category ("mohon dipangkas,
                         terima kasih" is a request, not thanks);
4. permintaan_informasi  a question word or "?" fires, and the problem score stays low;
5. aspirasi              a suggestion fires, and the problem score stays low;
6. pengaduan             problem words fire, or a category fires together with a request;
7. pengaduan             English only: a category fires and no other kind has a single
                         word (not even a "?"), whatever the problem score (confidence
                         at most `TOPIC_ALONE_CONFIDENCE`, so an officer reviews it);
8. lainnya               nothing fired (chit-chat, greetings, very short texts).

A category keyword alone does not make a complaint: people name buses, trains and schools in
chit-chat too. On the labelled dev tweets, "any category keyword means pengaduan" lowered kind
accuracy from 0.75 to 0.62 (benchmarks/evaluate_rules.py). Those tweets are Indonesian, and
for Indonesian the statistical model reads the rest of the text (`ingest.decide`). For English
the model knows almost nothing, so the rules decide alone; an English mention to a complaint
account that names a public service and says nothing the table recognises as a question,
thanks, suggestion or chit-chat is most often a complaint described in words the table lacks
(step 7; measured with benchmarks/evaluate_written.py).
"""

from __future__ import annotations

import csv
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

RULES_DIR = Path(str(resources.files("ingest") / "rules"))  # not __file__: wrong in a compiled module
KEYWORDS_FILE = RULES_DIR / "keywords.toml"
CATEGORIES_FILE = RULES_DIR / "categories.csv"
KINDS_FILE = RULES_DIR / "kinds.csv"

NO_CATEGORY = "lainnya"
KINDS_WITH_CATEGORY = frozenset({"pengaduan", "aspirasi"})
SIGNAL_KINDS = ("spam", "lainnya", "apresiasi", "permintaan_informasi", "aspirasi", "pengaduan")
REQUEST = "permohonan"
TOPIC_ALONE_LANGUAGES = frozenset({"en"})  # step 7 of the kind order (see the docstring)
TOPIC_ALONE_CONFIDENCE = 0.45
WORD_CACHE = 50_000  # distinct words whose keyword starts stay cached (a few MB)  # the [signals.permohonan] table: "tolong", "mohon", "minta"…

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_MASK = re.compile(r"\[(?:NIK|TELEPON|EMAIL|NOMOR)\]", re.IGNORECASE)
_REPEATED_LETTER = re.compile(r"([^\W\d_])\1+")
_REPEATED_ASCII_LETTER = re.compile(r"([a-z])\1+")  # the same on folded ASCII text, twice as fast
_REDUPLICATION = re.compile(r"\b([^\W\d_]{2,})2(?=\s|$)")  # "anak2" → "anak anak"
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_ASCII_WORD = re.compile(r"[^a-z0-9]+")  # the same on folded ASCII text, a little faster


@dataclass(frozen=True)
class Keyword:
    """One operator-written keyword and its weight; `tokens` is its folded form."""

    phrase: str
    weight: float
    tokens: tuple[str, ...] = ()
    wildcard: bool = False  # a token starts or ends with "*"

    @property
    def length(self) -> tuple[int, int]:
        """Sort key: a keyword of more words, then of more letters, is the longer one."""
        return len(self.tokens), len(self.phrase)


@dataclass(frozen=True)
class KeywordTable:
    """The keywords of one kind, category or signal, matched on whole words."""

    code: str
    keywords: tuple[Keyword, ...]
    by_first_word: dict[str, tuple[int, ...]] = field(default_factory=dict, hash=False)
    wildcard_first: tuple[int, ...] = ()  # keywords whose first word starts or ends with "*"
    first_words: frozenset[str] = frozenset()  # the keys of by_first_word
    wildcard_pattern: re.Pattern[str] | None = None  # any wildcard first word, as one regex
    single_words: frozenset[int] = frozenset()  # keywords of one word without a wildcard

    def matches(self, words: tuple[str, ...]) -> tuple[Keyword, ...]:
        """Return the keywords found in folded `words`, each once; a longer phrase wins."""
        if not self.wildcard_first and self.first_words.isdisjoint(words):
            return ()  # no keyword can start anywhere: the common case, decided in C
        positions, unique = _positions(words)
        starts = {word: self.plan(found) for word in unique if (found := self.candidates(word))}
        return self.scan(words, positions, starts)

    def candidates(self, word: str) -> tuple[int, ...]:
        """Return the keywords (indices) whose first word matches `word`."""
        exact = self.by_first_word.get(word, ())
        if self.wildcard_pattern is None or not self.wildcard_pattern.fullmatch(word):
            return exact
        return exact + tuple(i for i in self.wildcard_first if _token_matches(self.keywords[i].tokens[0], word))

    def plan(self, candidates: tuple[int, ...]) -> Plan:
        """Sort the keywords that may start at a word by the word they need next (see `Plan`)."""
        by_second: dict[str, list[int]] = {}
        for i in candidates:
            tokens = self.keywords[i].tokens
            if len(tokens) > 1 and "*" not in tokens[1]:
                by_second.setdefault(tokens[1], [])
        for second, kept in by_second.items():
            kept.extend(i for i in candidates if _may_follow(self.keywords[i].tokens, second))
        others = tuple(i for i in candidates if _may_follow(self.keywords[i].tokens, None))
        return others, {second: tuple(kept) for second, kept in by_second.items()}

    def scan(
        self, words: tuple[str, ...], positions: dict[str, list[int]], starts: dict[str, Plan]
    ) -> tuple[Keyword, ...]:
        """Return the keywords found from the positions of the words in `starts` (word: its plan)."""
        seen: dict[int, Keyword] = {}
        free = 0  # a match covers its words: the next one starts after it
        last = len(words) - 1
        for position in sorted(p for word in starts for p in positions[word]):
            if position < free:
                continue
            others, by_second = starts[words[position]]
            if not by_second and len(others) == 1 and others[0] in self.single_words:
                best = others[0]  # a one-word keyword: it matches where its word stands
                if self.keywords[best].weight:  # weight 0: it only hides its words
                    seen.setdefault(best, self.keywords[best])
                free = position + 1
                continue
            candidates = by_second.get(words[position + 1], others) if position < last else others
            found = [i for i in candidates if _matches_at(self.keywords[i], words, position)]
            if found:
                best = max(found, key=lambda i: self.keywords[i].length)
                if self.keywords[best].weight:
                    seen.setdefault(best, self.keywords[best])
                free = position + len(self.keywords[best].tokens)
        return tuple(seen.values())


# The keywords that may start at one word, split by what must come next: (those that do not
# need a given next word, in table order; for each next word some keyword needs, every keyword
# that may match before it, in table order). Checking only these finds the same keywords as
# checking them all, in the same order, so the longest match and ties come out the same.
Plan = tuple[tuple[int, ...], dict[str, tuple[int, ...]]]


def _may_follow(tokens: tuple[str, ...], second: str | None) -> bool:
    """Tell whether a keyword may match before `second` (None: a word no keyword names)."""
    if len(tokens) == 1 or "*" in tokens[1]:
        return True
    return tokens[1] == second


@lru_cache(maxsize=8)
def _positions(words: tuple[str, ...]) -> tuple[dict[str, list[int]], frozenset[str]]:
    """Return where each word of a text stands, and its distinct words (shared by all tables)."""
    positions: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        positions.setdefault(word, []).append(position)
    return positions, frozenset(positions)


def _matches_at(keyword: Keyword, words: tuple[str, ...], position: int) -> bool:
    """Tell whether a keyword's tokens match `words` from `position` on."""
    tokens = keyword.tokens
    if words[position : position + len(tokens)] == tokens:
        return True  # the common case: no wildcard, compared in C
    if not keyword.wildcard or position + len(tokens) > len(words):
        return False
    return all(_token_matches(t, w) for t, w in zip(tokens, words[position:]))


def _token_matches(token: str, word: str) -> bool:
    if not token.startswith("*") and not token.endswith("*"):
        return token == word
    core = token.strip("*")
    if token.startswith("*") and token.endswith("*"):
        return core in word
    return word.startswith(core) if token.endswith("*") else word.endswith(core)


def _table(code: str, keywords: tuple[Keyword, ...]) -> KeywordTable:
    """Index keywords by their first word so a text is scanned once per table."""
    by_first: dict[str, list[int]] = {}
    wildcard: list[int] = []
    for index, keyword in enumerate(keywords):
        first = keyword.tokens[0]
        if "*" in first:
            wildcard.append(index)
        else:
            by_first.setdefault(first, []).append(index)
    index_map = {word: tuple(indexes) for word, indexes in by_first.items()}
    firsts = sorted({keywords[i].tokens[0] for i in wildcard})
    pattern = re.compile("|".join(".*".join(map(re.escape, first.split("*"))) for first in firsts)) if firsts else None
    single = frozenset(i for i, k in enumerate(keywords) if len(k.tokens) == 1 and not k.wildcard)
    return KeywordTable(code, keywords, index_map, tuple(wildcard), frozenset(index_map), pattern, single)


def _start_index(tables: tuple[KeywordTable, ...]) -> Callable[[str], tuple[tuple[int, Plan], ...]]:
    """Return a cached function: the tables (and keywords) in which a word may begin a keyword.

    Words repeat across texts, so each word's lookup over all tables (wildcards included)
    runs once and the per-text cost is one cached call per distinct word.
    """

    @lru_cache(maxsize=WORD_CACHE)
    def starts(word: str) -> tuple[tuple[int, Plan], ...]:
        found = ((number, table.candidates(word)) for number, table in enumerate(tables))
        return tuple((number, tables[number].plan(candidates)) for number, candidates in found if candidates)

    return starts


@dataclass(frozen=True)
class Settings:
    """The thresholds of `[settings]` in keywords.toml."""

    kind_threshold: float = 2.0
    spam_threshold: float = 3.0
    question_mark_weight: float = 1.0
    shortener_weight: float = 2.0
    category_threshold: float = 2.0
    category_strong: float = 4.0


@dataclass(frozen=True)
class Rules:
    """A parsed, validated keyword table."""

    kinds: tuple[KeywordTable, ...]
    categories: tuple[KeywordTable, ...]
    signals: tuple[KeywordTable, ...]
    settings: Settings
    shortener_hosts: frozenset[str]
    kind_codes: frozenset[str]
    category_codes: frozenset[str]
    # word -> ((table number in `tables`, the plan of its keyword candidates), ...); set in __post_init__
    starts: Callable[[str], tuple[tuple[int, Plan], ...]] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "starts", _start_index(self.tables))

    @property
    def tables(self) -> tuple[KeywordTable, ...]:
        """Return every table: kinds, then categories, then signals."""
        return self.kinds + self.categories + self.signals

    def match_all(self, words: tuple[str, ...]) -> tuple[tuple[Keyword, ...], ...]:
        """Return the keywords found in `words` for every table of `tables`, in one pass."""
        positions, unique = _positions(words)
        starts: dict[int, dict[str, Plan]] = {}
        for word in unique:
            for number, plan in self.starts(word):
                starts.setdefault(number, {})[word] = plan
        return tuple(
            table.scan(words, positions, starts[number]) if number in starts else ()
            for number, table in enumerate(self.tables)
        )

    def kind_table(self, code: str) -> KeywordTable:
        """Return the table for kind `code` (empty when keywords.toml has none)."""
        return next((t for t in self.kinds if t.code == code), None) or _table(code, ())

    def signal_table(self, code: str) -> KeywordTable:
        """Return the table for signal `code` (empty when keywords.toml has none)."""
        return next((t for t in self.signals if t.code == code), None) or _table(code, ())


@dataclass(frozen=True)
class CategoryGuess:
    """The best-matching category of a text, whatever its kind."""

    category: str
    confidence: float
    reasons: tuple[str, ...]
    scores: tuple[tuple[str, float], ...] = ()  # the summed weight of every category that matched


@dataclass(frozen=True)
class Classification:
    """What a mention is (a kinds.csv code) and what it is about (a categories.csv code)."""

    kind: str
    category: str
    kind_confidence: float
    category_confidence: float
    reasons: tuple[str, ...]
    # The summed keyword weights of each kind table and of the request signal, as matched on
    # the words alone (no "?" or link bonus): the trained model reads them (`ingest.decide`).
    keyword_scores: tuple[tuple[str, float], ...] = ()
    # The summed keyword weights of every category that matched (`CategoryGuess.scores`).
    category_scores: tuple[tuple[str, float], ...] = ()


# Minang (the language of Sumatera Barat, the pilot province) and Javanese spellings of words
# that complaints turn on, read as the Indonesian words the keyword tables are written in:
# "sampah indak diangkuik" is "sampah tidak diangkut". Keys are folded like texts (no letter
# twice in a row); only forms that mean nothing else in Indonesian are listed ("ka", "lah",
# "alun" and "awak" are not).
REGIONAL_SPELLINGS: dict[str, str] = {
    # both sides folded as texts are ("manunggu" is met as "manungu"); "_" joins a phrase's words
    _REPEATED_ASCII_LETTER.sub(r"\1", spelling): _REPEATED_ASCII_LETTER.sub(r"\1", word.replace("_", " "))
    for spelling, word in (pair.split(":") for pair in """
    indak:tidak ndak:tidak ambo:saya ado:ada iko:ini sajo:saja bana:sangat dima:dimana
    bilo:kapan paralu:perlu kampuang:kampung banjia:banjir galodo:banjir_bandang aia:air
    listriak:listrik diangkuik:diangkut angkuik:angkut kabakaran:kebakaran tabakar:terbakar
    longsua:longsor jambatan:jembatan sakik:sakit tampek:tempat kantua:kantor
    diparbaiki:diperbaiki parbaiki:perbaiki mamparbaiki:memperbaiki pambangunan:pembangunan
    pamarintah:pemerintah mangalia:mengalir taruih:terus hanyuik:hanyut tatimpo:tertimpa
    sajak:sejak kapatang:kemarin lamo:lama gadang:besar
    tibo:tiba bukak:buka panuah:penuh runtuah:runtuh rubuah:roboh jatuah:jatuh tutuik:tutup
    ditutuik:ditutup tatutuik:tertutup putuih:putus taputuih:terputus habih:habis busuak:busuk
    masuak:masuk iduik:hidup naiak:naik harago:harga lado:cabai pasa:pasar urang:orang
    mande:ibu amak:ibu adiak:adik alah:sudah balun:belum baa:bagaimana caro:cara
    manga:kenapa apo:apa siko:sini nan:yang juo:juga lai:apakah ciek:satu duo:dua tigo:tiga
    ampek:empat limo:lima taun:tahun karajo:kerja bakarajo:bekerja pakarajoan:pekerjaan
    rancak:bagus tarimo:terima mambantu:membantu mintak:minta dimintak:diminta agiah:beri
    diagiah:diberi bao:bawa dibao:dibawa bayia:bayar dibayia:dibayar mambayia:membayar
    sakola:sekolah sakolah:sekolah murik:murid surek:surat mangurus:mengurus banda:selokan
    dindiang:dinding musajik:masjid labek:lebat ujan:hujan lobang:lubang kumuah:kumuh
    baliak:kembali patang:kemarin bisuak:besok isuak:besok satiok:setiap tiok:tiap
    sadang:sedang samo:sama manunggu:menunggu padusi:perempuan pitih:uang tangah:tengah
    ateh:atas dakek:dekat jauah:jauh ketek:kecil saketek:sedikit lambek:lambat
    talambek:terlambat dapek:dapat ilang:hilang tingga:tinggal kalua:keluar japuik:jemput
    dijapuik:dijemput tuo:tua manang:menang mangadu:mengadu
    """.split())
}
_MINANG_SUFFIX = "nyo"  # "caronyo" is "caranya": the suffix, and the word before it, read as Indonesian


@lru_cache(maxsize=16)
def normalise_text(text: str) -> str:
    """Fold a text for matching: NFKC, casefold, no URLs, mentions or punctuation, "aaa" → "a".

    Regional spellings (`REGIONAL_SPELLINGS`) become their Indonesian words.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    if "/" in text or "www" in text or "@" in text:  # the checks skip passes that cannot match
        text = _MENTION.sub(" ", _URL.sub(" ", text))
    if "[" in text:
        text = _MASK.sub(" ", text)
    is_ascii = text.isascii()
    text = (_NOT_ASCII_WORD if is_ascii else _NOT_WORD).sub(" ", text)
    if "2" in text:  # "anak2"
        text = _REDUPLICATION.sub(r"\1 \1", text)
    text = (_REPEATED_ASCII_LETTER if is_ascii else _REPEATED_LETTER).sub(r"\1", text)
    words = text.split()
    if _MINANG_SUFFIX in text:
        words = [_minang_suffix(word) for word in words]
    return " ".join(map(REGIONAL_SPELLINGS.get, words, words))


def _minang_suffix(word: str) -> str:
    """Return "caronyo" as "caranya", "dokternyo" as "dokternya"; other words unchanged."""
    if len(word) < 6 or not word.endswith(_MINANG_SUFFIX):
        return word
    base = word[: -len(_MINANG_SUFFIX)]
    return REGIONAL_SPELLINGS.get(base, base) + "nya"


def load_rules(path: Path | None = None) -> Rules:
    """Parse and validate keywords.toml; raise ValueError naming the bad entry and file."""
    path = path or KEYWORDS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error
    known = {"settings", "shorteners", "kinds", "categories", "signals"}
    if unknown := sorted(set(data) - known):
        raise ValueError(f"{path}: unknown section [{unknown[0]}]; expected one of {sorted(known)}")
    kind_codes = _codes(KINDS_FILE)
    category_codes = _codes(CATEGORIES_FILE)
    return Rules(
        kinds=_tables(data.get("kinds", {}), "kinds", kind_codes, KINDS_FILE, path),
        categories=_tables(
            data.get("categories", {}), "categories", category_codes, CATEGORIES_FILE, path
        ),
        signals=_tables(data.get("signals", {}), "signals", frozenset({REQUEST}), None, path),
        settings=_settings(data.get("settings", {}), path),
        shortener_hosts=_hosts(data.get("shorteners", {}), path),
        kind_codes=kind_codes,
        category_codes=category_codes,
    )


def _codes(csv_path: Path) -> frozenset[str]:
    with csv_path.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["code"] for row in csv.DictReader(handle))


def _tables(
    section: object, name: str, codes: frozenset[str], codes_file: Path | None, path: Path
) -> tuple[KeywordTable, ...]:
    """Build the keyword tables of one section, checking each code against its CSV."""
    if not isinstance(section, dict):
        raise ValueError(f"{path}: [{name}] must be a table of tables")
    tables = []
    for code, entries in section.items():
        if code not in codes:
            where = f"a code in {codes_file.name}" if codes_file else f"one of {sorted(codes)}"
            raise ValueError(f"{path}: [{name}.{code}]: {code!r} is not {where}")
        if not isinstance(entries, dict):
            raise ValueError(f"{path}: [{name}.{code}] must map keywords to weights")
        keywords = tuple(_keyword(phrase, weight, f"[{name}.{code}]", path)
                         for phrase, weight in entries.items())
        tables.append(_table(code, keywords))
    return tuple(tables)


def _keyword(phrase: str, weight: object, where: str, path: Path) -> Keyword:
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
        raise ValueError(f"{path}: {where} {phrase!r}: weight must be a number, 0 or more")
    tokens = _keyword_tokens(phrase)
    if not tokens or not any(t.strip("*") for t in tokens):
        raise ValueError(f"{path}: {where} {phrase!r}: keyword has no letters or digits")
    return Keyword(phrase, float(weight), tokens, any("*" in t for t in tokens))


def _keyword_tokens(phrase: str) -> tuple[str, ...]:
    """Fold a keyword like a text, keeping a leading or trailing "*" as a wildcard."""
    stripped = phrase.strip()
    tokens = normalise_text(stripped.replace("*", " ")).split()
    if tokens and stripped.startswith("*"):
        tokens[0] = "*" + tokens[0]
    if tokens and stripped.endswith("*"):
        tokens[-1] = tokens[-1] + "*"
    return tuple(tokens)


def _hosts(section: object, path: Path) -> frozenset[str]:
    hosts = section.get("hosts", []) if isinstance(section, dict) else None
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise ValueError(f"{path}: [shorteners] hosts must be a list of host names")
    return frozenset(h.casefold() for h in hosts)


def _settings(section: object, path: Path) -> Settings:
    if not isinstance(section, dict):
        raise ValueError(f"{path}: [settings] must be a table")
    defaults = Settings()
    for key, value in section.items():
        if not hasattr(defaults, key):
            raise ValueError(f"{path}: [settings] {key!r} is not a known setting")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{path}: [settings] {key!r} must be a non-negative number")
    return Settings(**{key: float(value) for key, value in section.items()})


DEFAULT_RULES = load_rules()


def classify(text: str, language: str = "id", rules: Rules = DEFAULT_RULES) -> Classification:
    """Return the kind and category of a mention, with the keywords that decided them."""
    words = tuple(normalise_text(text).split())
    matched = rules.match_all(words)
    kinds, categories = len(rules.kinds), len(rules.categories)
    topic = _categorise_matches(zip(rules.categories, matched[kinds : kinds + categories]), rules)
    by_code = {table.code: found for table, found in zip(rules.kinds, matched)}
    found = {code: by_code.get(code, ()) for code in SIGNAL_KINDS}
    signals = {table.code: found for table, found in zip(rules.signals, matched[kinds + categories :])}
    found[REQUEST] = signals.get(REQUEST, ())
    kind, kind_confidence, kind_reasons = _decide_kind(text, bool(words), found, topic, rules, language)
    keyword_scores = tuple((code, _score(found[code])) for code in (*SIGNAL_KINDS, REQUEST))
    if kind in KINDS_WITH_CATEGORY:
        category, category_confidence, category_reasons = (
            topic.category, topic.confidence, topic.reasons
        )
    else:
        category, category_confidence = NO_CATEGORY, 0.0
        category_reasons = (f"category={NO_CATEGORY}: kind {kind} takes no category",)
    reasons = kind_reasons + category_reasons
    if language not in ("id", "en"):
        kind_confidence, category_confidence = kind_confidence / 2, category_confidence / 2
        reasons += (f"language={language}: rules are written for id and en; confidence halved",)
    return Classification(
        kind, category, round(kind_confidence, 3), round(category_confidence, 3), reasons, keyword_scores, topic.scores
    )


def categorise(text: str, rules: Rules = DEFAULT_RULES) -> CategoryGuess:
    """Return the category whose keywords weigh most in `text`, whatever the message kind."""
    return _categorise_words(tuple(normalise_text(text).split()), rules)


def _categorise_words(words: tuple[str, ...], rules: Rules) -> CategoryGuess:
    kinds = len(rules.kinds)
    return _categorise_matches(zip(rules.categories, rules.match_all(words)[kinds : kinds + len(rules.categories)]), rules)


def _categorise_matches(matched: Iterable[tuple[KeywordTable, tuple[Keyword, ...]]], rules: Rules) -> CategoryGuess:
    scored = [(_score(found), i, t, found) for i, (t, found) in enumerate(matched) if found]
    if not scored:
        return CategoryGuess(NO_CATEGORY, 0.0, (f"category={NO_CATEGORY}: no keyword matched",))
    scores = tuple((t.code, score) for score, _, t, _ in scored if score)
    best_score, _, best, found = max(scored, key=lambda s: (s[0], -s[1]))
    if best_score < rules.settings.category_threshold:
        reason = f"category={NO_CATEGORY}: best ({best.code}, {best_score:g}) below threshold"
        return CategoryGuess(NO_CATEGORY, 0.0, (reason,), scores)
    share = best_score / sum(score for score, *_ in scored)
    damping = min(1.0, best_score / rules.settings.category_strong)
    reason = f"category={best.code}: matched {_quoted(found)}"
    return CategoryGuess(best.code, round(share * damping, 3), (reason,), scores)


def _decide_kind(
    text: str,
    has_words: bool,
    found: dict[str, tuple[Keyword, ...]],
    topic: CategoryGuess,
    rules: Rules,
    language: str = "id",
) -> tuple[str, float, tuple[str, ...]]:
    """Walk the kind order of the module docstring; return (kind, confidence, reasons)."""
    hits = _kind_evidence(text, found, rules)
    scores = {code: _score(found) for code, found in hits.items()}
    threshold = rules.settings.kind_threshold
    problem = scores["pengaduan"]
    calm = problem < threshold
    rivals = max(scores["permintaan_informasi"], scores["aspirasi"])
    request = found[REQUEST]
    requested = bool(request) and topic.category != NO_CATEGORY
    praised = _praise_wins(scores["apresiasi"], problem, rivals, threshold)
    fired = [
        ("spam", scores["spam"] >= rules.settings.spam_threshold),
        ("lainnya", scores["lainnya"] >= threshold and calm),
        ("apresiasi", praised and not requested),
        ("permintaan_informasi", scores["permintaan_informasi"] >= threshold and calm),
        ("aspirasi", scores["aspirasi"] >= threshold and problem < 2 * threshold),
        ("pengaduan", not calm),
    ]
    for kind, fires in fired:
        if fires:
            reason = f"kind={kind}: matched {_quoted(hits[kind])}"
            return kind, _kind_confidence(kind, scores, threshold), (reason,)
    if requested:
        reason = f"kind=pengaduan: a request ({_quoted(request)}) about {topic.category}"
        return "pengaduan", min(0.6, topic.confidence), (reason,)
    others = (score for code, score in scores.items() if code != "pengaduan")
    if language in TOPIC_ALONE_LANGUAGES and topic.category != NO_CATEGORY and not any(others):
        reason = f"kind=pengaduan: names {topic.category} and no other kind's words (language={language})"
        return "pengaduan", min(TOPIC_ALONE_CONFIDENCE, topic.confidence), (reason,)
    return "lainnya", 0.5 if has_words else 0.9, ("kind=lainnya: no kind rule fired",)


def _praise_wins(praise: float, problem: float, rivals: float, threshold: float) -> bool:
    """Thanks win with no problem word at all, strong praise also over one weak problem word."""
    if praise < threshold or praise <= rivals:
        return False
    return problem == 0 or (praise > threshold and problem < threshold)


def _kind_evidence(
    text: str, found: dict[str, tuple[Keyword, ...]], rules: Rules
) -> dict[str, tuple[Keyword, ...]]:
    """Return the keywords found for each kind, plus "?" and shortened links."""
    hits = {code: found[code] for code in SIGNAL_KINDS}
    linked = "://" in text or "www." in text.lower()  # what _URL needs: most texts have no link
    urls = _URL.findall(text) if linked else []
    if "?" in (_URL.sub(" ", text) if linked else text):
        hits["permintaan_informasi"] += (Keyword("?", rules.settings.question_mark_weight),)
    hosts = {_host(url) for url in urls} & rules.shortener_hosts
    if hosts:
        link = Keyword(f"link {min(hosts)}", rules.settings.shortener_weight)
        hits["spam"] += (link,)
    return hits


def _host(url: str) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.casefold())
    return host.split("/")[0]


def _kind_confidence(kind: str, scores: dict[str, float], threshold: float) -> float:
    """Share of the winning kind's score among all kind scores, damped near the threshold."""
    total = sum(scores.values())
    share = scores[kind] / total if total else 0.0
    return share * min(1.0, scores[kind] / (2 * threshold))


def _score(found: tuple[Keyword, ...]) -> float:
    return sum(keyword.weight for keyword in found)


def _quoted(found: tuple[Keyword, ...]) -> str:
    return ", ".join(f'"{keyword.phrase}"' for keyword in found)
