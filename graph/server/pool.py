"""The query workers: a pool per snapshot, each worker killed and replaced on timeout or crash.

The front server hands each query to an idle worker and waits at most until the request's deadline. A
worker that misses it is killed (pyoxigraph cannot cancel a query) and a new one started in the background;
a worker that dies (its memory cap reached, or killed from outside) is replaced the same way. When a
build publishes a new snapshot, a new pool is opened on it and made current only once its workers answer;
the old pool's idle workers stop at once and its busy ones when they finish, so no request fails on a
rebuild.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kzlinks.dataset.store import Snapshot

WORKER_SCRIPT = Path(__file__).with_name("worker.py")  # run by path: no package import, a fast start
# Workers ask Linux to kill them when the thread that started them ends (PR_SET_PDEATHSIG), so that no query
# outlives kg serve: every worker is therefore started from this one thread, which lives as long as the process.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-serve-spawner")
START_SECONDS = 30.0
MEMORY_TOTAL_MB = 1536  # every worker together (current and retiring pools); kg serve's front adds ~350 MB
PAGE = os.sysconf("SC_PAGE_SIZE")
LIVE: set[Worker] = set()  # every worker process not yet killed, whichever pool it belongs to


ANSWER_BUDGET = 256 << 20  # bytes of answers the front may hold at once, whatever the clients do


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    budget: Budget | None = None  # what to give the body's size back to once it is sent

    def sent(self) -> None:
        if self.budget:
            self.budget.release(len(self.body))
            self.budget = None


class Budget:
    """Bytes of answers held in the front server at once: a client that reads slowly cannot make it hold
    more than this (an answer past the budget is refused with 503 before it is read from the worker)."""

    def __init__(self, limit: int = ANSWER_BUDGET) -> None:
        self.limit, self.used = limit, 0
        self.lock = threading.Lock()

    def reserve(self, size: int) -> bool:
        with self.lock:
            if self.used + size > self.limit:
                return False
            self.used += size
            return True

    def release(self, size: int) -> None:
        with self.lock:
            self.used -= size


class WorkerFailed(Exception):
    """The worker could not answer: `reason` says why (a timeout, out of memory, a crash)."""

    def __init__(self, reason: str, status: int = 500) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.over_memory = False


def store_location(snapshot: Snapshot) -> tuple[Path, bool]:
    """What the workers open in a snapshot, and whether it needs Oxigraph's union default graph."""
    return (snapshot.index_dir, False) if snapshot.has_index else (snapshot.dataset_dir, True)


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    data = bytearray()
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(fd, min(size - len(data), 1 << 20))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


