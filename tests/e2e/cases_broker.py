"""End-to-end cases of the MQTT broker's conformance and bounds (issue 23) with real clients
(mosquitto_pub/sub, Paho, MQTT.js, raw sockets) against a real irisd:
 - a first-level wildcard (`#`, `+/+`, `+/C`) is accepted and never shows u/, t/ or $ traffic;
 - a Will passes the checks a PUBLISH would, at CONNECT (0x87 under 5.0, 0x05 under 3.1.1);
 - retained messages are bounded (0x97 / dropped and logged) and refused on u/ and t/;
 - shared subscriptions give each message to one member; SharedSubscriptionAvailable is set;
 - Topic Alias Maximum and the refused-filter list come from the config;
 - what generic clients already had keeps working: server-assigned topic aliases, one PUBLISH
   with every matching Subscription Identifier, Will Delay, DISCONNECT 0x93.

Run through irisd_e2e.py (it finds the case_* functions here); each case starts its own irisd.
"""
import json
import os
import struct
import subprocess
import time

from irisd_e2e import (HERE, TIMEOUT, Irisd, MosquittoSub, PahoClient, Raw, mqttjs_dir,
                       mosquitto_pub, mqtt_str, varint)


# ---------------------------------------------------------------- raw packets

def props(*pairs):
    """MQTT 5.0 properties: (id, bytes already encoded) pairs, with their length in front."""
    body = b"".join(bytes([i]) + v for i, v in pairs)
    return varint(len(body)) + body


def connect(client_id, v5=True, user=None, password=None, will=None, will_qos=0,
            will_retain=False, connect_props=(), will_props=(), clean=True):
    flags = 0x02 if clean else 0x00
    payload = mqtt_str(client_id)
    if will:
        flags |= 0x04 | (will_qos << 3) | (0x20 if will_retain else 0)
        payload += (props(*will_props) if v5 else b"") + mqtt_str(will[0]) + mqtt_str(will[1])
    if user is not None:
        flags |= 0x80
        payload += mqtt_str(user)
    if password is not None:
        flags |= 0x40
        payload += mqtt_str(password)
    body = mqtt_str("MQTT") + bytes([5 if v5 else 4, flags]) + struct.pack("!H", 60)
    if v5:
        body += props(*connect_props)
    body += payload
    return b"\x10" + varint(len(body)) + body


def publish(topic, payload, qos=0, packet_id=1, retain=False, v5=True, publish_props=()):
    body = mqtt_str(topic) + (struct.pack("!H", packet_id) if qos else b"")
    if v5:
        body += props(*publish_props)
    body += payload
    return bytes([0x30 | (qos << 1) | (1 if retain else 0)]) + varint(len(body)) + body


def subscribe(filters, packet_id=1, v5=True, sub_id=None):
    """filters: [(filter, options byte)]."""
    body = struct.pack("!H", packet_id)
    if v5:
        body += props((0x0B, varint(sub_id))) if sub_id else b"\x00"
    for f, o in filters:
        body += mqtt_str(f) + bytes([o])
    return b"\x82" + varint(len(body)) + body


def read_props(body):
    """Parses a property block at the start of body: ({id: [values as bytes]}, rest)."""
    n, mult, i = 0, 1, 0
    while True:
        b = body[i]
        n += (b & 0x7F) * mult
        mult *= 128
        i += 1
        if not b & 0x80:
            break
    block, rest = body[i:i + n], body[i + n:]
    out, j = {}, 0
    sizes = {0x01: 1, 0x02: 4, 0x11: 4, 0x13: 2, 0x21: 2, 0x22: 2, 0x23: 2, 0x24: 1, 0x25: 1,
             0x27: 4, 0x28: 1, 0x29: 1, 0x2A: 1}
    while j < len(block):
        pid = block[j]
        j += 1
        if pid == 0x0B:  # variable byte integer
            k = j
            while block[k] & 0x80:
                k += 1
            out.setdefault(pid, []).append(block[j:k + 1])
            j = k + 1
        elif pid in sizes:
            out.setdefault(pid, []).append(block[j:j + sizes[pid]])
            j += sizes[pid]
        elif pid == 0x26:  # user property: two strings
            a = struct.unpack("!H", block[j:j + 2])[0]
            b2 = struct.unpack("!H", block[j + 2 + a:j + 4 + a])[0]
            out.setdefault(pid, []).append(block[j:j + 4 + a + b2])
            j += 4 + a + b2
        else:  # strings and binary data
            ln = struct.unpack("!H", block[j:j + 2])[0]
            out.setdefault(pid, []).append(block[j + 2:j + 2 + ln])
            j += 2 + ln
    return out, rest


