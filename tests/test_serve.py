"""`kg serve` as a user runs it, on the loopback: the same answers as `kg query`, the query page, the views,
and a server that keeps answering whatever it is sent (runaway queries, SERVICE, other sites' pages,
crashes, rebuilds, floods), without leaving a process behind.

Every test starts a real `kg serve` process and talks HTTP to it; each finishes within 30 s.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from support import free_port, ok, one_error_line

from kzlinks.cli.main import main
from kzlinks.dataset.store import StoreDir
from kzlinks.server.endpoint import exposure_warning
from kzlinks.server.loadtest import RUNAWAY, named_queries, run_load, tree_rss_mb
from kzlinks.sparql.named import catalogue
from kzlinks.sparql.service import uses_service

FIXTURES = Path(__file__).parent / "fixtures"
CORRIDOR = FIXTURES / "corridor"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
CROSS_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # CPU, no memory


# --------------------------------------------------------------------------- helpers


def kg(*args: str) -> subprocess.CompletedProcess:
    """`kg` through its entry point in this process: same output and exit code, no interpreter start-up."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code
    return subprocess.CompletedProcess(["kg", *args], code, out.getvalue(), err.getvalue())


def children(pid: int) -> set[int]:
    """Every descendant of a process (Linux /proc)."""
    found, pending = set(), [pid]
    while pending:
        current = pending.pop()
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    kids = [int(c) for c in f.read().split()]
                found.update(kids)
                pending.extend(kids)
        except OSError:
            continue
    return found


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class Served:
    """`kg serve` as a user starts it; the URLs it prints, parsed. Stopping it checks nothing is left."""

    def __init__(self, store: Path | StoreDir, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        root = store.root if isinstance(store, StoreDir) else store
        command = [sys.executable, "-m", "kzlinks.cli", "serve", "--store", str(root), "--port", str(self.port)]
        if "--views" not in args:
            args = (*args, "--views", str(root / "no-views-here"))
        elif "--views-port" not in args:
            args = (*args, "--views-port", str(free_port()))  # the next port may be another program's
        self.process = subprocess.Popen([*command, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        for line in self.process.stdout:
            self.lines.append(line.rstrip())
            if line.startswith("Ctrl-C"):
                break
        assert self.lines and self.lines[-1].startswith("Ctrl-C"), self.process.stderr.read()
        self.urls = dict(re.findall(r"^\s+(\w[\w ]*?)\s{2,}(http\S+)", "\n".join(self.lines), re.M))
        self.base = f"http://127.0.0.1:{self.port}"
        self.stderr = ""

    def workers(self) -> set[int]:
        return children(self.process.pid)

    def stop(self) -> int:
        """SIGTERM, as Ctrl-C or a service manager would; then no worker may still run."""
        workers = self.workers()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(20)
        self.stderr = self.process.stderr.read()
        deadline = time.monotonic() + 5
        while any(running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if running(pid)], "kg serve left workers running"
        return code

    def __enter__(self) -> Served:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            assert self.stop() == 0


def request(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    """Any HTTP request; (status, headers, body) for errors as well."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        connection.request(method or ("POST" if body is not None else "GET"), path, body, headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def query(base: str, text: str, accept: str = "application/sparql-results+json", **headers: str):
    body = urllib.parse.urlencode({"query": text}).encode()
    all_headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept, **headers}
    return request(base + "/query", body, all_headers)


def select(base: str, text: str) -> list[dict[str, str]]:
    status, _, body = query(base, text)
    assert status == 200, body
    return [{k: v["value"] for k, v in row.items()} for row in json.loads(body)["results"]["bindings"]]


def term_key(term: dict) -> tuple:
    """A JSON results term, plain literals typed xsd:string (servers differ on spelling that out)."""
    datatype = term.get("datatype") or (XSD_STRING if term["type"] == "literal" and "xml:lang" not in term else None)
    return (term["type"], term["value"], datatype, term.get("xml:lang"))


def rows_of(json_text: str | bytes) -> tuple[list[str], list[tuple]] | bool:
    data = json.loads(json_text)
    if "boolean" in data:
        return data["boolean"]
    names = data["head"]["vars"]
    rows = [tuple(term_key(row[v]) if v in row else None for v in names) for row in data["results"]["bindings"]]
    return names, rows


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def served_packaged(packaged_store):
    """kg serve on the store a user gets from `kg build` (every packaged fact file)."""
    with Served(packaged_store, "--timeout", "60") as served:
        yield served


@pytest.fixture
def corridor_copy(tmp_path, corridor_store) -> Path:
    """A store of its own (rebuilt, written to) for one test."""
    store = tmp_path / "store"
    shutil.copytree(corridor_store.root, store, symlinks=True)
    return store


# --------------------------------------------------------------------------- the same answer everywhere


@pytest.mark.parametrize("name", [q.name for q in catalogue()])
def test_every_named_query_answers_through_kg_serve_as_kg_query(packaged_store, served_packaged, name):
    local = rows_of(ok(kg("query", name, "--store", str(packaged_store.root), "--format", "json")))
    text = dict(named_queries())[name]
    status, _, body = query(served_packaged.base, text)
    assert status == 200, body
    served = rows_of(body)
    if isinstance(local, bool):
        assert served == local
        return
    assert served[0] == local[0]  # the same columns
    if re.search(r"\bORDER\s+BY\b", text, re.I):
        assert served[1] == local[1]  # the same rows in the same order
    else:
        assert Counter(served[1]) == Counter(local[1])  # the same rows, each as many times


def test_the_default_graph_holds_each_triple_once_and_named_graphs_stay_reachable(packaged_store, served_packaged):
    store = StoreDir(packaged_store.root).open_read()
    triples = {(q.subject, q.predicate, q.object) for q in store}
    base = served_packaged.base
    assert select(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [{"n": str(len(triples))}]
    in_graphs = select(base, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"]
    assert int(in_graphs) == len(store)
    labels = (
        "SELECT ?l WHERE { <https://w3id.org/kzlinks/id/kazakhstan> <http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    local = ok(kg("query", "--store", str(packaged_store.root), "--format", "csv", *_as_file(labels)))
    assert len(select(base, labels)) == len(local.splitlines()) - 1 == 1
    # and `kg query --endpoint` against it gives what `kg query` gives
    remote = ok(kg("query", "cq06", "--format", "csv", "--endpoint", served_packaged.urls["SPARQL endpoint"]))
    assert remote == ok(kg("query", "cq06", "--format", "csv", "--store", str(packaged_store.root)))


def _as_file(text: str) -> list[str]:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"kg-serve-test-{os.getpid()}.rq"
    path.write_text("# question: a test query\n" + text + "\n")
    return [str(path)]


def test_the_query_page_opens_with_prefixes_an_example_and_the_named_queries(served_packaged):
    status, headers, page = request(served_packaged.urls["query page"])
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in headers["content-security-policy"]
    html = page.decode()
    data = json.loads(re.search(r'<script id="catalogue" type="application/json">(.*?)</script>', html, re.S)[1])
    assert data["example"].startswith("PREFIX kg: <https://w3id.org/kzlinks/ontology#>")
    assert [q["name"] for q in data["queries"]] == [q.name for q in catalogue()]
    assert len(select(served_packaged.base, data["example"])) > 3  # the example works
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert not asset.startswith(("http:", "https:", "//")), asset  # offline: everything from here
        assert request(urllib.parse.urljoin(served_packaged.base + "/", asset))[0] == 200


def test_the_query_page_runs_a_query_offline_in_a_real_browser(corridor_store):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        if os.environ.get("KG_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (KG_REQUIRE_BROWSER is set)")
        pytest.skip("chromium is not installed")
    text = (
        "PREFIX kg: <https://w3id.org/kzlinks/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT DISTINCT ?label WHERE { ?leg kg:fromNode ?node . ?node rdfs:label ?label } ORDER BY ?label"
    )
    with Served(corridor_store) as served:
        expected = [row["label"] for row in select(served.base, text)]
        url = served.urls["query page"] + "#" + urllib.parse.urlencode({"query": text})
        dom = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"]
            + ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=90,  # a limit for a hung browser, not a timing: a loaded machine starts Chromium slowly
        ).stdout
    assert len(expected) >= 2
    assert f"{len(expected)} results" in dom, dom[-800:]
    table = dom[dom.find('id="results"') :]
    assert all(label in table for label in expected)
    assert dom.count('<li><button type="button"') == len(catalogue())


# --------------------------------------------------------------------------- whatever it is sent


def test_a_runaway_query_is_stopped_within_the_timeout_with_an_error_status(corridor_store):
    with Served(corridor_store, "--timeout", "3") as served:
        for runaway in (RUNAWAY, CROSS_COUNT):  # one grows memory, one only burns time
            started = time.monotonic()
            status, headers, body = query(served.base, runaway)
            assert time.monotonic() - started < 3 + 1
            assert status >= 500 and headers["content-type"].startswith("text/plain"), body
            assert b"query stopped" in body
            assert tree_rss_mb(served.process.pid) < 2048
        assert select(served.base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # still answering
    assert "worker" in served.stderr and "replaced" in served.stderr


def test_memory_stays_bounded_whatever_the_query(corridor_store):
    with Served(corridor_store, "--timeout", "20", "--memory", "200") as served:
        peak, done = [0.0], threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_mb(served.process.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            status, _, body = query(served.base, RUNAWAY)
        finally:
            done.set()
            sampler.join()
        assert status == 500 and b"more memory than a query may use (200 MB" in body
        assert peak[0] < 2048
        assert query(served.base, "ASK { ?s ?p ?o }")[0] == 200  # a new worker answers


def test_all_workers_together_stay_within_the_total_memory(corridor_store):
    with Served(corridor_store, "--timeout", "20", "--memory", "1000", "--memory-total", "400") as served:
        started = time.monotonic()
        status, _, body = query(served.base, RUNAWAY)  # its own cap (1000 MB) is past the total: the guard acts
        assert status == 500 and b"more memory" in body and time.monotonic() - started < 20
        assert tree_rss_mb(served.process.pid) < 1000
        assert query(served.base, "ASK { ?s ?p ?o }")[0] == 200


def test_service_is_refused_unless_allowed(corridor_store):
    calls: list[str] = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            calls.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    listener = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Listener)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    federated = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.server_address[1]}/sparql> {{ ?s ?p ?o }} }}"
    try:
        with Served(corridor_store) as served:
            status, _, body = query(served.base, federated)
            assert status == 403 and b"--allow-service" in body
            status, _, _ = query(served.base, "# SERVICE in a comment\nSELECT ?service WHERE { ?service ?p 'SERVICE' }")
            assert status == 200
        assert calls == []
        with Served(corridor_store, "--allow-service") as served:
            query(served.base, federated)
        assert calls, "with --allow-service the query reaches the other server"
        calls.clear()
        rq = _as_file(federated)
        for engine in ("oxigraph", "rdflib"):
            line = one_error_line(kg("query", *rq, "--engine", engine, "--store", str(corridor_store.root)))
            assert "SERVICE" in line and "--allow-service" in line
        assert calls == []
        kg("query", *rq, "--engine", "oxigraph", "--allow-service", "--store", str(corridor_store.root))
        assert calls, "kg query --allow-service runs the SERVICE clause"
    finally:
        listener.shutdown()
        listener.server_close()


@pytest.mark.parametrize(
    "text, federated",
    [
        ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True),
        ("select * { service silent ?x { ?s ?p ?o } }", True),
        ("SELECT * {\n  SeRvIcE<http://x/>{?s ?p ?o}}", True),
        ("SELECT * { ?s ?p 'a \\' SERVICE <x> {}' . SERVICE <http://x/> { ?s ?p ?o } }", True),
        ('SELECT ?service { ?service <http://x/SERVICE> \'SERVICE\', """SERVICE""" } # SERVICE', False),
        ("PREFIX service: <http://x/> SELECT * { ?s service:p ?o }", False),
        ("SELECT * { ?s ?p ?o FILTER(?o < 3) }", False),
    ],
)
def test_the_service_guard_reads_sparql_tokens(text, federated):
    assert uses_service(text) is federated


def test_other_sites_pages_are_refused_unless_cors_allows_them(corridor_store):
    ask = "ASK { ?s ?p ?o }"
    form = urllib.parse.urlencode({"query": ask}).encode()
    simple = {"Content-Type": "application/x-www-form-urlencoded"}  # a "simple" request: no preflight
    with Served(corridor_store) as served:
        assert query(served.base, ask)[0] == 200  # kg query, curl: no Origin
        assert query(served.base, ask, Origin=served.base)[0] == 200  # the query page itself
        status, _, body = request(served.base + "/query", form, {**simple, "Origin": "https://evil.example"})
        assert status == 403 and b"--cors" in body
        get = served.base + "/query?" + urllib.parse.urlencode({"query": ask})
        assert request(get, headers={"Sec-Fetch-Site": "cross-site"})[0] == 403  # an <img> or <script> tag
        assert request(get, headers={"Origin": "null"})[0] == 403  # a sandboxed frame or a file:// page
        assert request(get, headers={"Host": "rebound.example:80"})[0] == 403  # DNS rebinding
        assert request(served.base + "/query", method="OPTIONS", headers={"Origin": "https://evil.example"})[0] == 403
    with Served(corridor_store, "--cors", "https://ok.example") as served:
        status, headers, _ = request(served.base + "/query", form, {**simple, "Origin": "https://ok.example"})
        assert status == 200 and headers["access-control-allow-origin"] == "https://ok.example"
        preflight = request(served.base + "/query", method="OPTIONS", headers={"Origin": "https://ok.example"})
        assert preflight[0] == 204 and "POST" in preflight[1]["access-control-allow-methods"]
        assert request(served.base + "/query", form, {**simple, "Origin": "https://evil.example"})[0] == 403


def test_bad_requests_get_an_error_status_and_a_line_of_text(corridor_store):
    with Served(corridor_store) as served:
        base = served.base
        status, _, body = query(base, "SELECT ?x WHERE { ?x ?y }")
        assert status == 400 and b"syntax error" in body
        assert (
            request(
                base + "/update",
                b"update=INSERT+DATA+{<a:a>+<a:b>+<a:c>}",
                {"Content-Type": "application/x-www-form-urlencoded"},
            )[0]
            == 403
        )
        big = b"query=" + b"A" * (2 << 20)
        assert request(base + "/query", big, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 413
        assert query(base, "ASK {}", accept="image/png")[0] == 406
        assert request(base + "/query", b"", {"Content-Type": "text/plain"})[0] == 415
        assert request(base + "/nowhere")[0] == 404
        assert request(base + "/query", method="DELETE")[0] == 405
        construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
        status, headers, body = query(base, construct, accept="application/n-triples")
        assert status == 200 and headers["content-type"].startswith("application/n-triples")
        assert len(body.decode().strip().splitlines()) == 3
    assert "Traceback" not in served.stderr


def test_a_crashed_worker_is_replaced_without_a_failed_request(corridor_store):
    with Served(corridor_store, "--workers", "2") as served:
        first = served.workers()
        assert len(first) == 2
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        for _ in range(20):
            assert select(served.base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        deadline = time.monotonic() + 10
        while (len(served.workers()) != 2 or served.workers() & first) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(served.workers()) == 2 and not served.workers() & first


def test_a_rebuild_is_served_without_an_outage(corridor_copy):
    fewer = ["--facts", str(CORRIDOR / "corridor-003.yaml"), "--drop", str(CORRIDOR / "agreements-000.yaml")]
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    with Served(corridor_copy, "--workers", "2") as served:
        before = select(served.base, count)[0]["n"]
        statuses: list[int] = []
        seen: set[str] = set()
        stop = threading.Event()

        def hammer():
            while not stop.is_set():
                status, _, body = query(served.base, count)
                statuses.append(status)
                if status == 200:
                    seen.add(json.loads(body)["results"]["bindings"][0]["n"]["value"])

        clients = [threading.Thread(target=hammer) for _ in range(4)]
        for client in clients:
            client.start()
        try:
            ok(kg("build", "--no-packaged", *fewer, "--store", str(corridor_copy)))
            deadline = time.monotonic() + 15
            while len(seen) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            ok(kg("build", "--no-packaged", "--facts", str(CORRIDOR), "--store", str(corridor_copy), "--full"))
            time.sleep(1.5)
        finally:
            stop.set()
            for client in clients:
                client.join()
        assert len(seen) >= 2 and before in seen  # it followed the rebuilds
        assert statuses and set(statuses) == {200}, Counter(statuses)
    assert served.stderr.count("now serving snapshot") == 2


def test_a_flood_of_connections_does_not_exhaust_the_server(corridor_store):
    with Served(corridor_store) as served:
        idle = []
        for _ in range(300):  # connections that never send a request (slowloris)
            with contextlib.suppress(OSError):
                idle.append(socket.create_connection(("127.0.0.1", served.port), timeout=5))
        statuses = Counter()
        lock = threading.Lock()

        def burst():
            for _ in range(40):
                try:
                    status = query(served.base, "ASK { ?s ?p ?o }")[0]
                except OSError:
                    status = 0
                with lock:
                    statuses[status] += 1

        threads = [threading.Thread(target=burst) for _ in range(25)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with open(f"/proc/{served.process.pid}/status") as f:
            threads_now = int(re.search(r"Threads:\s+(\d+)", f.read())[1])
        assert threads_now < 100  # a fixed set of threads, whatever the number of connections
        assert set(statuses) <= {200, 503} and statuses[200] > 0, statuses  # busy is said, never a hang
        for connection in idle:
            connection.close()
        assert select(served.base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # and it still answers


def test_writable_accepts_updates_on_a_copy_only(corridor_copy, tmp_path):
    before = sorted(str(q) for q in StoreDir(corridor_copy).open_read())
    with Served(corridor_copy, "--writable") as served:
        assert "SPARQL update" in served.urls
        update = "INSERT DATA { GRAPH <urn:x:scratch> { <urn:x:a> <urn:x:b> 1 } }"
        status, _, body = request(
            served.urls["SPARQL update"], update.encode(), {"Content-Type": "application/sparql-update"}
        )
        assert status == 204, body
        assert select(served.base, "SELECT ?o WHERE { GRAPH ?g { ?s <urn:x:b> ?o } }") == [{"o": "1"}]
    assert sorted(str(q) for q in StoreDir(corridor_copy).open_read()) == before  # the built store is untouched
    assert not list(corridor_copy.glob(".serve-*"))


# --------------------------------------------------------------------------- the views


@pytest.fixture
def views(tmp_path) -> Path:
    folder = tmp_path / "views"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>views</title><p>middle corridor</p>")
    (folder / ".secret").write_text("hidden")
    (folder / "etc").symlink_to("/etc")
    (folder / "passwd").symlink_to("/etc/passwd")
    (folder / "inside").symlink_to(folder / "index.html")
    (folder / "maps").mkdir()  # no index.html: listed
    (folder / "maps" / "corridor.html").write_text("<p>map</p>")
    (folder / "maps" / ".draft.html").write_text("hidden")
    (folder / "maps" / "system").symlink_to("/etc")
    return folder


def test_the_views_server_stays_inside_its_folder(corridor_store, views):
    with Served(corridor_store, "--views", str(views)) as served:
        base = served.urls["views"].rstrip("/")
        status, _, body = request(base + "/index.html")
        assert status == 200 and b"middle corridor" in body
        assert request(base + "/inside")[0] == 200  # a link inside the folder is fine
        for path in ("/passwd", "/etc/passwd", "/etc/", "/.secret", "/%2esecret", "/../../etc/passwd", "/etc/%2e%2e/"):
            status, _, body = request(base + path)
            assert status == 404 and b"root:" not in body, path
        status, _, listing = request(base + "/maps/")
        assert status == 200 and b"corridor.html" in listing
        assert b".draft" not in listing and b"system" not in listing
        assert request(base + "/index.html%00.txt")[0] == 400
        if shutil.which("ss"):
            backlog = subprocess.run(
                ["ss", "-ltnH", f"sport = :{served.urls['views'].split(':')[-1].strip('/')}"],
                capture_output=True,
                text=True,
            ).stdout.split()
            assert backlog and int(backlog[2]) >= 128  # Send-Q of a listening socket: its backlog
    assert "Traceback" not in served.stderr


# --------------------------------------------------------------------------- starting and stopping


def test_kg_serve_announces_its_urls_and_stops_cleanly(corridor_store, views):
    with Served(corridor_store, "--views", str(views)) as served:
        assert served.urls["SPARQL endpoint"] == served.base + "/query"
        assert served.urls["query page"] == served.base + "/"
        assert "SERVICE refused; cross-origin refused" in "\n".join(served.lines)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.port), timeout=2).close()


def test_kg_serve_on_a_busy_port_says_so(corridor_store):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "kzlinks.cli", "serve", "--store", str(corridor_store.root), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert f"cannot serve the SPARQL endpoint on 127.0.0.1:{port}" in one_error_line(result)


def test_kg_serve_without_a_build_says_build_first(tmp_path):
    assert "run `kg build` first" in one_error_line(kg("serve", "--store", str(tmp_path / "none")))


def test_serving_on_every_interface_warns_that_the_endpoint_is_exposed(corridor_store):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kzlinks.cli", "serve", "--store", str(corridor_store.root), "--host", "0.0.0.0"]
        + ["--port", str(port), "--views", "/nonexistent"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith("Ctrl-C"):
                break
        assert query(f"http://127.0.0.1:{port}", "ASK {}", Host=f"192.0.2.1:{port}")[0] == 200  # any Host name
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=20)
    assert "warning: serving on 0.0.0.0: the endpoint is exposed" in errors


@pytest.mark.parametrize(
    "host, writable, warned",
    [
        ("127.0.0.1", True, None),
        ("::1", True, None),
        ("localhost", False, None),
        ("0.0.0.0", False, "exposed"),
        ("0.0.0.0", True, "change the served data"),
        ("192.0.2.10", True, "change the served data"),
        ("::", False, "exposed"),
    ],
)
def test_a_server_reachable_from_elsewhere_is_warned_about(host, writable, warned):
    warning = exposure_warning(host, writable)
    assert (warning is None) if warned is None else (warned in warning)


# --------------------------------------------------------------------------- under load


def test_a_bounded_load_with_a_runaway_query_and_a_rebuild(corridor_copy):
    """The CI-sized version of `python -m kzlinks.server.loadtest` (README: 2,000 requests, 20 clients)."""
    timeout = 5
    with Served(corridor_copy, "--timeout", str(timeout), "--workers", "2") as served:
        rebuild = ["build", "--no-packaged", "--facts", str(CORRIDOR), "--store", str(corridor_copy), "--full"]
        report = run_load(
            served.base,
            named_queries(),
            served.process.pid,
            requests=300,
            clients=10,
            timeout=timeout,
            rebuild=lambda: subprocess.run([sys.executable, "-m", "kzlinks.cli", *rebuild], check=True, timeout=60),
        )
    print(json.dumps(report.figures()))
    assert report.requests >= 300 and report.failed == []  # no failed request but the runaway's
    assert report.runaway.status >= 500 and report.runaway.seconds < timeout + 1
    assert report.peak_rss_mb < 2048
    assert report.rebuild_seconds is not None and "now serving snapshot" in served.stderr


def test_the_graph_store_reads_graphs_and_writes_only_when_writable(corridor_store, corridor_copy, tmp_path):
    nt = {"Accept": "application/n-triples"}
    with Served(corridor_store) as served:
        store = served.urls["graph store"]
        graph = select(served.base, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1")[0]["g"]
        size = select(served.base, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")[0]["n"]
        status, headers, body = request(store + "?" + urllib.parse.urlencode({"graph": graph}), headers=nt)
        assert status == 200 and len(body.decode().strip().splitlines()) == int(size)
        assert request(store + "?graph=urn:x:none", headers=nt)[0] == 404
        status, _, body = request(store, headers={"Accept": "application/n-quads"})  # the whole dataset
        assert status == 200 and len(body.decode().strip().splitlines()) >= int(size)
        put = {"Content-Type": "application/n-triples"}
        assert request(store + "?graph=urn:x:g", b"<urn:x:a> <urn:x:b> <urn:x:c> .\n", put, "PUT")[0] == 403
    with Served(corridor_copy, "--writable") as served:
        store = served.urls["graph store"]
        assert request(store + "?graph=urn:x:g", b"<urn:x:a> <urn:x:b> <urn:x:c> .\n", put, "PUT")[0] == 201
        assert request(store + "?graph=urn:x:g", b"<urn:x:a> <urn:x:b> 'bad", put, "PUT")[0] == 400
        assert select(served.base, "SELECT ?o WHERE { GRAPH <urn:x:g> { ?s ?p ?o } }") == [{"o": "urn:x:c"}]
        assert request(store + "?graph=urn:x:g", method="DELETE")[0] == 204
        assert request(store + "?graph=urn:x:g", headers=nt)[0] == 404
        # kg push to a writable kg serve: the project's graphs replaced on the working copy
        out = ok(kg("push", "--store", str(corridor_store.root), "--endpoint", served.urls["SPARQL endpoint"]))
        assert out.startswith("pushed ") and "counts checked" in out


def test_answers_held_for_slow_clients_stay_within_a_budget(corridor_store):
    """The front holds at most a set number of answer bytes at once; past it, a 503 and the worker replaced."""
    from kzlinks.server.pool import Budget, Pool, Router, WorkerFailed

    pool = Pool(corridor_store.current, 1, 256)
    pool.open()
    router = Router(pool, 10)
    try:
        router.budget = Budget(2000)
        held = router.run({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5", "accept": "text/csv"})
        assert held.status == 200 and router.budget.used == len(held.body) > 0
        with pytest.raises(WorkerFailed) as refused:
            router.run({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 500", "accept": "text/csv"})
        assert refused.value.status == 503
        held.sent()
        assert router.budget.used == 0
        assert router.run({"query": "ASK { ?s ?p ?o }"}).status == 200  # a new worker took over
    finally:
        router.close()
    assert not [w for w in pool.all_workers() if w.alive()]
