"""Every text a citizen can see from the bot, in one place (Bahasa Indonesia first, English).

Placeholders: {tracking_number}, {category}, {url}. Several variants per reply so that the
account never posts identical automated texts (X's automation rules).
"""

from __future__ import annotations

ACKNOWLEDGEMENT = {
    "id": (
        "Terima kasih atas laporannya. Aduan Anda tercatat dengan nomor {tracking_number} "
        "(kategori: {category}). Perkembangannya bisa dipantau di {url}",
        "Laporan Anda sudah kami terima dan dicatat sebagai {tracking_number} ({category}). "
        "Petugas akan memverifikasi dan meneruskannya ke instansi terkait. Cek statusnya di {url}",
        "Halo, terima kasih sudah melapor ke LAPOR!. Nomor laporan Anda: {tracking_number}, "
        "kategori {category}. Tindak lanjutnya dapat dilihat di {url}",
        "Aduan Anda telah tercatat (nomor {tracking_number}, {category}) dan segera diverifikasi "
        "petugas. Ikuti perkembangannya di {url}",
    ),
    "en": (
        "Thank you for your report. It is recorded as {tracking_number} ({category}). "
        "You can follow its progress at {url}",
        "We have received your report and logged it as {tracking_number} ({category}). "
        "An officer will verify it and pass it to the agency in charge. Status: {url}",
        "Thanks for reaching out to LAPOR!. Your tracking number is {tracking_number} "
        "({category}). Follow-up updates will appear at {url}",
    ),
}

# Appended when the mention carries personal data; the data itself is never repeated.
PERSONAL_DATA_WARNING = {
    "id": " Demi keamanan, mohon hapus twit yang memuat data pribadi (NIK/no. HP) dan "
    "lanjutkan lewat DM atau lapor.go.id.",
    "en": " For your safety, please delete the post that shows personal data (ID or phone "
    "number) and continue by DM or at lapor.go.id.",
}

# The shortest form, used if a variant would not fit X's 280 weighted characters.
ACKNOWLEDGEMENT_SHORT = {
    "id": "Laporan Anda tercatat: {tracking_number}. Pantau di {url}",
    "en": "Your report is recorded: {tracking_number}. Follow it at {url}",
}
