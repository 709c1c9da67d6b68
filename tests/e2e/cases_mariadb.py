"""End-to-end cases of irisd on MariaDB (store.backend = mariadb, README "Running on
MariaDB"): a throwaway primary + semi-sync replica from scripts/mariadb, started once for the
case and stopped by PID (scripts/mariadb down)."""
import json
import os
import shutil
import subprocess
import tempfile

from irisd_e2e import Irisd, Skip, SyncDevice, TIMEOUT, cid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class MariaDbPair:
    def __init__(self):
        if not (os.path.exists("/usr/sbin/mariadbd") and os.path.exists("/usr/bin/mariadb-install-db")):
            raise Skip("no MariaDB server (apt-get install mariadb-server-core)")
        self.dir = tempfile.mkdtemp(prefix="iris-mariadb-e2e-")
        subprocess.run([os.path.join(ROOT, "scripts", "mariadb"), "up", "--dir", self.dir],
                       capture_output=True, text=True, timeout=90, check=True)
        with open(os.path.join(self.dir, "state.env")) as f:
            self.env = dict(line.strip().split("=", 1) for line in f if "=" in line)

    def flags(self):
        return ["--store.backend", "mariadb", "--mariadb.servers", self.env["IRIS_MARIADB_SERVERS"],
                "--mariadb.user", self.env["IRIS_MARIADB_USER"],
                "--mariadb.password", self.env["IRIS_MARIADB_PASSWORD"],
                "--mariadb.database", self.env["IRIS_MARIADB_DATABASE"]]

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
