"""The words around Indonesian place names: prefixes, streets, villages and common words.

Data only; `ingest.region_names` uses it to weigh a name by the words before and after it.
"""

from __future__ import annotations

from ingest.gazetteer import DISTRICT, PROVINCE, REGENCY

# A word before a name that says which kind of area it is ("Kab. Solok", "Pemkot Padang").
PREFIXES = {
    "kota": "kota",
    "kotamadya": "kota",
    "kodya": "kota",
    "pemkot": "kota",
    "walikota": "kota",
    "kab": "kabupaten",
    "kabupaten": "kabupaten",
    "pemkab": "kabupaten",
    "bupati": "kabupaten",
    "kec": "kecamatan",
    "kecamatan": "kecamatan",
    "camat": "kecamatan",
    "prov": "provinsi",
    "provinsi": "provinsi",
    "propinsi": "provinsi",
    "prop": "provinsi",
    "pemprov": "provinsi",
    "gubernur": "provinsi",
}
AFTER_PREFIX = frozenset({"adm", "administrasi"})  # "Kota Administrasi Jakarta Selatan"

# A word before a name that makes it a village or an estate: at most a kecamatan's namesake.
VILLAGE_WORDS = frozenset(
    "kel kelurahan desa ds dusun dsn dukuh nagari kampung kp perum perumahan komplek kompleks".split()
)

# A street name runs up to three words after "Jl." ("Jl. Semarang" is a street in Surabaya)
# and stops at a number, a comma or one of these words.
STREET_WORDS = frozenset({"jl", "jln", "jalan", "gg", "gang", "embong"})
STREET_ENDS = frozenset(
    """di ke dari dan yang yg depan dpn no nomor rt rw kel kelurahan kec kecamatan kota kab
    kabupaten arah sebelah sbl dekat sekitar menuju tepatnya samping seberang sebrang desa
    provinsi prov wilayah daerah kawasan""".split()
)

# A word after a name that makes it a street or estate ("Kupang Jaya", "Wonorejo Selatan");
# directions only do so for kecamatan ("Surabaya Timur" is still Surabaya).
LOCAL_QUALIFIERS = frozenset("baru lama indah jaya permai asri madya gunung lor wetan kidul kulon".split())
DIRECTIONS = frozenset("timur barat utara selatan tengah".split())

# X's place types (X API v2 Place object, `place_type`) and the levels they name.
PLACE_LEVELS = {"city": (REGENCY,), "admin": (PROVINCE, REGENCY), "neighborhood": (DISTRICT,)}

# Place names that are also everyday Indonesian, Javanese or English words, numbers or first
# names. Found by running the matcher over complaints_dev.csv and the dev tweets and reading
# the most frequent matches; only words a dictionary would list were kept, not local names.
COMMON_WORDS = frozenset(
    """
    ibu ayah kamu anak buk bapak kota raya barat timur utara selatan tengah jaya baru lama
    tetap selesai butuh suruh pinggir waris juli panjang balai salam guna arahan bina marga
    matur pakis anyar babat kai wedi bola palang tugu bintang lembar bulu luas kasi telaga
    teriak manggis pangkalan selebar tambang bantaran sela bambang bendahara pinang saling
    tumpang cempaka waru karangan kurun semen subur batuan permata gantung tahunan peninjauan
    lembur terisi jangka deket bendungan tulung parang kulo sawo alas payung setia pemenang
    bawang panti pare jambu sanggar pesantren kudu petir natal dukun bareng dagangan penarik
    kerjo tempe gajah ketapang beringin anggrek delima kramat pendopo mandor petang pagu kresek mentok
    negara larangan kasihan ujung web bener kembang taman tambak kedung sumber simpang sumur
    tanggul candi gading bukit puncak tulis licin harian tarik talang teras kelapa mutiara puri
    benteng sawit tempel sarang gapura perak pacar tanjung batu metro buru landak batang kudus
    pati bone pasar air sungai gunung muara kuala teluk pulau kampung labuhan pelabuhan bandar
    karang lubuk tanah dalam luar atas bawah hulu hilir pusat ulu ilir kayu besi emas
    intan mas indah permai makmur mulia sejahtera damai sentosa abadi bakti bhakti karya
    mandiri merdeka kencana sari asri jati wangi lestari agung mekar sakti tunggal
    empat lima enam tujuh delapan sembilan sepuluh seribu ribu puluh
    """.split()
)
# Lowercase, these phrases are ordinary words too ("air putih" is drinking water).
COMMON_PHRASES = frozenset(
    {
        ("kota", "baru"),
        ("tanah", "merah"),
        ("air", "putih"),
        ("air", "besar"),  # "buang air besar"
        ("sungai", "batang"),  # "batang" is a river in Minang: "sungai Batang Hari"
        ("batu", "putih"),
        ("sungai", "raya"),
        ("tujuh", "belas"),
        ("dua", "puluh"),
        ("lima", "puluh"),
        ("gunung", "mas"),
        ("tanah", "laut"),
    }
)
SUPPORT = 0.2  # the weight of a name that cannot stand alone, only back up another


def common_word_cap(key: tuple[str, ...], capitalised: bool) -> float | None:
    """Return the most a common-word name may weigh (None: not a common word)."""
    if len(key) == 1 and key[0] in COMMON_WORDS:
        return SUPPORT if capitalised else 0.0
    if key in COMMON_PHRASES:
        return None if capitalised else 0.0
    return None
