#!/usr/bin/python3
"""End-to-end tests: start the real irisd (port 0, a temporary data dir, a ports file), drive
it with real MQTT clients (mosquitto_pub/sub, paho-mqtt, MQTT.js over TCP and WebSocket) and a
few hand-encoded packets where a test needs exact bytes, then stop it by PID with SIGTERM.

    irisd_e2e.py IRISD_BINARY CASE      (CASE: one of the case_* functions, without the prefix,
                                         here or in a sibling cases_*.py module)

Every wait is bounded (no fixed sleeps where a condition can be awaited). Exit 0 = pass,
77 = skipped (with the reason printed), anything else = failure.
"""
import os
import queue
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
TIMEOUT = 10.0

IRISD = None
HERE = os.path.dirname(os.path.abspath(__file__))


class Skip(Exception):
    pass


def wait_until(pred, timeout=TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise AssertionError("timed out waiting for " + what)


class Irisd:
    """One irisd process with its own data dir; ports read from --ports_file."""

    def __init__(self, *flags, tls=None):
        self.dir = tempfile.mkdtemp(prefix="irisd-e2e-")
        self.ports_file = os.path.join(self.dir, "ports")
        args = [IRISD, "--data_dir", os.path.join(self.dir, "data"), "--net.bind", "127.0.0.1",
                "--mqtt.port", "0", "--mqtt.ws_port", "0", "--http.port", "0",
                "--ports_file", self.ports_file, "--store.sync", "false"]
        if tls:
            args += ["--mqtt.tls_port", "0", "--http.tls_port", "0",
                     "--tls.cert_file", tls[0], "--tls.key_file", tls[1]]
        else:
            args += ["--mqtt.tls_port", "off", "--http.tls_port", "off"]
        args += list(flags)
        self.log = open(os.path.join(self.dir, "irisd.log"), "w+")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: os.path.exists(self.ports_file) or self.proc.poll() is not None,
                   what="irisd to write its ports file")
        if self.proc.poll() is not None:
            raise AssertionError("irisd exited at start:\n" + self.log_text())
        self.ports = dict(line.strip().split("=", 1)
                          for line in open(self.ports_file) if "=" in line)
        assert int(self.ports["pid"]) == self.proc.pid
        self.port = int(self.ports["mqtt"])
        # The HTTP API's port (None when a test turned it off).
        self.http_port = int(self.ports["http"]) if self.ports.get("http", "off") != "off" else None

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def token(self, user, device, ttl="1h"):
        out = subprocess.run([IRISD, "token", "--data_dir", os.path.join(self.dir, "data"),
                              "--user", user, "--device", device, "--ttl", ttl],
                             capture_output=True, text=True, timeout=TIMEOUT, check=True)
        return out.stdout.strip()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM by PID; a clean exit (0) is part of every test."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("irisd did not stop within %ss of SIGTERM" % TIMEOUT)
        if rc != 0:
            raise AssertionError("irisd exited with %d:\n%s" % (rc, self.log_text()))

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- mosquitto clients

class MosquittoSub:
    """mosquitto_sub in the background; -d makes it print when its SUBACK arrived."""

    def __init__(self, port, *args):
        # stdbuf: mosquitto_sub's stdout is block-buffered into a pipe otherwise.
        self.proc = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-d",
                                      "-v"] + list(args), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines = queue.Queue()
        self.all = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, pred, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("mosquitto_sub: no matching line; got:\n" + "\n".join(self.all))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.all.append(line)
            if pred(line):
                return line

    def wait_subscribed(self):
        return self.wait_line(lambda l: "received SUBACK" in l)

    def wait_message(self, text):
        return self.wait_line(lambda l: not l.startswith("Client ") and l == text)

    def kill(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def mosquitto_pub(port, *args, check=True):
    r = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port)] + list(args),
                       capture_output=True, text=True, timeout=TIMEOUT)
    if check and r.returncode != 0:
        raise AssertionError("mosquitto_pub failed (%d): %s%s" % (r.returncode, r.stdout, r.stderr))
    return r


# ---------------------------------------------------------------- raw MQTT, for exact bytes

