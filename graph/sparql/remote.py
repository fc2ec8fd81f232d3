"""A remote SPARQL server as an engine, and `kg push` to it, over the standard protocols only.

One code path for Oxigraph server, Apache Jena Fuseki, GraphDB, Virtuoso, QLever or Neptune: queries go
out as SPARQL 1.1 Protocol requests (form-encoded POST, results as SPARQL JSON), data goes in through the
SPARQL 1.1 Graph Store HTTP Protocol, or SPARQL 1.1 Update where a server has no graph store endpoint.

A push never leaves the remote half-updated: the graphs are loaded into staging graphs outside the
project's namespace, their quad counts are checked, and one SPARQL Update request drops the project's old
graphs and moves the staging graphs into place (SPARQL 1.1 Update asks that a request be atomic; Oxigraph
and Fuseki run it as one transaction). Only graphs under the project's graph namespace are replaced;
anything else on the server is left alone.

Credentials come from KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD or a netrc file, never from the command line,
and every error message is scrubbed of them. Every request has a deadline and a bounded, backed-off retry,
so a down, slow or failing server ends in one clear line rather than a hang.
"""

from __future__ import annotations

import base64
import http.client
import json
import netrc
import os
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field

import pyoxigraph as ox

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError, RemoteError
from kzlinks.namespaces import BASE, GRAPH
from kzlinks.progress import Progress
from kzlinks.sparql.binding import term_to_sparql, with_values
from kzlinks.sparql.engines import _from_ox
from kzlinks.sparql.results import XSD_STRING, Results, Term

PROJECT_GRAPHS = str(GRAPH)  # every graph the project owns on a shared server starts with this
STAGING_GRAPHS = BASE + "staging/"  # outside PROJECT_GRAPHS, so a cut-off push never shows in queries
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RESULTS_JSON = "application/sparql-results+json"
ACCEPT_QUERY = f"{RESULTS_JSON}, application/sparql-results+xml;q=0.8, application/n-triples;q=0.9, text/turtle;q=0.7"
RETRY_STATUS = {429, 502, 503, 504}
NO_GRAPH_STORE = {404, 405, 415, 501}  # a URL that is not a Graph Store Protocol endpoint
UPDATE_BATCH_BYTES = 4_000_000


# --------------------------------------------------------------------------- endpoints and credentials


@dataclass(frozen=True)
class Endpoints:
    """Where a server takes queries, updates and Graph Store Protocol requests."""

    query: str
    update: str
    graph_store: str | None

    @classmethod
    def derive(cls, url: str, update: str | None = None, graph_store: str | None = None) -> Endpoints:
        """Oxigraph's layout from `…/query`, a shared URL from `…/sparql`, Fuseki's from a dataset URL."""
        for given in (url, update, graph_store):
            if given:
                _check_url(given)
        path = urllib.parse.urlsplit(url).path
        if path.endswith("/query"):
            base = url[: url.rindex("/query")]
            derived_update, derived_store = base + "/update", base + "/store"
        elif path.endswith("/sparql"):
            derived_update, derived_store = url, None
        else:
            derived_update, derived_store = url, url
        return cls(url, update or derived_update, graph_store or derived_store)


def public(url: str) -> str:
    """A URL as it may appear in a message: no user info, no query string."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RemoteError(f"not an http(s) endpoint URL: {public(url) if parts.hostname else '(no host)'}")
    if parts.username is not None or parts.password is not None:
        raise RemoteError(
            f"{public(url)}: credentials in the URL are refused; set KG_ENDPOINT_USER and "
            "KG_ENDPOINT_PASSWORD, or use a netrc file"
        )


def credentials(url: str, environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """User and password from the environment, else from $NETRC or ~/.netrc for the URL's host."""
    env = os.environ if environ is None else environ
    user, password = env.get("KG_ENDPOINT_USER"), env.get("KG_ENDPOINT_PASSWORD")
    if user or password:
        if not (user and password):
            raise RemoteError("set both KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD, or neither")
        return user, password
    path = env.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return None
    try:
        entry = netrc.netrc(path).authenticators(urllib.parse.urlsplit(url).hostname or "")
    except netrc.NetrcParseError as exc:  # its message may quote a token of the file: say only where
        raise RemoteError("cannot parse the netrc file", file=path, line=exc.lineno) from None
    except OSError as exc:
        raise RemoteError(f"cannot read the netrc file: {exc.strerror}", file=path) from None
    if entry and entry[0] and entry[2]:
        return entry[0], entry[2]
    return None


