"""A bounded load test of `kg serve` on the loopback: the named queries from many clients, one runaway query
among them and one rebuild during the run; it reports failures, latencies and the server's peak memory.

    python -m kzlinks.server.loadtest --store DIR [--requests 2000] [--clients 20] [--timeout 5]
        [--facts PATH --no-packaged]   (the inputs the store was built from, for the rebuild)

starts `kg serve` on the store, runs the load, publishes one new snapshot (`kg build --full`) midway, and
prints the figures as JSON. tests/test_serve.py runs a smaller version of the same on every CI run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a"
ACCEPT = "application/sparql-results+json"
SETTLE = 2.0  # seconds of load after the rebuild, so that the new snapshot is served under load too


@dataclass
class Outcome:
    name: str
    status: int  # 0: no HTTP answer at all
    seconds: float
    error: str = ""


@dataclass
class LoadReport:
    requests: int
    clients: int
    failed: list[Outcome] = field(default_factory=list)  # every failure but the runaway's
    runaway: Outcome | None = None
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    per_query_median_ms: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    rebuild_seconds: float | None = None
    snapshots_served: int = 0
    wall_seconds: float = 0.0

    def figures(self) -> dict:
        data = asdict(self)
        data["failed"] = len(self.failed)
        data["failures"] = [asdict(o) for o in self.failed[:10]]
        return data


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(c) for c in children.read().split())
        except (OSError, ValueError):
            continue
    return total / 2**20


def post_query(base: str, text: str, timeout: float) -> tuple[int, bytes]:
    """One form POST to /query, as `kg query --endpoint` sends it; (status, body), status 0 if no answer."""
    parsed = urllib.parse.urlsplit(base)
    body = urllib.parse.urlencode({"query": text}).encode()
    connection = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port, timeout=timeout)
    try:
        connection.request(
            "POST", "/query", body, {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT}
        )
        answer = connection.getresponse()
        return answer.status, answer.read()
    except (OSError, http.client.HTTPException) as exc:
        return 0, str(exc).encode()
    finally:
        connection.close()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


def run_load(
    base: str,
    queries: list[tuple[str, str]],
    server_pid: int,
    requests: int = 2000,
    clients: int = 20,
    timeout: float = 5.0,
    rebuild: Callable[[], None] | None = None,
) -> LoadReport:
    """Send `requests` queries (more if the rebuild is not done) from `clients` threads: the named ones in
    turn, the runaway at 30% of the run, `rebuild()` started at 50% and the load kept up until SETTLE seconds
    after it; sample the server's memory every 50 ms."""
    runaway_at = requests * 3 // 10
    taken = [0]
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    done = threading.Event()
    rebuilt = threading.Event()  # set SETTLE seconds after the rebuild: the load goes on until then
    if rebuild is None:
        rebuilt.set()
    report = LoadReport(requests, clients)

    def next_job() -> tuple[str, str] | None:
        with lock:
            number = taken[0]
            if number >= requests and rebuilt.is_set():
                return None
            taken[0] += 1
        return ("runaway", RUNAWAY) if number == runaway_at else queries[number % len(queries)]

    def client() -> None:
        while job := next_job():
            name, text = job
            started = time.monotonic()
            status, body = post_query(base, text, timeout + 30)
            outcome = Outcome(name, status, time.monotonic() - started)
            if status != 200:
                outcome.error = body[:200].decode("utf-8", "replace")
            with lock:
                outcomes.append(outcome)

    def sample_memory() -> None:
        while not done.is_set():
            report.peak_rss_mb = max(report.peak_rss_mb, tree_rss_mb(server_pid))
            time.sleep(0.05)

    def rebuild_midway(rebuild: Callable[[], None]) -> None:
        while not done.is_set():
            with lock:
                progress = len(outcomes)
            if progress >= requests // 2:
                started = time.monotonic()
                try:
                    rebuild()
                    report.rebuild_seconds = round(time.monotonic() - started, 2)
                finally:
                    time.sleep(SETTLE)
                    rebuilt.set()
                return
            time.sleep(0.01)

    started = time.monotonic()
    helpers = [threading.Thread(target=sample_memory, daemon=True)]
    if rebuild:
        helpers.append(threading.Thread(target=rebuild_midway, args=(rebuild,), daemon=True))
    workers = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in helpers + workers:
        thread.start()
    for thread in workers:
        thread.join()
    done.set()
    for thread in helpers:
        thread.join(120)
    report.wall_seconds = round(time.monotonic() - started, 2)
    report.requests = len(outcomes)
    _summarise(report, outcomes)
    return report


def _summarise(report: LoadReport, outcomes: list[Outcome]) -> None:
    normal = [o for o in outcomes if o.name != "runaway"]
    report.runaway = next((o for o in outcomes if o.name == "runaway"), None)
    report.failed = [o for o in normal if o.status != 200]
    latencies = [o.seconds * 1000 for o in normal]
    report.p50_ms = round(_percentile(latencies, 0.50), 1)
    report.p95_ms = round(_percentile(latencies, 0.95), 1)
    report.p99_ms = round(_percentile(latencies, 0.99), 1)
    report.max_ms = round(max(latencies, default=0.0), 1)
    by_name: dict[str, list[float]] = {}
    for outcome in normal:
        by_name.setdefault(outcome.name, []).append(outcome.seconds * 1000)
    report.per_query_median_ms = {name: round(statistics.median(v), 1) for name, v in sorted(by_name.items())}
    report.peak_rss_mb = round(report.peak_rss_mb, 1)


def named_queries() -> list[tuple[str, str]]:
    """Every named query with its default parameters bound, as `kg query NAME` runs it."""
    from kzlinks.sparql.binding import with_values
    from kzlinks.sparql.named import bind, catalogue

    return [(q.name, with_values(q.text, bind(q, {}))) for q in catalogue()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kzlinks.server.loadtest", description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True, type=Path, help="a built store (it is rebuilt once, --full)")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--timeout", type=int, default=5, help="kg serve --timeout (seconds)")
    parser.add_argument("--workers", type=int, default=2, help="kg serve --workers")
    parser.add_argument("--facts", action="append", default=[], help="kg build --facts, for the rebuild")
    parser.add_argument("--no-packaged", action="store_true", help="kg build --no-packaged, for the rebuild")
    args = parser.parse_args(argv)
    kg = [sys.executable, "-m", "kzlinks.cli"]
    port = _free_port()
    server = subprocess.Popen(
        [*kg, "serve", "--store", str(args.store), "--port", str(port), "--timeout", str(args.timeout)]
        + ["--workers", str(args.workers), "--views", str(args.store / "no-views")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    try:
        for line in server.stdout:
            if line.startswith("Ctrl-C"):
                break
        base = f"http://127.0.0.1:{port}"

        def rebuild() -> None:
            inputs = [a for f in args.facts for a in ("--facts", f)] + (["--no-packaged"] if args.no_packaged else [])
            build = [*kg, "build", "--full", "--store", str(args.store), *inputs]
            subprocess.run(build, check=True, capture_output=True)

        report = run_load(base, named_queries(), server.pid, args.requests, args.clients, args.timeout, rebuild=rebuild)
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    report.snapshots_served = 1 + len(re.findall(r"now serving snapshot", errors))
    print(json.dumps(report.figures(), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