def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_str(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def connect_packet(client_id, v5=True, user=None, password=None, keep_alive=60, will=None):
    flags = 0x02  # clean start
    payload = mqtt_str(client_id)
    if will:
        flags |= 0x04
        payload += (b"\x00" if v5 else b"") + mqtt_str(will[0]) + mqtt_str(will[1])
    if user is not None:
        flags |= 0x80
        payload += mqtt_str(user)
    if password is not None:
        flags |= 0x40
        payload += mqtt_str(password)
    body = mqtt_str("MQTT") + bytes([5 if v5 else 4, flags]) + struct.pack("!H", keep_alive)
    if v5:
        body += b"\x00"  # no properties
    body += payload
    return b"\x10" + varint(len(body)) + body


class Raw:
    """A TCP connection speaking hand-encoded MQTT."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def read_packet(self, timeout=TIMEOUT):
        """(first byte, body), or None when the server closed the connection."""
        self.sock.settimeout(timeout)
        while True:
            if len(self.buf) >= 2:
                n, mult, i = 0, 1, 1
                while i < len(self.buf):
                    b = self.buf[i]
                    n += (b & 0x7F) * mult
                    mult *= 128
                    i += 1
                    if not b & 0x80:
                        break
                else:
                    i = None
                if i is not None and len(self.buf) >= i + n:
                    pkt = (self.buf[0], self.buf[i:i + n])
                    self.buf = self.buf[i + n:]
                    return pkt
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def connack(self, *args, **kwargs):
        self.send(connect_packet(*args, **kwargs))
        first, body = self.read_packet()
        assert first == 0x20, "expected CONNACK, got %#x" % first
        return body[1]  # reason / return code

    def close(self):
        self.sock.close()


def assert_closed_by_server(raw, timeout=TIMEOUT):
    """Reads until the server closes; returns the packets it sent before closing."""
    packets = []
    while True:
        p = raw.read_packet(timeout)
        if p is None:
            return packets
        packets.append(p)


# ---------------------------------------------------------------- cases: mosquitto

def round_trip(version, qos):
    s = Irisd()
    try:
        sub = MosquittoSub(s.port, "-V", version, "-i", "phone", "-u", "42",
                           "-P", s.token("42", "phone"), "-q", str(qos), "-t", "u/42/#")
        sub.wait_subscribed()
        for i in range(3):
            mosquitto_pub(s.port, "-V", version, "-i", "laptop", "-u", "42",
                          "-P", s.token("42", "laptop"), "-q", str(qos), "-t", "u/42/inbox",
                          "-m", "hello %d" % i)
        for i in range(3):
            sub.wait_message("u/42/inbox hello %d" % i)
        sub.kill()
        s.stop()
    finally:
        s.cleanup()


def case_mosquitto_qos0_round_trip_v311(): round_trip("mqttv311", 0)
def case_mosquitto_qos1_round_trip_v311(): round_trip("mqttv311", 1)
def case_mosquitto_qos2_round_trip_v311(): round_trip("mqttv311", 2)
def case_mosquitto_qos0_round_trip_v5(): round_trip("mqttv5", 0)
def case_mosquitto_qos1_round_trip_v5(): round_trip("mqttv5", 1)
def case_mosquitto_qos2_round_trip_v5(): round_trip("mqttv5", 2)


def case_bad_token_is_refused():
    s = Irisd()
    try:
        for version in ("mqttv311", "mqttv5"):
            good = s.token("42", "phone")
            forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
            for password in ("not-a-token", forged, s.token("43", "phone")):
                r = mosquitto_pub(s.port, "-V", version, "-i", "phone", "-u", "42",
                                  "-P", password, "-t", "u/42/x", "-m", "x", check=False)
                assert r.returncode != 0, "a bad token was accepted"
                text = (r.stdout + r.stderr).lower()
                assert "not authorised" in text or "not authorized" in text or \
                    "bad user name or password" in text, text
        # The token is bound to its device: another client id is refused.
        r = mosquitto_pub(s.port, "-i", "tablet", "-u", "42", "-P", s.token("42", "phone"),
                          "-t", "u/42/x", "-m", "x", check=False)
        assert r.returncode != 0
        # An expired token is refused (ttl of 1 s).
        expired = s.token("42", "phone", ttl="1s")
        time.sleep(2.1)  # the token's own clock: no event to wait for
        r = mosquitto_pub(s.port, "-i", "phone", "-u", "42", "-P", expired, "-t", "u/42/x",
                          "-m", "x", check=False)
        assert r.returncode != 0
        s.stop()
    finally:
        s.cleanup()


def case_unauthorized_subscribe_gets_suback_failure():
    s = Irisd()
    try:
        for version in ("mqttv311", "mqttv5"):
            r = subprocess.run(["mosquitto_sub", "-p", str(s.port), "-h", "127.0.0.1",
                                "-V", version, "-i", "phone", "-u", "42",
                                "-P", s.token("42", "phone"), "-t", "u/43/#", "-W", "3"],
                               capture_output=True, text=True, timeout=TIMEOUT)
            assert "denied" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
        # The exact SUBACK codes: 3.1.1 0x80, 5.0 0x87 (not authorized).
        for v5, code in ((False, 0x80), (True, 0x87)):
            raw = Raw(s.port)
            assert raw.connack("phone", v5, "42", s.token("42", "phone")) == 0
            body = struct.pack("!H", 1) + (b"\x00" if v5 else b"") + mqtt_str("u/43/#") + b"\x01"
            raw.send(b"\x82" + varint(len(body)) + body)
            first, ack = raw.read_packet()
            assert first == 0x90 and ack[-1] == code, (hex(first), ack)
            raw.close()
        s.stop()
    finally:
        s.cleanup()


def case_unauthorized_publish_gets_puback_0x87():
    s = Irisd()
    try:
        raw = Raw(s.port)
        assert raw.connack("phone", True, "42", s.token("42", "phone")) == 0
        body = mqtt_str("u/43/inbox") + struct.pack("!H", 9) + b"\x00" + b"hi"
        raw.send(b"\x32" + varint(len(body)) + body)  # PUBLISH QoS 1
        first, ack = raw.read_packet()
        assert first == 0x40 and ack[:3] == b"\x00\x09\x87", (hex(first), ack)
        raw.close()
        s.stop()
    finally:
        s.cleanup()


def case_anonymous_refused_by_default():
    s = Irisd()
    try:
        for version in ("mqttv311", "mqttv5"):
            r = mosquitto_pub(s.port, "-V", version, "-t", "public/news", "-m", "x", check=False)
            assert r.returncode != 0
            text = (r.stdout + r.stderr).lower()
            assert "not authori" in text, text
        s.stop()
    finally:
        s.cleanup()


def case_anonymous_allowed_in_public_space_with_allow_anonymous():
    s = Irisd("--mqtt.allow_anonymous", "true")
    try:
        sub = MosquittoSub(s.port, "-t", "public/#", "-q", "1")
        sub.wait_subscribed()
        mosquitto_pub(s.port, "-t", "public/news", "-m", "open to all", "-q", "1")
        sub.wait_message("public/news open to all")
        sub.kill()
        # Still no way into a user's space.
        raw = Raw(s.port)
        assert raw.connack("anon", True) == 0
        body = struct.pack("!H", 1) + b"\x00" + mqtt_str("u/42/#") + b"\x01"
        raw.send(b"\x82" + varint(len(body)) + body)
        first, ack = raw.read_packet()
        assert first == 0x90 and ack[-1] == 0x87, ack
        raw.close()
        s.stop()
    finally:
        s.cleanup()


def case_will_is_published_on_abrupt_close():
    s = Irisd()
    try:
        watcher = MosquittoSub(s.port, "-i", "watcher", "-u", "42",
                               "-P", s.token("42", "watcher"), "-t", "u/42/status")
        watcher.wait_subscribed()
        dying = MosquittoSub(s.port, "-i", "phone", "-u", "42", "-P", s.token("42", "phone"),
                             "-t", "u/42/none", "--will-topic", "u/42/status",
                             "--will-payload", "phone gone")
        dying.wait_subscribed()
        dying.kill(signal.SIGKILL)  # no DISCONNECT: the socket just closes
        watcher.wait_message("u/42/status phone gone")
        watcher.kill()
        s.stop()
    finally:
        s.cleanup()


def case_keep_alive_expiry_closes_a_silent_client():
    s = Irisd()
    try:
        raw = Raw(s.port)
        assert raw.connack("phone", True, "42", s.token("42", "phone"), keep_alive=1) == 0
        start = time.monotonic()
        packets = assert_closed_by_server(raw, timeout=8)
        took = time.monotonic() - start
        # 1.5 x keep-alive, checked by a 1 s tick: 1.5-2.5 s; the upper bound leaves room for
        # a loaded machine.
        assert 1.0 <= took <= 6.0, "closed after %.1fs (keep-alive 1s)" % took
        # 5.0: DISCONNECT 0x8D keep alive timeout.
        assert packets and packets[-1][0] == 0xE0 and packets[-1][1][0] == 0x8D, packets
        s.stop()
    finally:
        s.cleanup()


def case_session_takeover_closes_the_older_connection():
    s = Irisd()
    try:
        old = Raw(s.port)
        assert old.connack("phone", True, "42", s.token("42", "phone")) == 0
        mosquitto_pub(s.port, "-V", "mqttv5", "-i", "phone", "-u", "42",
                      "-P", s.token("42", "phone"), "-t", "u/42/x", "-m", "new")
        packets = assert_closed_by_server(old)
        # DISCONNECT 0x8E session taken over (MQTT 5.0 §3.1.4).
        assert packets and packets[-1][0] == 0xE0 and packets[-1][1][0] == 0x8E, packets
        s.stop()
    finally:
        s.cleanup()


def case_malformed_packet_closes_only_that_connection():
    s = Irisd()
    try:
        sub = MosquittoSub(s.port, "-i", "phone", "-u", "42", "-P", s.token("42", "phone"),
                           "-t", "u/42/#")
        sub.wait_subscribed()
        for v5 in (True, False):
            bad = Raw(s.port)
            assert bad.connack("laptop", v5, "42", s.token("42", "laptop")) == 0
            bad.send(b"\x36\x02\x00\x01")  # PUBLISH with QoS 3: malformed
            packets = assert_closed_by_server(bad)
            if v5:
                assert packets and packets[-1][0] == 0xE0 and packets[-1][1][0] == 0x81, packets
            else:
                assert not packets, packets  # 3.1.1 has no DISCONNECT from the server
        # Garbage instead of CONNECT.
        junk = Raw(s.port)
        junk.send(b"GET / HTTP/1.1\r\n\r\n")
        assert_closed_by_server(junk)
        # The others are still served.
        mosquitto_pub(s.port, "-i", "tablet", "-u", "42", "-P", s.token("42", "tablet"),
                      "-t", "u/42/after", "-m", "still here")
        sub.wait_message("u/42/after still here")
        sub.kill()
        assert s.alive()
        s.stop()
        assert "malformed" in s.log_text().lower()
    finally:
        s.cleanup()


def case_oversize_packet_is_refused():
    s = Irisd("--mqtt.max_packet_size", "1024")
    try:
        raw = Raw(s.port)
        assert raw.connack("phone", True, "42", s.token("42", "phone")) == 0
        body = mqtt_str("u/42/x") + b"\x00" + b"x" * 2000
        raw.send(b"\x30" + varint(len(body)))  # only the header: refused before the body
        packets = assert_closed_by_server(raw)
        assert packets and packets[-1][0] == 0xE0 and packets[-1][1][0] == 0x95, packets
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- cases: paho-mqtt

def paho():
    try:
        import paho.mqtt.client as mqtt
    except ImportError:
        raise Skip("python3-paho-mqtt is not installed (scripts/setup-deps installs it)")
    return mqtt


class PahoClient:
    def __init__(self, s, user, device, v5=False, port=None, tls_ca=None, websocket=False):
        mqtt = paho()
        self.mqtt = mqtt
        self.messages = queue.Queue()
        self.acks = queue.Queue()
        self.c = mqtt.Client(client_id=device,
                             protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
                             transport="websockets" if websocket else "tcp")
        if websocket:
            self.c.ws_set_options(path="/mqtt")
        if user:
            self.c.username_pw_set(user, s.token(user, device))
        if tls_ca:
            self.c.tls_set(ca_certs=tls_ca)
        self.c.on_message = lambda c, u, m: self.messages.put(m)
        self.c.on_subscribe = lambda c, u, mid, granted, *rest: self.acks.put(granted)
        self.c.connect("127.0.0.1", port or s.port, keepalive=30)
        self.c.loop_start()

    def subscribe(self, topic, qos):
        self.c.subscribe(topic, qos)
        return self.acks.get(timeout=TIMEOUT)

    def publish(self, topic, payload, qos, retain=False):
        info = self.c.publish(topic, payload, qos, retain)
        info.wait_for_publish(timeout=TIMEOUT)
        assert info.is_published(), "not acknowledged"

    def message(self):
        try:
            return self.messages.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError("paho: no message")

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def case_paho_round_trips_and_retained():
    # Retained messages live in the public space (anonymous clients): RETAIN on Iris's own
    # u/ and t/ topics is refused (issue 23, tests/e2e/cases_broker.py).
    s = Irisd("--mqtt.allow_anonymous", "true")
    try:
        for v5 in (False, True):
            pub = PahoClient(s, "42", "laptop", v5)
            anon_pub = PahoClient(s, None, "anon-pub", v5)
            anon_pub.publish("public/profile", b"retained one", 1, retain=True)
            anon_sub = PahoClient(s, None, "anon-sub", v5)
            anon_sub.subscribe("public/#", 2)
            m = anon_sub.message()
            assert m.topic == "public/profile" and m.payload == b"retained one" and m.retain
            sub = PahoClient(s, "42", "phone", v5)
            sub.subscribe("u/42/#", 2)
            for qos in (0, 1, 2):
                pub.publish("u/42/inbox", b"q%d" % qos, qos)
                m = sub.message()
                assert (m.topic, m.payload, m.qos, m.retain) == \
                    ("u/42/inbox", b"q%d" % qos, qos, False), (m.topic, m.payload, m.qos)
            anon_pub.publish("public/profile", b"", 1, retain=True)  # clears the retained message
            anon_sub.message()
            for c in (pub, sub, anon_pub, anon_sub):
                c.close()
        s.stop()
    finally:
        s.cleanup()


def case_messages_cross_shards():
    """Four shards, many client ids: every subscriber gets every message, wherever its client
    id lands, and a retained message is seen on every shard."""
    s = Irisd("--net.threads", "4", "--mqtt.allow_anonymous", "true")
    try:
        subs = [PahoClient(s, "42", "dev-%d" % i, v5=(i % 2 == 0)) for i in range(8)]
        for c in subs:
            c.subscribe("u/42/#", 1)
        pubs = [PahoClient(s, "42", "pub-%d" % i) for i in range(4)]
        for i, p in enumerate(pubs):
            p.publish("u/42/from", b"pub-%d" % i, 1)
        for c in subs:
            got = sorted(c.message().payload for _ in pubs)
            assert got == sorted(b"pub-%d" % i for i in range(4)), got
        # Retained messages are for the public space (issue 23: not on u/ or t/).
        anon = PahoClient(s, None, "anon-pub")
        anon.publish("public/pinned", b"everywhere", 1, retain=True)
        late = [PahoClient(s, None, "late-%d" % i) for i in range(6)]
        for c in late:
            c.subscribe("public/pinned", 1)
            m = c.message()
            assert m.payload == b"everywhere" and m.retain
        for c in subs + pubs + late + [anon]:
            c.close()
        s.stop()
    finally:
        s.cleanup()


def case_paho_over_websocket():
    s = Irisd()
    try:
        ws_port = int(s.ports["ws"])
        for v5 in (False, True):
            sub = PahoClient(s, "42", "ws-sub", v5, port=ws_port, websocket=True)
            sub.subscribe("u/42/ws", 1)
            # A TCP publisher reaches a WebSocket subscriber, whichever shards they are on.
            pub = PahoClient(s, "42", "tcp-pub", v5)
            pub.publish("u/42/ws", b"over websocket", 1)
            m = sub.message()
            assert m.payload == b"over websocket" and m.qos == 1
            sub.close()
            pub.close()
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- cases: MQTT.js

def mqttjs_dir():
    """Installs the mqtt npm package once per build dir; skips when npm cannot."""
    base = os.environ.get("IRIS_E2E_NODE_DIR") or os.path.join(tempfile.gettempdir(), "iris-e2e-node")
    if os.path.exists(os.path.join(base, "node_modules", "mqtt", "package.json")):
        return base
    if not shutil.which("node") or not shutil.which("npm"):
        raise Skip("node/npm not found (scripts/setup-deps installs nodejs and npm)")
    os.makedirs(base, exist_ok=True)
    try:
        # Bounded well inside the test's CTest timeout, so an unreachable registry skips.
        r = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund",
                            "--fetch-timeout=20000", "--fetch-retries=1", "--prefix", base,
                            "mqtt@5"], capture_output=True, text=True, timeout=80)
    except subprocess.TimeoutExpired:
        raise Skip("npm install mqtt took over 80 s (registry unreachable?)")
    if r.returncode != 0:
        raise Skip("npm install mqtt failed (registry unreachable?): " + r.stderr[-500:])
    return base


def run_mqttjs(url, s, extra_env=None):
    base = mqttjs_dir()
    env = dict(os.environ, NODE_PATH=os.path.join(base, "node_modules"), IRIS_URL=url,
               IRIS_TOKEN_SUB=s.token("42", "js-sub"), IRIS_TOKEN_PUB=s.token("42", "js-pub"))
    env.update(extra_env or {})
    r = subprocess.run(["node", os.path.join(HERE, "mqttjs_round_trip.js")], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, "MQTT.js failed:\n" + r.stdout + r.stderr
    assert "ok" in r.stdout, r.stdout


def case_mqttjs_over_tcp():
    s = Irisd()
    try:
        run_mqttjs("mqtt://127.0.0.1:%d" % s.port, s)
        s.stop()
    finally:
        s.cleanup()


def case_mqttjs_over_websocket():
    s = Irisd()
    try:
        run_mqttjs("ws://127.0.0.1:%s/mqtt" % s.ports["ws"], s)
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- cases: TLS

def self_signed(dir):
    cert, key = os.path.join(dir, "cert.pem"), os.path.join(dir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   capture_output=True, check=True, timeout=60)
    return cert, key


def case_tls_round_trip():
    certs = tempfile.mkdtemp(prefix="irisd-e2e-tls-")
    cert, key = self_signed(certs)
    s = Irisd(tls=(cert, key))
    try:
        tls_port = int(s.ports["mqtts"])
        assert "mqtts=127.0.0.1:%d" % tls_port in s.log_text()
        sub = MosquittoSub(tls_port, "--cafile", cert, "-i", "phone", "-u", "42",
                           "-P", s.token("42", "phone"), "-t", "u/42/#", "-q", "1")
        sub.wait_subscribed()
        mosquitto_pub(tls_port, "--cafile", cert, "-i", "laptop", "-u", "42",
                      "-P", s.token("42", "laptop"), "-t", "u/42/tls", "-m", "secret", "-q", "1")
        sub.wait_message("u/42/tls secret")
        # TLS and plain TCP share the brokers.
        mosquitto_pub(s.port, "-i", "laptop", "-u", "42", "-P", s.token("42", "laptop"),
                      "-t", "u/42/tcp", "-m", "plain")
        sub.wait_message("u/42/tcp plain")
        sub.kill()
        p = PahoClient(s, "42", "paho-tls", v5=True, port=tls_port, tls_ca=cert)
        p.subscribe("u/42/p", 1)
        p.publish("u/42/p", b"paho over tls", 1)
        assert p.message().payload == b"paho over tls"
        p.close()
        # A plain client on the TLS port is closed, and the server keeps going.
        raw = Raw(tls_port)
        raw.send(connect_packet("x", True, "42", "y"))
        assert_closed_by_server(raw)
        assert s.alive()
        s.stop()
    finally:
        s.cleanup()
        shutil.rmtree(certs, ignore_errors=True)


def tls_connect_once(s, port, ctx, session=None):
    """MQTT CONNECT over TLS with Python's ssl (OpenSSL underneath) and its context `ctx`;
    returns whether the handshake resumed `session`, and the session to resume next time."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        with ctx.wrap_socket(sock, server_hostname="127.0.0.1", session=session) as tls:
            tls.sendall(connect_packet("resume-probe", True, "42", s.token("42", "resume-probe")))
            connack = tls.recv(64)  # reading also takes in the ticket sent after the handshake
            assert connack[:1] == b"\x20" and connack[3:4] == b"\x00", connack
            return tls.session_reused, tls.session


def case_tls_session_resumes_on_reconnect_and_not_when_disabled():
    # Python's ssl closes without a close_notify, as a phone's cut connection does: a cached
    # session (the default) must survive that, and a stateless ticket needs nothing.
    certs = tempfile.mkdtemp(prefix="irisd-e2e-tls-")
    cert, key = self_signed(certs)
    try:
        for lifetime, cache, resumes in (("24h", "100000", True), ("24h", "0", True),
                                         ("0", "100000", False)):
            s = Irisd("--tls.session_lifetime", lifetime, "--tls.session_cache", cache,
                      tls=(cert, key))
            import ssl
            ctx = ssl.create_default_context(cafile=cert)  # sessions belong to one context
            ctx.minimum_version = ssl.TLSVersion.TLSv1_3
            try:
                port = int(s.ports["mqtts"])
                reused, session = tls_connect_once(s, port, ctx)
                assert not reused, "a first connection has nothing to resume"
                if resumes:
                    assert session is not None and session.has_ticket, "no ticket issued"
                    reused, session = tls_connect_once(s, port, ctx, session)
                    assert reused, "the reconnect did a full handshake"
                    # The HTTPS listener seals tickets with the same key: one session serves
                    # a device's MQTT and HTTPS connections.
                    with socket.create_connection(("127.0.0.1", int(s.ports["https"])),
                                                  timeout=TIMEOUT) as sock:
                        with ctx.wrap_socket(sock, server_hostname="127.0.0.1",
                                             session=session) as tls:
                            tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: iris\r\n\r\n")
                            assert tls.recv(64).startswith(b"HTTP/1.1 200"), "healthz"
                            assert tls.session_reused, "HTTPS did not resume the MQTT session"
                else:
                    assert session is None or not session.has_ticket, "resumption is off: no ticket"
                    reused, _ = tls_connect_once(s, port, ctx, session)
                    assert not reused
                s.stop()
            finally:
                s.cleanup()
    finally:
        shutil.rmtree(certs, ignore_errors=True)


def case_tls_needs_both_files():
    s = Irisd("--mqtt.tls_port", "0", "--tls.cert_file", "/nonexistent.pem")
    try:
        assert s.ports["mqtts"] == "off"
        assert "TLS listener disabled" in s.log_text()
        s.stop()
    finally:
        s.cleanup()


# --- the sync service over MQTT (docs/PROTOCOL.md "Sync over MQTT"), JSON payloads ---

class SyncDevice(PahoClient):
    """A device speaking the sync protocol: requests on u/<user>/sync, deltas on
    u/<user>/deltas, results on u/<user>/responses."""

    def __init__(self, s, user, device):
        super().__init__(s, user, device)
        self.user = user
        self.subscribe("u/%s/deltas" % user, 1)
        self.subscribe("u/%s/responses" % user, 1)
        self.seq = 0
        self.epoch = "0"
        self.updates = []

    def request(self, body):
        import json
        self.publish("u/%s/sync" % self.user, json.dumps(body).encode(), 1)

    def next(self, topic_suffix):
        import json
        while True:
            m = self.message()
            if m.topic.endswith(topic_suffix):
                return json.loads(m.payload)
            self.apply(json.loads(m.payload))

    def apply(self, msg):
        """Applies a delta batch as a device must: only if it starts right after its seq."""
        if "delta_batch" in msg:
            b = msg["delta_batch"]
            assert int(b["first_seq"]) == self.seq + 1, ("gap or duplicate", b["first_seq"], self.seq)
            self.updates += b["updates"]
            self.seq = int(b["last_seq"])
            self.epoch = b["epoch"]
        return msg

    def resume(self):
        self.request({"resume_request": {"epoch": self.epoch, "last_seq": str(self.seq), "max_updates": 0}})

    def texts(self):
        return [u["body"]["message_created"]["text"] for u in self.updates
                if "message_created" in u["body"]]

    def drain_until(self, pred):
        import json
        deadline = time.monotonic() + TIMEOUT
        while not pred():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out; updates so far: %r" % self.updates)
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            msg = self.apply(json.loads(m.payload))
            if "resync" in msg:  # a new device: take the queue's epoch and start from 0
                self.epoch = msg["resync"]["epoch"]
                self.seq = 0
                self.resume()


def cid(n):
    return "%032x" % n


def case_sync_send_reaches_every_device_of_both_users_once():
    s = Irisd("--net.threads", "2")
    try:
        ann = SyncDevice(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "lunch",
                                               "participants": ["2"]}})
        created = ann.next("/responses")
        thread = created["send_result"]["thread"]
        bobs = [SyncDevice(s, "2", "bob-phone"), SyncDevice(s, "2", "bob-laptop")]
        for b in bobs:
            b.resume()
            b.drain_until(lambda b=b: b.seq >= 1)
        send = {"send_request": {"client_id": cid(2), "thread": thread, "body": "hello"}}
        ann.request(send)
        first = ann.next("/responses")["send_result"]
        for b in bobs:
            b.drain_until(lambda b=b: "hello" in b.texts())
        ann.request(send)  # a retry with the same client id
        again = ann.next("/responses")["send_result"]
        assert again["seq"] == first["seq"] and again["message"] == first["message"], (first, again)
        ann.request({"send_request": {"client_id": cid(3), "thread": thread, "body": "after"}})
        ann.next("/responses")
        for b in bobs:
            b.drain_until(lambda b=b: "after" in b.texts())
            assert b.texts().count("hello") == 1, b.texts()
        ann.drain_until(lambda: "after" in ann.texts())
        assert ann.texts() == ["hello", "after"], ann.texts()
        for c in [ann] + bobs:
            c.close()
        s.stop()
    finally:
        s.cleanup()