def connack(raw, packet):
    """(reason code, CONNACK properties) of a CONNECT sent on raw."""
    raw.send(packet)
    first, body = raw.read_packet()
    assert first == 0x20, "expected CONNACK, got %#x" % first
    p = read_props(body[2:])[0] if len(body) > 2 else {}
    return body[1], p


def read_publish(raw, v5=True):
    """(topic, payload, properties) of the next packet, which must be a PUBLISH."""
    first, body = raw.read_packet()
    assert first >> 4 == 3, "expected PUBLISH, got %#x" % first
    ln = struct.unpack("!H", body[:2])[0]
    topic, rest = body[2:2 + ln].decode(), body[2 + ln:]
    if (first >> 1) & 3:
        rest = rest[2:]
    p, rest = read_props(rest) if v5 else ({}, rest)
    return topic, rest, p


def expect(raw, first_byte):
    first, body = raw.read_packet()
    assert first == first_byte, "expected %#x, got %#x %r" % (first_byte, first, body)
    return body


def marker_after(port, sub, topic="zz/marker"):
    """Publishes a public marker and waits for it on the mosquitto_sub: whatever the broker was
    going to deliver before it has been delivered."""
    mosquitto_pub(port, "-t", topic, "-m", "end", "-q", "1")
    sub.wait_message(topic + " end")


# ---------------------------------------------------------------- wildcards

def case_broker_hash_subscriber_never_sees_iris_or_dollar_topics():
    from cases_sync import Device, create_thread
    s = Irisd("--mqtt.allow_anonymous", "true", "--net.threads", "2")
    try:
        anon = MosquittoSub(s.port, "-V", "mqttv311", "-i", "debug", "-t", "#", "-t", "+/+",
                            "-t", "+/C", "-q", "1")
        user3 = MosquittoSub(s.port, "-V", "mqttv5", "-i", "phone", "-u", "3",
                             "-P", s.token("3", "phone"), "-t", "#")
        for sub in (anon, user3):
            # mosquitto_sub -d: "Subscribed (mid: 1): 1, 1, 1", one granted QoS per filter.
            line = sub.wait_line(lambda l: l.startswith("Subscribed (mid"))
            codes = [int(x) for x in line.split(":")[-1].split(",")]
            assert all(c < 0x80 for c in codes), line
        # Iris traffic: a user's own topic, a thread's typing signal, deltas of a send.
        ann = Device(s, "1", "ann-phone", v5=True, resume=True)
        thread = create_thread(ann, [2])
        info = ann.c.publish("t/%s/typing" % thread, json.dumps(
            {"typing": {"thread": thread, "user": "1", "active": True}}), 1)
        info.wait_for_publish(timeout=TIMEOUT)
        mosquitto_pub(s.port, "-i", "laptop", "-u", "42", "-P", s.token("42", "laptop"),
                      "-t", "u/42/inbox", "-m", "private", "-q", "1")
        mosquitto_pub(s.port, "-V", "mqttv5", "-t", "$SYS/fake", "-m", "x", "-q", "1",
                      check=False)
        # Public traffic every one of the filters sees.
        mosquitto_pub(s.port, "-t", "news/C", "-m", "public", "-q", "1")
        for sub in (anon, user3):
            sub.wait_message("news/C public")
            marker_after(s.port, sub)
            seen = [l for l in sub.all if not l.startswith("Client ")]
            leaked = [l for l in seen if l.startswith(("u/", "t/", "$"))]
            assert not leaked, leaked
            assert seen.count("news/C public") == 1, "one delivery over overlapping filters: %r" % seen
        anon.kill()
        user3.kill()
        ann.close()
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- wills