# --------------------------------------------------------------------------- HTTP with deadlines and retries


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes


@dataclass
class _Failure:
    text: str
    retry: str  # always (the request never reached the server) | if-idempotent | never
    status: int | None = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected POST would lose its body (and maybe the credentials): report it instead."""

    def redirect_request(self, *args, **kwargs):
        return None


def _env_number(name: str, default: float, environ: dict[str, str]) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise RemoteError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise RemoteError(f"{name} must be positive, got {raw!r}")
    return value


@dataclass
class HttpClient:
    """Every request: a deadline, preemptive basic auth, and retries only where repeating is harmless."""

    auth: tuple[str, str] | None = None
    timeout: float = 60.0
    attempts: int = 3
    backoff: float = 0.5
    _opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(_NoRedirect()), repr=False
    )

    @classmethod
    def from_environment(cls, url: str, environ: dict[str, str] | None = None) -> HttpClient:
        env = os.environ if environ is None else environ
        return cls(
            credentials(url, env),
            _env_number("KG_ENDPOINT_TIMEOUT", 60.0, env),
            int(_env_number("KG_ENDPOINT_RETRIES", 3, env)),
        )

    def redact(self, text: str) -> str:
        """The text with any trace of the credentials replaced."""
        if not self.auth:
            return text
        for secret in (self.auth[1], self._token(), urllib.parse.quote(self.auth[1], safe="")):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _token(self) -> str:
        return base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode() if self.auth else ""

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> Response:
        """Send; retry refused connections always, and resets, connection timeouts or 429/5xx when `idempotent`."""
        headers = dict(headers or {})
        headers.setdefault("User-Agent", "kzlinks-kg")
        if self.auth:
            headers["Authorization"] = "Basic " + self._token()
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 8.0))
            outcome = self._once(urllib.request.Request(url, body, headers, method=method))
            if isinstance(outcome, Response):
                return outcome
            if outcome.retry == "never" or (outcome.retry == "if-idempotent" and not idempotent):
                break
        tries = f" ({attempt + 1} attempts)" if attempt else ""
        error = RemoteError(self.redact(f"{public(url)}: {outcome.text}{tries}"))
        error.status = outcome.status
        error.unsent = outcome.retry == "always"  # the server never got the request: nothing happened there
        raise error

    def _once(self, request: urllib.request.Request) -> Response | _Failure:
        deadline = time.monotonic() + self.timeout
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                return Response(answer.status, answer.headers.get_content_type(), _read(answer, deadline, self.timeout))
        except urllib.error.HTTPError as exc:
            return self._http_failure(exc, deadline)
        except urllib.error.URLError as exc:  # while connecting or sending
            return _network_failure(exc.reason, self.timeout, answering=False)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:  # while waiting for the answer
            return _network_failure(exc, self.timeout, answering=True)

    def _http_failure(self, exc: urllib.error.HTTPError, deadline: float) -> _Failure:
        if exc.code in (401, 403):
            how = "wrong user or password" if self.auth else "no credentials given"
            return _Failure(
                f"access refused (HTTP {exc.code}: {how}; credentials come from KG_ENDPOINT_USER and "
                "KG_ENDPOINT_PASSWORD or a netrc file)",
                "never",
                exc.code,
            )
        if 300 <= exc.code < 400:
            target = exc.headers.get("Location", "")
            return _Failure(
                f"redirected (HTTP {exc.code}) to {public(target) if target else 'elsewhere'}: use that URL",
                "never",
                exc.code,
            )
        try:
            text = _read(exc, deadline, self.timeout).decode("utf-8", "replace")
        except (OSError, RemoteError):
            text = ""
        text = " ".join(text.split())[:300] or exc.reason or ""
        return _Failure(
            f"the server answered HTTP {exc.code}: {text}",
            "if-idempotent" if exc.code in RETRY_STATUS else "never",
            exc.code,
        )


def _read(answer, deadline: float, timeout: float) -> bytes:
    """The whole body, or a timeout if it trickles in past the deadline."""
    chunks = []
    while chunk := answer.read(1 << 16):
        chunks.append(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError(f"the answer took longer than {timeout:g} s")
    return b"".join(chunks)


def _network_failure(reason, timeout: float, answering: bool) -> _Failure:
    """A slow answer is not asked for again: the server is still working on it, and a retry only adds load."""
    if isinstance(reason, ConnectionRefusedError):
        return _Failure("cannot connect: connection refused (is the server running?)", "always")
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        what = "no answer" if answering else "no connection"
        return _Failure(
            f"{what} within {timeout:g} s (set KG_ENDPOINT_TIMEOUT to wait longer)",
            "never" if answering else "if-idempotent",
        )
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return _Failure(f"cannot talk to the server: {text}", "if-idempotent")


# --------------------------------------------------------------------------- results


def term_from_json(data: dict) -> Term:
    """A SPARQL 1.1 JSON term as the same Term the local engines give (plain literals typed xsd:string)."""
    kind, value = data.get("type"), data.get("value")
    if kind == "uri":
        return Term("uri", value)
    if kind == "bnode":
        return Term("bnode", value)
    if kind in ("literal", "typed-literal"):  # typed-literal: Virtuoso's pre-standard spelling
        lang = data.get("xml:lang")
        return Term("literal", value, data.get("datatype") or (RDF_LANGSTRING if lang else XSD_STRING), lang)
    if kind == "triple":
        parts = [_nt(term_from_json(value[k])) for k in ("subject", "predicate", "object")]
        return Term("triple", " ".join(parts))
    raise RemoteError(f"unknown term type in SPARQL JSON results: {kind!r}")


def _nt(term: Term) -> str:
    if term.type == "uri":
        return f"<{term.value}>"
    if term.type == "bnode":
        return f"_:{term.value}"
    if term.type == "triple":
        return f"<< {term.value} >>"
    return str(
        ox.Literal(term.value, language=term.lang)
        if term.lang
        else ox.Literal(term.value, datatype=ox.NamedNode(term.datatype or XSD_STRING))
    )


def results_from_json(body: bytes) -> Results:
    data = json.loads(body)
    if "boolean" in data:
        return Results([], boolean=bool(data["boolean"]))
    variables = list(data["head"].get("vars", []))
    rows = [{v: term_from_json(t) for v, t in binding.items()} for binding in data["results"]["bindings"]]
    return Results(variables, rows)


def parse_answer(answer: Response, origin: str) -> Results:
    """SPARQL JSON (what we ask for), XML or TSV results, or an RDF graph for CONSTRUCT and DESCRIBE."""
    try:
        if answer.content_type == RESULTS_JSON or answer.content_type == "application/json":
            return results_from_json(answer.body)
        results_format = ox.QueryResultsFormat.from_media_type(answer.content_type)
        if results_format is not None:
            return _from_ox_results(ox.parse_query_results(answer.body, results_format))
        graph_format = ox.RdfFormat.from_media_type(answer.content_type)
        if graph_format is not None:
            return Results(
                ["subject", "predicate", "object"],
                [
                    {"subject": _from_ox(t.subject), "predicate": _from_ox(t.predicate), "object": _from_ox(t.object)}
                    for t in ox.parse(answer.body, graph_format)
                ],
            )
    except (ValueError, KeyError, TypeError, SyntaxError) as exc:
        raise RemoteError(f"unreadable answer ({answer.content_type}): {exc}", file=origin) from None
    raise RemoteError(f"the server answered in an unexpected format: {answer.content_type}", file=origin)


def _from_ox_results(answer) -> Results:
    if isinstance(answer, ox.QueryBoolean):
        return Results([], boolean=bool(answer))
    variables = [v.value for v in answer.variables]
    return Results(variables, [{v: _from_ox(s[v]) for v in variables if s[v] is not None} for s in answer])


# --------------------------------------------------------------------------- the engine


def _iri(iri: str) -> str:
    try:
        return term_to_sparql(Term("uri", iri))
    except KGError:
        raise RemoteError(f"not a valid graph IRI: {iri!r}") from None


def _graphs_query(prefix: str) -> str:
    return f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'


def _counts_query(prefix: str) -> str:
    return (
        f'SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }} '
        "GROUP BY ?g"
    )


DATASET_MODES = ("auto", "server", "project")
OXIGRAPH_UNION = [("union-default-graph", "true")]  # Oxigraph's own parameter: its union default graph
PROBE = f"ASK {{ ?passage a <{BASE}ontology#Passage> }}"  # every passage graph describes itself


class RemoteEngine:
    """A SPARQL 1.1 endpoint that runs the named queries as the local engines do.

    Named queries read the union of the project's graphs as their default graph, and servers differ on
    what their default graph is. KG_ENDPOINT_DATASET chooses, once per engine:
      auto (default): the server's default graph if it already holds the project's data (GraphDB,
        Virtuoso, Neptune, QLever, Oxigraph with --union-default-graph, Fuseki with unionDefaultGraph);
        else Oxigraph's `union-default-graph` parameter if the server takes it; else as `project`.
      server: the server's default graph, whatever it is.
      project: the protocol's `default-graph-uri`/`named-graph-uri` naming each project graph: standard and
        exact (nothing else on a shared server is seen), but slow on some servers with many graphs
        (Oxigraph: about 100 times slower with 500 graphs).
    """

    name = "remote"

    def __init__(self, endpoints: Endpoints, client: HttpClient, dataset: str = "auto") -> None:
        if dataset not in DATASET_MODES:
            raise RemoteError(f"KG_ENDPOINT_DATASET must be one of {', '.join(DATASET_MODES)}, got {dataset!r}")
        self.endpoints = endpoints
        self.client = client
        self.dataset_mode = dataset
        self._dataset: list[tuple[str, str]] | None = None
        self._graphs: list[str] | None = None

    @classmethod
    def from_environment(
        cls, url: str, update: str | None = None, graph_store: str | None = None, environ: dict[str, str] | None = None
    ) -> RemoteEngine:
        env = os.environ if environ is None else environ
        endpoints = Endpoints.derive(url, update, graph_store)
        return cls(endpoints, HttpClient.from_environment(url, env), env.get("KG_ENDPOINT_DATASET") or "auto")

    def run(self, sparql: str, bindings: dict[str, Term], origin: str) -> Results:
        return self.query(with_values(sparql, bindings), self.dataset(), origin)

    def dataset(self) -> list[tuple[str, str]]:
        """The protocol parameters that make the default graph the union of the project's graphs."""
        if self._dataset is None:
            self._dataset = self._choose_dataset()
        return self._dataset

    def _choose_dataset(self) -> list[tuple[str, str]]:
        if self.dataset_mode == "server":
            return []
        if self.dataset_mode == "auto":
            if self.query(PROBE).boolean:
                return []
            if self._takes(OXIGRAPH_UNION):
                return OXIGRAPH_UNION
        graphs = self.project_graphs()
        if not graphs:
            raise RemoteError(
                f"{public(self.endpoints.query)} holds none of the project's graphs "
                "(run `kg push --endpoint URL` first, or set KG_ENDPOINT_DATASET=server)"
            )
        return [(key, g) for key in ("default-graph-uri", "named-graph-uri") for g in graphs]

    def _takes(self, params: list[tuple[str, str]]) -> bool:
        try:
            return bool(self.query(PROBE, params).boolean)
        except RemoteError as exc:
            if getattr(exc, "status", None) in (
                400,
                404,
                405,
                406,
                415,
                422,
                501,
            ):  # a server that refuses the parameter
                return False
            raise

    def query(self, sparql: str, dataset: list[tuple[str, str]] = (), origin: str | None = None) -> Results:
        """One SPARQL 1.1 Protocol query (form-encoded POST), over the server's own dataset unless given one."""
        body = urllib.parse.urlencode([("query", sparql), *dataset]).encode("utf-8")
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT_QUERY}
        try:
            answer = self.client.request("POST", self.endpoints.query, body, headers)
        except RemoteError as exc:
            if origin and not exc.file and getattr(exc, "status", None) not in (None, 401, 403):
                exc.file = origin  # the server rejected this query: say which one
            raise
        return parse_answer(answer, origin or public(self.endpoints.query))

    def project_graphs(self) -> list[str]:
        if self._graphs is None:
            self._graphs = sorted(self.graphs(PROJECT_GRAPHS))
        return self._graphs

    def graphs(self, prefix: str) -> set[str]:
        """The named graphs on the server whose IRI starts with `prefix`, empty ones included."""
        return {row["g"].value for row in self.query(_graphs_query(prefix)).rows if "g" in row}

    def counts(self, prefix: str) -> dict[str, int]:
        """Quads per named graph on the server, for graphs whose IRI starts with `prefix`."""
        return {row["g"].value: int(row["n"].value) for row in self.query(_counts_query(prefix)).rows}

    def update(self, text: str, idempotent: bool) -> None:
        """One SPARQL 1.1 Update request: one transaction on the server."""
        body = urllib.parse.urlencode({"update": text}).encode("utf-8")
        self.client.request(
            "POST",
            self.endpoints.update,
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
            idempotent=idempotent,
        )
        self._graphs = None

    def put_graph(self, iri: str, ntriples: bytes) -> bool:
        """Replace one graph through the Graph Store Protocol; False when the server has no such endpoint."""
        if not self.endpoints.graph_store:
            return False
        sep = "&" if "?" in self.endpoints.graph_store else "?"
        url = self.endpoints.graph_store + sep + urllib.parse.urlencode({"graph": iri})
        try:
            self.client.request("PUT", url, ntriples, {"Content-Type": "application/n-triples"})
        except RemoteError as exc:
            if getattr(exc, "status", None) in NO_GRAPH_STORE:
                return False
            raise
        return True


