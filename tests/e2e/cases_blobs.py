"""End-to-end cases of attachments (docs/PROTOCOL.md "Blobs"): uploads and downloads with curl
(a real HTTP client nobody here wrote) and Python's http.client, messages carrying attachment
references sent and received by paho sync devices, against a real irisd.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import time

from irisd_e2e import TIMEOUT, Irisd, Skip, SyncDevice, cid, wait_until
from cases_http import create_thread_json


def curl():
    path = shutil.which("curl")
    if not path:
        raise Skip("curl is not installed")
    return path


def upload(s, token, data, content_type="image/png", expect=200):
    """POST /v1/blobs with curl (Content-Length known); (status, parsed JSON or raw body)."""
    f = os.path.join(s.dir, "upload-%d" % time.monotonic_ns())
    with open(f, "wb") as out:
        out.write(data)
    r = subprocess.run([curl(), "-sS", "-o", "-", "-w", "\n%{http_code}", "-X", "POST",
                        "-H", "Authorization: Bearer " + token, "-H", "Content-Type: " + content_type,
                        "--data-binary", "@" + f, "http://127.0.0.1:%d/v1/blobs" % s.http_port],
                       capture_output=True, timeout=TIMEOUT)
    body, _, status = r.stdout.rpartition(b"\n")
    assert int(status) == expect, (status, body, r.stderr)
    return json.loads(body) if expect == 200 else body


def download(s, token, blob, extra=()):
    """GET /v1/blobs/<blob> with curl: (status, headers dict, body bytes)."""
    out = os.path.join(s.dir, "download-%d" % time.monotonic_ns())
    hdr = out + ".headers"
    r = subprocess.run([curl(), "-sS", "-o", out, "-D", hdr, "-w", "%{http_code}",
                        "-H", "Authorization: Bearer " + token, *extra,
                        "http://127.0.0.1:%d/v1/blobs/%s" % (s.http_port, blob)],
                       capture_output=True, timeout=TIMEOUT, text=True)
    headers = {}
    for line in open(hdr).read().splitlines()[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return int(r.stdout), headers, open(out, "rb").read()


def attachment(up, name="photo.png", width=None, height=None):
    a = {"blob": up["blob"], "content_type": up["content_type"], "size": str(up["size"]), "name": name}
    if width is not None:
        a["width"] = width
        a["height"] = height
    return a


def send(dev, thread, text, client_id, attachments):
    dev.request({"send_request": {"client_id": cid(client_id), "thread": thread, "body": text,
                                  "attachments": attachments}})
    while True:
        r = dev.next("/responses")
        if r.get("send_result", {}).get("client_id") == cid(client_id) or \
                r.get("error", {}).get("client_id") == cid(client_id):
            return r


def two_users_and_a_thread(s):
    ann_token = s.token("1", "ann-web")
    ann = SyncDevice(s, "1", "ann-phone")
    ann.resume()
    bob = SyncDevice(s, "2", "bob-phone")
    bob.resume()
    thread = create_thread_json(s, ann_token, 1, [2])["thread"]
    return ann, bob, ann_token, thread


def case_blobs_participant_downloads_what_a_message_carries_and_an_outsider_gets_404():
    s = Irisd("--net.threads", "2")
    try:
        ann, bob, ann_token, thread = two_users_and_a_thread(s)
        bob_token, cat_token = s.token("2", "bob-web"), s.token("3", "cat-web")
        data = os.urandom(300_000)
        up = upload(s, ann_token, data)
        assert up["blob"] == hashlib.sha256(data).hexdigest(), up
        assert up["size"] == len(data) and up["content_type"] == "image/png", up
        # Before any message cites it, only its uploader may read it.
        assert download(s, bob_token, up["blob"])[0] == 404
        assert download(s, ann_token, up["blob"])[2] == data

        r = send(ann, thread, "look", 10, [attachment(up, width=640, height=480)])
        assert "send_result" in r, r
        bob.drain_until(lambda: any("message_created" in u["body"] for u in bob.updates))
        created = [u["body"]["message_created"] for u in bob.updates if "message_created" in u["body"]][0]
        assert created["attachments"] == [attachment(up, width=640, height=480)], created

        status, headers, body = download(s, bob_token, up["blob"])
        assert status == 200 and body == data, (status, headers)
        assert headers["content-type"] == "image/png", headers
        assert headers["content-length"] == str(len(data)), headers
        assert headers["x-content-type-options"] == "nosniff", headers
        # An outsider gets exactly what a blob that does not exist gets.
        outsider = download(s, cat_token, up["blob"])
        missing = download(s, cat_token, "0" * 64)
        assert outsider[0] == missing[0] == 404, (outsider, missing)
        assert outsider[2] == missing[2], (outsider[2], missing[2])
        assert download(s, cat_token, "not-a-blob")[0] == 404
        # No token: 401, as every API call.
        assert download(s, "", up["blob"])[0] == 401
    finally:
        s.stop()


def case_blobs_range_requests_are_206_and_unsatisfiable_ones_416():
    s = Irisd()
    try:
        token = s.token("1", "ann-web")
        data = bytes(range(256)) * 40
        up = upload(s, token, data, "application/octet-stream")
        status, headers, body = download(s, token, up["blob"], ("-H", "Range: bytes=100-199"))
        assert status == 206 and body == data[100:200], (status, headers)
        assert headers["content-range"] == "bytes 100-199/%d" % len(data), headers
        assert headers["content-length"] == "100", headers
        status, headers, body = download(s, token, up["blob"], ("-H", "Range: bytes=-10"))
        assert status == 206 and body == data[-10:], status
        # curl's own range option, open-ended.
        status, _, body = download(s, token, up["blob"], ("-r", "10000-"))
        assert status == 206 and body == data[10000:], status
        status, headers, _ = download(s, token, up["blob"], ("-H", "Range: bytes=%d-" % len(data)))
        assert status == 416, status
        assert headers["content-range"] == "bytes */%d" % len(data), headers
        # Several ranges: served whole (a server may ignore Range).
        status, _, body = download(s, token, up["blob"], ("-H", "Range: bytes=0-1,5-6"))
        assert status == 200 and body == data, status
    finally:
        s.stop()


def case_blobs_oversize_upload_is_413_and_a_type_off_the_allow_list_415():
    s = Irisd("--blobs.max_bytes", "1000")
    try:
        token = s.token("1", "ann-web")
        upload(s, token, b"x" * 1000)
        upload(s, token, b"x" * 1001, expect=413)
        # Chunked, with no length to refuse up front: refused as the bytes pass the limit.
        conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
        conn.putrequest("POST", "/v1/blobs")
        conn.putheader("Authorization", "Bearer " + token)
        conn.putheader("Content-Type", "image/png")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for _ in range(4):
                conn.send(b"200\r\n" + b"y" * 512 + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close before the last chunk
        assert conn.getresponse().status == 413
        conn.close()
        upload(s, token, b"<html>", "text/html", expect=415)
        upload(s, token, b"x", "image/svg+xml", expect=415)
        # Nothing of the refused uploads is left behind.
        tmp = os.path.join(s.dir, "data", "blobs", "tmp")
        wait_until(lambda: os.listdir(tmp) == [], what="temp files to go")
    finally:
        s.stop()


def case_blobs_identical_bytes_are_stored_once():
    s = Irisd()
    try:
        data = os.urandom(5000)
        first = upload(s, s.token("1", "ann-web"), data)
        second = upload(s, s.token("2", "bob-web"), data)
        assert first["blob"] == second["blob"], (first, second)
        assert first["deduplicated"] is False and second["deduplicated"] is True, (first, second)
        blobs = os.path.join(s.dir, "data", "blobs")
        files = [f for d in os.listdir(blobs) if len(d) == 2 for f in os.listdir(os.path.join(blobs, d))]
        assert files == [first["blob"]], files
        # The second uploader may read it too (it holds the bytes).
        assert download(s, s.token("2", "bob-web"), first["blob"])[2] == data
    finally:
        s.stop()


def case_blobs_send_citing_a_blob_the_sender_did_not_upload_is_refused():
    s = Irisd()
    try:
        ann, bob, ann_token, thread = two_users_and_a_thread(s)
        up = upload(s, ann_token, b"ann's photo")
        r = send(bob, thread, "stolen", 20, [attachment(up)])
        assert r.get("error", {}).get("code") == "invalid_request", r
        wrong_size = attachment(up)
        wrong_size["size"] = "1"
        r = send(ann, thread, "lie", 21, [wrong_size])
        assert r.get("error", {}).get("code") == "invalid_request", r
        # Refused sends left no reference: bob still cannot read it.
        assert download(s, s.token("2", "bob-web"), up["blob"])[0] == 404
        r = send(ann, thread, "ok", 22, [attachment(up)])
        assert "send_result" in r, r
    finally:
        s.stop()


def case_blobs_unreferenced_blobs_are_swept_after_retention():
    s = Irisd("--blobs.retention", "1s", "--blobs.sweep_interval", "1s")
    try:
        ann, bob, ann_token, thread = two_users_and_a_thread(s)
        kept = upload(s, ann_token, b"sent in a message")
        dropped = upload(s, ann_token, b"never sent")
        assert "send_result" in send(ann, thread, "here", 30, [attachment(kept)])
        blobs = os.path.join(s.dir, "data", "blobs")
        path = lambda b: os.path.join(blobs, b[:2], b)
        wait_until(lambda: not os.path.exists(path(dropped["blob"])), timeout=8, what="the sweep")
        assert os.path.exists(path(kept["blob"]))
        assert download(s, ann_token, dropped["blob"])[0] == 404
        assert download(s, s.token("2", "bob-web"), kept["blob"])[0] == 200
    finally:
        s.stop()