def case_broker_will_on_a_topic_the_client_may_not_publish_is_refused_at_connect():
    s = Irisd("--net.threads", "2")
    try:
        token = s.token("3", "phone")
        refused = [("u/5/deltas", False), ("u/1/responses", False), ("t/77/typing", False),
                   ("$SYS/broker", False), ("u/3/status", True)]  # the last: RETAIN on u/
        for topic, retain in refused:
            for v5, code in ((True, 0x87), (False, 0x05)):
                raw = Raw(s.port)
                rc, _ = connack(raw, connect("phone", v5, "3", token, will=(topic, "garbage"),
                                             will_qos=1, will_retain=retain))
                assert rc == code, (topic, v5, hex(rc))
                assert raw.read_packet() is None, "the server closes after refusing"
                raw.close()
        # mosquitto_sub reports the refusal too.
        r = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(s.port), "-i", "phone",
                            "-u", "3", "-P", token, "-t", "u/3/x", "--will-topic", "u/5/deltas",
                            "--will-payload", "x", "-W", "3"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert "not authori" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
        # A Will on the user's own topic without RETAIN is still published.
        watcher = MosquittoSub(s.port, "-i", "watcher", "-u", "3", "-P", s.token("3", "watcher"),
                               "-t", "u/3/status")
        watcher.wait_subscribed()
        raw = Raw(s.port)
        rc, _ = connack(raw, connect("phone", True, "3", token, will=("u/3/status", "gone")))
        assert rc == 0
        raw.close()
        watcher.wait_message("u/3/status gone")
        watcher.kill()
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- retained

def case_broker_retained_messages_are_bounded_per_user_and_in_total():
    s = Irisd("--mqtt.allow_anonymous", "true", "--net.threads", "2",
              "--mqtt.max_retained_messages_per_user", "2", "--mqtt.max_retained_bytes", "4096")
    try:
        # 5.0: the third retained topic of one user is refused with PUBACK 0x97.
        raw = Raw(s.port)
        assert connack(raw, connect("pub5"))[0] == 0
        for i, want in ((1, 0x00), (2, 0x00), (3, 0x97)):
            raw.send(publish("keep/%d" % i, b"v%d" % i, qos=1, packet_id=i, retain=True))
            body = expect(raw, 0x40)
            assert (body[2] if len(body) > 2 else 0) == want, (i, body)
        # Replacing one is not refused.
        raw.send(publish("keep/1", b"v1 again", qos=1, packet_id=4, retain=True))
        body = expect(raw, 0x40)
        assert (body[2] if len(body) > 2 else 0) == 0, body
        raw.close()
        # 3.1.1 has no negative PUBACK: mosquitto_pub succeeds, the server logs the refusal.
        mosquitto_pub(s.port, "-V", "mqttv311", "-t", "keep/4", "-m", "v4", "-r", "-q", "1")
        # Late subscribers on either shard see exactly the two admitted messages.
        for i in range(4):
            sub = MosquittoSub(s.port, "-i", "late-%d" % i, "-t", "keep/#", "-q", "1")
            sub.wait_subscribed()
            sub.wait_message("keep/1 v1 again")
            sub.wait_message("keep/2 v2")
            marker_after(s.port, sub, "keep/marker-%d" % i)
            assert not [l for l in sub.all if l.startswith(("keep/3", "keep/4"))], sub.all
            sub.kill()
        wait_log = time.monotonic() + TIMEOUT
        while "mqtt.max_retained_messages_per_user reached" not in s.log_text():
            assert time.monotonic() < wait_log, s.log_text()
            time.sleep(0.05)
        s.stop()
    finally:
        s.cleanup()


def case_broker_retained_total_bytes_bound_refuses_with_0x97():
    s = Irisd("--mqtt.allow_anonymous", "true", "--mqtt.max_retained_bytes", "1000")
    try:
        raw = Raw(s.port)
        assert connack(raw, connect("pub"))[0] == 0
        raw.send(publish("big/a", b"x" * 600, qos=1, packet_id=1, retain=True))
        body = expect(raw, 0x40)
        assert (body[2] if len(body) > 2 else 0) == 0, body
        raw.send(publish("big/b", b"x" * 600, qos=2, packet_id=2, retain=True))
        body = expect(raw, 0x50)  # PUBREC
        assert body[2] == 0x97, body
        raw.close()
        s.stop()
    finally:
        s.cleanup()


