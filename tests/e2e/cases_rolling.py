"""A drain and a rolling restart of a cell under load (issue 19, docs/CLUSTER.md "Draining and
rolling restarts"): the cell is the one `scripts/cell up 3` starts (ZooKeeper, the MariaDB pair,
three irisd). While pairs of users send to each other, `irisctl server drain irisd-2` takes
irisd-2 out of the ring (it goes on running, owning nothing), `scripts/cell restart 2` brings it
back, and `scripts/cell rolling-restart` restarts each server in turn: every acknowledged send
reaches both devices of its pair exactly once, in order, and no device gets anything but
reconnects (no resync).

Also a benchmark step (bench/suites/cells runs this file as a program): the send latency
(send to acknowledgement) p99 over a window without a restart and over the rolling restart, in
the same run, as `BENCH cells.rolling_restart_*` lines.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import irisd_e2e  # noqa: E402
from irisd_e2e import TIMEOUT, Skip, wait_until  # noqa: E402
from cases_cell import servers_in  # noqa: E402
from cases_cellops import PairLoad, Ring, pairs_stable_across  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = ["irisd-1", "irisd-2", "irisd-3"]


class ScriptServer:
    def __init__(self, cell, name):
        self.cell, self.name = cell, name
        self.dir = os.path.join(cell.dir, name)

    def _ports(self):
        try:
            with open(os.path.join(self.dir, "ports")) as f:
                return dict(line.strip().split("=", 1) for line in f if "=" in line)
        except OSError:
            return {}

    @property
    def port(self):
        return int(self._ports()["mqtt"])

    def alive(self):
        try:
            with open(os.path.join(self.dir, "pid")) as f:
                os.kill(int(f.read()), 0)
        except (OSError, ValueError):
            return False
        return "mqtt" in self._ports()

    def log_text(self):
        try:
            with open(os.path.join(self.dir, "irisd.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class ScriptCell:
    """The cell of `scripts/cell up 3`, seen the way cases_cellops' devices use a cell."""

    def __init__(self, build):
        if not os.path.exists("/usr/share/java/zookeeper.jar") or shutil.which("mariadbd") is None:
            raise Skip("no zookeeper or mariadbd")
        self.build = build
        self.env = dict(os.environ, IRIS_BUILD=build)
        self.dir = tempfile.mkdtemp(prefix="iris-rolling-")
        self.servers = {n: ScriptServer(self, n) for n in NAMES}
        try:
            self.script("up", "3", "--dir", self.dir, "--cluster.tokens", "64",
                        "--cluster.session_timeout_ms", "2000")
        except BaseException:
            self.down()
            raise

    def script(self, *args, timeout=240):
        r = subprocess.run([os.path.join(ROOT, "scripts", "cell"), *args], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        if r.returncode != 0:
            raise AssertionError("scripts/cell %s failed (%d): %s %s" % (args[0], r.returncode, r.stdout, r.stderr))
        return r.stdout

    def alive(self):
        return [n for n in NAMES if self.servers[n].alive()]

    def token(self, user, device):
        return subprocess.run([os.path.join(self.build, "apps", "irisd", "irisd"), "token", "--auth.secret_file",
                               os.path.join(self.dir, "secret"), "--user", str(user), "--device", device,
                               "--ttl", "1h"], capture_output=True, text=True, timeout=TIMEOUT,
                              check=True).stdout.strip()

    def irisctl(self, *args):
        with open(os.path.join(self.dir, "zookeeper", "state")) as f:
            port = f.read().split("port=")[1].split()[0]
        r = subprocess.run([os.path.join(self.build, "apps", "irisctl", "irisctl"), *args, "--zookeeper",
                            "127.0.0.1:" + port], capture_output=True, text=True, timeout=TIMEOUT)
        assert r.returncode == 0, ("irisctl", args, r.returncode, r.stdout, r.stderr)
        return r.stdout

    def sql(self, query):
        """The rows of `query` on the pair's primary (tab-separated), for a failure's evidence."""
        with open(os.path.join(self.dir, "mariadb", "state.env")) as f:
            env = dict(line.strip().split("=", 1) for line in f if "=" in line)
        r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", "-P" + env["IRIS_DB1_PORT"],
                            "-N", "-D", env["IRIS_MARIADB_DATABASE"], "-e", query],
                           capture_output=True, text=True, timeout=TIMEOUT)
        return r.stdout + r.stderr

    def down(self):
        try:
            self.script("down", "--dir", self.dir, timeout=120)
        except Exception as e:  # noqa: BLE001: cleanup goes on
            print("scripts/cell down: %s" % e)
        shutil.rmtree(self.dir, ignore_errors=True)


