"""End-to-end cases of the history on MariaDB (issue 17): irisd with store.backend=mariadb
keeps its history in the history_* tables of a real MariaDB (scripts/mariadb up --single, a
throwaway mariadbd on a free loopback port, stopped by PID), each message's text once per
thread, and a second irisd with an empty data dir serves the same inbox from it.

Observations: MQTT devices, the HTTP snapshot, and the tables read with the `mariadb` client.
"""
import json
import os
import shutil
import subprocess
import tempfile

from cases_http import get_json
from cases_sync import Device, create_thread, send
from irisd_e2e import TIMEOUT, Irisd, Skip, wait_until

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class MariaDb:
    """One throwaway mariadbd (scripts/mariadb up --single) for one case."""

    def __init__(self):
        if not shutil.which("mariadbd") and not os.path.exists("/usr/sbin/mariadbd"):
            raise Skip("mariadb-server-core is not installed")
        self.dir = tempfile.mkdtemp(prefix="irisd-e2e-mariadb-")
        subprocess.run([os.path.join(REPO, "scripts", "mariadb"), "up", "--single", "--dir", self.dir],
                       check=True, capture_output=True, timeout=120)
        with open(os.path.join(self.dir, "state.json")) as f:
            self.port = json.load(f)["servers"]["db1"]["port"]

    def flags(self):
        return ("--store.backend", "mariadb", "--mariadb.servers", "127.0.0.1:%d" % self.port,
                "--mariadb.user", "iris", "--mariadb.password", "iris", "--mariadb.database", "iris")

    def count(self, sql):
        out = subprocess.run(["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(self.port),
                              "-u", "iris", "-piris", "-N", "-B", "iris", "-e", sql],
                             capture_output=True, text=True, timeout=TIMEOUT)
        return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else -1

    def down(self):
        subprocess.run([os.path.join(REPO, "scripts", "mariadb"), "down", "--dir", self.dir],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


def case_history_on_mariadb_stores_each_text_once_and_outlives_the_server():
    """Three participants, five sends: history_bodies gets five rows (one per message, not per
    recipient), history_log fifteen message rows and no private copy; no history.sqlite3 is
    made; a new irisd with an empty data dir answers the same inbox from MariaDB."""
    db = MariaDb()
    try:
        # A group of three strangers: the group-add policy (issue 22) is not what this is about.
        s = Irisd(*db.flags(), "--social.group_add_default", "anyone")
        try:
            ann = Device(s, "1", "ann-phone", resume=True)
            thread = create_thread(ann, [2, 3])
            send(ann, thread, 5, body="text %d " + "x" * 500)
            wait_until(lambda: db.count("SELECT count(*) FROM history_log WHERE message_id IS NOT NULL") == 15,
                       timeout=3 * TIMEOUT, what="the history writer to apply every recipient's messages")
            assert db.count("SELECT count(*) FROM history_bodies") == 5
            assert db.count("SELECT count(*) FROM history_log WHERE message_id IS NOT NULL "
                            "AND record IS NOT NULL") == 0, "a recipient kept its own copy"
            assert db.count("SELECT max(seq) FROM history_position WHERE user_id = 3") == 6
            assert not os.path.exists(os.path.join(s.dir, "data", "history", "history.sqlite3"))
            ann.close()
            s.stop()
        finally:
            s.cleanup()

        s2 = Irisd(*db.flags())  # a fresh data dir: queue and history are on MariaDB only
        try:
            snap = get_json(s2, "/v1/snapshot", s2.token("3", "cy-http"))["snapshot"]
            (t,) = snap["threads"]
            assert t["thread"] == thread, t
            assert [m["text"] for m in t["latest_messages"]] == ["text %d " % i + "x" * 500 for i in range(5)], t
            assert t["unread_count"] == 5, t
            assert "history store: MariaDB iris at 127.0.0.1:%d" % db.port in s2.log_text()
            s2.stop()
        finally:
            s2.cleanup()
    finally:
        db.down()
