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
import time

from irisd_e2e import Raw, assert_closed_by_server, connect_packet, wait_until
from cases_cellops import PairLoad
from two_cells import TwoCells

USER = 4242


def case_move_a_user_to_another_cell_under_load_every_device_once_in_order_without_resync():
    # The history tier in each cell's database too, so the move carries it; a1 redirects MQTT 5
    # devices.
    cells = TwoCells({"a": ["a1"], "b": ["b1"]}, "--history.backend", "mariadb",
                     server_flags={"a1": ["--cluster.redirect_mqtt5", "true"]})
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
        head_b = int(cells.sql("b", "SELECT head_seq FROM queue_meta WHERE user_id = %d" % USER))
        assert head_b >= len(acked) + 1, (head_b, len(acked))
        assert cells.sql("a", "SELECT owner FROM queue_owner WHERE user_id = %d" % USER) == "moved:b"
        # The history writer of b goes on from the copied pointer: b's history log holds every send.
        wait_until(lambda: int(cells.sql("b", "SELECT COUNT(*) FROM history_log WHERE user_id = %d AND "
                                                   "message_id IS NOT NULL" % USER) or 0) >= len(acked),
                   timeout=20, what="b's history to hold every send")
        # A re-run finds the move done.
        again = cells.irisctl("user", "move", str(USER), "b", *stores)
        assert "already" in again, again
        assert cells.sql("a", "SELECT owner FROM queue_owner WHERE user_id = %d" % USER) == "moved:b", \
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
        cells.sql("a", fence % "zz")
        refused = cells.irisctl("user", "move", str(other), "b", *stores, check=False)
        assert "half done" in refused, refused
        cells.sql("a", fence % "b")
        undone = cells.irisctl("user", "move", str(other), "a", *stores)
        assert "undone" in undone, undone
        assert cells.sql("a", "SELECT COUNT(*) FROM queue_owner WHERE user_id = %d" % other) == "0"
        cells.sql("a", fence % "b")
        finished = cells.irisctl("user", "move", str(other), "b", *stores)
        assert "moved from cell a to cell b" in finished, finished
        assert "cell b" in cells.irisctl("user", "where", str(other))
    finally:
        if load is not None:
            load.running = False
            load.close()
        cells.down()
