"""End-to-end cases of irisd on a replicated MariaDB pair (issue 17, docs/REPLICATION.md): a
real pair from scripts/mariadb, iris-dbmon as its own process, irisd with
--store.backend mariadb, and paho devices sending over MQTT.

One case holds the whole suite (one pair, one irisd, one monitor; started once, stopped by
PID): kill -9 of the primary under a steady send load, alternating roles after each rejoin;
then kill -9 of the replica (sends answered `unavailable`, nothing acknowledged, the same
send retried after the replica returns is there once). Every acknowledged send is delivered
exactly once to a fresh device, seqs gapless, the queue's epoch unchanged.
Skipped when mariadbd or irisd's MariaDB backend is missing.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import irisd_e2e
from irisd_e2e import TIMEOUT, Irisd, Skip, SyncDevice, cid, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KILLS = int(os.environ.get("IRIS_E2E_DBPAIR_KILLS", "10"))


class Pair:
    """scripts/mariadb up in a fresh directory, iris-dbmon beside it."""

    def __init__(self):
        if not os.path.exists("/usr/sbin/mariadbd"):
            raise Skip("mariadbd is not installed (scripts/setup-deps)")
        self.dir = tempfile.mkdtemp(prefix="iris-e2e-dbpair-")
        self.monitor = None
        try:
            self.script("up")  # stops what it started if it fails
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        env = dict(l.strip().split("=", 1) for l in open(os.path.join(self.dir, "state.env")) if "=" in l)
        self.servers = env["IRIS_MARIADB_SERVERS"]
        dbmon = os.path.join(os.path.dirname(os.path.dirname(irisd_e2e.IRISD)), "iris-dbmon", "iris-dbmon")
        self.monitor_log = open(os.path.join(self.dir, "dbmon.log"), "w")
        self.monitor = subprocess.Popen([dbmon, "--servers", self.servers, "--metrics_port", "0",
                                         "--ports_file", os.path.join(self.dir, "dbmon.ports")],
                                        stdout=self.monitor_log, stderr=subprocess.STDOUT)

    def script(self, *args):
        out = subprocess.run([os.path.join(REPO, "scripts", "mariadb"), *args, "--dir", self.dir],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (args, out.stdout, out.stderr)
        return out.stdout

    def role_of(self, name):
        """'primary', 'replica', 'down' ... as scripts/mariadb status says."""
        for line in self.script("status").splitlines():
            if line.startswith(name + " "):
                return line.split()[1]
        return "?"

    def monitor_text(self):
        self.monitor_log.flush()
        return open(self.monitor_log.name).read()

    def close(self):
        if self.monitor is not None and self.monitor.poll() is None:
            self.monitor.send_signal(signal.SIGTERM)
            self.monitor.wait(timeout=TIMEOUT)
        try:
            self.script("down")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Sender(SyncDevice):
    """Ann's device: one send at a time; a send is acknowledged when its send_result comes;
    an `unavailable` error is retried with the same client id (idempotent). A late result of
    an earlier try (its answer outlived a wait) is skipped by its client id."""

    def answer(self, n, timeout=TIMEOUT):
        """The next answer that can be for send n: its send_result, or an error (errors name
        no client id; this sender has one send outstanding). None on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                r = self.next("/responses")
            except Exception:
                return None
            if "send_result" in r and r["send_result"].get("client_id") != cid(100_000 + n):
                continue
            return r
        return None

    def send_acknowledged(self, n, thread, deadline_s=30.0):
        """Sends message n until acknowledged; returns how many `unavailable` answers came."""
        unavailable = 0
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            self.request({"send_request": {"client_id": cid(100_000 + n), "thread": thread,
                                           "body": "m%d" % n}})
            r = self.answer(n)
            if r is not None and "send_result" in r:
                return unavailable
            if r is not None and r.get("error", {}).get("code") == "unavailable":
                unavailable += 1
                time.sleep(min(1.0, int(r["error"].get("retry_after_ms", 100)) / 1000.0))
        raise AssertionError("send %d never acknowledged" % n)


def case_dbpair_kill_nine_of_either_server_loses_no_acknowledged_send():
    pair = Pair()
    s = None
    try:
        s = Irisd("--store.backend", "mariadb", "--mariadb.servers", pair.servers,
                  "--mariadb.user", "iris", "--mariadb.password", "iris",
                  "--mariadb.read_timeout", "2s")
        ann = Sender(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "failover",
                                               "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        acked = []
        n = 0

        def send_some(k):
            nonlocal n
            for _ in range(k):
                n += 1
                ann.send_acknowledged(n, thread)
                acked.append(n)

        send_some(5)
        probe = SyncDevice(s, "2", "probe-before")
        probe.resume()
        probe.drain_until(lambda: len(probe.texts()) >= 5)
        epoch_before = probe.epoch
        probe.close()

        # kill -9 of the primary, KILLS times, roles alternating: each time the killed server
        # returns read-only and iris-dbmon attaches it as the new replica.
        for k in range(KILLS):
            killed = pair.script("kill", "primary").split()[1]
            # A send in flight across the failover: answered `unavailable` (or not at all)
            # until a new primary has a replica again, then acknowledged once on a retry.
            n += 1
            ann.request({"send_request": {"client_id": cid(100_000 + n), "thread": thread,
                                           "body": "m%d" % n}})
            wait_until(lambda: pair.role_of("db1" if killed == "db2" else "db2") == "primary",
                       timeout=15, what="promotion after kill %d" % k)
            pair.script("rejoin", killed, "--start-only")
            wait_until(lambda: pair.role_of(killed) == "replica", timeout=15,
                       what="%s to rejoin" % killed)
            ann.send_acknowledged(n, thread)
            acked.append(n)
            send_some(2)

        # kill -9 of the replica: the primary waits for a semi-sync ack that cannot come, so
        # irisd answers `unavailable` (after mariadb.read_timeout) and acknowledges nothing.
        replica = "db1" if pair.role_of("db1") == "replica" else "db2"
        pair.script("kill", "replica")
        n += 1
        ann.request({"send_request": {"client_id": cid(100_000 + n), "thread": thread, "body": "m%d" % n}})
        r = ann.answer(n)
        assert r is not None and r.get("error", {}).get("code") == "unavailable", r
        pair.script("rejoin", replica, "--start-only")  # iris-dbmon attaches it
        ann.send_acknowledged(n, thread)  # the same client id: once, whatever happened before
        acked.append(n)
        # One more send. The retried send above may have committed on its first try, whose
        # outcome irisd could not know (it answered `unavailable` after mariadb.read_timeout
        # while the commit waited for the replica); the retry is then answered from the
        # idempotency record, and the owners' shards learn of the update only with the next
        # append to those queues (a known gap: docs/REPLICATION.md, "Unknown outcomes").
        send_some(1)

        # A fresh device of bob: every acknowledged send exactly once, gapless (SyncDevice
        # asserts continuity), in order, under the same epoch.
        bob = SyncDevice(s, "2", "bob-fresh")
        bob.resume()
        bob.drain_until(lambda: len(bob.texts()) >= len(acked))
        texts = bob.texts()
        assert texts == ["m%d" % i for i in acked], texts
        assert bob.epoch == epoch_before, (bob.epoch, epoch_before)
        assert "generation bumped" not in pair.monitor_text(), pair.monitor_text()
        for d in (ann, bob):
            d.close()
        s.stop()
    finally:
        if s is not None:
            s.cleanup()
        pair.close()
