"""End-to-end cases of the server's operation: a full disk (a real tmpfs) and the modes of the
files irisd writes.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import http.client
import json
import os
import shutil
import stat
import subprocess
import tempfile
import time

from irisd_e2e import TIMEOUT, Irisd, Skip, SyncDevice, cid, wait_until
import irisd_e2e


def healthz(s):
    conn = http.client.HTTPConnection("127.0.0.1", s.http_port, timeout=TIMEOUT)
    try:
        conn.request("GET", "/healthz")
        return conn.getresponse().status
    finally:
        conn.close()


class Tmpfs:
    """A tmpfs of `size` on a fresh directory (needs root or CAP_SYS_ADMIN: Skip otherwise)."""

    def __init__(self, size):
        self.dir = tempfile.mkdtemp(prefix="irisd-e2e-tmpfs-")
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", self.dir],
                           capture_output=True, text=True, timeout=TIMEOUT)
        if r.returncode != 0:
            os.rmdir(self.dir)
            raise Skip("cannot mount a tmpfs here: " + r.stderr.strip())

    def fill(self, name, leave):
        """Writes `name` until the filesystem is full, then frees `leave` bytes of it."""
        path = os.path.join(self.dir, name)
        chunk = b"f" * (64 << 10)
        with open(path, "wb") as f:
            for _ in range(4096):  # bounded: 256 MiB at most
                try:
                    f.write(chunk)
                    f.flush()
                except OSError:
                    break
        size = os.path.getsize(path)
        os.truncate(path, max(0, size - leave))
        return path

    def cleanup(self):
        subprocess.run(["umount", "-l", self.dir], capture_output=True, timeout=TIMEOUT)
        shutil.rmtree(self.dir, ignore_errors=True)


def token_in(data):
    """A token function for an irisd whose --data_dir was overridden."""
    def token(user, device, ttl="1h"):
        out = subprocess.run([irisd_e2e.IRISD, "token", "--data_dir", data, "--user", user,
                              "--device", device, "--ttl", ttl],
                             capture_output=True, text=True, timeout=TIMEOUT, check=True)
        return out.stdout.strip()
    return token


def send(dev, thread, n, body):
    """One send, answered: ("ok", send_result) or ("error", error)."""
    dev.request({"send_request": {"client_id": cid(1000 + n), "thread": thread, "body": body}})
    answer = dev.next("/responses")
    if "send_result" in answer:
        return "ok", answer["send_result"]
    return "error", answer["error"]


def text(n):
    return "m%d:" % n + "x" * 4000


def case_store_full_disk_refuses_sends_as_unavailable_and_recovers_without_restart():
    """The data dir on a 16 MiB tmpfs, a filler file takes all but 64 KiB: sends fail with the
    retryable `unavailable` and /healthz says 503; once the filler is removed the same sends
    (same client ids) succeed without a restart, /healthz says 200, and a device (also after a
    restart) gets every acknowledged send exactly once."""
    fs = Tmpfs("16m")
    s = None
    try:
        data = os.path.join(fs.dir, "data")
        s = Irisd("--data_dir", data, "--store.sync", "true",
                  "--store.recovery_backoff_ms", "1000", "--store.recovery_backoff_max_ms", "1000")
        s.token = token_in(data)
        ann = SyncDevice(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        assert healthz(s) == 200
        filler = fs.fill("filler", 64 << 10)

        acknowledged = []
        failed = None
        for n in range(3000):
            kind, answer = send(ann, thread, n, text(n))
            if kind == "ok":
                acknowledged.append(n)
                continue
            assert answer["code"] == "unavailable", answer
            failed = n
            break
        assert failed is not None, "the disk never filled"
        assert healthz(s) == 503, "a store that refuses writes is not healthy"
        kind, answer = send(ann, thread, failed, text(failed))
        assert kind == "error" and answer["code"] == "unavailable", (kind, answer)
        assert s.alive()

        os.remove(filler)
        deadline = time.monotonic() + 20
        while True:
            kind, answer = send(ann, thread, failed, text(failed))
            if kind == "ok":
                break
            assert answer["code"] == "unavailable", answer
            assert time.monotonic() < deadline, "sends still refused 20 s after space was freed"
            time.sleep(0.2)
        acknowledged.append(failed)
        for n in range(failed + 1, failed + 5):
            kind, answer = send(ann, thread, n, text(n))
            assert kind == "ok", answer
            acknowledged.append(n)
        wait_until(lambda: healthz(s) == 200, what="/healthz 200 after recovery")

        def check(server):
            bob = SyncDevice(server, "2", "bob-phone-%d" % server.proc.pid)
            bob.resume()
            expect = ["m%d" % n for n in acknowledged]
            bob.drain_until(lambda: len(bob.texts()) >= len(expect))
            got = [t.split(":")[0] for t in bob.texts()]
            assert got == expect, (len(got), len(expect), got[-5:], expect[-5:])
            assert bob.seq == 1 + len(expect), (bob.seq, len(expect))  # the thread, then each send once
            bob.close()

        check(s)
        ann.close()
        s.stop()
        s.cleanup()
        s = Irisd("--data_dir", data)
        s.token = token_in(data)
        check(s)
        s.stop()
    finally:
        if s is not None:
            s.cleanup()
        fs.cleanup()


def case_data_dir_is_owner_only_whatever_the_umask():
    """irisd started with umask 022 on a data dir an older version left 0755 (with a 0644 file
    in it): after a send has gone through the queue and the history store and a token was
    issued, the data dir and every directory in it are 0700 and every file 0600."""
    old = os.umask(0o022)
    try:
        base = tempfile.mkdtemp(prefix="irisd-e2e-modes-")
        data = os.path.join(base, "data")
        os.makedirs(data, mode=0o755)
        os.chmod(data, 0o755)
        with open(os.path.join(data, "left-by-an-older-irisd"), "w") as f:
            f.write("x")
        s = Irisd("--data_dir", data, "--history.user_delay_ms", "0", "--history.min_interval_ms", "0")
        s.token = token_in(data)
        try:
            ann = SyncDevice(s, "1", "ann-phone")
            ann.resume()
            ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
            ann.next("/responses")
            history = os.path.join(data, "history", "history.sqlite3")
            wait_until(lambda: os.path.exists(history) and os.path.getsize(history) > 0,
                       what="the history store to be written")
            s.token("2", "bob-phone")
            ann.close()
            s.stop()
            loose = []
            for root, dirs, files in os.walk(data):
                for name in [root] + [os.path.join(root, f) for f in files]:
                    st = os.lstat(name)
                    want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
                    if stat.S_IMODE(st.st_mode) & 0o077:
                        loose.append("%s %o (want %o)" % (name, stat.S_IMODE(st.st_mode), want))
            assert not loose, "readable by others:\n" + "\n".join(loose)
            queue = os.listdir(os.path.join(data, "queue"))
            assert any(f.endswith(".log") for f in queue), queue  # the walk saw RocksDB's files
            assert stat.S_IMODE(os.stat(data).st_mode) == 0o700
        finally:
            s.cleanup()
            shutil.rmtree(base, ignore_errors=True)
    finally:
        os.umask(old)


def run_on_a_terminal(args, timeout=3 * TIMEOUT):
    """Runs `args` with stdout on a pseudo-terminal (as a person at a shell would); returns
    (exit code, everything written to the terminal)."""
    import pty
    import select
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdout=slave, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        rc = proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return rc, out.decode(errors="replace")


def case_cli_create_thread_prints_the_bare_id_and_status_ends_with_a_newline():
    """The README's walk-through as a script runs it: THREAD=$(iris create-thread 2) is a
    thread id `iris send` takes; `iris status` (to a pipe and to a terminal, live and offline)
    ends its output with a newline."""
    iris_bin = os.environ.get("IRIS_CLI", "")
    if not iris_bin:
        raise Skip("IRIS_CLI is not set")
    s = Irisd()
    home = tempfile.mkdtemp(prefix="iris-cli-")
    ann = os.path.join(home, "ann")

    def iris(*args):
        r = subprocess.run([iris_bin, "--config-dir", ann, "--timeout", "3"] + list(args),
                           capture_output=True, text=True, timeout=3 * TIMEOUT)
        return r

    try:
        r = iris("login", "--server", "mqtt://127.0.0.1:%d" % s.port, "--user", "1",
                 "--token", s.token("1", "ann-laptop"), "--device", "ann-laptop")
        assert r.returncode == 0, r.stderr
        made = iris("create-thread", "--name", "lunch", "2")
        assert made.returncode == 0, made.stderr
        thread = made.stdout.strip()
        assert made.stdout == thread + "\n" and thread.isdigit() and not thread.startswith("0"), made.stdout
        sent = iris("send", thread, "noon?")
        assert sent.returncode == 0, sent.stderr
        assert "noon?" in iris("show", thread).stdout

        def statuses():
            piped = iris("status")
            assert piped.returncode == 0 and piped.stdout.endswith("\n"), repr(piped.stdout)
            for json_flag in ([], ["--json"]):
                rc, tty = run_on_a_terminal([iris_bin, "--config-dir", ann, "--timeout", "3"] + json_flag + ["status"])
                assert rc == 0 and tty.endswith("\n"), repr(tty[-80:])
            return piped.stdout

        assert "connection  live" in statuses()
        s.stop()
        assert "connection  offline" in statuses()
    finally:
        s.cleanup()
        shutil.rmtree(home, ignore_errors=True)
