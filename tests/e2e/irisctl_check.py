"""Checks irisctl's view of a running cell (called by cell_script_smoke.sh): every server of the
cell with its figures, the database pair's roles, and a user's owner as the ring gives it."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from cases_cell import owner  # noqa: E402  (the ring as irisd computes it)

ctl, zk, mariadb, servers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
irisd, cell_dir = sys.argv[5], sys.argv[6]  # for GET /v1/route: the binary that signs tokens, scripts/cell's dir


def run(*args):
    p = subprocess.run([ctl, *args, "--zookeeper", zk, "--json"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, (args, p.returncode, p.stderr)
    return json.loads(p.stdout)


report = run("cells", "--mariadb", mariadb)
assert [c["name"] for c in report["cells"]] == ["cell"], report
cell = report["cells"][0]
names = ["irisd-%d" % i for i in range(1, servers + 1)]
assert cell["tokens_per_server"] == 2048, cell
assert [s["name"] for s in cell["servers"]] == names, cell
assert abs(sum(s["ring_share"] for s in cell["servers"]) - 1.0) < 1e-6, cell
for s in cell["servers"]:
    assert s["metrics_ok"], s
    assert s["store_writable"] == 1, s
    assert s["users"] is not None, s
roles = sorted(db["role"] for db in report["database"])
assert roles == ["primary", "replica"], report["database"]
primary = next(db for db in report["database"] if db["role"] == "primary")
assert primary["semisync_on"] and primary["semisync_clients"] >= 1, primary
assert report["store_users"] is not None

for user in (1, 42, 123456789):
    where = run("user", "where", str(user))
    assert where["cell"] == "cell", where
    assert where["server"] == owner(user, names, tokens=2048), (user, where)
    assert where["mqtt"].startswith("127.0.0.1:"), where


# Discovery: GET /v1/route answers the caller's cell and owner the same way through every server.
def http_ports():
    out = []
    for i in range(1, servers + 1):
        with open(os.path.join(cell_dir, "irisd-%d" % i, "ports")) as f:
            out.append(int(dict(line.strip().split("=", 1) for line in f if "=" in line)["http"]))
    return out


def route_via(port, user):
    token = subprocess.run([irisd, "token", "--auth.secret_file", os.path.join(cell_dir, "secret"), "--user",
                            str(user), "--device", "d"], capture_output=True, text=True, timeout=30,
                           check=True).stdout.strip()
    req = urllib.request.Request("http://127.0.0.1:%d/v1/route" % port, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Content-Type"] == "application/json", r.headers
        return json.loads(r.read())


def ws_of(server):
    """The WebSocket address `server` ("irisd-N", scripts/cell's names) registered: its ports file's ws."""
    with open(os.path.join(cell_dir, server, "ports")) as f:
        return "127.0.0.1:" + dict(line.strip().split("=", 1) for line in f if "=" in line)["ws"]


def routes_agree(user):
    answers = [route_via(p, user) for p in http_ports()]
    where = run("user", "where", str(user))
    # scripts/cell gives every server a WebSocket listener: the route names the owner's.
    return all(a == {"user": str(user), "cell": where["cell"], "server": where["server"], "mqtt": where["mqtt"],
                     "http": where["http"], "ws": ws_of(where["server"]), "overridden": where["overridden"]}
               for a in answers), (answers, where)


for user in (1, 42, 777):
    ok, detail = routes_agree(user)
    assert ok, detail
try:
    urllib.request.urlopen("http://127.0.0.1:%d/v1/route" % http_ports()[0], timeout=10)
    raise AssertionError("a route without a token was answered")
except urllib.error.HTTPError as e:
    assert e.code == 401, e.code


def change(*args, expect=0):
    p = subprocess.run([ctl, *args, "--zookeeper", zk], capture_output=True, text=True, timeout=60)
    assert p.returncode == expect, (args, p.returncode, p.stdout, p.stderr)
    return p


# A disabled cell takes no new users; an operator's placement still holds; every change is audited.
change("cell", "disable", "cell")
assert run("cells")["cells"][0]["enabled"] is False
assert run("user", "where", "7")["cell"] is None
change("user", "place", "42", "cell")
where = run("user", "where", "42")
assert where["cell"] == "cell" and where["overridden"] is True, where
# The servers' watched copies follow the operator's changes within moments.
deadline = time.monotonic() + 10
while not routes_agree(42)[0] and time.monotonic() < deadline:
    time.sleep(0.05)
assert routes_agree(42)[0], routes_agree(42)[1]
assert route_via(http_ports()[1], 42)["overridden"] is True
assert "no cell nosuch" in change("cell", "disable", "nosuch", expect=1).stderr
assert "no cell nosuch" in change("user", "place", "9", "nosuch", expect=1).stderr
change("user", "place", "42")
change("cell", "enable", "cell")
assert run("user", "where", "42")["overridden"] is False
assert run("user", "where", "7")["cell"] == "cell"
entries = [e["entry"] for e in run("audit", "--last", "4")]
assert [e.split(" what ")[1] for e in entries] == ["cell disable cell", "user place 42 cell", "user place 42",
                                                   "cell enable cell"], entries
assert all(e.startswith("when 20") and " who " in e for e in entries), entries

# The deployment report for admins (cluster.admin_users = 1, as cell_script_smoke starts the
# cell): the same servers irisctl sees; any other user is refused.
def admin_report(port, user):
    token = subprocess.run([irisd, "token", "--auth.secret_file", os.path.join(cell_dir, "secret"), "--user",
                            str(user), "--device", "d"], capture_output=True, text=True, timeout=30,
                           check=True).stdout.strip()
    req = urllib.request.Request("http://127.0.0.1:%d/v1/admin/cells" % port,
                                 headers={"Authorization": "Bearer " + token, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read()), token
    except urllib.error.HTTPError as e:
        return e.code, None, token


deadline = time.monotonic() + 20
status, body, admin_token = admin_report(http_ports()[2], 1)
while status == 503 and time.monotonic() < deadline:  # the first report is being made
    time.sleep(0.2)
    status, body, admin_token = admin_report(http_ports()[2], 1)
assert status == 200, status
assert [s["name"] for s in body["cells"][0]["servers"]] == names, body
assert sorted(db["role"] for db in body["database"]) == ["primary", "replica"], body["database"]
assert admin_report(http_ports()[0], 2)[0] == 403

# The admin page in headless Chromium, when it and playwright-core are here.
if os.access("/usr/bin/chromium", os.X_OK):
    from cases_web import web_node_dir
    from irisd_e2e import Skip
    try:
        node_dir = web_node_dir()
    except Skip as e:
        node_dir = None
        print("admin page in Chromium skipped:", e)
    if node_dir:
        p = subprocess.run(["node", os.path.join(os.path.dirname(__file__), "admin_page.js")], capture_output=True,
                           text=True, timeout=120,
                           env=dict(os.environ, NODE_PATH=os.path.join(node_dir, "node_modules"),
                                    IRIS_HTTP_PORT=str(http_ports()[2]), IRIS_TOKEN=admin_token,
                                    IRIS_EXPECT=",".join(names)))
        assert p.returncode == 0, (p.stdout, p.stderr)
else:
    print("admin page in Chromium skipped: no /usr/bin/chromium")

# A ZooKeeper nobody listens on: a clear error and a failing exit status, within the timeout.
p = subprocess.run([ctl, "cells", "--zookeeper", "127.0.0.1:1", "--timeout_ms", "500"], capture_output=True,
                   text=True, timeout=30)
assert p.returncode == 1 and "unreachable" in p.stderr, (p.returncode, p.stderr)
print("passed: irisctl cells / user where on a cell of %d" % servers)
