"""The admin pages: console users (add, disable, enable) and the routing table (view, replace).

Every change goes through `ingest.store.users` or the audit log with the admin's `actor()`.
A new routing table is checked by `ingest.routing.load_routing` exactly as at start-up and
written to LAPOR_ROUTING_FILE only when it passes; the running console then routes with it.
"""

from __future__ import annotations

import os
import tempfile
from importlib import resources
from pathlib import Path

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bot.web.app import actor, console, current_user, requires, t
from bot.web.passwords import PasswordError, hash_password
from bot.web.public import when
from bot.web.texts import register
from ingest.routing import SHIPPED, RoutingError, RoutingTable, load_routing
from ingest.store.audit import record_audit
from ingest.store.users import ROLES, UserError, add_user, update_user, users

bp = Blueprint("admin", __name__)

register({
    "admin.users": ("Pengguna konsol", "Console users"),
    "admin.username": ("Nama pengguna", "Username"),
    "admin.name": ("Nama", "Name"),
    "admin.role": ("Peran", "Role"),
    "admin.role.officer": ("Petugas", "Officer"),
    "admin.role.admin": ("Admin", "Admin"),
    "admin.role.agency": ("Instansi", "Agency"),
    "admin.agency": ("Instansi", "Agency"),
    "admin.agency_help": ("Hanya untuk peran Instansi.", "Only for the Agency role."),
    "admin.state": ("Status", "State"),
    "admin.active": ("Aktif", "Active"),
    "admin.inactive": ("Nonaktif", "Disabled"),
    "admin.last_login": ("Terakhir masuk", "Last sign-in"),
    "admin.never": ("Belum pernah", "Never"),
    "admin.disable": ("Nonaktifkan", "Disable"),
    "admin.enable": ("Aktifkan", "Enable"),
    "admin.confirm_disable": ("Nonaktifkan pengguna ini? Sesinya langsung berakhir.",
                              "Disable this user? Their sessions end at once."),
    "admin.add": ("Tambah pengguna", "Add a user"),
    "admin.password": ("Kata sandi awal (minimal 10 karakter)", "Initial password (at least 10 characters)"),
    "admin.create": ("Tambah", "Add"),
    "admin.added": ("Pengguna {username} ditambahkan.", "User {username} added."),
    "admin.enabled": ("Pengguna {username} diaktifkan.", "User {username} enabled."),
    "admin.disabled": ("Pengguna {username} dinonaktifkan; sesinya berakhir.", "User {username} disabled; "
                       "their sessions ended."),
    "admin.not_self": ("Anda tidak dapat menonaktifkan akun Anda sendiri.", "You cannot disable your own account."),
    "admin.refused": ("Tidak dapat disimpan: {message}", "Not saved: {message}"),
    "admin.unknown_agency": ("Instansi {agency} tidak ada di tabel rute.", "Agency {agency} is not in the routing table."),
    "admin.routing": ("Tabel rute instansi", "Agency routing table"),
    "admin.routing_file": ("Berkas: {path}", "File: {path}"),
    "admin.routing_shipped": ("Konsol memakai tabel bawaan, yang hanya dapat dibaca. Untuk mengubahnya, salin tabel ini "
                              "ke sebuah berkas, setel LAPOR_ROUTING_FILE ke jalur berkas itu, lalu mulai ulang "
                              "konsol:",
                              "The console uses the shipped table, which is read-only. To change it, copy this table "
                              "to a file, set LAPOR_ROUTING_FILE to its path and restart the console:"),
    "admin.province": ("Provinsi {province} · cadangan: {fallback}", "Province {province} · fallback: {fallback}"),
    "admin.col.id": ("ID", "ID"),
    "admin.col.categories": ("Kategori", "Categories"),
    "admin.col.regions": ("Wilayah", "Regions"),
    "admin.col.channels": ("Saluran", "Channels"),
    "admin.col.digest": ("Ringkasan harian", "Daily digest"),
    "admin.yes": ("ya", "yes"),
    "admin.no": ("tidak", "no"),
    "admin.replace": ("Ganti tabel rute", "Replace the routing table"),
    "admin.replace_help": ("Unggah berkas TOML atau tempel isinya. Tabel diperiksa seperti saat bot mulai; hanya tabel "
                           "yang sah yang disimpan. Proses bot lain membacanya saat dimulai ulang.",
                           "Upload a TOML file or paste it. It is checked as at start-up; only a valid table is "
                           "saved. The bot's other processes read it when they restart."),
    "admin.upload": ("Berkas TOML", "TOML file"),
    "admin.paste": ("Atau tempel TOML", "Or paste the TOML"),
    "admin.save": ("Periksa dan simpan", "Check and save"),
    "admin.confirm_routing": ("Ganti tabel rute yang berlaku?", "Replace the routing table in force?"),
    "admin.routing_saved": ("Tabel rute disimpan: {count} instansi.", "Routing table saved: {count} agencies."),
    "admin.routing_invalid": ("Tabel rute tidak sah, tidak disimpan:", "The routing table is not valid; not saved:"),
    "admin.routing_empty": ("Tidak ada TOML yang dikirim.", "No TOML was sent."),
    "admin.routing_readonly": ("Tabel bawaan hanya dapat dibaca: setel LAPOR_ROUTING_FILE dahulu.",
                               "The shipped table is read-only: set LAPOR_ROUTING_FILE first."),
    "admin.routing_unwritable": ("Berkas tidak dapat ditulis: {error}", "The file cannot be written: {error}"),
})


