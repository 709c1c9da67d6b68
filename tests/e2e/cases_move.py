"""End-to-end case of `irisctl user move` (issue 19, docs/CLUSTER.md "Moving a user to another
cell"): two cells on one ZooKeeper, each with its own store (two databases on one MariaDB pair,
as two pairs would be), one irisd each. A user with two devices sends into its own thread under
a steady load; the user is moved from cell a to cell b while the load runs. Every
acknowledged send reaches both devices exactly once, in order, with no resync (the epoch was
kept, so the devices resume at their (epoch, seq) on b's server), `irisctl user where` names
cell b, the audit log holds the move, and b's store holds the whole queue.

Not covered here: a user chatting with a user of the other cell (sends across cells are
issue 19's other part); the load runs within the moved user's own thread.
"""
import os
import shutil
import subprocess
import tempfile
import time

from irisd_e2e import Irisd, Raw, TIMEOUT, assert_closed_by_server, connect_packet, wait_until
from cases_cell import ZooKeeper
from cases_cellops import PairLoad
from cases_mariadb import MariaDbPair

USER = 4242


class TwoCells:
    """ZooKeeper, one MariaDB pair holding two cells' databases, irisd a1 in cell a and b1 in
    cell b; CellDevice/PairLoad reach any live server of either cell (a server relays a device
    of a user placed in the other cell there)."""

    def __init__(self):
        self.zk = ZooKeeper()
        self.db = None
        self.servers = {}
        self.dir = tempfile.mkdtemp(prefix="iris-move-e2e-")
        self.secret = os.path.join(self.dir, "secret")
        try:
            self.db = MariaDbPair()
            self.db.admin("CREATE DATABASE iris_b; GRANT ALL PRIVILEGES ON iris_b.* TO 'iris'@'127.0.0.1'")
            self.start("a1", "a", "iris", "--cluster.redirect_mqtt5", "true")
            self.start("b1", "b", "iris_b")
            wait_until(lambda: self.cells_listed() >= 2,
                       what="both cells in ZooKeeper")
        except BaseException:
            self.down()
            raise

    def start(self, name, cell, database, *extra):
        # The history tier in the cell's database too, so the move carries it.
        flags = self.db.flags() + ["--history.backend", "mariadb"] + list(extra)
        flags[flags.index("--mariadb.database") + 1] = database
        s = Irisd("--cluster.zookeeper", self.zk.hosts(), "--cluster.cell", cell, "--cluster.name", name,
                  "--cluster.tokens", "64", "--cluster.session_timeout_ms", "2000",
                  "--auth.secret_file", self.secret, *flags)
        self.servers[name] = s
        return s

    def cells_listed(self):
        return sum(1 for line in self.irisctl("cells").splitlines() if line.startswith("cell "))

    def alive(self):
        return [n for n, s in sorted(self.servers.items()) if s.alive()]

    def token(self, user, device):
        s = self.servers["a1"]
        return subprocess.run([s.proc.args[0], "token", "--auth.secret_file", self.secret, "--user", str(user),
                               "--device", device, "--ttl", "1h"], capture_output=True, text=True,
                              timeout=TIMEOUT, check=True).stdout.strip()

    def irisctl(self, *args, check=True):
        binary = os.path.join(os.path.dirname(os.path.dirname(self.servers_bin())), "irisctl", "irisctl")
        r = subprocess.run([binary, *args, "--zookeeper", self.zk.hosts()], capture_output=True, text=True,
                           timeout=60)
        if check:
            assert r.returncode == 0, ("irisctl", args, r.returncode, r.stdout, r.stderr)
        return r.stdout + r.stderr

    def servers_bin(self):
        return os.path.abspath(os.environ.get("IRISD_BIN") or next(iter(self.servers.values())).proc.args[0])

    def sql(self, database, query):
        env = self.db.env
        r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", "-P" + env["IRIS_DB1_PORT"],
                            "-N", "-D", database, "-e", query], capture_output=True, text=True, timeout=TIMEOUT)
        return r.stdout.strip()

    def down(self):
        for s in self.servers.values():
            s.cleanup()
        if self.db is not None:
            self.db.down()
        self.zk.down()
        shutil.rmtree(self.dir, ignore_errors=True)


