"""A remote SPARQL server as an engine, and `kg push` to it, over the standard protocols only.

One code path for Oxigraph server, Apache Jena Fuseki, GraphDB, Virtuoso, QLever or Neptune: queries go
out as SPARQL 1.1 Protocol requests (form-encoded POST, results as SPARQL JSON), data goes in through the
SPARQL 1.1 Graph Store HTTP Protocol, or SPARQL 1.1 Update where a server has no graph store endpoint.

A push never leaves the remote half-updated: the graphs are loaded into staging graphs outside the
project's namespace, their quad counts are checked, and one SPARQL Update request drops the project's old
graphs and moves the staging graphs into place (SPARQL 1.1 Update asks that a request be atomic; Oxigraph
and Fuseki run it as one transaction). Only graphs under the project's graph namespace are replaced;
anything else on the server is left alone.

Given only a server's base URL (`http://host:port`), its query and update endpoints are found by asking the
usual paths, and its graph store at the first write. Blank nodes go out as skolem IRIs under
`https://w3id.org/kzlinks/.well-known/genid/` (Virtuoso refuses blank nodes in INSERT DATA) and come back as
the same blank nodes. A swap that outlasts the deadline is settled by asking the server what happened.

Credentials come from KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD or a netrc file, never from the command line,
and every error message is scrubbed of them; sending them over plain http:// off this machine is warned
about. Every request has a whole-request deadline (KG_ENDPOINT_TIMEOUT, enforced by closing the socket, so
a server that drips bytes cannot hold it) and a bounded, backed-off retry, so a down, slow or failing
server ends in one clear line rather than a hang.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import ipaddress
import json
import netrc
import os
import re
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from kzlinks.dataset.store import StoreDir
from kzlinks.errors import KGError, RemoteError
from kzlinks.namespaces import BASE, GRAPH, RDF
from kzlinks.progress import Progress, silent
from kzlinks.sparql.binding import term_to_sparql, with_terms, with_values
from kzlinks.sparql.engines import results_from_oxigraph
from kzlinks.sparql.results import XSD_STRING, Results, Term

PROJECT_GRAPHS = str(GRAPH)  # every graph the project owns on a shared server starts with this
# Staging graphs sit outside PROJECT_GRAPHS, so a cut-off push never shows in queries. Only graphs whose whole
# IRI has the shape this tool mints (run stamp, random tag, graph number) count as leftovers of a push: a user's
# own graph that merely shares the prefix is never touched.
STAGING_GRAPHS = BASE + "kg-push-staging/"
STAGING_PATTERN = re.compile(re.escape(STAGING_GRAPHS) + r"run-\d{8}T\d{6}Z-[0-9a-f]{16}/g\d+")
GENID = BASE + ".well-known/genid/"  # RDF 1.1 skolem IRIs: a blank node pushed where a server refuses blank nodes
RDF_LANGSTRING = str(RDF.langString)
RESULTS_JSON = "application/sparql-results+json"
ACCEPT_QUERY = f"{RESULTS_JSON}, application/sparql-results+xml;q=0.8, application/n-triples;q=0.9, text/turtle;q=0.7"
RETRY_STATUS = {429, 502, 503, 504}
NO_GRAPH_STORE = {404, 405, 415, 501}  # a URL that is not a Graph Store Protocol endpoint
UPDATE_BATCH_TRIPLES = 2_000


# --------------------------------------------------------------------------- endpoints and credentials


QUERY_PATHS = ("/query", "/sparql", "/sparql/", "/bigdata/sparql")  # Oxigraph, Virtuoso and most, Blazegraph
UPDATE_PATHS = ("/update", "/sparql", "/sparql/", "/bigdata/sparql")
STORE_PATHS = ("/store", "/sparql-graph-crud", "/rdf-graph-store", "/data")  # Oxigraph, Virtuoso, ..., Fuseki
HARMLESS_UPDATE = "INSERT DATA { }"  # a valid update that changes nothing: accepted only by an update endpoint


@dataclass(frozen=True)
class Endpoints:
    """Where a server takes queries, updates and Graph Store Protocol requests.

    `graph_store` may list several candidates (space-free URLs tried in order at the first write), because a
    graph store cannot be told apart from a missing page without writing to it.
    """

    query: str
    update: str
    graph_store: str | None
    more_stores: tuple[str, ...] = ()
    found: str = ""  # what discovery found, said to the user

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
        elif path.endswith("/sparql"):  # one URL for queries and updates; Virtuoso's graph store beside it
            derived_update, derived_store = url, url[: url.rindex("/sparql")] + "/sparql-graph-crud"
        else:
            derived_update, derived_store = url, url
        return cls(url, update or derived_update, graph_store or derived_store)


def is_base_url(url: str) -> bool:
    """A server's address with no path (`http://host:port`): its endpoints must be found."""
    return urllib.parse.urlsplit(url).path in ("", "/")


