#!/usr/bin/python3
"""Failover time of a cell (scripts/bench cluster, step `failover`): a cell of three irisd on
ZooKeeper and the MariaDB pair (started as the e2e cases start them: tests/e2e/cases_fence.py),
devices of users owned by one server connected to that server; the server is killed with
SIGKILL; each device then reconnects through the surviving servers (round robin, every 50 ms)
until a send to its note-to-self thread is answered, i.e. it is served by its user's new owner.
failover_s is the time from the kill to the last device served. The killed server is started
again (same name) before the next round; servers are killed in turn.

    failover.py IRISD_BINARY [--rounds 5] [--devices 10]

Prints one line per step on stderr (`# cluster: ...`) and, per round, `round N failover_s X`;
then `BENCH cluster.failover_s <median>` on stdout.
"""
import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "e2e"))

import irisd_e2e  # noqa: E402


def note(text):
    print("# cluster: " + text, file=sys.stderr, flush=True)


def serve_once(mqtt, port, user, device, token, thread, n, timeout=1.0):
    """One attempt: connect through `port`, send message n to `thread`; True once answered.
    The client's network loop runs here (no background thread, so no automatic reconnect
    that could take over the next attempt's session), in steps of 10 ms."""
    got = []
    c = mqtt.Client(client_id=device, protocol=mqtt.MQTTv311)
    c.username_pw_set(str(user), token)
    c.on_connect = lambda c_, u_, f_, rc: got.append(("connack", rc))
    c.on_subscribe = lambda c_, u_, mid, granted: got.append(("suback", granted))
    c.on_message = lambda c_, u_, m: got.append(("msg", m))
    c.on_disconnect = lambda c_, u_, rc: got.append(("gone", rc))
    # A connection closed before its CONNACK (a relay to the dead owner) is no disconnect to
    # paho: the socket's close says so.
    c.on_socket_close = lambda c_, u_, sock: got.append(("gone", None))
    deadline = time.monotonic() + timeout

    def wait(kind):
        while time.monotonic() < deadline:
            while got:
                k, v = got.pop(0)
                if k == "gone":
                    return None
                if k == kind:
                    return v
            if c.loop(timeout=0.01) != mqtt.MQTT_ERR_SUCCESS and not got:
                return None
        return None
    try:
        c.connect("127.0.0.1", port, keepalive=30)
    except OSError:
        return False
    try:
        if wait("connack") != 0:
            return False
        c.subscribe("u/%d/responses" % user, 1)
        if wait("suback") is None:
            return False
        c.publish("u/%d/sync" % user, json.dumps({"send_request": {
            "client_id": "%032x" % (user * 1_000_000 + n), "thread": thread, "body": "m%d" % n}}).encode(), 1)
        while True:
            m = wait("msg")
            if m is None:
                return False
            body = json.loads(m.payload)
            if "send_result" in body:
                return True
            if "error" in body:
                return False
    finally:
        c.disconnect()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("irisd")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--devices", type=int, default=10)
    args = ap.parse_args()
    irisd_e2e.IRISD = os.path.abspath(args.irisd)
    from cases_cell import member, owner, servers_in
    from cases_fence import Cell, NAMES
    mqtt = irisd_e2e.paho()
    tokens = 2048
    flags = ["--cluster.tokens", str(tokens), "--cluster.session_timeout_ms", "4000"]
    note("starting ZooKeeper, the MariaDB pair and irisd a, b, c (%d tokens, 4 s sessions)" % tokens)
    cell = Cell(*flags)
    results = []
    try:
        for r in range(args.rounds):
            victim = NAMES[r % len(NAMES)]
            survivors = [n for n in NAMES if n != victim]
            users, u = [], 1 + r * 100_000
            while len(users) < args.devices:
                if owner(u, NAMES, tokens) == victim:
                    users.append(u)
                u += 1
            v = cell.servers[victim]
            threads = {}
            for user in users:  # each user's note-to-self thread, created on its owner
                dev = irisd_e2e.SyncDevice(v, str(user), "setup")
                dev.request({"create_thread_request": {"client_id": "%032x" % user, "name": "self", "participants": []}})
                threads[user] = dev.next("/responses")["send_result"]["thread"]
                dev.close()
            devices = {user: irisd_e2e.PahoClient(v, str(user), "phone") for user in users}
            tok = {user: v.token(str(user), "phone") for user in users}
            note("round %d: %d devices of users owned by %s connected to it; kill -9 %s (pid %d)"
                 % (r + 1, len(users), victim, victim, v.proc.pid))
            t0 = time.monotonic()
            os.kill(v.proc.pid, signal.SIGKILL)
            v.proc.wait()
            done = {}

            def device(user):
                n, i = 1, 0
                while time.monotonic() - t0 < 30:
                    port = cell.servers[survivors[i % 2]].port
                    i += 1
                    if serve_once(mqtt, port, user, "phone", tok[user], threads[user], n + r * 1000):
                        done[user] = time.monotonic() - t0
                        return
                    n += 1
                    time.sleep(0.05)
            workers = [threading.Thread(target=device, args=(user,)) for user in users]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            for d in devices.values():
                try:
                    d.c.loop_stop()
                except Exception:
                    pass
            if len(done) != len(users):
                raise SystemExit("round %d: %d of %d devices never served again" % (r + 1, len(users) - len(done), len(users)))
            took = max(done.values())
            evicted = any("evicting it now" in cell.servers[s].log_text() for s in survivors)
            note("round %d: first device served after %.2f s, last after %.2f s; %s" % (
                r + 1, min(done.values()), took,
                "a survivor evicted %s on a refused relay" % victim if evicted else "no eviction: session expiry"))
            results.append(took)
            print("round %d failover_s %.3f" % (r + 1, took), file=sys.stderr)
            # Back to three: the victim starts again under its name (a new session).
            cell.servers[victim].cleanup()
            cell.servers[victim] = member(cell.zk, victim, *cell.flags)
            irisd_e2e.wait_until(lambda: all(servers_in(s) == 3 for s in cell.servers.values()), timeout=20,
                                 what="the cell to be three again")
            note("round %d: %s restarted; the cell has three servers again" % (r + 1, victim))
    finally:
        cell.close()
    print("BENCH cluster.failover_s %.3f" % statistics.median(results))


if __name__ == "__main__":
    main()
