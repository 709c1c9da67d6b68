"""End-to-end cases of sends across servers (issue 18, docs/CLUSTER.md "Sends across
servers"): three irisd in one cell (a real standalone ZooKeeper) sharing one MariaDB store
(scripts/mariadb up --single), devices as paho clients. One setup for the suite, stopped by
PID; the cases run in order on it.

 - a thread whose participants live on the three servers: every participant's devices get
   every message exactly once, in order (the seqs are checked gapless on each device);
 - the sender's server is killed (-9) right after its PUBACKs while the remote owners are
   paused (so none of its fan-out is confirmed): the remote participants still get
   everything once, from the sender's new owner;
 - the link itself: a wrong cell secret is refused, a peer's garbage or unknown version is
   disconnected and logged, a device cannot publish on the link's topic.
Skipped without mariadbd or ZooKeeper.
"""
import hashlib
import hmac
import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import time

from cases_cell import ZooKeeper, member, owner, servers_in
from irisd_e2e import TIMEOUT, Raw, Skip, SyncDevice, assert_closed_by_server, cid, connect_packet, mqtt_str, varint, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = ["a", "b", "c"]


class Store:
    """One throwaway MariaDB server (scripts/mariadb up --single)."""

    def __init__(self):
        if not os.path.exists("/usr/sbin/mariadbd"):
            raise Skip("mariadbd is not installed (scripts/setup-deps)")
        self.dir = tempfile.mkdtemp(prefix="iris-e2e-fanout-db-")
        try:
            self.script("up", "--single")
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        env = dict(l.strip().split("=", 1) for l in open(os.path.join(self.dir, "state.env")) if "=" in l)
        self.servers = env["IRIS_MARIADB_SERVERS"]

    def script(self, *args):
        out = subprocess.run([os.path.join(REPO, "scripts", "mariadb"), *args, "--dir", self.dir],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out.stdout

    def pending_fanout(self):
        """Rows of the fan-out pointer: shares not yet confirmed by their owners."""
        host, port = self.servers.split(",")[0].rsplit(":", 1)
        out = subprocess.run(["mariadb", "--no-defaults", "-uiris", "-piris", "-h" + host, "-P" + port,
                              "--batch", "--skip-column-names", "iris", "-e", "SELECT COUNT(*) FROM queue_fanout"],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        return int(out.stdout.strip())

    def close(self):
        try:
            self.script("down")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def user_of(name, start):
    u = start
    while owner(u, NAMES) != name:
        u += 1
    return u


def link_password(secret_file, name):
    secret = open(secret_file).readline().rstrip("\r\n ")
    return hmac.new(secret.encode(), ("iris-cell-link 1 " + name).encode(), hashlib.sha256).hexdigest()


def publish_qos1(topic, payload, packet_id=1):
    body = mqtt_str(topic) + bytes([packet_id >> 8, packet_id & 0xFF]) + b"\x00" + payload
    return b"\x32" + varint(len(body)) + body


def send_all(device, thread, texts):
    """Sends each text and waits for its result (the PUBACK comes after the local commit)."""
    for t in texts:
        device.request({"send_request": {"client_id": cid(hash(t) & 0xFFFFFFFFFFFF), "thread": thread, "body": t}})
        r = device.next("/responses")
        assert "send_result" in r, r


def assert_once_in_order(device, expected_by_sender):
    got = device.texts()
    for sender, texts in expected_by_sender.items():
        mine = [t for t in got if t.startswith(sender + "-")]
        assert mine == texts, (device.user, sender, mine, texts)


def case_fanout_three_servers_every_device_once_in_order_and_after_kill_nine():
    store = Store()
    zk = None
    started = []
    devices = []
    try:
        zk = ZooKeeper()
        secret_dir = tempfile.mkdtemp(prefix="iris-fanout-secret-")
        secret_file = os.path.join(secret_dir, "secret")
        flags = ["--auth.secret_file", secret_file, "--store.backend", "mariadb",
                 "--mariadb.servers", store.servers, "--mariadb.user", "iris", "--mariadb.password", "iris",
                 "--cluster.fanout_retry_ms", "200", "--cluster.session_timeout_ms", "4000",
                 # A group of strangers: since the cell shares its social state, the sender's
                 # server judges the remote members' group-add setting too (contacts by default).
                 "--social.group_add_default", "anyone"]
        servers = {}
        for n in NAMES:
            s = member(zk, n, *flags)
            started.append(s)
            servers[n] = s
        # member() passes --cluster.session_timeout_ms 2000 first; ours, later, wins.
        wait_until(lambda: all(servers_in(s) == 3 for s in started), what="a cell of three")
        ua, ub, uc = user_of("a", 1), user_of("b", 1), user_of("c", 1)

        # ---- a thread across the three servers
        ann = SyncDevice(servers["a"], str(ua), "a-phone")
        devices.append(ann)
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "three",
                                               "participants": [str(ub), str(uc)]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        bob = SyncDevice(servers["b"], str(ub), "b-phone")
        cat = SyncDevice(servers["c"], str(uc), "c-phone")
        cat_relayed = SyncDevice(servers["a"], str(uc), "c-laptop")  # relayed by a to c
        devices += [bob, cat, cat_relayed]
        everyone = [ann, bob, cat, cat_relayed]
        for d in everyone[1:]:
            d.resume()
            d.drain_until(lambda d=d: d.seq >= 1)
        # ---- typing crosses servers: Bob's phone (owned by b) and Cat's (by c) subscribe at
        # their owners; Ann types at a. The signal goes over the cell link, unstored.
        typing = "t/%s/typing" % thread
        for d in (bob, cat):
            assert tuple(d.subscribe(typing + "/json", 0)) == (0,), d.user
        heard = {bob.user: None, cat.user: None}
        for _ in range(10):  # a link that is down drops the signal it was dialled for: try again
            ann.publish(typing, json.dumps({"typing": {"thread": thread, "active": True}}).encode(), 0)
            for d in (bob, cat):
                try:
                    while heard[d.user] is None:
                        m = d.messages.get(timeout=1)
                        if m.topic == typing + "/json":
                            heard[d.user] = json.loads(m.payload)
                        else:
                            d.apply(json.loads(m.payload))
                except queue.Empty:
                    pass
            if all(heard.values()):
                break
        for d in (bob, cat):
            assert heard[d.user] == {"typing": {"thread": thread, "user": str(ua), "active": True}}, heard

        expected = {"a": [], "b": [], "c": []}
        for i in range(8):
            for who, dev in (("a", ann), ("b", bob), ("c", cat)):
                text = "%s-%d" % (who, i)
                send_all(dev, thread, [text])
                expected[who].append(text)
        for d in everyone:
            d.drain_until(lambda d=d: len(d.texts()) >= 24)
        time.sleep(0.5)  # nothing more may come
        for d in everyone:
            d.drain_until(lambda: True)
            assert len(d.texts()) == 24, (d.user, d.texts())
            assert_once_in_order(d, expected)
        # Each server appended only its own users; the rest went over the link, confirmed.
        wait_until(lambda: store.pending_fanout() == 0, what="every share confirmed")
        for n in NAMES:
            assert "cell link to" in servers[n].log_text(), servers[n].log_text()

        # ---- kill -9 of the sender's server with none of its fan-out confirmed
        os.kill(servers["b"].proc.pid, signal.SIGSTOP)
        os.kill(servers["c"].proc.pid, signal.SIGSTOP)
        try:
            after = ["a-k%d" % i for i in range(10)]
            send_all(ann, thread, after)  # acknowledged: durable in a's share only
            expected["a"] += after
            servers["a"].proc.kill()
            servers["a"].proc.wait()
            # Every share is still pending: its owners could not confirm it.
            assert store.pending_fanout() == len(after), store.pending_fanout()
        finally:
            os.kill(servers["b"].proc.pid, signal.SIGCONT)
            os.kill(servers["c"].proc.pid, signal.SIGCONT)
        for d in (bob, cat):
            d.drain_until(lambda d=d: len(d.texts()) >= 34)
        time.sleep(1.0)
        for d in (bob, cat):
            d.drain_until(lambda: True)
            assert len(d.texts()) == 34, (d.user, d.texts())
            assert_once_in_order(d, expected)
        # Ann's queue holds every acknowledged send once: a new device of hers, on a survivor.
        wait_until(lambda: servers_in(servers["b"]) == 2, timeout=15, what="b to see a go")
        ann2 = SyncDevice(servers["b"], str(ua), "a-tablet")
        devices.append(ann2)
        ann2.resume()
        ann2.drain_until(lambda: len(ann2.texts()) >= 34)
        assert_once_in_order(ann2, expected)
        wait_until(lambda: store.pending_fanout() == 0, what="the new owner to confirm every share")

        # ---- the link: authenticated, and a peer speaking nonsense is dropped and logged
        b = servers["b"]
        wrong = Raw(b.port)
        assert wrong.connack("cell-x", v5=True, user="cell:x", password="0" * 64) == 0x86
        wrong.close()
        for payload, said in ((b"\x02" + b"\x00" * 40, "unknown version"), (b"\x01garbage", "malformed")):
            peer = Raw(b.port)
            assert peer.connack("cell-x", v5=True, user="cell:x", password=link_password(secret_file, "x")) == 0
            peer.send(publish_qos1("c/fanout", payload))
            packets = assert_closed_by_server(peer)
            assert packets and packets[-1][0] == 0xE0, packets  # DISCONNECT, then closed
            wait_until(lambda said=said: said in b.log_text(), what="the refusal logged")
            assert "peer cell:x sent a frame this server refuses" in b.log_text()
        # A typing signal on the link that is not one is refused the same way.
        peer = Raw(b.port)
        assert peer.connack("cell-x", v5=True, user="cell:x", password=link_password(secret_file, "x")) == 0
        peer.send(publish_qos1("c/typing", b"\x01garbage"))
        packets = assert_closed_by_server(peer)
        assert packets and packets[-1][0] == 0xE0, packets
        wait_until(lambda: "peer cell:x sent a typing signal this server refuses" in b.log_text(),
                   what="the typing refusal logged")
        device = Raw(b.port)
        assert device.connack("b-watch", v5=True, user=str(ub), password=b.token(str(ub), "b-watch")) == 0
        for topic in ("c/fanout", "c/typing"):  # a device can speak for no server
            device.send(publish_qos1(topic, b"\x01" + b"\x00" * 40))
            first, body = device.read_packet()
            assert first == 0x40 and body[2] == 0x87, (topic, first, body)  # PUBACK not authorized
        device.close()
        for d in devices:
            d.close()
        for s in started[1:]:
            s.stop()
    finally:
        for d in devices:
            try:
                d.close()
            except Exception:
                pass
        for s in started:
            os.kill(s.proc.pid, signal.SIGCONT) if s.proc.poll() is None else None
            s.cleanup()
        if zk is not None:
            zk.down()
        store.close()
