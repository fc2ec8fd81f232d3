"""A real Virtuoso Open Source 7 server on loopback for the tests (Debian's `virtuoso-opensource-7-bin`).

Each server gets its own database folder and virtuoso.ini with free ports, listens on 127.0.0.1 only, and
its anonymous SPARQL user is granted SPARQL_UPDATE: the least that lets `kg push` write through the
standard /sparql and /sparql-graph-crud endpoints without credentials. A test may kill it (SIGKILL, as a
crash) and start it again on the same folder: Virtuoso replays its transaction log on start.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from support import free_port

BINARY = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 1
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 4
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 0
"""


def select(port: int, query: str, path: str = "/sparql") -> list[dict]:
    """A SELECT straight to the server, as plain values."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", body, {"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        data = json.load(answer)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


class Virtuoso:
    """`virtuoso-t` in the foreground on its own folder and ports; start, kill, stop."""

    def __init__(self, folder: Path, startup: float = 120, grant: bool = True) -> None:
        if not (BINARY and ISQL):
            raise RuntimeError("virtuoso-t and isql-vt are needed (apt-get install virtuoso-opensource-7-bin)")
        self.folder, self.startup, self.process = folder, startup, None
        self.sql_port, self.port = free_port(), free_port()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "virtuoso.ini").write_text(
            INI.format(dir=folder, sql_port=self.sql_port, http_port=self.port), encoding="utf-8"
        )
        self.start()
        if grant:  # a copied folder keeps its grant
            try:
                self.isql('grant SPARQL_UPDATE to "SPARQL";')
            except BaseException:
                self.kill()  # never leave a server running behind a failed fixture
                raise

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.base + "/sparql"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [BINARY, "-f", "-c", str(self.folder / "virtuoso.ini")],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + self.startup
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "virtuoso.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}:\n{log}")
            try:
                select(self.port, "SELECT * WHERE { } LIMIT 1")
                return
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"virtuoso-t did not answer within {self.startup:g} s")

    def isql(self, statement: str) -> str:
        done = subprocess.run(
            [ISQL, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statement}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0 or "Error" in done.stdout + done.stderr:
            raise RuntimeError(f"isql-vt {statement!r}: {done.stdout}{done.stderr}")
        return done.stdout

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """A clean shutdown (checkpoint), so the folder can be copied and started again."""
        if self.process and self.process.poll() is None:
            try:
                self.isql("shutdown;")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