# --------------------------------------------------------------------------- push


@dataclass
class PushReport:
    graphs: int
    quads: int
    removed: int
    leftovers: int
    via: str
    seconds: float


def local_graphs(store_dir: StoreDir) -> dict[str, bytes]:
    """Each project graph of the live store as N-Triples; anything outside the project's graphs is an error."""
    store = store_dir.open_read()
    graphs: dict[str, bytes] = {}
    for graph in store.named_graphs():
        if not graph.value.startswith(PROJECT_GRAPHS):
            raise KGError(
                f"the store holds a graph outside {PROJECT_GRAPHS}: <{graph.value}>; "
                "push only moves the project's graphs",
                file=store_dir.root,
            )
        triples = [
            ox.Triple(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)
        ]
        graphs[graph.value] = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise KGError("the store has triples in its default graph; push only moves named graphs", file=store_dir.root)
    return graphs


def _count(ntriples: bytes) -> int:
    return ntriples.count(b"\n")


def push(
    store_dir: StoreDir, remote: RemoteEngine, via: str = "auto", progress: Progress = lambda _: None
) -> PushReport:
    """Replace the project's graphs on the remote with the local store's, all at once or not at all."""
    started = time.perf_counter()
    graphs = {iri: data for iri, data in local_graphs(store_dir).items() if data}
    expected = {iri: _count(data) for iri, data in graphs.items()}
    leftovers = _drop_leftovers(remote, progress)
    staging, used = _stage_checked(remote, graphs, expected, via, progress)
    stale = remote.graphs(PROJECT_GRAPHS) - set(graphs)
    progress(f"swapping in {len(graphs)} graphs and removing {len(stale)} in one update")
    _swap(remote, staging, stale)
    after = remote.counts(PROJECT_GRAPHS)
    if after != expected:
        raise RemoteError(
            f"{public(remote.endpoints.query)}: after the swap the server holds {sum(after.values())} "
            f"quads in the project's graphs, expected {sum(expected.values())}: run `kg push` again"
        )
    return PushReport(len(graphs), sum(expected.values()), len(stale), leftovers, used, time.perf_counter() - started)


