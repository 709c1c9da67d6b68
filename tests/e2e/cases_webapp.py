"""End-to-end cases of the finished web app (issues 20 and 21): the message lifecycle,
attachments, the badge and typed resyncs in headless Chromium (web_lifecycle.js), and what
the app reads from /app/config.json. Run through irisd_e2e.py; each case starts its own irisd.
"""
import gzip
import http.client
import json
import os
import shutil
import subprocess
import tempfile

from cases_web import CHROMIUM, IRIS, Http, cli_thread_of_three, web_node_dir
from irisd_e2e import HERE, Irisd, Skip

MAX_BLOB = 200_000


def case_webapp_config_names_the_websocket_port_the_attachment_limit_and_the_edit_window():
    s = Irisd("--blobs.max_bytes", str(MAX_BLOB), "--sync.edit_window", "2m")
    try:
        status, _, body = Http(s).call("GET", "/app/config.json")
        assert status == 200, status
        assert json.loads(body) == {"ws_port": int(s.ports["ws"]), "max_blob_bytes": MAX_BLOB,
                                    "edit_window_ms": 120_000}, body
        s.stop()
    finally:
        s.cleanup()


def case_webapp_mqtt_bundle_is_served_precompressed_to_clients_that_take_gzip():
    s = Irisd()
    try:
        c = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=30)
        c.request("GET", "/app/vendor/mqtt.min.js", headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        packed = r.read()
        assert r.status == 200 and r.getheader("Content-Encoding") == "gzip", (r.status, r.getheaders())
        assert r.getheader("Content-Type").startswith("text/javascript"), r.getheaders()
        c.request("GET", "/app/vendor/mqtt.min.js")
        r = c.getresponse()
        plain = r.read()
        assert r.status == 200 and r.getheader("Content-Encoding") is None, r.getheaders()
        assert gzip.decompress(packed) == plain and len(plain) > 10_000, (len(packed), len(plain))
        s.stop()
    finally:
        s.cleanup()


def run_browser_suite(script, extra_env, *irisd_args, timeout=115):
    """One irisd, user 3 logged in on the CLI, a thread of users 1, 2 and 3, then `script`
    (node, playwright-core) with the ports, tokens and thread in its environment."""
    if not os.access(CHROMIUM, os.X_OK):
        raise Skip("chromium not found (scripts/setup-deps installs Debian's chromium)")
    if not IRIS:
        raise Skip("IRIS_CLI is not set")
    node = web_node_dir()
    s = Irisd("--sync.rate.sends_burst", "100000", "--sync.rate.sends_per_s", "100000", *irisd_args)
    home = tempfile.mkdtemp(prefix="iris-webapp-")
    try:
        cli, thread = cli_thread_of_three(s, home)
        env = dict(os.environ, NODE_PATH=os.path.join(node, "node_modules"),
                   IRIS_HTTP_PORT=str(s.http_port), IRIS_WS_PORT=s.ports["ws"],
                   IRIS_TOKEN_A=s.token("1", "browser-a"), IRIS_TOKEN_B=s.token("2", "browser-b"),
                   IRIS_TOKEN_C=s.token("3", "api"), IRIS_THREAD=thread, IRIS_CLI=IRIS,
                   IRIS_CLI_DIR=cli, **extra_env)
        r = subprocess.run(["node", os.path.join(HERE, script)], env=env,
                           capture_output=True, text=True, timeout=timeout)
        print(r.stdout[-3000:], r.stderr[-2000:])
        assert r.returncode == 0 and r.stdout.strip().endswith("ok"), "browser test failed"
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)


def case_webapp_browser_edit_unsend_react_files_badge_resyncs_and_convergence():
    run_browser_suite("web_lifecycle.js", {"IRIS_MAX_BLOB": str(MAX_BLOB)},
                      "--blobs.max_bytes", str(MAX_BLOB))
