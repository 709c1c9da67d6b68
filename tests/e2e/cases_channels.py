"""End-to-end cases of the external channels (issue 22, docs/PROTOCOL.md "Mail out" and "SMS"):

- mail out with attachments: a user's message with an attachment, in a thread with an email
  participant, leaves through Debian's Postfix on loopback (postfix_mta.py) as
  multipart/mixed, and the attachment's bytes arrive intact in the recipient's mailbox (an
  mbox file Postfix's `virtual` agent writes, read with Python's mailbox module); over
  mail.out_max_message_bytes the attachment is named in the text instead (an SMTP stand-in
  takes that mail).
- SMS number verification by the user: POST /v1/sms/numbers texts a code through the
  provider stand-in of cases_sms.py; a wrong code is refused, the right one assigns the
  number (moving it from its previous owner), and the next SMS to the number lands in the
  user's queue; the rate limits answer 429.

Run through irisd_e2e.py.
"""
import email
import json
import mailbox
import os
import re
import shutil
import tempfile
import time
import urllib.parse

from cases_blobs import upload
from cases_client import iris
from cases_http import call
from cases_mail import Lmtp, mail, only_thread, threads_of
from cases_sms import CAROL, USER_NUMBER, Provider, send_as, sms, texts, webhook
from cases_sms import start as start_sms
from cases_social2 import SmtpStandIn
from irisd_e2e import Irisd, Skip, cid, wait_until
from postfix_mta import Postfix, free_port


def send_with(s, user, thread, n, text, attachments):
    body = json.dumps({"send_request": {"client_id": cid(n), "thread": thread, "body": text,
                                        "attachments": attachments}})
    st, _, data = call(s, "POST", "/v1/requests", s.token(str(user), "web"), body=body,
                       content_type="application/json")
    assert st == 200, (st, data)
    return json.loads(data)["send_result"]


def reference(up, name):
    return {"blob": up["blob"], "content_type": up["content_type"], "size": str(up["size"]), "name": name}


def has_thread(s, user):
    st, _, data = call(s, "GET", "/v1/snapshot", s.token(str(user), "r"))
    return st == 200 and json.loads(data)["snapshot"]["threads"]


def case_channels_mail_out_carries_an_attachment_through_postfix_intact():
    """carol@example.org mails user 7 through Postfix; 7 answers with a PNG of every byte
    value: it reaches carol's mailbox once, multipart/mixed, the text first, then the PNG as
    a base64 part named photo.png with its type, its decoded bytes those uploaded."""
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
                     "--header", "Subject: Photos?", "--header", "Message-ID: <att1@example.org>",
                     "--body", "Send me the picture")
        assert r.returncode == 0, r.stdout + r.stderr
        wait_until(lambda: has_thread(s, 7), what="carol's mail in a thread of 7")
        thread = only_thread(s, 7)["thread"]
        png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 300 + b"\r\n.\r\n..\n.end"
        up = upload(s, s.token("7", "web"), png, content_type="image/png")
        send_with(s, 7, thread, 1, "Here it is.", [reference(up, "photo.png")])
        wait_until(lambda: os.path.exists(box) and b"photo.png" in open(box, "rb").read(),
                   timeout=30, what="the reply with its attachment in carol's mailbox")
        time.sleep(0.5)
        msgs = list(mailbox.mbox(box))
        assert len(msgs) == 1, [m["Message-ID"] for m in msgs]
        m = msgs[0]
        assert m.get_content_type() == "multipart/mixed", m.get_content_type()
        parts = m.get_payload()
        assert len(parts) == 2, [p.get_content_type() for p in parts]
        assert parts[0].get_content_type() == "text/plain"
        assert parts[0].get_payload(decode=True).decode().strip() == "Here it is.", parts[0].get_payload()
        att = parts[1]
        assert att.get_content_type() == "image/png", att.get_content_type()
        assert att.get_filename() == "photo.png", att.get_filename()
        assert att.get_content_disposition() == "attachment", att.get_content_disposition()
        assert att["Content-Transfer-Encoding"].lower() == "base64", att["Content-Transfer-Encoding"]
        assert att.get_payload(decode=True) == png, "the attachment's bytes changed on the way"
        assert m["In-Reply-To"] == "<att1@example.org>", m["In-Reply-To"]
        s.stop()
        assert "1 attachments sent, 0 named instead" in s.log_text(), s.log_text()[-2000:]
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


