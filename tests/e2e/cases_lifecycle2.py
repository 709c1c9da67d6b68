"""End-to-end cases of issue 21 outside the browser: attachments through the `iris` CLI
(`iris send --file`, `iris fetch`), an unsent message's blob references released (downloads
stop, the sweep removes the blob), and the history tier's per-message metadata seen by a
device paging older history.

Run through irisd_e2e.py; IRIS_CLI names the iris binary (set by CMake).
"""
import hashlib
import json
import os
import shutil
import struct
import tempfile

from irisd_e2e import Irisd, wait_until
from cases_blobs import attachment, download, send, two_users_and_a_thread, upload
from cases_client import iris
from cases_lifecycle import act


def login_http(s, cfg, user, device):
    return iris(cfg, "login", "--server", "mqtt://127.0.0.1:%d" % s.port, "--http",
                "http://127.0.0.1:%d" % s.http_port, "--user", user, "--token", s.token(user, device),
                "--device", device)


def png(width, height, size):
    """A file that starts as a PNG of width x height (signature and IHDR), padded to `size`."""
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", width, height) + b"\x08\x06\0\0\0"
    return head + os.urandom(size - len(head))


def case_lifecycle2_cli_sends_a_file_shows_it_and_fetches_it_resuming_a_partial_download():
    s = Irisd()
    home = tempfile.mkdtemp(prefix="iris-files-")
    ann, bob, cat = (os.path.join(home, n) for n in ("ann", "bob", "cat"))
    try:
        login_http(s, ann, "1", "ann-laptop")
        login_http(s, bob, "2", "bob-phone")
        login_http(s, cat, "3", "cat-phone")
        thread = json.loads(iris(ann, "--json", "create-thread", "--name", "pics", "2").stdout)["thread"]
        data = png(640, 480, 3 * 1024 * 1024 + 17)
        photo = os.path.join(home, "cat.png")
        with open(photo, "wb") as f:
            f.write(data)
        sent = json.loads(iris(ann, "--json", "send", thread, "look", "--file", photo).stdout)
        blob = hashlib.sha256(data).hexdigest()

        shown = json.loads(iris(bob, "--json", "show", thread).stdout)["messages"]
        assert [m["text"] for m in shown] == ["look"], shown
        assert shown[0]["id"] == sent["message"], (shown, sent)
        assert shown[0]["attachments"] == [{"blob": blob, "content_type": "image/png", "size": str(len(data)),
                                            "name": "cat.png", "width": 640, "height": 480}], shown
        human = iris(bob, "show", thread).stdout
        assert "[file cat.png image/png %d bytes 640x480 blob %s]" % (len(data), blob) in human, human

        out = os.path.join(home, "got.png")
        r = json.loads(iris(bob, "--json", "fetch", blob, "-o", out).stdout)
        assert r["size"] == str(len(data)), r
        assert open(out, "rb").read() == data
        # An interrupted download (the first half in .part) is continued, not started over.
        half = os.path.join(home, "half.png")
        with open(half + ".part", "wb") as f:
            f.write(data[: len(data) // 2])
        iris(bob, "fetch", blob, "-o", half)
        assert open(half, "rb").read() == data and not os.path.exists(half + ".part")
        # A .part that is not the blob's beginning fails the id check (13) and is dropped,
        # so the next try starts over and succeeds.
        bad = os.path.join(home, "bad.png")
        with open(bad + ".part", "wb") as f:
            f.write(b"not the blob's bytes")
        r = iris(bob, "fetch", blob, "-o", bad, check=False)
        assert r.returncode == 13, (r.returncode, r.stdout, r.stderr)
        assert not os.path.exists(bad + ".part") and not os.path.exists(bad)
        iris(bob, "fetch", blob, "-o", bad)
        assert open(bad, "rb").read() == data
        # Not a participant: refused (8), nothing written.
        r = iris(cat, "fetch", blob, "-o", os.path.join(home, "cat-got"), check=False)
        assert r.returncode == 8, (r.returncode, r.stdout, r.stderr)
        assert not os.path.exists(os.path.join(home, "cat-got"))
        # A file alone, with no text, is a message too.
        iris(ann, "send", thread, "--file", photo)
        shown = json.loads(iris(bob, "--json", "show", thread).stdout)["messages"]
        assert len(shown) == 2 and shown[1]["text"] == "" and shown[1]["attachments"][0]["blob"] == blob, shown
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)


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