def _stage_checked(
    remote: RemoteEngine, graphs: dict[str, bytes], expected: dict[str, int], via: str, progress: Progress
) -> tuple[dict[str, str], str]:
    """Each graph loaded into a fresh staging graph and counted there; on any failure the staging is dropped."""
    run = f"{STAGING_GRAPHS}{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}/"
    staging = {iri: f"{run}{i}" for i, iri in enumerate(sorted(graphs))}
    progress(f"loading {len(graphs)} graphs ({sum(expected.values())} quads) into staging graphs")
    try:
        used = _stage(remote, graphs, staging, via, progress)
        staged = remote.counts(run)
        want = {staging[iri]: n for iri, n in expected.items()}
        if staged != want:
            raise RemoteError(
                f"{public(remote.endpoints.query)}: staging check failed ({sum(staged.values())} of "
                f"{sum(want.values())} quads arrived); the project's graphs were not touched"
            )
    except BaseException:
        _drop_quietly(remote, staging.values())
        raise
    return staging, used


def _drop_leftovers(remote: RemoteEngine, progress: Progress) -> int:
    """Staging graphs an interrupted push left behind (never visible to the project's queries)."""
    leftovers = remote.graphs(STAGING_GRAPHS)
    if leftovers:
        progress(f"removing {len(leftovers)} staging graphs left by an interrupted push")
        remote.update(";\n".join(f"DROP SILENT GRAPH {_iri(g)}" for g in sorted(leftovers)), idempotent=True)
    return len(leftovers)


