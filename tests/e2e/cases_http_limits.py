"""End-to-end cases of the HTTP parser limits (issue 23, "Pre-auth crash" and "gzip") on the
HTTP port and the WebSocket upgrade, with raw sockets against a real irisd: a chunked trailer
or a header Beast could not hold is answered 431 instead of killing the process, chunk
extensions are bounded (413), gzip request bodies are decoded within http.max_body_bytes (a
bomb is 413, an unknown coding 415), and after each refusal the server still serves.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import base64
import gzip
import json
import os
import socket
import subprocess
import tempfile
import time

import irisd_e2e
from irisd_e2e import TIMEOUT, Irisd, cid

# The reproduction: a chunked GET whose trailer field is ~70 KB.
HUGE_TRAILER = b"X: " + b"a" * 70000 + b"\r\n"


def raw(port, request, timeout=TIMEOUT):
    """Sends `request` whole (the server may stop reading early), then reads the answer until
    the server closes. Returns (status, headers dict with lower-case names, body bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the end: the answer is already on its way
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                headers = {}
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.decode().partition(":")
                    headers[k.strip().lower()] = v.strip()
                n = int(headers.get("content-length", "-1"))
                if n >= 0 and len(body) >= n:
                    break
    finally:
        s.close()
    assert data.startswith(b"HTTP/1."), data[:200]
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, body


def healthz(port):
    return raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")[0]


def ws_upgrade_status(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        key = base64.b64encode(os.urandom(16))
        s.sendall(b"GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n"
                  b"Sec-WebSocket-Protocol: mqtt\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data
    finally:
        s.close()


def case_http_chunked_trailer_too_large_answers_431_and_the_server_stays_up():
    # The trailer limit raised to the most the config allows still refuses a 70 KB field.
    for flags in ([], ["--http.max_trailer_bytes", "65535"]):
        s = Irisd(*flags)
        try:
            st, headers, body = raw(s.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\n0\r\n" + HUGE_TRAILER + b"\r\n")
            assert st == 431, (st, body)
            assert headers.get("connection", "").lower() == "close", headers
            assert s.alive(), s.log_text()
            assert healthz(s.http_port) == 200
            # A trailer within the limit is read and dropped; the request is served.
            st, _, _ = raw(s.http_port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                           b"Transfer-Encoding: chunked\r\n\r\n0\r\nX-Checksum: 1\r\n\r\n")
            assert st == 200, st
            assert "refused a request: request header fields too large" in s.log_text(), s.log_text()
            s.stop()
        finally:
            s.cleanup()


def case_ws_upgrade_with_a_too_large_chunked_trailer_answers_431_and_websocket_still_works():
    s = Irisd()
    try:
        ws = int(s.ports["ws"])
        st, _, body = raw(ws, b"GET /mqtt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
                          + HUGE_TRAILER + b"\r\n")
        assert st == 431, (st, body)
        # A header past http.max_header_bytes on the upgrade too.
        st, _, _ = raw(ws, b"GET /mqtt HTTP/1.1\r\nX: " + b"b" * 70000 + b"\r\n\r\n")
        assert st == 431, st
        # A request that is no upgrade gets 400, not a silent close.
        st, _, _ = raw(ws, b"GET /mqtt HTTP/1.1\r\nHost: x\r\n\r\n")
        assert st == 400, st
        assert s.alive(), s.log_text()
        answer = ws_upgrade_status(ws)
        assert answer.startswith(b"HTTP/1.1 101"), answer
        assert b"Sec-WebSocket-Protocol: mqtt\r\n" in answer, answer
        s.stop()
    finally:
        s.cleanup()


def case_http_header_over_a_raised_limit_answers_431_and_one_within_it_is_served():
    s = Irisd("--http.max_header_bytes", "65535")
    try:
        st, _, _ = raw(s.http_port, b"GET /healthz HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
        assert st == 431, st
        assert s.alive(), s.log_text()
        st, _, _ = raw(s.http_port, b"GET /healthz HTTP/1.1\r\nConnection: close\r\nX: " + b"a" * 60000 + b"\r\n\r\n")
        assert st == 200, st
        s.stop()
    finally:
        s.cleanup()
    # Past what Beast's fields can hold, the limit is refused at start, naming the key.
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([irisd_e2e.IRISD, "--data_dir", d, "--http.max_header_bytes", "65536"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode != 0 and "http.max_header_bytes" in r.stdout + r.stderr, r


def case_http_chunk_extensions_too_long_answer_413():
    s = Irisd()
    try:
        head = b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        st, _, body = raw(s.http_port, head + b"1;" + b"e" * 70000 + b"\r\nx\r\n0\r\n\r\n")
        assert st == 413, (st, body)
        many = b"".join(b"1;ext=" + b"v" * 40 + b"\r\nx\r\n" for _ in range(40))
        st, _, _ = raw(s.http_port, head + many + b"0\r\n\r\n")
        assert st == 413, st
        assert s.alive()
        assert healthz(s.http_port) == 200
        s.stop()
    finally:
        s.cleanup()


def post_threads(port, token, body, encoding):
    return raw(port, b"POST /v1/threads HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               b"Authorization: Bearer " + token.encode() + b"\r\nAccept: application/json\r\n"
               b"Content-Type: application/json\r\nContent-Encoding: " + encoding + b"\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


def case_http_gzip_body_is_decoded_a_bomb_refused_and_an_unknown_encoding_415():
    s = Irisd()
    try:
        token = s.token("1", "ann-http")
        request = json.dumps({"create_thread_request": {"client_id": cid(5), "name": "zipped",
                                                        "participants": ["2"]}}).encode()
        st, _, body = post_threads(s.http_port, token, gzip.compress(request), b"gzip")
        assert st == 200, (st, body)
        assert json.loads(body)["send_result"]["thread"], body
        # 64 KiB + 1 once decoded, ~100 bytes sent: 413, too_large.
        bomb = gzip.compress(b" " * (64 * 1024 + 1))
        assert len(bomb) < 1024
        st, _, body = post_threads(s.http_port, token, bomb, b"gzip")
        assert st == 413 and json.loads(body)["error"]["code"] == "too_large", (st, body)
        st, _, body = post_threads(s.http_port, token, request, b"br")
        assert st == 415 and json.loads(body)["error"]["code"] == "bad_encoding", (st, body)
        st, _, body = post_threads(s.http_port, token, b"not gzip", b"gzip")
        assert st == 400 and json.loads(body)["error"]["code"] == "bad_encoding", (st, body)
        assert s.alive()
        s.stop()
    finally:
        s.cleanup()
