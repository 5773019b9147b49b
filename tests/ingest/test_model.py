"""The statistical model and its combination with the rules: decisions, odd input, the artefact.

The tests of ingest/decide.py sit here too, at the end, so the two can be read together.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.classify import Classification, classify
from ingest.decide import COMPLAINT_MIN, Decision, KindReading, choose_kind, decide, read_kind, rule_signals
from ingest.model import (
    FEATURES_VERSION,
    MODEL_FILE,
    Model,
    ModelPrediction,
    char_ngrams,
    head_scores,
    load_model,
    predict,
    readable_term,
    tokens,
    word_ngrams,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL_DIR = REPO_ROOT / "ingest" / "rules" / "model"
DATA_DIR = REPO_ROOT.parent / "shared" / "data"
KINDS = {"pengaduan", "aspirasi", "permintaan_informasi", "apresiasi", "lainnya", "spam"}

CLEAR_COMPLAINTS = [
    ("jalan di depan pasar berlubang parah, sudah 2 bulan tidak diperbaiki", "infrastruktur"),
    ("min jalan dpn rmh gw rusak parahhh bnyk lubang, tlg dibenerin dong", "infrastruktur"),
    ("Dengan hormat, saluran drainase di Jl. Merdeka tersumbat sehingga air meluap ke jalan", "infrastruktur"),
    ("sampah numpuk udh seminggu ga diangkut, bau bgt", "lingkungan"),
    ("Mohon dilakukan pemangkasan pohon di depan rumah kami karena dahannya menyentuh kabel", "lingkungan"),
    ("bansos BLT saya belum cair padahal sudah terdaftar di DTKS", "sosial"),
    ("lampu PJU di gang kami mati semua sudah sebulan, gelap banget malam2", "perhubungan"),
    ("parkir liar di depan minimarket, jukirnya minta uang lebih", "perhubungan"),
    ("KTP elektronik saya belum jadi padahal sudah rekam 3 bulan lalu", "kependudukan"),
    ("anak saya tidak diterima PPDB zonasi padahal rumah dekat sekolah", "pendidikan"),
    ("puskesmas menolak pasien BPJS, pelayanan lambat sekali", "kesehatan"),
    ("air PDAM mati sejak kemarin pagi, warga tidak bisa mandi", "utilitas"),
    ("PKL berjualan di trotoar sampai pejalan kaki harus turun ke jalan", "ketertiban"),
    ("pelayanan di kantor kelurahan lambat, petugasnya tidak ada di tempat", "pemerintahan"),
    ("tagihan PBB saya dobel padahal sudah bayar tahun lalu", "pajak"),
    ("coretax error terus, ga bisa lapor SPT padahal deadline besok", "pajak"),
    ("bantuan modal UMKM untuk warung saya tidak pernah cair", "ekonomi"),
    ("rusunawa bocor dan pengelola tidak mau memperbaiki", "perumahan"),
    ("gaji kami di bawah UMK dan pabrik tidak membayar lembur", "ketenagakerjaan"),
    ("rumah kami kebanjiran setinggi lutut sejak semalam, mohon bantuan", "bencana"),
    ("aplikasi wargaku error tidak bisa upload foto", "lainnya"),
]

ODD_TEXTS = [
    "",
    " ",
    "\n\t\r",
    "x" * 25_000,
    "jalan rusak " * 2_500,
    "🙏" * 40,
    "😭😭😭 🔥🔥",
    "\u200b\u200c\u200d\u2060\ufeff",
    "\u200f\u202e\u2066 jalan rusak \u2069\u202c",
    "جاده خراب است لطفا درست کنید",
    "jalan rusak 道路が壊れている дорога сломана",
    "\ud800 lone surrogate \udfff",
    "\x00\x01\x7f",
    "?!?!?!",
    "0812 3456 7890 [NIK] [TELEPON] [EMAIL] [*****]",
    "https://t.co/abc @lapor1708 #jalanrusak",
    "ﷺ" * 3_000,
    "A" + "\u0301" * 5_000,
]


@pytest.fixture(scope="module")
def model() -> Model:
    """Return the shipped model."""
    return load_model()


@pytest.mark.parametrize(("text", "category"), CLEAR_COMPLAINTS)
def test_category_of_a_clear_complaint(model: Model, text: str, category: str) -> None:
    assert predict(text, model).category == category


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("jalan di depan pasar berlubang parah, sudah 2 bulan tidak diperbaiki", "pengaduan"),
        ("sampah numpuk udh seminggu ga diangkut, bau bgt", "pengaduan"),
        ("air PDAM mati sejak kemarin pagi, warga tidak bisa mandi", "pengaduan"),
        ("min mau tanya syarat bikin KTP apa saja?", "permintaan_informasi"),
        ("kapan jadwal pendaftaran PPDB dibuka?", "permintaan_informasi"),
        ("mantap pelayanannya cepat sekali, makasih banyak", "apresiasi"),
        ("Selamat anda terpilih sebagai pemenang undian berhadiah, info klik www.undian-hadiah.com", "spam"),
        ("wkwk iya bener banget", "lainnya"),
    ],
)
def test_kind_from_the_text_alone(model: Model, text: str, kind: str) -> None:
    assert predict(text, model).kind == kind


def test_confident_on_a_clear_complaint_and_unsure_on_noise(model: Model) -> None:
    """Confidence means something: high for a clear case, low for a text with no words."""
    clear = predict("air PDAM mati sejak kemarin pagi, warga tidak bisa mandi", model)
    noise = predict("🙏🙏🙏", model)
    assert clear.category_confidence > 0.9
    assert noise.category_confidence < 0.5


def test_reasons_name_the_words_behind_the_decision(model: Model) -> None:
    found = predict("jalan rusak berlubang di depan sekolah", model)
    assert any('"berlubang"' in r and "→ category=infrastruktur" in r for r in found.reasons)
    assert all(r.startswith("model: ") for r in found.reasons)


@pytest.mark.parametrize("text", ODD_TEXTS, ids=range(len(ODD_TEXTS)))
def test_odd_text_gives_a_valid_prediction(model: Model, text: str) -> None:
    _assert_valid(predict(text, model), model)


def test_random_unicode_never_raises(model: Model) -> None:
    """Seeded random strings over many scripts, controls and emoji all get a prediction."""
    rng = random.Random(0)
    ranges = [
        (0, 0x7F),
        (0x80, 0x2FF),
        (0x600, 0x6FF),
        (0x2000, 0x206F),
        (0x4E00, 0x4E80),
        (0xD800, 0xDFFF),
        (0xFE00, 0xFFFF),
        (0x1F300, 0x1FAFF),
    ]
    for _ in range(300):
        text = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(0, 300)))
        _assert_valid(predict(text, model), model)


def _assert_valid(found: ModelPrediction, model: Model) -> None:
    assert found.kind in KINDS and found.category in model.category.labels
    assert 0.0 <= found.kind_confidence <= 1.0 and 0.0 <= found.category_confidence <= 1.0
    assert found.reasons and all(isinstance(r, str) for r in found.reasons)
    assert abs(sum(p for _, p in found.category_probabilities) - 1.0) < 1e-9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jalannya rusakkk parahhh!!!", ["jalannya", "rusak", "parah", "!", "!", "!"]),
        ("yg tdk bs dtg", ["yang", "tidak", "bisa", "dtg"]),
        ("anak2 sekolah", ["anak", "anak", "sekolah"]),
        ("NIK [NIK] hp 0812-3456-7890", ["nik", "nomorx", "hp", "nomorx"]),
        ("@lapor1708 cek https://t.co/x", ["mentionx", "cek", "urlx"]),
        ("tiket\u200b kereta", ["tiket", "kereta"]),
        ("SPT tahun 2024?", ["spt", "tahun", "0", "?"]),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_prediction_is_deterministic(model: Model) -> None:
    text = "lampu PJU di gang kami mati semua sudah sebulan"
    assert predict(text, model) == predict(text, model)


def test_shipped_artefact_loads_once_and_is_small() -> None:
    assert load_model() is load_model()
    assert sum(p.stat().st_size for p in MODEL_DIR.iterdir()) < 5_000_000


def test_artefact_from_a_directory_predicts_like_the_shipped_one(tmp_path: Path, model: Model) -> None:
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    text = "puskesmas menolak pasien BPJS"
    assert predict(text, load_model(copy)) == predict(text, model)


def test_artefact_of_another_features_version_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    meta = json.loads((copy / MODEL_FILE).read_text(encoding="utf-8"))
    meta["features_version"] = FEATURES_VERSION + 1
    (copy / MODEL_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="train_model"):
        load_model(copy)


# --- equivalence with scikit-learn (only where scikit-learn is installed) ---------------------


def _texts() -> list[str]:
    """Return the dev texts when the shared data is there, else this file's examples."""
    if not DATA_DIR.is_dir():
        return [t for t, _ in CLEAR_COMPLAINTS] + ODD_TEXTS
    texts = []
    for name in ("tweets_kind_dev.csv", "complaints_dev.csv"):
        with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    return texts


