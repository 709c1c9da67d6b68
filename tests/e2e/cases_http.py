"""End-to-end cases of the HTTP API (docs/PROTOCOL.md "HTTP API") with Python's http.client
against a real irisd: snapshots in both encodings and exact at the (epoch, seq) that MQTT
devices see, auth (401/403), routing errors, thread creation seen by a paho device, history
pages, /healthz, /metrics, HTTPS with a self-signed certificate.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import gzip
import http.client
import json
import re
import shutil
import ssl
import tempfile
import time

from irisd_e2e import TIMEOUT, Irisd, SyncDevice, cid, self_signed

COMPACT = "application/vnd.iris.thrift-compact"


def call(s, method, path, token=None, json_out=True, body=None, content_type=None, conn=None):
    """(status, headers with lower-case names, body bytes); JSON answers unless json_out is off."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if json_out:
        headers["Accept"] = "application/json"
    if content_type:
        headers["Content-Type"] = content_type
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    result = r.status, {k.lower(): v for k, v in r.getheaders()}, data
    if own:
        conn.close()
    return result


def get_json(s, path, token, status=200):
    st, headers, data = call(s, "GET", path, token)
    assert st == status, (path, st, data)
    assert headers["content-type"] == "application/json", headers
    return json.loads(data)


def create_thread_json(s, token, client_id, participants, name="t"):
    body = json.dumps({"create_thread_request": {"client_id": cid(client_id), "name": name,
                                                 "participants": [str(p) for p in participants]}})
    st, headers, data = call(s, "POST", "/v1/threads", token, body=body, content_type="application/json")
    assert st == 200, (st, data)
    return json.loads(data)["send_result"]


def send_all(dev, thread, texts, first_cid):
    """Sends over MQTT, each answered before the next; returns the SendResults."""
    results = []
    for i, text in enumerate(texts):
        dev.request({"send_request": {"client_id": cid(first_cid + i), "thread": thread, "body": text}})
        while True:
            r = dev.next("/responses")
            if r.get("send_result", {}).get("client_id") == cid(first_cid + i):
                results.append(r["send_result"])
                break
    return results


