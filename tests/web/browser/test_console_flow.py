"""The console end to end in headless Chromium: officers, an agency, the citizen's status page."""

from __future__ import annotations

import re
from typing import Any

from bot.wiring import load_routing_table
from ingest.store.followups import followups_of
from ingest.store.models import ComplaintRow
from tests.web.browser.conftest import (
    FLOW_PASSWORD,
    PASSWORDS,
    Site,
    add_agency_user,
    sign_in,
    sign_out,
)

RESPONSE = "Lubang sudah ditambal oleh tim pemeliharaan jalan pada hari Jumat. Terima kasih atas laporannya."


def _pick(site: Site, taken: set[str], **wanted: Any) -> ComplaintRow:
    """Return an untouched complaint awaiting verification (not the demo's, not the script one)."""
    routing = load_routing_table(site.settings)
    demo = {n for numbers in site.demo.moved.values() for n in numbers}
    for row in site.complaints():
        if (row.status != "awaiting_verification" or row.tracking_number in demo | taken or "<script>" in row.text
                or row.cluster_id is not None or not row.agency_id):
            continue
        agency = routing.agency(row.agency_id)
        if wanted.get("email_only") and (agency.forward_by != ("email",) or agency.digest):
            continue
        taken.add(row.tracking_number)
        return row
    raise AssertionError(f"no complaint fit {wanted}")


def _flash(page: Any) -> str:
    return page.locator(".flash").all_inner_texts().__str__()


def _submit(page: Any, action: str) -> None:
    """Submit the complaint page's form for `action` and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(f"form[action$='/{action}'] button[type=submit]").click()


def test_officer_and_agency_work_a_complaint_to_the_citizens_status_page(site: Site, browser_page) -> None:
    page, watch = browser_page
    taken: set[str] = set()
    target = _pick(site, taken, email_only=True)
    moved, duplicate, into = _pick(site, taken), _pick(site, taken), _pick(site, taken)
    number = target.tracking_number

    # An officer finds the complaint from the queue, verifies it and forwards it.
    sign_in(page, "petugas", PASSWORDS["petugas"])
    assert page.url.endswith("/queue")
    page.fill("input[name=q]", number)
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    with page.expect_navigation():
        page.locator("table.queue a", has_text=number).click()
    assert page.url.endswith(f"/complaints/{number}")
    _submit(page, "verify")
    assert f"{number} diverifikasi" in _flash(page)
    _submit(page, "forward")
    assert re.search(rf"{number} dijadwalkan diteruskan lewat .*email", _flash(page)), _flash(page)
    assert site.complaint(number).status == "verified"

    # It reclassifies a second complaint (a new category re-routes it) ...
    new_category = "lingkungan" if moved.category != "lingkungan" else "kesehatan"
    page.goto(f"/complaints/{moved.tracking_number}")
    page.select_option("form[action$='/reclassify'] select[name=category]", new_category)
    page.fill("form[action$='/reclassify'] input[name=note]", "Salah kategori")
    _submit(page, "reclassify")
    assert "diklasifikasi ulang" in _flash(page)
    assert site.complaint(moved.tracking_number).category == new_category

    # ... and merges a third into a fourth, after confirming.
    page.goto(f"/complaints/{duplicate.tracking_number}")
    page.fill("form[action$='/merge'] input[name=into]", into.tracking_number)
    _submit(page, "merge")
    assert [kind for kind, _ in watch.dialogs] == ["confirm"]
    assert site.complaint(duplicate.tracking_number).status == "merged"
    assert site.complaint(duplicate.tracking_number).cluster_id == site.complaint(into.tracking_number).id
    sign_out(page)

    # The bot's forward job delivers it by e-mail (the loopback SMTP server).
    site.run_forward_job()
    assert site.complaint(number).status == "forwarded"
    assert any(number in envelope.content.decode("utf-8", "replace") for envelope in site.smtp.handler.envelopes)

    # The agency sees it in its inbox and posts a public response.
    add_agency_user(site, site.flow_user, target.agency_id or "")
    sign_in(page, site.flow_user, FLOW_PASSWORD)
    assert page.url.endswith("/agency")
    with page.expect_navigation():
        page.locator("table.inbox a", has_text=number).click()
    page.check("input[name=status][value=responded]")
    page.fill("textarea[name=note]", RESPONSE)
    page.check("input[name=public]")
    with page.expect_navigation():
        page.locator("form.respond button[type=submit]").click()
    assert site.complaint(number).status == "responded"
    assert RESPONSE in page.locator(".response .note").all_inner_texts()

    # The citizen's status page shows the response; the follow-up reply is owed.
    page.goto(f"/status/{number}")
    assert page.locator("main").inner_text().count(RESPONSE) == 1
    assert target.author_username not in page.content()
    complaint_id = site.complaint(number).id
    assert complaint_id is not None
    assert "responded" in [f.status for f in followups_of(site.store, complaint_id)]


def test_a_tweet_with_a_script_tag_shows_as_text(site: Site, browser_page) -> None:
    page, watch = browser_page
    row = next(c for c in site.complaints() if "<script>" in c.text)
    sign_in(page, "petugas", PASSWORDS["petugas"])
    page.fill("input[name=q]", "alert(1)")
    with page.expect_navigation():
        page.press("input[name=q]", "Enter")
    assert "<script>alert(1)</script>" in page.locator("table.queue").inner_text()
    page.goto(f"/complaints/{row.tracking_number}")
    assert "<script>alert(1)</script>" in page.locator(".tweet-text").first.inner_text()
    assert page.locator("main script").count() == 0
    page.wait_for_timeout(200)
    assert watch.dialogs == []


def test_an_agency_sees_its_own_inbox_and_not_another_agencys_complaint(site: Site, browser_page) -> None:
    page, watch = browser_page
    own = [n for n in site.demo.moved["forwarded"] if site.complaint(n).agency_id == "dinkes-sumbar"]
    other = next(n for n in site.demo.moved["forwarded"] if site.complaint(n).agency_id != "dinkes-sumbar")
    sign_in(page, "dinkes", PASSWORDS["dinkes"])
    inbox = page.locator("main").inner_text()
    assert any(n in inbox for n in own) and other not in inbox
    for path in (f"/agency/complaints/{other}", f"/agency/complaints/{other.lower()}", "/agency/complaints/LPR-0000-99999"):
        watch.allowed.append(path)
        assert page.goto(path).status == 404, path
    watch.allowed.append(f"/complaints/{other}")
    assert page.goto(f"/complaints/{other}").status == 403
