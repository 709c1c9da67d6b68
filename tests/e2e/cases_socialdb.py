"""End-to-end case of the social state shared by a cell (issue 22, docs/CLUSTER.md "Contacts,
blocks and requests across servers and cells"): three irisd in one cell (a real standalone
ZooKeeper) on one MariaDB (scripts/mariadb up --single), whose social state is then the
social_* tables of that database (social.backend follows store.backend). One setup for the
suite, stopped by PID; the steps run in order on it:

 - a thread started by Ann (owned by server a) with Bob (owned by b), a stranger to him, is in
   Bob's requests folder in his owner's snapshot: a wrote the row b reads;
 - Bob blocks Ann on b: Ann's next message in their thread of two and her new thread with him
   are refused not_accepted on a, before any commit; nothing of hers reaches any of Bob's
   devices (one on his owner, one relayed through a);
 - a stranger on c starts a thread with Bob: it lands in his requests folder;
 - kill -9 of b: on Bob's new owner, which never saw the block written, it still holds and
   Bob's state (blocked list, requests folder) is whole.
Skipped without mariadbd or ZooKeeper.
"""
import json
import os
import shutil
import tempfile
import time

from cases_cell import ZooKeeper, member, owner, servers_in
from cases_fanout import Store, user_of
from cases_social import folders_in, http_call
from irisd_e2e import TIMEOUT, SyncDevice, cid, wait_until

NAMES = ["a", "b", "c"]


class Device6(SyncDevice):
    """A device that says protocol version 6 (so a refusal by policy reads not_accepted)."""

    def resume(self):
        self.request({"resume_request": {"epoch": self.epoch, "last_seq": str(self.seq),
                                         "max_updates": 0, "protocol_version": 6}})


def answer(dev, n):
    """The send_result or error that answers the request with client id cid(n)."""
    while True:
        r = dev.next("/responses")
        inner = r.get("send_result") or r.get("error")
        if inner.get("client_id") == cid(n):
            return r


def refused_not_accepted(dev, first_n, body):
    """Sends `body` (a request with a fresh client id each try) until it is judged: during a
    failover an answer may be `unavailable` first. Returns the final answer."""
    deadline = time.monotonic() + TIMEOUT
    n = first_n
    while True:
        req = json.loads(json.dumps(body))
        next(iter(req.values()))["client_id"] = cid(n)
        dev.request(req)
        r = answer(dev, n)
        if "send_result" in r or r["error"]["code"] == "not_accepted" or time.monotonic() > deadline:
            return r
        n += 1
        time.sleep(0.2)


def from_ann(dev, ua):
    """What of Ann's reached the device: her messages and threads."""
    return [u for u in dev.updates if u.get("actor") == str(ua) and
            ("message_created" in u["body"] or "thread_created" in u["body"])]


def snapshot(s, user):
    status, body = http_call(s, s.token(str(user), "snap"), "GET", "/v1/snapshot")
    assert status == 200, (status, body)
    return body["snapshot"]


