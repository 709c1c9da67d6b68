"""End-to-end cases of issue 20 with a plain HTTP client (urllib): the web app's files at
/app/ and long polling (docs/PROTOCOL.md "Long polling"). The browser itself is driven by
web_browser.js (tests/e2e/CMakeLists.txt: e2e.web_browser_*).

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

from irisd_e2e import HERE, Irisd, Skip, cid

IRIS = os.environ.get("IRIS_CLI", "")


class Http:
    """One keep-alive HTTP/1.1 connection to irisd's API, JSON mapping."""

    def __init__(self, s, token=None, timeout=30):
        self.c = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=timeout)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        self.c.request(method, path, body=body, headers=headers)
        r = self.c.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data

    def json(self, method, path, body=None):
        status, _, data = self.call(method, path, body)
        return status, (json.loads(data) if data else None)

    def close(self):
        self.c.close()


def case_web_app_files_are_served_with_their_types_and_nothing_outside():
    s = Irisd()
    try:
        h = Http(s)
        status, headers, body = h.call("GET", "/app/")
        assert status == 200 and headers["Content-Type"].startswith("text/html"), (status, headers)
        assert b"js/main.js" in body
        status, headers, _ = h.call("GET", "/app/js/engine.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript"), (status, headers)
        status, headers, body = h.call("GET", "/app/vendor/mqtt.min.js")
        assert status == 200 and len(body) > 10_000, (status, len(body))
        status, _, body = h.call("GET", "/app/config.json")
        assert status == 200 and json.loads(body)["ws_port"] == int(s.ports["ws"])
        status, headers, _ = h.call("GET", "/app")
        assert status == 301 and headers["Location"] == "/app/"
        for bad in ("/app/../data/secret", "/app/%2e%2e/x", "/app/.hidden", "/app/js/../../x", "/app/nope.js"):
            h = Http(s)
            status, _, _ = h.call("GET", bad)
            assert status == 404, (bad, status)
        s.stop()
    finally:
        s.cleanup()


def case_web_long_poll_holds_until_a_send_and_acknowledges_by_seq():
    s = Irisd("--http.poll.max_per_user", "2")
    try:
        alice = Http(s, s.token("1", "web"))
        status, r = alice.json("POST", "/v1/threads", {"create_thread_request": {
            "client_id": cid(1), "name": "poll", "participants": ["2"]}})
        assert status == 200, r
        thread = r["send_result"]["thread"]
        status, snap = alice.json("GET", "/v1/snapshot")
        epoch, seq = snap["snapshot"]["epoch"], snap["snapshot"]["seq"]
        assert seq == "1"
        # Nothing after seq 1: held for the whole timeout, then 204.
        t0 = time.monotonic()
        status, r = alice.json("GET", "/v1/poll?epoch=%s&seq=1&timeout_ms=700" % epoch)
        assert status == 204 and r is None and time.monotonic() - t0 >= 0.6, (status, r)
        # A send by bob (over POST /v1/requests, no MQTT) while alice's poll is held.
        bob = Http(s, s.token("2", "web"))

        def later():
            time.sleep(0.4)
            st, res = bob.json("POST", "/v1/requests", {"send_request": {
                "client_id": cid(2), "thread": thread, "body": "over long poll"}})
            assert st == 200 and res["send_result"]["message"], res
        th = threading.Thread(target=later)
        th.start()
        t0 = time.monotonic()
        status, r = alice.json("GET", "/v1/poll?epoch=%s&seq=1&timeout_ms=10000" % epoch)
        th.join()
        assert status == 200, (status, r)
        b = r["delta_batch"]
        assert (b["first_seq"], b["last_seq"]) == ("2", "2")
        assert b["updates"][0]["body"]["message_created"]["text"] == "over long poll"
        assert time.monotonic() - t0 < 5
        # Lost answer: polling again at seq 1 gets the same batch again.
        status, again = alice.json("GET", "/v1/poll?epoch=%s&seq=1&timeout_ms=1000" % epoch)
        assert status == 200 and again == r, again
        # seq 2 acknowledges it: nothing more.
        status, r = alice.json("GET", "/v1/poll?epoch=%s&seq=2&timeout_ms=300" % epoch)
        assert status == 204, (status, r)
        # A wrong epoch: the typed resync, as over MQTT.
        status, r = alice.json("GET", "/v1/poll?epoch=1&seq=2&timeout_ms=300")
        assert status == 200 and r["resync"]["reason"] == "epoch_changed" and r["resync"]["epoch"] == epoch, r
        # Limits: a timeout over the maximum is 400; a third polling device of one user is 503.
        status, r = alice.json("GET", "/v1/poll?epoch=%s&seq=2&timeout_ms=600000" % epoch)
        assert status == 400, (status, r)
        Http(s, s.token("1", "second")).json("GET", "/v1/poll?epoch=%s&seq=2&timeout_ms=10" % epoch)
        status, headers, data = Http(s, s.token("1", "third")).call(
            "GET", "/v1/poll?epoch=%s&seq=2&timeout_ms=10" % epoch)
        assert status == 503 and headers.get("Retry-After") == "1", (status, data)
        assert json.loads(data)["error"]["code"] == "unavailable"
        # A request of someone who never was in the thread: refused (unknown_thread: to carol
        # it does not exist) with its client id, nothing appended (alice's next poll is empty).
        carol = Http(s, s.token("3", "web"))
        status, r = carol.json("POST", "/v1/requests", {"send_request": {
            "client_id": cid(3), "thread": thread, "body": "intruder"}})
        assert status == 404 and r["error"]["code"] == "unknown_thread" and r["error"]["client_id"] == cid(3), (status, r)
        status, r = carol.json("POST", "/v1/requests", {"resume_request": {"epoch": "0", "last_seq": "0", "max_updates": 0}})
        assert status == 400 and r["error"]["code"] == "invalid_request", r
        status, r = alice.json("GET", "/v1/poll?epoch=%s&seq=2&timeout_ms=200" % epoch)
        assert status == 204, (status, r)
        # No token, no poll.
        status, _ = Http(s).json("GET", "/v1/poll?epoch=%s&seq=2" % epoch)
        assert status == 401
        s.stop()
    finally:
        s.cleanup()


