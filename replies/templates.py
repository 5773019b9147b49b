"""Every text a citizen can see from the bot, in one place (Bahasa Indonesia first, English).

Several variants per reply type, so the account never posts identical automated texts (X's
automation rules); `replies.compose` picks one deterministically. Placeholders:

- {tracking_number}: the complaint's number, e.g. LPR-2611-00042;
- {noun}: what the citizen sent ("laporan"/"aspirasi", "report"/"suggestion");
- {category}: the LAPOR! category in plain words;
- {url}: the follow-up link (LAPOR_FOLLOWUP_URL filled in);
- {channel}: where to continue in private: the LAPOR! web address, or its name alone when
  replies must carry no link (a bare domain is a link to X, and a post with a link costs more);
- {agency}: the agency a complaint went to;
- {reference}: a short code that makes a reply without a tracking number unique.

Nothing here may ever contain text taken from a mention: a reply never echoes what the
citizen wrote (personal data included).
"""

from __future__ import annotations

Variants = dict[str, tuple[str, ...]]

NOUN = {
    "id": {"pengaduan": "laporan", "aspirasi": "aspirasi"},
    "en": {"pengaduan": "report", "aspirasi": "suggestion"},
}

# Where to continue in private, with a link or (LAPOR_ACK_LINK=false) by name only.
CHANNEL = {
    "id": {True: "lapor.go.id", False: "situs atau aplikasi SP4N-LAPOR!"},
    "en": {True: "lapor.go.id", False: "the SP4N-LAPOR! website or app"},
}

# A complaint or aspiration was recorded (LAPOR_ACK_LINK=true).
ACKNOWLEDGEMENT: Variants = {
    "id": (
        "Terima kasih, {noun} Anda sudah kami catat dengan nomor {tracking_number} "
        "(kategori: {category}). Petugas akan memverifikasi dan meneruskannya ke instansi "
        "terkait. Pantau perkembangannya di {url}",
        "Kami sudah menerima {noun} Anda. Nomornya {tracking_number}, kategori {category}. "
        "Tindak lanjutnya bisa dipantau di {url}",
        "Halo, terima kasih sudah menyampaikan {noun} ke LAPOR!. Nomor Anda {tracking_number} "
        "({category}). Cek statusnya kapan saja di {url}",
        "Tercatat: {noun} nomor {tracking_number} ({category}). Petugas segera memverifikasinya; "
        "ikuti kabar selanjutnya di {url}",
    ),
    "en": (
        "Thank you, your {noun} is recorded as {tracking_number} ({category}). An officer will "
        "verify it and pass it to the agency in charge. Follow it at {url}",
        "We have received your {noun} and logged it as {tracking_number} ({category}). "
        "Progress updates: {url}",
        "Thanks for sending your {noun} to LAPOR!. Tracking number: {tracking_number} ({category}). "
        "Check its status any time at {url}",
    ),
}

# The same without the link (LAPOR_ACK_LINK=false): the link comes with the first follow-up.
ACKNOWLEDGEMENT_NO_LINK: Variants = {
    "id": (
        "Terima kasih, {noun} Anda sudah kami catat dengan nomor {tracking_number} "
        "(kategori: {category}). Petugas akan memverifikasi dan meneruskannya ke instansi "
        "terkait; kabar berikutnya kami sampaikan di sini.",
        "Kami sudah menerima {noun} Anda. Nomornya {tracking_number}, kategori {category}. "
        "Simpan nomor ini untuk menanyakan perkembangannya.",
        "Halo, terima kasih sudah menyampaikan {noun} ke LAPOR!. Nomor Anda {tracking_number} "
        "({category}). Tautan status akan kami kirim bersama kabar berikutnya.",
        "Tercatat: {noun} nomor {tracking_number} ({category}). Petugas segera memverifikasinya "
        "dan kami kabari lagi di utas ini.",
    ),
    "en": (
        "Thank you, your {noun} is recorded as {tracking_number} ({category}). An officer will "
        "verify it and pass it to the agency in charge; we will post updates here.",
        "We have received your {noun} and logged it as {tracking_number} ({category}). Keep "
        "this number to ask about its progress.",
        "Thanks for sending your {noun} to LAPOR!. Tracking number: {tracking_number} ({category}). "
        "A status link will come with our next update.",
    ),
}

