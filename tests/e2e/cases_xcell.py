"""End-to-end case of sends across cells (issue 19, docs/CLUSTER.md "Sends across cells"), on
the shared two-cell deployment (two_cells.py): cell a with one server, cell b with two, each
cell its own store. A thread between a user placed in a and a user placed in b, each with two
devices that connect through any live server of either cell (relayed across cells), every
device sending: every device of both users gets every acknowledged message exactly once, in
order per sender, and the message sits in both cells' stores; then the b user's owner is
killed (-9) in the middle of the stream and the check is made again (0 lost, 0 duplicated),
with no fan-out row left unconfirmed in either store. The link takes a peer of another cell
that holds the deployment's secret, and refuses one that does not.
"""
import threading
import time

from cases_cellops import CellDevice
from cases_fanout import link_password
from irisd_e2e import Raw, cid, wait_until
from two_cells import TwoCells


class ThreadLoad:
    """Every device of `devices` sends tag-n, n = 0, 1, ... into `thread`, each retried with its
    client id until acknowledged; `acked[tag]` lists what was acknowledged, in order."""

    def __init__(self, devices, thread, round_no):
        self.devices, self.thread = devices, thread
        self.acked = {tag: [] for tag in devices}
        self.running = True
        self.threads = [threading.Thread(target=self._loop, args=(tag, dev, i, round_no), daemon=True)
                        for i, (tag, dev) in enumerate(sorted(devices.items()))]
        for t in self.threads:
            t.start()

    def _loop(self, tag, dev, i, round_no):
        n = 0
        while self.running:
            text = "%s-r%d-%d" % (tag, round_no, n)
            body = {"send_request": {"client_id": cid(10_000_000 * (round_no * 10 + i + 1) + n),
                                     "thread": self.thread, "body": text}}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                r = dev.request(body)
                if r is not None and "send_result" in r:
                    self.acked[tag].append(text)
                    break
                time.sleep(0.05)
            else:
                raise AssertionError("send %s never acknowledged" % text)
            n += 1
            time.sleep(0.01)

    def total(self):
        return sum(len(a) for a in self.acked.values())

    def stop(self):
        self.running = False
        for t in self.threads:
            t.join(timeout=90)


def check_every_device(devices, expected, what):
    """Each device holds every sender's acknowledged texts once, in that sender's order (the
    one send in flight when a round stopped may be there too). Returns the texts lost."""
    lost = 0
    for name, d in sorted(devices.items()):
        for tag, want in expected.items():
            try:
                wait_until(lambda d=d, tag=tag, want=want: len([t for t in d.texts if t.startswith(tag + "-")]) >= len(want),
                           timeout=30, what="%s to get %s's %d sends" % (name, tag, len(want)))
            except AssertionError:
                pass
        got = list(d.texts)
        assert len(got) == len(set(got)), (what, name, "duplicates", [t for t in got if got.count(t) > 1][:5])
        assert d.problems == [], (what, name, d.problems)
        for tag, want in expected.items():
            mine = [t for t in got if t.startswith(tag + "-")]
            missing = [t for t in want if t not in mine]
            lost += len(missing)
            assert not missing, (what, name, tag, "lost", missing[:5], len(mine), len(want))
            first = next((i for i, (x, y) in enumerate(zip(mine, want)) if x != y), None)
            assert mine[:len(want)] == want, (what, name, tag, "order from", first, mine[first:first + 5],
                                              want[first:first + 5] if first is not None else None)
            assert len(mine) <= len(want) + 1, (what, name, tag, "unacknowledged extras", mine[len(want):])
    return lost


def case_xcell_thread_across_two_cells_every_device_once_in_order_and_after_kill_nine_of_the_owner():
    cells = TwoCells({"a": ["a1"], "b": ["b1", "b2"]})
    devices = {}
    try:
        ua, ub = cells.user_in("a", 1), cells.user_in("b", 1)
        for tag, user in (("A1", ua), ("A2", ua), ("B1", ub), ("B2", ub)):
            devices[tag] = CellDevice(cells, user, "xc-" + tag)
        for d in devices.values():
            assert d.connected.wait(30), d.name
        made = None
        for _ in range(10):
            made = devices["A1"].request({"create_thread_request": {"client_id": cid(7_000_001), "name": "xcell",
                                                                     "participants": [str(ub)]}})
            if made and "send_result" in made:
                break
        assert made and "send_result" in made, made
        thread = made["send_result"]["thread"]
        expected = {tag: [] for tag in devices}

        # ---- round 1: every device sends, devices reach servers of both cells
        load = ThreadLoad(devices, thread, 1)
        wait_until(lambda: min(len(a) for a in load.acked.values()) >= 15, timeout=60, what="15 sends per device")
        load.stop()
        for tag in devices:
            expected[tag] += load.acked[tag]
        assert check_every_device(devices, expected, "round 1") == 0
        # Each cell's store holds its own user's queue with the other cell's messages in it.
        text = expected["B1"][0]
        assert cells.sql("a", "SELECT COUNT(*) FROM queue_updates WHERE user_id = %d AND INSTR(record, '%s') > 0"
                         % (ua, text)) == "1"
        assert cells.sql("b", "SELECT COUNT(*) FROM queue_updates WHERE user_id = %d AND INSTR(record, '%s') > 0"
                         % (ua, text)) == "0", "a user of a is appended in a's store only"
        for n in ("a1", cells.where(ub)[1]):  # the owners sent each other's share over the link
            assert "cell link to b/" in cells.servers["a1"].log_text() or n != "a1", n
            assert "cell link to a/a1" in cells.servers[n].log_text() or n == "a1", n

        # ---- round 2: kill -9 of the b user's owner in the middle of the stream
        # ---- the link: a peer of cell b is accepted by a's server with the deployment's secret only
        a1 = cells.servers["a1"]
        peer = Raw(a1.port)
        assert peer.connack("cell-b/x", v5=True, user="cell:b/x", password=link_password(cells.secret, "b/x")) == 0
        peer.close()
        stranger = Raw(a1.port)
        assert stranger.connack("cell-b/x", v5=True, user="cell:b/x", password="0" * 64) == 0x86
        stranger.close()

        _, owner = cells.where(ub)
        assert owner in ("b1", "b2"), owner
        load = ThreadLoad(devices, thread, 2)
        wait_until(lambda: load.total() >= 20, timeout=60, what="sends before the kill")
        cells.kill9(owner)
        before = load.total()
        wait_until(lambda: load.total() >= before + 40, timeout=60, what="sends acknowledged after the kill")
        load.stop()
        for tag in devices:
            expected[tag] += load.acked[tag]
        lost = check_every_device(devices, expected, "after kill -9 of %s" % owner)
        print("BENCH xcell.acked_lost %d" % lost)
        assert cells.where(ub)[1] not in (None, owner)
        for cell in ("a", "b"):
            wait_until(lambda cell=cell: cells.sql(cell, "SELECT COUNT(*) FROM queue_fanout") == "0", timeout=30,
                       what="every share across cells confirmed in %s's store" % cell)
    finally:
        for d in devices.values():
            d.close()
        cells.down()
