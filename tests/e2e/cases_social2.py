"""End-to-end cases of mail out (issue 22, docs/PROTOCOL.md "Mail out"): a user's reply in a
thread with an email participant leaves as mail over SMTP to mail.out_relay, answering the
mail it follows (In-Reply-To, References, "Re:" subject), exactly once per the relay's
acceptance, retried with backoff when the relay fails for now.

- Debian's Postfix on loopback (postfix_mta.py) takes the mail in (LMTP to irisd) and the
  replies out (SMTP from irisd), delivering mail for example.org into a local mailbox (its
  `virtual` agent, an mbox file) that the test reads with Python's mailbox module.
- An SMTP stand-in on loopback (a few lines here) that answers 421 to its first connection
  shows the retry: one temporary failure, then one accepted mail, never two.

Run through irisd_e2e.py.
"""
import email
import json
import mailbox
import os
import socket
import threading
import time

from cases_http import call
from cases_mail import Lmtp, mail, only_thread
from irisd_e2e import TIMEOUT, Irisd, Skip, cid, wait_until
from postfix_mta import Postfix, free_port


def send_as(s, user, thread, n, text):
    body = json.dumps({"send_request": {"client_id": cid(n), "thread": thread, "body": text}})
    st, _, data = call(s, "POST", "/v1/requests", s.token(str(user), "web"), body=body,
                       content_type="application/json")
    assert st == 200, (st, data)
    return json.loads(data)["send_result"]


def case_mail_out_reply_leaves_through_postfix_into_a_mailbox():
    """carol@example.org mails user 7 through Postfix; 7's reply over the HTTP API leaves
    through Postfix into carol's mailbox once, as "Re: <subject>" from 7@localhost naming
    carol's mail (In-Reply-To, References); carol's answer to it comes back into the same
    thread."""
    why = Postfix.unavailable()
    if why:
        raise Skip(why)
    lmtp_port = free_port()
    pf = None
    s = None
    try:
        try:
            pf = Postfix(lmtp_port, domain="localhost example.org", mailbox_domain="example.org")
        except RuntimeError as e:
            raise Skip("Postfix cannot run here: %s" % e)
        box = pf.mailbox
        s = Irisd("--mail.lmtp_listen", "127.0.0.1:%d" % lmtp_port,
                  "--mail.out_relay", "127.0.0.1:%d" % pf.smtp_port, "--mail.out_min_backoff_ms", "200")
        r = pf.swaks("--from", "carol@example.org", "--to", "7@localhost",
                     "--header", "Subject: Lunch?", "--header", "Message-ID: <pf1@example.org>",
                     "--body", "Noon at the usual place?")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: call(s, "GET", "/v1/snapshot", s.token("7", "r"))[0] == 200 and
                   json.loads(call(s, "GET", "/v1/snapshot", s.token("7", "r"))[2])["snapshot"]["threads"],
                   what="carol's mail in a thread of 7")
        thread = only_thread(s, 7)["thread"]
        sent = send_as(s, 7, thread, 1, "Yes, noon works.")
        wait_until(lambda: os.path.exists(box) and b"noon works" in open(box, "rb").read(),
                   timeout=30, what="the reply in carol's mailbox")
        time.sleep(1.0)  # any second copy would have come by now
        msgs = list(mailbox.mbox(box))
        assert len(msgs) == 1, [m["Message-ID"] for m in msgs]
        m = msgs[0]
        assert m["From"] == "7@localhost", m["From"]
        assert m["To"] == "carol@example.org", m["To"]
        assert m["Subject"] == "Re: Lunch?", m["Subject"]
        assert m["In-Reply-To"] == "<pf1@example.org>", m["In-Reply-To"]
        assert "<pf1@example.org>" in m["References"], m["References"]
        ours = m["Message-ID"]
        assert ours.startswith("<iris.7.%s.%s." % (thread, sent["message"])), ours
        assert m.get_payload(decode=True).decode().strip() == "Yes, noon works.", m.get_payload()

        answer = mail("carol@example.org", "7@localhost", "Re: Lunch?", "See you there.\n", "pf2@example.org",
                      in_reply_to=ours.strip("<>"), references=["pf1@example.org", ours.strip("<>")])
        r = pf.sendmail(answer, "7@localhost")
        assert r.returncode == 0, r
        wait_until(lambda: len(only_thread(s, 7)["latest_messages"]) == 3, what="carol's answer in the thread")
        assert [x["text"] for x in only_thread(s, 7)["latest_messages"]] == [
            "Noon at the usual place?", "Yes, noon works.", "See you there."]
        assert len(list(mailbox.mbox(box))) == 1  # mail in is never sent back out
        assert "mail out: SMTP to" in s.log_text()
        s.stop()
    except AssertionError:
        if pf:
            print("Postfix log:\n" + pf.log()[-4000:])
        if s:
            print("irisd log:\n" + s.log_text()[-4000:])
        raise
    finally:
        if pf:
            pf.cleanup()
        if s:
            s.cleanup()


