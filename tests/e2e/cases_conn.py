"""End-to-end cases of connection handling (issue 23, part "conn"): sessions keyed by (user,
client id), the pre-CONNACK packet limit, the pre-auth connection budget (total and per source
address), the connect deadline, keep-alive and the partial-packet read deadline, and the memory
a flood of unauthenticated sockets can pin. Raw sockets where a test needs exact bytes or
timing; loopback addresses 127.0.0.x stand for distinct sources.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import os
import socket
import struct
import time

from irisd_e2e import (TIMEOUT, Irisd, Raw, assert_closed_by_server, mosquitto_pub, mqtt_str,
                       varint, wait_until)


def connect_v5(client_id, user, password, clean=True, expiry=0, keep_alive=60):
    """A 5.0 CONNECT with a user name, password, clean start flag and session expiry."""
    flags = 0x80 | 0x40 | (0x02 if clean else 0)
    props = b""
    if expiry:
        props = b"\x11" + struct.pack("!I", expiry)  # Session Expiry Interval
    body = mqtt_str("MQTT") + bytes([5, flags]) + struct.pack("!H", keep_alive)
    body += varint(len(props)) + props
    body += mqtt_str(client_id) + mqtt_str(user) + mqtt_str(password)
    return b"\x10" + varint(len(body)) + body


def connack(raw, packet):
    """Sends a CONNECT; returns (session present, reason code, properties bytes)."""
    raw.send(packet)
    p = raw.read_packet()
    assert p is not None, "closed instead of CONNACK"
    first, body = p
    assert first == 0x20, "expected CONNACK, got %#x" % first
    return bool(body[0] & 1), body[1], body[2:]


def subscribe(raw, topic, qos=1, packet_id=1):
    body = struct.pack("!H", packet_id) + b"\x00" + mqtt_str(topic) + bytes([qos])
    raw.send(b"\x82" + varint(len(body)) + body)
    first, ack = raw.read_packet()
    assert first == 0x90 and ack[-1] == qos, (hex(first), ack)


def publishes(raw, timeout):
    """Every PUBLISH (topic, payload) that arrives within `timeout` s; PUBACKs them (QoS 1)."""
    out = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return out
        try:
            p = raw.read_packet(timeout=left)
        except socket.timeout:
            return out
        assert p is not None, "closed by the server"
        first, body = p
        if first >> 4 != 3:
            continue
        n = struct.unpack("!H", body[:2])[0]
        topic = body[2:2 + n].decode()
        rest = body[2 + n:]
        qos = (first >> 1) & 3
        if qos:
            packet_id = rest[:2]
            rest = rest[2:]
            raw.send(b"\x40\x02" + packet_id)
        props_len = rest[0]  # short property lists only: one byte of varint
        out.append((topic, rest[1 + props_len:]))


def ping(raw):
    """PINGREQ -> PINGRESP on a live connection (other packets before it are skipped)."""
    raw.send(b"\xc0\x00")
    while True:
        p = raw.read_packet()
        assert p is not None, "closed by the server"
        if p[0] == 0xD0:
            return


# ---------------------------------------------------------------- sessions: (user, client id)

def case_conn_same_device_name_under_two_users_is_two_devices():
    """User 3 connecting as device `phone` with clean session off gets neither user 1's
    `phone` session nor its queued or live messages, and the two never take each other over.
    One shard, so both land on the same broker (the old key collided there)."""
    s = Irisd("--net.threads", "1")
    try:
        one = Raw(s.port)
        present, rc, _ = connack(one, connect_v5("phone", "1", s.token("1", "phone"), clean=False,
                                                 expiry=600))
        assert rc == 0 and not present
        subscribe(one, "u/1/#")
        one.send(b"\xe0\x00")  # DISCONNECT: the session stays, offline
        assert_closed_by_server(one)
        mosquitto_pub(s.port, "-V", "mqttv5", "-i", "laptop", "-u", "1", "-P", s.token("1", "laptop"),
                      "-q", "1", "-t", "u/1/inbox", "-m", "queued for 1")

        three = Raw(s.port)
        present, rc, _ = connack(three, connect_v5("phone", "3", s.token("3", "phone"), clean=False,
                                                   expiry=600))
        assert rc == 0
        assert not present, "user 3 was given user 1's session"
        assert publishes(three, 1.0) == [], "user 3 received user 1's queued message"

        one = Raw(s.port)
        present, rc, _ = connack(one, connect_v5("phone", "1", s.token("1", "phone"), clean=False,
                                                 expiry=600))
        assert rc == 0 and present, "user 1's session is gone"
        assert publishes(one, 2.0) == [("u/1/inbox", b"queued for 1")]

        mosquitto_pub(s.port, "-V", "mqttv5", "-i", "laptop", "-u", "1", "-P", s.token("1", "laptop"),
                      "-q", "1", "-t", "u/1/inbox", "-m", "live for 1")
        assert publishes(one, 2.0) == [("u/1/inbox", b"live for 1")]
        assert publishes(three, 0.5) == [], "user 3 received user 1's live message"
        # Both are still connected: neither took the other over.
        ping(one)
        ping(three)
        assert "taken over" not in s.log_text()
        one.close()
        three.close()
        s.stop()
    finally:
        s.cleanup()
