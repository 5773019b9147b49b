"""The console's words in Bahasa Indonesia (first) and English: one table per page module.

A page module calls `register({...})` with its own keys at import; a key is used in templates
as `t("key")` and in code as `bot.web.app.t("key")`. A missing English text falls back to the
Indonesian one, a missing key shows itself (so a test finds it), never an error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("id", "en")
_TEXTS: dict[str, tuple[str, str]] = {}


def register(texts: Mapping[str, tuple[str, str]]) -> None:
    """Add a page module's texts: key → (Indonesian, English); a key may be registered once."""
    for key, pair in texts.items():
        if key in _TEXTS and _TEXTS[key] != pair:
            raise ValueError(f"console text {key!r} is defined twice")
        _TEXTS[key] = pair


def translate(key: str, lang: str, **values: Any) -> str:
    """Return `key` in `lang` with `values` filled in."""
    pair = _TEXTS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" and pair[1] else pair[0]
    return text.format(**values) if values else text


register({
    "app.title": ("Konsol LAPOR!", "LAPOR! console"),
    "nav.queue": ("Antrean", "Queue"),
    "nav.dashboard": ("Dasbor", "Dashboard"),
    "nav.inbox": ("Kotak masuk instansi", "Agency inbox"),
    "nav.users": ("Pengguna", "Users"),
    "nav.routing": ("Tabel rute", "Routing table"),
    "nav.logout": ("Keluar", "Sign out"),
    "nav.language": ("English", "Bahasa Indonesia"),
    "login.title": ("Masuk", "Sign in"),
    "login.username": ("Nama pengguna", "Username"),
    "login.password": ("Kata sandi", "Password"),
    "login.submit": ("Masuk", "Sign in"),
    "login.failed": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "login.throttled": ("Terlalu banyak percobaan. Coba lagi setelah {minutes} menit.",
                        "Too many attempts. Try again in {minutes} minutes."),
    "logout.done": ("Anda sudah keluar.", "You are signed out."),
    "error.400": ("Permintaan tidak dapat diproses.", "The request could not be processed."),
    "error.csrf": ("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.",
                   "The form expired or is not valid. Reload the page and try again."),
    "error.401": ("Silakan masuk terlebih dahulu.", "Please sign in first."),
    "error.403": ("Anda tidak berwenang membuka halaman ini.", "You may not open this page."),
    "error.404": ("Halaman tidak ditemukan.", "Page not found."),
    "error.405": ("Metode tidak diizinkan.", "Method not allowed."),
    "error.413": ("Isian terlalu besar.", "The form is too large."),
    "error.429": ("Terlalu banyak permintaan.", "Too many requests."),
    "error.500": ("Terjadi kesalahan pada server. Petugas teknis sudah dicatat.",
                  "Something went wrong on the server; it has been logged."),
    "error.back": ("Kembali", "Back"),
})
