"""End-to-end cases of a cell at work (issue 18, docs/CLUSTER.md): HTTP requests reach their
user's owner through any server, the SDK follows a Server Reference, a server joins and one
leaves under a steady send load, and servers are killed with kill -9 under load.

One case holds the suite: one ZooKeeper, one MariaDB pair and the irisd servers are started
once and reused by every part (each part is bounded in seconds), then stopped by PID.

The send load runs between pairs of users that share an owner in every ring the suite goes
through, so no send crosses servers (sends across servers are the fan-out pointer's work;
with it, any pair would do). Every device is a paho client that, when its connection ends,
connects again through the next live server (relayed to the owner) and resumes at its
(epoch, seq); it checks every delta batch starts right after its seq and records any resync.
A send counts as acknowledged only on the answer that names its client id (an earlier
attempt's late answer is not this attempt's). When an acknowledged send is missing from a
device, the part prints the evidence: the device's last connects, resumes and batches, the
acknowledgement, and the queue rows in MariaDB that hold the text.
"""
import collections
import http.client
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import irisd_e2e
from irisd_e2e import TIMEOUT, Skip, cid, paho, wait_until
from cases_cell import ZooKeeper, member, servers_in, mix64, fnv1a64, GOLDEN, M64
from cases_mariadb import MariaDbPair

IRIS = os.environ.get("IRIS_CLI", "")
# How long a device waits for the answer to one request before sending it again. A shorter
# one (IRIS_CELLOPS_REQUEST_TIMEOUT=0.15) makes many answers come after their request gave up:
# a stress of the retry path and of the answer matching in CellDevice.request.
REQUEST_TIMEOUT = float(os.environ.get("IRIS_CELLOPS_REQUEST_TIMEOUT", "3.0"))


# ---------------------------------------------------------------- the ring, precomputed

class Ring:
    """docs/CLUSTER.md "The ring" for `names` (64 tokens each, as member() starts them)."""

    def __init__(self, names, tokens=64):
        import bisect
        self.bisect = bisect
        pts = sorted((mix64((fnv1a64(n) + (i + 1) * GOLDEN) & M64), n) for n in names for i in range(tokens))
        self.keys = [p for p, _ in pts]
        self.names = [n for _, n in pts]

    def owner(self, user):
        i = self.bisect.bisect_left(self.keys, mix64(user))
        return self.names[i % len(self.names)]


def pairs_stable_across(rings, count, first_user=1000):
    """`count` pairs of users whose two users share an owner in every ring of `rings`, spread
    over the owners of the first ring."""
    groups = {}
    pairs = []
    by_first_owner = {}
    u = first_user
    while len(pairs) < count and u < first_user + 200_000:
        key = tuple(r.owner(u) for r in rings)
        if key in groups:
            v = groups.pop(key)
            owner = key[0]
            if by_first_owner.get(owner, 0) <= count // 3:
                pairs.append((v, u))
                by_first_owner[owner] = by_first_owner.get(owner, 0) + 1
        else:
            groups[key] = u
        u += 1
    assert len(pairs) == count, "not enough stable pairs"
    return pairs


# ---------------------------------------------------------------- the cell

