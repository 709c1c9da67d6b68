"""End-to-end cases of message lifecycles (issue 21, docs/PROTOCOL.md "Edits, unsends and
reactions" and "Badge"): the `iris` CLI edits, unsends, deletes for itself and reacts against
a real irisd; paho devices see the updates (a version 4 device without the reactions), the
badge pushed and served over HTTP, and a catch-up that folds unsent messages away.

Run through irisd_e2e.py; IRIS_CLI names the iris binary (set by CMake).
"""
import http.client
import json
import os
import shutil
import tempfile
import time

from irisd_e2e import TIMEOUT, Irisd, SyncDevice, cid
from cases_client import iris, login


def act(dev, thread, message, action, text="", n=1):
    """A message_action_request over MQTT; returns its answer on the responses topic."""
    dev.request({"message_action_request": {"client_id": cid(50_000 + n), "thread": thread,
                                            "message": message, "action": action, "text": text}})
    while True:
        r = dev.next("/responses")
        inner = r.get("send_result") or r.get("error")
        if inner.get("client_id") == cid(50_000 + n):
            return r


class Counting(SyncDevice):
    """A SyncDevice that keeps the unread count of every badge it is pushed."""

    def apply(self, msg):
        if "badge" in msg:
            self.__dict__.setdefault("badges", []).append(msg["badge"]["unread"])
        return super().apply(msg)


class Device5(Counting):
    """A SyncDevice that says protocol version 5 in every resume (its resyncs included)."""

    def resume(self):
        self.request({"resume_request": {"epoch": self.epoch, "last_seq": str(self.seq),
                                         "max_updates": 0, "protocol_version": 5}})


def get_badge(s, token):
    conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
    conn.request("GET", "/v1/badge", headers={"Authorization": "Bearer " + token,
                                              "Accept": "application/json"})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    assert r.status == 200, (r.status, body)
    return json.loads(body)["badge"]


def badges(dev, want, after=0):
    """Reads the device's messages (applying batches) until it was pushed a badge of `want`
    after its first `after` ones; returns those pushed since."""
    dev.drain_until(lambda: want in dev.__dict__.get("badges", [])[after:])
    return dev.badges[after:]


def case_lifecycle_cli_edit_unsend_delete_for_me_and_react():
    s = Irisd()
    home = tempfile.mkdtemp(prefix="iris-life-")
    ann, bob = os.path.join(home, "ann"), os.path.join(home, "bob")
    try:
        login(s, ann, "1", "ann-laptop")
        login(s, bob, "2", "bob-phone")
        thread = json.loads(iris(ann, "--json", "create-thread", "--name", "plans", "2").stdout)["thread"]
        first = json.loads(iris(ann, "--json", "send", thread, "helo").stdout)["message"]
        second = json.loads(iris(ann, "--json", "send", thread, "oops, wrong thread").stdout)["message"]
        third = json.loads(iris(ann, "--json", "send", thread, "see you").stdout)["message"]

        iris(ann, "edit", thread, first, "hello")
        iris(ann, "edit", thread, first, "hello!")
        iris(ann, "unsend", thread, second)
        iris(bob, "react", thread, first, "👍")
        iris(bob, "delete", thread, third)
        # Someone else's message: refused (8), and nothing changes.
        r = iris(bob, "edit", thread, first, "hijacked", check=False)
        assert r.returncode == 8, (r.returncode, r.stdout, r.stderr)

        bob_view = json.loads(iris(bob, "--json", "show", thread).stdout)["messages"]
        assert [m["text"] for m in bob_view] == ["hello!"], bob_view
        assert bob_view[0]["edit_count"] == 2, bob_view
        assert bob_view[0]["reactions"] == [{"user": "2", "reaction": "👍"}], bob_view
        ann_view = json.loads(iris(ann, "--json", "show", thread).stdout)["messages"]
        assert [m["text"] for m in ann_view] == ["hello!", "see you"], ann_view
        assert ann_view[0]["reactions"] == [{"user": "2", "reaction": "👍"}], ann_view
        human = iris(ann, "show", thread).stdout
        assert "(edited 2 times)" in human and "👍 user 2" in human, human
        # Taking the reaction back.
        iris(bob, "react", thread, first)
        ann_view = json.loads(iris(ann, "--json", "show", thread).stdout)["messages"]
        assert ann_view[0]["reactions"] == [], ann_view
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)