def case_broker_retain_on_own_iris_topic_is_refused():
    s = Irisd()
    try:
        raw = Raw(s.port)
        assert connack(raw, connect("phone", True, "42", s.token("42", "phone")))[0] == 0
        raw.send(publish("u/42/profile", b"brick", qos=1, packet_id=7, retain=True))
        body = expect(raw, 0x40)
        assert body[:3] == b"\x00\x07\x87", body
        raw.close()
        # A later device of the user gets no retained message, only live ones.
        sub = MosquittoSub(s.port, "-i", "tablet", "-u", "42", "-P", s.token("42", "tablet"),
                           "-t", "u/42/#", "-q", "1")
        sub.wait_subscribed()
        mosquitto_pub(s.port, "-i", "laptop", "-u", "42", "-P", s.token("42", "laptop"),
                      "-t", "u/42/live", "-m", "now", "-q", "1")
        sub.wait_message("u/42/live now")
        assert not [l for l in sub.all if l.startswith("u/42/profile")], sub.all
        sub.kill()
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- shared subscriptions

def case_broker_shared_subscription_delivers_each_message_to_one_member():
    # One shard: the group's members are all on it (the cross-shard guarantee is one member
    # per shard with members: src/mqtt/README.md).
    s = Irisd("--mqtt.allow_anonymous", "true", "--net.threads", "1")
    try:
        raw = Raw(s.port)
        rc, p = connack(raw, connect("probe"))
        assert rc == 0 and p.get(0x2A, [b"\x01"])[0] == b"\x01", p  # 0x2A absent means 1 too
        raw.close()
        members = [PahoClient(s, None, "worker-%d" % i, v5=(i == 0)) for i in range(2)]
        for m in members:
            granted = m.subscribe("$share/workers/jobs/#", 1)
            assert "128" not in str(granted) and "158" not in str(granted), granted
        whole = MosquittoSub(s.port, "-i", "auditor", "-t", "jobs/#", "-q", "1")
        whole.wait_subscribed()
        for i in range(10):
            mosquitto_pub(s.port, "-t", "jobs/%d" % i, "-m", "job %d" % i, "-q", "1")
        for i in range(10):
            whole.wait_message("jobs/%d job %d" % (i, i))
        got = []
        deadline = time.monotonic() + TIMEOUT
        while len(got) < 10 and time.monotonic() < deadline:
            for m in members:
                while not m.messages.empty():
                    got.append((m.c._client_id, m.messages.get().payload))
            time.sleep(0.02)
        time.sleep(0.3)  # a duplicate would arrive right behind
        for m in members:
            while not m.messages.empty():
                got.append((m.c._client_id, m.messages.get().payload))
        payloads = sorted(p for _, p in got)
        assert payloads == sorted(b"job %d" % i for i in range(10)), got
        assert len({c for c, _ in got}) == 2, "both members take turns: %r" % got
        for m in members:
            m.close()
        whole.kill()
        s.stop()
    finally:
        s.cleanup()


def case_broker_shared_subscription_across_threads_delivers_each_message_once_per_group():
    """With two MQTT threads a group whose members sit on both still gets each message
    exactly once (MQTT 5.0 §4.8.2), whichever thread the publisher is on; its members take
    turns, and another group gets every message too."""
    s = Irisd("--mqtt.allow_anonymous", "true", "--net.threads", "2")
    try:
        # Anonymous clients are placed by client id: member-0, -2, -3 hash to one thread and
        # member-1, -4, -5 to the other (std::hash of the id, modulo 2); pub-0 and pub-1 too.
        members = [PahoClient(s, None, "member-%d" % i, v5=True) for i in range(6)]
        for m in members:
            m.subscribe("$share/g/spread/#", 1)
        other = PahoClient(s, None, "member-other", v5=True)
        other.subscribe("$share/h/spread/#", 1)
        count = 30
        for i in range(count):
            mosquitto_pub(s.port, "-i", "pub-%d" % (i % 2), "-t", "spread/%d" % i, "-m", "m%d" % i,
                          "-q", "1")
        marker = MosquittoSub(s.port, "-i", "marker", "-t", "spread/#", "-q", "1")
        marker.wait_subscribed()
        mosquitto_pub(s.port, "-t", "spread/end", "-m", "end", "-q", "1")
        marker.wait_message("spread/end end")
        time.sleep(0.5)  # late duplicates would arrive within this

        def drain(m):
            got = []
            while not m.messages.empty():
                got.append(m.messages.get().payload)
            return [p for p in got if p != b"end"]

        per_member = {m.c._client_id: drain(m) for m in members}
        for i in range(count):
            n = sum(got.count(b"m%d" % i) for got in per_member.values())
            assert n == 1, "message %d reached the group %d times: %r" % (i, n, per_member)
        for cid, got in per_member.items():
            assert got, "member %r never had a turn: %r" % (cid, per_member)
        assert sorted(drain(other)) == sorted(b"m%d" % i for i in range(count)), \
            "the other group misses messages"
        for m in members + [other]:
            m.close()
        marker.kill()
        s.stop()
    finally:
        s.cleanup()