class Cell:
    def __init__(self, names, flags_of=None):
        self.zk = ZooKeeper()
        self.db = None
        self.servers = {}
        self.gone = []  # servers killed or stopped, cleaned up at the end
        self.flags_of = flags_of or {}
        self.secret_dir = tempfile.mkdtemp(prefix="iris-cellops-secret-")
        self.secret = os.path.join(self.secret_dir, "secret")
        try:
            self.db = MariaDbPair()
            for n in names:
                self.start(n)
            self.wait_members(len(names))
        except BaseException:
            self.down()
            raise

    def start(self, name):
        if name in self.servers:
            self.gone.append(self.servers[name])
        s = member(self.zk, name, "--auth.secret_file", self.secret, *self.db.flags(),
                   *self.flags_of.get(name, ()))
        self.servers[name] = s
        return s

    def alive(self):
        return [n for n, s in sorted(self.servers.items()) if s.alive()]

    def wait_members(self, n, timeout=TIMEOUT):
        wait_until(lambda: all(servers_in(self.servers[m]) == n for m in self.alive()), timeout=timeout,
                   what="every server to see %d members" % n)

    def any(self):
        return self.servers[self.alive()[0]]

    def token(self, user, device):
        return self.any().token(str(user), device)

    def sql(self, query):
        """The rows of `query` on the pair's primary (tab-separated), for a failure's evidence."""
        env = self.db.env
        r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", "-P" + env["IRIS_DB1_PORT"],
                            "-N", "-D", env["IRIS_MARIADB_DATABASE"], "-e", query],
                           capture_output=True, text=True, timeout=TIMEOUT)
        return r.stdout + r.stderr

    def kill9(self, name):
        s = self.servers[name]
        os.kill(s.proc.pid, signal.SIGKILL)
        s.proc.wait(timeout=TIMEOUT)

    def down(self):
        for s in list(self.servers.values()) + self.gone:
            s.cleanup()
        if self.db is not None:
            self.db.down()
        self.zk.down()
        shutil.rmtree(self.secret_dir, ignore_errors=True)


# ---------------------------------------------------------------- devices that move with the cell

