"""End-to-end cases of cross-origin access to the HTTP API (docs/SECURITY.md "Cross-origin
requests", http.cors_origins) against a real irisd with Python's http.client: what a browser
on a listed origin needs to call another server's /v1/* (the web app after GET /v1/route),
and that nothing is granted to an unlisted origin or without the option; and the web app in
headless Chromium on two cells, connecting to its user's owner as GET /v1/route names it.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import http.client
import json
import os
import socket
import subprocess

from cases_web import CHROMIUM, HERE, web_node_dir
from irisd_e2e import TIMEOUT, Irisd, Skip
from two_cells import TwoCells

LISTED = "http://app.example.test:8080"


def request(s, method, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
    try:
        conn.request(method, path, headers=headers)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def case_route_cors_grants_listed_origins_only_and_answers_their_preflight():
    s = Irisd("--http.cors_origins", LISTED + ",https://other.example.test")
    try:
        token = s.token("1", "ann-web")
        auth = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        # The preflight a browser sends before a GET with Authorization: 204, no token needed.
        st, h, _ = request(s, "OPTIONS", "/v1/route", {
            "Origin": LISTED, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,accept"})
        assert st == 204, (st, h)
        assert h.get("access-control-allow-origin") == LISTED, h
        assert "authorization" in h.get("access-control-allow-headers", "").lower(), h
        assert "POST" in h.get("access-control-allow-methods", ""), h
        assert "access-control-allow-credentials" not in h, h
        # The request itself (a server in no cell answers /v1/route 404; the headers are there
        # all the same, so the page can read the refusal and fall back), and a snapshot.
        st, h, data = request(s, "GET", "/v1/route", dict(auth, Origin=LISTED))
        assert st == 404 and "error" in json.loads(data), (st, data)
        assert h.get("access-control-allow-origin") == LISTED, h
        assert h.get("vary") == "Origin", h
        st, h, data = request(s, "GET", "/v1/snapshot", dict(auth, Origin=LISTED))
        assert st == 200 and "snapshot" in json.loads(data), (st, data)
        assert h.get("access-control-allow-origin") == LISTED, h
        # An unlisted origin: no grant, and its preflight is the usual 405.
        st, h, _ = request(s, "GET", "/v1/snapshot", dict(auth, Origin="http://evil.example.test"))
        assert st == 200 and "access-control-allow-origin" not in h, h
        st, h, _ = request(s, "OPTIONS", "/v1/snapshot", {
            "Origin": "http://evil.example.test", "Access-Control-Request-Method": "GET"})
        assert st == 405 and "access-control-allow-origin" not in h, (st, h)
        # Outside /v1/: nothing.
        st, h, _ = request(s, "GET", "/healthz", {"Origin": LISTED})
        assert st == 200 and "access-control-allow-origin" not in h and "vary" not in h, h
        assert s.alive()
        s.stop()
    finally:
        s.cleanup()


def case_route_no_cors_headers_without_cors_origins():
    s = Irisd()
    try:
        token = s.token("1", "ann-web")
        st, h, _ = request(s, "GET", "/v1/snapshot", {"Authorization": "Bearer " + token,
                                                       "Origin": LISTED, "Accept": "application/json"})
        assert st == 200 and "access-control-allow-origin" not in h and "vary" not in h, h
        st, h, _ = request(s, "OPTIONS", "/v1/snapshot", {"Origin": LISTED, "Access-Control-Request-Method": "GET"})
        assert st == 405 and "access-control-allow-origin" not in h, (st, h)
        s.stop()
    finally:
        s.cleanup()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def case_route_web_app_connects_to_its_users_owner_in_another_cell():
    """Headless Chromium (tests/e2e/web_route.js) on a page of server a1 for a user of cell b:
    the WebSocket goes to b1's ws, the long poll (cross-origin, CORS) to b1's http."""
    if not os.access(CHROMIUM, os.X_OK):
        raise Skip("chromium not found (scripts/setup-deps installs Debian's chromium)")
    node = web_node_dir()
    page_port = free_port()
    page_origin = "http://127.0.0.1:%d" % page_port
    cells = TwoCells({"a": ["a1"], "b": ["b1"]}, server_flags={
        "a1": ["--http.port", str(page_port)], "b1": ["--http.cors_origins", page_origin]})
    try:
        user = cells.user_in("b")
        b1 = cells.servers["b1"]
        dead = free_port()
        env = dict(os.environ, NODE_PATH=os.path.join(node, "node_modules"), IRIS_PAGE_PORT=str(page_port),
                   IRIS_OWNER_WS="127.0.0.1:%s" % b1.ports["ws"], IRIS_OWNER_HTTP="127.0.0.1:%d" % b1.http_port,
                   IRIS_TOKEN=cells.token(user, "browser"), IRIS_DEAD_PORT=str(dead))
        r = subprocess.run(["node", os.path.join(HERE, "web_route.js")], env=env, capture_output=True, text=True,
                           timeout=110)
        print(r.stdout[-3000:], r.stderr[-2000:])
        assert r.returncode == 0 and r.stdout.strip().endswith("ok"), "browser test failed"
        assert all(s.alive() for s in cells.servers.values())
    finally:
        cells.down()