class SmtpStandIn:
    """A minimal SMTP server on loopback: the first `refuse` connections get 421 at once; the
    others are served and every DATA is kept. Bounded: a daemon thread, 10 s per read."""

    def __init__(self, refuse=1):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.refuse = refuse
        self.connections = 0
        self.mails = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                c.settimeout(10)
                if self.connections <= self.refuse:
                    c.sendall(b"421 4.3.2 not now\r\n")
                    continue
                f = c.makefile("rb")
                c.sendall(b"220 stand-in\r\n")
                while True:
                    line = f.readline()
                    if not line:
                        break
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        c.sendall(b"354 go on\r\n")
                        data = []
                        while True:
                            l = f.readline()
                            if not l or l == b".\r\n":
                                break
                            data.append(l[1:] if l.startswith(b"..") else l)
                        self.mails.append(b"".join(data))
                        c.sendall(b"250 2.0.0 queued\r\n")
                    elif verb == b"QUIT":
                        c.sendall(b"221 bye\r\n")
                        break
                    elif verb == b"EHLO":
                        c.sendall(b"250-stand-in\r\n250 8BITMIME\r\n")
                    else:
                        c.sendall(b"250 ok\r\n")
            except OSError:
                pass
            finally:
                c.close()

    def close(self):
        self.sock.close()


def case_mail_out_retries_a_relay_that_refuses_for_now_and_sends_once():
    """The relay answers 421 to the first connection: the reply is tried again after the
    backoff and accepted once; a second reply reuses the stored In-Reply-To; the mail that
    came in is never sent back out."""
    relay = SmtpStandIn(refuse=1)
    s = Irisd("--mail.lmtp_listen", "127.0.0.1:0", "--mail.out_relay", "127.0.0.1:%d" % relay.port,
              "--mail.out_min_backoff_ms", "300")
    try:
        lm = Lmtp(int(s.ports["lmtp"]))
        out = lm.send("dave@example.net", ["9@localhost"],
                      mail("Dave <dave@example.net>", "9@localhost", "Plans", "Tomorrow?\n", "d1@example.net"))
        assert out[-1][0] == 250, out
        lm.close()
        wait_until(lambda: call(s, "GET", "/v1/snapshot", s.token("9", "r"))[0] == 200 and
                   json.loads(call(s, "GET", "/v1/snapshot", s.token("9", "r"))[2])["snapshot"]["threads"],
                   what="dave's mail in a thread of 9")
        thread = only_thread(s, 9)["thread"]
        t0 = time.monotonic()
        send_as(s, 9, thread, 1, "first answer")
        wait_until(lambda: len(relay.mails) == 1, what="the reply through the stand-in after its 421")
        assert relay.connections >= 2 and time.monotonic() - t0 >= 0.25, (relay.connections, time.monotonic() - t0)
        send_as(s, 9, thread, 2, "second answer")
        wait_until(lambda: len(relay.mails) == 2, what="the second reply")
        time.sleep(0.8)
        assert len(relay.mails) == 2, relay.mails
        first, second = (email.message_from_bytes(m) for m in relay.mails)
        assert first.get_payload(decode=True).decode().strip() == "first answer", first.as_string()
        assert second["In-Reply-To"] == "<d1@example.net>" and second["Subject"] == "Re: Plans", second.as_string()
        assert first["To"] == "dave@example.net" and first["From"] == "9@localhost", first.as_string()
        assert "temporary failure" in s.log_text()
        s.stop()
        assert "mail out stopped: 2 sent, 1 temporary failures, 0 given up" in s.log_text(), s.log_text()[-2000:]
    finally:
        relay.close()
        s.cleanup()