class CellDevice:
    """A sync device (MQTT 3.1.1, paho) that connects through any live server and, whenever
    its connection ends, connects again through the next one and resumes at its (epoch, seq).
    Records every message text it applied, gaps and duplicates, and resyncs."""

    def __init__(self, cell, user, name):
        self.cell, self.user, self.name = cell, str(user), name
        self.token = cell.token(user, name)
        self.epoch, self.seq = "0", 0
        self.texts = []
        self.problems = []  # gaps, duplicates, resyncs after the first resume
        self.resumed_at = []  # (epoch, seq) of every resume
        self.events = collections.deque(maxlen=40)  # the last connects, resumes and batches (evidence)
        self.responses = queue.Queue()
        self.stale_responses = 0  # answers that came for another request than the one waiting
        self.lock = threading.Lock()
        self.client = None
        self.connected = threading.Event()
        self.next_server = 0
        self.running = True
        self.initial = True  # a new device: its first resume may answer resync (take the epoch)
        self.monitor = threading.Thread(target=self._keep_connected, daemon=True)
        self.monitor.start()

    def _keep_connected(self):
        while self.running:
            if self.client is None:
                self._connect()
            time.sleep(0.05)

    def _connect(self):
        mqtt = paho()
        alive = self.cell.alive()
        if not alive:
            return
        server_name = alive[self.next_server % len(alive)]
        server = self.cell.servers[server_name]
        self.events.append((round(time.monotonic(), 3), "connect via", server_name))
        self.next_server += 1
        c = mqtt.Client(client_id=self.name, protocol=mqtt.MQTTv311, clean_session=True)
        c.username_pw_set(self.user, self.token)
        c.reconnect_delay_set(60, 120)  # this class reconnects, through another server
        c.on_connect = self._on_connect
        c.on_subscribe = self._on_subscribe
        c.on_message = self._on_message
        c.on_disconnect = self._on_disconnect
        self.client = c
        try:
            c.connect("127.0.0.1", server.port, keepalive=5)
        except OSError:
            self.client = None
            return
        c.loop_start()

    def _on_connect(self, c, userdata, flags, rc):
        if c is not self.client:
            return
        if rc != 0:
            self._drop(c)
            return
        c.subscribe([("u/%s/deltas" % self.user, 1), ("u/%s/responses" % self.user, 1)])

    def _on_subscribe(self, c, userdata, mid, granted):
        if c is not self.client:
            return
        with self.lock:
            self.resumed_at.append((self.epoch, self.seq))
            self.events.append((round(time.monotonic(), 3), "resume at", self.seq))
            body = {"resume_request": {"epoch": self.epoch, "last_seq": str(self.seq), "max_updates": 0}}
        c.publish("u/%s/sync" % self.user, json.dumps(body).encode(), 1)
        self.connected.set()

    def _on_disconnect(self, c, userdata, rc):
        self._drop(c)

    def _drop(self, c):
        if c is self.client:
            self.connected.clear()
            self.client = None
            self.responses.put(None)  # a request waiting on this connection retries at once
        threading.Thread(target=c.loop_stop, daemon=True).start()
        try:
            c.disconnect()
        except Exception:
            pass

    def _on_message(self, c, userdata, m):
        if c is not self.client:
            return
        msg = json.loads(m.payload)
        if m.topic.endswith("/responses"):
            self.responses.put(msg)
            return
        with self.lock:
            if "resync" in msg:
                if not self.initial:
                    self.problems.append("resync after the first resume: %r" % msg)
                self.epoch, self.seq = msg["resync"]["epoch"], 0
                self.initial = False
                body = {"resume_request": {"epoch": self.epoch, "last_seq": "0", "max_updates": 0}}
                c.publish("u/%s/sync" % self.user, json.dumps(body).encode(), 1)
                return
            if "delta_batch" not in msg:
                return
            b = msg["delta_batch"]
            first, last = int(b["first_seq"]), int(b["last_seq"])
            self.events.append((round(time.monotonic(), 3), "batch", first, last,
                                [u["body"].get("message_created", {}).get("text") for u in b["updates"]]))
            if b["epoch"] != self.epoch and self.seq != 0:
                self.problems.append("epoch changed %s -> %s" % (self.epoch, b["epoch"]))
            if first != self.seq + 1:
                self.problems.append("batch %d..%d after seq %d" % (first, last, self.seq))
                if first <= self.seq:
                    return
            self.initial = False
            self.epoch, self.seq = b["epoch"], last
            for u in b["updates"]:
                if "message_created" in u["body"]:
                    self.texts.append(u["body"]["message_created"]["text"])

    def request(self, body, timeout=REQUEST_TIMEOUT):
        """Publishes `body` on u/<user>/sync (QoS 1) once connected; its response (the one that
        names its client id) or None. Answers of earlier attempts that come late (after their
        request gave up, or a retry's duplicate answer) are dropped: counting one as this
        request's acknowledgement would count a send whose own PUBLISH may have been lost."""
        if not self.connected.wait(timeout):
            return None
        c = self.client
        if c is None:
            return None
        want = next(iter(body.values())).get("client_id")
        try:
            c.publish("u/%s/sync" % self.user, json.dumps(body).encode(), 1)
        except Exception:
            return None
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                r = self.responses.get(timeout=left)
            except queue.Empty:
                return None
            if r is None:
                return None  # the connection ended first (_drop)
            answer = next(iter(r.values())) if isinstance(r, dict) and len(r) == 1 else {}
            if want is None or (isinstance(answer, dict) and answer.get("client_id") == want):
                return r
            self.stale_responses += 1

    def close(self):
        self.running = False
        self.monitor.join(timeout=TIMEOUT)
        if self.client is not None:
            self._drop(self.client)


