"""Load and faults for `chipcontrol serve`: POST /v1/check under many clients, then a crash mid-load.

    python benchmarks/bench_service.py [--clients 200] [--seconds 60] [--kill-after 5]

1. Load: starts `chipcontrol serve` (with a decision log) on a free loopback port, drives POST /v1/check with
   --clients concurrent keep-alive clients for --seconds, and reports requests/s, p50/p99 latency, errors, and
   the server's RSS before and after.
2. Crash: drives the server again, SIGKILLs it --kill-after seconds in, restarts it on the same log, answers a
   few more orders, and checks the log: it reads without a torn line breaking it, and every decision whose answer
   a client received (its X-Decision-Id) is in it.

Bounded: loopback only, at most 1,000 clients and 600 s. The clients are a few lines of asyncio over raw HTTP/1.1
(an HTTP library would spend more CPU than the server on this 2-core machine). Figures are for the machine it
runs on, with `uptime`'s load average printed beside each; the tests run a short version and assert no times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ORDER = {"item": "A800", "buyer": "ByteDance", "destination": "CN", "date": "2023-11-20"}
HOST = "127.0.0.1"
MAX_CLIENTS, MAX_SECONDS = 1000, 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def load_average() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Server:
    """`chipcontrol serve` in a child process on a loopback port."""

    def __init__(self, port: int, decision_log: Path, extra: tuple[str, ...] = ()):
        self.port, self.decision_log = port, decision_log
        cmd = [sys.executable, "-m", "chipcontrol.cli", "serve", "--host", HOST, "--port", str(port),
               "--decision-log", str(decision_log), *extra]
        env = {k: v for k, v in os.environ.items() if k != "CHIPCONTROL_API_KEY"}
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode(errors='replace')}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as s:
                    s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    if s.recv(12).startswith(b"HTTP/1.1 200"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not answer /v1/health in time")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs (a crash)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Stats:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)  # decision ids of answers received in full
    errors: Counter = field(default_factory=Counter)  # non-200 statuses, and connection failures by kind
    bodies_checked: int = 0

    def report(self, seconds: float) -> dict:
        lat = sorted(self.latencies)
        pick = lambda q: round(1000 * lat[min(len(lat) - 1, int(q * len(lat)))], 1) if lat else None  # noqa: E731
        return {"requests": len(lat), "requests_per_s": round(len(lat) / seconds, 1), "p50_ms": pick(0.50),
                "p99_ms": pick(0.99), "max_ms": round(1000 * lat[-1], 1) if lat else None,
                "errors": sum(self.errors.values()), "error_kinds": dict(self.errors)}


def _request(port: int, body: bytes) -> bytes:
    return (f"POST /v1/check HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _client(port: int, end: float, stats: Stats, check_every: int) -> None:
    request = _request(port, json.dumps(ORDER).encode())
    reader = writer = None
    n = 0
    while time.perf_counter() < end:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            body = await reader.readexactly(int(headers["content-length"]))
            stats.latencies.append(time.perf_counter() - started)
            if status != 200:
                stats.errors[f"HTTP {status}"] += 1
                continue
            stats.acknowledged.append(headers["x-decision-id"])
            n += 1
            if n % check_every == 1:  # parsing 25 kB of JSON costs the client CPU: check a sample of the answers
                answer = json.loads(body)
                assert answer["decision_id"] == headers["x-decision-id"] and answer["verdict"]["outcome"]
                stats.bodies_checked += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, KeyError) as exc:
            stats.errors[type(exc).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.05)
    if writer is not None:
        writer.close()


async def drive(port: int, clients: int, seconds: float, check_every: int = 50) -> Stats:
    """`clients` keep-alive connections posting the order to /v1/check for `seconds`."""
    if not 1 <= clients <= MAX_CLIENTS or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"at most {MAX_CLIENTS} clients and {MAX_SECONDS} s")
    stats = Stats()
    end = time.perf_counter() + seconds
    await asyncio.gather(*(_client(port, end, stats, check_every) for _ in range(clients)))
    return stats


async def drive_and_kill(server: Server, clients: int, kill_after: float, seconds: float) -> Stats:
    """Drive the server and SIGKILL it `kill_after` seconds in; the clients see the connections drop."""
    async def killer():
        await asyncio.sleep(kill_after)
        server.kill()

    stats, _ = await asyncio.gather(drive(server.port, clients, seconds), killer())
    return stats


def check_log(path: Path, acknowledged: list[str]) -> dict:
    """Read the log as an auditor would: how many decisions, unreadable lines, acknowledged decisions missing."""
    from chipcontrol.service.decision_log import read_log

    reading = read_log(path)
    logged = Counter(d.id for d in reading.decisions)
    return {
        "lines": len(path.read_bytes().splitlines()),
        "decisions": len(reading.decisions),
        "unreadable": [u.model_dump() for u in reading.unreadable],
        "duplicate_ids": sum(1 for n in logged.values() if n > 1),
        "acknowledged": len(acknowledged),
        "acknowledged_missing": sum(1 for i in acknowledged if i not in logged),
    }


def crash_test(folder: Path, clients: int, kill_after: float, seconds: float) -> dict:
    """Kill the server mid-load, restart it on the same log, answer more, and check the log."""
    log = folder / "decisions.jsonl"
    server = Server(free_port(), log)
    cut = asyncio.run(drive_and_kill(server, clients, kill_after, seconds))
    restarted = Server(free_port(), log)
    try:
        after = asyncio.run(drive(restarted.port, min(clients, 10), 1.0))
    finally:
        restarted.stop()
    result = check_log(log, cut.acknowledged + after.acknowledged)
    result.update(before_kill=len(cut.acknowledged), connection_errors_at_kill=sum(cut.errors.values()),
                  after_restart=len(after.acknowledged), errors_after_restart=sum(after.errors.values()))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-after", type=float, default=5.0, help="seconds into the crash run")
    parser.add_argument("--crash-seconds", type=float, default=10.0, help="length of the crash run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        folder = Path(tmp)
        server = Server(free_port(), folder / "load.jsonl")
        try:
            asyncio.run(drive(server.port, 4, 2.0))  # warm up: first requests compile and import
            rss_before, load_before = server.rss_mib(), load_average()
            stats = asyncio.run(drive(server.port, args.clients, args.seconds))
            rss_after, load_after = server.rss_mib(), load_average()
        finally:
            server.stop()
        figures = stats.report(args.seconds)
        figures.update(clients=args.clients, seconds=args.seconds, rss_mib_before=round(rss_before, 1),
                       rss_mib_after=round(rss_after, 1), load_before=load_before, load_after=load_after,
                       answers_parsed_and_checked=stats.bodies_checked)
        figures["log"] = check_log(folder / "load.jsonl", stats.acknowledged)
        print(json.dumps({"load": figures}, indent=2))
        crash = crash_test(folder, args.clients, args.kill_after, args.crash_seconds)
        crash["load_after"] = load_average()
        print(json.dumps({"crash": crash}, indent=2))
    ok = (figures["errors"] == 0 and figures["log"]["acknowledged_missing"] == 0 and crash["acknowledged_missing"] == 0
          and crash["duplicate_ids"] == 0 and len(crash["unreadable"]) <= 1)  # at most the line the kill cut
    print("OK: no errors, every acknowledged decision logged" if ok else "FAILED: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