# A complaint that shows personal data: recorded, and the citizen is asked to delete the
# post and go private. {link} is " Pantau di {url}." or empty (LAPOR_ACK_LINK=false).
ACKNOWLEDGEMENT_PERSONAL_DATA: Variants = {
    "id": (
        "{noun_cap} Anda tercatat: {tracking_number} ({category}).{link} Twit Anda memuat data "
        "pribadi (NIK/no. HP), mohon dihapus. Lanjutkan lewat DM atau {channel} yang punya "
        "opsi anonim dan rahasia.",
        "Nomor {noun} Anda {tracking_number} ({category}).{link} Demi keamanan, hapus twit yang "
        "memuat data pribadi dan lanjutkan lewat DM atau {channel} (bisa anonim/rahasia).",
        "Terima kasih, {noun} Anda kami catat sebagai {tracking_number}.{link} Mohon hapus twit "
        "yang berisi NIK, no. HP, atau data pribadi lain; gunakan DM atau {channel} yang "
        "menjaga kerahasiaan pelapor.",
    ),
    "en": (
        "Your {noun} is recorded as {tracking_number} ({category}).{link} Your post shows "
        "personal data (ID or phone number): please delete it and continue by DM or at "
        "{channel}, anonymously if you wish.",
        "Tracking number {tracking_number} ({category}).{link} For your safety, delete the "
        "post that shows personal data and continue by DM or at {channel} "
        "(anonymous/confidential options).",
    ),
}
LINK_CLAUSE = {"id": " Pantau di {url}.", "en": " Follow it at {url}."}

# A question: point to the right channel; no complaint is opened (LAPOR_INFO_OPENS_COMPLAINT).
INFORMATION: Variants = {
    "id": (
        "Terima kasih atas pertanyaannya. Informasi layanan publik dan cara melapor ada di "
        "{channel}, atau kirim SMS ke 1708. Jika ada masalah layanan, sebutkan apa dan di mana "
        "agar bisa kami catat. (Ref: {reference})",
        "Halo, untuk pertanyaan layanan publik silakan cek {channel} atau SMS 1708; petugas "
        "instansi terkait menjawab di sana. Mau melapor? Sampaikan masalah dan lokasinya. "
        "(Ref: {reference})",
        "Pertanyaan Anda kami terima. Jawaban resmi dari instansi terkait bisa diminta lewat "
        "{channel} atau SMS 1708. Untuk aduan, ceritakan masalah dan lokasinya di sini. "
        "(Ref: {reference})",
    ),
    "en": (
        "Thank you for your question. Public-service information and how to report are at "
        "{channel}, or send an SMS to 1708. To report a problem, tell us what and where. "
        "(Ref: {reference})",
        "Hello, for questions about public services please use {channel} or SMS 1708, where "
        "the agency in charge answers. Want to report? Tell us the problem and its location. "
        "(Ref: {reference})",
    ),
}

# Personal data in a mention that gets no other reply (a question, a thread reply…).
PERSONAL_DATA_WARNING: Variants = {
    "id": (
        "Twit Anda memuat data pribadi (seperti NIK atau no. HP). Demi keamanan, mohon dihapus "
        "dan lanjutkan lewat DM atau {channel}, yang punya opsi anonim dan rahasia. "
        "(Ref: {reference})",
        "Mohon hapus twit yang berisi NIK, no. HP, atau data pribadi lain. Sampaikan lewat DM "
        "atau {channel} yang menjaga kerahasiaan pelapor. (Ref: {reference})",
        "Demi keamanan Anda, jangan bagikan data pribadi di twit publik. Hapus twit tersebut "
        "dan gunakan DM atau {channel} (bisa anonim/rahasia). (Ref: {reference})",
    ),
    "en": (
        "Your post shows personal data (such as an ID or phone number). For your safety, please "
        "delete it and continue by DM or at {channel}, which offers anonymous and confidential "
        "reporting. (Ref: {reference})",
        "Please delete the post that shows your ID number, phone number or other personal data, "
        "and continue by DM or at {channel}. (Ref: {reference})",
    ),
}

