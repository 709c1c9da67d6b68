"""A throwaway Postfix on loopback for the mail tests and benchmark (tests/e2e/cases_mail.py,
bench/suites/email): its own config, queue and data directories under a temporary dir, SMTP
on a free 127.0.0.1 port, every mail for `domain` handed over LMTP to irisd
(virtual_transport = lmtp:inet:127.0.0.1:PORT). No system service is used or needed: the
master runs in the foreground (`postfix -c DIR start-fg`) as our child and is stopped by
its PID. Needs root (Postfix drops to its `postfix` user) and Debian's postfix package;
`Postfix.unavailable()` says why not when it cannot run.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Postfix:
    @staticmethod
    def unavailable():
        if os.geteuid() != 0:
            return "Postfix needs root (its daemons drop to the postfix user)"
        if not shutil.which("postfix") or not os.path.exists("/etc/postfix/master.cf"):
            return "Postfix is not installed (scripts/setup-deps installs it)"
        try:
            import pwd
            pwd.getpwnam("postfix")
        except KeyError:
            return "there is no postfix user"
        return None

    def __init__(self, lmtp_port, domain="localhost", message_size_limit=60_000_000, timeout=10.0, extra="",
                 mailbox_domain=None):
        """`extra`: more main.cf lines (the benchmark's tuning). `mailbox_domain` (also listed in
        `domain`): mail for it is not sent to irisd but kept in one mbox file, `self.mailbox`
        (Postfix's `virtual` agent, as nobody), for mail out's tests to read."""
        self.dir = tempfile.mkdtemp(prefix="iris-postfix-")
        os.chmod(self.dir, 0o755)  # the postfix user walks into it
        self.mailbox = None
        if mailbox_domain:
            boxes = os.path.join(self.dir, "mailboxes")
            os.makedirs(boxes)
            os.chown(boxes, 65534, 65534)
            self.mailbox = os.path.join(boxes, "box")
            extra += """
transport_maps = inline:{ %s=virtual: }
virtual_mailbox_base = %s
virtual_mailbox_maps = static:box
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
virtual_mailbox_limit = 0
""" % (mailbox_domain, boxes)
        self.etc, self.queue, self.data = (os.path.join(self.dir, d) for d in ("etc", "queue", "data"))
        for d in (self.etc, self.queue, self.data):
            os.makedirs(d)
        shutil.chown(self.data, "postfix")
        self.smtp_port = free_port()
        self.log_path = os.path.join(self.dir, "maillog")
        master = []
        for line in open("/etc/postfix/master.cf").read().splitlines():
            f = line.split()
            if line and not line[0].isspace() and not line.startswith("#") and len(f) >= 8:
                if f[0] == "smtp" and f[1] == "inet":
                    f[0] = "127.0.0.1:%d" % self.smtp_port
                f[4] = "n"  # no chroot: the queue is a temporary dir
                line = " ".join(f)
            master.append(line)
        with open(os.path.join(self.etc, "master.cf"), "w") as out:
            out.write("\n".join(master) + "\n")
        with open(os.path.join(self.etc, "main.cf"), "w") as out:
            out.write(f"""compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
# Logs go to the master's stdout, which is our file (postlogd writes them).
maillog_file = /dev/stdout
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.iris.test
mydestination =
mynetworks = 127.0.0.0/8
relay_domains =
virtual_mailbox_domains = {domain}
virtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}
smtpd_recipient_restrictions = permit_mynetworks, reject
# Loopback only: no DNS (not even for the peer's name), and mail for anywhere else (the
# bounces Postfix writes to external senders) fails here instead of leaving.
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
default_transport = error:mail outside the test domain is not delivered
relay_transport = error:mail outside the test domain is not delivered
alias_maps =
alias_database =
message_size_limit = {message_size_limit}
# Retries of a deferred mail come fast here: the tests wait for them.
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
# Many mails at once to irisd (the benchmark): LMTP connections are cached and reused.
lmtp_connection_cache_on_demand = yes
lmtp_destination_concurrency_limit = 20
default_process_limit = 100
""" + extra)
        # `check` makes the queue's directories (and says what is wrong, if anything).
        subprocess.run(["postfix", "-c", self.etc, "check"], capture_output=True, timeout=timeout)
        self.proc = subprocess.Popen(["postfix", "-c", self.etc, "start-fg"],
                                     stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("postfix exited at start:\n" + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1).close()
                if self.master_pid():
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("postfix did not listen within %ss:\n%s" % (timeout, self.log()))

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def swaks(self, *args, timeout=30.0):
        """Submits one mail over SMTP with swaks; its CompletedProcess."""
        return subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(self.smtp_port),
                               "--helo", "client.iris.test", *args],
                              capture_output=True, text=True, timeout=timeout)

    def sendmail(self, message_bytes, *recipients, timeout=30.0):
        """Submits one mail with Postfix's own sendmail (the local pickup path)."""
        return subprocess.run(["sendmail", "-C", self.etc, "-i", *recipients], input=message_bytes,
                              capture_output=True, timeout=timeout)

    def master_pid(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def stop(self):
        """SIGTERM to the master by its PID (it ends its daemons), then to `postfix start-fg`."""
        pid = self.master_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    os.kill(pid, 0)
                    time.sleep(0.05)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
