"""End-to-end cases of ownership fencing in a cell (docs/CLUSTER.md "Ownership and fencing"):
a real standalone ZooKeeper, the replicated MariaDB pair (scripts/mariadb) and three irisd
sharing it, each started and stopped by PID."""
import json
import os
import signal
import subprocess
import tempfile
import time

from irisd_e2e import TIMEOUT, cid, wait_until
from cases_cell import ZooKeeper, member, owner, servers_in, user_owned_by
from cases_mariadb import MariaDbPair
from cases_dbpair import Sender

NAMES = ["a", "b", "c"]


class Cell:
    """ZooKeeper, the MariaDB pair and irisd a, b, c on it, with one token secret."""

    def __init__(self, *flags):
        self.zk = ZooKeeper()
        self.db = None
        self.servers = {}
        try:
            self.db = MariaDbPair()
            secret_dir = tempfile.mkdtemp(prefix="iris-fence-secret-")
            self.flags = ["--auth.secret_file", os.path.join(secret_dir, "secret"), *self.db.flags(), *flags]
            for name in NAMES:
                self.servers[name] = member(self.zk, name, *self.flags)
            wait_until(lambda: all(servers_in(s) == 3 for s in self.servers.values()), timeout=20,
                       what="three servers in the cell")
        except BaseException:
            self.close()
            raise

    def logs(self):
        return "\n".join("---- irisd %s:\n%s" % (n, s.log_text()) for n, s in self.servers.items())

    def close(self):
        for s in self.servers.values():
            try:
                os.kill(s.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            s.cleanup()
        if self.db:
            self.db.down()
        self.zk.down()


def sends_in(device):
    """The message texts of a device's updates, in seq order."""
    return [u["body"]["message_created"]["text"] for u in device.updates if "message_created" in u["body"]]


def case_fence_a_sigstopped_owner_is_refused_by_the_store_and_exits():
    """The owner of a user is stopped (SIGSTOP) past its session timeout while its device has
    sends on the way to it; another server takes the user over (claims it in the store at a
    newer term) and the user goes on sending there. When the old owner continues, the sends
    it still holds are refused by the database (not_owner: its claim is stale), it exits with
    status 3 (session lost), and the user's queue has no fork: gapless, every acknowledged send
    exactly once."""
    cell = Cell()
    try:
        a = cell.servers["a"]
        u = user_owned_by("a", NAMES)
        heir = owner(u, ["b", "c"])
        # The thread's other participant moves with u, so every send stays one server's append.
        v = user_owned_by("a", NAMES, start=u + 1, also=lambda x: owner(x, ["b", "c"]) == heir)
        edge = cell.servers["b" if heir == "c" else "c"]  # devices come in through a non-owner

        phone = Sender(a, str(u), "phone")
        phone.resume()
        phone.request({"create_thread_request": {"client_id": cid(1), "name": "fence", "participants": [str(v)]}})
        thread = phone.next("/responses")["send_result"]["thread"]
        acked = []
        for n in range(1, 6):
            phone.send_acknowledged(n, thread)
            acked.append(n)

        # a stops; its device's next sends wait in a's socket, unanswered.
        os.kill(a.proc.pid, signal.SIGSTOP)
        held = list(range(6, 11))
        for n in held:
            phone.c.publish("u/%d/sync" % u, json.dumps({"send_request": {
                "client_id": cid(100_000 + n), "thread": thread, "body": "m%d" % n}}).encode(), 1)
        wait_until(lambda: servers_in(cell.servers["b"]) == 2 and servers_in(cell.servers["c"]) == 2,
                   timeout=15, what="b and c to see a's session expire")

        # The user's device keeps sending through another server: the heir claims u and serves.
        tablet = Sender(edge, str(u), "tablet")
        tablet.resume()
        for n in range(11, 21):
            tablet.send_acknowledged(n, thread)
            acked.append(n)

        os.kill(a.proc.pid, signal.SIGCONT)
        try:
            a.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError("a kept running after its session expired:\n" + a.log_text())
        log = a.log_text()
        assert a.proc.returncode == 3, (a.proc.returncode, log)
        assert "zookeeper session expired" in log, log
        assert "append refused (fencing): user %d is owned by %s" % (u, heir) in log, log
        refused = int(log.split("appends refused by ownership fencing")[0].rsplit("(", 1)[1])
        assert refused >= 1, log

        # The held sends are retried by the phone (same client ids) through the edge.
        phone.close()
        phone = Sender(edge, str(u), "phone")
        phone.resume()
        for n in held:
            phone.send_acknowledged(n, thread)
            acked.append(n)

        # One reader from seq 0: gapless (SyncDevice.apply checks it), every send once.
        reader = Sender(edge, str(u), "reader")
        reader.resume()
        want = sorted("m%d" % n for n in acked)
        reader.drain_until(lambda: len(sends_in(reader)) >= len(want))
        time.sleep(0.5)
        reader.drain_until(lambda: reader.messages.empty())
        got = sends_in(reader)
        assert sorted(got) == want, (got, want)
        assert got[:5] == ["m%d" % n for n in range(1, 6)], got
        for d in (phone, tablet, reader):
            d.close()
    except AssertionError as e:
        raise AssertionError("%s\n%s" % (e, cell.logs()))
    finally:
        cell.close()


def case_fence_a_killed_owner_is_evicted_on_a_refused_relay_before_its_session_expires():
    """DESIGN.md "Failover speed": an owner is killed (SIGKILL); a device of its user connects
    through a survivor, whose relay to the dead owner's port is refused (ECONNREFUSED). The
    survivor probes the port, evicts the owner's node at once and says so, so the cell sees two
    servers before the owner's 4 s session could have expired, and the device, retrying, is
    served by the new owner."""
    cell = Cell("--cluster.session_timeout_ms", "4000")
    try:
        a, b, c = (cell.servers[n] for n in NAMES)
        u = user_owned_by("a", NAMES)
        setup = Sender(a, str(u), "setup")
        setup.resume()
        setup.request({"create_thread_request": {"client_id": cid(1), "name": "self", "participants": []}})
        thread = setup.next("/responses")["send_result"]["thread"]
        setup.close()

        t0 = time.monotonic()
        os.kill(a.proc.pid, signal.SIGKILL)
        a.proc.wait()
        from irisd_e2e import Raw, connect_packet
        first = Raw(b.port)  # relayed to a's dead port: refused, and the device is let go
        first.send(connect_packet("phone", v5=False, user=str(u), password=b.token(str(u), "phone")))
        try:
            first.read_packet(timeout=2)
        except Exception:
            pass
        first.close()
        wait_until(lambda: servers_in(b) == 2 and servers_in(c) == 2, timeout=10, what="a to leave the ring")
        seen = time.monotonic() - t0
        assert "cluster: a refuses connections at" in b.log_text(), b.log_text()
        assert "evicting it now" in b.log_text(), b.log_text()
        assert seen < 4.0, "a left the ring after %.2f s: not before its session could expire" % seen

        phone = Sender(b, str(u), "phone")
        phone.resume()
        phone.send_acknowledged(1, thread)
        phone.close()
    except AssertionError as e:
        raise AssertionError("%s\n%s" % (e, cell.logs()))
    finally:
        cell.close()
