"""Signing in and the rules every page shares: throttling, cookies, headers, CSRF, sessions."""

from __future__ import annotations

from bot.settings import load_settings
from bot.web.app import Console, create_app
from bot.web.passwords import hash_password
from ingest.routing import load_routing
from ingest.store.users import update_user
from ingest.workdays import WorkCalendar
from tests.web.conftest import app_for, csrf, login, make_user


def _post_login(client, username, password, **query):
    token = csrf(client)
    return client.post("/login", query_string=query, data={"csrf_token": token, "username": username,
                                                           "password": password})


def test_sign_in_sends_each_role_home_and_a_wrong_password_is_refused(web_store, clock):
    app = app_for(web_store, clock)
    officer, agency = make_user(web_store, "rina", "officer"), make_user(web_store, "dinkes", "agency", "dinkes-sumbar")
    with app.test_client() as client:
        assert _post_login(client, "rina", "not-the-password").status_code == 401
        assert login(client, *officer).headers["Location"].endswith("/queue")
    with app.test_client() as client:
        assert login(client, *agency).headers["Location"].endswith("/agency")


def test_five_failures_lock_the_name_even_for_the_right_password_until_the_window_ends(web_store, clock):
    app = app_for(web_store, clock)
    username, password = make_user(web_store, "rina", "officer")
    with app.test_client() as client:
        for _ in range(5):
            assert _post_login(client, username, "guess-guess-guess").status_code == 401
        locked = _post_login(client, username, password)
        assert locked.status_code == 429 and "menit" in locked.get_data(as_text=True)
        clock.advance(minutes=16)
        assert _post_login(client, username, password).status_code == 302


def test_cookies_and_headers_of_a_production_console(web_store, clock):
    console = Console(settings=load_settings({}), store=web_store, routing=load_routing(), calendar=WorkCalendar(),
                      now=clock)
    app = create_app(console, secret_key="k" * 40, secure_cookies=True)
    with app.test_client() as client:
        page = client.get("/login", base_url="https://console.example")
        cookie = page.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_csrf_is_required_to_sign_in_and_to_sign_out(web_store, clock):
    app = app_for(web_store, clock)
    username, password = make_user(web_store, "rina", "officer")
    with app.test_client() as client:
        client.get("/login")
        refused = client.post("/login", data={"username": username, "password": password})
        assert refused.status_code == 400
        login(client, username, password)
        assert client.post("/logout").status_code == 400  # no token: still signed in
        assert client.get("/queue").status_code == 200


def test_a_password_change_ends_the_users_sessions(web_store, clock):
    app = app_for(web_store, clock)
    username, password = make_user(web_store, "rina", "officer")
    with app.test_client() as client:
        login(client, username, password)
        assert client.get("/queue").status_code == 200
        update_user(web_store, username, clock.now, actor="officer:admin", password_hash=hash_password("a-new-pass-123"))
        assert client.get("/queue").headers["Location"].startswith("/login")


def test_next_is_followed_only_to_a_path_of_this_site(web_store, clock):
    app = app_for(web_store, clock)
    username, password = make_user(web_store, "rina", "officer")
    for target, expected in (("/dashboard", "/dashboard"), ("https://evil.example/x", "/queue"),
                             ("//evil.example/x", "/queue")):
        with app.test_client() as client:
            answer = _post_login(client, username, password, next=target)
            assert answer.headers["Location"] == expected


def test_a_disabled_user_cannot_sign_in(web_store, clock):
    app = app_for(web_store, clock)
    username, password = make_user(web_store, "rina", "officer")
    update_user(web_store, username, clock.now, actor="officer:admin", active=False)
    with app.test_client() as client:
        assert _post_login(client, username, password).status_code == 401