def _sklearn_matrix(texts: list[str], model: Model):  # noqa: ANN202 (scipy matrix)
    """Return the TF-IDF matrix scikit-learn computes with the artefact's vocabulary and idf."""
    text_module = pytest.importorskip("sklearn.feature_extraction.text")
    from scipy.sparse import hstack

    n_words = len(model.word_terms)
    blocks = []
    for analyzer, vocabulary, idf in (
        (word_ngrams, model.word_vocab, model.idf[:n_words]),
        (char_ngrams, {t: i - n_words for t, i in model.char_vocab.items()}, model.idf[n_words:]),
    ):
        vectoriser = text_module.TfidfVectorizer(
            analyzer=analyzer, vocabulary=vocabulary, sublinear_tf=True, lowercase=False, dtype=np.float64
        )
        vectoriser.idf_ = idf
        blocks.append(vectoriser.transform([tokens(t) for t in texts]))
    return hstack(blocks).tocsr()


def _sklearn_svc(weights: np.ndarray, intercepts: np.ndarray, labels: tuple[str, ...]):  # noqa: ANN202
    svm = pytest.importorskip("sklearn.svm")
    svc = svm.LinearSVC()
    svc.coef_, svc.intercept_, svc.classes_ = weights.T.copy(), intercepts, np.array(labels)
    svc.n_features_in_ = weights.shape[0]
    return svc