def discover(base: str, client: HttpClient, update: str | None = None, graph_store: str | None = None) -> Endpoints:
    """The query, update and graph store endpoints of a server given by its base URL, found by asking.

    A query endpoint answers `ASK {}` with a boolean; an update endpoint accepts an update that changes
    nothing. A graph store is only known by writing, so its usual paths are kept as candidates for the
    push's first (staging) write. Nothing found: one line naming every path tried.
    """
    _check_url(base)
    root = base.rstrip("/")
    query = _first_answering(client, root, QUERY_PATHS, "query", "ASK { }")
    if query is None:
        tried = ", ".join(QUERY_PATHS)
        raise RemoteError(f"{public(base)}: no SPARQL query endpoint answers there (tried POST ASK {{}} to {tried})")
    if update is None:
        update = _first_answering(client, root, _query_first(query, root, UPDATE_PATHS), "update", HARMLESS_UPDATE)
    stores = (graph_store,) if graph_store else tuple(root + p for p in STORE_PATHS)
    found = f"found query endpoint {public(query)}, " + (
        f"update endpoint {public(update)}" if update else f"no update endpoint (tried {', '.join(UPDATE_PATHS)})"
    )
    return Endpoints(query, update or query, stores[0], stores[1:], found)


def _query_first(query: str, root: str, paths: tuple[str, ...]) -> tuple[str, ...]:
    """Try the query endpoint's own path first for updates: Virtuoso and many others take both at one URL."""
    own = query[len(root) :]
    return tuple(dict.fromkeys([p for p in paths if p == own] + list(paths)))


def _first_answering(client: HttpClient, root: str, paths: tuple[str, ...], key: str, text: str) -> str | None:
    body = urllib.parse.urlencode({key: text}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT_QUERY}
    for path in paths:
        try:
            answer = client.request("POST", root + path, body, headers, idempotent=True, attempts=1)
        except RemoteError as exc:
            if key == "update" and getattr(exc, "status", None) in (401, 403):
                return root + path  # there, but not for us: the push will say so in its own words
            if getattr(exc, "status", None) in (401, 403) or getattr(exc, "unsent", False):
                raise  # refused credentials or no server at all: no other path will do better
            continue
        if key == "update" or _is_boolean_answer(answer):
            return root + path
    return None


def _is_boolean_answer(answer: Response) -> bool:
    try:
        return parse_answer(answer, "probe").boolean is not None
    except (KGError, AttributeError):
        return False


def public(url: str) -> str:
    """A URL as it may appear in a message: no user info, no query string."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = str(parts.port or "")
    except ValueError:  # out of range: show it as given
        port = parts.netloc.rsplit(":", 1)[-1]
    netloc = host + (f":{port}" if port else "")
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
    try:
        _ = parts.port
    except ValueError:
        raise RemoteError(f"{public(url)}: not a valid port (a port is a number from 1 to 65535)") from None


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plain_http_warning(url: str, auth: tuple[str, str] | None) -> str | None:
    """Basic credentials are readable by anyone on the path of a plain http:// request off this machine."""
    parts = urllib.parse.urlsplit(url)
    if auth and parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        return (
            f"kg: warning: the password for {public(url)} goes over plain http:// and anyone on the network "
            "between can read it; use https://"
        )
    return None