def case_move_a_user_to_another_cell_under_load_every_device_once_in_order_without_resync():
    cells = TwoCells()
    load = None
    try:
        pair = cells.db.env["IRIS_MARIADB_SERVERS"]
        cells.irisctl("user", "place", str(USER), "a")  # no queue yet: an override is enough
        assert "cell a" in cells.irisctl("user", "where", str(USER))
        # Two devices of the user; the first sends into a thread of the user alone.
        load = PairLoad(cells, [(USER, USER)], "mv")
        wait_until(lambda: load.acked_total() >= 30, what="sends acknowledged before the move")
        before = load.acked_total()
        # An MQTT 5 device of the user on a1 (which redirects MQTT 5 devices).
        a1, b1 = cells.servers["a1"], cells.servers["b1"]
        watch = Raw(a1.port)
        assert watch.connack("watch", v5=True, user=str(USER), password=cells.token(USER, "watch")) == 0
        t0 = time.monotonic()
        stores = ["--store", "a=%s/iris" % pair, "--store", "b=%s/iris_b" % pair]
        out = cells.irisctl("user", "move", str(USER), "b", *stores)
        took = time.monotonic() - t0
        print("  " + out.strip() + " (%.2f s)" % took)
        print("BENCH move.irisctl_s %.2f" % took)
        assert "moved from cell a to cell b" in out, out
        assert "history rows" in out, out
        # The MQTT 5 device is told to go to b1: DISCONNECT 0x9C with b1's address.
        packets = assert_closed_by_server(watch)
        assert packets and packets[-1][0] == 0xE0 and packets[-1][1][0] == 0x9C, packets
        assert ("127.0.0.1:%d" % b1.port).encode() in packets[-1][1], ("Server Reference names b1", packets)
        # A new MQTT 5 connection to a1 is sent to b1 too (CONNACK 0x9C + Server Reference).
        late = Raw(a1.port)
        late.send(connect_packet("tablet", v5=True, user=str(USER), password=cells.token(USER, "tablet")))
        first, body = late.read_packet()
        assert first == 0x20 and body[1] == 0x9C and ("127.0.0.1:%d" % b1.port).encode() in body, (first, body)
        late.close()
        # Sends go on, now served by b1 (relayed there when a device dials a1).
        wait_until(lambda: load.acked_total() >= before + 60, timeout=30, what="sends acknowledged after the move")
        load.stop()
        lost = load.check("move")
        print("BENCH move.acked_lost %d" % lost)
        assert lost == 0
        acked = load.pairs[0]["acked"]
        assert "cell b" in cells.irisctl("user", "where", str(USER))
        assert "user move %d b" % USER in cells.irisctl("audit")
        # b's store holds the whole queue (the thread's creation and every send), a's is fenced.
        head_b = int(cells.sql("iris_b", "SELECT head_seq FROM queue_meta WHERE user_id = %d" % USER))
        assert head_b >= len(acked) + 1, (head_b, len(acked))
        assert cells.sql("iris", "SELECT owner FROM queue_owner WHERE user_id = %d" % USER) == "moved:b"
        # The history writer of b goes on from the copied pointer: b's history log holds every send.
        wait_until(lambda: int(cells.sql("iris_b", "SELECT COUNT(*) FROM history_log WHERE user_id = %d AND "
                                                   "message_id IS NOT NULL" % USER) or 0) >= len(acked),
                   timeout=20, what="b's history to hold every send")
        # A re-run finds the move done.
        again = cells.irisctl("user", "move", str(USER), "b", *stores)
        assert "already" in again, again
        assert cells.sql("iris", "SELECT owner FROM queue_owner WHERE user_id = %d" % USER) == "moved:b", \
            "a re-run leaves the old cell's fence alone"

        # Stores given the wrong way round are refused before anything changes.
        swapped = cells.irisctl("user", "move", str(USER), "a", "--store", "a=%s/iris_b" % pair,
                                "--store", "b=%s/iris" % pair, check=False)
        assert "looks like cell" in swapped, swapped
        assert "cell b" in cells.irisctl("user", "where", str(USER))

        # A move that stopped after its first step (the fence), as a crash would leave it: aimed
        # back at the current cell it is undone; re-run, it is finished; a third cell is refused.
        other = USER + 1
        cells.irisctl("user", "place", str(other), "a")
        fence = ("INSERT INTO queue_owner VALUES (%d, 'moved:%%s', 18446744073709551615) "
                 "ON DUPLICATE KEY UPDATE owner = VALUES(owner)" % other)
        cells.sql("iris", fence % "zz")
        refused = cells.irisctl("user", "move", str(other), "b", *stores, check=False)
        assert "half done" in refused, refused
        cells.sql("iris", fence % "b")
        undone = cells.irisctl("user", "move", str(other), "a", *stores)
        assert "undone" in undone, undone
        assert cells.sql("iris", "SELECT COUNT(*) FROM queue_owner WHERE user_id = %d" % other) == "0"
        cells.sql("iris", fence % "b")
        finished = cells.irisctl("user", "move", str(other), "b", *stores)
        assert "moved from cell a to cell b" in finished, finished
        assert "cell b" in cells.irisctl("user", "where", str(other))
    finally:
        if load is not None:
            load.running = False
            load.close()
        cells.down()
