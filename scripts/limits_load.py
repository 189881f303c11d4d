#!/usr/bin/env python3
"""Issue 20's two load checks against a running lifepath-server, printing what they measure.

  memory       a user filled to the storage quota, then three concurrent exports of it: the
               server's resident memory (VmRSS, sampled every 10 ms) must rise by < 64 MB.
  connections  N idle connections opened and held (default 20,000, from two processes), then
               /healthz on new connections must answer in < 50 ms (median of 20; the max is
               printed too); the sockets the server holds are counted (at its cap it closes
               the oldest idle ones); then SIGTERM with the idle connections and one half-sent
               request open must end the process within the shutdown timeout (+1 s).

Usage: limits_load.py memory BASE PID
       limits_load.py connections BASE PID N SHUTDOWN_SECS
Standard library only.
"""
import asyncio
import http.client
import json
import os
import signal
import statistics
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def request(base, method, path, body=None, token=None):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def memory(base, pid):
    email = f"quota-{uuid.uuid4().hex[:8]}@example.com"
    st, data = request(base, "POST", "/api/v1/users", {"email": email, "password": "a long load password"})
    assert st == 201, (st, data)
    token = json.loads(data)["access_token"]
    draft = {"notes": "x" * (250 * 1024)}

    def create(_):
        return request(base, "POST", "/api/v1/budgets/sessions", {"draft": draft}, token)

    start = time.time()
    created = 0
    refused = None
    with ThreadPoolExecutor(4) as pool:
        while refused is None:
            for st, data in pool.map(create, range(16)):
                if st == 201:
                    created += 1
                elif st == 413:
                    refused = json.loads(data)
                else:
                    raise AssertionError((st, data[:300]))
    assert refused["code"] == "quota_exceeded", refused
    st, me = request(base, "GET", "/api/v1/users/me", token=token)
    storage = json.loads(me)["storage"]
    print(f"memory: {created} sessions of 250 KiB stored in {time.time() - start:.1f} s; "
          f"usage {storage['used_bytes'] / 1e6:.1f} MB of {storage['quota_bytes'] / 1e6:.0f} MB "
          f"(the next write: 413 quota_exceeded)")
    assert storage["used_bytes"] > 0.95 * storage["quota_bytes"], storage

    # A pull page stays under 4 MiB.
    st, page = request(base, "GET", "/api/v1/sync/pull?limit=1000", token=token)
    body = json.loads(page)
    print(f"memory: one pull page of limit=1000: {len(page) / 2**20:.2f} MiB, "
          f"{len(body['changes'])} changes, has_more={body['has_more']}")
    assert len(page) <= 4 * 2**20 and body["has_more"] is True

    base_rss = rss_mb(pid)
    peak = [base_rss]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.01)

    def export(_):
        u = urllib.parse.urlparse(base)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        c.request("GET", "/api/v1/users/me/export", headers={"authorization": f"Bearer {token}"})
        r = c.getresponse()
        assert r.status == 200, r.status
        total = 0
        tail = b""
        while True:
            chunk = r.read(1 << 16)
            if not chunk:
                break
            total += len(chunk)
            tail = (tail + chunk)[-16:]
        c.close()
        assert tail.endswith(b"]}"), tail
        return total

    t = threading.Thread(target=sample)
    t.start()
    start = time.time()
    with ThreadPoolExecutor(3) as pool:
        sizes = list(pool.map(export, range(3)))
    done.set()
    t.join()
    rise = peak[0] - base_rss
    print(f"memory: 3 concurrent exports of {sizes[0] / 1e6:.1f} MB each in {time.time() - start:.1f} s; "
          f"server RSS {base_rss:.1f} MB before, {peak[0]:.1f} MB at peak: +{rise:.1f} MB (budget < 64 MB)")
    assert rise < 64, f"resident memory rose by {rise:.1f} MB"


def hold(host, port, n, conn, stop):
    """A child process: opens n idle connections, reports how many, holds them until stop."""
    async def run():
        held = []
        for i in range(0, n, 500):
            batch = await asyncio.gather(
                *[asyncio.open_connection(host, port) for _ in range(min(500, n - i))],
                return_exceptions=True)
            held.extend(b for b in batch if not isinstance(b, BaseException))
        conn.send(len(held))
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
    asyncio.run(run())


def server_sockets(pid):
    n = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


async def connections(base, pid, n, shutdown_secs):
    import multiprocessing as mp
    u = urllib.parse.urlparse(base)
    host, port = u.hostname, u.port
    # Two holder processes, so no one process needs more than half the file limit.
    stop = mp.Event()
    kids = []
    start = time.time()
    for half in (n // 2, n - n // 2):
        parent, child = mp.Pipe()
        p = mp.Process(target=hold, args=(host, port, half, child, stop))
        p.start()
        kids.append((p, parent))
    opened = sum(parent.recv() for _, parent in kids)
    held_by_server = server_sockets(pid)
    print(f"connections: {opened} idle connections opened in {time.time() - start:.1f} s; the "
          f"server holds {held_by_server} sockets (its cap closes the oldest idle ones beyond "
          f"it); server RSS {rss_mb(pid):.0f} MB")
    assert opened >= 0.99 * n, opened

    async def healthz():
        t = time.perf_counter()
        r, w = await asyncio.open_connection(host, port)
        w.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        await w.drain()
        data = await asyncio.wait_for(r.read(), 10)
        w.close()
        assert data.startswith(b"HTTP/1.1 200"), data[:100]
        return (time.perf_counter() - t) * 1000

    times = [await healthz() for _ in range(20)]
    med = statistics.median(times)
    print(f"connections: /healthz after {opened} idle connections: median {med:.1f} ms, "
          f"max {max(times):.1f} ms (budget < 50 ms)")
    assert med < 50, times

    # SIGTERM with the idle connections and a half-sent request in flight.
    r, w = await asyncio.open_connection(host, port)
    w.write(b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"content-length: 100\r\n\r\n{")
    await w.drain()
    await asyncio.sleep(0.2)
    t = time.time()
    os.kill(pid, signal.SIGTERM)
    while time.time() - t < shutdown_secs + 10:
        try:
            with open(f"/proc/{pid}/status") as f:
                if "State:\tZ" in f.read():
                    break
        except FileNotFoundError:
            break
        await asyncio.sleep(0.05)
    took = time.time() - t
    print(f"connections: SIGTERM with slow clients open: the server ended after {took:.1f} s "
          f"(shutdown timeout {shutdown_secs} s)")
    stop.set()
    for p, _ in kids:
        p.join(30)
    assert took < shutdown_secs + 1, took


def main():
    mode = sys.argv[1]
    if mode == "memory":
        memory(sys.argv[2], int(sys.argv[3]))
    elif mode == "connections":
        asyncio.run(connections(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
