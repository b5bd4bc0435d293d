"""The control channel under crowding: what `status` costs beside idle and slow
clients, and whether a burst from many clients is answered in full.

Opens the real channel (background.control, a Unix socket in a temporary folder)
with a handler that answers at once, then measures:

- `status` round trips while 5 clients hold idle connections and one drips a byte
  every 1.5 s (before: the channel served one connection at a time, so these timed
  out after 3 s);
- a burst of 400 requests from 20 clients at once: answered, refused, wall time.

    .venv/bin/python scripts/bench_control.py [--clients 20] [--requests 20]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posturewatch.background import control  # noqa: E402
from scripts.machine import describe  # noqa: E402


def crowded_status(runtime: Path, rounds: int) -> list[float]:
    """Round-trip seconds of `status` while idle and dripping clients are connected."""
    address = str(control.socket_path(runtime))
    idle = []
    for _ in range(5):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(address)
        idle.append(sock)
    stop = threading.Event()

    def drip() -> None:
        while not stop.is_set():
            try:
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.connect(address)
                    for byte in b'{"cmd": "status"':
                        if stop.wait(1.5):
                            return
                        sock.sendall(bytes([byte]))
            except OSError:
                continue

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    times = []
    try:
        time.sleep(0.2)
        for _ in range(rounds):
            start = time.perf_counter()
            try:
                control.send_request(runtime, {"cmd": "status"}, transport="unix")
            except Exception:  # not answered in time: counted, not timed
                continue
            times.append(time.perf_counter() - start)
            time.sleep(0.05)
    finally:
        stop.set()
        for sock in idle:
            sock.close()
        dripper.join(3)
    return times


def burst(runtime: Path, clients: int, requests: int) -> tuple[int, int, float]:
    """(answered, failed, wall seconds) of clients x requests sent at once."""
    answered = [0] * clients
    failed = [0] * clients
    go = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        go.wait()
        for _ in range(requests):
            try:
                control.send_request(runtime, {"cmd": "ping"}, transport="unix")
                answered[i] += 1
            except Exception:
                failed[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    go.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return sum(answered), sum(failed), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if control.default_transport() != "unix":
        print("needs Unix sockets")
        return 1

    def handler(request: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "cmd": request.get("cmd")}

    with tempfile.TemporaryDirectory(prefix="pw-bench-control-") as folder:
        runtime = Path(folder) / "run"
        server = control.open_server(runtime, handler, "unix")
        try:
            times = crowded_status(runtime, args.rounds)
            answered, failed, wall = burst(runtime, args.clients, args.requests)
        finally:
            server.close()
    print(f"machine: {describe()}")
    timing = (
        f", median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.1f} ms"
        if times
        else ""
    )
    print(
        f"status beside 5 idle clients and 1 dripping: {len(times)} of {args.rounds} "
        f"answered{timing}"
    )
    total = args.clients * args.requests
    print(
        f"burst of {total} requests from {args.clients} clients: {answered} answered, "
        f"{failed} failed, {wall:.2f} s ({answered / wall:.0f} requests a second)"
    )
    return 0 if answered == total and len(times) == args.rounds else 1


if __name__ == "__main__":
    raise SystemExit(main())