def _drop_quietly(remote: RemoteEngine, graphs) -> None:
    try:
        remote.update(";\n".join(f"DROP SILENT GRAPH {_iri(g)}" for g in graphs), idempotent=True)
    except KGError:
        pass  # the next push removes them; they sit outside the project's graphs meanwhile


def _stage(
    remote: RemoteEngine, graphs: dict[str, bytes], staging: dict[str, str], via: str, progress: Progress
) -> str:
    """Load every graph into its staging graph: Graph Store Protocol PUTs, or SPARQL Update batches."""
    order = sorted(graphs)
    if via in ("auto", "gsp") and order:
        if remote.put_graph(staging[order[0]], graphs[order[0]]):
            for done, iri in enumerate(order[1:], 2):
                remote.put_graph(staging[iri], graphs[iri])
                if done % 100 == 0 or done == len(order):
                    progress(f"staged {done}/{len(order)} graphs")
            return "graph store protocol"
        if via == "gsp":
            raise RemoteError(
                f"{public(remote.endpoints.graph_store or remote.endpoints.query)}: "
                "no Graph Store Protocol endpoint there (give --graph-store URL, or --via update)"
            )
        progress("no Graph Store Protocol endpoint: loading with SPARQL Update")
    for done, batch in _update_batches(graphs, staging):
        remote.update(batch, idempotent=True)
        progress(f"staged {done}/{len(order)} graphs")
    return "sparql update"


