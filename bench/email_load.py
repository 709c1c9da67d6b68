#!/usr/bin/python3
"""Mail in through a real MTA (bench/suites/email): a fresh irisd (default settings, store.sync
on, LMTP on a free loopback port) and a throwaway Postfix (tests/e2e/postfix_mta.py: SMTP on a
free loopback port, virtual_transport = lmtp to irisd, LMTP connections cached, in_flow_delay
0 so submission is not throttled). CONNECTIONS SMTP clients (Python smtplib, one thread each,
one session each) submit MAILS mails in all: SENDERS external addresses each write one
conversation (its first mail the root, the others replies citing it in References) to USERS
recipients (one recipient per mail, round robin). Each mail carries its submission time.

    email_load.py IRISD MAILS CONNECTIONS SENDERS USERS

When every message is in its thread (read back as each recipient with GET /v1/snapshot), it
prints:
    in_per_s N     mails / (last message's server time - first submission), wall clock
    in_p99_ms N    99th percentile of (message's server time - its submission time): through
                   Postfix's queue, LMTP, parsing and the durable append (the message's time is
                   taken when its send is planned, just before the group commit)
    in_p50_ms N
Both processes are stopped by PID.
"""
import email.message
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import smtplib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from postfix_mta import Postfix  # noqa: E402


def main():
    irisd, mails, conns, senders, users = sys.argv[1], *map(int, sys.argv[2:6])
    why = Postfix.unavailable()
    if why:
        print("# email: skipped: " + why, file=sys.stderr)
        return 77
    work = tempfile.mkdtemp(prefix="iris-email-bench-")
    ports_file = os.path.join(work, "ports")
    log = open(os.path.join(work, "irisd.log"), "w")
    proc = subprocess.Popen([irisd, "--data_dir", os.path.join(work, "data"), "--net.bind", "127.0.0.1",
                             "--mqtt.port", "0", "--mqtt.ws_port", "0", "--mqtt.tls_port", "off",
                             "--http.port", "0", "--http.tls_port", "off", "--ports_file", ports_file,
                             "--mail.lmtp_listen", "127.0.0.1:0"], stdout=log, stderr=subprocess.STDOUT)
    pf = None
    try:
        deadline = time.monotonic() + 20
        while not (os.path.exists(ports_file) and "pid=" in open(ports_file).read()):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("irisd did not start")
            time.sleep(0.05)
        ports = dict(l.strip().split("=", 1) for l in open(ports_file) if "=" in l)
        pf = Postfix(int(ports["lmtp"]), extra="in_flow_delay = 0\n")
        tokens = {u: subprocess.run([irisd, "token", "--data_dir", os.path.join(work, "data"), "--user", str(u),
                                     "--device", "bench", "--ttl", "1h"], capture_output=True, text=True,
                                    check=True).stdout.strip() for u in range(1, users + 1)}

        sent = {}  # Message-ID -> submission time (ms since the epoch)
        lock = threading.Lock()
        per_sender = {}

        def build(i):
            sender = i % senders
            k = per_sender[i]
            m = email.message.EmailMessage()
            m["From"] = "sender%d@bench.example" % sender
            user = 1 + (sender % users)
            m["To"] = "%d@localhost" % user
            m["Subject"] = "conversation %d" % sender
            mid = "b%d.%d@bench.example" % (sender, k)
            m["Message-ID"] = "<%s>" % mid
            if k:
                root = "<b%d.0@bench.example>" % sender
                m["In-Reply-To"] = root
                m["References"] = root
            m.set_content("mail %d of conversation %d\n" % (k, sender))
            return m, mid, user

        counts = {}
        for i in range(mails):
            s = i % senders
            per_sender[i] = counts.get(s, 0)
            counts[s] = per_sender[i] + 1

        def client(first):
            smtp = smtplib.SMTP("127.0.0.1", pf.smtp_port, timeout=60)
            for i in range(first, mails, conns):
                m, mid, user = build(i)
                t = time.time() * 1000
                smtp.send_message(m)
                with lock:
                    sent[mid] = t
            smtp.quit()

        # A reply may overtake its root in Postfix's queue: it still lands in the same thread
        # (the thread's key is the root's Message-ID, which both carry).
        start = time.time() * 1000
        threads = [threading.Thread(target=client, args=(c,)) for c in range(conns)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        def arrived():
            seen = {}
            for u, tok in tokens.items():
                c = http.client.HTTPConnection("127.0.0.1", int(ports["http"]), timeout=30)
                c.request("GET", "/v1/snapshot?messages=100", headers={"Authorization": "Bearer " + tok,
                                                                       "Accept": "application/json"})
                snap = json.loads(c.getresponse().read())["snapshot"]
                c.close()
                for th in snap["threads"]:
                    for msg in th["latest_messages"]:
                        seen[msg["text"]] = int(msg["time_ms"])
            return seen

        deadline = time.monotonic() + 300
        while True:
            seen = arrived()
            if len(seen) >= mails or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if len(seen) < mails:
            raise RuntimeError("only %d of %d mails arrived" % (len(seen), mails))
        lat = []
        last = 0
        for i in range(mails):
            _, mid, _ = build(i)
            sender = i % senders
            text = "mail %d of conversation %d" % (per_sender[i], sender)
            lat.append(seen[text] - sent[mid])
            last = max(last, seen[text])
        lat.sort()
        print("in_per_s %.0f" % (mails / ((last - start) / 1000.0)))
        print("in_p99_ms %.0f" % lat[min(len(lat) - 1, int(len(lat) * 0.99))])
        print("in_p50_ms %.0f" % lat[len(lat) // 2])
        return 0
    finally:
        if pf:
            pf.cleanup()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


if __name__ == "__main__":
    sys.exit(main())