def case_channels_mail_out_names_attachments_over_the_size_limit_instead():
    """With mail.out_max_message_bytes at 64 KiB, a message with a 100 KB attachment leaves as
    one plain mail whose text names the attachment (too large for mail), logged; a small
    attachment in the next message is attached."""
    relay = SmtpStandIn(refuse=0)
    s = Irisd("--mail.lmtp_listen", "127.0.0.1:0", "--mail.out_relay", "127.0.0.1:%d" % relay.port,
              "--mail.out_max_message_bytes", "65536")
    try:
        lm = Lmtp(int(s.ports["lmtp"]))
        out = lm.send("dave@example.net", ["9@localhost"],
                      mail("Dave <dave@example.net>", "9@localhost", "Files", "The file?\n", "big1@example.net"))
        assert out[-1][0] == 250, out
        lm.close()
        wait_until(lambda: has_thread(s, 9), what="dave's mail in a thread of 9")
        thread = only_thread(s, 9)["thread"]
        token = s.token("9", "web")
        big = upload(s, token, os.urandom(100_000), content_type="application/zip")
        send_with(s, 9, thread, 1, "Too big, sorry.", [reference(big, "all.zip")])
        wait_until(lambda: len(relay.mails) == 1, what="the mail without its attachment")
        first = email.message_from_bytes(relay.mails[0])
        assert not first.is_multipart(), first.as_string()[:2000]
        text = first.get_payload(decode=True).decode()
        assert "Too big, sorry." in text and "[not attached (too large for mail): all.zip, application/zip, 97.7 KiB]" in text, text
        assert "over mail.out_max_message_bytes (65536)" in s.log_text(), s.log_text()[-2000:]
        small = upload(s, token, b"small bytes", content_type="text/plain")
        send_with(s, 9, thread, 2, "This one fits.", [reference(small, "note.txt")])
        wait_until(lambda: len(relay.mails) == 2, what="the mail with the small attachment")
        second = email.message_from_bytes(relay.mails[1])
        assert second.is_multipart(), second.as_string()[:2000]
        assert second.get_payload()[1].get_payload(decode=True) == b"small bytes"
        assert second.get_payload()[1].get_filename() == "note.txt"
        s.stop()
        assert "1 attachments sent, 1 named instead" in s.log_text(), s.log_text()[-2000:]
    finally:
        relay.close()
        s.cleanup()


VERIFY_FROM = "+15550001111"  # the service's number the codes come from


def form_post(s, path, user, fields):
    st, _, data = call(s, "POST", path, s.token(str(user), "web"), body=urllib.parse.urlencode(fields),
                       content_type="application/x-www-form-urlencoded")
    return st, (json.loads(data) if data else None)


def code_sent_to(provider, number, n=1):
    """The code of the n-th SMS the provider got for `number` (waits for it)."""
    wait_until(lambda: len([p for p in provider.posts if p[0]["To"] == number]) >= n,
               what="code %d at the provider for %s" % (n, number))
    form = [p for p in provider.posts if p[0]["To"] == number][n - 1][0]
    assert form["From"] == VERIFY_FROM, form
    return re.search(r"\b(\d{6})\b", form["Body"]).group(1)


def case_channels_sms_user_verifies_a_number_and_sms_to_it_reach_the_user():
    """User 8 asks for a code for a new number: the provider gets it (from sms.verify_from);
    a wrong code is 403, user 9 using 8's code is 404, the right code maps the number to 8:
    an SMS to the number, refused (404) before, lands in 8's queue after, and 8's reply is
    texted from it. A used code is 404."""
    provider = Provider()
    s = start_sms("--sms.provider_url", provider.url(), "--sms.verify_from", VERIFY_FROM,
                  "--sms.out_min_backoff_ms", "200")
    new = "+15557770008"
    try:
        assert webhook(s, sms("SM500", "too early", to=new))[0] == 404
        st, body = form_post(s, "/v1/sms/numbers", 8, {"number": "+1 (555) 777-0008"})
        assert st == 202 and body == {"number": new, "expires_in_s": 600}, (st, body)
        code = code_sent_to(provider, new)
        wrong = "000000" if code != "000000" else "111111"
        st, body = form_post(s, "/v1/sms/numbers/verify", 8, {"number": new, "code": wrong})
        assert st == 403, (st, body)
        assert form_post(s, "/v1/sms/numbers/verify", 9, {"number": new, "code": code})[0] == 404
        assert form_post(s, "/v1/sms/numbers/verify", 8, {"number": new})[0] == 400
        assert webhook(s, sms("SM501", "still too early", to=new))[0] == 404
        st, body = form_post(s, "/v1/sms/numbers/verify", 8, {"number": new, "code": code})
        assert st == 200 and body == {"number": new, "verified": True}, (st, body)
        assert form_post(s, "/v1/sms/numbers/verify", 8, {"number": new, "code": code})[0] == 404
        assert webhook(s, sms("SM502", "hello new number", frm=CAROL, to=new))[0] == 200
        assert texts(s, 8) == [["hello new number"]], texts(s, 8)
        (t,) = threads_of(s, 8)
        send_as(s, 8, t["thread"], 1, "got it")
        wait_until(lambda: any(p[0]["To"] == CAROL for p in provider.posts), what="8's reply at the provider")
        (reply,) = [p[0] for p in provider.posts if p[0]["To"] == CAROL]
        assert reply == {"To": CAROL, "From": new, "Body": "got it"}, reply
        assert "Iris code" not in s.log_text(), "a code's text must never be logged"
        s.stop()
        assert "SMS number verification stopped: 1 codes sent, 0 failed, 1 verified" in s.log_text(), \
            s.log_text()[-2000:]
    finally:
        provider.close()
        s.cleanup()


