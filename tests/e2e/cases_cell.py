"""End-to-end cases of irisd in a cell (docs/CLUSTER.md): a real standalone ZooKeeper
(scripts/zookeeper) and several irisd joined to it. One ZooKeeper per case, stopped by PID."""
import os
import signal
import subprocess
import tempfile
import time

from irisd_e2e import Irisd, Skip, wait_until, TIMEOUT

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class ZooKeeper:
    def __init__(self):
        if not os.path.exists("/usr/share/java/zookeeper.jar"):
            raise Skip("no ZooKeeper (apt-get install zookeeper)")
        self.dir = tempfile.mkdtemp(prefix="iris-zk-e2e-")
        out = subprocess.run([os.path.join(ROOT, "scripts", "zookeeper"), "up", "--dir", self.dir],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        fields = dict(kv.split("=", 1) for kv in out.split())
        self.port, self.pid = int(fields["port"]), int(fields["pid"])

    def hosts(self):
        return "127.0.0.1:%d" % self.port

    def down(self):
        os.kill(self.pid, signal.SIGCONT)
        subprocess.run([os.path.join(ROOT, "scripts", "zookeeper"), "down", "--dir", self.dir],
                       timeout=30, check=False)


def member(zk, name, *flags):
    return Irisd("--cluster.zookeeper", zk.hosts(), "--cluster.cell", "e2e", "--cluster.name", name,
                 "--cluster.tokens", "64", "--cluster.session_timeout_ms", "2000", *flags)


def servers_in(irisd):
    """The server count of the last membership line in irisd's log (None before any)."""
    n = None
    for line in irisd.log_text().splitlines():
        if "cluster: membership version" in line:
            n = int(line.split(": ")[-1].split(" servers")[0].split()[-1])
    return n


def case_cell_members_join_leave_and_stop_when_zookeeper_is_lost():
    zk = ZooKeeper()
    started = []
    try:
        a = member(zk, "a")
        started.append(a)
        b = member(zk, "b")
        started.append(b)
        wait_until(lambda: servers_in(a) == 2 and servers_in(b) == 2, what="both members to see two servers")

        # A second process under a live member's name is refused at start, with the reason.
        dup = subprocess.run([os.environ.get("IRISD_BIN", a.proc.args[0]), "--data_dir",
                              tempfile.mkdtemp(prefix="irisd-dup-"), "--net.bind", "127.0.0.1",
                              "--mqtt.port", "0", "--mqtt.ws_port", "off", "--http.port", "off",
                              "--mqtt.tls_port", "off", "--http.tls_port", "off",
                              "--cluster.zookeeper", zk.hosts(), "--cluster.cell", "e2e",
                              "--cluster.name", "a", "--cluster.tokens", "64"],
                             capture_output=True, text=True, timeout=30)
        assert dup.returncode == 1, dup
        assert "another live server is registered as a" in dup.stderr + dup.stdout, dup.stderr

        # A clean stop leaves the cell at once: b sees it without waiting for a session timeout.
        t0 = time.monotonic()
        a.stop()
        wait_until(lambda: servers_in(b) == 1, timeout=1.5, what="b to see a leave")
        assert time.monotonic() - t0 < 1.5

        # ZooKeeper stops answering: b serves on, then stops before its session can expire,
        # says why, and exits with status 3.
        os.kill(zk.pid, signal.SIGSTOP)
        t0 = time.monotonic()
        try:
            b.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError("b kept running with ZooKeeper gone:\n" + b.log_text())
        waited = time.monotonic() - t0
        assert b.proc.returncode == 3, (b.proc.returncode, b.log_text())
        assert "zookeeper session expired; this server stops serving and exits" in b.log_text(), b.log_text()
        assert waited < 2.0, "must stop within the 2 s session timeout, took %.2f s" % waited
    finally:
        for s in started:
            s.cleanup()
        zk.down()