def test_runtime_equals_scikit_learn_on_the_dev_texts(model: Model) -> None:
    """Same labels and scores within 1e-6 for every head, on every dev text."""
    texts = _texts()
    matrix = _sklearn_matrix(texts, model)
    predictions = [predict(t, model) for t in texts]
    for head, attribute in ((model.category, "category"), (model.kind, "kind")):
        svc = _sklearn_svc(model.weights[:, head.columns], head.intercepts, head.labels)
        expected = svc.decision_function(matrix)
        assert [getattr(p, attribute) for p in predictions] == list(svc.predict(matrix))
        confidences = np.array([getattr(p, f"{attribute}_confidence") for p in predictions])
        calibrated = np.array([head.probabilities(row) for row in expected])
        assert np.allclose(confidences, calibrated[np.arange(len(texts)), expected.argmax(axis=1)], atol=1e-6)
    fused = _sklearn_svc(model.weights[:, model.fused.columns], model.fused.intercepts, model.fused.labels)
    runtime = np.array([[s for _, s in p.fused_scores] for p in predictions])
    assert np.abs(runtime - fused.decision_function(matrix)).max() < 1e-6


def test_combined_kind_equals_scikit_learn_with_rule_columns(model: Model) -> None:
    """decide's text part plus rule part is the stacked LinearSVC scikit-learn would score."""
    pytest.importorskip("sklearn")
    from scipy.sparse import csr_matrix, hstack

    texts = _texts()[:700]
    signals = np.array([rule_signals(t, classify(t)) for t in texts]) * model.rule_scale
    matrix = hstack([_sklearn_matrix(texts, model), csr_matrix(signals)]).tocsr()
    weights = np.vstack([model.weights[:, model.fused.columns], model.rule_weights])
    svc = _sklearn_svc(weights, model.fused.intercepts, model.fused.labels)
    readings = [read_kind(predict(t, model), rule_signals(t, classify(t)), model) for t in texts]
    runtime = np.array([[r.scores[label] for label in model.fused.labels] for r in readings])
    assert np.abs(runtime - svc.decision_function(matrix)).max() < 1e-6


def test_training_reproduces_the_shipped_artefact_byte_for_byte(tmp_path: Path) -> None:
    """The shipped files are what scripts/train_model.py builds from the dev data, every time."""
    pytest.importorskip("sklearn")
    if not DATA_DIR.is_dir():
        pytest.skip("the shared dev data is not here")
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    import train_model

    train_model.main([str(DATA_DIR), "--out", str(tmp_path)])
    for path in MODEL_DIR.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# --- ingest/decide.py ------------------------------------------------------------------------


def _decide(text: str, model: Model, language: str = "id") -> Decision:
    return decide(text, language, classify(text, language), predict(text, model), model)


