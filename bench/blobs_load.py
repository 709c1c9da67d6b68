#!/usr/bin/python3
"""bench/blobs_load.py: upload and download throughput of irisd's blob endpoints.

    blobs_load.py PORT TOKEN [FILES] [FILE_BYTES] [CONNECTIONS]

Uploads FILES (100) distinct random files of FILE_BYTES (1 MiB) each with POST /v1/blobs,
spread over CONNECTIONS (4) keep-alive HTTP/1.1 connections (Python's http.client, one thread
each), then downloads every one of them back with GET /v1/blobs/{id} the same way and checks
the bytes. Prints `upload_mb_per_s X` and `download_mb_per_s Y`: bytes / wall time of each
phase, in MB (10^6 bytes) per second. The file contents are generated before the clock starts.
"""
import hashlib
import http.client
import os
import sys
import threading
import time


def run(port, token, jobs, work):
    errors = []

    def worker(items):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for item in items:
                work(conn, item)
        except Exception as e:  # reported after the clock stops
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(j,)) for j in jobs]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise errors[0]
    return elapsed


def main():
    port, token = int(sys.argv[1]), sys.argv[2]
    files = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    size = int(sys.argv[4]) if len(sys.argv) > 4 else 1 << 20
    conns = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    blobs = [os.urandom(size) for _ in range(files)]
    ids = [hashlib.sha256(b).hexdigest() for b in blobs]
    auth = {"Authorization": "Bearer " + token}
    jobs = [list(range(i, files, conns)) for i in range(conns)]

    def put(conn, i):
        conn.request("POST", "/v1/blobs", body=blobs[i],
                     headers=dict(auth, **{"Content-Type": "application/octet-stream"}))
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200 and ids[i].encode() in body, (r.status, body)

    def get(conn, i):
        conn.request("GET", "/v1/blobs/" + ids[i], headers=auth)
        r = conn.getresponse()
        body = r.read()
        assert r.status == 200 and len(body) == size and body == blobs[i], r.status

    up = run(port, token, jobs, put)
    down = run(port, token, jobs, get)
    total = files * size / 1e6
    print("upload_mb_per_s %.1f" % (total / up))
    print("download_mb_per_s %.1f" % (total / down))


if __name__ == "__main__":
    main()