def case_broker_shared_subscription_gets_no_retained_messages():
    s = Irisd("--mqtt.allow_anonymous", "true")
    try:
        mosquitto_pub(s.port, "-t", "jobs/old", "-m", "retained", "-r", "-q", "1")
        sub = MosquittoSub(s.port, "-V", "mqttv5", "-i", "worker", "-t", "$share/g/jobs/#",
                           "-q", "1")
        sub.wait_subscribed()
        mosquitto_pub(s.port, "-t", "jobs/new", "-m", "live", "-q", "1")
        sub.wait_message("jobs/new live")
        assert not [l for l in sub.all if "retained" in l], sub.all
        sub.kill()
        s.stop()
    finally:
        s.cleanup()


# ---------------------------------------------------------------- config: aliases, refused filters

def case_broker_topic_alias_maximum_is_configurable():
    for maximum in (3, 0):
        s = Irisd("--mqtt.allow_anonymous", "true", "--mqtt.topic_alias_maximum", str(maximum))
        try:
            raw = Raw(s.port)
            rc, p = connack(raw, connect("c"))
            assert rc == 0 and p.get(0x22, [b"\x00\x00"])[0] == struct.pack("!H", maximum), p
            raw.send(publish("a/b", b"x", publish_props=[(0x23, struct.pack("!H", 1))]))
            if maximum == 0:
                body = expect(raw, 0xE0)  # DISCONNECT
                assert body[0] == 0x94, body  # Topic Alias invalid
                assert raw.read_packet() is None
            else:
                # Set and then used: a PUBLISH with an empty topic and the alias reaches a
                # subscriber under its real name.
                sub = MosquittoSub(s.port, "-t", "a/b")
                sub.wait_subscribed()
                raw.send(publish("", b"via alias", publish_props=[(0x23, struct.pack("!H", 1))]))
                sub.wait_message("a/b via alias")
                sub.kill()
            raw.close()
            s.stop()
        finally:
            s.cleanup()


def case_broker_denied_filters_are_refused_with_their_reason_code():
    s = Irisd("--mqtt.allow_anonymous", "true",
              "--mqtt.deny_subscribe", "#:0x87,debug/#:0x97")
    try:
        for v5, codes in ((True, [0x87, 0x97, 0x97, 0x01]), (False, [0x80, 0x80, 0x80, 0x01])):
            raw = Raw(s.port)
            assert connack(raw, connect("c", v5))[0] == 0
            raw.send(subscribe([("#", 1), ("debug/#", 1), ("$share/g/debug/#", 1),
                                ("news/+", 1)], v5=v5))
            body = expect(raw, 0x90)
            assert list(body[-4:]) == codes, (v5, body)
            raw.close()
        r = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(s.port), "-t", "#",
                            "-W", "3"], capture_output=True, text=True, timeout=TIMEOUT)
        assert "denied" in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
        s.stop()
    finally:
        s.cleanup()


def case_broker_bad_deny_subscribe_config_stops_irisd_naming_the_key():
    try:
        Irisd("--mqtt.deny_subscribe", "#:0x00")
    except AssertionError as e:
        assert "mqtt.deny_subscribe" in str(e), e
    else:
        raise AssertionError("irisd accepted a success code as a refusal")


# ---------------------------------------------------------------- what generic clients had

def case_broker_server_assigns_topic_aliases_towards_a_client():
    s = Irisd("--mqtt.allow_anonymous", "true")
    try:
        raw = Raw(s.port)
        assert connack(raw, connect("sub", connect_props=[(0x22, struct.pack("!H", 5))]))[0] == 0
        raw.send(subscribe([("alias/#", 0)]))
        expect(raw, 0x90)
        for i in range(2):
            mosquitto_pub(s.port, "-t", "alias/long/topic/name", "-m", "m%d" % i)
        t1, pay1, p1 = read_publish(raw)
        t2, pay2, p2 = read_publish(raw)
        assert t1 == "alias/long/topic/name" and 0x23 in p1, (t1, p1)
        assert t2 == "" and p2[0x23] == p1[0x23] and pay2 == b"m1", (t2, p2, pay2)
        raw.close()
        s.stop()
    finally:
        s.cleanup()


