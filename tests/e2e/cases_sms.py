"""End-to-end cases of SMS in and out (issue 22, docs/PROTOCOL.md "SMS"): the provider's
webhook (Twilio's form and X-Twilio-Signature, HMAC-SHA1 over the URL and the sorted fields)
delivers an SMS into a thread with the external number, once per MessageSid; a user's reply
is POSTed to sms.provider_url (form-encoded To, From, Body, basic auth) once per the
provider's 2xx, retried after 503, and sent after a kill -9 that left it pending.

The provider stand-in is a small Python HTTP server on loopback that records the requests
and can answer 503 to the first N. Run through irisd_e2e.py.
"""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

from cases_http import call
from cases_mail import threads_of
from irisd_e2e import TIMEOUT, Irisd, cid, wait_until

TOKEN = "sms-shared-secret-for-tests"
USER_NUMBER = "+15557650007"   # user 7's verified number
CAROL = "+15551230001"         # an outside phone


class Provider:
    """The SMS provider's Messages endpoint: records each POST (form, Authorization); answers
    503 to the first `fail` requests, then 201."""

    def __init__(self, fail=0):
        self.posts = []
        self.requests = 0
        self.fail = fail
        provider = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(min(n, 65536)).decode()
                provider.requests += 1
                if provider.requests <= provider.fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                provider.posts.append((dict(urllib.parse.parse_qsl(body, keep_blank_values=True)),
                                       self.headers.get("Authorization"), self.path))
                out = json.dumps({"sid": "SM%d" % len(provider.posts), "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return "http://127.0.0.1:%d/2010-04-01/Accounts/AC1/Messages.json" % self.port

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def start(*flags):
    d = tempfile.mkdtemp(prefix="iris-sms-")
    token_file = os.path.join(d, "token")
    with open(token_file, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(token_file, 0o600)
    return Irisd("--sms.listen", "127.0.0.1:0", "--sms.auth_token_file", token_file,
                 "--sms.numbers", "7=" + USER_NUMBER, *flags)


def sign(url, fields, token=TOKEN):
    data = url + "".join(k + v for k, v in sorted(fields.items()))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def webhook(s, fields, signature=None):
    """POSTs the provider's webhook request; (status, body)."""
    port = int(s.ports["sms"])
    url = "http://127.0.0.1:%d/v1/sms/inbound" % port
    body = urllib.parse.urlencode(fields)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        c.request("POST", "/v1/sms/inbound", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature if signature is not None else sign(url, fields)})
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def sms(sid, text, frm=CAROL, to=USER_NUMBER):
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC1", "From": frm, "To": to, "Body": text,
            "NumMedia": "0"}


def send_as(s, user, thread, n, text):
    body = json.dumps({"send_request": {"client_id": cid(n), "thread": thread, "body": text}})
    st, _, data = call(s, "POST", "/v1/requests", s.token(str(user), "web"), body=body,
                       content_type="application/json")
    assert st == 200, (st, data)


def texts(s, user):
    return [[m["text"] for m in t["latest_messages"]] for t in threads_of(s, user)]


def restart_after_kill9(s):
    """kill -9 by PID, then the same command on the same data dir."""
    os.kill(s.proc.pid, signal.SIGKILL)
    s.proc.wait()
    os.remove(s.ports_file)
    s.proc = subprocess.Popen(s.proc.args, stdout=s.log, stderr=subprocess.STDOUT)
    wait_until(lambda: os.path.exists(s.ports_file) or s.proc.poll() is not None, what="irisd to restart")
    assert s.proc.poll() is None, s.log_text()[-3000:]
    s.ports = dict(line.strip().split("=", 1) for line in open(s.ports_file) if "=" in line)
    s.http_port = int(s.ports["http"])


def case_sms_in_lands_once_even_when_the_provider_retries_the_webhook():
    """An SMS from an unknown number lands once in a thread of user 7 with the number (in 7's
    requests folder), even when the provider sends the same MessageSid three times; a second
    SMS from the number lands in the same thread."""
    s = start()
    try:
        for _ in range(3):
            st, body = webhook(s, sms("SM100", "hello from carol"))
            assert st == 200 and "<Response>" in body, (st, body)
        assert texts(s, 7) == [["hello from carol"]], texts(s, 7)
        (t,) = threads_of(s, 7)
        assert t.get("folder", "inbox") == "requests", t
        assert t["name"] == CAROL and int(t["latest_messages"][0]["sender"]) >= 2 ** 63, t
        assert webhook(s, sms("SM101", "second"))[0] == 200
        assert texts(s, 7) == [["hello from carol", "second"]], texts(s, 7)
        # A number assigned to nobody: 404, nothing stored.
        assert webhook(s, sms("SM102", "lost", to="+15559990000"))[0] == 404
        s.stop()
    finally:
        s.cleanup()


def case_sms_in_with_a_bad_signature_is_refused_403_and_stores_nothing():
    """A wrong, missing or other-token signature, or a field changed after signing: 403 and
    no thread; an oversized body is 413; the signed original is then accepted."""
    s = start("--sms.max_request_bytes", "1024")
    try:
        fields = sms("SM200", "let me in")
        port = int(s.ports["sms"])
        url = "http://127.0.0.1:%d/v1/sms/inbound" % port
        assert webhook(s, fields, signature="")[0] == 403
        assert webhook(s, fields, signature=sign(url, fields, token="wrong"))[0] == 403
        tampered = dict(fields, Body="changed")
        assert webhook(s, tampered, signature=sign(url, fields))[0] == 403
        big = sms("SM201", "x" * 2000)
        assert webhook(s, big)[0] == 413
        assert threads_of(s, 7) == []
        assert webhook(s, fields)[0] == 200
        assert texts(s, 7) == [["let me in"]]
        s.stop()
        assert "2 bad signatures" not in s.log_text() and "3 bad signatures" in s.log_text(), s.log_text()[-1500:]
    finally:
        s.cleanup()


def case_sms_out_reply_is_posted_once_after_a_provider_failure():
    """7 answers carol's SMS over the HTTP API: the provider answers 503 first, then the reply
    is POSTed once (To carol, From 7's number, the text, basic auth); carol's own SMS is never
    sent back out."""
    provider = Provider(fail=1)
    pw = tempfile.NamedTemporaryFile("w", delete=False)
    pw.write("provider-pw\n")
    pw.close()
    s = start("--sms.provider_url", provider.url(), "--sms.provider_user", "AC1",
              "--sms.provider_password_file", pw.name, "--sms.out_min_backoff_ms", "200")
    try:
        assert webhook(s, sms("SM300", "are you there?"))[0] == 200
        (t,) = threads_of(s, 7)
        send_as(s, 7, t["thread"], 1, "yes, here")
        wait_until(lambda: len(provider.posts) == 1, what="the reply at the provider after its 503")
        time.sleep(1.0)
        assert len(provider.posts) == 1 and provider.requests == 2, (provider.posts, provider.requests)
        form, auth, path = provider.posts[0]
        assert form == {"To": CAROL, "From": USER_NUMBER, "Body": "yes, here"}, form
        assert auth == "Basic " + base64.b64encode(b"AC1:provider-pw").decode(), auth
        assert path == "/2010-04-01/Accounts/AC1/Messages.json", path
        s.stop()
        assert "SMS out stopped: 1 sent, 1 temporary failures, 0 given up" in s.log_text(), s.log_text()[-2000:]
    finally:
        provider.close()
        os.unlink(pw.name)
        s.cleanup()


def case_sms_out_pending_at_kill_nine_is_sent_once_after_restart():
    """The provider is down (503) when 7 replies; irisd is killed with -9 with the SMS
    pending; after the restart (provider back) it is POSTed exactly once."""
    provider = Provider(fail=10 ** 6)
    s = start("--sms.provider_url", provider.url(), "--sms.out_min_backoff_ms", "100",
              "--sms.out_max_backoff_ms", "200")
    try:
        assert webhook(s, sms("SM400", "ping"))[0] == 200
        (t,) = threads_of(s, 7)
        send_as(s, 7, t["thread"], 1, "pong after a crash")
        wait_until(lambda: provider.requests >= 2, what="the provider refusing the reply")
        restart_after_kill9(s)
        provider.fail = 0
        wait_until(lambda: len(provider.posts) == 1, what="the pending SMS after the restart")
        time.sleep(1.0)
        assert len(provider.posts) == 1, provider.posts
        assert provider.posts[0][0]["Body"] == "pong after a crash", provider.posts
        # The webhook serves again after the restart, and the MessageSid still dedups.
        assert webhook(s, sms("SM400", "ping"))[0] == 200
        assert texts(s, 7) == [["ping", "pong after a crash"]], texts(s, 7)
        s.stop()
    finally:
        provider.close()
        s.cleanup()