def case_lifecycle_refusals_reach_a_version_5_device_with_their_codes():
    s = Irisd("--sync.edit_window", "1s")
    try:
        ann = Device5(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        ann.request({"send_request": {"client_id": cid(2), "thread": thread, "body": "hi"}})
        message = ann.next("/responses")["send_result"]["message"]
        bob = Device5(s, "2", "bob-phone")
        bob.resume()
        assert act(bob, thread, message, "edit", "mine", n=1)["error"]["code"] == "forbidden"
        assert act(bob, thread, "12345", "react", "x", n=2)["error"]["code"] == "unknown_message"
        assert act(bob, thread, message, "react", "x" * 33, n=3)["error"]["code"] == "too_large"
        time.sleep(1.2)
        assert act(ann, thread, message, "edit", "late", n=4)["error"]["code"] == "too_late"
        # Reactions and deletes for me have no window.
        assert "send_result" in act(bob, thread, message, "react", "🙂", n=5)
        s.stop()
    finally:
        s.cleanup()


def case_lifecycle_badge_is_served_over_http_and_pushed_to_version_5_devices_only():
    s = Irisd()
    try:
        ann = Device5(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        new = Device5(s, "2", "bob-new")
        old = Counting(s, "2", "bob-old")
        new.resume()
        old.resume()  # says no version: 3
        new.drain_until(lambda: new.seq >= 1)
        old.drain_until(lambda: old.seq >= 1)
        ids = []
        for i in range(3):
            ann.request({"send_request": {"client_id": cid(10 + i), "thread": thread, "body": "m%d" % i}})
            ids.append(ann.next("/responses")["send_result"]["message"])
        assert badges(new, 3)[-1] == 3
        pushed = len(new.badges)
        assert get_badge(s, s.token("2", "bob-http"))["unread"] == 3
        assert "send_result" in act(ann, thread, ids[2], "unsend", n=1)
        assert "send_result" in act(ann, thread, ids[1], "react", "a", n=2)
        assert badges(new, 2, after=pushed) == [2], new.badges
        badge = get_badge(s, s.token("2", "bob-http"))
        assert badge["unread"] == 2 and badge["unread_threads"] == 1, badge
        # The version 3 device: no badge, no reaction, but every seq covered.
        new.drain_until(lambda: new.seq >= 6)
        old.drain_until(lambda: old.seq >= 6)
        kinds_old = [list(u["body"])[0] for u in old.updates]
        kinds_new = [list(u["body"])[0] for u in new.updates]
        assert "reaction_changed" not in kinds_old and "reaction_changed" in kinds_new, (kinds_old, kinds_new)
        assert "message_deleted" in kinds_old
        time.sleep(0.2)
        while not old.messages.empty():
            old.apply(json.loads(old.messages.get().payload))
        assert not old.__dict__.get("badges"), old.badges
        s.stop()
    finally:
        s.cleanup()


def case_lifecycle_catch_up_of_a_backlog_with_half_its_messages_unsent_sends_none_of_them():
    s = Irisd()
    try:
        ann = Device5(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        ids = []
        for i in range(40):
            ann.request({"send_request": {"client_id": cid(100 + i), "thread": thread, "body": "m%d" % i}})
            ids.append(ann.next("/responses")["send_result"]["message"])
        for i, m in enumerate(ids[1::2]):
            assert "send_result" in act(ann, thread, m, "unsend", n=100 + i)
        bob = Device5(s, "2", "bob-phone")
        bob.resume()
        bob.drain_until(lambda: bob.seq >= 1 + 40 + 20)
        created = [u["body"]["message_created"]["message"] for u in bob.updates
                   if "message_created" in u["body"]]
        assert sorted(created) == sorted(ids[0::2]), created
        assert not any("message_deleted" in u["body"] for u in bob.updates)
        s.stop()
    finally:
        s.cleanup()