@pytest.mark.parametrize(
    ("text", "kind", "category"),
    [
        ("jalan di depan pasar berlubang parah, sudah 2 bulan tidak diperbaiki", "pengaduan", "infrastruktur"),
        ("min jalan dpn rmh gw rusak parahhh bnyk lubang, tlg dibenerin dong", "pengaduan", "infrastruktur"),
        ("sampah numpuk udh seminggu ga diangkut, bau bgt", "pengaduan", "lingkungan"),
        ("bansos BLT saya belum cair padahal sudah terdaftar di DTKS", "pengaduan", "sosial"),
        ("puskesmas menolak pasien BPJS, pelayanan lambat sekali", "pengaduan", "kesehatan"),
        ("listrik PLN padam terus tiap malam di desa kami", "pengaduan", "utilitas"),
        ("KTP elektronik saya belum jadi padahal sudah rekam 3 bulan lalu", "pengaduan", "kependudukan"),
        ("coretax error terus, ga bisa lapor SPT padahal deadline besok", "pengaduan", "pajak"),
        ("rumah kami kebanjiran setinggi lutut sejak semalam, mohon bantuan", "pengaduan", "bencana"),
        ("The road in front of my house has been broken for months, please fix it", "pengaduan", "infrastruktur"),
        ("usul min, sebaiknya dibangun halte di depan pasar biar tidak kehujanan", "aspirasi", None),
        ("min mau tanya syarat bikin KTP apa saja?", "permintaan_informasi", "lainnya"),
        ("bagaimana cara melapor lewat aplikasi lapor?", "permintaan_informasi", "lainnya"),
        ("mantap pelayanannya cepat sekali, makasih banyak", "apresiasi", "lainnya"),
        ("Thank you for the quick response!", "apresiasi", "lainnya"),
        ("slot gacor hari ini maxwin, daftar sekarang bonus new member 100%", "spam", "lainnya"),
        ("Selamat anda terpilih sebagai pemenang undian berhadiah, info klik www.undian.com", "spam", "lainnya"),
        ("wkwk iya bener banget", "lainnya", "lainnya"),
        ("selamat pagi semua, semangat hari senin", "lainnya", "lainnya"),
    ],
)
def test_decision_on_a_clear_text(model: Model, text: str, kind: str, category: str | None) -> None:
    found = _decide(text, model)
    assert found.kind == kind
    if category is not None:
        assert found.category == category


@pytest.mark.parametrize(
    "text",
    [
        "tagihan PBB saya dobel padahal sudah bayar tahun lalu",  # no keyword: the model reads it
        "gaji kami di bawah UMK dan pabrik tidak membayar lembur",  # "di bawah umk"
        "PKL berjualan di trotoar sampai pejalan kaki harus turun ke jalan",  # "harus turun ke jalan"
    ],
)
def test_complaints_that_were_missed_before(model: Model, text: str) -> None:
    """Missed until the Sumatera Barat keywords and the retrained model (an xfail before)."""
    assert _decide(text, model).kind == "pengaduan"


@pytest.mark.parametrize("text", ODD_TEXTS, ids=range(len(ODD_TEXTS)))
def test_decision_on_odd_text_is_valid(model: Model, text: str) -> None:
    found = _decide(text, model)
    assert found.kind in KINDS and 0.0 <= found.kind_confidence <= 1.0 and 0.0 <= found.category_confidence <= 1.0


def test_other_language_halves_the_confidence(model: Model) -> None:
    text = "jalan di depan pasar berlubang parah"
    indonesian, other = _decide(text, model, "id"), _decide(text, model, "other")
    assert other.kind_confidence == pytest.approx(indonesian.kind_confidence / 2, rel=0.2)
    assert any(r.startswith("language=other") for r in other.reasons)


def test_a_strong_keyword_match_sets_the_category(model: Model) -> None:
    text = "jalan rusak"
    rule = Classification("pengaduan", "pajak", 0.9, 0.9, ("category=pajak: matched",))
    assert decide(text, "id", rule, predict(text, model), model).category == "pajak"


def test_a_decisive_keyword_wins_when_no_keyword_names_the_models_category(model: Model) -> None:
    text = (
        "@lapor1708 Listrik PLN padam dari jam 9 pagi di Kec. VII Koto Sungai Sariak Padang Pariaman, sudah lewat"
        " 6 jam belum nyala. Usaha jahit saya berhenti total. Kapan menyala?"
    )
    prediction = predict(text, model)
    assert prediction.category == "perhubungan"  # Surabaya's street lights: "padam", "nyala"
    rule = classify(text)
    assert rule.category == "utilitas" and rule.category_confidence < 0.75  # "sungai" of the place name dilutes it
    assert _decide(text, model).category == "utilitas"
    weaker = Classification("pengaduan", "utilitas", 0.5, 0.5, ("x",), category_scores=(("utilitas", 3.0),))
    assert decide(text, "id", weaker, prediction, model).category == "perhubungan"  # not decisive: the model
    named = Classification("pengaduan", "utilitas", 0.5, 0.5, ("x",), category_scores=(("utilitas", 7.0), ("perhubungan", 2.0)))
    assert decide(text, "id", named, prediction, model).category == "perhubungan"  # a keyword backs the model


