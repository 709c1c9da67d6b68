"""End-to-end cases of the history tier keeping what the queue's snapshot shows (issue 21):
attachments, edit counts, reactions, and unsends that leave no content behind, read from
history after retention trimmed the queue and irisd restarted.

Observations from the outside only: paho sync devices, the HTTP API (the same page and
snapshot before and after), and the history database file read with Python's sqlite3 after
irisd stopped.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import os
import sqlite3

from cases_blobs import attachment, send, upload
from cases_history import RETENTION, trimmed_in_all
from cases_http import create_thread_json, get_json
from cases_lifecycle import Device5, act
from irisd_e2e import Irisd, wait_until

# A PNG signature and enough bytes to be a file (irisd checks the type by its signature).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def thread_view(s, token, thread):
    """What the server shows of the thread: its history page and its snapshot entry."""
    page = get_json(s, "/v1/threads/%s/messages?limit=50" % thread, token)["thread_page"]["messages"]
    snap = get_json(s, "/v1/snapshot?messages=50", token)["snapshot"]["threads"]
    [entry] = [t for t in snap if t["thread"] == thread]
    return page, entry["latest_messages"]


def case_history3_edited_reacted_attached_message_reads_the_same_from_history_after_the_trim():
    s = Irisd(*RETENTION)
    data = s.dir + "/data"
    try:
        ann_token, bob_token = s.token("1", "ann-web"), s.token("2", "bob-web")
        ann = Device5(s, "1", "ann-phone")
        ann.resume()
        bob = Device5(s, "2", "bob-phone")
        bob.resume()
        thread = create_thread_json(s, ann_token, 1, [2])["thread"]
        photo = upload(s, ann_token, PNG + b"photo")
        other = upload(s, ann_token, PNG + b"other")
        kept = send(ann, thread, "helo", 10, [attachment(photo, width=640, height=480)])["send_result"]["message"]
        gone = send(ann, thread, "oops, wrong thread", 11, [attachment(other, name="secret.png")])
        gone = gone["send_result"]["message"]
        assert "send_result" in act(ann, thread, kept, "edit", "hello", n=1)
        assert "send_result" in act(ann, thread, kept, "edit", "hello!", n=2)
        assert "send_result" in act(bob, thread, kept, "react", "👍", n=3)
        assert "send_result" in act(ann, thread, kept, "react", "🎉", n=4)
        assert "send_result" in act(ann, thread, gone, "unsend", n=5)
        before = thread_view(s, bob_token, thread)
        [m] = before[0]
        assert m["text"] == "hello!" and m["edit_count"] == 2, m
        assert m["reactions"] == [{"user": "1", "reaction": "🎉"}, {"user": "2", "reaction": "👍"}], m
        assert m["attachments"] == [attachment(photo, width=640, height=480)], m
        ann.close()
        bob.close()
        # Both queues (thread, 2 sends, 2 edits, 2 reactions, the unsend: 8 updates each)
        # trimmed once history has them and they are a second old.
        wait_until(lambda: trimmed_in_all(s) >= 16, what="retention to trim both queues")
        s.stop()

        s2 = Irisd("--data_dir", data, *RETENTION)
        s2.token = s.token
        try:
            # The inbox is loaded from history now: the queue holds nothing of it.
            after = thread_view(s2, bob_token, thread)
            assert after == before, (before, after)
            assert thread_view(s2, ann_token, thread)[0] == before[0]
            s2.stop()
            db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "history", "history.sqlite3"), uri=True)
            try:
                texts = [r[0] for r in db.execute("SELECT text FROM bodies ORDER BY message")]
                assert "oops, wrong thread" not in texts and "helo" in texts, texts
                records = b"".join(r[0] for r in db.execute("SELECT record FROM log WHERE record IS NOT NULL"))
                assert b"oops" not in records and b"secret.png" not in records
                with_files = db.execute("SELECT count(*) FROM bodies WHERE attachments IS NOT NULL").fetchone()[0]
                assert with_files == 1, "only the kept message cites a blob"
                assert db.execute("PRAGMA user_version").fetchone()[0] == 3
            finally:
                db.close()
        finally:
            s2.cleanup()
    finally:
        s.cleanup()