def credentials(url: str, environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
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


def _env_number(name: str, default: float, environ: Mapping[str, str], whole: bool = False) -> float:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise RemoteError(f"{name} must be {kind}, got {raw!r}") from None
    if value <= 0 or value != value or value == float("inf"):
        raise RemoteError(f"{name} must be positive and finite, got {raw!r}")
    return value


class _Watchdog:
    """Shuts the connection's socket when the whole request's deadline passes, wherever the request is.

    A socket timeout only bounds each read: a server sending one byte every half second would hold the
    request for ever. Shutting the socket down makes the blocked read return at once.
    """

    def __init__(self, seconds: float) -> None:
        self.sock: socket.socket | None = None  # kept here: http.client drops its own reference to it
        self.fired = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self.sock is not None:
                with _ignored(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)

    def arm(self, sock: socket.socket | None) -> None:
        with self._lock:
            self.sock = sock
            if self.fired and sock is not None:
                with _ignored(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


class _ignored:
    def __init__(self, *kinds: type[BaseException]) -> None:
        self.kinds = kinds

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, value, tb) -> bool:
        return kind is not None and issubclass(kind, self.kinds)


@dataclass
class HttpClient:
    """Every request: a whole-request deadline, preemptive basic auth, retries only where repeating is harmless."""

    auth: tuple[str, str] | None = None
    timeout: float = 60.0
    attempts: int = 3
    backoff: float = 0.5

    @classmethod
    def from_environment(
        cls, url: str, environ: Mapping[str, str] | None = None, warn: Progress = silent
    ) -> HttpClient:
        env = os.environ if environ is None else environ
        client = cls(
            credentials(url, env),
            _env_number("KG_ENDPOINT_TIMEOUT", 60.0, env),
            int(_env_number("KG_ENDPOINT_RETRIES", 3, env, whole=True)),
        )
        warning = plain_http_warning(url, client.auth)
        if warning:
            warn(warning)
        return client

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
        attempts: int | None = None,
    ) -> Response:
        """Send; retry refused connections always, and resets, connection timeouts or 429/5xx when `idempotent`."""
        headers = dict(headers or {})
        headers.setdefault("User-Agent", "kzlinks-kg")
        if self.auth:
            headers["Authorization"] = "Basic " + self._token()
        attempt = 0
        for attempt in range(max(1, attempts or self.attempts)):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 8.0))
            outcome = self._once(method, url, body, headers)
            if isinstance(outcome, Response):
                return outcome
            if outcome.retry == "never" or (outcome.retry == "if-idempotent" and not idempotent):
                break
        tries = f" ({attempt + 1} attempts)" if attempt else ""
        assert isinstance(outcome, _Failure)  # the loop returns every Response
        raise RemoteError(
            self.redact(f"{public(url)}: {outcome.text}{tries}"),
            status=outcome.status,
            unsent=outcome.retry == "always",  # the server never got the request: nothing happened there
        )

    def _once(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Response | _Failure:
        parts = urllib.parse.urlsplit(url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname or "", parts.port, timeout=self.timeout)
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        watchdog = _Watchdog(self.timeout)
        stage = "connect"
        try:
            connection.connect()
            watchdog.arm(connection.sock)
            stage = "answer"
            connection.request(method, target, body, headers)
            answer = connection.getresponse()
            data = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            reason = TimeoutError() if watchdog.fired else exc
            return _network_failure(reason, self.timeout, answering=stage == "answer")
        finally:
            watchdog.cancel()
            connection.close()
        if watchdog.fired:  # a body without a length, cut off at the deadline
            return _network_failure(TimeoutError(), self.timeout, answering=True)
        if answer.status >= 300:
            return self._http_failure(answer.status, answer.reason, answer.headers, data)
        return Response(answer.status, answer.headers.get_content_type(), data)

    def _http_failure(self, code: int, reason: str, headers, data: bytes) -> _Failure:
        if code in (401, 403):
            how = "wrong user or password" if self.auth else "no credentials given"
            return _Failure(
                f"access refused (HTTP {code}: {how}; credentials come from KG_ENDPOINT_USER and "
                "KG_ENDPOINT_PASSWORD or a netrc file)",
                "never",
                code,
            )
        if 300 <= code < 400:  # a redirected POST would lose its body (and maybe the credentials): report it
            target = headers.get("Location", "")
            return _Failure(
                f"redirected (HTTP {code}) to {public(target) if target else 'elsewhere'}: use that URL",
                "never",
                code,
            )
        text = " ".join(data.decode("utf-8", "replace").split())[:300] or reason or ""
        return _Failure(
            f"the server answered HTTP {code}: {text}",
            "if-idempotent" if code in RETRY_STATUS else "never",
            code,
        )


def _network_failure(reason: BaseException, timeout: float, answering: bool) -> _Failure:
    """A slow answer is not asked for again: the server is still working on it, and a retry only adds load."""
    if isinstance(reason, ConnectionRefusedError):
        return _Failure("cannot connect: connection refused (is the server running?)", "always")
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        what = "no complete answer" if answering else "no connection"
        return _Failure(
            f"{what} within {timeout:g} s (set KG_ENDPOINT_TIMEOUT to wait longer)",
            "never" if answering else "if-idempotent",
        )
    if isinstance(reason, socket.gaierror):
        return _Failure(f"cannot find the host: {reason.strerror}", "always")
    text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return _Failure(f"cannot talk to the server: {text}", "if-idempotent")


# --------------------------------------------------------------------------- results


def term_from_json(data: dict) -> Term:
    """A SPARQL 1.1 JSON term as the same Term the local engines give (plain literals typed xsd:string)."""
    kind, value = data.get("type"), data.get("value", "")
    if kind == "uri":
        if value.startswith(GENID):  # a blank node the push skolemized: the same node the local store holds
            return Term("bnode", value[len(GENID) :])
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
    if variables == ["__ASK_RETVAL"]:  # Virtuoso 7 answers ASK in JSON as a one-column SELECT
        rows = data["results"]["bindings"]
        return Results([], boolean=bool(rows) and rows[0].get("__ASK_RETVAL", {}).get("value") not in (None, "0"))
    rows = [{v: term_from_json(t) for v, t in binding.items()} for binding in data["results"]["bindings"]]
    return Results(variables, rows)


def parse_answer(answer: Response, origin: str) -> Results:
    """SPARQL JSON (what we ask for), XML or TSV results, or an RDF graph for CONSTRUCT and DESCRIBE."""
    try:
        if answer.content_type == RESULTS_JSON or answer.content_type == "application/json":
            return results_from_json(answer.body)
        results_format = ox.QueryResultsFormat.from_media_type(answer.content_type)
        if results_format is not None:
            return results_from_oxigraph(ox.parse_query_results(answer.body, results_format))
        graph_format = ox.RdfFormat.from_media_type(answer.content_type)
        if graph_format is not None:
            return results_from_oxigraph(ox.parse(answer.body, graph_format))
    except (ValueError, KeyError, TypeError, SyntaxError) as exc:
        raise RemoteError(f"unreadable answer ({answer.content_type}): {exc}", file=origin) from None
    raise RemoteError(f"the server answered in an unexpected format: {answer.content_type}", file=origin)


# --------------------------------------------------------------------------- the engine


def _iri(iri: str) -> str:
    try:
        return term_to_sparql(Term("uri", iri))
    except KGError:
        raise RemoteError(f"not a valid graph IRI: {iri!r}") from None


def _graphs_query(prefix: str) -> str:
    """Empty graphs too where the server keeps them; Virtuoso answers `GRAPH ?g { }` with one unbound row."""
    return (
        "SELECT DISTINCT ?g WHERE { { GRAPH ?g { } } UNION { GRAPH ?g { ?s ?p ?o } } "
        f'FILTER(BOUND(?g) && STRSTARTS(STR(?g), "{prefix}")) }}'
    )


def _counts_query(prefix: str) -> str:
    return (
        f'SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }} '
        "GROUP BY ?g"
    )


DATASET_MODES = ("auto", "server", "project")
OXIGRAPH_UNION = [("union-default-graph", "true")]  # Oxigraph's own parameter: its union default graph
PROBE = f"ASK {{ ?passage a <{BASE}ontology#Passage> }}"  # every passage graph describes itself


VIRTUOSO_FIXED_VALUES = "no SPART_VARR_FIXED"  # Virtuoso's internal compiler error for fixed variables
# Virtuoso's errors for a query it cannot plan with its parameters bound by VALUES (and can with the terms in
# the text): the compiler's, and a transitive path (`?param p* ?x`) whose fixed start it does not see
VIRTUOSO_REFUSES_VALUES = (VIRTUOSO_FIXED_VALUES, "transitive start not given")


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
        self.tried_stores: list[str] = []

    @classmethod
    def from_environment(
        cls,
        url: str,
        update: str | None = None,
        graph_store: str | None = None,
        environ: Mapping[str, str] | None = None,
        progress: Progress = silent,
    ) -> RemoteEngine:
        """The engine for an endpoint URL, or for a server's base URL (`http://host:port`) once its endpoints
        are found; warnings and what was found go to `progress`."""
        env = os.environ if environ is None else environ
        _check_url(url)
        client = HttpClient.from_environment(url, env, warn=progress)
        if is_base_url(url):
            endpoints = discover(url, client, update, graph_store)
            progress(endpoints.found)
        else:
            endpoints = Endpoints.derive(url, update, graph_store)
        return cls(endpoints, client, env.get("KG_ENDPOINT_DATASET") or "auto")

    def run(self, sparql: str, bindings: dict[str, Term], origin: str) -> Results:
        try:
            return self.query(with_values(sparql, bindings), self.dataset(), origin)
        except RemoteError as exc:
            if not (bindings and any(message in exc.message for message in VIRTUOSO_REFUSES_VALUES)):
                raise
        # Virtuoso 7.2's compiler fails on some queries with two or more variables fixed to one value by
        # VALUES or BIND; with the terms written in place of the parameters the query means the same and
        # compiles there (a FILTER on term identity does not: Virtuoso ignores it on a path's end).
        return self.query(with_terms(sparql, bindings), self.dataset(), origin)

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

    def query(self, sparql: str, dataset: Sequence[tuple[str, str]] = (), origin: str | None = None) -> Results:
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
        """Replace one graph through the Graph Store Protocol; False when the server has no such endpoint.

        The first write tries each candidate graph store in turn and keeps the one that takes it.
        """
        while self.endpoints.graph_store:
            store = self.endpoints.graph_store
            sep = "&" if "?" in store else "?"
            url = store + sep + urllib.parse.urlencode({"graph": iri})
            try:
                self.client.request("PUT", url, ntriples, {"Content-Type": "application/n-triples"})
                if self.endpoints.more_stores:  # found: the other candidates are no longer in question
                    self.endpoints = dataclasses.replace(self.endpoints, more_stores=())
                return True
            except RemoteError as exc:
                if getattr(exc, "status", None) not in NO_GRAPH_STORE:
                    raise
            rest = self.endpoints.more_stores
            self.tried_stores.append(store)
            self.endpoints = dataclasses.replace(
                self.endpoints, graph_store=rest[0] if rest else None, more_stores=rest[1:]
            )
        return False


# --------------------------------------------------------------------------- push


@dataclass
class PushReport:
    graphs: int
    quads: int
    removed: int
    leftovers: int
    via: str
    seconds: float
    note: str = ""  # e.g. a swap confirmed on the server after the client's deadline


def skolem(node: ox.BlankNode) -> ox.NamedNode:
    """A blank node as an RDF 1.1 skolem IRI under the project's genid path: the same node, the same IRI.

    SPARQL's INSERT DATA may not carry blank nodes on every server (Virtuoso refuses them in a constant
    clause), and a Graph Store upload would mint new ones on each push. The local store's node id is kept,
    so remote answers map back to the blank nodes a local query gives (see `term_from_json`).
    """
    return ox.NamedNode(GENID + node.value)


def _skolemized(term):
    if isinstance(term, ox.BlankNode):
        return skolem(term)
    if isinstance(term, ox.Triple):
        return ox.Triple(_skolemized(term.subject), term.predicate, _skolemized(term.object))
    return term


def local_graphs(store_dir: StoreDir) -> dict[str, bytes]:
    """Each project graph of the live store as N-Triples, blank nodes skolemized; anything outside the
    project's graphs is an error."""
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
            ox.Triple(_skolemized(q.subject), q.predicate, _skolemized(q.object))
            for q in store.quads_for_pattern(None, None, None, graph)
        ]
        graphs[graph.value] = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    if next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is not None:
        raise KGError("the store has triples in its default graph; push only moves named graphs", file=store_dir.root)
    return graphs