def test_english_kind_comes_from_the_rules_and_any_keyword_category_wins(model: Model) -> None:
    text = "the tap water is brown again"
    prediction = predict(text, model)
    rule = Classification("pengaduan", "utilitas", 0.42, 0.5, ("kind=pengaduan: x", "category=utilitas: x"))
    english = decide(text, "en", rule, prediction, model)
    assert (english.kind, english.kind_confidence, english.category) == ("pengaduan", 0.42, "utilitas")
    assert "the rules decide" in english.reasons[0]
    indonesian = decide(text, "id", rule, prediction, model)  # the combined model reads it; a weak rule category loses
    assert "the rules decide" not in indonesian.reasons[0]
    assert indonesian.kind != "pengaduan" or indonesian.category == prediction.category


def test_english_category_falls_back_to_the_model_when_no_keyword_names_one(model: Model) -> None:
    text = "my BPJS card was refused at the puskesmas"
    rule = Classification("pengaduan", "lainnya", 0.6, 0.0, ("kind=pengaduan: x",))
    prediction = predict(text, model)
    assert decide(text, "en", rule, prediction, model).category == prediction.category


@pytest.mark.parametrize(
    ("probabilities", "expected"),
    [
        ({"pengaduan": 0.8, "lainnya": 0.15, "spam": 0.05}, ("pengaduan", 0.8)),
        ({"pengaduan": 0.45, "lainnya": 0.35, "spam": 0.2}, ("lainnya", 0.35)),
        ({"lainnya": 0.45, "pengaduan": 0.35, "spam": 0.2}, ("lainnya", 0.45)),
        ({"spam": 0.4, "pengaduan": 0.3, "lainnya": 0.3}, ("spam", 0.4)),
    ],
)
def test_an_unlikely_complaint_gives_way(probabilities: dict[str, float], expected: tuple[str, float]) -> None:
    """A complaint below COMPLAINT_MIN yields to the next kind; others win on their score."""
    reading = KindReading(scores=dict(probabilities), probabilities=probabilities)
    assert COMPLAINT_MIN == 0.5
    assert choose_kind(reading) == expected


def test_model_trained_on_other_rule_signals_is_refused(model: Model) -> None:
    from dataclasses import replace

    odd = replace(model, rule_kinds=("spam",))
    text = "jalan rusak"
    with pytest.raises(ValueError, match="rule signals"):
        read_kind(predict(text, odd), rule_signals(text, classify(text)), odd)


def test_head_scores_cover_every_label(model: Model) -> None:
    scores = np.zeros(model.weights.shape[1])
    assert len(head_scores(scores, model.category)) == len(model.category.labels) == 16


def test_the_trained_complaint_threshold_decides(model: Model) -> None:
    """decide() passes over a complaint below the artefact's complaint_min, chosen in training."""
    from dataclasses import replace

    assert 0.0 < model.complaint_min < 1.0
    text = "jalan di depan pasar berlubang parah, sudah 2 bulan tidak diperbaiki"
    rule, prediction = classify(text), predict(text, model)
    assert decide(text, "id", rule, prediction, replace(model, complaint_min=0.0)).kind == "pengaduan"
    assert decide(text, "id", rule, prediction, replace(model, complaint_min=1.01)).kind != "pengaduan"


@pytest.mark.parametrize(
    ("term", "shown"),
    [
        ("mentionx admin", "<@handle> admin"),
        ("urlx", "<link>"),
        ("nik nomorx", "nik <long number>"),
        ("emailx", "<e-mail>"),
        ("sudah 0", "sudah <number>"),  # digits are folded to "0" ("sudah 3 minggu")
        ("taxi", "taxi"),  # a real word with an x stays as it is
        ("jalan rusak", "jalan rusak"),
    ],
)
def test_placeholder_terms_are_readable_in_reasons(term: str, shown: str) -> None:
    assert readable_term(term) == shown


def test_reasons_name_placeholders_as_an_officer_reads_them(model: Model) -> None:
    reasons = " ".join(predict("@lapor1708 min tolong cek https://t.co/x kapan diperbaiki", model).reasons)
    assert "mentionx" not in reasons and "urlx" not in reasons