# --- users -------------------------------------------------------------------------------------
@bp.get("/admin/users")
@requires("admin")
def user_list() -> str:
    """List the console's users, with the form to add one."""
    return render_template("admin_users.html", users=users(console().store), roles=ROLES,
                           agencies=console().routing.agencies, when=when, form={})


@bp.post("/admin/users")
@requires("admin")
def add() -> Response | tuple[str, int]:
    """Add a user with an initial password."""
    form = {key: (request.form.get(key) or "").strip() for key in ("username", "name", "role", "agency_id")}
    agency_id = form["agency_id"] if form["role"] == "agency" else ""
    try:
        if agency_id and agency_id not in {a.id for a in console().routing.agencies}:
            raise UserError(t("admin.unknown_agency", agency=agency_id))
        hashed = hash_password(request.form.get("password") or "")
        app = console()
        user = add_user(app.store, form["username"], form["name"], hashed, form["role"], app.now(),
                        agency_id=agency_id or None, actor=actor())
    except (UserError, PasswordError) as error:
        flash(t("admin.refused", message=str(error)), "error")
        page = render_template("admin_users.html", users=users(console().store), roles=ROLES,
                               agencies=console().routing.agencies, when=when, form=form)
        return page, 400
    flash(t("admin.added", username=user.username), "ok")
    return redirect(url_for("admin.user_list"))


@bp.post("/admin/users/<username>/active")
@requires("admin")
def set_active(username: str) -> Response:
    """Disable or enable a user (disabling ends their sessions and API tokens' use)."""
    active = request.form.get("active") == "1"
    me = current_user()
    if not active and me is not None and me.username == username.strip().lower():
        flash(t("admin.not_self"), "error")
        return redirect(url_for("admin.user_list"))
    app = console()
    try:
        user = update_user(app.store, username, app.now(), actor=actor(), active=active)
    except UserError as error:
        flash(t("admin.refused", message=str(error)), "error")
        return redirect(url_for("admin.user_list"))
    flash(t("admin.enabled" if active else "admin.disabled", username=user.username), "ok")
    return redirect(url_for("admin.user_list"))


# --- the routing table ---------------------------------------------------------------------------
@bp.get("/admin/routing")
@requires("admin")
def routing() -> str:
    """Show the routing table in force and the form to replace it."""
    return _routing_page(None, None)[0]


@bp.post("/admin/routing")
@requires("admin")
def replace_routing() -> Response | tuple[str, int]:
    """Check an uploaded or pasted table; save it and route with it only when it is valid."""
    app = console()
    target = app.settings.routing_file
    if not target:
        return _routing_page(t("admin.routing_readonly"), None, 409)
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", errors="replace") if upload and upload.filename else ""
    text = text or request.form.get("toml", "")
    if not text.strip():
        return _routing_page(t("admin.routing_empty"), text, 400)
    try:
        table = _check_and_write(text, Path(target))
    except RoutingError as error:
        return _routing_page(f"{t('admin.routing_invalid')} {error}", text, 400)
    except OSError as error:
        return _routing_page(t("admin.routing_unwritable", error=error.strerror or error), text, 500)
    app.routing = table
    with app.store.session() as session:
        record_audit(session, None, actor(), "routing_replaced", app.now(), field="routing_file", value=target,
                     reason=f"{len(table.agencies)} agencies")
    flash(t("admin.routing_saved", count=len(table.agencies)), "ok")
    return redirect(url_for("admin.routing"))


def _check_and_write(text: str, target: Path) -> RoutingTable:
    """Write `text` beside `target`, check it with the start-up parser, then move it into place."""
    handle, temporary = tempfile.mkstemp(prefix=".routing-", suffix=".toml", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        try:
            table = load_routing(temporary)
        except RoutingError as error:
            raise RoutingError(str(error).replace(temporary, target.name)) from None
        os.replace(temporary, target)
        return table
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _routing_page(error: str | None, text: str | None, status: int = 200) -> tuple[str, int]:
    app = console()
    target = app.settings.routing_file
    if text is None:
        text = _current_text(target)
    return render_template("admin_routing.html", table=app.routing, target=target, text=text, error=error), status


def _current_text(target: str | None) -> str:
    if target:
        try:
            return Path(target).read_text(encoding="utf-8")
        except OSError:
            return ""
    return resources.files("ingest").joinpath(SHIPPED).read_text(encoding="utf-8")