def _count(ntriples: bytes) -> int:
    return ntriples.count(b"\n")


def push(store_dir: StoreDir, remote: RemoteEngine, via: str = "auto", progress: Progress = silent) -> PushReport:
    """Replace the project's graphs on the remote with the local store's, all at once or not at all.

    The graphs go into staging graphs first (Graph Store Protocol PUTs, or SPARQL Update batches), their
    quad counts are checked on the server, and one update swaps them in and drops the project's graphs the
    store no longer has. Whatever cuts a push off, the remote holds either the old graphs or the new ones;
    the staging graphs a cut-off push leaves are removed by the next. Graphs outside
    https://w3id.org/kzlinks/graph/ are never touched, nor any staging graph a push did not name.

    Args:
        store_dir: the built store whose live snapshot is pushed.
        remote: the server (``RemoteEngine.from_environment(url, ...)`` finds its endpoints).
        via: ``"gsp"`` (Graph Store Protocol), ``"update"`` (SPARQL Update) or ``"auto"`` (the first that works).
        progress: called with a line of text per stage.

    Returns:
        A PushReport: graphs and quads pushed, old graphs removed, leftovers cleared, how, and seconds.

    Raises:
        StoreError: the store is not built.
        RemoteError: the server is down, refuses, or answers an error (one line, credentials scrubbed); the
            remote is then unchanged, or, if the swap's answer was lost, the message says whether it happened.

    Example (offline: a port nothing listens on; nothing is sent, nothing changes):
        >>> import socket, tempfile, kzlinks
        >>> store = kzlinks.StoreDir(tempfile.mkdtemp())
        >>> _ = kzlinks.build(store=store)
        >>> with socket.socket() as s:
        ...     _ = s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
        >>> remote = RemoteEngine(Endpoints.derive(f"http://127.0.0.1:{port}/query"), HttpClient(attempts=1))
        >>> push(store, remote)
        Traceback (most recent call last):
        ...
        kzlinks.errors.RemoteError: http://127.0.0.1:.../query: cannot connect: connection refused...
    """
    started = time.perf_counter()
    graphs = {iri: data for iri, data in local_graphs(store_dir).items() if data}
    expected = {iri: _count(data) for iri, data in graphs.items()}
    leftovers = _drop_leftovers(remote, progress)
    run, staging, used = _stage_checked(remote, graphs, expected, via, progress)
    stale = remote.graphs(PROJECT_GRAPHS) - set(graphs)
    progress(f"swapping in {len(graphs)} graphs and removing {len(stale)} in one update")
    note = _swap(remote, run, staging, stale, expected, progress)
    after = remote.counts(PROJECT_GRAPHS)
    if after != expected:
        raise RemoteError(
            f"{public(remote.endpoints.query)}: after the swap the server holds {sum(after.values())} "
            f"quads in the project's graphs, expected {sum(expected.values())}: run `kg push` again"
        )
    seconds = time.perf_counter() - started
    return PushReport(len(graphs), sum(expected.values()), len(stale), leftovers, used, seconds, note)


