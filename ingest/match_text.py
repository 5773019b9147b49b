"""Text for near-duplicate matching: normalised words, the details that tell two problems apart.

Pure. `normalise_for_matching` folds case, Unicode, links, handles, hashtags, stretched letters
and slang but keeps every number; `distinguishing_details` reads the house, RT/RW, gang, block
and street numbers and names that make "depan rumah no 29" another pothole than "no 15";
`similarity` is rapidfuzz's verdict on two normalised texts.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import dropwhile

from rapidfuzz import fuzz

_INVISIBLE = re.compile("[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff]")
_LINK_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|@\w+", re.IGNORECASE)
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_RANGE = re.compile(r"\b(\d{1,4}) ?(?:-|s/d) ?(\d{1,4})\b(?! ?[-/])")  # "no 39-45"
_SLASHED = re.compile(r"\b(\d{1,3}[a-z]?) ?/ ?(\d{1,4}[a-z]?)\b(?! ?/)")  # "kapas baru 10/51"
_NOT_WORD = re.compile(r"[\W_]+")
_PIECES = re.compile(r"\d+(?:[^\W\d_](?![^\W\d_]))?|\D+")  # "rt03" is "rt 03", "no29a" is "no 29a"
_NUMBER = re.compile(r"^\d+[a-z]?$")
_REDUPLICATED = re.compile(r"^([a-z]{3,})2$")  # "jalan2" is "jalan jalan"

_SLANG_SPELLINGS = {
    "yang": "yg yng", "tidak": "gak ga gk ngga nggak enggak engga ndak nda tdk tak kagak",
    "dengan": "dgn dg", "jalan": "jln jl jaln", "karena": "krn karna krna", "sudah": "sdh udh udah uda dah",
    "belum": "blm blum blom lom", "untuk": "utk untk tuk", "tapi": "tp tpi", "saya": "sy sya aku aq gw gue gua",
    "dari": "dr", "kepada": "kpd", "dalam": "dlm", "sama": "sm", "juga": "jg", "lagi": "lg lgi",
    "bisa": "bs", "terus": "trs", "bagaimana": "gmn gimana", "kalau": "kalo klo kl", "pada": "pd",
    "orang": "org", "tahun": "thn th", "bulan": "bln", "hari": "hr", "tanggal": "tgl", "mohon": "mhn mhon",
    "tolong": "tlg", "bapak": "bpk pak", "segera": "sgr", "sekarang": "skrg skrng", "depan": "dpn dpan",
    "belakang": "blkg", "sebelah": "sblh", "masuk": "msk", "kelurahan": "kel", "kecamatan": "kec",
    "kabupaten": "kab", "gang": "gg", "nomor": "no nmr nomer nmor", "lantai": "lt", "kavling": "kav",
    "banget": "bgt", "saja": "aja aj sj", "seperti": "spt kayak kyk", "tersebut": "tsb", "masih": "msh",
    "banyak": "byk bnyk", "rumah": "rmh", "jadi": "jd jdi", "atau": "ato atw", "ini": "nih", "itu": "tu",
    "sampai": "sampe smpe smpek", "terima": "trima", "kasih": "ksh", "admin": "min mimin", "kenapa": "knp",
}
# Roman alley and street numbers ("gang III"); lone i, v and x only after a label (see _numbers_after).
_ROMAN = {r: str(i) for i, r in enumerate("ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx".split(), 2)
          if len(r) > 1}
_REPEATED = re.compile(r"([a-z])\1+")


def _collapse(word: str) -> str:
    """Return word with runs of one letter cut to one ("rusaaak", "nggak" become "rusak", "ngak")."""
    return _REPEATED.sub(r"\1", word)


_SLANG = {_collapse(s): _collapse(word) for word, spellings in _SLANG_SPELLINGS.items() for s in spellings.split()}


def normalise_for_matching(text: str) -> str:
    """Return text reduced for near-duplicate matching: case, links, handles, slang, spelling."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        text = _INVISIBLE.sub("", text)
    if "@" in text or "://" in text or "www." in text.lower():
        text = _LINK_OR_HANDLE.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda m: " " + _CAMEL.sub(" ", m.group(1)), text)
    text = text.casefold()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    if "-" in text or "/" in text:
        text = _SLASHED.sub(_house_number, _RANGE.sub(r"\1 sampai \2", text).replace("a/n", "an"))
    return " ".join(map(_word, _NOT_WORD.sub(" ", text).split()))


