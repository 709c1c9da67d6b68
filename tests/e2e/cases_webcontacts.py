"""End-to-end case of the web app's contacts, blocks and requests folder (issue 22, the web
client's side), in headless Chromium (web_contacts.js): one irisd, user 1 in the page and on
the CLI (its other device), strangers 5, 6, 7 and 8 on the CLI. Run through irisd_e2e.py.
"""
import os
import shutil
import subprocess
import tempfile

from cases_web import CHROMIUM, IRIS, web_node_dir
from irisd_e2e import HERE, Irisd, Skip


def case_webcontacts_browser_requests_accept_block_contacts_group_add_offline_and_long_poll():
    if not os.access(CHROMIUM, os.X_OK):
        raise Skip("chromium not found (scripts/setup-deps installs Debian's chromium)")
    if not IRIS:
        raise Skip("IRIS_CLI is not set")
    node = web_node_dir()
    s = Irisd("--sync.rate.thread_ops_burst", "1000", "--sync.rate.thread_ops_per_s", "1000")
    home = tempfile.mkdtemp(prefix="iris-webcontacts-")
    try:
        dirs = {}
        for user in ("1", "5", "6", "7", "8"):
            d = dirs[user] = os.path.join(home, "cli-" + user)
            subprocess.run([IRIS, "--config-dir", d, "--timeout", "10", "login", "--server",
                            "mqtt://127.0.0.1:%d" % s.port, "--user", user, "--device", "cli",
                            "--token", s.token(user, "cli")], check=True, capture_output=True, timeout=30)
        env = dict(os.environ, NODE_PATH=os.path.join(node, "node_modules"),
                   IRIS_HTTP_PORT=str(s.http_port), IRIS_WS_PORT=s.ports["ws"],
                   IRIS_TOKEN_A=s.token("1", "browser"), IRIS_CLI=IRIS,
                   **{"IRIS_CLI_DIR_" + u: d for u, d in dirs.items()})
        r = subprocess.run(["node", os.path.join(HERE, "web_contacts.js")], env=env,
                           capture_output=True, text=True, timeout=115)
        print(r.stdout[-3000:], r.stderr[-2000:])
        assert r.returncode == 0 and r.stdout.strip().endswith("ok"), "browser test failed"
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)