def case_channels_sms_number_moves_only_when_the_new_owner_confirms_and_codes_are_rate_limited():
    """User 7 holds USER_NUMBER (sms.numbers). User 8 asking for it gets the answer a free
    number gets (no hint of 7); until 8 confirms, SMS to it still reach 7; after, 8. Then the
    per-user limit (2 an hour here) answers 429, and so does the per-number limit for anyone."""
    provider = Provider()
    s = start_sms("--sms.provider_url", provider.url(), "--sms.verify_from", VERIFY_FROM,
                  "--sms.verify_per_user_per_hour", "2", "--sms.verify_per_number_per_hour", "2")
    try:
        st_taken, taken = form_post(s, "/v1/sms/numbers", 8, {"number": USER_NUMBER})
        st_free, free = form_post(s, "/v1/sms/numbers", 10, {"number": "+15557770010"})
        assert st_taken == st_free == 202 and set(taken) == set(free), (taken, free)
        assert taken["expires_in_s"] == free["expires_in_s"]
        code = code_sent_to(provider, USER_NUMBER)
        assert webhook(s, sms("SM600", "for seven", to=USER_NUMBER))[0] == 200
        assert texts(s, 7) == [["for seven"]] and texts(s, 8) == [], (texts(s, 7), texts(s, 8))
        assert form_post(s, "/v1/sms/numbers/verify", 8, {"number": USER_NUMBER, "code": code})[0] == 200
        assert webhook(s, sms("SM601", "for eight now", to=USER_NUMBER))[0] == 200
        assert texts(s, 8) == [["for eight now"]], texts(s, 8)
        assert texts(s, 7) == [["for seven"]], texts(s, 7)
        # 8 has asked once; one more is allowed this hour, the third is 429.
        assert form_post(s, "/v1/sms/numbers", 8, {"number": "+15557770020"})[0] == 202
        st, body = form_post(s, "/v1/sms/numbers", 8, {"number": "+15557770021"})
        assert st == 429 and body["error"]["code"] == "rate_limited", (st, body)
        # +15557770020 had one code (8's); 11 and 12 ask for it: the second of them is 429.
        assert form_post(s, "/v1/sms/numbers", 11, {"number": "+15557770020"})[0] == 202
        assert form_post(s, "/v1/sms/numbers", 12, {"number": "+15557770020"})[0] == 429
        assert form_post(s, "/v1/sms/numbers", 12, {"number": "not a number"})[0] == 400
        s.stop()
    finally:
        provider.close()
        s.cleanup()


def case_channels_sms_cli_verifies_a_number():
    """`iris sms verify NUMBER` has the code texted; `iris sms verify NUMBER CODE` with a wrong
    code exits 8 (refused) naming it, with the right one the number is the user's."""
    provider = Provider()
    s = start_sms("--sms.provider_url", provider.url(), "--sms.verify_from", VERIFY_FROM)
    cfg = tempfile.mkdtemp(prefix="iris-cli-sms-")
    number = "+15557770013"
    try:
        iris(cfg, "login", "--server", "mqtt://127.0.0.1:%d" % s.port, "--http", "http://127.0.0.1:%d" % s.http_port,
             "--user", "13", "--token", s.token("13", "cli"), "--device", "cli")
        r = iris(cfg, "sms", "verify", number)
        assert "a code is on its way to " + number in r.stdout, r.stdout
        code = code_sent_to(provider, number)
        wrong = "000000" if code != "000000" else "111111"
        r = iris(cfg, "sms", "verify", number, wrong, check=False)
        assert r.returncode == 8 and "wrong code" in r.stderr, (r.returncode, r.stdout, r.stderr)
        r = iris(cfg, "--json", "sms", "verify", number, code)
        assert json.loads(r.stdout) == {"number": number, "verified": True}, r.stdout
        assert webhook(s, sms("SM700", "to the cli user", to=number))[0] == 200
        assert texts(s, 13) == [["to the cli user"]], texts(s, 13)
        s.stop()
    finally:
        provider.close()
        s.cleanup()
        shutil.rmtree(cfg, ignore_errors=True)