def metric(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    assert m, "no %s in /metrics:\n%s" % (name, text)
    return float(m.group(1))


def case_http_snapshot_in_both_encodings_is_exact_at_what_mqtt_reported():
    s = Irisd("--net.threads", "2")
    try:
        ann = SyncDevice(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "lunch", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        results = send_all(ann, thread, ["one", "two", "three"], 10)
        ann.drain_until(lambda: ann.seq >= int(results[-1]["seq"]))
        bob = SyncDevice(s, "2", "bob-phone")
        bob.resume()
        bob.drain_until(lambda: bob.seq >= 4)

        token = s.token("1", "ann-http")
        snap = get_json(s, "/v1/snapshot", token)["snapshot"]
        # Exact at the position the device streamed to: same epoch, seq = the last send's.
        assert snap["epoch"] == ann.epoch and int(snap["seq"]) == int(results[-1]["seq"]) == ann.seq, (snap, ann.seq)
        (t,) = snap["threads"]
        assert t["thread"] == thread and t["name"] == "lunch" and sorted(t["participants"]) == ["1", "2"], t
        assert [m["text"] for m in t["latest_messages"]] == ["one", "two", "three"], t
        assert t["latest_messages"][-1]["message"] == results[-1]["message"], t
        bob_snap = get_json(s, "/v1/snapshot", s.token("2", "bob-http"))["snapshot"]
        assert bob_snap["epoch"] == bob.epoch and int(bob_snap["seq"]) == bob.seq == 4, bob_snap
        assert bob_snap["threads"][0]["unread_count"] == 3, bob_snap
        # messages=N caps each thread's latest messages.
        one = get_json(s, "/v1/snapshot?messages=1", token)["snapshot"]
        assert [m["text"] for m in one["threads"][0]["latest_messages"]] == ["three"], one

        # Thrift compact by default: an Envelope whose member 2 (snapshot) is a struct.
        st, headers, data = call(s, "GET", "/v1/snapshot", token, json_out=False)
        assert st == 200 and headers["content-type"] == COMPACT, (st, headers)
        assert len(data) > 20 and data[0] == 0x2C, data[:4]  # field 2, type struct
        assert b"lunch" in data and b"three" in data, data
        # Accept-Encoding: gzip compresses a body of 256 bytes or more (this JSON one), not a
        # small one (the compact snapshot above).
        conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
        conn.request("GET", "/v1/snapshot", headers={"Authorization": "Bearer " + token,
                                                     "Accept": "application/json",
                                                     "Accept-Encoding": "gzip"})
        r = conn.getresponse()
        zipped = r.read()
        assert r.status == 200 and r.getheader("Content-Encoding") == "gzip", r.getheaders()
        assert json.loads(gzip.decompress(zipped))["snapshot"] == snap
        conn.close()
        assert "content-encoding" not in headers and len(data) < 256
        for d in (ann, bob):
            d.close()
        s.stop()
    finally:
        s.cleanup()


def case_http_auth_and_routing_errors_have_their_statuses_and_error_bodies():
    s = Irisd()
    try:
        ann_token = s.token("1", "ann-http")
        thread = create_thread_json(s, ann_token, 1, [2])["thread"]
        # No token, a forged one, a malformed header: 401 with an Error envelope.
        for token in (None, "not-a-token", ann_token[:-2] + ("AA" if not ann_token.endswith("AA") else "BB")):
            st, headers, data = call(s, "GET", "/v1/snapshot", token)
            assert st == 401, (token, st, data)
            assert "error" in json.loads(data), data
        st, _, data = call(s, "GET", "/v1/snapshot", json_out=False)
        assert st == 401 and data[0] == 0x7C, data  # compact Envelope member 7 (error)
        # Another user's thread: 403, not_participant.
        st, _, data = call(s, "GET", "/v1/threads/%s/messages" % thread, s.token("3", "eve"))
        assert st == 403 and json.loads(data)["error"]["code"] == "not_participant", (st, data)
        # Participants may read it.
        assert get_json(s, "/v1/threads/%s/messages" % thread, s.token("2", "bob"))["thread_page"]["messages"] == []
        # Unknown route, wrong method, malformed query or body.
        assert call(s, "GET", "/v1/nothing", ann_token)[0] == 404
        assert call(s, "POST", "/v1/snapshot", ann_token, body=b"")[0] == 405
        assert call(s, "GET", "/v1/threads", ann_token)[0] == 405
        assert call(s, "GET", "/v1/snapshot?messages=500", ann_token)[0] == 400
        assert call(s, "GET", "/v1/threads/x/messages", ann_token)[0] == 400
        assert call(s, "GET", "/v1/threads/%s/messages?limit=0" % thread, ann_token)[0] == 400
        st, _, data = call(s, "POST", "/v1/threads", ann_token, body=b"{not json", content_type="application/json")
        assert st == 400 and json.loads(data)["error"]["code"] == "bad_encoding", (st, data)
        st, _, data = call(s, "POST", "/v1/threads", ann_token, body=b"x", content_type="text/plain")
        assert st == 415, (st, data)
        # A body over http.max_body_bytes (64 KiB) is refused without being read.
        st, _, data = call(s, "POST", "/v1/threads", ann_token, body=b"{" + b" " * 70000 + b"}",
                           content_type="application/json")
        assert st == 413, (st, data)
        # The request body must be a CreateThreadRequest.
        st, _, data = call(s, "POST", "/v1/threads", ann_token, content_type="application/json",
                           body=json.dumps({"ack": {"epoch": "1", "seq": "1"}}))
        assert st == 400 and json.loads(data)["error"]["code"] == "invalid_request", (st, data)
        assert s.alive()
        s.stop()
    finally:
        s.cleanup()


def case_http_create_thread_reaches_a_paho_device_and_a_retry_returns_the_first_thread():
    s = Irisd("--net.threads", "2")
    try:
        bob = SyncDevice(s, "2", "bob-phone")
        bob.resume()
        token = s.token("1", "ann-http")
        created = create_thread_json(s, token, 77, [2], name="picnic")
        thread = created["thread"]
        assert int(created["seq"]) == 1, created
        bob.drain_until(lambda: bob.seq >= 1)
        (u,) = bob.updates
        assert u["thread"] == thread and u["body"]["thread_created"]["name"] == "picnic", u
        assert sorted(u["body"]["thread_created"]["participants"]) == ["1", "2"], u  # creator included
        again = create_thread_json(s, token, 77, [2], name="picnic")
        assert again["thread"] == thread and again["seq"] == created["seq"], (again, created)
        # A Thrift compact body: Envelope member 9 (create_thread_request), compact answer.
        body = bytes([0x9C,                      # field 9, struct
                      0x18, 0x10]) + bytes(range(1, 17)) + bytes([  # field 1, binary[16]: client_id
                      0x18, 0x02]) + b"hi" + bytes([  # field 2, binary: name "hi"
                      0x19, 0x16, 0x04,          # field 3, list of 1 i64: participant zigzag(2)
                      0x00, 0x00])               # stops of the request and the envelope
        st, headers, data = call(s, "POST", "/v1/threads", token, json_out=False, body=body,
                                 content_type=COMPACT)
        assert st == 200 and headers["content-type"] == COMPACT, (st, data)
        assert data[0] == 0x6C, data  # Envelope member 6: send_result
        bob.drain_until(lambda: bob.seq >= 2)
        assert bob.updates[1]["body"]["thread_created"]["name"] == "hi", bob.updates
        bob.close()
        s.stop()
    finally:
        s.cleanup()


def case_http_thread_messages_pages_back_with_before_limit_and_more():
    s = Irisd()
    try:
        ann = SyncDevice(s, "1", "ann-phone")
        ann.resume()
        token = s.token("1", "ann-http")
        thread = create_thread_json(s, token, 1, [2])["thread"]
        results = send_all(ann, thread, ["m%d" % i for i in range(5)], 100)
        base = "/v1/threads/%s/messages" % thread
        newest = get_json(s, base + "?limit=2", token)["thread_page"]
        assert newest["thread"] == thread and newest["more"] is True, newest
        assert [m["text"] for m in newest["messages"]] == ["m3", "m4"], newest
        assert [m["message"] for m in newest["messages"]] == [r["message"] for r in results[3:]]
        older = get_json(s, base + "?before=%s&limit=2" % newest["messages"][0]["message"], token)["thread_page"]
        assert [m["text"] for m in older["messages"]] == ["m1", "m2"] and older["more"] is True, older
        oldest = get_json(s, base + "?before=%s" % older["messages"][0]["message"], token)["thread_page"]
        assert [m["text"] for m in oldest["messages"]] == ["m0"] and oldest["more"] is False, oldest
        everything = get_json(s, base, s.token("2", "bob-http"))["thread_page"]
        assert [m["text"] for m in everything["messages"]] == ["m%d" % i for i in range(5)], everything
        assert everything["more"] is False
        ann.close()
        s.stop()
    finally:
        s.cleanup()


def case_http_healthz_and_metrics_counters_move_after_a_send():
    s = Irisd("--net.threads", "2")
    try:
        st, headers, data = call(s, "GET", "/healthz", json_out=False)
        assert st == 200 and data == b"ok\n", (st, data)
        st, headers, data = call(s, "GET", "/metrics", json_out=False)
        assert st == 200 and headers["content-type"].startswith("text/plain; version=0.0.4"), headers
        before = data.decode()
        for family in ("iris_connections", "iris_sync_requests_total", "iris_sync_refused_total",
                       "iris_deltas_pushed_total", "iris_acks_total", "iris_resyncs_total",
                       "iris_cursor_lag_updates", "iris_store_commit_seconds",
                       "iris_mqtt_malformed_packets_total"):
            assert "# TYPE %s " % family in before, family
        ann = SyncDevice(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "x", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        send_all(ann, thread, ["hello"], 5)
        ann.drain_until(lambda: ann.seq >= 2)
        after = call(s, "GET", "/metrics", json_out=False)[2].decode()
        assert metric(after, "iris_sync_requests_total") >= metric(before, "iris_sync_requests_total") + 3
        assert metric(after, "iris_store_commit_seconds_count") >= metric(before, "iris_store_commit_seconds_count") + 2
        assert metric(after, 'iris_deltas_pushed_total{unit="updates"}') >= 2
        assert metric(after, "iris_sync_devices") == 1
        assert metric(after, "iris_connections") >= 1  # the device, and this request's own
        assert metric(after, 'iris_cursor_lag_updates_bucket{le="+Inf"}') == 1  # one streaming device
        assert metric(after, "iris_http_requests_total") >= 2
        # The history tier: the writer applies both users' queues (create + send each) and its
        # storage cursor catches up; the trimmer's families are there from the start.
        assert "# TYPE iris_retention_trimmed_updates_total counter" in before
        deadline = time.time() + 20
        while True:
            now = call(s, "GET", "/metrics", json_out=False)[2].decode()
            applied = metric(now, "iris_history_applied_updates_total")
            if applied >= 4 and metric(now, "iris_storage_cursor_lag_updates") == 0:
                break
            assert time.time() < deadline, "history did not catch up:\n" + now
            time.sleep(0.1)
        assert metric(now, "iris_history_writes_total") >= 1
        assert metric(now, 'iris_history_failures_total{kind="apply"}') == 0
        ann.close()
        s.stop()
    finally:
        s.cleanup()


def case_https_with_a_self_signed_certificate_and_keep_alive():
    certs = tempfile.mkdtemp(prefix="irisd-e2e-tls-")
    cert, key = self_signed(certs)
    s = Irisd(tls=(cert, key))
    try:
        https_port = int(s.ports["https"])
        assert "https=127.0.0.1:%d" % https_port in s.log_text()
        ctx = ssl.create_default_context(cafile=cert)
        conn = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=TIMEOUT, context=ctx)
        token = s.token("1", "ann-http")
        thread = None
        # Three requests on one kept-alive connection.
        st, _, data = call(s, "POST", "/v1/threads", token, conn=conn, content_type="application/json",
                           body=json.dumps({"create_thread_request": {"client_id": cid(1), "name": "tls",
                                                                      "participants": ["2"]}}))
        assert st == 200, (st, data)
        thread = json.loads(data)["send_result"]["thread"]
        st, _, data = call(s, "GET", "/v1/snapshot", token, conn=conn)
        assert st == 200 and json.loads(data)["snapshot"]["threads"][0]["thread"] == thread, data
        st, _, data = call(s, "GET", "/healthz", conn=conn, json_out=False)
        assert st == 200 and data == b"ok\n"
        conn.close()
        # Plain HTTP on the HTTPS port is refused; the server goes on.
        plain = http.client.HTTPConnection("127.0.0.1", https_port, timeout=TIMEOUT)
        try:
            plain.request("GET", "/healthz")
            plain.getresponse().read()
            raise AssertionError("plain HTTP was answered on the HTTPS port")
        except (http.client.HTTPException, ConnectionError, OSError):
            pass
        assert s.alive()
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(certs, ignore_errors=True)
