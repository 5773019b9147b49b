"""The mentions timeline misbehaving: pages that repeat or skip, mentions that vanish mid-poll."""

from __future__ import annotations

import pytest

from ingest.store.models import ReplyRow

BURST = 130  # more than one page: the bot asks X for 100 mentions a page
AUTHORS = 6  # few authors: the per-author reply limit keeps the posting part of each test short


def test_a_repeated_page_is_stored_once(world):
    w = world(fresh=BURST, authors=AUTHORS)
    w.sandbox.script_repeat_page()
    poll, _ = w.tick()
    assert poll.status == "ok" and poll.pages == 4  # page 1, page 1 again, page 2, the span above it
    assert poll.counts.stored == BURST and poll.counts.already_stored == 100 and poll.skipped == 0
    # Nothing lost, nothing twice; whether it is reported is the next test's question.
    w.verify("timeline: a page served twice (storage)", report_required=False)


def test_a_repeated_page_is_reported(world):
    w = world(fresh=BURST, authors=AUTHORS)
    w.sandbox.script_repeat_page()
    w.tick()
    w.verify("timeline: a page served twice", logged=("repeat", "already stored", "twice"),
             events=("page_repeated",))


@pytest.mark.parametrize(("on", "requests", "skipped"), [
    # page 1's next_token leads to page 3: page 2 is read by until_id below page 1
    ("/mentions", 4, 100),
    # page 2's next_token would lead past the last page, so it has none: page 3 is read below it
    ("pagination_token=", 5, 50),
])
def test_a_skipped_page_loses_no_mention(world, on, requests, skipped):
    w = world(fresh=250, authors=AUTHORS)  # three pages: 100, 100, 50
    w.sandbox.script_skip_page(on)
    poll, _ = w.tick()
    # All of them in this very poll, none left to a gap and recent search.
    assert poll.status == "ok" and poll.pages == requests
    assert poll.counts.stored == 250 and poll.skipped == skipped and poll.gaps_opened == 0
    [event] = w.events("page_skipped")
    assert f"skipped {skipped} mentions" in event.message
    w.verify("timeline: a page skipped", logged=("next_token skipped",), events=("page_skipped",))


def test_mentions_deleted_between_page_one_and_page_two_are_handled(world):
    w = world(fresh=BURST, authors=AUTHORS)
    on_page_two = w.sandbox.mention_ids()[110]  # newest first: 100 a page
    # The newest mention, on page 1, from an author with no other mention (so it gets a reply).
    on_page_one = w.sandbox.add_mention("Lampu jalan di Jl. Sudirman Padang mati sejak Senin, gelap sekali",
                                        author="warga_sekali")
    w.sandbox.script_action("pagination_token=", lambda: (w.sandbox.delete_tweet(on_page_one),
                                                          w.sandbox.delete_tweet(on_page_two)))
    poll, _ = w.tick()
    assert poll.status == "ok" and poll.counts.stored == BURST
    stored = set(w.stored())
    assert on_page_one in stored and on_page_two not in stored  # read before it vanished / never seen
    w.verify("timeline: mentions deleted mid-poll", logged=("deleted",))
    assert on_page_one not in w.targets()
    [reply] = [r for r in w.replies() if r.in_reply_to_tweet_id == on_page_one]
    assert reply.status == "failed" and "deleted" in reply.last_error


def test_a_mention_deleted_between_poll_and_reply_gets_no_reply(world):
    w = world(fresh=4)
    w.bot.poll()
    gone = w.sandbox.mention_ids()[0]
    w.sandbox.delete_tweet(gone)
    _, send = w.tick()
    assert send.failed == 1
    w.verify("timeline: a mention deleted before its reply", logged=("deleted",), events=("reply_failed",))
    [reply] = w.bot.store.read(lambda s: list(s.exec(
        ReplyRow.__table__.select().where(ReplyRow.in_reply_to_tweet_id == gone))))
    assert reply.status == "failed" and gone not in w.targets()


def test_a_mention_edited_between_polls_is_one_complaint_with_one_reply(world):
    w = world(fresh=2)
    w.tick()
    first = w.sandbox.mention_ids()[-1]
    edited = w.sandbox.edit_tweet(first, "jalan berlubang besar di Pauh dekat rumah no 1, tolong segera ditambal")
    poll, _ = w.tick()
    assert poll.counts.links.get("same_tweet") == 1
    w.settle()
    assert edited not in w.targets() and len(w.targets()) == len(set(w.targets()))
