// One conversation explained: the transcript, each reply's timeline drawn as inline SVG, the
// model calls and their cost, the guard's trips, the memory in force. Reads
// /conversations/{match_id} as JSON with the token the operator typed (sessionStorage).
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem("monitoringToken") || "";
  const matchId = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");

  class AuthError extends Error {}

  async function api(path, options) {
    const headers = { Accept: "application/json" };
    if (token()) headers.Authorization = "Bearer " + token();
    if (options && options.body) headers["Content-Type"] = "application/json";
    const response = await fetch(path, Object.assign({ headers, cache: "no-store" }, options || {}));
    if (response.status === 401 || response.status === 403) {
      const body = await response.json().catch(() => ({}));
      throw new AuthError(body.detail || "unauthorised");
    }
    if (response.status === 404) throw new Error("no such match");
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(typeof body.detail === "string" ? body.detail : path + ": " + response.status);
    }
    return response.json();
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function seconds(value) {
    if (value === null || value === undefined) return "—";
    if (value < 60) return value.toFixed(1) + " s";
    if (value < 3600) return (value / 60).toFixed(1) + " min";
    return (value / 3600).toFixed(1) + " h";
  }
  const usd = (v) => (v === null || v === undefined ? "—" : "$" + v.toFixed(v >= 1 ? 2 : 5));
  const time = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
  const clock = (iso) => new Date(iso).toLocaleTimeString();

  function card(label, value, sub) {
    const node = el("div", { class: "card" });
    node.append(el("div", { class: "label" }, label), el("div", { class: "value" }, value));
    if (sub) node.append(el("div", { class: "sub" }, sub));
    return node;
  }

  function table(node, headers, rows, empty) {
    node.replaceChildren();
    if (!rows.length) {
      node.append(el("caption", { class: "empty" }, empty));
      return;
    }
    const head = el("tr");
    headers.forEach((h) => head.append(el("th", {}, h)));
    node.append(head);
    rows.forEach((cells) => {
      const tr = el("tr");
      cells.forEach((c) => tr.append(el("td", typeof c === "number" ? { class: "num" } : {}, c === null || c === undefined ? "—" : String(c))));
      node.append(tr);
    });
  }

  // ------------------------------------------------------------------ one reply's timeline
  // Bars for the steps with a duration, ticks for instants (read, generated, sent, end), on a
  // time axis that is linear inside the reply; a night's wait is drawn at most a third wide so
  // that the typing stays visible, its length written on it.
  function timelineChart(steps) {
    const spans = steps.filter((s) => s.end !== null && s.seconds !== null && s.seconds >= 0);
    const instants = steps.filter((s) => s.end === null);
    const t0 = Math.min(...steps.map((s) => Date.parse(s.start)));
    const raw = (iso) => (Date.parse(iso) - t0) / 1000;
    const total = Math.max(0.001, ...steps.map((s) => raw(s.end || s.start)));
    const longest = Math.max(0, ...spans.map((s) => s.seconds));
    const squeeze = longest > total * 0.5 ? longest : 0; // one wait dwarfs the rest
    const W = 900, rowH = 16, L = 8, R = 8;
    const lanes = ["wait", "away", "reading", "thinking", "outage", "typing", "pause"];
    const lane = (s) => Math.max(0, lanes.indexOf(s.step));
    const H = (lanes.length + 2) * rowH;
    const node = svg("svg", { class: "timeline", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "timeline of the reply" });
    // Time warp: the squeezed span takes a third of the width.
    const big = squeeze ? spans.find((s) => s.seconds === squeeze) : null;
    const bigStart = big ? raw(big.start) : 0;
    const scaleRest = (W - L - R) * (big ? 2 / 3 : 1) / Math.max(0.001, total - (big ? squeeze : 0));
    const x = (sec) => {
      if (!big || sec <= bigStart) return L + sec * scaleRest;
      if (sec <= bigStart + squeeze) return L + bigStart * scaleRest + ((sec - bigStart) / squeeze) * (W - L - R) / 3;
      return L + bigStart * scaleRest + (W - L - R) / 3 + (sec - bigStart - squeeze) * scaleRest;
    };
    spans.forEach((s) => {
      const a = x(raw(s.start)), b = x(raw(s.end));
      const y = lane(s) * rowH + 2;
      const rect = svg("rect", { x: a, y, width: Math.max(2, b - a), height: rowH - 4, rx: 3, class: "kind-" + s.step });
      const label = `${s.step}${s.part !== null ? " " + (s.part + 1) : ""}${s.reason ? " (" + s.reason + ")" : ""}: ${seconds(s.seconds)}`;
      rect.append(svg("title", {}, label + (s.detail ? " — " + s.detail : "")));
      node.append(rect);
      if (b - a > 70) node.append(svg("text", { x: a + 4, y: y + rowH - 7 }, label));
    });
    instants.forEach((s) => {
      const a = x(raw(s.start));
      const y = lanes.length * rowH;
      const mark = svg("line", { x1: a, x2: a, y1: 0, y2: y + 6, stroke: s.step === "sent" ? "#2f6b4f" : "#6b7770", "stroke-dasharray": s.step === "sent" ? "" : "3 2" });
      mark.append(svg("title", {}, `${s.step}${s.part !== null ? " part " + (s.part + 1) : ""}${s.reason ? " (" + s.reason + ")" : ""} at ${clock(s.start)}`));
      node.append(mark);
      if (s.step === "sent" || s.step === "read" || s.step === "done") {
        node.append(svg("text", { x: a + 2, y: y + rowH }, s.step === "sent" ? "part " + (s.part + 1) : s.step));
      }
    });
    return node;
  }

  function renderReply(reply, index) {
    const box = el("div", { class: "reply", id: "reply-" + reply.plan_id });
    const title = el("h3", {}, `#${index + 1} ${reply.kind} — ${reply.status}, ${reply.sent}/${reply.parts} parts`);
    title.append(el("span", {}, `${reply.model || "no model"} · ${usd(reply.cost_usd)} · ${reply.tokens} tokens · started ${time(reply.created_at)}`));
    box.append(title);
    if (reply.timeline.some((s) => s.end !== null)) box.append(timelineChart(reply.timeline));
    const steps = el("table");
    table(steps, ["Step", "Start", "Lasted", "Why", "Part"],
      reply.timeline.map((s) => [s.step, clock(s.start), s.seconds === null ? "" : seconds(s.seconds), [s.reason, s.detail !== s.reason ? s.detail : null].filter(Boolean).join(" — "), s.part === null ? "" : s.part + 1]),
      "No step recorded.");
    box.append(steps);
    if (reply.calls.length) {
      const calls = el("table");
      table(calls, ["Model call", "Model", "OK", "Latency", "Tokens", "Cost"],
        reply.calls.map((c) => [c.purpose, c.model, c.ok ? "yes" : "no (" + (c.status ?? "—") + ")", c.latency_ms + " ms", c.prompt_tokens + c.completion_tokens, usd(c.cost_usd)]), "");
      box.append(calls);
    }
    if (reply.guard.length) {
      box.append(el("p", { class: "err" }, "Guard: " + reply.guard.map((t) => `${t.reason} (${t.stage})`).join(", ")));
    }
    if (reply.error) box.append(el("p", { class: "muted" }, "Ended: " + reply.error));
    return box;
  }

  function renderTakeover(m, redacted) {
    const until = m.taken_over_until ? new Date(m.taken_over_until) : null;
    const active = until && until > new Date();
    $("takeover").hidden = redacted; // the read-only token may not take over
    $("takeover-state").textContent = active
      ? `Taken over until ${until.toLocaleString()}${m.takeover_reason ? " — " + m.takeover_reason : ""}: the persona sends nothing of her own.`
      : "The persona is answering on her own.";
    $("takeover-button").textContent = active ? "Extend" : "Take over";
    $("resume-button").hidden = !active;
    $("send-form").hidden = !active;
  }

  async function act(path, body) {
    $("takeover-msg").textContent = "";
    try {
      await api(path, { method: "POST", body: JSON.stringify(body || {}) });
    } catch (error) {
      $("takeover-msg").textContent = error.message;
    }
    load();
  }

  function render(body) {
    const m = body.match;
    renderTakeover(m, body.redacted);
    document.title = `randomatch-bot — ${m.bot_name || "persona"} & ${m.human_name || "?"}`;
    $("redacted").hidden = !body.redacted;
    $("summary").replaceChildren(
      card("Persona", m.bot_name || "—", (m.match_status || "—") + (m.variant ? " · variant " + m.variant : "")),
      card("Person", m.human_name || "—", String(m.human_id || "").slice(0, 8)),
      card("Conversation", m.status || "unknown", m.hold_reason ? "held: " + m.hold_reason : (m.next_wake_at ? "next step " + clock(m.next_wake_at) : "")),
      card("Cost", usd(body.cost_usd), body.replies.length + " replies shown"),
    );
    const transcript = $("transcript");
    transcript.replaceChildren();
    if (!body.messages.length) transcript.append(el("p", { class: "empty" }, "No message yet."));
    body.messages.forEach((msg) => {
      const row = el("div", { class: "row " + msg.sender });
      row.append(el("div", { class: "bubble" }, msg.content));
      let meta = clock(msg.created_at);
      if (msg.sender === "human" && msg.read_at) meta += " · read " + clock(msg.read_at);
      if (msg.plan_id) {
        const link = el("a", { href: "#reply-" + msg.plan_id, class: "meta" }, meta + " · part " + (msg.part + 1));
        row.append(link);
      } else {
        row.append(el("div", { class: "meta" }, meta));
      }
      transcript.append(row);
    });
    transcript.scrollTop = transcript.scrollHeight;
    const memory = $("memory");
    memory.replaceChildren();
    if (!body.memory) {
      memory.append(el("p", { class: "empty" }, "No memory yet."));
    } else {
      memory.append(el("p", {}, body.memory.summary || "(no summary yet)"));
      const facts = el("table");
      table(facts, ["Fact", "Value"], Object.entries(body.memory.facts).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]), "No fact yet.");
      memory.append(facts);
    }
    table($("waits"), ["Wait", "From", "Until", "Why"],
      body.waits.map((w) => [w.step, clock(w.start), w.end ? clock(w.end) : "", w.reason]), "None.");
    const replies = $("replies");
    replies.replaceChildren(...body.replies.map(renderReply));
    if (!body.replies.length) replies.append(el("p", { class: "empty" }, "No reply yet."));
  }

  async function load() {
    $("matchid").value = matchId;
    if (!/^[0-9a-f-]{36}$/i.test(matchId)) {
      $("status").textContent = "Type a match id above.";
      return;
    }
    try {
      $("status").textContent = "Loading…";
      render(await api("/conversations/" + encodeURIComponent(matchId)));
      $("tokenbox").hidden = true;
      $("status").textContent = "Match " + matchId;
    } catch (error) {
      if (error instanceof AuthError) {
        $("tokenbox").hidden = false;
        $("tokenmsg").textContent = token() ? error.message : "";
        $("status").textContent = "";
      } else {
        $("status").textContent = "Could not load: " + error.message;
      }
    }
  }

  $("takeover-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = parseFloat($("takeover-minutes").value);
    const body = { reason: $("takeover-reason").value.trim() || null };
    if (minutes > 0) body.minutes = minutes;
    act(`/conversations/${encodeURIComponent(matchId)}/takeover`, body);
  });
  $("resume-button").addEventListener("click", () => act(`/conversations/${encodeURIComponent(matchId)}/resume`));
  $("send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("send-text").value.trim();
    if (!text) return;
    $("send-text").value = "";
    act(`/conversations/${encodeURIComponent(matchId)}/messages`, { text });
  });
  $("lookup").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("matchid").value.trim();
    if (id) location.assign("/conversations/" + encodeURIComponent(id));
  });
  $("tokenbox").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("monitoringToken", $("token").value.trim());
    $("token").value = "";
    load();
  });
  load();
  setInterval(() => {
    if (!document.hidden && $("tokenbox").hidden) load();
  }, 5000);
})();
