"""End-to-end cases of irisd on MariaDB (store.backend = mariadb, README "Running on
MariaDB"): a throwaway primary + semi-sync replica from scripts/mariadb, started once for the
case and stopped by PID (scripts/mariadb down)."""
import http.client
import json
import os
import shutil
import subprocess
import time
import tempfile

from irisd_e2e import Irisd, Skip, SyncDevice, TIMEOUT, cid, wait_until

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class MariaDbPair:
    def __init__(self, *up_flags):
        if not (os.path.exists("/usr/sbin/mariadbd") and os.path.exists("/usr/bin/mariadb-install-db")):
            raise Skip("no MariaDB server (apt-get install mariadb-server-core)")
        self.dir = tempfile.mkdtemp(prefix="iris-mariadb-e2e-")
        subprocess.run([os.path.join(ROOT, "scripts", "mariadb"), "up", "--dir", self.dir, *up_flags],
                       capture_output=True, text=True, timeout=90, check=True)
        with open(os.path.join(self.dir, "state.env")) as f:
            self.env = dict(line.strip().split("=", 1) for line in f if "=" in line)

    def flags(self):
        return ["--store.backend", "mariadb", "--mariadb.servers", self.env["IRIS_MARIADB_SERVERS"],
                "--mariadb.user", self.env["IRIS_MARIADB_USER"],
                "--mariadb.password", self.env["IRIS_MARIADB_PASSWORD"],
                "--mariadb.database", self.env["IRIS_MARIADB_DATABASE"]]

    def admin(self, sql):
        """SQL as root on db1 (the throwaway pair's admin account)."""
        subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1",
                        "-P" + self.env["IRIS_DB1_PORT"], "-e", sql],
                       capture_output=True, timeout=TIMEOUT, check=True)

    def down(self):
        subprocess.run([os.path.join(ROOT, "scripts", "mariadb"), "down", "--dir", self.dir],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def case_mariadb_sends_are_acknowledged_from_the_pair_and_a_device_resumes_after_restart():
    """irisd on the replicated pair: sends are acknowledged (PUBACK after COMMIT on both
    servers); irisd is stopped and a new one started with another data dir, so the queue can
    only come from MariaDB; the offline device resumes at its (epoch, seq) and gets every send,
    gapless, with the same epoch."""
    db = MariaDbPair()
    try:
        s = Irisd(*db.flags())
        try:
            assert not os.path.exists(os.path.join(s.dir, "data", "queue")), "no RocksDB queue"
            assert "MariaDB iris at" in s.log_text(), s.log_text()
            ann = SyncDevice(s, "1", "ann-phone")
            ann.resume()
            ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
            thread = ann.next("/responses")["send_result"]["thread"]
            bob = SyncDevice(s, "2", "bob-phone")
            bob.resume()
            try:
                bob.drain_until(lambda: bob.seq >= 1)
            except AssertionError:
                raise AssertionError("bob got nothing; irisd log:\n" + s.log_text())
            bob.close()
            infos = [ann.c.publish("u/1/sync", json.dumps({"send_request": {
                "client_id": cid(100 + i), "thread": thread, "body": "m%d" % i}}).encode(), 1)
                     for i in range(50)]
            for info in infos:
                info.wait_for_publish(timeout=TIMEOUT)
                assert info.is_published()
            ann.close()
            s.stop()
            secret = os.path.join(s.dir, "data", "secret")
            # Another data dir (the token secret copied): only MariaDB holds the queues.
            s2 = Irisd(*db.flags(), "--auth.secret_file", secret)
            try:
                s2.token = s.token
                bob2 = SyncDevice(s2, "2", "bob-phone")
                bob2.epoch, bob2.seq = bob.epoch, bob.seq
                bob2.resume()
                bob2.drain_until(lambda: bob2.seq >= 51)
                assert bob2.texts() == ["m%d" % i for i in range(50)], bob2.texts()
                assert bob2.epoch == bob.epoch, (bob2.epoch, bob.epoch)
                bob2.close()
                s2.stop()
            finally:
                s2.cleanup()
        finally:
            s.cleanup()
    finally:
        db.down()


def healthz(s):
    conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    finally:
        conn.close()


def send(dev, thread, n):
    """One send, answered: ("ok", send_result) or ("error", error)."""
    dev.request({"send_request": {"client_id": cid(1000 + n), "thread": thread, "body": "m%d" % n}})
    answer = dev.next("/responses")
    if "send_result" in answer:
        return "ok", answer["send_result"]
    return "error", answer["error"]


def case_mariadb_read_only_database_refuses_sends_as_unavailable_and_irisd_recovers_by_itself():
    """One MariaDB server turned read-only under a running irisd (what fencing does): a send
    is answered with the retryable `unavailable` and /healthz says 503; once the server is
    writable again the same send (same client id) succeeds without a restart, and a device
    gets every acknowledged send exactly once."""
    db = MariaDbPair("--single")
    try:
        s = Irisd(*db.flags(), "--mariadb.retry_backoff_ms", "50", "--mariadb.retry_backoff_max_ms", "200")
        try:
            ann = SyncDevice(s, "1", "ann-phone")
            ann.resume()
            ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
            thread = ann.next("/responses")["send_result"]["thread"]
            assert send(ann, thread, 0)[0] == "ok"
            assert healthz(s) == 200
            db.admin("SET GLOBAL read_only = 1")
            kind, answer = send(ann, thread, 1)
            assert kind == "error" and answer["code"] == "unavailable", (kind, answer)
            assert healthz(s) == 503, "no writable database: not healthy"
            db.admin("SET GLOBAL read_only = 0")
            deadline = time.monotonic() + 10
            while True:
                kind, answer = send(ann, thread, 1)
                if kind == "ok":
                    break
                assert answer["code"] == "unavailable", answer
                assert time.monotonic() < deadline, (
                    "sends still refused 10 s after the server became writable:\n" + s.log_text())
                time.sleep(0.1)
            assert send(ann, thread, 2)[0] == "ok"
            wait_until(lambda: healthz(s) == 200, what="/healthz 200 after recovery")
            bob = SyncDevice(s, "2", "bob-phone")
            bob.resume()
            bob.drain_until(lambda: len(bob.texts()) >= 3)
            assert bob.texts() == ["m0", "m1", "m2"], bob.texts()
            assert bob.seq == 4, bob.seq  # the thread, then each send once
            bob.close()
            ann.close()
            s.stop()
        finally:
            s.cleanup()
    finally:
        db.down()
