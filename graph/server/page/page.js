// The query page: the project's prefixes and an example in the editor, the named queries beside it,
// results as a table. Everything comes from this server; nothing is fetched from elsewhere.
"use strict";
(function () {
  const catalogue = JSON.parse(document.getElementById("catalogue").textContent);
  const editor = document.getElementById("query");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const endpoint = new URL("/query", window.location.href).href;
  document.getElementById("endpoint").textContent = endpoint;

  const prefixes = Object.entries(catalogue.prefixes);
  function shorten(iri) {
    for (const [name, base] of prefixes) {
      if (iri.startsWith(base) && /^[\w.-]*$/.test(iri.slice(base.length))) return name + ":" + iri.slice(base.length);
    }
    return "<" + iri + ">";
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      const a = document.createElement("a");
      a.href = term.value;
      a.textContent = shorten(term.value);
      a.title = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value + (term["xml:lang"] ? "@" + term["xml:lang"] : "");
    }
    return td;
  }

  function show(data, seconds) {
    results.replaceChildren();
    if (typeof data.boolean === "boolean") {
      status.textContent = "answer: " + (data.boolean ? "yes" : "no") + " (" + seconds + " s)";
      return;
    }
    const vars = data.head.vars;
    const rows = data.results.bindings;
    status.textContent = rows.length + (rows.length === 1 ? " result" : " results") + " (" + seconds + " s)";
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const v of vars) {
      const th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const row of rows) {
      const tr = body.insertRow();
      for (const v of vars) tr.appendChild(cell(row[v]));
    }
    results.appendChild(table);
  }

  async function run() {
    status.className = "";
    status.textContent = "running…";
    const started = performance.now();
    try {
      const answer = await fetch(endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/sparql-query",
          "Accept": "application/sparql-results+json, text/turtle;q=0.5",
        },
        body: editor.value,
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const type = answer.headers.get("Content-Type") || "";
      if (!answer.ok) throw new Error("HTTP " + answer.status + ": " + (await answer.text()));
      if (type.startsWith("application/sparql-results+json")) {
        show(await answer.json(), seconds);
      } else {
        const pre = document.createElement("pre");
        pre.textContent = await answer.text();
        results.replaceChildren(pre);
        status.textContent = "graph (" + seconds + " s)";
      }
    } catch (error) {
      status.className = "error";
      status.textContent = String(error.message || error);
      results.replaceChildren();
    }
  }

  function load(text) {
    editor.value = text;
    editor.focus();
  }

  const list = document.getElementById("named");
  for (const q of catalogue.queries) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    const name = document.createElement("div");
    name.className = "name";
    name.textContent = q.name;
    const question = document.createElement("div");
    question.className = "question";
    question.textContent = q.question;
    button.append(name, question);
    button.addEventListener("click", () => { load(q.text); run(); });
    li.appendChild(button);
    list.appendChild(li);
  }

  document.getElementById("form").addEventListener("submit", (event) => { event.preventDefault(); run(); });
  document.getElementById("reset").addEventListener("click", () => load(catalogue.example));
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });

  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get("query");
  load(fromHash || catalogue.example);
  if (fromHash) run();
})();