class Worker:
    """One worker process on one store location."""

    def __init__(self, location: Path, union: bool, writable: bool, memory_mb: int) -> None:
        env = dict(os.environ, MALLOC_ARENA_MAX="2")  # fewer malloc arenas: a smaller, steadier footprint
        command = [sys.executable, str(WORKER_SCRIPT), str(location), str(int(union)), str(int(writable))]
        self.process = _SPAWNER.submit(
            subprocess.Popen,
            [*command, str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal reaches kg serve, which stops workers itself
        ).result()
        assert self.process.stdin is not None and self.process.stdout is not None  # both are pipes
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.pid = self.process.pid
        self.over_memory = False  # killed by the memory guard: its query used too much
        LIVE.add(self)

    def wait_ready(self, seconds: float = START_SECONDS) -> None:
        header, _ = self._reply(time.monotonic() + seconds)
        if "ready" not in header:
            raise WorkerFailed("the worker did not start")

    def alive(self) -> bool:
        return self.process.poll() is None

    def ask(self, request: dict, deadline: float, budget: Budget | None = None) -> Answer:
        """Send one request and wait for the answer until `deadline` (monotonic seconds)."""
        data = json.dumps(request).encode()
        try:
            self.stdin.write(struct.pack(">I", len(data)) + data)
            self.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise WorkerFailed("the worker had stopped", status=503) from None
        header, body = self._reply(deadline, budget)
        return Answer(header["status"], header.get("type", "text/plain"), body, budget)

    def _reply(self, deadline: float, budget: Budget | None = None) -> tuple[dict, bytes]:
        fd = self.stdout.fileno()
        try:
            (size,) = struct.unpack(">I", _read_exact(fd, 4, deadline))
            header = json.loads(_read_exact(fd, size, deadline))
            (length,) = struct.unpack(">Q", _read_exact(fd, 8, deadline))
            if budget and not budget.reserve(length):
                raise WorkerFailed("over budget", status=503)
            try:
                return header, _read_exact(fd, length, deadline)
            except BaseException:
                if budget:
                    budget.release(length)
                raise
        except TimeoutError:
            raise WorkerFailed("timeout") from None
        except (EOFError, OSError, ValueError):
            raise WorkerFailed("crashed") from None

    def rss(self) -> int:
        """Resident memory in bytes (0 once it has ended)."""
        try:
            with open(f"/proc/{self.pid}/statm") as statm:
                return int(statm.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            return 0

    def kill(self) -> None:
        LIVE.discard(self)
        if self.alive():
            try:
                self.process.send_signal(signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait()
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass

    def stop(self) -> None:
        """Close its input (it exits by itself), then make sure."""
        try:
            self.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


class Pool:
    """The workers of one snapshot."""

    def __init__(
        self, snapshot: Snapshot, size: int, memory_mb: int, writable: bool = False, location: Path | None = None
    ):
        self.snapshot = snapshot
        default_location, self.union = store_location(snapshot)
        self.location = location or default_location
        self.size, self.memory_mb, self.writable = size, memory_mb, writable
        self.idle: list[Worker] = []
        self.busy: set[Worker] = set()
        self.retired = False

    def spawn(self) -> Worker:
        worker = Worker(self.location, self.union, self.writable, self.memory_mb)
        try:
            worker.wait_ready()
        except WorkerFailed:
            worker.kill()
            raise
        return worker

    def open(self) -> None:
        """Start every worker, in parallel, and wait until each answers."""
        workers = [Worker(self.location, self.union, self.writable, self.memory_mb) for _ in range(self.size)]
        try:
            for worker in workers:
                worker.wait_ready()
        except WorkerFailed:
            for worker in workers:
                worker.kill()
            raise
        self.idle = workers

    def all_workers(self) -> list[Worker]:
        return [*self.idle, *self.busy]


class Router:
    """The current pool, and which worker answers which request."""

    def __init__(self, pool: Pool, timeout: float, memory_total_mb: int = MEMORY_TOTAL_MB) -> None:
        self.pool = pool
        self.timeout = timeout
        self.lock = threading.Condition()
        self.replacing = 0
        self.closed = False
        self.events: list[str] = []  # what happened to workers, for the log: timeouts, crashes
        self.budget = Budget()
        self.memory_total = memory_total_mb << 20
        threading.Thread(target=self._guard_memory, daemon=True).start()

    def run(self, request: dict) -> Answer:
        """The answer to one request, or a WorkerFailed saying why there is none. A worker found dead when it
        is handed the request, or killed from outside while running a query, is replaced and the query
        (read-only, so safe to repeat) handed to another; one that ran out of memory is not retried."""
        deadline = time.monotonic() + self.timeout
        retried = False
        for _ in range(4):
            pool, worker = self._acquire(deadline)
            try:
                answer = worker.ask(request, deadline, self.budget)
            except WorkerFailed as failure:
                code = self._lose(pool, worker, failure.reason)
                if failure.reason == "over budget":
                    raise WorkerFailed("the server holds too many large answers being sent: try again", 503) from None
                if time.monotonic() < deadline and (
                    failure.status == 503
                    or (
                        failure.reason == "crashed"
                        and code != -signal.SIGABRT
                        and "update" not in request
                        and not retried
                    )
                ):
                    retried = retried or failure.status != 503
                    continue
                failure.over_memory = worker.over_memory
                raise self._explain(failure, pool, code) from None
            self._release(pool, worker)
            return answer
        raise WorkerFailed("no worker could take the query", status=503)

    def _guard_memory(self) -> None:
        """Every 50 ms: when the workers together pass MEMORY_TOTAL_MB, kill the largest. Each worker's own
        address-space cap stops one query quickly; this bounds them all, however many queries run at once
        and while a rebuild overlaps two pools."""
        while not self.closed:
            sizes = [(worker.rss(), worker) for worker in list(LIVE)]
            if sum(size for size, _ in sizes) > self.memory_total:
                _, largest = max(sizes, key=lambda pair: pair[0])
                largest.over_memory = True
                try:
                    largest.process.send_signal(signal.SIGKILL)
                except (ProcessLookupError, OSError):
                    pass
            time.sleep(0.05)

    def _explain(self, failure: WorkerFailed, pool: Pool, code: int | None) -> WorkerFailed:
        if failure.reason == "timeout":
            return WorkerFailed(f"query stopped: it ran past the {self.timeout:g} s limit (kg serve --timeout)")
        if failure.reason == "crashed" and (code == -signal.SIGABRT or failure.over_memory):
            return WorkerFailed(
                f"query stopped: it needed more memory than a query may use ({pool.memory_mb} MB, kg serve --memory)"
            )
        if failure.reason == "crashed":
            return WorkerFailed(f"query stopped: its worker process ended (exit status {code})")
        return failure

    def _acquire(self, deadline: float) -> tuple[Pool, Worker]:
        with self.lock:
            while True:
                if self.closed:
                    raise WorkerFailed("the server is stopping", status=503)
                pool = self.pool
                while pool.idle:
                    worker = pool.idle.pop()
                    if worker.alive():
                        pool.busy.add(worker)
                        return pool, worker
                    self._replace_locked(pool, worker, "crashed while idle")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise WorkerFailed(f"every query worker stayed busy for {self.timeout:g} s", status=503)
                self.lock.wait(remaining)

    def _release(self, pool: Pool, worker: Worker) -> None:
        with self.lock:
            pool.busy.discard(worker)
            if pool is self.pool and not self.closed:
                pool.idle.append(worker)
                self.lock.notify()
                return
        worker.stop()  # a retired pool's worker: its last request is done

    def _lose(self, pool: Pool, worker: Worker, reason: str) -> int | None:
        """Kill and replace a worker; its exit status (negative: the signal that ended it) if it had ended."""
        code = worker.process.poll() if reason == "timeout" else self._exit_status(worker)
        worker.kill()
        with self.lock:
            pool.busy.discard(worker)
            self._replace_locked(pool, worker, reason)
        return code

    @staticmethod
    def _exit_status(worker: Worker) -> int | None:
        try:
            return worker.process.wait(2)  # it closed its output: it is ending
        except subprocess.TimeoutExpired:
            return None

    def _replace_locked(self, pool: Pool, worker: Worker, reason: str) -> None:
        self.events.append(f"worker {worker.pid} {reason}")
        if pool is not self.pool or self.closed:
            return
        self.replacing += 1
        threading.Thread(target=self._replace, args=(pool,), daemon=True).start()

    def _replace(self, pool: Pool) -> None:
        while True:
            try:
                worker = pool.spawn()
                break
            except WorkerFailed:
                if pool is not self.pool or self.closed:
                    return
                time.sleep(0.5)
        with self.lock:
            self.replacing -= 1
            if pool is self.pool and not self.closed:
                pool.idle.append(worker)
                self.lock.notify()
                return
        worker.stop()

    def swap(self, new: Pool) -> Pool:
        """Make an opened pool current; the old one's idle workers stop now, its busy ones when done."""
        with self.lock:
            old, self.pool = self.pool, new
            old.retired = True
            idle, old.idle = old.idle, []
            self.lock.notify_all()
        for worker in idle:
            worker.stop()
        return old

    def check(self) -> None:
        """Replace idle workers that died (killed from outside) before a request finds them."""
        with self.lock:
            pool = self.pool
            for worker in [w for w in pool.idle if not w.alive()]:
                pool.idle.remove(worker)
                self._replace_locked(pool, worker, "crashed while idle")

    def close(self) -> None:
        """Stop every worker: the current pool's, and a retired pool's still finishing a request."""
        with self.lock:
            self.closed = True
            workers = set(self.pool.all_workers()) | set(LIVE)  # one router per process (kg serve)
            self.pool.idle = []
            self.lock.notify_all()
        for worker in workers:
            worker.kill()

    def pids(self) -> list[int]:
        with self.lock:
            return [w.pid for w in self.pool.all_workers()]


__all__ = ["Answer", "Pool", "Router", "Worker", "WorkerFailed", "store_location"]