def case_socialdb_cell_blocks_and_requests_hold_for_remote_recipients_and_after_kill_nine_of_the_owner():
    store = Store()
    zk = None
    started = []
    devices = []
    secret_dir = tempfile.mkdtemp(prefix="iris-socialdb-secret-")
    try:
        zk = ZooKeeper()
        secret_file = os.path.join(secret_dir, "secret")
        flags = ["--auth.secret_file", secret_file, "--store.backend", "mariadb",
                 "--mariadb.servers", store.servers, "--mariadb.user", "iris", "--mariadb.password", "iris",
                 "--cluster.fanout_retry_ms", "200", "--cluster.session_timeout_ms", "4000"]
        servers = {}
        for n in NAMES:
            servers[n] = member(zk, n, *flags)
            started.append(servers[n])
        wait_until(lambda: all(servers_in(s) == 3 for s in started), what="a cell of three")
        for s in started:
            assert "social store: MariaDB" in s.log_text(), s.log_text()
        ua, ub, uc = user_of("a", 1), user_of("b", 1), user_of("c", 1)

        ann = Device6(servers["a"], str(ua), "ann-phone")
        bob_phone = Device6(servers["b"], str(ub), "bob-phone")
        bob_laptop = Device6(servers["a"], str(ub), "bob-laptop")  # relayed by a to b
        cat = Device6(servers["c"], str(uc), "cat-phone")
        devices += [ann, bob_phone, bob_laptop, cat]
        for d in devices:
            d.resume()

        # ---- a stranger's thread, started on a: in Bob's requests on b
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "hi", "participants": [str(ub)]}})
        thread = answer(ann, 1)["send_result"]["thread"]
        ann.request({"send_request": {"client_id": cid(2), "thread": thread, "body": "ann-before"}})
        assert "send_result" in answer(ann, 2)
        for d in (bob_phone, bob_laptop):
            d.drain_until(lambda d=d: len(d.texts()) >= 1)
        assert folders_in(snapshot(servers["b"], ub))[thread] == "requests"

        # ---- Bob blocks Ann on his owner; a refuses her, nothing reaches Bob
        bob_phone.request({"social_request": {"client_id": cid(3), "action": "block", "user": str(ua)}})
        assert "send_result" in answer(bob_phone, 3)
        bob_seq = int(snapshot(servers["b"], ub)["seq"])
        r = refused_not_accepted(ann, 10, {"send_request": {"thread": thread, "body": "ann-blocked"}})
        assert r.get("error", {}).get("code") == "not_accepted", r
        assert "block" not in r["error"]["text"], r  # says nothing of why
        r = refused_not_accepted(ann, 20, {"create_thread_request": {"name": "again", "participants": [str(ub)]}})
        assert r.get("error", {}).get("code") == "not_accepted", r

        # ---- a stranger on c: its thread lands in Bob's requests
        cat.request({"create_thread_request": {"client_id": cid(30), "name": "cat", "participants": [str(ub)]}})
        cat_thread = answer(cat, 30)["send_result"]["thread"]
        cat.request({"send_request": {"client_id": cid(31), "thread": cat_thread, "body": "cat-hello"}})
        assert "send_result" in answer(cat, 31)
        for d in (bob_phone, bob_laptop):
            d.drain_until(lambda d=d: "cat-hello" in d.texts())
        time.sleep(0.5)  # nothing more may come
        for d in (bob_phone, bob_laptop):
            d.drain_until(lambda: True)
            assert d.texts() == ["ann-before", "cat-hello"], d.texts()
            assert len(from_ann(d, ua)) == 2, from_ann(d, ua)  # the thread and the message before the block
        snap = snapshot(servers["b"], ub)
        assert int(snap["seq"]) == bob_seq + 2, (snap["seq"], bob_seq)  # Cat's thread and message only
        assert folders_in(snap)[cat_thread] == "requests", snap
        assert snap["blocked"] == [str(ua)], snap

        # ---- kill -9 of Bob's owner: the block holds on his new owner
        servers["b"].proc.kill()
        servers["b"].proc.wait()
        wait_until(lambda: servers_in(servers["a"]) == 2 and servers_in(servers["c"]) == 2, timeout=15,
                   what="a and c to see b go")
        new_owner = servers[owner(ub, ["a", "c"])]
        r = refused_not_accepted(ann, 40, {"send_request": {"thread": thread, "body": "ann-after-kill"}})
        assert r.get("error", {}).get("code") == "not_accepted", r
        r = refused_not_accepted(ann, 60, {"create_thread_request": {"name": "again2", "participants": [str(ub)]}})
        assert r.get("error", {}).get("code") == "not_accepted", r
        bob_tablet = Device6(new_owner, str(ub), "bob-tablet")
        devices.append(bob_tablet)
        bob_tablet.resume()
        bob_tablet.drain_until(lambda: bob_tablet.seq >= bob_seq + 2)
        time.sleep(0.5)
        bob_tablet.drain_until(lambda: True)
        assert bob_tablet.texts() == ["ann-before", "cat-hello"], bob_tablet.texts()
        snap = snapshot(new_owner, ub)
        assert int(snap["seq"]) == bob_seq + 2, snap["seq"]
        assert snap["blocked"] == [str(ua)], snap
        folders = folders_in(snap)
        assert folders[cat_thread] == "requests" and folders[thread] == "requests", folders
        for n in ("a", "c"):
            servers[n].stop()
    finally:
        for d in devices:
            try:
                d.close()
            except Exception:
                pass
        for s in started:
            s.cleanup()
        if zk:
            zk.down()
        store.close()
        shutil.rmtree(secret_dir, ignore_errors=True)