def p99(values):
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * 0.99))] if s else float("nan")


def rolling_restart_under_load(build, pairs_count=6, baseline_s=5.0, drain_first=True):
    """Returns (acked lost, p99 ms without a restart, p99 ms during the rolling restart, sends).
    With `drain_first`, irisd-2 is drained with irisctl and restarted before the rolling restart."""
    # Pairs whose two users share an owner in every ring the restart goes through, so no send
    # crosses servers (sends across servers are the fan-out's work, tested on their own).
    rings = [Ring(n) for n in (NAMES, NAMES[1:], [NAMES[0], NAMES[2]], NAMES[:2])]
    pairs = pairs_stable_across(rings, pairs_count)
    cell = ScriptCell(build)
    load = None
    try:
        wait_until(lambda: all(s.alive() for s in cell.servers.values()), what="three servers")
        load = PairLoad(cell, pairs, "roll")
        time.sleep(1.0)
        mark = load.latency_mark()
        time.sleep(baseline_s)
        quiet = load.latencies_since(mark)
        if drain_first:
            before = load.acked_total()
            print("  " + cell.irisctl("server", "drain", "irisd-2").strip())
            wait_until(lambda: servers_in(cell.servers["irisd-1"]) == 2 and servers_in(cell.servers["irisd-3"]) == 2,
                       what="irisd-1 and irisd-3 to see irisd-2 leave the ring")
            wait_until(lambda: "cluster: drained in" in cell.servers["irisd-2"].log_text(),
                       what="irisd-2 to finish its drain")
            assert cell.servers["irisd-2"].alive(), "a drained server goes on running"
            assert "server drain irisd-2" in cell.irisctl("audit"), "the drain is in the audit log"
            wait_until(lambda: load.acked_total() > before + 20, timeout=TIMEOUT,
                       what="sends acknowledged after the drain")
            print("  " + cell.script("restart", "2", "--dir", cell.dir).strip())
            assert "cleared the drain request" in cell.servers["irisd-2"].log_text()
        mark = load.latency_mark()
        before = load.acked_total()
        t0 = time.monotonic()
        out = cell.script("rolling-restart", "--dir", cell.dir)
        print(out.strip())
        took = time.monotonic() - t0
        wait_until(lambda: load.acked_total() > before + 20, timeout=TIMEOUT,
                   what="sends acknowledged after the rolling restart")
        rolling = load.latencies_since(mark)
        load.stop()
        lost = load.check("rolling restart")
        moved = sum(1 for d in load.devices() if len(d.resumed_at) > 1)
        assert moved > 0, "no device reconnected: the restart did not test anything"
        print("  rolling restart took %.1f s; %d sends acknowledged; %d of %d devices reconnected"
              % (took, load.acked_total(), moved, len(load.devices())))
        return lost, p99(quiet) * 1000, p99(rolling) * 1000, load.acked_total()
    except BaseException:
        for n in NAMES:
            print("---- %s log (tail)" % n)
            print("\n".join(cell.servers[n].log_text().splitlines()[-25:]))
        raise
    finally:
        if load is not None:
            load.running = False
            load.close()
        cell.down()


def case_cell_drain_and_rolling_restart_under_load_lose_duplicate_and_resync_nothing():
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(irisd_e2e.IRISD))))
    lost, quiet, rolling, sends = rolling_restart_under_load(build)
    print("  send p99 %.0f ms without a restart, %.0f ms during it (%d sends)" % (quiet, rolling, sends))
    assert lost == 0


if __name__ == "__main__":
    # bench/suites/cells: python3 cases_rolling.py BUILD_DIR
    lost, quiet, rolling, sends = rolling_restart_under_load(os.path.abspath(sys.argv[1]),
                                                             pairs_count=int(os.environ.get("ROLL_PAIRS", "6")),
                                                             drain_first=False)
    print("BENCH cells.rolling_restart_acked_lost %d" % lost)
    print("BENCH cells.rolling_restart_p99_ms %.1f" % rolling)
    print("BENCH cells.no_restart_p99_ms %.1f" % quiet)
    print("BENCH cells.rolling_restart_p99_ratio %.2f" % (rolling / quiet if quiet > 0 else float("nan")))