def case_web_long_poll_catches_up_a_backlog_batch_by_batch_without_loss():
    s = Irisd()
    try:
        alice = Http(s, s.token("1", "web"))
        _, r = alice.json("POST", "/v1/threads", {"create_thread_request": {
            "client_id": cid(1), "name": "backlog", "participants": ["2"]}})
        thread = r["send_result"]["thread"]
        _, snap = alice.json("GET", "/v1/snapshot")
        epoch = snap["snapshot"]["epoch"]
        bob = Http(s, s.token("2", "cli"))
        n = 600
        for i in range(n):
            st, res = bob.json("POST", "/v1/requests", {"send_request": {
                "client_id": cid(100 + i), "thread": thread, "body": "m%d" % i}})
            assert st == 200, res
        seq, texts, polls = 1, [], 0
        while len(texts) < n:
            polls += 1
            assert polls < 100, "catch-up did not end"
            st, r = alice.json("GET", "/v1/poll?epoch=%s&seq=%d&timeout_ms=2000" % (epoch, seq))
            assert st == 200, (st, r)
            b = r["delta_batch"]
            assert int(b["first_seq"]) == seq + 1, (b["first_seq"], seq)
            texts += [u["body"]["message_created"]["text"] for u in b["updates"] if "message_created" in u["body"]]
            seq = int(b["last_seq"])
        assert texts == ["m%d" % i for i in range(n)], texts[:5]
        assert polls <= 10, polls  # batches of up to 256 updates
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- the browser

CHROMIUM = "/usr/bin/chromium"


def web_node_dir():
    """playwright-core from npm (no browser download), once per build dir, in its own prefix
    (an npm install there prunes what another install added)."""
    base = (os.environ.get("IRIS_E2E_NODE_DIR") or os.path.join(tempfile.gettempdir(), "iris-e2e-node")) + "-web"
    if os.path.exists(os.path.join(base, "node_modules", "playwright-core", "package.json")):
        return base
    if not shutil.which("node") or not shutil.which("npm"):
        raise Skip("node/npm not found (scripts/setup-deps installs nodejs and npm)")
    os.makedirs(base, exist_ok=True)
    try:
        r = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund",
                            "--fetch-timeout=20000", "--fetch-retries=1", "--prefix", base,
                            "playwright-core@1"], capture_output=True, text=True, timeout=80,
                           env=dict(os.environ, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD="1"))
    except subprocess.TimeoutExpired:
        raise Skip("npm install playwright-core took over 80 s (registry unreachable?)")
    if r.returncode != 0:
        raise Skip("npm install playwright-core failed: " + r.stderr[-500:])
    return base


def cli_thread_of_three(s, home):
    """User 3 logged in on the CLI (its config directory under `home`) and a thread "web" it
    made with users 1 and 2, who first add user 3 to their contacts (a group add needs it by
    default, issue 22). Returns (the CLI's config directory, the thread id)."""
    def login(user, device):
        d = os.path.join(home, "cli-" + user)
        subprocess.run([IRIS, "--config-dir", d, "--timeout", "10", "login", "--server",
                        "mqtt://127.0.0.1:%d" % s.port, "--user", user, "--device", device,
                        "--token", s.token(user, device)], check=True, capture_output=True, timeout=30)
        return d
    for user in ("1", "2"):
        subprocess.run([IRIS, "--config-dir", login(user, "setup"), "--timeout", "10", "contacts", "add", "3"],
                       check=True, capture_output=True, timeout=30)
    cli = login("3", "cli")
    thread = subprocess.run([IRIS, "--config-dir", cli, "--timeout", "10", "create-thread", "--name", "web",
                             "1", "2"], check=True, capture_output=True, text=True, timeout=30).stdout.strip()
    return cli, thread


def case_web_browser_chat_reload_cut_long_poll_catch_up_and_convergence():
    if not os.access(CHROMIUM, os.X_OK):
        raise Skip("chromium not found (scripts/setup-deps installs Debian's chromium)")
    if not IRIS:
        raise Skip("IRIS_CLI is not set")
    node = web_node_dir()
    s = Irisd("--sync.rate.sends_burst", "100000", "--sync.rate.sends_per_s", "100000")
    home = tempfile.mkdtemp(prefix="iris-web-")
    try:
        cli, thread = cli_thread_of_three(s, home)
        env = dict(os.environ, NODE_PATH=os.path.join(node, "node_modules"),
                   IRIS_HTTP_PORT=str(s.http_port), IRIS_WS_PORT=s.ports["ws"],
                   IRIS_TOKEN_A=s.token("1", "browser-a"), IRIS_TOKEN_B=s.token("2", "browser-b"),
                   IRIS_TOKEN_C=s.token("3", "api"), IRIS_TOKEN_BULK=s.token("3", "bulk"),
                   IRIS_THREAD=thread, IRIS_CLI=IRIS, IRIS_CLI_DIR=cli)
        r = subprocess.run(["node", os.path.join(HERE, "web_browser.js")], env=env,
                           capture_output=True, text=True, timeout=110)
        print(r.stdout[-3000:], r.stderr[-2000:])
        assert r.returncode == 0 and r.stdout.strip().endswith("ok"), "browser test failed"
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)
