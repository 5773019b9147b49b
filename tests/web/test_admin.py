"""The admin pages: adding, disabling and enabling users; viewing and replacing the routing table."""

from __future__ import annotations

import io
from importlib import resources

import pytest
from sqlmodel import select

from bot.web.passwords import check_password
from ingest.store.models import AuditRow
from ingest.store.users import user_by_name
from tests.web.agency_helpers import app_for, csrf, login, make_user

SHIPPED = resources.files("ingest").joinpath("rules/agencies.toml").read_text(encoding="utf-8")


@pytest.fixture
def app(store, clock):
    return app_for(store, clock)


@pytest.fixture
def admin(app, store):
    client = app.test_client()
    login(client, *make_user(store, "boss", "admin"))
    return client


def audit(store, action):
    return store.read(lambda s: list(s.exec(select(AuditRow).where(AuditRow.action == action))))


def test_lists_users(admin, store):
    make_user(store, "pupr", "agency", "dpupr-sumbar")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "pupr" in page and "dpupr-sumbar" in page and "boss" in page


def test_adds_an_agency_user_who_can_sign_in(admin, app, store):
    answer = admin.post("/admin/users", data={
        "username": "Dinkes1", "name": "Staf Dinkes", "role": "agency", "agency_id": "dinkes-sumbar",
        "password": "kata-sandi-panjang", "csrf_token": csrf(admin)})
    assert answer.status_code == 302
    user = user_by_name(store, "dinkes1")
    assert (user.role, user.agency_id, user.display_name) == ("agency", "dinkes-sumbar", "Staf Dinkes")
    assert check_password(user.password_hash, "kata-sandi-panjang")[0]
    assert [a.actor for a in audit(store, "user_added") if a.value == "dinkes1:agency"] == ["officer:boss"]
    other = app.test_client()
    login(other, "dinkes1", "kata-sandi-panjang")
    assert other.get("/agency").status_code == 200


@pytest.mark.parametrize("form,words", [
    ({"username": "x1", "role": "officer", "password": "short"}, "10"),
    ({"username": "x1", "role": "agency", "agency_id": "", "password": "long-enough-pw"}, "agency"),
    ({"username": "x1", "role": "agency", "agency_id": "nope", "password": "long-enough-pw"}, "nope"),
    ({"username": "bad name!", "role": "officer", "password": "long-enough-pw"}, "username"),
    ({"username": "boss", "role": "officer", "password": "long-enough-pw"}, "exists"),
    ({"username": "x1", "role": "king", "password": "long-enough-pw"}, "role"),
])
def test_refuses_bad_users_with_the_reason(admin, store, form, words):
    answer = admin.post("/admin/users", data={**form, "csrf_token": csrf(admin)})
    assert answer.status_code == 400 and words in answer.get_data(as_text=True)
    assert user_by_name(store, "x1") is None


def test_user_text_is_escaped(admin, store):
    admin.post("/admin/users", data={"username": "mal", "name": "<script>alert(1)</script>", "role": "officer",
                                     "password": "long-enough-pw", "csrf_token": csrf(admin)})
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_disabling_ends_the_users_session_and_enabling_restores_sign_in(admin, app, store):
    username, password = make_user(store, "rina", "officer")
    rina = app.test_client()
    login(rina, username, password)
    assert rina.get("/queue").status_code == 200
    answer = admin.post("/admin/users/rina/active", data={"active": "0", "csrf_token": csrf(admin)})
    assert answer.status_code == 302 and not user_by_name(store, "rina").active
    assert rina.get("/queue").status_code == 302  # back to the sign-in page
    assert [(a.previous, a.value, a.actor) for a in audit(store, "user_active")] == [("True", "False", "officer:boss")]
    admin.post("/admin/users/rina/active", data={"active": "1", "csrf_token": csrf(admin)})
    assert user_by_name(store, "rina").active
    login(rina, username, password)


def test_admin_cannot_disable_themselves(admin, store):
    admin.post("/admin/users/boss/active", data={"active": "0", "csrf_token": csrf(admin)})
    assert user_by_name(store, "boss").active


def test_user_changes_need_csrf(admin, store):
    make_user(store, "rina", "officer")
    assert admin.post("/admin/users/rina/active", data={"active": "0"}).status_code == 400
    assert admin.post("/admin/users", data={"username": "x1", "role": "officer",
                                            "password": "long-enough-pw"}).status_code == 400
    assert user_by_name(store, "rina").active and user_by_name(store, "x1") is None


@pytest.mark.parametrize("role,agency", [("officer", None), ("agency", "dpupr-sumbar")])
def test_only_admins_reach_the_admin_pages(app, store, role, agency):
    client = app.test_client()
    login(client, *make_user(store, "someone", role, agency))
    for path in ("/admin/users", "/admin/routing"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/users/someone/active", data={"active": "0", "csrf_token": csrf(client)}).status_code == 403


# --- the routing table --------------------------------------------------------------------------
@pytest.fixture
def routing_app(store, clock, tmp_path):
    path = tmp_path / "agencies.toml"
    path.write_text(SHIPPED, encoding="utf-8")
    app = app_for(store, clock, {"LAPOR_ROUTING_FILE": str(path)})
    client = app.test_client()
    login(client, *make_user(store, "boss", "admin"))
    return app, client, path


def test_routing_page_shows_the_agencies(admin):
    page = admin.get("/admin/routing").get_data(as_text=True)
    assert "dpupr-sumbar" in page and "Dinas Pekerjaan Umum" in page
    assert "LAPOR_ROUTING_FILE" in page and 'name="toml"' not in page  # the shipped table is read-only


def test_shipped_table_cannot_be_replaced(admin):
    answer = admin.post("/admin/routing", data={"toml": SHIPPED, "csrf_token": csrf(admin)})
    assert answer.status_code == 409 and "LAPOR_ROUTING_FILE" in answer.get_data(as_text=True)


def test_a_broken_table_is_refused_with_the_parsers_message(routing_app, store):
    app, client, path = routing_app
    broken = SHIPPED.replace('id = "dinkes-sumbar"', 'id = "Dinkes Sumbar"')
    answer = client.post("/admin/routing", data={"toml": broken, "csrf_token": csrf(client)})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "agencies.toml: agency #" in page and "expected a slug" in page
    assert path.read_text(encoding="utf-8") == SHIPPED
    assert not_toml_left(path)
    answer = client.post("/admin/routing", data={"toml": "province = [", "csrf_token": csrf(client)})
    assert answer.status_code == 400 and "not valid TOML" in answer.get_data(as_text=True)
    assert audit(store, "routing_replaced") == []


def not_toml_left(path):
    return [p.name for p in path.parent.iterdir()] == [path.name] or all(
        not p.name.startswith(".routing-") for p in path.parent.iterdir())


def test_a_good_table_is_saved_used_and_audited(routing_app, store):
    app, client, path = routing_app
    renamed = SHIPPED.replace("Dinas Kesehatan Provinsi Sumatera Barat", "Dinas Kesehatan Sumbar (baru)")
    answer = client.post("/admin/routing", data={
        "file": (io.BytesIO(renamed.encode()), "agencies.toml"), "csrf_token": csrf(client)},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    assert path.read_text(encoding="utf-8") == renamed
    assert app.extensions["lapor_console"].routing.agency("dinkes-sumbar").name == "Dinas Kesehatan Sumbar (baru)"
    [line] = audit(store, "routing_replaced")
    assert line.actor == "officer:boss" and line.value == str(path)
    assert "Dinas Kesehatan Sumbar (baru)" in client.get("/admin/routing").get_data(as_text=True)
    assert not_toml_left(path)
