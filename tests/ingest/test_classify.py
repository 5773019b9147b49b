"""Rule-based classification: message kind, category, confidence, reasons and the keyword table."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.classify import (
    DEFAULT_RULES,
    KEYWORDS_FILE,
    Classification,
    categorise,
    classify,
    load_rules,
    normalise_text,
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("slot gacor hari ini maxwin", "spam"),
        ("SLOT GACOR!!! bonus new member 100%", "spam"),
        ("Selamat anda terpilih sebagai pemenang undian, info klik www.undian.com", "spam"),
        ("promo murah banget cek https://bit.ly/promo123", "spam"),
        ("terima kasih min atas bantuannya", "apresiasi"),
        ("Thank you for the quick response", "apresiasi"),
        ("mantap, pelayanannya sangat membantu", "apresiasi"),
        ("bagaimana cara lapor?", "permintaan_informasi"),
        ("min mau tanya syarat bikin KTP apa saja", "permintaan_informasi"),
        ("kapan jadwal PPDB dibuka?", "permintaan_informasi"),
        ("usul min, mohon dibuatkan halte di depan pasar", "aspirasi"),
        ("saran saya sebaiknya jam operasional puskesmas ditambah", "aspirasi"),
        ("jalan berlubang di depan pasar", "pengaduan"),
        ("sampah menumpuk sudah seminggu tidak diangkut", "pengaduan"),
        ("air PDAM mati sejak kemarin", "pengaduan"),
        ("ada pungli di kantor kelurahan", "pengaduan"),
        ("mohon dipangkas pohon depan rumah, terima kasih", "pengaduan"),
        ("jalan rusak, tolong diperbaiki, terima kasih", "pengaduan"),
        ("cek dm", "lainnya"),
        ("ok", "lainnya"),
        ("selamat pagi", "lainnya"),
        ("Hai Kak, mohon maaf atas ketidaknyamanannya, silakan DM ya", "lainnya"),
        ("", "lainnya"),
    ],
)
def test_kind(text, kind):
    assert classify(text).kind == kind


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("jalan berlubang di depan pasar", "infrastruktur"),
        ("saluran got mampet, air meluber ke jalan", "infrastruktur"),
        ("sampah menumpuk dan bau busuk di TPS", "lingkungan"),
        ("pohon tumbang menutup jalan, mohon dipangkas", "lingkungan"),
        ("bansos BLT belum cair padahal terdaftar DTKS", "sosial"),
        ("parkir liar dan jukir minta uang lebih", "perhubungan"),
        ("lampu PJU padam sudah 3 hari", "perhubungan"),
        ("KRL telat terus, tolong diperbaiki", "perhubungan"),
        ("blangko e-KTP habis terus di Dukcapil", "kependudukan"),
        ("PPDB zonasi kacau, anak saya tidak diterima di SMPN", "pendidikan"),
        ("antrian BPJS di puskesmas lama sekali", "kesehatan"),
        ("listrik padam terus, PLN tidak ada kabar", "utilitas"),
        ("gas elpiji 3 kg langka di warung", "utilitas"),
        ("PKL liar di trotoar, mohon Satpol PP bertindak", "ketertiban"),
        ("sudah daftar rusunawa sejak 2019 belum dapat unit", "perumahan"),
        ("gaji di bawah UMR dan di-PHK sepihak", "ketenagakerjaan"),
        ("petugas kelurahan tidak ramah saat urus surat pengantar", "pemerintahan"),
        ("bantuan modal usaha UMKM belum cair", "ekonomi"),
        ("tagihan PBB dobel, SPPT salah alamat", "pajak"),
        ("banjir setinggi lutut masuk rumah warga", "bencana"),
        ("paket kiriman pos indonesia tidak sampai", "lainnya"),
    ],
)
def test_category_of_a_complaint(text, category):
    assert categorise(text).category == category


def test_complaint_carries_kind_category_and_readable_reasons():
    result = classify("jalan rusak dan berlubang, tolong diperbaiki")
    assert (result.kind, result.category) == ("pengaduan", "infrastruktur")
    assert 0.0 < result.kind_confidence <= 1.0 and 0.0 < result.category_confidence <= 1.0
    assert result.reasons[0].startswith("kind=pengaduan: matched ")
    assert result.reasons[1] == 'category=infrastruktur: matched "jalan rusak", "berlubang"'


def test_longer_phrase_hides_the_words_inside_it():
    assert categorise("pohon tumbang").reasons == ('category=lingkungan: matched "pohon tumbang"',)


@pytest.mark.parametrize("text", ["bagaimana cara urus KTP?", "terima kasih, KTP saya sudah jadi"])
def test_kinds_other_than_complaints_and_suggestions_take_no_category(text):
    result = classify(text)
    assert result.category == "lainnya" and result.category_confidence == 0.0


def test_category_confidence_is_zero_when_nothing_matched():
    result = categorise("halo selamat siang semuanya")
    assert (result.category, result.confidence) == ("lainnya", 0.0)


def test_one_weak_hit_gives_less_confidence_than_a_strong_one():
    weak = categorise("ada lubang di situ")
    strong = categorise("jalan rusak berlubang, aspal mengelupas")
    assert weak.category == strong.category == "infrastruktur"
    assert weak.confidence < strong.confidence


def test_other_language_halves_the_confidence_and_says_so():
    indonesian = classify("jalan rusak berlubang", "id")
    other = classify("jalan rusak berlubang", "other")
    assert other.kind_confidence == pytest.approx(indonesian.kind_confidence / 2, abs=0.001)
    assert other.reasons[-1].startswith("language=other")


@pytest.mark.parametrize(
    ("fancy", "plain"),
    [
        ("𝐣𝐚𝐥𝐚𝐧 𝐛𝐞𝐫𝐥𝐮𝐛𝐚𝐧𝐠 di depan pasar", "jalan berlubang di depan pasar"),
        ("𝘀𝗹𝗼𝘁 𝗴𝗮𝗰𝗼𝗿 𝗺𝗮𝘅𝘄𝗶𝗻", "slot gacor maxwin"),
        ("ＰＤＡＭ ａｉｒ ｍａｔｉ", "PDAM air mati"),
    ],
)
def test_fancy_unicode_classifies_like_plain_text(fancy, plain):
    assert classify(fancy) == classify(plain)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Jalannya PARAHHHH!!!", "jalanya parah"),
        ("@lapor1708 sampah numpuk https://t.co/x #SurabayaBersih", "sampah numpuk surabayabersih"),
        ("anak2 main petasan", "anak anak main petasan"),
        ("e-KTP hilang", "e ktp hilang"),
        ("bangettt lamaaa", "banget lama"),
        ("NIK [NIK] belum aktif", "nik belum aktif"),
    ],
)
def test_normalise_text(text, folded):
    assert normalise_text(text) == folded


def test_hashtag_words_still_count_but_mentions_do_not():
    assert classify("#JalanRusak di sini #berlubang").category == "infrastruktur"
    assert categorise("@DinasPendidikan halo").category == "lainnya"


def test_keywords_match_whole_words_only():
    assert categorise("gotong royong warga").category == "lainnya"  # "got" inside a word
    assert categorise("saluran got mampet").category == "infrastruktur"


def test_the_shipped_keyword_table_loads_and_covers_every_code():
    rules = load_rules()
    assert {t.code for t in rules.categories} == rules.category_codes
    assert {t.code for t in rules.kinds} == rules.kind_codes
    assert rules == DEFAULT_RULES


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "keywords.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '[categories.infrastuktur]\n"jalan rusak" = 3\n',
            "'infrastuktur' is not a code in categories.csv",
        ),
        ('[kinds.keluhan]\nrusak = 2\n', "'keluhan' is not a code in kinds.csv"),
        ('[categories.lingkungan]\nsampah = 0\n', "'sampah': weight must be a positive number"),
        ('[categories.lingkungan]\nsampah = "tinggi"\n', "weight must be a positive number"),
        ('[categories.lingkungan]\n"!!!" = 2\n', "keyword has no letters or digits"),
        ('[settings]\nspam_treshold = 3\n', "'spam_treshold' is not a known setting"),
        ('[kategori.lingkungan]\nsampah = 2\n', "unknown section [kategori]"),
        ('[categories.lingkungan\nsampah = 2\n', "not valid TOML"),
    ],
)
def test_load_rules_rejects_a_bad_table_naming_the_entry_and_file(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(ValueError) as raised:
        load_rules(path)
    assert message in str(raised.value)
    assert str(path) in str(raised.value)


def test_an_operator_table_changes_the_outcome(tmp_path):
    table = "[kinds.pengaduan]\nmacet = 2\n[categories.perhubungan]\nmacet = 3\n"
    rules = load_rules(_write(tmp_path, table))
    assert classify("macet total", "id", rules) == Classification(
        kind="pengaduan",
        category="perhubungan",
        kind_confidence=0.5,
        category_confidence=0.75,
        reasons=('kind=pengaduan: matched "macet"', 'category=perhubungan: matched "macet"'),
        keyword_scores=(("spam", 0), ("lainnya", 0), ("apresiasi", 0), ("permintaan_informasi", 0),
                        ("aspirasi", 0), ("pengaduan", 2.0), ("permohonan", 0)),
    )


def test_the_shipped_table_is_the_default_file():
    assert KEYWORDS_FILE.name == "keywords.toml" and KEYWORDS_FILE.exists()


@pytest.mark.parametrize(
    "text",
    [
        "jalan rusak parah dan banjir di depan sekolah, mohon diperbaiki",
        "kebanjiran lagi, sampahnya numpuk di selokan",
        "terima kasih pak, lampu PJU sudah nyala",
        "slot gacor maxwin klik link",
        "",
    ],
)
def test_one_pass_over_all_tables_finds_what_each_table_finds(text):
    """Rules.match_all (cached word index) equals matching every table on its own."""
    words = tuple(normalise_text(text).split())
    assert DEFAULT_RULES.match_all(words) == tuple(table.matches(words) for table in DEFAULT_RULES.tables)
