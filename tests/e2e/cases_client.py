"""End-to-end cases of the `iris` command-line client (docs/CLIENT.md): two people chat
through the CLI against a real irisd; every documented error has its exit code.

Run through irisd_e2e.py; IRIS_CLI names the iris binary (set by CMake).
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

from irisd_e2e import TIMEOUT, Irisd, Skip

IRIS = os.environ.get("IRIS_CLI", "")


def iris(cfg, *args, check=True):
    if not IRIS:
        raise Skip("IRIS_CLI is not set")
    r = subprocess.run([IRIS, "--config-dir", cfg, "--timeout", "10"] + list(args),
                       capture_output=True, text=True, timeout=3 * TIMEOUT)
    if check and r.returncode != 0:
        raise AssertionError("iris %s failed (%d): %s%s" % (args, r.returncode, r.stdout, r.stderr))
    return r


def login(s, cfg, user, device):
    return iris(cfg, "login", "--server", "mqtt://127.0.0.1:%d" % s.port, "--user", user,
                "--token", s.token(user, device), "--device", device)


def case_cli_two_people_chat_and_json_output():
    s = Irisd()
    home = tempfile.mkdtemp(prefix="iris-cli-")
    ann, bob = os.path.join(home, "ann"), os.path.join(home, "bob")
    try:
        assert "logged in as user 1" in login(s, ann, "1", "ann-laptop").stdout
        login(s, bob, "2", "bob-phone")
        made = json.loads(iris(ann, "--json", "create-thread", "--name", "lunch", "2").stdout)
        thread = made["thread"]
        sent = json.loads(iris(ann, "--json", "send", thread, "noon?").stdout)
        iris(bob, "send", thread, "yes, noon")
        shown = json.loads(iris(bob, "--json", "show", thread).stdout)
        texts = [m["text"] for m in shown["messages"]]
        assert texts == ["noon?", "yes, noon"], texts
        assert shown["messages"][0]["id"] == sent["message"]
        assert shown["name"] == "lunch"
        # Ann's view is the same, in the same order, nothing pending.
        mine = json.loads(iris(ann, "--json", "show", thread).stdout)
        assert [m["text"] for m in mine["messages"]] == texts
        assert not any(m["pending"] for m in mine["messages"])
        threads = json.loads(iris(bob, "--json", "threads").stdout)["threads"]
        assert [t["id"] for t in threads] == [thread] and threads[0]["unread"] == 1, threads
        assert "read up to" in iris(bob, "read", thread).stdout
        threads = json.loads(iris(bob, "--json", "threads").stdout)["threads"]
        assert threads[0]["unread"] == 0, threads
        st = json.loads(iris(ann, "--json", "status").stdout)
        assert st["connected"] and st["outbox"] == 0 and st["seq"] == st["head"], st
        # tail: Bob follows live; Ann's next message shows up with thread name and sender.
        tail = subprocess.Popen([IRIS, "--config-dir", bob, "--json", "tail", "--count", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + TIMEOUT
            line = ""
            while time.monotonic() < deadline and tail.poll() is None:
                iris(ann, "send", thread, "see you there")
                try:
                    out, _ = tail.communicate(timeout=1)
                    line = out
                    break
                except subprocess.TimeoutExpired:
                    continue
            if not line and tail.poll() is not None:
                line = tail.stdout.read()
        finally:
            if tail.poll() is None:
                tail.kill()
                tail.wait()
        event = json.loads(line.strip().splitlines()[-1])
        assert event["text"] == "see you there" and event["thread_name"] == "lunch", event
        assert event["sender"] == "1", event
        human = iris(ann, "show", thread).stdout
        assert "user 1: noon?" in human and "user 2: yes, noon" in human, human
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)


def case_cli_errors_have_their_documented_exit_codes():
    s = Irisd()
    home = tempfile.mkdtemp(prefix="iris-cli-")
    ann, carol = os.path.join(home, "ann"), os.path.join(home, "carol")
    try:
        # 3: not logged in; 2: usage
        r = iris(os.path.join(home, "nobody"), "threads", check=False)
        assert r.returncode == 3 and "iris login" in r.stderr, (r.returncode, r.stderr)
        r = iris(ann, "frobnicate", check=False)
        assert r.returncode == 2 and "unknown command" in r.stderr, (r.returncode, r.stderr)
        # 5: bad token (and the bad login is not kept)
        r = iris(ann, "login", "--server", "mqtt://127.0.0.1:%d" % s.port, "--user", "1",
                 "--token", "v1.nope.nope", "--device", "ann-laptop", check=False)
        assert r.returncode == 5 and "token" in r.stderr, (r.returncode, r.stderr)
        assert iris(ann, "status", check=False).returncode == 3
        # 4: unreachable
        with socket_port() as dead:
            r = iris(os.path.join(home, "x"), "login", "--server", "mqtt://127.0.0.1:%d" % dead,
                     "--user", "1", "--token", "t", "--device", "d", check=False)
        assert r.returncode == 4 and "unreachable" in r.stderr, (r.returncode, r.stderr)
        # 7: unknown thread; 6 (or 7: the server does not tell outsiders a thread exists)
        login(s, ann, "1", "ann-laptop")
        login(s, carol, "3", "carol-phone")
        r = iris(ann, "show", "12345", check=False)
        assert r.returncode == 7 and "no such thread" in r.stderr, (r.returncode, r.stderr)
        thread = json.loads(iris(ann, "--json", "create-thread", "2").stdout)["thread"]
        r = iris(carol, "send", thread, "let me in", check=False)
        assert r.returncode in (6, 7), (r.returncode, r.stderr)
        assert json.loads(iris(carol, "--json", "status").stdout)["outbox"] == 0
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)


class socket_port:
    """A loopback port with nothing listening on it (bound, never listened, then closed)."""

    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()