# The author told an open complaint again: it is the same report, here is its number.
# {link} is " Pantau di {url}." or empty (LAPOR_ACK_LINK=false).
REPEAT_NOTICE: Variants = {
    "id": (
        "Laporan ini sudah tercatat sebagai {tracking_number} dan sedang diproses, jadi tidak kami catat "
        "dua kali.{link} (Ref: {reference})",
        "Terima kasih sudah mengingatkan. Masalah ini sudah ada di laporan {tracking_number}; tambahan "
        "informasi Anda kami gabungkan ke sana.{link} (Ref: {reference})",
        "Kami sudah mencatat masalah yang sama di {tracking_number}. Petugas menindaklanjutinya dari "
        "laporan itu.{link} (Ref: {reference})",
    ),
    "en": (
        "This is already recorded as {tracking_number} and being handled, so we have not logged it "
        "twice.{link} (Ref: {reference})",
        "Thanks for the reminder. This problem is already report {tracking_number}; we have added your "
        "post to it.{link} (Ref: {reference})",
    ),
}

# Appreciation (LAPOR_THANKS_REPLIES=true only).
THANKS: Variants = {
    "id": (
        "Terima kasih atas apresiasinya! Kami teruskan kepada petugas dan instansi yang "
        "menangani. (Ref: {reference})",
        "Terima kasih, apresiasi Anda menyemangati petugas layanan publik. Terus kawal layanan "
        "bersama LAPOR!. (Ref: {reference})",
        "Senang mendengarnya, terima kasih! Masukan seperti ini kami sampaikan ke instansi "
        "terkait. (Ref: {reference})",
    ),
    "en": (
        "Thank you for the kind words! We will pass them on to the officers and agency "
        "involved. (Ref: {reference})",
        "Thanks, your appreciation means a lot to the public servants on this. (Ref: {reference})",
    ),
}

# Follow-ups when a complaint's status changes; keyed by the new status.
FOLLOWUP: dict[str, Variants] = {
    "verified": {
        "id": (
            "Kabar untuk {noun} {tracking_number}: sudah diverifikasi petugas dan segera "
            "diteruskan ke instansi yang berwenang. Pantau di {url}",
            "{noun_cap} {tracking_number} telah diverifikasi dan masuk antrean penerusan ke "
            "instansi terkait. Status terbaru: {url}",
            "Update {tracking_number}: {noun} Anda lolos verifikasi dan akan diteruskan ke "
            "instansi terkait. Cek di {url}",
        ),
        "en": (
            "Update on {tracking_number}: your {noun} has been verified and will go to the "
            "agency in charge. Follow it at {url}",
            "Your {noun} {tracking_number} is verified and queued for the agency in charge. "
            "Latest status: {url}",
        ),
    },
    "forwarded": {
        "id": (
            "{noun_cap} {tracking_number} telah diteruskan ke {agency} untuk ditindaklanjuti. "
            "Pantau tanggapannya di {url}",
            "Kabar untuk {tracking_number}: {noun} Anda sudah diteruskan ke {agency}. Tanggapan "
            "instansi akan tampil di {url}",
            "Update {tracking_number}: kini ditangani {agency}. Ikuti perkembangannya di {url}",
        ),
        "en": (
            "Your {noun} {tracking_number} has been forwarded to {agency} for action. Follow "
            "their response at {url}",
            "Update on {tracking_number}: now with {agency}. Their response will appear at {url}",
        ),
    },
    "responded": {
        "id": (
            "{agency} telah menanggapi {noun} {tracking_number}. Baca tanggapannya di {url}",
            "Kabar untuk {tracking_number}: ada tanggapan dari {agency}. Selengkapnya di {url}",
            "Update {tracking_number}: {agency} sudah memberi tanggapan atas {noun} Anda. "
            "Lihat di {url}",
        ),
        "en": (
            "{agency} has responded to your {noun} {tracking_number}. Read it at {url}",
            "Update on {tracking_number}: {agency} has replied. Details at {url}",
        ),
    },
    "closed": {
        "id": (
            "{noun_cap} {tracking_number} telah selesai ditindaklanjuti dan ditutup. Terima kasih "
            "sudah melapor; rinciannya di {url}",
            "Kabar untuk {tracking_number}: {noun} Anda dinyatakan selesai. Jika masalahnya "
            "belum tuntas, sampaikan kembali. Rincian: {url}",
            "Update {tracking_number}: penanganan sudah selesai dan {noun} ditutup. Terima kasih "
            "atas partisipasinya. Lihat {url}",
        ),
        "en": (
            "Your {noun} {tracking_number} has been resolved and closed. Thank you for "
            "reporting; details at {url}",
            "Update on {tracking_number}: marked as resolved. If the problem remains, tell us "
            "again. Details: {url}",
        ),
    },
}

# When no agency name is known for a follow-up.
SOME_AGENCY = {"id": "instansi terkait", "en": "the agency in charge"}
