"""End-to-end cases of mail in (docs/PROTOCOL.md "Mail"): irisd's LMTP listener driven by a raw
LMTP client (exact replies, hostile mail) and by a real MTA (Debian's Postfix on loopback,
mail submitted with swaks and Postfix's sendmail); what arrived is read back as the recipient
over the HTTP API. Messages are built with Python's email package, not by hand, except where
a test needs broken bytes.

Run through irisd_e2e.py (it finds the case_* functions here). Postfix is started once for
its case (postfix_mta.py) and stopped by PID; that case is skipped when Postfix cannot run.
"""
import email.message
import email.utils
import os
import signal
import socket
import time

from cases_blobs import download
from cases_http import get_json
from irisd_e2e import TIMEOUT, Irisd, Skip, wait_until
from postfix_mta import Postfix


class Lmtp:
    """A raw LMTP client (RFC 2033): one reply per recipient after DATA."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        code, _ = self.reply()
        assert code == 220, code
        assert self.cmd("LHLO test.iris")[0] == 250

    def reply(self):
        text = []
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("LMTP connection closed")
            text.append(line[4:].decode().rstrip())
            if line[3:4] != b"-":
                return int(line[:3]), "\n".join(text)

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, mail_from, rcpts, data, size=None):
        """Per-recipient (code, text) of one transaction; recipients refused at RCPT included."""
        code, text = self.cmd("MAIL FROM:<%s>%s" % (mail_from, "" if size is None else " SIZE=%d" % size))
        if code != 250:
            return [(code, text)]
        out, accepted = [], 0
        for r in rcpts:
            c = self.cmd("RCPT TO:<%s>" % r)
            out.append(c)
            accepted += c[0] == 250
        if not accepted:
            self.cmd("RSET")
            return out
        code, text = self.cmd("DATA")
        assert code == 354, (code, text)
        if isinstance(data, str):
            data = data.encode()
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        stuffed = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in data.split(b"\r\n"))
        if not stuffed.endswith(b"\r\n"):
            stuffed += b"\r\n"
        self.sock.sendall(stuffed + b".\r\n")
        return out + [self.reply() for _ in range(accepted)]

    def close(self):
        try:
            self.cmd("QUIT")
        except OSError:
            pass
        self.sock.close()


def mail(frm, to, subject, text, message_id, in_reply_to=None, references=None, html=None, attachments=()):
    m = email.message.EmailMessage()
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = "<%s>" % message_id
    m["Date"] = email.utils.formatdate()
    if in_reply_to:
        m["In-Reply-To"] = "<%s>" % in_reply_to
    if references:
        m["References"] = " ".join("<%s>" % r for r in references)
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    for name, ctype, data in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m.as_bytes()


def start(*flags):
    s = Irisd("--mail.lmtp_listen", "127.0.0.1:0", *flags)
    return s, int(s.ports["lmtp"])


def threads_of(s, user, token=None):
    token = token or s.token(str(user), "mail-reader")
    return get_json(s, "/v1/snapshot?messages=50", token)["snapshot"]["threads"]


def only_thread(s, user, token=None):
    threads = threads_of(s, user, token)
    assert len(threads) == 1, threads
    return threads[0]


def case_mail_lmtp_delivers_into_threads_that_follow_message_ids():
    """A mail to two users becomes one thread with the external sender (250 per recipient);
    a reply carrying In-Reply-To/References lands in the same thread with its quote trimmed;
    a redelivery of the same Message-ID appends nothing; a new conversation is a new thread;
    an attachment is in the blob store and downloadable by a recipient."""
    s, port = start()
    try:
        c = Lmtp(port)
        first = mail("Alice Example <Alice@Example.com>", "7@localhost, 8@localhost", "Lunch plans",
                     "Lunch on Friday?\n", "m1@example.com",
                     attachments=[("menu.pdf", "application/pdf", b"%PDF-1.4 menu"),
                                  ("notes.docx", "application/vnd.ms-word", b"docx bytes")])
        replies = c.send("alice@example.com", ["7@localhost", "8@LOCALHOST", "nobody@localhost"], first)
        assert [r[0] for r in replies] == [250, 250, 550, 250, 250], replies
        t = only_thread(s, 7)
        assert t["name"] == "alice@example.com: Lunch plans", t
        assert len(t["participants"]) == 3 and "7" in t["participants"] and "8" in t["participants"], t
        (m,) = t["latest_messages"]
        sender = m["sender"]
        assert int(sender) >= 2 ** 63, m  # an external identity
        assert m["text"] == "Lunch on Friday?", m
        names = sorted(a["name"] for a in m["attachments"])
        assert names == ["menu.pdf", "notes.docx"], m
        pdf = next(a for a in m["attachments"] if a["name"] == "menu.pdf")
        docx = next(a for a in m["attachments"] if a["name"] == "notes.docx")
        assert pdf["content_type"] == "application/pdf", pdf
        assert docx["content_type"] == "application/octet-stream", docx  # not in blobs.allowed_types
        status, _, body = download(s, s.token("8", "dl"), pdf["blob"])
        assert status == 200 and body == b"%PDF-1.4 menu", (status, body)
        assert download(s, s.token("9", "outsider"), pdf["blob"])[0] == 404

        reply = mail("alice@example.com", "7@localhost", "Re: Lunch plans",
                     "Noon works.\n\nOn Mon, 1 Jan 2024, Bob wrote:\n> Lunch on Friday?\n",
                     "m2@example.com", in_reply_to="m1@example.com", references=["m1@example.com"],
                     html="<p>Noon works.</p><blockquote>Lunch on Friday?</blockquote>")
        assert [r[0] for r in c.send("alice@example.com", ["7@localhost", "8@localhost"], reply)] == [250, 250, 250, 250]
        # The same mail again (an MTA that lost our 250): nothing new.
        assert [r[0] for r in c.send("alice@example.com", ["7@localhost", "8@localhost"], reply)] == [250, 250, 250, 250]
        t = only_thread(s, 8)
        assert [m["text"] for m in t["latest_messages"]] == ["Lunch on Friday?", "Noon works."], t

        other = mail("alice@example.com", "7@localhost", "Another topic", "Hi again\n", "m3@example.com")
        assert [r[0] for r in c.send("alice@example.com", ["7@localhost"], other)] == [250, 250]
        assert len(threads_of(s, 7)) == 2
        assert len(threads_of(s, 8)) == 1
        c.close()
        s.stop()
    finally:
        s.cleanup()


def case_mail_hostile_mail_is_refused_or_parsed_safely():
    """50 MB (declared: 552 at MAIL; undeclared: 552 after DATA), 10,000 MIME parts (554),
    malformed MIME, an unknown charset and raw 8-bit bytes, an encoded CRLF in the subject
    (header injection), a long command line, too many recipients, a smuggled bare-LF dot:
    each is refused with its code or parsed into clean text, and the server goes on."""
    s, port = start("--mail.max_recipients", "5")
    try:
        c = Lmtp(port)
        big = b"From: a@x\r\nSubject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 52_000
        assert c.send("a@x", ["7@localhost"], big, size=len(big))[0][0] == 552
        codes = [r[0] for r in c.send("a@x", ["7@localhost"], big)]
        assert codes == [250, 552], codes

        parts = email.message.EmailMessage()
        parts["From"] = "a@x"
        parts["Subject"] = "parts"
        parts.set_content("x")
        for i in range(10_000):
            parts.add_attachment(b"p", maintype="application", subtype="octet-stream", filename="p%d" % i)
        codes = [r[0] for r in c.send("a@x", ["7@localhost"], parts.as_bytes())]
        assert codes == [250, 554], codes

        malformed = (b"From: b@x\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
                     b"Content-Type: multipart/mixed; boundary=\"never\"\r\n\r\n"
                     b"--other\r\nContent-Type: text/plain\r\n\r\nhello\r\n")
        assert [r[0] for r in c.send("b@x", ["7@localhost"], malformed)][0] == 250
        charset = (b"From: c@x\r\nSubject: =?x-unknown?q?bad?= \xff\xfe\r\n"
                   b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
                   b"Content-Transfer-Encoding: 8bit\r\n\r\ncaf\xe9 \xff\x00\x01 ok\r\n")
        assert [r[0] for r in c.send("c@x", ["7@localhost"], charset)] == [250, 250]
        injection = (b"From: d@x\r\nSubject: =?utf-8?q?hi=0D=0ABcc=3A_victim=40x?=\r\n"
                     b"Message-ID: <inj@x>\r\n\r\nbody\r\n")
        assert [r[0] for r in c.send("d@x", ["7@localhost"], injection)] == [250, 250]
        smuggle = (b"From: e@x\r\nSubject: smuggle\r\n\r\nfirst\n.\nMAIL FROM:<evil@x>\r\n")
        assert [r[0] for r in c.send("e@x", ["7@localhost"], smuggle)] == [250, 250]

        assert c.cmd("NOOP " + "A" * 5000)[0] == 500
        assert c.cmd("NOOP")[0] == 250
        codes = [r[0] for r in c.send("a@x", ["%d@localhost" % u for u in range(1, 8)], "From: a@x\r\n\r\nhi\r\n")]
        assert codes == [250] * 5 + [452, 452] + [250] * 5, codes
        c.close()

        threads = threads_of(s, 7)
        by_name = {t["name"]: t for t in threads}
        for t in threads:
            for m in t["latest_messages"]:
                assert all(ch in "\n\t" or ord(ch) >= 32 for ch in m["text"]), m
            assert "\r" not in t["name"] and "\n" not in t["name"], t["name"]
        assert "d@x: hi Bcc: victim@x" in by_name, list(by_name)
        text = by_name["e@x: smuggle"]["latest_messages"][0]["text"]
        assert "MAIL FROM:<evil@x>" in text, text  # content, not a command
        (bad,) = [t for n, t in by_name.items() if n.startswith("c@x")]
        assert bad["latest_messages"][0]["text"].startswith("caf\u00e9"), bad
        assert s.alive()
        s.stop()
    finally:
        s.cleanup()


def case_mail_acknowledged_by_lmtp_survives_kill_9():
    """Every mail answered 250 is in the thread after irisd is killed with SIGKILL right after
    the last 250 and started again on the same data dir (store.sync on)."""
    s, port = start("--store.sync", "true")
    data = os.path.join(s.dir, "data")
    try:
        token = s.token("7", "reader")  # the secret stays in the data dir: valid after the restart
        c = Lmtp(port)
        for i in range(20):
            m = mail("k@example.com", "7@localhost", "kill", "mail %d\n" % i, "k%d@example.com" % i,
                     references=["k0@example.com"] if i else None)
            assert [r[0] for r in c.send("k@example.com", ["7@localhost"], m)] == [250, 250]
        os.kill(s.proc.pid, signal.SIGKILL)
        s.proc.wait()
        s2 = Irisd("--data_dir", data)
        try:
            t = only_thread(s2, 7, token)
            assert [m["text"] for m in t["latest_messages"]] == ["mail %d" % i for i in range(20)], t
            s2.stop()
        finally:
            s2.cleanup()
    finally:
        s.cleanup()


def case_mail_through_postfix_reaches_threads():
    """Debian's Postfix on loopback relays to irisd over LMTP: mail submitted with swaks and
    with Postfix's sendmail lands in threads (a reply in the same thread), an unknown
    recipient is bounced by Postfix on irisd's 550, and a mail over mail.max_message_bytes
    is refused by irisd (Postfix's own limit is higher) and never reaches a thread."""
    why = Postfix.unavailable()
    if why:
        raise Skip(why)
    s, port = start("--mail.max_message_bytes", "2000000")
    pf = None
    try:
        try:
            pf = Postfix(port)
        except RuntimeError as e:
            raise Skip("Postfix cannot run here: %s" % e)
        r = pf.swaks("--from", "carol@example.org", "--to", "7@localhost",
                     "--header", "Subject: Hello from Postfix", "--header", "Message-ID: <pf1@example.org>",
                     "--body", "Sent through a real MTA.")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: len(threads_of(s, 7)) == 1, what="the mail to arrive through Postfix")
        reply = mail("carol@example.org", "7@localhost", "Re: Hello from Postfix",
                     "And a reply.\n\n> Sent through a real MTA.\n", "pf2@example.org",
                     in_reply_to="pf1@example.org", references=["pf1@example.org"])
        r = pf.sendmail(reply, "7@localhost")
        assert r.returncode == 0, r
        wait_until(lambda: len(only_thread(s, 7)["latest_messages"]) == 2, what="the reply through sendmail")
        t = only_thread(s, 7)
        assert [m["text"] for m in t["latest_messages"]] == ["Sent through a real MTA.", "And a reply."], t

        r = pf.swaks("--from", "carol@example.org", "--to", "nobody@localhost", "--body", "x")
        assert r.returncode == 0, r.stdout + r.stderr  # Postfix accepts, then learns 550 over LMTP
        wait_until(lambda: "550 5.1.1" in pf.log(), what="Postfix to log irisd's 550")

        big = mail("carol@example.org", "7@localhost", "big", "x" * 3_000_000, "pf3@example.org")
        r = pf.sendmail(big, "7@localhost")
        assert r.returncode == 0, r
        # Postfix reads irisd's SIZE and bounces the mail (dsn 5.3.4) without sending it.
        wait_until(lambda: "pf3@example.org" in pf.log() and "dsn=5.3.4" in pf.log(),
                   what="Postfix to bounce the mail over irisd's limit")
        assert len(only_thread(s, 7)["latest_messages"]) == 2
        assert len(threads_of(s, 7)) == 1
        s.stop()
    except AssertionError:
        if pf:
            print("Postfix log:\n" + pf.log()[-4000:])
        raise
    finally:
        if pf:
            pf.cleanup()
        s.cleanup()
