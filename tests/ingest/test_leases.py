"""Leases: one poller at a time across processes, taken over when its holder stops renewing."""

from __future__ import annotations

import threading
from datetime import timedelta

from ingest.store.leases import acquire, holder_of, release
from ingest.store.store import open_store

TTL = timedelta(minutes=3)


def test_one_holder_at_a_time_and_renewal_keeps_it(store, clock):
    assert acquire(store, "poll", "a", clock.now, TTL)
    assert not acquire(store, "poll", "b", clock.now, TTL)
    clock.advance(minutes=2)
    assert acquire(store, "poll", "a", clock.now, TTL)  # renewed
    clock.advance(minutes=2)
    assert not acquire(store, "poll", "b", clock.now, TTL)  # 2 minutes after the renewal: still a's
    assert holder_of(store, "poll", clock.now, TTL) == "a"
    assert acquire(store, "send", "b", clock.now, TTL)  # another lease is independent


def test_a_dead_holders_lease_expires_and_a_release_frees_it_at_once(store, clock):
    assert acquire(store, "poll", "a", clock.now, TTL)
    clock.advance(minutes=3, seconds=1)
    assert holder_of(store, "poll", clock.now, TTL) is None
    assert acquire(store, "poll", "b", clock.now, TTL)
    release(store, "poll", "a")  # not a's any more: nothing happens
    assert not acquire(store, "poll", "a", clock.now, TTL)
    release(store, "poll", "b")
    assert acquire(store, "poll", "a", clock.now, TTL)


def test_many_workers_racing_for_a_free_lease_get_exactly_one(db_url, store, clock):
    stores = [open_store(db_url) for _ in range(6)]
    won: list[str] = []
    start = threading.Barrier(len(stores))

    def race(index: int) -> None:
        start.wait()
        if acquire(stores[index], "poll", f"w{index}", clock.now, TTL):
            won.append(f"w{index}")

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for opened in stores:
        opened.close()
    assert len(won) == 1
    assert holder_of(store, "poll", clock.now, TTL) == won[0]
