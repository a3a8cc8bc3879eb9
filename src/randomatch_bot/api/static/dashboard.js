// The dashboard: JSON endpoints every few seconds, charts drawn as inline SVG.
// The token (when the API needs one) is typed by the operator and kept in sessionStorage.
"use strict";

(function () {
  const REFRESH_MS = 5000;
  const SVG = "http://www.w3.org/2000/svg";
  const COLORS = { mean: "#2f6b4f", p95: "#d9822b", received: "#8fb9a3", sent: "#2f6b4f" };
  const $ = (id) => document.getElementById(id);

  function token() {
    return sessionStorage.getItem("monitoringToken") || "";
  }

  class AuthError extends Error {}

  async function api(path, options) {
    const headers = { Accept: "application/json" };
    if (token()) headers.Authorization = "Bearer " + token();
    const response = await fetch(path, Object.assign({ headers }, options || {}));
    if (response.status === 401 || response.status === 403) {
      const body = await response.json().catch(() => ({}));
      throw new AuthError(body.detail || "unauthorised");
    }
    if (!response.ok && response.status !== 503) throw new Error(path + ": " + response.status);
    return response.json();
  }

  // ------------------------------------------------------------------ formatting
  function seconds(value) {
    if (value === null || value === undefined) return "—";
    if (value < 60) return value.toFixed(1) + " s";
    if (value < 3600) return (value / 60).toFixed(1) + " min";
    return (value / 3600).toFixed(1) + " h";
  }
  const pct = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + " %");
  const usd = (v) => "$" + (v || 0).toFixed(v >= 1 ? 2 : 4);
  const when = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "—");
  const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");
  const rate = (v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2));
  const short = (id) => (id ? String(id).slice(0, 8) : "—");

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function pill(id, state, text) {
    const node = $(id);
    node.className = "pill " + state;
    node.textContent = text;
  }

  function card(label, value, sub, alert) {
    const node = el("div", { class: "card" + (alert ? " alert" : "") });
    node.append(el("div", { class: "label" }, label), el("div", { class: "value" }, value));
    if (sub) node.append(el("div", { class: "sub" }, sub));
    return node;
  }

  function table(id, headers, rows, empty) {
    const node = $(id);
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
      cells.forEach((cell) => {
        if (cell instanceof Node) {
          const td = el("td");
          td.append(cell);
          tr.append(td);
        } else if (typeof cell === "number") {
          tr.append(el("td", { class: "num" }, String(cell)));
        } else {
          tr.append(el("td", {}, cell === null || cell === undefined ? "—" : String(cell)));
        }
      });
      node.append(tr);
    });
  }

  // ------------------------------------------------------------------ charts
  function chart(svg, buckets, series, kind) {
    const box = svg.getBoundingClientRect();
    const W = Math.max(300, box.width), H = 200, L = 48, R = 24, T = 10, B = 24;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.replaceChildren();
    const step = niceStep(Math.max(...buckets.flatMap((b) => series.map((s) => b[s.key] || 0))), kind);
    const max = step * 4;
    const x = (i) => L + (i + 0.5) * ((W - L - R) / buckets.length);
    const y = (v) => T + (H - T - B) * (1 - v / max);
    for (let k = 0; k <= 4; k++) {
      const v = step * k;
      const line = document.createElementNS(SVG, "line");
      Object.entries({ x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }).forEach(([a, b]) => line.setAttribute(a, b));
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", L - 6);
      label.setAttribute("y", y(v) + 3);
      label.setAttribute("text-anchor", "end");
      label.textContent = kind === "latency" ? seconds(v) : Math.round(v);
      svg.append(line, label);
    }
    buckets.forEach((b, i) => {
      if (i % 4 !== 0 && i !== buckets.length - 1) return;
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", x(i));
      label.setAttribute("y", H - 6);
      label.setAttribute("text-anchor", "middle");
      label.textContent = new Date(b.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      svg.append(label);
    });
    if (kind === "bars") {
      const slot = (W - L - R) / buckets.length;
      const bw = Math.max(2, (slot * 0.8) / series.length);
      buckets.forEach((b, i) => {
        series.forEach((s, j) => {
          const v = b[s.key] || 0;
          if (!v) return;
          const rect = document.createElementNS(SVG, "rect");
          const left = x(i) - (bw * series.length) / 2 + j * bw;
          Object.entries({ x: left, y: y(v), width: bw - 1, height: y(0) - y(v), fill: s.color, rx: 1.5 })
            .forEach(([a, c]) => rect.setAttribute(a, c));
          const title = document.createElementNS(SVG, "title");
          title.textContent = `${s.label}: ${v}`;
          rect.append(title);
          svg.append(rect);
        });
      });
    } else {
      series.forEach((s) => {
        const points = buckets.map((b, i) => [i, b[s.key]]).filter(([, v]) => v !== null && v !== undefined);
        if (!points.length) return;
        const path = document.createElementNS(SVG, "polyline");
        path.setAttribute("points", points.map(([i, v]) => `${x(i)},${y(v)}`).join(" "));
        path.setAttribute("fill", "none");
        path.setAttribute("stroke", s.color);
        path.setAttribute("stroke-width", "2");
        svg.append(path);
        points.forEach(([i, v]) => {
          const dot = document.createElementNS(SVG, "circle");
          Object.entries({ cx: x(i), cy: y(v), r: 3, fill: s.color }).forEach(([a, c]) => dot.setAttribute(a, c));
          const title = document.createElementNS(SVG, "title");
          title.textContent = `${s.label}: ${seconds(v)}`;
          dot.append(title);
          svg.append(dot);
        });
      });
    }
  }

  // A round tick step such that four steps cover the largest value (whole numbers for counts).
  function niceStep(largest, kind) {
    const raw = Math.max(largest, kind === "latency" ? 0.4 : 4) / 4;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    return kind === "latency" ? step : Math.max(1, Math.ceil(step));
  }

  function legend(id, series) {
    const node = $(id);
    node.replaceChildren();
    series.forEach((s) => {
      const item = el("span", {}, s.label);
      item.style.setProperty("--c", s.color);
      node.append(item);
    });
  }

  // ------------------------------------------------------------------ rendering
  function renderTop(ready) {
    pill("llm", ready.llm.online ? "ok" : "warn", ready.llm.online ? "LLM: " + ready.llm.mode : "LLM: offline responder");
    pill("pg", ready.postgres.ok ? "ok" : "bad", "PostgreSQL " + (ready.postgres.ok ? "ok" : "down"));
    pill("redis", ready.redis.ok ? "ok" : "bad", "Redis " + (ready.redis.ok ? "ok" : "down"));
    const age = ready.bridge.heartbeat_age_s;
    pill("bridge", ready.bridge.ok ? "ok" : "bad",
      ready.bridge.ok ? `Bridge ok (${age.toFixed(0)} s)` : "Bridge: " + ready.bridge.detail);
    if (ready.llm.ok === false) pill("llm", "bad", "LLM " + ready.llm.detail);
  }

  function renderCards(overview, stats) {
    $("chatlink").hidden = !overview.demo;
    const c = overview.counts || {};
    const t = stats.total;
    const today = overview.llm_today || {};
    const closed = overview.closed || {};
    $("cards").replaceChildren(
      card("Replies", String(c.replies ?? 0), plural(c.parts_sent ?? 0, "part") + " sent"),
      card("In flight", String(c.in_flight ?? 0), (c.waiting ?? 0) + " grouping"),
      card("Queue", String(overview.queue_due), overview.queue_scheduled + " scheduled"),
      card("Dead letters", String(c.dead_letters ?? 0), "open", (c.dead_letters ?? 0) > 0),
      card("Closed: minors", String(closed.minor ?? 0), (closed.stop ?? 0) + " asked to stop", (closed.minor ?? 0) > 0),
      card("Mean response", seconds(t.response_time.mean_s), "p95 " + seconds(t.response_time.p95_s)),
      card("API error rate", pct(t.api.error_rate), t.api.failed + " / " + t.api.calls + " calls", t.api.error_rate > 0.05),
      card("Messages / hour", rate(t.messages.per_hour), t.messages.answered + " answered in 24 h"),
      card("LLM cost today", usd(today.llm_cost), plural(today.llm_calls || 0, "call")),
    );
  }

  function renderBots(stats) {
    table("bots", ["Bot", "Replies", "Mean", "p95", "Error rate", "Msg/h", "Cost"],
      stats.bots.map((b) => [b.name, b.response_time.replies, seconds(b.response_time.mean_s),
        seconds(b.response_time.p95_s), pct(b.api.error_rate), rate(b.messages.per_hour), usd(b.api.cost_usd)]),
      "No bot profile yet.");
  }

  function renderConversations(rows) {
    table("conversations", ["Match", "Bot", "State", "Step", "Part", "Next due"],
      rows.map((r) => [short(r.match_id), r.bot_name, r.status, r.step || "grouping",
        r.parts ? `${r.next_part + 1}/${r.parts}` : "—", when(r.next_due_at || r.next_wake_at)]),
      "Nothing in progress: every conversation is idle.");
  }

  function renderLetters(rows) {
    table("letters", ["#", "Match", "Created", "Attempts", "Error", ""],
      rows.map((r) => {
        const actions = el("span");
        const retry = el("button", { class: "small", type: "button" }, "Retry");
        const discard = el("button", { class: "small secondary", type: "button" }, "Discard");
        retry.addEventListener("click", () => act(r.id, "retry"));
        discard.addEventListener("click", () => act(r.id, "discard"));
        actions.append(retry, " ", discard);
        return [r.id, short(r.match_id), when(r.created_at), r.attempts, el("span", { class: "err" }, r.error), actions];
      }),
      "No dead letter. Every failed reply would show here with its error.");
  }

  async function act(id, action) {
    await api(`/dead-letters/${id}/${action}`, { method: "POST" }).catch(() => null);
    refresh();
  }

  // ------------------------------------------------------------------ engagement
  // One horizontal bar per group; `format` writes the value beside its bar.
  function bars(svg, groups, value, format) {
    const rows = groups.filter((g) => value(g) !== null && value(g) !== undefined);
    const W = 360, rowH = 22, L = 110, R = 70;
    const H = Math.max(1, rows.length) * rowH + 4;
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.style.height = H + "px";
    svg.replaceChildren();
    if (!rows.length) {
      const none = document.createElementNS(SVG, "text");
      Object.entries({ x: 4, y: 14 }).forEach(([a, b]) => none.setAttribute(a, b));
      none.textContent = "no data in the window";
      svg.append(none);
      return;
    }
    const max = Math.max(...rows.map(value), 1e-9);
    rows.forEach((g, i) => {
      const y = i * rowH + 2;
      const name = document.createElementNS(SVG, "text");
      Object.entries({ x: L - 6, y: y + 14, "text-anchor": "end", class: "name" }).forEach(([a, b]) => name.setAttribute(a, b));
      // By variant the bar is named after the variant (the table names the persona too).
      const shown = g.variant || g.name;
      name.textContent = shown.length > 16 ? shown.slice(0, 15) + "…" : shown;
      const rect = document.createElementNS(SVG, "rect");
      const w = Math.max(1, ((W - L - R) * value(g)) / max);
      Object.entries({ x: L, y: y + 3, width: w, height: rowH - 8, rx: 2, fill: COLORS.mean }).forEach(([a, b]) => rect.setAttribute(a, b));
      const title = document.createElementNS(SVG, "title");
      title.textContent = `${g.name}: ${format(value(g))}`;
      rect.append(title);
      const label = document.createElementNS(SVG, "text");
      Object.entries({ x: L + w + 4, y: y + 14 }).forEach(([a, b]) => label.setAttribute(a, b));
      label.textContent = format(value(g));
      svg.append(name, rect, label);
    });
  }

  function link(href, text) {
    return el("a", { href }, text);
  }

  function renderEngagement(eng) {
    const groups = eng.groups;
    bars($("eng-reply"), groups, (g) => g.reply_rate, pct);
    bars($("eng-ghost"), groups, (g) => g.ghost_rate, pct);
    bars($("eng-delay"), groups, (g) => g.reply_delay.median_s, seconds);
    bars($("eng-depth"), groups, (g) => g.depth.mean, (v) => v.toFixed(1));
    bars($("eng-guard"), groups, (g) => g.guard_trips_per_100_replies, (v) => v.toFixed(1));
    bars($("eng-cost"), groups, (g) => g.cost_per_conversation_usd, usd);
    const row = (g) => [g.name, g.turns, pct(g.reply_rate), g.pending, seconds(g.reply_delay.median_s),
      seconds(g.reply_delay.p90_s), g.conversations, pct(g.ghost_rate), g.depth.mean === null ? "—" : g.depth.mean.toFixed(1),
      `${g.unmatches} (${pct(g.unmatch_rate)})`, `${g.reengaged}/${g.followups}`,
      g.guard_trips_per_100_replies === null ? "—" : g.guard_trips_per_100_replies.toFixed(1), usd(g.cost_per_conversation_usd)];
    // By variant: each rate's 95 % interval, and each variant against its persona's control.
    const byVariant = eng.by === "variant";
    const span = (iv) => (iv ? `${(iv[0] * 100).toFixed(1)}–${(iv[1] * 100).toFixed(1)} %` : "—");
    const verdict = (g) => (g.comparison ? g.comparison.statement : (g.variant ? "control" : ""));
    const rowOf = (g) => (byVariant
      ? [...row(g).slice(0, 3), span(g.intervals && g.intervals.reply_rate), verdict(g), ...row(g).slice(3)]
      : row(g));
    const headers = ["", "Turns", "Reply rate", "Pending", "Delay p50", "Delay p90", "Conv.", "Ghosted", "Depth",
      "Unmatch/block", "Follow-ups answered", "Guard /100", "Cost/conv."];
    table("eng-table", byVariant ? [...headers.slice(0, 3), "Reply rate 95 %", "vs control", ...headers.slice(3)] : headers,
      [...groups.map(rowOf), ...(groups.length > 1 && !byVariant ? [row(Object.assign({}, eng.total, { name: "all" }))] : [])],
      "No conversation in the window.");
    table("eng-worst", ["Match", "Persona", "Ghosted", "Human turns", "Last persona turn", ""],
      eng.worst.map((w) => [link(w.url, short(w.match_id)), w.bot_name, w.ghosted ? "yes" : "no", w.depth,
        new Date(w.last_turn_at).toLocaleString(), link(w.url, "explain →")]),
      "No conversation in the window.");
  }

  async function refreshEngagement() {
    const by = $("eng-by").value, hours = $("eng-hours").value;
    try {
      renderEngagement(await api(`/engagement?hours=${hours}&by=${by}`));
    } catch (error) {
      if (!(error instanceof AuthError)) $("eng-table").replaceChildren(el("caption", { class: "err" }, "engagement: " + error.message));
    }
  }

  async function refresh() {
    try {
      const [ready, overview, stats, series, conversations, letters] = await Promise.all([
        api("/ready"), api("/overview"), api("/stats?hours=24"),
        api("/stats/series?hours=24&bucket_minutes=60"), api("/conversations"), api("/dead-letters"),
      ]);
      $("tokenbox").hidden = true;
      renderTop(ready);
      renderCards(overview, stats);
      const lat = [{ key: "mean_s", label: "mean", color: COLORS.mean }, { key: "p95_s", label: "p95", color: COLORS.p95 }];
      const vol = [{ key: "received", label: "received (human)", color: COLORS.received }, { key: "sent", label: "sent (bot parts)", color: COLORS.sent }];
      chart($("latency"), series.buckets, lat, "latency");
      chart($("volume"), series.buckets, vol, "bars");
      legend("latency-legend", lat);
      legend("volume-legend", vol);
      renderBots(stats);
      renderConversations(conversations);
      renderLetters(letters);
      refreshEngagement();
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    } catch (error) {
      if (error instanceof AuthError) {
        $("tokenbox").hidden = false;
        $("tokenmsg").textContent = token() ? error.message : "";
      } else {
        $("updated").textContent = "update failed: " + error.message;
      }
    }
  }

  $("tokenbox").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("monitoringToken", $("token").value.trim());
    $("token").value = "";
    refresh();
  });

  $("eng-by").addEventListener("change", refreshEngagement);
  $("eng-hours").addEventListener("change", refreshEngagement);
  $("eng-lookup").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("eng-match").value.trim();
    if (id) location.assign("/conversations/" + encodeURIComponent(id));
  });

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
