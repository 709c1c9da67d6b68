"""End-to-end cases of issue 23's sync limits (docs/PROTOCOL.md "Rate limits and queue
shares"): a device flooding sends gets `rate_limited` with a retry-after, and a sender that
fills its share of another user's queue gets `queue_full`, while another user's sends to the
same victim and the victim's own sends go on. Real clients: Paho (MQTT 3.1.1) devices.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import json
import time

from irisd_e2e import TIMEOUT, Irisd, cid
from cases_sync import Device, create_thread


def send_all(dev, thread, n, first_cid):
    """Publishes n sends at once (Paho's window), then returns the response to each, by
    client id order: {"send_result": ...} or {"error": ...}."""
    ids = [cid(first_cid + i) for i in range(n)]
    for i, c in enumerate(ids):
        dev.request({"send_request": {"client_id": c, "thread": thread, "body": "flood %d" % i}})
    got = {}
    deadline = time.monotonic() + TIMEOUT
    while len(got) < n:
        assert time.monotonic() < deadline, "responses missing: %d of %d" % (len(got), n)
        r = dev.next("/responses")
        body = r.get("send_result") or r.get("error")
        if body and body.get("client_id") in ids:
            got[body["client_id"]] = r
    return [got[c] for c in ids]


def send_one(dev, thread, n):
    """One send, its response."""
    return send_all(dev, thread, 1, n)[0]


def case_sync_limits_flooder_is_rate_limited_and_fills_only_its_own_share():
    share, rate, burst = 20, 4, 5
    s = Irisd("--sync.rate.conn_sends_per_s", str(rate), "--sync.rate.conn_sends_burst", str(burst),
              "--store.max_sender_share", str(share))
    try:
        victim, mallory, bob = "5", "3", "2"
        flood = Device(s, mallory, "mallory-phone")
        # This device speaks protocol version 4, so it may be sent queue_full.
        flood.request({"resume_request": {"epoch": "0", "last_seq": "0", "max_updates": 0,
                                          "protocol_version": 4}})
        spam = create_thread(flood, [int(victim)])
        friend = Device(s, bob, "bob-phone")
        chat = create_thread(friend, [int(victim)], n=2)
        own = Device(s, victim, "victim-phone")

        # 30 sends at once from one connection: its burst passes, then one per 250 ms while
        # they arrive; the rest is refused with the time until the next would pass, never
        # dropped silently.
        start = time.monotonic()
        results = send_all(flood, spam, 30, 1000)
        took = time.monotonic() - start
        passed = [r for r in results if "send_result" in r]
        refused = [r["error"] for r in results if "error" in r]
        assert burst <= len(passed) <= burst + rate * took + 1, (took, results)
        assert len(passed) + len(refused) == 30
        assert len(refused) >= 10, results
        for e in refused:
            assert e["code"] == "rate_limited", e
            assert 0 < int(e["retry_after_ms"]) <= 1000 // rate, e

        # Nobody else pays for it.
        assert "send_result" in send_one(friend, chat, 2000), "another user's send to the victim"
        assert "send_result" in send_one(own, chat, 3000), "the victim's own send"

        # Mallory honours the retry-after and goes on until its share of the victim's queue
        # is used up (the thread_created it made there counts): then queue_full, not the
        # retryable `unavailable`.
        held = 1 + len(passed)
        full = None
        deadline = time.monotonic() + TIMEOUT
        n = 4000
        while full is None:
            assert time.monotonic() < deadline, "no queue_full after %d held" % held
            r = send_one(flood, spam, n)
            n += 1
            if "send_result" in r:
                held += 1
                continue
            e = r["error"]
            if e["code"] == "rate_limited":
                time.sleep(int(e["retry_after_ms"]) / 1000.0)
                continue
            full = e
        assert full["code"] == "queue_full", full
        assert "retry_after_ms" not in full, full
        assert held == share, (held, share)

        # The victim's queue still takes everyone else's updates, and its own.
        for i in range(3):
            r = send_one(friend, chat, 5000 + i)
            assert "send_result" in r, r
            r = send_one(own, chat, 6000 + i)
            assert "send_result" in r, r
        # A 3.1.1 device that never said its version gets too_large: a code it knows, also
        # final (never `unavailable`).
        old = Device(s, mallory, "mallory-old-phone")
        r = send_one(old, spam, 7000)
        assert r.get("error", {}).get("code") == "too_large", r
        for d in (flood, friend, own, old):
            d.close()
    finally:
        s.stop()


def case_sync_limits_http_thread_creation_over_the_rate_limit_is_429_with_retry_after():
    """POST /v1/threads goes through the same per-user limit: beyond the burst, 429 with a
    Retry-After in whole seconds and the wait in the body's retry_after_ms; nothing created."""
    from cases_http import call
    s = Irisd("--sync.rate.thread_ops_per_s", "1", "--sync.rate.thread_ops_burst", "2")
    try:
        token = s.token("4", "laptop")
        answers = []
        for i in range(3):
            body = json.dumps({"create_thread_request": {"client_id": cid(50 + i), "name": "t",
                                                         "participants": ["5"]}})
            answers.append(call(s, "POST", "/v1/threads", token, body=body,
                                content_type="application/json"))
        assert [a[0] for a in answers] == [200, 200, 429], [(a[0], a[2]) for a in answers]
        status, headers, data = answers[2]
        error = json.loads(data)["error"]
        assert error["code"] == "rate_limited", error
        assert error["client_id"] == cid(52), error
        assert 0 < int(error["retry_after_ms"]) <= 1000, error
        assert headers["retry-after"] == "1", headers
        st, _, data = call(s, "GET", "/metrics", json_out=False)
        assert st == 200
        assert b"\niris_sync_rate_limited_total 1\n" in data, data
        snapshot = json.loads(call(s, "GET", "/v1/snapshot", token)[2])["snapshot"]
        assert len(snapshot["threads"]) == 2, snapshot
    finally:
        s.stop()