def staging_run() -> str:
    """A fresh staging prefix: UTC stamp and 64 random bits, in the shape STAGING_PATTERN recognises."""
    return f"{STAGING_GRAPHS}run-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{uuid.uuid4().hex[:16]}/"


def _stage_checked(
    remote: RemoteEngine, graphs: dict[str, bytes], expected: dict[str, int], via: str, progress: Progress
) -> tuple[str, dict[str, str], str]:
    """Each graph loaded into a fresh staging graph and counted there; on any failure the staging is dropped."""
    run = staging_run()
    staging = {iri: f"{run}g{i}" for i, iri in enumerate(sorted(graphs))}
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
    return run, staging, used


def _drop_leftovers(remote: RemoteEngine, progress: Progress) -> int:
    """Staging graphs an interrupted push left behind (never visible to the project's queries).

    Only graphs whose whole IRI has the shape `staging_run` mints are removed.
    """
    leftovers = {g for g in remote.graphs(STAGING_GRAPHS) if STAGING_PATTERN.fullmatch(g)}
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
            progress(f"graph store found at {public(remote.endpoints.graph_store or '')}")
            for done, iri in enumerate(order[1:], 2):
                remote.put_graph(staging[iri], graphs[iri])
                if done % 100 == 0 or done == len(order):
                    progress(f"staged {done}/{len(order)} graphs")
            return "graph store protocol"
        tried = ", ".join(public(u) for u in remote.tried_stores) or "none given"
        if via == "gsp":
            raise RemoteError(
                f"no Graph Store Protocol endpoint found (tried {tried}); give --graph-store URL, or --via update"
            )
        progress(f"no Graph Store Protocol endpoint (tried {tried}): loading with SPARQL Update")
    for done, batch in _update_batches(graphs, staging):
        remote.update(batch, idempotent=True)
        progress(f"staged {done}/{len(order)} graphs")
    return "sparql update"


