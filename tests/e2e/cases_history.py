"""End-to-end cases of the history tier (issue 6): the history writer, retention trimming and
a real history-store outage, on a real irisd with a 1-second retention window.

Observations come from the outside only: MQTT clients, irisd's log (the retention pass line),
and the history database file read with Python's sqlite3 after irisd stopped.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import json
import os
import re
import sqlite3
import time

from cases_sync import Device, create_thread, queue_position, send
from irisd_e2e import TIMEOUT, Irisd, cid, wait_until

RETENTION = ("--retention.window", "1s", "--retention.interval", "1s")


def enc(v):
    """An id as the history store keeps it: the i64 with the same bits (src/sqlite/README.md)."""
    return v - (1 << 64) if v >= 1 << 63 else v


def trimmed_in_all(s):
    """The retention trimmer's running total, from its last pass line in the log (0 if none)."""
    found = re.findall(r"retention: (\d+) trimmed in all", s.log_text())
    return int(found[-1]) if found else 0


def history_rows(path, user):
    """(seqs of the applied updates, message texts) of `user` in the history file."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        # Schema version 2 (docs/STORAGE_FORMAT.md): a shown log row whose record is NULL is a
        # message whose text is its thread's body; these cases neither edit nor send conflicting
        # content, so every shown row must be one.
        seqs = [r[0] for r in db.execute("SELECT seq FROM log WHERE user=? ORDER BY seq", (enc(user),))]
        odd = db.execute("SELECT count(*) FROM log WHERE user=? AND shown IS NOT NULL AND "
                         "(record IS NOT NULL OR edit IS NOT NULL)", (enc(user),)).fetchone()[0]
        assert odd == 0, "%d shown messages of user %d without a shared body" % (odd, user)
        texts = [r[0] for r in db.execute(
            "SELECT b.text FROM log l JOIN bodies b ON b.thread=l.thread AND b.message=l.message "
            "WHERE l.user=? AND l.shown IS NOT NULL ORDER BY l.message", (enc(user),))]
        return seqs, texts
    finally:
        db.close()


def send_checked(dev, thread, text, n):
    """One send answered with a SendResult (not an Error): its message's result."""
    dev.request({"send_request": {"client_id": cid(50_000 + n), "thread": thread, "body": text}})
    while True:
        r = dev.next("/responses")
        if "error" in r:
            raise AssertionError("send refused: %r" % r)
        if r.get("send_result", {}).get("client_id") == cid(50_000 + n):
            return r["send_result"]


def case_history_inbox_survives_trimming_and_a_restart():
    """Sends, the history writer applies them, retention trims both queues whole; after a
    restart the inbox still knows the thread (loaded from history), so a new send to it is
    accepted and reaches the other participant, and a device behind the trim gets too_old."""
    s = Irisd(*RETENTION)
    data = s.dir + "/data"
    try:
        ann = Device(s, "1", "ann-phone", resume=True)
        thread = create_thread(ann, [2])
        send(ann, thread, 5)
        epoch, head = queue_position(s, "2")
        assert head == 6, head
        ann.close()
        # 6 updates in each of the two queues, once they are a second old and in history.
        wait_until(lambda: trimmed_in_all(s) >= 12, what="retention to trim both queues")
        bob = Device(s, "2", "bob-phone")
        bob.resume_from(epoch, 2)
        r = bob.next_delta()["resync"]
        assert r["reason"] == "too_old" and r["epoch"] == epoch and int(r["head"]) == head, r
        bob.close()
        s.stop()

        s2 = Irisd("--data_dir", data, *RETENTION)
        s2.token = s.token
        try:
            ann = Device(s2, "1", "ann-phone2")
            result = send_checked(ann, thread, "after the trim", 1)
            assert result["thread"] == thread, result
            bob = Device(s2, "2", "bob-phone2")
            bob.resume_from(epoch, head)
            b = bob.next_delta()["delta_batch"]
            assert int(b["first_seq"]) == head + 1, b
            assert b["updates"][0]["body"]["message_created"]["text"] == "after the trim", b
            ann.close()
            bob.close()
            s2.stop()
            seqs, texts = history_rows(os.path.join(data, "history", "history.sqlite3"), 2)
            assert seqs == list(range(1, head + 2)), seqs
            assert texts == ["m%d" % i for i in range(5)] + ["after the trim"], texts
        finally:
            s2.cleanup()
    finally:
        s.cleanup()


def case_history_outage_keeps_live_delivery_and_converges_after():
    """The history directory cannot exist (a regular file where its parent should be): irisd
    still serves, devices get live deltas, nothing is trimmed however old; once the file is
    gone the store opens, history catches up with every update, and retention trims again."""
    import tempfile
    root = tempfile.mkdtemp(prefix="irisd-e2e-history-")
    blocker = os.path.join(root, "blocker")
    with open(blocker, "w") as f:
        f.write("not a directory")
    path = os.path.join(blocker, "history")
    s = Irisd("--history.path", path, *RETENTION)
    try:
        wait_until(lambda: "history store unavailable" in s.log_text(), what="the outage in the log")
        ann = Device(s, "1", "ann-phone", resume=True)
        bob = Device(s, "2", "bob-phone", resume=True)
        thread = create_thread(ann, [2])
        send(ann, thread, 8)
        bob.drain_until(lambda: len(bob.texts()) == 8)
        assert bob.texts() == ["m%d" % i for i in range(8)], bob.texts()
        # Three retention passes with every update past the window: nothing may go.
        time.sleep(3.2)
        assert trimmed_in_all(s) == 0, s.log_text()
        assert re.search(r"storage lag [1-9]\d* updates", s.log_text()), "lag not reported"
        late = Device(s, "2", "bob-tablet", resume=True)
        late.drain_until(lambda: len(late.texts()) == 8)  # from seq 0: the whole queue is there

        os.remove(blocker)  # the disk comes back
        wait_until(lambda: trimmed_in_all(s) >= 18, timeout=3 * TIMEOUT,
                   what="history to catch up and retention to trim both queues")
        # Live delivery went on meanwhile and goes on.
        send(ann, thread, 1, body="after%d", first_cid=2000)
        bob.drain_until(lambda: bob.texts()[-1:] == ["after0"])
        for d in (ann, bob, late):
            d.close()
        s.stop()
        db = os.path.join(path, "history.sqlite3")
        for user, head in (("1", 10), ("2", 10)):
            seqs, texts = history_rows(db, int(user))
            assert seqs == list(range(1, head + 1)), (user, seqs)
            assert texts == ["m%d" % i for i in range(8)] + ["after0"], (user, texts)
    finally:
        s.cleanup()
        import shutil
        shutil.rmtree(root, ignore_errors=True)