def case_broker_one_publish_carries_every_matching_subscription_identifier():
    s = Irisd("--mqtt.allow_anonymous", "true")
    try:
        raw = Raw(s.port)
        assert connack(raw, connect("sub"))[0] == 0
        raw.send(subscribe([("ids/#", 0)], packet_id=1, sub_id=1))
        expect(raw, 0x90)
        raw.send(subscribe([("ids/+", 0)], packet_id=2, sub_id=2))
        expect(raw, 0x90)
        mosquitto_pub(s.port, "-t", "ids/x", "-m", "one")
        topic, payload, p = read_publish(raw)
        assert sorted(p[0x0B]) == [b"\x01", b"\x02"], p
        mosquitto_pub(s.port, "-t", "ids/y", "-m", "two")
        topic2, payload2, _ = read_publish(raw)
        assert (payload, payload2) == (b"one", b"two"), "one PUBLISH per message"
        raw.close()
        s.stop()
    finally:
        s.cleanup()


def case_broker_will_delay_waits_and_reconnection_cancels_it():
    s = Irisd("--mqtt.allow_anonymous", "true")
    try:
        sub = MosquittoSub(s.port, "-i", "watcher", "-t", "wills/#")
        sub.wait_subscribed()
        delay = [(0x18, struct.pack("!I", 2))]  # Will Delay Interval 2 s
        expiry = [(0x11, struct.pack("!I", 60))]  # a session to come back to
        raw = Raw(s.port)
        assert connack(raw, connect("dying", will=("wills/a", "late"), will_props=delay,
                                    connect_props=expiry))[0] == 0
        raw.close()
        closed = time.monotonic()
        sub.wait_message("wills/a late")
        waited = time.monotonic() - closed
        assert waited >= 1.5, "the will came after %.2f s" % waited
        # Reconnecting within the delay cancels it.
        raw = Raw(s.port)
        assert connack(raw, connect("dying2", will=("wills/b", "never"), will_props=delay,
                                    connect_props=expiry))[0] == 0
        raw.close()
        back = Raw(s.port)
        # Clean start off: the session goes on, so the pending will is cancelled, not sent.
        assert connack(back, connect("dying2", connect_props=expiry, clean=False))[0] == 0
        time.sleep(3.5)  # past the delay: nothing to wait for but time
        marker_after(s.port, sub, "wills/marker")
        assert "wills/b never" not in sub.all, sub.all
        back.close()
        sub.kill()
        s.stop()
    finally:
        s.cleanup()


def case_broker_receive_maximum_exceeded_disconnects_with_0x93():
    s = Irisd("--mqtt.allow_anonymous", "true", "--mqtt.receive_maximum", "2")
    try:
        raw = Raw(s.port)
        rc, p = connack(raw, connect("c"))
        assert rc == 0 and p[0x21][0] == struct.pack("!H", 2), p
        for i in (1, 2):
            raw.send(publish("q2/x", b"x", qos=2, packet_id=i))
            expect(raw, 0x50)  # PUBREC, no PUBREL sent
        raw.send(publish("q2/x", b"x", qos=2, packet_id=3))
        body = expect(raw, 0xE0)
        assert body[0] == 0x93, body
        assert raw.read_packet() is None
        raw.close()
        s.stop()
    finally:
        s.cleanup()


def case_broker_mqttjs_wildcards_and_shared_subscriptions():
    s = Irisd("--mqtt.allow_anonymous", "true", "--net.threads", "1")
    try:
        base = mqttjs_dir()
        env = dict(os.environ, NODE_PATH=os.path.join(base, "node_modules"),
                   IRIS_URL="mqtt://127.0.0.1:%d" % s.port, IRIS_TOKEN=s.token("42", "js-iris"))
        r = subprocess.run(["node", os.path.join(HERE, "mqttjs_broker.js")], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and "ok" in r.stdout, "MQTT.js failed:\n" + r.stdout + r.stderr
        s.stop()
    finally:
        s.cleanup()