def case_sync_outsider_send_is_refused_with_a_reason():
    s = Irisd()
    try:
        ann = SyncDevice(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        eve = SyncDevice(s, "3", "eve-phone")
        eve.resume()
        eve.request({"send_request": {"client_id": cid(9), "thread": thread, "body": "let me in"}})
        err = eve.next("/responses")["error"]
        assert err["code"] == "unknown_thread" and err["text"], err
        eve.request({"send_request": {"client_id": cid(10), "thread": thread, "body": "x" * 20000}})
        assert eve.next("/responses")["error"]["code"] == "too_large"
        eve.request({"no_such_message": {}})
        assert eve.next("/responses")["error"]["code"] == "bad_encoding"
        assert s.alive()
        for c in (ann, eve):
            c.close()
        s.stop()
    finally:
        s.cleanup()


def case_sync_offline_device_catches_up_folded_after_restart():
    """1,000 sends while a device is offline, irisd restarted in between: the device resumes
    from its seq and gets the whole range, without a gap, in batches of folded updates."""
    # All 1,000 sends at once from one device: over the default rate limits (issue 23),
    # which this case is not about.
    s = Irisd("--sync.rate.conn_sends_burst", "1000", "--sync.rate.sends_burst", "1000")
    try:
        ann = SyncDevice(s, "1", "ann-phone")
        ann.resume()
        ann.request({"create_thread_request": {"client_id": cid(1), "name": "t", "participants": ["2"]}})
        thread = ann.next("/responses")["send_result"]["thread"]
        bob = SyncDevice(s, "2", "bob-phone")
        bob.resume()
        bob.drain_until(lambda: bob.seq >= 1)
        bob.close()
        import json
        # All 1,000 in flight at once (paho's window), then wait for every PUBACK: the sends
        # are acknowledged, so durable, before irisd is stopped.
        infos = [ann.c.publish("u/1/sync", json.dumps({"send_request": {
            "client_id": cid(100 + i), "thread": thread, "body": "m%d" % i}}).encode(), 1)
                 for i in range(1000)]
        for info in infos:
            info.wait_for_publish(timeout=TIMEOUT)
            assert info.is_published()
        ann.close()
        data = os.path.join(s.dir, "data")
        s.stop()
        # The same data dir, a new process: acknowledged sends are on disk.
        s2 = Irisd("--data_dir", data)
        s2.token = s.token  # the same data dir, so the same secret
        try:
            bob2 = SyncDevice(s2, "2", "bob-phone")
            bob2.epoch, bob2.seq = bob.epoch, bob.seq
            bob2.resume()
            bob2.drain_until(lambda: bob2.seq >= 1001)
            assert bob2.texts() == ["m%d" % i for i in range(1000)], len(bob2.texts())
            bob2.close()
            s2.stop()
        finally:
            s2.cleanup()
    finally:
        s.cleanup()


def main():
    global IRISD
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    IRISD = os.path.abspath(sys.argv[1])
    # Cases live here and in the sibling cases_*.py modules, which import this file's helpers
    # as the module `irisd_e2e` (a second instance next to __main__): both need the binary.
    import importlib
    import irisd_e2e
    irisd_e2e.IRISD = IRISD
    modules = [sys.modules[__name__]] + [
        importlib.import_module(f[:-3]) for f in sorted(os.listdir(HERE))
        if f.startswith("cases_") and f.endswith(".py")]
    case = next((getattr(m, "case_" + sys.argv[2]) for m in modules
                 if hasattr(m, "case_" + sys.argv[2])), None)
    if case is None:
        print("no such case: " + sys.argv[2])
        return 2
    try:
        case()
    # The cases_*.py modules raise the Skip of the module `irisd_e2e`, not this __main__'s.
    except (Skip, irisd_e2e.Skip) as e:
        print("SKIPPED: " + str(e))
        return SKIP
    print("passed: " + sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
