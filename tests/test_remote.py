"""`kg push` and `kg query --endpoint` against a real Oxigraph server (the `oxigraph` package).
(`kg serve` has its own tests, in test_serve.py.)

Every test drives the `kg` command as a user would and inspects the server with plain SPARQL over HTTP,
independently of graph.remote. A small stdlib reverse proxy stands in front of the server where a test
needs basic auth, a transient failure, or the server killed at an exact point of a push.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import http.server
import io
import json
import os
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

import pyoxigraph as ox
import pytest
from support import free_port, ok, one_error_line

from kzlinks.cli.main import main
from kzlinks.dataset.store import StoreDir
from kzlinks.server.endpoint import oxigraph_binary

FIXTURES = Path(__file__).parent / "fixtures" / "remote"
PROJECT = "https://w3id.org/kzlinks/graph/"
STAGING = "https://w3id.org/kzlinks/kg-push-staging/"
OTHER_DATA = """
INSERT DATA {
  <http://example.org/s> <http://example.org/p> "in the default graph" .
  GRAPH <http://example.org/other> { <http://example.org/s> <http://example.org/p> "someone else's graph" }
  GRAPH <https://w3id.org/kzlinks/graphite> { <http://example.org/s> <http://example.org/p> "a look-alike IRI" }
}"""
PASSWORD = "s3cret-Pw!with:colon"


# --------------------------------------------------------------------------- helpers


def _clean_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_ENDPOINT")}
    env["NETRC"] = "/nonexistent/netrc"
    env.update(extra or {})
    return env


def kg_process(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the `kg` command in its own process, with no endpoint credentials but those given."""
    return subprocess.run(
        [sys.executable, "-m", "kzlinks.cli", *args],
        capture_output=True,
        text=True,
        env=_clean_env(env),
        timeout=timeout,
    )


def kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`kg` through its entry point in this process (no interpreter start-up), same output and exit code."""
    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(_clean_env(env))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's own errors
                code = exc.code
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(["kg", *args], code, out.getvalue(), err.getvalue())


def sparql(port: int, query: str) -> list[dict]:
    """A SELECT straight to the server, as plain values."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/query", body, {"Accept": "application/sparql-results+json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        data = json.load(answer)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]


def sparql_update(port: int, update: str) -> int:
    body = urllib.parse.urlencode({"update": update}).encode()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/update", body, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def remote_state(port: int) -> dict[str, int]:
    """Quads per graph on the server ('' for the default graph), staging graphs left out."""
    rows = sparql(port, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    state = {r["g"]: int(r["n"]) for r in rows if not r["g"].startswith(STAGING)}
    state[""] = int(sparql(port, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"])
    return state


def staging_graphs(port: int) -> list[str]:
    return [r["g"] for r in sparql(port, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }") if r["g"].startswith(STAGING)]


def export_counts(store: Path, tmp: Path) -> dict[str, int]:
    """Quads per named graph in `kg export`'s N-Quads."""
    out = tmp / f"{store.name}.nq"
    ok(kg("export", "--store", str(store), "-o", str(out)))
    return dict(Counter(q.graph_name.value for q in ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS)))


def wait_for(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sparql(port, "SELECT * WHERE { } LIMIT 1")
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise AssertionError(f"nothing answers on port {port}")


class Oxigraph:
    """A real `oxigraph serve` process on a data directory, which a test may kill and restart."""

    def __init__(self, location: Path) -> None:
        self.location, self.port, self.process = location, free_port(), None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(self.location), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.port)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class Proxy:
    """A stdlib reverse proxy: optional basic auth, and a hook called with each request before it goes on.

    The hook may return a status code to answer with instead of forwarding (a transient failure).
    """

    def __init__(self, upstream: Oxigraph, user: str | None = None, password: str | None = None, before=None) -> None:
        self.upstream, self.before, self.requests = upstream, before, []
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if user else None
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _relay(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if expected and self.headers.get("Authorization") != expected:
                    return self._answer(401, b"unauthorised", {"WWW-Authenticate": 'Basic realm="kg"'})
                proxy.requests.append((self.command, self.path, body))
                status = proxy.before(len(proxy.requests), self.command, body) if proxy.before else None
                if status:
                    return self._answer(status, b"try again later")
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream.port, timeout=30)
                    headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                    conn.request(self.command, self.path, body, headers)
                    answer = conn.getresponse()
                    data = answer.read()
                except OSError:
                    return self._answer(502, b"upstream is down")
                self._answer(answer.status, data, {"Content-Type": answer.getheader("Content-Type", "text/plain")})

            def _answer(self, status, data, headers=None):
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def is_swap(body: bytes) -> bool:
    return "MOVE GRAPH" in urllib.parse.parse_qs(body.decode()).get("update", [""])[0]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """Two real stores: `full` from both fixture fact files, `small` from one (some graphs gone)."""
    root = tmp_path_factory.mktemp("stores")
    full, small = root / "full", root / "small"
    ok(kg("build", "--no-packaged", "--facts", str(FIXTURES), "--store", str(full)))
    ok(kg("build", "--no-packaged", "--facts", str(FIXTURES / "001_b3d0d2c17928b21d.yaml"), "--store", str(small)))
    counts = {"full": export_counts(full, root), "small": export_counts(small, root)}
    assert set(counts["small"]) < set(counts["full"])
    return {"full": full, "small": small, "counts": counts}


@pytest.fixture
def server(tmp_path):
    process = Oxigraph(tmp_path / "remote-db")
    yield process
    process.kill()


@pytest.fixture
def other_data(server):
    """Data on the server that is not the project's: it must survive every push."""
    assert sparql_update(server.port, OTHER_DATA) in (200, 204)
    return {"": 1, "http://example.org/other": 1, "https://w3id.org/kzlinks/graphite": 1}


# --------------------------------------------------------------------------- push


@pytest.mark.parametrize("via", ["auto", "gsp", "update"])
def test_push_leaves_the_same_quads_per_graph_as_the_export(stores, server, other_data, via):
    out = ok(kg("push", "--store", str(stores["full"]), "--endpoint", server.url, "--via", via))
    counts = stores["counts"]["full"]
    assert f"pushed {sum(counts.values())} quads in {len(counts)} graphs" in out
    assert remote_state(server.port) == {**counts, **other_data}
    assert staging_graphs(server.port) == []


def test_push_falls_back_to_sparql_update_without_a_graph_store(stores, server):
    nowhere = f"http://127.0.0.1:{server.port}/no-graph-store-here"
    out = ok(kg("push", "--store", str(stores["full"]), "--endpoint", server.url, "--graph-store", nowhere))
    assert "via sparql update" in out
    assert remote_state(server.port) == {**stores["counts"]["full"], "": 0}
    line = one_error_line(
        kg("push", "--store", str(stores["full"]), "--endpoint", server.url, "--graph-store", nowhere, "--via", "gsp")
    )
    assert "no Graph Store Protocol endpoint" in line


def test_a_second_push_replaces_rather_than_duplicates(stores, server, other_data):
    for _ in range(2):
        ok(kg("push", "--store", str(stores["full"]), "--endpoint", server.url))
    assert remote_state(server.port) == {**stores["counts"]["full"], **other_data}
    out = ok(kg("push", "--store", str(stores["small"]), "--endpoint", server.url))
    removed = len(set(stores["counts"]["full"]) - set(stores["counts"]["small"]))
    assert f"{removed} old graphs removed" in out
    assert remote_state(server.port) == {**stores["counts"]["small"], **other_data}


def _seed(stores, tmp_path: Path) -> tuple[Path, dict[str, int]]:
    """A server directory holding the full push and other data, and its state; the server stopped."""
    seed = Oxigraph(tmp_path / "seed")
    try:
        sparql_update(seed.port, OTHER_DATA)
        ok(kg("push", "--store", str(stores["full"]), "--endpoint", seed.url))
        return seed.location, remote_state(seed.port)
    finally:
        seed.stop()


def _cut_push(seed: Path, location: Path, store: Path, via: str, cut: int | None):
    """Push `store` to a copy of `seed` through a proxy that kills the server before request `cut`.

    Returns the push's result, the requests that reached the proxy, and the server's state afterwards
    (restarted if it was killed).
    """
    shutil.copytree(seed, location)
    server = Oxigraph(location)
    proxy = Proxy(server, before=lambda n, method, body: server.kill() if n == cut else None)
    try:
        result = kg(
            "push", "--store", str(store), "--endpoint", proxy.url, "--via", via, env={"KG_ENDPOINT_RETRIES": "1"}
        )
        if server.process.poll() is not None:
            server.start()
        return result, list(proxy.requests), remote_state(server.port), staging_graphs(server.port)
    finally:
        proxy.close()
        server.kill()


@pytest.mark.parametrize("via", ["gsp", "update"])
def test_a_push_cut_off_anywhere_leaves_the_remote_all_old_or_all_new(stores, tmp_path, via):
    """Kill the server before one request of a push: the old state until the swap, the new state after."""
    seed, old = _seed(stores, tmp_path)
    result, sent, new, _ = _cut_push(seed, tmp_path / "whole", stores["small"], via, cut=None)
    ok(result)
    assert new != old
    swap_at = [i for i, (_, _, body) in enumerate(sent, 1) if is_swap(body)]
    assert len(swap_at) == 1 and 3 < swap_at[0] < len(sent)
    swap_at = swap_at[0]
    cuts = sorted({1, 2, 3, len(sent) // 2, swap_at - 1, swap_at, swap_at + 1, len(sent)})
    for cut in cuts:
        result, _, state, staging = _cut_push(seed, tmp_path / f"cut-{cut}", stores["small"], via, cut)
        line = one_error_line(result)
        assert "HTTP 502" in line, line
        assert state == (new if cut > swap_at else old), f"cut before request {cut} of {len(sent)}, swap at {swap_at}"
        if cut == swap_at:  # everything staged, nothing swapped: staging graphs are left, outside the project's
            assert staging
    # what a push cut off before its swap left behind, the next push clears
    server = Oxigraph(tmp_path / f"cut-{swap_at}")
    try:
        assert staging_graphs(server.port)
        ok(kg("push", "--store", str(stores["small"]), "--endpoint", server.url))
        assert staging_graphs(server.port) == []
        assert remote_state(server.port) == new
    finally:
        server.kill()


def test_a_transient_server_error_is_retried(stores, server):
    failures = {1, 4}
    proxy = Proxy(server, before=lambda n, method, body: 503 if n in failures else None)
    try:
        out = ok(kg("push", "--store", str(stores["full"]), "--endpoint", proxy.url))
    finally:
        proxy.close()
    assert "pushed" in out
    assert remote_state(server.port) == {**stores["counts"]["full"], "": 0}


# --------------------------------------------------------------------------- queries

QUERIES = [
    ("places-in.rq", "state=estonia", "table"),
    ("places-in.rq", "state=serbia", "csv"),
    ("places-in.rq", "state=china", "json"),
    ("relations-exist.rq", "b=estonia", "table"),
    ("relations-exist.rq", "b=serbia", "json"),
    ("describe-entity.rq", "entity=tallinn", "csv"),
]


@pytest.fixture(scope="module")
def pushed(stores, tmp_path_factory):
    server = Oxigraph(tmp_path_factory.mktemp("pushed") / "db")
    sparql_update(server.port, OTHER_DATA)
    ok(kg("push", "--store", str(stores["full"]), "--endpoint", server.url))
    yield server
    server.kill()


@pytest.mark.parametrize("dataset", ["auto", "project"])
@pytest.mark.parametrize("query, param, fmt", QUERIES)
def test_a_named_query_gives_the_same_answer_remotely_and_locally(stores, pushed, query, param, fmt, dataset):
    args = ("query", str(FIXTURES / query), "--param", param, "--format", fmt)
    local = ok(kg(*args, "--store", str(stores["full"])))
    remote = ok(kg(*args, "--endpoint", pushed.url, env={"KG_ENDPOINT_DATASET": dataset}))
    if query.startswith("describe"):  # CONSTRUCT: triples in no particular order
        assert sorted(local.splitlines()) == sorted(remote.splitlines())
    else:
        assert remote == local


def test_the_project_dataset_reads_only_the_project_graphs(stores, pushed, tmp_path):
    count = tmp_path / "count.rq"
    count.write_text(
        "# question: How many triples does the default graph hold?\n"
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }\n"
    )
    # DISTINCT: Oxigraph merges a default-graph-uri list as a multiset, its union default graph as a set
    local = ok(kg("query", str(count), "--store", str(stores["full"]), "--format", "csv"))
    distinct = {(q.subject, q.predicate, q.object) for q in StoreDir(stores["full"]).open_read()}
    assert local.splitlines()[1] == str(len(distinct))  # the union counts a triple stated in two passages once
    project = kg(
        "query", str(count), "--endpoint", pushed.url, "--format", "csv", env={"KG_ENDPOINT_DATASET": "project"}
    )
    assert ok(project) == local  # the other data on the server stays out


def test_the_named_query_answers_what_the_fixture_says(stores, pushed):
    out = ok(
        kg(
            "query",
            str(FIXTURES / "places-in.rq"),
            "--param",
            "state=serbia",
            "--format",
            "csv",
            "--endpoint",
            pushed.url,
        )
    )
    assert "https://w3id.org/kzlinks/id/belgrade,Belgrade,https://w3id.org/kzlinks/graph/003_" in out
    assert ok(kg("query", str(FIXTURES / "relations-exist.rq"), "--endpoint", pushed.url)).strip() == "yes"


def test_a_query_the_server_rejects_gives_its_message(pushed, tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("# question: broken\nSELECT ?x WHERE { ?x ?y }\n")
    line = one_error_line(kg("query", str(bad), "--endpoint", pushed.url))
    assert "HTTP 400" in line and str(bad) in line


def test_an_endpoint_without_the_project_says_push_first(server):
    line = one_error_line(kg("query", str(FIXTURES / "places-in.rq"), "--endpoint", server.url))
    assert "holds none of the project's graphs" in line and "kg push" in line


# --------------------------------------------------------------------------- credentials and failures


@pytest.fixture
def guarded(pushed):
    proxy = Proxy(pushed, user="analyst", password=PASSWORD)
    yield proxy
    proxy.close()


def _no_secret(result: subprocess.CompletedProcess, *secrets: str) -> None:
    shown = result.stdout + result.stderr
    for secret in secrets:
        assert secret not in shown
        assert base64.b64encode(f"analyst:{secret}".encode()).decode() not in shown


def test_credentials_from_the_environment_or_netrc_open_the_endpoint(stores, guarded, tmp_path):
    args = ("query", str(FIXTURES / "places-in.rq"), "--format", "csv")
    local = ok(kg(*args, "--store", str(stores["full"])))
    by_env = kg(*args, "--endpoint", guarded.url, env={"KG_ENDPOINT_USER": "analyst", "KG_ENDPOINT_PASSWORD": PASSWORD})
    assert ok(by_env) == local
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login analyst\n  password {PASSWORD}\n")
    netrc.chmod(0o600)
    by_netrc = kg(*args, "--endpoint", guarded.url, env={"NETRC": str(netrc)})
    assert ok(by_netrc) == local
    _no_secret(by_env, PASSWORD)
    _no_secret(by_netrc, PASSWORD)


@pytest.mark.parametrize("command", ["query", "push"])
def test_a_wrong_password_gives_one_line_and_no_secret(stores, guarded, command):
    wrong = "not-the-Pw-42"
    args = ("query", str(FIXTURES / "places-in.rq")) if command == "query" else ("push", "--store", str(stores["full"]))
    result = kg_process(
        *args, "--endpoint", guarded.url, env={"KG_ENDPOINT_USER": "analyst", "KG_ENDPOINT_PASSWORD": wrong}
    )
    line = one_error_line(result)
    assert "access refused (HTTP 401: wrong user or password" in line
    _no_secret(result, wrong, PASSWORD)
    missing = one_error_line(kg(*args, "--endpoint", guarded.url))
    assert "no credentials given" in missing


def test_credentials_in_the_url_are_refused_without_echoing_them(guarded):
    result = kg(
        "query",
        str(FIXTURES / "places-in.rq"),
        "--endpoint",
        f"http://analyst:{urllib.parse.quote(PASSWORD)}@127.0.0.1:{guarded.port}/query",
    )
    assert "credentials in the URL are refused" in one_error_line(result)
    _no_secret(result, PASSWORD, urllib.parse.quote(PASSWORD))
    assert not guarded.requests


@pytest.mark.parametrize("command", ["query", "push"])
def test_a_down_server_gives_one_clear_line(stores, command):
    url = f"http://127.0.0.1:{free_port()}/query"
    args = ("query", str(FIXTURES / "places-in.rq")) if command == "query" else ("push", "--store", str(stores["full"]))
    line = one_error_line(kg_process(*args, "--endpoint", url, timeout=60))
    assert url in line and "connection refused" in line and "(3 attempts)" in line


def test_a_server_that_never_answers_times_out(stores):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections are accepted by the kernel, and nothing ever answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        result = kg_process(
            "query",
            str(FIXTURES / "places-in.rq"),
            "--endpoint",
            url,
            env={"KG_ENDPOINT_TIMEOUT": "1", "KG_ENDPOINT_RETRIES": "2"},
            timeout=60,
        )
    line = one_error_line(result)
    assert "no complete answer within 1 s" in line and "attempts" not in line  # a slow server is not asked twice


# --------------------------------------------------------------------------- what kg derives from a URL


@pytest.mark.parametrize(
    "url, update, graph_store",
    [
        ("http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),  # Oxigraph
        ("http://h:3030/kzlinks", "http://h:3030/kzlinks", "http://h:3030/kzlinks"),  # a Fuseki dataset URL
        ("http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),  # Virtuoso
    ],
)
def test_the_update_and_graph_store_endpoints_follow_from_the_query_url(url, update, graph_store):
    from kzlinks.sparql.remote import Endpoints

    assert Endpoints.derive(url) == Endpoints(url, update, graph_store)


def test_results_from_a_server_that_says_typed_literal_read_as_literals():
    from kzlinks.sparql.remote import results_from_json

    body = json.dumps(
        {
            "head": {"vars": ["n", "name"]},
            "results": {
                "bindings": [
                    {
                        "n": {
                            "type": "typed-literal",
                            "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                            "value": "3",
                        },
                        "name": {"type": "literal", "value": "Aktau"},
                    }
                ]
            },
        }
    ).encode()
    row = results_from_json(body).rows[0]
    assert (row["n"].type, row["n"].value, row["n"].datatype) == (
        "literal",
        "3",
        "http://www.w3.org/2001/XMLSchema#integer",
    )
    assert row["name"].datatype == "http://www.w3.org/2001/XMLSchema#string"


# --------------------------------------------------------------------------- a server's base URL


def test_a_push_to_a_base_url_finds_oxigraphs_endpoints(stores, server):
    result = kg("push", "--store", str(stores["full"]), "--endpoint", f"http://127.0.0.1:{server.port}")
    out = ok(result)
    base = f"http://127.0.0.1:{server.port}"
    assert f"found query endpoint {base}/query, update endpoint {base}/update" in result.stderr
    assert f"graph store found at {base}/store" in result.stderr
    assert "via graph store protocol" in out
    assert remote_state(server.port) == {**stores["counts"]["full"], "": 0}
    local = ok(kg("query", str(FIXTURES / "places-in.rq"), "--store", str(stores["full"])))
    assert ok(kg("query", str(FIXTURES / "places-in.rq"), "--endpoint", base)) == local


class Misbehaving:
    """A tiny real HTTP server on loopback whose handler is the test's own function."""

    def __init__(self, handle) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _any(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    handle(self)
                except OSError:
                    pass  # the client gave up: what the test wants

            do_GET = do_POST = do_PUT = _any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_base_url_where_nothing_answers_names_what_was_tried():
    def not_found(handler):
        handler.send_response(404)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    nothing = Misbehaving(not_found)
    try:
        line = one_error_line(
            kg("query", str(FIXTURES / "places-in.rq"), "--endpoint", f"http://127.0.0.1:{nothing.port}")
        )
    finally:
        nothing.close()
    assert "no SPARQL query endpoint answers there (tried POST ASK {} to /query, /sparql" in line


# --------------------------------------------------------------------------- hostile servers and bad settings


@pytest.mark.parametrize("command", ["query", "push"])
def test_a_server_dripping_one_byte_every_half_second_is_cut_off_at_the_deadline(stores, command):
    def drip(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/sparql-results+json")
        handler.send_header("Content-Length", "100000")
        handler.end_headers()
        for _ in range(600):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)

    slow = Misbehaving(drip)
    url = f"http://127.0.0.1:{slow.port}/query"
    args = ("query", str(FIXTURES / "places-in.rq")) if command == "query" else ("push", "--store", str(stores["full"]))
    started = time.monotonic()
    try:
        result = kg(*args, "--endpoint", url, env={"KG_ENDPOINT_TIMEOUT": "2"})
    finally:
        slow.close()
    elapsed = time.monotonic() - started
    assert "no complete answer within 2 s" in one_error_line(result)
    assert elapsed < 8, elapsed  # the deadline covers the whole request, not each read


def test_user_graphs_under_the_staging_prefixes_survive_a_push(stores, server):
    mine = [
        "https://w3id.org/kzlinks/staging/my-own-data",
        "https://w3id.org/kzlinks/kg-push-staging/notes",
        "https://w3id.org/kzlinks/kg-push-staging/run-2024/g1",
    ]
    inserts = " ".join(f'GRAPH <{g}> {{ <http://example.org/s> <http://example.org/p> "kept" }}' for g in mine)
    assert sparql_update(server.port, f"INSERT DATA {{ {inserts} }}") in (200, 204)
    ok(kg("push", "--store", str(stores["full"]), "--endpoint", server.url))
    ok(kg("push", "--store", str(stores["small"]), "--endpoint", server.url))
    graphs = {r["g"] for r in sparql(server.port, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert set(mine) <= graphs
    assert remote_state(server.port) == {**stores["counts"]["small"], mine[0]: 1, "": 0}  # the rest: staging-like


def _slow_swap(server: Oxigraph, forward: bool, delay: float) -> Proxy:
    """A proxy that, for the swap, waits `delay` s and forwards it (or never forwards it)."""

    def before(n, method, body):
        if is_swap(body):
            if not forward:
                time.sleep(delay)
                return 504
            time.sleep(delay)
        return None

    return Proxy(server, before=before)


def test_a_swap_that_outlasts_the_deadline_is_confirmed_on_the_server(stores, server):
    proxy = _slow_swap(server, forward=True, delay=3)
    try:
        result = kg("push", "--store", str(stores["full"]), "--endpoint", proxy.url, env={"KG_ENDPOINT_TIMEOUT": "2"})
    finally:
        proxy.close()
    out = ok(result)
    assert "the swap outlasted the deadline and was confirmed on the server" in out
    assert remote_state(server.port) == {**stores["counts"]["full"], "": 0}
    assert staging_graphs(server.port) == []


def test_a_swap_that_never_reaches_the_server_is_reported_as_not_done(stores, server):
    ok(kg("push", "--store", str(stores["small"]), "--endpoint", server.url))
    before = remote_state(server.port)
    proxy = _slow_swap(server, forward=False, delay=5)
    try:
        result = kg("push", "--store", str(stores["full"]), "--endpoint", proxy.url, env={"KG_ENDPOINT_TIMEOUT": "2"})
    finally:
        proxy.close()
    line = one_error_line(result)
    assert "checked on the server: the swap did not happen and the remote still holds the old data" in line
    assert remote_state(server.port) == before
    assert staging_graphs(server.port) == []


@pytest.mark.parametrize(
    "endpoint, env, expected",
    [
        ("http://127.0.0.1:99999/query", {}, "http://127.0.0.1:99999/query: not a valid port"),
        ("http://127.0.0.1:1/query", {"KG_ENDPOINT_RETRIES": "0.5"}, "KG_ENDPOINT_RETRIES must be a whole number"),
        ("http://127.0.0.1:1/query", {"KG_ENDPOINT_TIMEOUT": "nan"}, "KG_ENDPOINT_TIMEOUT must be positive"),
        ("http://127.0.0.1:1/query", {"KG_ENDPOINT_RETRIES": "0"}, "KG_ENDPOINT_RETRIES must be positive"),
    ],
)
@pytest.mark.parametrize("command", ["query", "push"])
def test_bad_endpoint_settings_give_one_line(stores, command, endpoint, env, expected):
    args = ("query", str(FIXTURES / "places-in.rq")) if command == "query" else ("push", "--store", str(stores["full"]))
    assert expected in one_error_line(kg(*args, "--endpoint", endpoint, env=env))


def test_a_password_over_plain_http_off_this_machine_is_warned_about(stores):
    env = {"KG_ENDPOINT_USER": "analyst", "KG_ENDPOINT_PASSWORD": PASSWORD}
    far = kg(
        "query",
        str(FIXTURES / "places-in.rq"),
        "--endpoint",
        "http://192.0.2.1:9/query",  # TEST-NET-1: never answers
        env={**env, "KG_ENDPOINT_TIMEOUT": "1", "KG_ENDPOINT_RETRIES": "1"},
    )
    one_error_line(far)
    assert "kg: warning: the password for http://192.0.2.1:9/query goes over plain http://" in far.stderr
    _no_secret(far, PASSWORD)
    near = kg("query", str(FIXTURES / "places-in.rq"), "--endpoint", f"http://127.0.0.1:{free_port()}/query", env=env)
    assert "warning" not in near.stderr