class PairLoad:
    """One thread per pair: the first user's device sends m0, m1, ... into their thread, each
    retried with its client id until acknowledged (a send_result); both users' devices keep
    receiving. `acked` lists what was acknowledged, in order."""

    def __init__(self, cell, pairs, tag):
        self.cell, self.tag = cell, tag
        self.pairs = []
        for i, (x, y) in enumerate(pairs):
            sender = CellDevice(cell, x, "%s-x%d" % (tag, i))
            receiver = CellDevice(cell, y, "%s-y%d" % (tag, i))
            assert sender.connected.wait(TIMEOUT) and receiver.connected.wait(TIMEOUT)
            made = None
            for _ in range(10):
                made = sender.request({"create_thread_request": {"client_id": cid(9_000_000 + i), "name": tag,
                                                                 "participants": [str(y)]}})
                if made and "send_result" in made:
                    break
            assert made and "send_result" in made, made
            self.pairs.append({"sender": sender, "receiver": receiver, "thread": made["send_result"]["thread"],
                               "acked": [], "results": [], "unavailable": 0})
        self.latency = []  # seconds from a send's first try to its acknowledgement, every pair
        self.running = True
        self.threads = [threading.Thread(target=self._send_loop, args=(p, i), daemon=True)
                        for i, p in enumerate(self.pairs)]
        for t in self.threads:
            t.start()

    def _send_loop(self, p, i):
        n = 0
        while self.running:
            text = "%s-%d-m%d" % (self.tag, i, n)
            body = {"send_request": {"client_id": cid(1_000_000 * (i + 1) + n), "thread": p["thread"], "body": text}}
            sent_at = time.monotonic()
            deadline = sent_at + 60
            while time.monotonic() < deadline:
                r = p["sender"].request(body)
                if r is not None and "send_result" in r:
                    p["acked"].append(text)
                    p["results"].append(dict(r["send_result"], acked_at=round(time.monotonic(), 3)))
                    self.latency.append(time.monotonic() - sent_at)
                    break
                if r is not None and "error" in r:
                    p["unavailable"] += 1
                    time.sleep(0.05)
            else:
                raise AssertionError("send %s never acknowledged" % text)
            n += 1
            time.sleep(0.01)

    def latency_mark(self):
        return len(self.latency)

    def latencies_since(self, mark):
        return self.latency[mark:]

    def acked_total(self):
        return sum(len(p["acked"]) for p in self.pairs)

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=90)

    def devices(self):
        return [d for p in self.pairs for d in (p["sender"], p["receiver"])]

    def check(self, what):
        """Every acknowledged send reached both devices of its pair exactly once, in order;
        no gap, no duplicate, no resync after a device's first resume. Returns acked lost."""
        lost = 0
        for p in self.pairs:
            for d in (p["sender"], p["receiver"]):
                want = p["acked"]
                try:
                    wait_until(lambda d=d, want=want: len(d.texts) >= len(want), timeout=20,
                               what="%s to get all %d acknowledged sends" % (d.name, len(want)))
                except AssertionError:
                    pass
                got = [t for t in d.texts]
                missing = [t for t in want if t not in got]
                lost += len(missing)
                if missing:
                    self.evidence(p, d, missing)
                assert d.problems == [], (what, d.name, d.problems)
                # Each text once, in the order acknowledged; the one send in flight when the load
                # stopped may be there without its acknowledgement.
                assert len(got) == len(set(got)), (what, d.name, "duplicates", got)
                if got[:len(want)] != want:
                    self.order_evidence(p, d, got, want)
                assert got[:len(want)] == want, (what, d.name, "order or loss", missing[:5], len(got), len(want))
        return lost

    def evidence(self, p, d, missing):
        """What the queue holds of the missing sends against what the device got and what
        their acknowledgements said."""
        print("---- %s (user %s) misses %d of %d acknowledged sends: %s" % (d.name, d.user, len(missing),
                                                                     len(p["acked"]), missing[:5]))
        with d.lock:
            print("  device at epoch %s seq %s; resumes at %s; last texts %s" % (d.epoch, d.seq, d.resumed_at,
                                                                              d.texts[-3:]))
            for e in d.events:
                print("   ", e)
        for t in missing[:5]:
            i = p["acked"].index(t)
            print("  acknowledgement of %s: %s" % (t, p["results"][i]))
            print("  queue rows holding %s: %s" % (t, self.cell.sql(
                "SELECT user_id, seq FROM queue_updates WHERE INSTR(record, '%s') > 0" % t).strip()))
        print("  queue_meta: %s" % self.cell.sql(
            "SELECT user_id, epoch, first_seq, head_seq FROM queue_meta WHERE user_id = %s" % d.user).strip())

    def order_evidence(self, p, d, got, want):
        """Where the device's order leaves the acknowledged order: the texts around it, their
        acknowledgements and the queue rows holding them."""
        i = next(k for k in range(min(len(got), len(want))) if got[k] != want[k])
        print("---- %s (user %s) leaves the acknowledged order at #%d" % (d.name, d.user, i))
        print("  device got:   %s" % got[max(0, i - 2):i + 4])
        print("  acknowledged: %s" % want[max(0, i - 2):i + 4])
        for t in want[max(0, i - 2):i + 4]:
            print("  acknowledgement of %s: %s" % (t, p["results"][p["acked"].index(t)]))
            print("  queue rows holding %s: %s" % (t, self.cell.sql(
                "SELECT user_id, seq FROM queue_updates WHERE INSTR(record, '%s') > 0" % t).strip()))
        with d.lock:
            for e in d.events:
                print("   ", e)

    def close(self):
        for d in self.devices():
            d.close()


