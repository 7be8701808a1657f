// framing annotate: one unit at a time. Article text is only ever written with textContent.
// With data.mode "adjudicate" (framing agreement --adjudicate): one dispute at a time, its two
// codings, the labels of its dimension and a required reason.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("annotate-data").textContent);
  var current = null;
  var flagged = false;
  var busy = false;
  var byKey = {};
  var adjudicate = data.mode === "adjudicate";
  var selected = null; // adjudicate: the label chosen, settled with Enter in the reason box

  if (window.location.search.indexOf("token=") >= 0 && window.history && window.history.replaceState) {
    window.history.replaceState(null, "", "/"); // the cookie carries the token from here on
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function showDefinition(label) {
    var box = document.getElementById("definition");
    box.textContent = "";
    box.appendChild(el("strong", "", label.value + ": "));
    box.appendChild(document.createTextNode(label.definition || ""));
  }

  function buildLabels(labels) {
    var box = document.getElementById("labels");
    var groups = {};
    box.textContent = "";
    byKey = {};
    labels.forEach(function (label) {
      var parent = box;
      if (label.group) {
        if (!groups[label.group]) {
          groups[label.group] = el("div", "label-group");
          groups[label.group].appendChild(el("span", "group-name", label.group));
          box.appendChild(groups[label.group]);
        }
        parent = groups[label.group];
      }
      var item = el("span", "label-item");
      var b = el("button", "label", (label.key ? label.key + " " : "") + label.name);
      b.type = "button";
      b.setAttribute("data-label", label.value);
      b.title = label.definition || "";
      b.addEventListener("click", function () { showDefinition(label); decide(label.value); });
      var info = el("button", "info", "?");
      info.type = "button";
      info.setAttribute("data-info", label.value);
      info.title = "what " + label.value + " means";
      info.addEventListener("click", function () { showDefinition(label); });
      item.appendChild(b);
      item.appendChild(info);
      parent.appendChild(item);
      if (label.key) { byKey[label.key] = label.value; }
    });
  }

  function renderContext(unit) {
    var box = document.getElementById("context");
    box.textContent = "";
    var text = unit.context;
    var cuts = [0, text.length, unit.unit_start, unit.unit_end];
    unit.marks.forEach(function (m) { cuts.push(m[0], m[1]); });
    cuts = cuts.filter(function (c) { return c >= 0 && c <= text.length; }).sort(function (a, b) { return a - b; });
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1];
      if (a === b) { continue; }
      var inUnit = a >= unit.unit_start && b <= unit.unit_end;
      var category = null;
      unit.marks.forEach(function (m) { if (m[0] <= a && b <= m[1]) { category = m[2]; } });
      var span = el("span", inUnit ? "unit" : "around");
      if (category !== null) {
        var mark = el("mark", "", text.slice(a, b));
        mark.title = category;
        mark.setAttribute("data-category", category);
        span.appendChild(mark);
      } else {
        span.textContent = text.slice(a, b);
      }
      box.appendChild(span);
    }
  }

  function setFlag(on) {
    flagged = on;
    if (adjudicate) { return; }
    document.getElementById("flag").className = on ? "on" : "";
    document.getElementById("flag-state").textContent = on ? "flagged as a hard case" : "";
  }

  function render(state) {
    var p = state.progress;
    document.getElementById("progress").textContent = "done " + p.done + " / remaining " + p.remaining + " (of " + p.total + ")";
    var counts = Object.keys(p.counts).sort().map(function (k) { return k + ": " + p.counts[k]; });
    document.getElementById("counts").textContent = counts.length ? counts.join(", ") : "no labels yet";
    current = state.unit;
    document.getElementById("unit-box").setAttribute("data-unit", current ? current.id : "");
    document.getElementById("unit-box").setAttribute("data-done", String(p.done));
    setFlag(false);
    var title = document.getElementById("title");
    if (!current) {
      document.getElementById("context").textContent = "";
      document.getElementById("context").appendChild(el("p", "done", (adjudicate ? "All disputes are settled." : "All units are decided.") + " You can close this tab (and stop the server with Ctrl-C)."));
      if (adjudicate) { document.getElementById("codings").textContent = ""; buildLabels([]); }
      title.textContent = "";
      return;
    }
    title.textContent = current.title ? current.title + " (" + current.group + ")" : current.group;
    renderContext(current);
    if (adjudicate) { renderDispute(current); }
  }

  function renderDispute(unit) {
    var box = document.getElementById("codings");
    box.textContent = "";
    unit.codings.forEach(function (label, i) { box.appendChild(el("li", "coding", "coding " + (i + 1) + ": " + label)); });
    buildLabels(unit.labels);
    document.getElementById("reason").value = "";
    select(null);
  }

  function select(label) {
    selected = label;
    var buttons = document.querySelectorAll("#labels button.label");
    for (var i = 0; i < buttons.length; i++) {
      var on = buttons[i].getAttribute("data-label") === label;
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      buttons[i].style.outline = on ? "3px solid #36c" : "";
    }
  }

  function settle() {
    var reason = document.getElementById("reason").value.trim();
    var message = document.getElementById("message");
    if (!current) { return; }
    if (selected === null) { message.textContent = "choose a label (click it or press its number outside the box)"; return; }
    if (!reason) { message.textContent = "write the reason, then press Enter"; document.getElementById("reason").focus(); return; }
    post("/label", { id: current.id, label: selected, reason: reason });
  }

  function post(path, body) {
    if (busy) { return; }
    busy = true;
    document.getElementById("message").textContent = "";
    fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": data.csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    }).then(function (res) {
      busy = false;
      if (!res.ok) { document.getElementById("message").textContent = res.body.error || "refused"; return refresh(); }
      render(res.body);
    }).catch(function (e) {
      busy = false;
      document.getElementById("message").textContent = "the server did not answer (is `framing annotate` still running?)";
    });
  }

  function refresh() {
    return fetch("/next", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(render);
  }

  function decide(label) {
    if (!current) { return; }
    if (adjudicate) { select(label); return settle(); }
    post("/label", { id: current.id, label: label, hard_case: flagged });
  }
  function skip() { if (current) { post("/skip", { id: current.id, hard_case: flagged }); } }
  function undo() { post("/undo", {}); }

  document.getElementById("undo").addEventListener("click", undo);
  if (!adjudicate) {
    document.getElementById("skip").addEventListener("click", skip);
    document.getElementById("flag").addEventListener("click", function () { setFlag(!flagged); });
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var k = ev.key;
    if (adjudicate && ev.target && ev.target.id === "reason") {
      if (k === "Enter") { ev.preventDefault(); settle(); }
      else if (k === "Escape") { ev.preventDefault(); ev.target.blur(); }
      return; // anything else is typed into the box
    }
    if (byKey[k]) { ev.preventDefault(); decide(byKey[k]); }
    else if (adjudicate) { if (k === "u") { ev.preventDefault(); undo(); } }
    else if (k === "s") { ev.preventDefault(); skip(); }
    else if (k === "u") { ev.preventDefault(); undo(); }
    else if (k === "f") { ev.preventDefault(); setFlag(!flagged); }
  });

  buildLabels(data.labels);
  render(data.initial);
  document.body.setAttribute("data-ready", "1");
})();
