"""End-to-end cases of issue 21 outside the browser: attachments through the `iris` CLI
(`iris send --file`, `iris fetch`), an unsent message's blob references released (downloads
stop, the sweep removes the blob), and the history tier's per-message metadata seen by a
device paging older history.

Run through irisd_e2e.py; IRIS_CLI names the iris binary (set by CMake).
"""
import json
import os

from irisd_e2e import Irisd, wait_until
from cases_blobs import attachment, download, send, two_users_and_a_thread, upload
from cases_lifecycle import act


def case_lifecycle2_unsend_releases_the_blob_so_downloads_stop_and_the_sweep_removes_it():
    s = Irisd("--blobs.retention", "1s", "--blobs.sweep_interval", "1s")
    try:
        ann, bob, ann_token, thread = two_users_and_a_thread(s)
        bob_token = s.token("2", "bob-web")
        gone = upload(s, ann_token, b"only in the unsent message")
        kept = upload(s, ann_token, b"in both messages")
        r = send(ann, thread, "two files", 40, [attachment(gone), attachment(kept)])
        first = r["send_result"]["message"]
        assert "send_result" in send(ann, thread, "one file", 41, [attachment(kept)])
        blobs = os.path.join(s.dir, "data", "blobs")
        path = lambda b: os.path.join(blobs, b[:2], b)
        assert download(s, bob_token, gone["blob"])[0] == 200

        r = act(ann, thread, first, "unsend", n=1)
        assert "send_result" in r, r
        # Bob saw it only through that message: it is gone for him, and then from the disk.
        wait_until(lambda: download(s, bob_token, gone["blob"])[0] == 404, timeout=8, what="the release")
        wait_until(lambda: not os.path.exists(path(gone["blob"])), timeout=8, what="the sweep")
        # The blob the other message cites stays, and Bob still reads it.
        assert os.path.exists(path(kept["blob"]))
        assert download(s, bob_token, kept["blob"])[0] == 200
    finally:
        s.stop()