def _house_number(match: re.Match[str]) -> str:
    """Return "10 nomor 51" for "10/51" after a street name (not for dates or RT/RW pairs)."""
    before = match.string[max(0, match.start() - 4) : match.start()]
    return f"{match[1]} nomor {match[2]}" if len(before) == 4 and before[:3].isalpha() and before[3] == " " else match[0]


@lru_cache(maxsize=1 << 16)
def _word(token: str) -> str:
    """Return one token's matching form: numbers without leading zeros, slang spelled out."""
    if token.isdigit():
        return token.lstrip("0") or "0"
    twice = _REDUPLICATED.match(token)
    if twice and twice[1] not in _SLOT_WORDS:
        return f"{_piece(twice[1])} {_piece(twice[1])}"
    if token.isalpha():
        return _piece(token)
    return " ".join(_piece(piece) for piece in _PIECES.findall(token))


def _piece(piece: str) -> str:
    if piece[0].isdigit():
        return piece.lstrip("0") or "0"
    if piece in _ROMAN:
        return _ROMAN[piece]
    collapsed = _collapse(piece)
    return _SLANG.get(collapsed, collapsed)


_SLOT_WORDS = frozenset({"gang", "blok", "lantai", "nomor", "no", "rt", "rw", "gg", "jl", "jln"})  # "gang2" is alley 2


# Words too common in complaints to tell two places or cases apart: the ~350 most frequent words
# of complaints_dev.csv and tweets_kind_dev.csv after normalising (names of places taken out),
# then greetings and complaint-topic words that the labelled pairs showed to be no evidence.
_GENERIC = frozenset(_collapse(w) for w in """
di dan yang mohon tidak saya sudah untuk ada jalan ini karena dari bisa ke dengan terima kasih belum sampai bantuan
bapak warga tapi kami juga rumah nomor rt rw hari kelurahan tolong mau sangat nya anak depan saat tersebut pohon itu
kalau lagi banyak dapat sekarang mbr atas selamat masuk segera pada air atau padahal terimakasih bantuannya saja
terkait orang bulan tahun dalam jadi sama agar kenapa pihak kecamatan hanya baru oleh apa harus tanggal sekali dinas
ibu lebih sekolah ya apakah nama sehingga sebagai gang pernah seperti pagi saluran bagaimana akan pju malam kota lama
hujan ingin kok kerja lalu data kepada mengganggu jam tetapi dibantu waktu minta lampu maaf rusak mendapatkan setelah
lanjuti surat keluhan berlubang sedangkan namun informasi tempat beberapa sampah jika raya wilayah kali tindak petugas
siang sekitar parkir semua keluar sebelumnya perbaikan mengajukan kembali besar punya pelayanan setiap buat keluarga
satu terjadi bahwa cek melaporkan lain hal alamat selalu mati lokasi tinggi sesuai tinggal pemerintah bukan kurang
assalamualaikum sering baik dilakukan melakukan membahayakan timur mulai sejak lapor malah menjadi adanya permohonan
tanya kan ijin izin salah tetap masalah pengajuan hingga kondisi adalah memang ditindak pemkot melalui selama
sepanjang padam dulu laporan lewat terus admin tua perhatiannya selesai daerah membuat kampung dikarenakan sore
sendiri ketua pengaduan barat katanya pun arah ketika mengenai hasil kemarin info datang proses pekerjaan benar
langsung titik masyarakat mampu bantu telah kantor selatan bahkan bagi hampir menunggu mana kita supaya utara tentang
kecil terlalu dekat mendapat mereka sedang tanpa kapan demikian sebelum butuh secara tengah cara cukup mengingat
meminta ulang perlu alasan menerima pengguna menyampaikan solusi awal serta ucapkan area ternyata tiap apalagi
diperbaiki tindakan jelas lanjut memberikan membantu foto perhatian mungkin seharusnya sebelah ditindaklanjuti
keterangan jangan semoga termasuk sampaikan cuma bilang disuruh dimana menanyakan menggunakan maupun kemudian apapun
naik apabila akhirnya tau berada tutup parah permintaan didepan surabaya jakarta indonesia min kak pak bu mas mbak
halo hai tolonglah banget deh dong sih nih loh kah lah wkwk gimana berlobang lubang jalanan genangan banjir macet tol
siswa lengkap pasien pemohon kandung pelapor peserta yth hormat nggih maturnuwun matur nuwun ngapunten warahmatullahi
wabarakatuh wassalam wassalamualaikum dugaan tanggapan bus pipa bocor kran meteran pdam tagihan rekening kabel listrik
tiang ranting perantingan pemangkasan pemotongan penebangan paving pavingisasi aspal got selokan gorong trotoar
pengangkutan bakti tumpukan bangunan ktp akte akta kelahiran kis pbi bpjs bansos pkh blt spp ppdb zonasi pkl jukir
pungli antre antrean layanan lambat ambles amblas tersumbat mampet meluap mengalir menyala
""".split())


