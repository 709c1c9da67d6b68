"""A deployment of two cells for end-to-end cases (docs/CLUSTER.md "Several cells"): one real
standalone ZooKeeper, cells "a" and "b" with one or more irisd each, every cell with its own
store (its own database on one throwaway MariaDB pair, as its own pair would be; scripts/cell
gives each cell its own pair), all servers sharing one secret file (it signs the tokens and
is the deployment's cluster secret for the server-to-server link).

Started once per suite and stopped by PID (down()). The interface of cases_cellops.Cell, so
CellDevice and PairLoad reach any live server of either cell (a server relays a device of a
user of the other cell there): servers, alive(), token().
"""
import json
import os
import shutil
import subprocess
import tempfile

from cases_cell import ZooKeeper
from cases_mariadb import MariaDbPair
from irisd_e2e import TIMEOUT, Irisd, wait_until

DATABASES = {"a": "iris", "b": "iris_b"}


class TwoCells:
    """`layout` maps each cell to its servers' names, e.g. {"a": ["a1"], "b": ["b1", "b2"]};
    `extra_flags` go to every server, `server_flags` (name -> flags) to one."""

    def __init__(self, layout=None, *extra_flags, server_flags=None):
        self.layout = layout or {"a": ["a1"], "b": ["b1"]}
        self.extra = list(extra_flags)
        self.server_flags = server_flags or {}
        self.zk = None
        self.db = None
        self.servers = {}
        self.cell_of_server = {}
        self.dir = tempfile.mkdtemp(prefix="iris-two-cells-")
        self.secret = os.path.join(self.dir, "secret")
        try:
            self.zk = ZooKeeper()
            self.db = MariaDbPair()
            self.db.admin("CREATE DATABASE iris_b; GRANT ALL PRIVILEGES ON iris_b.* TO 'iris'@'127.0.0.1'")
            for cell, names in sorted(self.layout.items()):
                for name in names:
                    self.start(name, cell)
            wait_until(lambda: self.cells_listed() >= len(self.layout), what="both cells in ZooKeeper")
            total = sum(len(n) for n in self.layout.values())
            wait_until(lambda: all(self.members_seen(n) == len(self.layout[self.cell_of_server[n]])
                                   for n in self.servers), what="every server in its cell's ring (%d)" % total)
        except BaseException:
            self.down()
            raise

    def start(self, name, cell):
        """Starts (or restarts, under the same name) server `name` of `cell`."""
        flags = self.db.flags()
        flags[flags.index("--mariadb.database") + 1] = DATABASES[cell]
        if name in self.servers:
            self.servers[name].cleanup()
        s = Irisd("--cluster.zookeeper", self.zk.hosts(), "--cluster.cell", cell, "--cluster.name", name,
                  "--cluster.tokens", "64", "--cluster.session_timeout_ms", "2000",
                  "--cluster.fanout_retry_ms", "200", "--auth.secret_file", self.secret, *flags, *self.extra,
                  *self.server_flags.get(name, []))
        self.servers[name] = s
        self.cell_of_server[name] = cell
        return s

    def kill9(self, name):
        s = self.servers[name]
        s.proc.kill()
        s.proc.wait()

    def alive(self):
        return [n for n, s in sorted(self.servers.items()) if s.alive()]

    def members_seen(self, name):
        """The server count of `name`'s last membership line (its cell's ring), None before any."""
        n = None
        for line in self.servers[name].log_text().splitlines():
            if "cluster: membership version" in line:
                n = int(line.split(": ")[-1].split(" servers")[0].split()[-1])
        return n

    def token(self, user, device):
        return subprocess.run([self.binary("irisd"), "token", "--auth.secret_file", self.secret, "--user", str(user),
                               "--device", device, "--ttl", "1h"], capture_output=True, text=True,
                              timeout=TIMEOUT, check=True).stdout.strip()

    def binary(self, which):
        irisd = os.path.abspath(os.environ.get("IRISD_BIN") or next(iter(self.servers.values())).proc.args[0])
        if which == "irisd":
            return irisd
        return os.path.join(os.path.dirname(os.path.dirname(irisd)), which, which)

    def irisctl(self, *args, check=True):
        r = subprocess.run([self.binary("irisctl"), *args, "--zookeeper", self.zk.hosts()], capture_output=True,
                           text=True, timeout=60)
        if check:
            assert r.returncode == 0, ("irisctl", args, r.returncode, r.stdout, r.stderr)
        return r.stdout + r.stderr

    def cells_listed(self):
        return sum(1 for line in self.irisctl("cells").splitlines() if line.startswith("cell "))

    def where(self, user):
        """(cell, server) of `user` by the placement and that cell's ring (irisctl user where)."""
        w = json.loads(self.irisctl("user", "where", str(user), "--json").strip().splitlines()[-1])
        return w["cell"], w["server"]

    def user_in(self, cell, start=1, server=None, limit=200):
        """The first user id from `start` placed in `cell` (and owned by `server` there, if given)."""
        for u in range(start, start + limit):
            c, s = self.where(u)
            if c == cell and (server is None or s == server):
                return u
        raise AssertionError("no user placed in %s (%s) among %d ids from %d" % (cell, server, limit, start))

    def sql(self, cell, query):
        """A query as root on `cell`'s database; its rows as text."""
        r = subprocess.run(["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", "-P" + self.db.env["IRIS_DB1_PORT"],
                            "-N", "-D", DATABASES[cell], "-e", query], capture_output=True, text=True, timeout=TIMEOUT)
        return r.stdout.strip()

    def down(self):
        for s in self.servers.values():
            s.cleanup()
        if self.db is not None:
            self.db.down()
        if self.zk is not None:
            self.zk.down()
        shutil.rmtree(self.dir, ignore_errors=True)
