"""End-to-end cases of social routing (issue 22, docs/PROTOCOL.md "Contacts, blocks and
folders"): contacts and blocks set over MQTT and HTTP, a thread from a stranger in the
recipient's requests folder until accepted (every device of the recipient sees the move, the
snapshot shows the folder), a blocked user refused with not_accepted, group adds by the
recipient's setting, and older devices that never see the new update kinds.

Run through irisd_e2e.py.
"""
import http.client
import json
import os
import shutil
import tempfile

from irisd_e2e import TIMEOUT, Irisd, SyncDevice, cid
from cases_client import iris, login


class Device6(SyncDevice):
    """A SyncDevice that says protocol version 6 in every resume (its resyncs included)."""

    def resume(self):
        self.request({"resume_request": {"epoch": self.epoch, "last_seq": str(self.seq),
                                         "max_updates": 0, "protocol_version": 6}})

    def bodies(self, kind):
        return [(u["thread"], u["body"][kind]) for u in self.updates if kind in u["body"]]


def answer(dev, n):
    """The send_result or error that answers the request with client id cid(n)."""
    while True:
        r = dev.next("/responses")
        inner = r.get("send_result") or r.get("error")
        if inner.get("client_id") == cid(n):
            return r


def http_call(s, token, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, json.loads(data) if data else None


def social(s, token, n, action, user=None, thread=None, group_add=None):
    req = {"client_id": cid(n), "action": action}
    if user is not None:
        req["user"] = user
    if thread is not None:
        req["thread"] = thread
    if group_add is not None:
        req["group_add"] = group_add
    return http_call(s, token, "POST", "/v1/requests", {"social_request": req})


def create(dev, n, participants, name="t"):
    dev.request({"create_thread_request": {"client_id": cid(n), "name": name,
                                           "participants": participants}})
    return answer(dev, n)


def folders_in(snapshot):
    return {t["thread"]: t.get("folder", "inbox") for t in snapshot["threads"]}


def case_social_stranger_thread_lands_in_requests_until_accepted_on_every_device():
    s = Irisd("--net.threads", "2")
    try:
        bob_token = s.token("2", "bob-http")
        ann = Device6(s, "1", "ann-phone")
        ann.resume()
        thread = create(ann, 1, ["2"], "hi from a stranger")["send_result"]["thread"]
        bobs = [Device6(s, "2", "bob-phone"), Device6(s, "2", "bob-laptop")]
        old = SyncDevice(s, "2", "bob-old")  # says no version: 3
        for d in bobs + [old]:
            d.resume()
            d.drain_until(lambda d=d: d.seq >= 1)
        # The devices got the thread alone (they derive its folder from its starter, a
        # non-contact); the snapshot says requests.
        for b in bobs:
            assert b.bodies("folder_changed") == [], b.updates
        status, snap = http_call(s, bob_token, "GET", "/v1/snapshot")
        assert status == 200, snap
        assert folders_in(snap["snapshot"])[thread] == "requests", snap
        ann_snap = http_call(s, s.token("1", "ann-http"), "GET", "/v1/snapshot")[1]["snapshot"]
        assert folders_in(ann_snap)[thread] == "inbox", ann_snap  # the starter's own: inbox

        # Accepted from one device: every device of bob sees the thread move to the inbox.
        bobs[0].request({"social_request": {"client_id": cid(2), "action": "accept", "thread": thread}})
        assert "send_result" in answer(bobs[0], 2)
        for b in bobs:
            b.drain_until(lambda b=b: len(b.bodies("folder_changed")) == 1)
            assert b.bodies("folder_changed") == [(thread, {"folder": "inbox"})]
        snap = http_call(s, bob_token, "GET", "/v1/snapshot")[1]["snapshot"]
        assert folders_in(snap)[thread] == "inbox", snap
        # Archived and back, seen in the snapshot.
        assert social(s, bob_token, 3, "archive", thread=thread)[0] == 200
        assert folders_in(http_call(s, bob_token, "GET", "/v1/snapshot")[1]["snapshot"])[thread] == "archived"
        assert social(s, bob_token, 4, "unarchive", thread=thread)[0] == 200
        head = int(http_call(s, bob_token, "GET", "/v1/snapshot")[1]["snapshot"]["seq"])

        # The device that said no version got the thread but none of the new kinds: its
        # batches covered their seqs, folded.
        old.drain_until(lambda: old.seq >= head)
        kinds = {k for u in old.updates for k in u["body"]}
        assert kinds == {"thread_created"}, kinds
        for d in bobs + [old, ann]:
            d.close()
        s.stop()
    finally:
        s.cleanup()


def case_social_contacts_and_blocks_over_http_and_mqtt_reach_every_device():
    s = Irisd()
    try:
        bob_token = s.token("2", "bob-http")
        assert social(s, bob_token, 1, "add_contact", user="1")[0] == 200
        bob = Device6(s, "2", "bob-phone")
        bob.resume()
        bob.drain_until(lambda: bob.seq >= 1)
        assert social(s, bob_token, 2, "add_contact", user="5")[0] == 200
        bob.request({"social_request": {"client_id": cid(3), "action": "block", "user": "7"}})
        assert "send_result" in answer(bob, 3)
        assert social(s, bob_token, 4, "set_group_add", group_add="nobody")[0] == 200
        assert social(s, bob_token, 5, "remove_contact", user="5")[0] == 200
        status, listed = http_call(s, bob_token, "GET", "/v1/contacts")
        assert status == 200, listed
        assert listed == {"contact_list": {"contacts": ["1"], "blocked": ["7"], "group_add": "nobody"}}, listed
        bob.drain_until(lambda: len(bob.bodies("contact_changed")) == 4)
        assert [b for _, b in bob.bodies("contact_changed")] == [
            {"user": "1", "relation": "contact"}, {"user": "5", "relation": "contact"},
            {"user": "7", "relation": "blocked"}, {"user": "5", "relation": "none"}]
        assert bob.bodies("settings_changed") == [("0", {"group_add": "nobody"})]
        snap = http_call(s, bob_token, "GET", "/v1/snapshot")[1]["snapshot"]
        assert (snap["contacts"], snap["blocked"], snap["group_add"]) == (["1"], ["7"], "nobody"), snap
        # A retry (same client id) changes nothing, though the state moved since.
        assert social(s, bob_token, 2, "add_contact", user="5")[0] == 200
        assert http_call(s, bob_token, "GET", "/v1/contacts")[1]["contact_list"]["contacts"] == ["1"]
        # Oneself, 0 and 2^64-1 are not users one can add.
        for n, user in ((6, "2"), (7, "0"), (8, "18446744073709551615")):
            status, err = social(s, bob_token, n, "add_contact", user=user)
            assert status == 400 and err["error"]["code"] == "invalid_request", (user, status, err)
        bob.close()
        s.stop()
    finally:
        s.cleanup()


def case_social_blocked_user_is_refused_and_learns_only_not_accepted():
    s = Irisd("--net.threads", "2")
    try:
        ann_token, bob_token = s.token("1", "ann-http"), s.token("2", "bob-http")
        ann = Device6(s, "1", "ann-phone")
        ann.resume()
        carol_token = s.token("3", "carol-http")
        assert social(s, bob_token, 1, "add_contact", user="1")[0] == 200
        assert social(s, carol_token, 1, "add_contact", user="1")[0] == 200
        thread = create(ann, 1, ["2"])["send_result"]["thread"]
        group = create(ann, 2, ["2", "3"])["send_result"]["thread"]
        old_ann = SyncDevice(s, "1", "ann-old")
        old_ann.resume()
        old_ann.drain_until(lambda: old_ann.seq >= 2)
        assert social(s, bob_token, 2, "block", user="1")[0] == 200
        bob_seq = int(http_call(s, bob_token, "GET", "/v1/snapshot")[1]["snapshot"]["seq"])

        ann.request({"send_request": {"client_id": cid(10), "thread": thread, "body": "hello?"}})
        err = answer(ann, 10)["error"]
        assert err["code"] == "not_accepted", err
        assert "block" not in err["text"], err  # says nothing of why
        old_ann.request({"send_request": {"client_id": cid(11), "thread": thread, "body": "hello??"}})
        assert answer(old_ann, 11)["error"]["code"] == "not_participant"  # what version 3 knows
        status, err = http_call(s, ann_token, "POST", "/v1/requests",
                                {"send_request": {"client_id": cid(12), "thread": thread, "body": "x"}})
        # HTTP negotiates no version: the code is the one a version 3 peer knows.
        assert status == 403 and err["error"]["code"] == "not_participant", (status, err)
        assert create(ann, 13, ["2"])["error"]["code"] == "not_accepted"
        # In a group the message goes to the others, and not to the one who blocked.
        ann.request({"send_request": {"client_id": cid(14), "thread": group, "body": "to the group"}})
        assert "send_result" in answer(ann, 14)
        carol = http_call(s, carol_token, "GET", "/v1/snapshot")[1]["snapshot"]
        texts = [m["text"] for t in carol["threads"] if t["thread"] == group for m in t["latest_messages"]]
        assert texts == ["to the group"], carol
        bob_snap = http_call(s, bob_token, "GET", "/v1/snapshot")[1]["snapshot"]
        assert int(bob_snap["seq"]) == bob_seq, "nothing reached the blocker's queue"
        # Unblocked: messages pass again.
        assert social(s, bob_token, 3, "unblock", user="1")[0] == 200
        ann.request({"send_request": {"client_id": cid(15), "thread": thread, "body": "hi again"}})
        assert "send_result" in answer(ann, 15)
        for d in (ann, old_ann):
            d.close()
        s.stop()
    finally:
        s.cleanup()


def case_social_group_add_follows_the_recipients_setting():
    s = Irisd()
    try:
        carol_token = s.token("3", "carol-http")
        # Bob takes ann's groups (a contact): carol's setting is what each case tests.
        assert social(s, s.token("2", "bob-http"), 1, "add_contact", user="1")[0] == 200
        ann = Device6(s, "1", "ann-phone")
        ann.resume()
        thread = create(ann, 1, ["2"])["send_result"]["thread"]

        def add(n):
            ann.request({"change_participants_request": {"client_id": cid(n), "thread": thread,
                                                         "added": ["3"], "removed": []}})
            return answer(ann, n)

        def group_of_three(n):
            return create(ann, n, ["2", "3"])

        # Default (contacts): ann is a stranger to carol.
        assert add(2)["error"]["code"] == "not_accepted"
        assert group_of_three(3)["error"]["code"] == "not_accepted"
        # anyone: admitted, into carol's requests.
        assert social(s, carol_token, 1, "set_group_add", group_add="anyone")[0] == 200
        assert "send_result" in add(4)
        snap = http_call(s, carol_token, "GET", "/v1/snapshot")[1]["snapshot"]
        assert folders_in(snap)[thread] == "requests", snap
        # nobody: not even a contact.
        assert social(s, carol_token, 2, "add_contact", user="1")[0] == 200
        assert social(s, carol_token, 3, "set_group_add", group_add="nobody")[0] == 200
        assert group_of_three(5)["error"]["code"] == "not_accepted"
        # contacts again: a contact's group lands in the inbox.
        assert social(s, carol_token, 4, "set_group_add", group_add="contacts")[0] == 200
        created = group_of_three(6)["send_result"]["thread"]
        snap = http_call(s, carol_token, "GET", "/v1/snapshot")[1]["snapshot"]
        assert folders_in(snap)[created] == "inbox", snap
        ann.close()
        s.stop()
    finally:
        s.cleanup()


def case_social_cli_requests_folder_accept_block_and_contacts():
    s = Irisd()
    home = tempfile.mkdtemp(prefix="iris-social-")
    ann, bob = os.path.join(home, "ann"), os.path.join(home, "bob")
    try:
        login(s, ann, "1", "ann-laptop")
        login(s, bob, "2", "bob-phone")
        thread = json.loads(iris(ann, "--json", "create-thread", "--name", "hello", "2").stdout)["thread"]

        def folder():
            listed = json.loads(iris(bob, "--json", "threads").stdout)["threads"]
            return {t["id"]: t["folder"] for t in listed}[thread]

        assert folder() == "requests"
        assert "(requests)" in iris(bob, "threads").stdout
        iris(bob, "accept", thread)
        assert folder() == "inbox"
        iris(bob, "archive", thread)
        assert folder() == "archived"
        iris(bob, "contacts", "add", "3")
        iris(bob, "block", "1")
        iris(bob, "group-add", "anyone")
        assert json.loads(iris(bob, "--json", "contacts").stdout) == {
            "contacts": ["3"], "blocked": ["1"], "group_add": "anyone"}
        # Ann is refused, and the CLI says so with a failing exit code.
        r = iris(ann, "send", thread, "are you there?", check=False)
        assert r.returncode != 0, (r.stdout, r.stderr)
        iris(bob, "unblock", "1")
        iris(ann, "send", thread, "are you there?")
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)