def _update_batches(graphs: dict[str, bytes], staging: dict[str, str]):
    """At most UPDATE_BATCH_TRIPLES triples per request (Virtuoso refuses an update that compiles to more than
    10,000 lines of SQL), a large graph split over several. Each graph is cleared before its first part;
    inserting a triple twice adds nothing, so a retried request never loads anything twice."""
    parts: list[str] = []
    size = 0
    for done, iri in enumerate(sorted(graphs), 1):
        target = _iri(staging[iri])
        lines = graphs[iri].decode("utf-8").splitlines(keepends=True)
        for start in range(0, len(lines), UPDATE_BATCH_TRIPLES):
            chunk = lines[start : start + UPDATE_BATCH_TRIPLES]
            clear = f"DROP SILENT GRAPH {target};\n" if start == 0 else ""
            parts.append(f"{clear}INSERT DATA {{ GRAPH {target} {{\n{''.join(chunk)}}} }}")
            size += len(chunk)
            if size >= UPDATE_BATCH_TRIPLES:
                yield done, ";\n".join(parts)
                parts, size = [], 0
    if parts:
        yield len(graphs), ";\n".join(parts)


def _swap(
    remote: RemoteEngine,
    run: str,
    staging: dict[str, str],
    stale: set[str],
    expected: dict[str, int],
    progress: Progress,
) -> str:
    """One update request: drop the graphs that are gone, move each staging graph over its target.

    Not retried on an ambiguous failure (a timeout or a lost answer): the server may still be running it.
    Instead the server is asked what happened, and the push ends saying so.
    """
    operations = [f"DROP SILENT GRAPH {_iri(g)}" for g in sorted(stale)]
    operations += [f"MOVE GRAPH {_iri(s)} TO GRAPH {_iri(g)}" for g, s in sorted(staging.items())]
    if not operations:
        return ""
    try:
        remote.update(";\n".join(operations), idempotent=False)
    except RemoteError as exc:
        status = getattr(exc, "status", None)
        if getattr(exc, "unsent", False) or (status is not None and status < 500):
            raise  # never sent, or refused by the server itself: nothing happened there
        progress(f"the swap got no answer ({exc.message}); asking the server whether it happened")
        return _settle(remote, run, staging, expected, exc)
    return ""


