"""End-to-end cases of issue 20 (web3): typing over long polling with a plain HTTP client
(docs/PROTOCOL.md "Long polling"). The browser side is in web_browser.js's longpoll phase.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import threading
import time

from cases_web import Http
from irisd_e2e import Irisd, cid


def case_web_typing_over_http_reaches_a_held_poll_of_a_participant_only():
    s = Irisd("--http.poll.typing_per_s", "1", "--http.poll.typing_burst", "2")
    try:
        alice = Http(s, s.token("1", "web"))
        status, r = alice.json("POST", "/v1/threads", {"create_thread_request": {
            "client_id": cid(1), "name": "typing", "participants": ["2"]}})
        assert status == 200, r
        thread = r["send_result"]["thread"]
        bob, carol = Http(s, s.token("2", "web")), Http(s, s.token("3", "web"))
        positions = {}
        for name, who in (("bob", bob), ("carol", carol)):
            status, snap = who.json("GET", "/v1/snapshot")
            positions[name] = (snap["snapshot"]["epoch"], snap["snapshot"]["seq"])
        # carol is in no thread: typing in alice's is refused, and she never hears it.
        status, r = carol.json("POST", "/v1/requests", {"typing": {"thread": thread, "user": "3", "active": True}})
        assert status == 403 and r["error"]["code"] == "not_participant", (status, r)
        got = {}

        def held(name, who):
            epoch, seq = positions[name]
            got[name] = who.json("GET", "/v1/poll?epoch=%s&seq=%s&timeout_ms=2500" % (epoch, seq))
        polls = [threading.Thread(target=held, args=a) for a in (("bob", bob), ("carol", carol))]
        for p in polls:
            p.start()
        time.sleep(0.5)  # both polls held
        # alice says she types (claiming to be someone else: the server stamps her id).
        status, r = alice.json("POST", "/v1/requests", {"typing": {"thread": thread, "user": "9", "active": True}})
        assert status == 204, (status, r)
        for p in polls:
            p.join(10)
        status, r = got["bob"]
        assert status == 200 and r["typing"] == {"thread": thread, "user": "1", "active": True}, (status, r)
        assert got["carol"] == (204, None), got["carol"]
        # A typing answer moves nothing: bob's next poll at the same position is held.
        epoch, seq = positions["bob"]
        status, r = bob.json("GET", "/v1/poll?epoch=%s&seq=%s&timeout_ms=300" % (epoch, seq))
        assert status == 204, (status, r)
        # The per-user rate (1/s, burst 2): the third at once is 429.
        codes = [alice.call("POST", "/v1/requests", {"typing": {"thread": thread, "user": "1", "active": True}})[0]
                 for _ in range(3)]
        assert codes[:1] == [204] and 429 in codes, codes
        s.stop()
    finally:
        s.cleanup()