def _update_batches(graphs: dict[str, bytes], staging: dict[str, str]):
    """Whole graphs per request, each cleared first, so a retried batch never loads anything twice."""
    parts: list[str] = []
    size = 0
    for done, iri in enumerate(sorted(graphs), 1):
        target = _iri(staging[iri])
        part = f"DROP SILENT GRAPH {target};\nINSERT DATA {{ GRAPH {target} {{\n{graphs[iri].decode('utf-8')}}} }}"
        parts.append(part)
        size += len(part)
        if size >= UPDATE_BATCH_BYTES or done == len(graphs):
            yield done, ";\n".join(parts)
            parts, size = [], 0


def _swap(remote: RemoteEngine, staging: dict[str, str], stale: set[str]) -> None:
    """One update request: drop the graphs that are gone, move each staging graph over its target.

    Not retried on an ambiguous failure: MOVE from a staging graph that was already moved would fail
    anyway, but the message must say the outcome is unknown and that pushing again is safe.
    """
    operations = [f"DROP SILENT GRAPH {_iri(g)}" for g in sorted(stale)]
    operations += [f"MOVE GRAPH {_iri(s)} TO GRAPH {_iri(g)}" for g, s in sorted(staging.items())]
    if not operations:
        return
    try:
        remote.update(";\n".join(operations), idempotent=False)
    except RemoteError as exc:
        if getattr(exc, "unsent", False):
            raise
        raise RemoteError(
            exc.message + "; the swap may or may not have happened (the server swaps in one "
            "transaction, so the remote is either all old or all new): run `kg push` again"
        ) from None