def _swap_done(remote: RemoteEngine, run: str, expected: dict[str, int]) -> bool:
    """The swap happened: no staging graph of this run is left and the project's graphs hold what was sent."""
    return not remote.counts(run) and remote.counts(PROJECT_GRAPHS) == expected


def _settle(
    remote: RemoteEngine, run: str, staging: dict[str, str], expected: dict[str, int], failure: RemoteError
) -> str:
    """Find out whether a swap that got no answer happened: wait for it up to one more deadline, then make
    sure it never will by removing its staging graphs (a MOVE from a missing graph fails the whole
    request, so a swap still queued on the server then changes nothing), and look once more."""
    unknown = RemoteError(
        failure.message + "; the server did not say whether the swap happened (it swaps in one transaction, "
        "so the remote is either all old or all new): run `kg push` again"
    )
    try:
        deadline = time.monotonic() + remote.client.timeout
        while time.monotonic() < deadline:
            if _swap_done(remote, run, expected):
                return "the swap outlasted the deadline and was confirmed on the server"
            time.sleep(0.5)
        remote.update(";\n".join(f"DROP SILENT GRAPH {_iri(g)}" for g in staging.values()), idempotent=True)
        if _swap_done(remote, run, expected):
            return "the swap outlasted the deadline and was confirmed on the server"
    except RemoteError:
        raise unknown from None
    raise RemoteError(
        failure.message + "; checked on the server: the swap did not happen and the remote still holds the old "
        "data (its staging graphs are removed): run `kg push` again"
    )
