"""End-to-end cases of irisd in a cell (docs/CLUSTER.md): a real standalone ZooKeeper
(scripts/zookeeper) and several irisd joined to it. One ZooKeeper per case, stopped by PID."""
import calendar
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
    s = Irisd("--cluster.zookeeper", zk.hosts(), "--cluster.cell", "e2e", "--cluster.name", name,
              "--cluster.tokens", "64", "--cluster.session_timeout_ms", "2000", *flags)
    if "--auth.secret_file" in flags:  # the cell's shared secret signs the tokens
        secret = flags[flags.index("--auth.secret_file") + 1]

        def token(user, device, ttl="1h"):
            return subprocess.run([s.proc.args[0], "token", "--auth.secret_file", secret, "--user", user,
                                   "--device", device, "--ttl", ttl], capture_output=True, text=True,
                                  timeout=TIMEOUT, check=True).stdout.strip()
        s.token = token
    return s


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
        stopped_zk_at = time.time()
        os.kill(zk.pid, signal.SIGSTOP)
        try:
            b.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError("b kept running with ZooKeeper gone:\n" + b.log_text())
        assert b.proc.returncode == 3, (b.proc.returncode, b.log_text())
        log = b.log_text()
        assert "zookeeper session expired; this server stops serving and exits" in log, log
        # What must happen within the session timeout is the decision to stop serving, which
        # the log stamps; the process's exit after it (closing connections, flushing) is
        # bounded by TIMEOUT above and takes longer on a loaded machine.
        decided = next((line for line in log.splitlines() if "stops serving" in line), "")
        stamp = decided.split(" ", 1)[0]
        assert stamp.endswith("Z"), decided
        decided_at = calendar.timegm(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + stamp[19:-1])
        waited = decided_at - stopped_zk_at
        assert waited < 2.0, "must stop serving within the 2 s session timeout, took %.2f s: %s" % (waited, decided)
    finally:
        for s in started:
            s.cleanup()
        zk.down()


# ---------------------------------------------------------------- the ring, as irisd computes it

M64 = (1 << 64) - 1
GOLDEN = 0x9e3779b97f4a7c15


def mix64(x):
    x = (x + GOLDEN) & M64
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
    return x ^ (x >> 31)


def fnv1a64(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & M64
    return h


def owner(user, names, tokens=64):
    """docs/CLUSTER.md "The ring": the first token at or after the user's position."""
    points = sorted((mix64((fnv1a64(n) + (i + 1) * GOLDEN) & M64), n) for n in names for i in range(tokens))
    pos = mix64(user)
    for p, n in points:
        if p >= pos:
            return n
    return points[0][1]


def user_owned_by(name, names, start=1, also=None):
    u = start
    while owner(u, names) != name or (also and not also(u)):
        u += 1
    return u


def case_cell_devices_reach_their_users_owner_through_any_server():
    zk = ZooKeeper()
    started = []
    secret_dir = tempfile.mkdtemp(prefix="iris-cell-secret-")
    secret = ["--auth.secret_file", os.path.join(secret_dir, "secret")]  # one secret per cell
    try:
        a = member(zk, "a", *secret, "--cluster.redirect_mqtt5", "true")
        started.append(a)
        b = member(zk, "b", *secret)
        started.append(b)
        wait_until(lambda: servers_in(a) == 2 and servers_in(b) == 2, what="a cell of two")
        u = user_owned_by("b", ["a", "b"])

        # A 3.1.1 device of b's user connects to a: relayed to b, where its session lives.
        from irisd_e2e import PahoClient
        relayed = PahoClient(a, str(u), "phone")
        relayed.subscribe("u/%d/e2e" % u, 1)
        direct = PahoClient(b, str(u), "laptop")
        direct.publish("u/%d/e2e" % u, b"through b", 1)
        assert relayed.message().payload == b"through b", "the relayed device is b's client"
        relayed.close()
        direct.close()

        # An MQTT 5 device is sent to b instead, when a is told to redirect.
        from irisd_e2e import Raw
        raw = Raw(a.port)
        raw.send(connect_packet_v5_with_token(a, u, "tablet"))
        first, body = raw.read_packet()
        assert first == 0x20 and body[1] == 0x9C, (first, body)
        assert ("127.0.0.1:%d" % b.port).encode() in body, "Server Reference names b's MQTT address"
        raw.close()

        # A third server joins: b's device of a user that moves to c is told to use another
        # server (DISCONNECT 0x9C) and reconnects through any server to c.
        v = user_owned_by("c", ["a", "b", "c"], also=lambda x: owner(x, ["a", "b"]) == "b")
        moving = Raw(b.port)
        assert moving.connack("watch", v5=True, user=str(v), password=a.token(str(v), "watch")) == 0
        c = member(zk, "c", *secret)
        started.append(c)
        packets = assert_closed(moving)
        assert packets and packets[-1][0] == 0xE0 and packets[-1][1][0] == 0x9C, packets
        again = Raw(a.port)
        assert again.connack("watch", v5=False, user=str(v), password=a.token(str(v), "watch")) == 0
        again.close()
    finally:
        for s in started:
            s.cleanup()
        zk.down()


def connect_packet_v5_with_token(s, user, device):
    from irisd_e2e import connect_packet
    return connect_packet(device, v5=True, user=str(user), password=s.token(str(user), device))


def assert_closed(raw):
    from irisd_e2e import assert_closed_by_server
    return assert_closed_by_server(raw)