# Slots: a label word and the value after it. Two texts that give one label different values
# (house 29 and house 15, alley Kenanga and alley Manggis) are about different problems.
_NUMBER_LABELS = frozenset({"nomor", "rt", "rw", "gang", "blok", "kavling", "lantai", "km", "titik", "idpel"})
_NAME_LABELS = frozenset({"gang", "blok", "jalan", "kelurahan", "desa", "dusun", "kampung", "perumahan",
                          "stasiun", "halte", "jembatan", "pasar", "kota", "kabupaten", "nama", "an"})
_LABELS = _NUMBER_LABELS | _NAME_LABELS
_LETTER_LABELS = frozenset({"blok", "titik"})  # "blok c", "titik d"
_NAME_QUALIFIERS = frozenset({"siswa", "ibu", "ayah", "anak", "pasien", "pemohon", "pelapor", "peserta", "pelangan"})
_STRUCTURAL = frozenset({"raya", "kampung", "desa", "dusun", "jalan", "gang", "perumahan", "kota"})  # "jalan raya x"
_FILLERS = frozenset({"rumah", "kartu", "kamar", "pintu", "persil", "unit", "pelangan"})
_JOINERS = frozenset({"dan", "sampai"})
_ROMAN_LETTERS = {"i": "1", "v": "5", "x": "10"}
_WIDEST_RANGE = 50


# What a complaint is about. Two texts that each name a problem, with none in common (a street
# light and a fallen tree, an identity card and a family card), are about different problems.
_PROBLEM_WORDS = {
    "lubang": "lubang berlubang berlobang bolong ambles amblas aspal paving pavingisasi tambal",
    "saluran": "saluran got selokan gorong drainase tersumbat mampet tanggul",
    "banjir": "banjir genangan tergenang meluap rob", "lampu": "lampu pju penerangan",
    "pohon": "pohon ranting dahan tumbang perantingan pemangkasan pangkas penebangan",
    "sampah": "sampah tps", "air": "pdam pipa meteran kran", "tagihan": "tagihan rekening iuran denda",
    "listrik": "pln listrik", "ktp": "ktp ektp", "kk": "kk", "akta": "akta akte", "bansos": "bansos pkh bpnt blt",
    "kip": "kip pip", "seragam": "seragam", "ppdb": "ppdb zonasi", "spp": "spp",
    "bpjs": "bpjs kis pbi jkn faskes", "parkir": "parkir jukir", "pkl": "pkl berjualan pedagang",
    "bising": "bising kebisingan", "pungli": "pungli pungutan",
}
_PROBLEM = {_collapse(w): problem for problem, words in _PROBLEM_WORDS.items() for w in words.split()}
PROBLEM_LABEL = "masalah:"
_GENERIC = _GENERIC | _PROBLEM.keys()  # a problem's name says nothing about where or whose it is


def distinguishing_numbers(text: str) -> frozenset[str]:
    """Return the labelled numbers of text, e.g. {"nomor:29", "rt:3", "rw:5", "gang:3"}."""
    return frozenset(s for s in distinguishing_details(text) if any(c.isdigit() for c in s.rpartition(":")[2]))


def distinguishing_details(text: str) -> frozenset[str]:
    """Return text's labelled numbers and names, e.g. {"nomor:29", "gang:kenanga", "nama:siti aminah"}."""
    return details_of_normalised(normalise_for_matching(text))


@lru_cache(maxsize=4096)
def details_of_normalised(normalised: str) -> frozenset[str]:
    tokens = normalised.split()
    slots = {slot for i, token in enumerate(tokens) if token in _LABELS for slot in _slots_at(token, tokens[i + 1 : i + 8])}
    return frozenset(slots | {PROBLEM_LABEL + _PROBLEM[t] for t in tokens if t in _PROBLEM})