# ---------------------------------------------------------------- the parts

def http_get(port, path, token, extra=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    headers = {"Authorization": "Bearer " + token, "Accept": "application/json"}
    headers.update(extra or {})
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    out = (r.status, dict(r.getheaders()), body)
    conn.close()
    return out


def part_http_requests_reach_the_owner_through_every_server(cell):
    """The same user's snapshot, history page and badge through each of the three servers are
    equal: proxied to the owner (a, b), or 307 to the owner's URL (c redirects). A non-owner
    asked with the proxied mark answers 503 itself, never from its own state."""
    names = cell.alive()
    ring = Ring(names)
    owner_name = "b"
    u = next(x for x in range(500, 5000) if ring.owner(x) == owner_name)
    v = u + 1
    dev = CellDevice(cell, u, "http-phone")
    assert dev.connected.wait(TIMEOUT)
    made = dev.request({"create_thread_request": {"client_id": cid(1), "name": "http", "participants": [str(v)]}})
    thread = made["send_result"]["thread"]
    for i in range(3):
        r = dev.request({"send_request": {"client_id": cid(10 + i), "thread": thread, "body": "h%d" % i}})
        assert r and "send_result" in r, r
    token = cell.token(u, "http-phone")
    bodies = {}
    for path in ["/v1/snapshot", "/v1/threads/%s/messages?limit=10" % thread, "/v1/badge"]:
        for name in names:
            s = cell.servers[name]
            status, headers, body = http_get(s.http_port, path, token)
            if name == "c":  # --cluster.redirect_http true
                assert status == 307, (path, status, body)
                loc = headers["Location"]
                owner = cell.servers[owner_name]
                assert loc == "http://127.0.0.1:%d%s" % (owner.http_port, path), loc
                status, headers, body = http_get(owner.http_port, path, token)
            assert status == 200, (name, path, status, body)
            bodies.setdefault(path, []).append(json.loads(body))
        assert all(b == bodies[path][0] for b in bodies[path]), (path, bodies[path])
    snap = bodies["/v1/snapshot"][0]
    assert "h2" in json.dumps(snap), snap
    # A request that already passed one server is never forwarded again.
    status, headers, body = http_get(cell.servers["a"].http_port, "/v1/badge", token,
                                     {"X-Iris-Proxied-By": "test"})
    assert status == 503 and headers.get("Retry-After"), (status, body)
    # The owner checks the token again: a forged one is refused through the proxy.
    status, _, _ = http_get(cell.servers["a"].http_port, "/v1/snapshot", token[:-2] + "xx")
    assert status == 401, status
    dev.close()


def part_sdk_follows_a_server_reference(cell):
    """The iris CLI (the SDK) pointed at a server that redirects MQTT 5 devices (a) follows
    the Server Reference to the owner: login, send and status all work."""
    if not IRIS:
        print("  (skipped: IRIS_CLI is not set)")
        return
    ring = Ring(cell.alive())
    u = next(x for x in range(6000, 9000) if ring.owner(x) == "b")
    home = tempfile.mkdtemp(prefix="iris-cellops-cli-")
    try:
        a = cell.servers["a"]

        def iris(*args):
            r = subprocess.run([IRIS, "--config-dir", home, "--timeout", "10"] + list(args),
                               capture_output=True, text=True, timeout=3 * TIMEOUT)
            assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
            return r.stdout
        iris("login", "--server", "mqtt://127.0.0.1:%d" % a.port, "--user", str(u), "--token",
             cell.token(u, "cli"), "--device", "cli")
        made = json.loads(iris("--json", "create-thread", "--name", "redirected", str(u + 1)))
        json.loads(iris("--json", "send", made["thread"], "via the owner"))
        st = json.loads(iris("--json", "status"))
        # Without following the reference the client is refused (0x9C) on every attempt and
        # none of the above completes.
        assert st["connected"] and st["outbox"] == 0, st
    finally:
        shutil.rmtree(home, ignore_errors=True)


def relayed_by(server):
    """iris_cell_relayed_total on `server`'s /metrics."""
    st, _, body = http_get(int(server.ports["http"]), "/metrics", "")
    assert st == 200, st
    for line in body.decode().splitlines():
        if line.startswith("iris_cell_relayed_total "):
            return int(float(line.split()[1]))
    raise AssertionError("no iris_cell_relayed_total on /metrics")


def part_sdk_looks_up_its_route_and_connects_to_the_owner(cell):
    """The iris CLI (the SDK with ClientOptions::route_lookup, on whenever an HTTP endpoint is
    configured) asks GET /v1/route of the server it was given and connects to the owner itself:
    the server it was given relays nothing. Without the HTTP endpoint the same login is relayed
    (the control: the count can move)."""
    if not IRIS:
        print("  (skipped: IRIS_CLI is not set)")
        return
    ring = Ring(cell.alive())
    u = next(x for x in range(9000, 12000) if ring.owner(x) == "a")
    b = cell.servers["b"]
    for with_http in (False, True):
        home = tempfile.mkdtemp(prefix="iris-cellops-route-")
        try:
            def iris(*args):
                r = subprocess.run([IRIS, "--config-dir", home, "--timeout", "10"] + list(args),
                                   capture_output=True, text=True, timeout=3 * TIMEOUT)
                assert r.returncode == 0, (args, r.returncode, r.stdout, r.stderr)
                return r.stdout
            login = ["login", "--server", "mqtt://127.0.0.1:%d" % b.port, "--user", str(u), "--token",
                     cell.token(u, "route%d" % with_http), "--device", "route%d" % with_http]
            if with_http:
                login += ["--http", "http://127.0.0.1:%s" % b.ports["http"]]
            iris(*login)
            before = relayed_by(b)
            st = json.loads(iris("--json", "status"))
            assert st["connected"], st
            relayed = relayed_by(b) - before
            if with_http:
                assert relayed == 0, "the route lookup should have sent the CLI to a, not through b"
            else:
                assert relayed >= 1, "without the lookup b relays the CLI to a"
        finally:
            shutil.rmtree(home, ignore_errors=True)


def part_kill_nine_under_load(cell, pairs, kills):
    """kill -9 of a server under load, `kills` times over different servers, each restarted:
    every acknowledged send reaches both devices of its pair exactly once, in order, and every
    device resumed at its (epoch, seq) on the new owner without a resync."""
    load = PairLoad(cell, pairs, "kill")
    try:
        time.sleep(1.0)
        for name in kills:
            before = load.acked_total()
            cell.kill9(name)
            t0 = time.monotonic()
            survivors = len(cell.alive())
            cell.wait_members(survivors, timeout=TIMEOUT)
            # The load goes on: acknowledgements resume on the survivors.
            wait_until(lambda: load.acked_total() > before + 10, timeout=TIMEOUT,
                       what="sends acknowledged again after killing %s" % name)
            print("  kill -9 %s: sends flowing again after %.2f s" % (name, time.monotonic() - t0))
            cell.start(name)
            cell.wait_members(survivors + 1, timeout=TIMEOUT)
            time.sleep(0.5)
        load.stop()
        lost = load.check("kill -9")
        moved = sum(1 for d in load.devices() if len(d.resumed_at) > 1)
        assert moved > 0, "no device reconnected: the kills did not test anything"
        print("BENCH cluster.acked_lost %d" % lost)
        print("  %d sends acknowledged over %d kills (%d late answers of earlier attempts dropped)" % (
            load.acked_total(), len(kills), sum(d.stale_responses for d in load.devices())))
        assert lost == 0
    finally:
        load.running = False
        load.close()


def part_join_and_leave_under_load(cell, pairs):
    """A 4th server joins under load (takes its share), then one server stops cleanly
    (SIGTERM: hands its users over): nothing acknowledged lost or duplicated, seqs gapless, no
    device sent anything but a reconnect."""
    load = PairLoad(cell, pairs, "join")
    try:
        time.sleep(1.0)
        before = load.acked_total()
        cell.start("d")
        cell.wait_members(4)
        wait_until(lambda: load.acked_total() > before + 20, what="sends acknowledged after d joined")
        before = load.acked_total()
        cell.servers["c"].stop()
        cell.wait_members(3)
        wait_until(lambda: load.acked_total() > before + 20, what="sends acknowledged after c left")
        load.stop()
        assert load.check("join and leave") == 0
        moved = sum(1 for d in load.devices() if len(d.resumed_at) > 1)
        assert moved > 0, "no device moved: the test did not test anything"
        print("  %d sends acknowledged; %d of %d devices reconnected; %d late answers dropped" % (
            load.acked_total(), moved, len(load.devices()), sum(d.stale_responses for d in load.devices())))
    finally:
        load.running = False
        load.close()


def run_parts(parts, with_load):
    rings = [Ring(n) for n in (["a", "b", "c"], ["b", "c"], ["a", "c"], ["a", "b"], ["a", "b", "c", "d"],
                               ["a", "b", "d"])]
    pairs = pairs_stable_across(rings, 6) if with_load else []
    cell = Cell(["a", "b", "c"], flags_of={"a": ["--cluster.redirect_mqtt5", "true"],
                                           "c": ["--cluster.redirect_http", "true"]})
    try:
        for name, part in parts(cell, pairs):
            t0 = time.monotonic()
            try:
                part()
            except BaseException:
                for n, s in sorted(cell.servers.items()):
                    print("---- %s log (tail)" % n)
                    print("\n".join(s.log_text().splitlines()[-30:]))
                raise
            print("part %s passed in %.1f s" % (name, time.monotonic() - t0))
    finally:
        cell.down()


def case_cellops_http_requests_reach_the_owner_and_the_sdk_follows_a_server_reference():
    run_parts(lambda cell, pairs: [
        ("http_requests_reach_the_owner_through_every_server",
         lambda: part_http_requests_reach_the_owner_through_every_server(cell)),
        ("sdk_follows_a_server_reference", lambda: part_sdk_follows_a_server_reference(cell)),
        ("sdk_looks_up_its_route_and_connects_to_the_owner",
         lambda: part_sdk_looks_up_its_route_and_connects_to_the_owner(cell)),
    ], with_load=False)


def case_cellops_kill_nine_and_join_leave_under_load():
    run_parts(lambda cell, pairs: [
        ("kill_nine_under_load", lambda: part_kill_nine_under_load(cell, pairs[:3], ["c", "a", "c", "b", "a", "b"])),
        ("join_and_leave_under_load", lambda: part_join_and_leave_under_load(cell, pairs[3:])),
    ], with_load=True)