def _slots_at(label: str, following: list[str]) -> list[str]:
    if label in _NUMBER_LABELS:
        numbers = _numbers_after(label, following)
        if numbers or label not in _NAME_LABELS:
            return [f"{label}:{n}" for n in numbers]
    slots = _street_number(following[:4]) if label == "jalan" else []
    return slots + _name_after(label, following) if label in _NAME_LABELS else slots


def _numbers_after(label: str, following: list[str]) -> list[str]:
    words = following[1:] if following and following[0] in _FILLERS else following
    if not words:
        return []
    if len(words[0]) == 1 and words[0].isalpha():
        if len(words) > 1 and words[1].isdigit():
            return [words[0] + words[1]]  # "blok c 3"
        if label in _LETTER_LABELS:
            return [words[0]]
        return [_ROMAN_LETTERS[words[0]]] if words[0] in _ROMAN_LETTERS else []  # "gang v" is alley 5
    taken: list[str] = []
    for word in words:
        if not (_NUMBER.match(word) or (word in _JOINERS and taken)):
            break
        taken.append(word)
    values = [w for w in taken if w not in _JOINERS]
    for low, joiner, high in zip(taken, taken[1:], taken[2:]):
        if joiner == "sampai" and low.isdigit() and high.isdigit() and 0 < int(high) - int(low) <= _WIDEST_RANGE:
            values.extend(str(n) for n in range(int(low), int(high) + 1))
    return values


def _street_number(following: list[str]) -> list[str]:
    names: list[str] = []
    for word in following:
        if _NUMBER.match(word):
            return [f"jalan {' '.join(names)}:{word}"] if names else []
        if not word.isalpha() or word in _GENERIC:
            return []
        names.append(word)
    return []


def _name_after(label: str, following: list[str]) -> list[str]:
    """Return the one- or two-word name after a label ("kota bandung" is daerah:kota bandung)."""
    prefix = ""
    if label in ("nama", "an"):
        qualifier = following[0] if following and following[0] in _NAME_QUALIFIERS else None
        label, following = ("nama " + qualifier, following[1:]) if qualifier else ("nama", following)
    elif label in ("kota", "kabupaten"):
        label, prefix = "daerah", label + " "
    name = list(dropwhile(lambda w: w in _STRUCTURAL, following))[:2]
    if not name or not _is_specific(name[0]):
        return []
    value = " ".join(name) if len(name) == 2 and _is_specific(name[1]) else name[0]
    return [f"{label}:{prefix}{value}"]


def _is_specific(word: str) -> bool:
    return word not in _GENERIC and len(word) > 2 and word.isalpha()


def detail_conflicts(a: frozenset[str], b: frozenset[str]) -> tuple[str, ...]:
    """Return each label both sides fill with values that cannot agree, e.g. ("nomor 29 vs 15",)."""
    left, right = _by_label(a), _by_label(b)
    return tuple(
        f"{label} {'/'.join(sorted(left[label]))} vs {'/'.join(sorted(right[label]))}"
        for label in sorted(left.keys() & right.keys())
        if not _agree(left[label], right[label])
    )


def _agree(left: set[str], right: set[str]) -> bool:
    """Return whether some value is on both sides ("kalibokor" agrees with "kalibokor kencana")."""
    return any(x == y or x.startswith(y + " ") or y.startswith(x + " ") for x in left for y in right)


def _by_label(slots: frozenset[str]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for slot in slots:
        label, _, value = slot.partition(":")
        grouped.setdefault(label, set()).add(value)
    return grouped


@lru_cache(maxsize=4096)
def specific_words(text: str) -> frozenset[str]:
    """Return the words of a normalised text that can tell one place or case from another."""
    return frozenset(w for w in text.split() if _is_specific(w))


def similarity(a: str, b: str, at_least: float = 0.0) -> float:
    """Return how alike two normalised texts are, 0..1, forgiving word order and additions (rapidfuzz).

    Below `at_least` the answer is 0.0, which rapidfuzz finds faster.
    """
    cutoff = at_least * 100
    # token_ratio is the better of token_sort_ratio and token_set_ratio, computed in one pass
    return max(fuzz.ratio(a, b, score_cutoff=cutoff), fuzz.token_ratio(a, b, score_cutoff=cutoff)) / 100.0


