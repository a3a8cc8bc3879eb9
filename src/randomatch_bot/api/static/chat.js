// The demo chat: posts the hiker's messages, follows the match through server-sent events.
// Text is always set with textContent (never innerHTML): messages are untrusted.
"use strict";

(function () {
  const list = document.getElementById("messages");
  const typing = document.getElementById("typing");
  const typingText = document.getElementById("typing-text");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const statusLine = document.getElementById("bot-status");
  const nodes = new Map(); // message id -> {row, data}
  // The header says what the server says: "en ligne" only when she is there to answer.
  let presence = "connexion…";
  let llmNote = "";
  function showStatus() {
    statusLine.textContent = "Randonneuse · " + presence + llmNote;
  }
  // What happened, in order, for anyone curious (and for the browser test).
  window.chatLog = [];

  function timeOf(iso) {
    return new Date(iso).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
  }

  function updateSeen() {
    // Like the app: "Vu" under the last of my messages that the other side has read.
    let last = null;
    for (const entry of nodes.values()) {
      entry.seen.hidden = true;
      if (entry.data.from === "me" && entry.data.read_at) last = entry;
    }
    if (last) last.seen.hidden = false;
  }

  function render(data) {
    let entry = nodes.get(data.id);
    if (!entry) {
      const row = document.createElement("div");
      row.className = "row " + (data.from === "me" ? "mine" : "theirs");
      row.dataset.id = data.id;
      const bubble = document.createElement("div");
      bubble.className = "bubble";
      bubble.textContent = data.content;
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = timeOf(data.created_at);
      const seen = document.createElement("div");
      seen.className = "seen";
      seen.textContent = "Vu";
      seen.hidden = true;
      row.append(bubble, meta, seen);
      // Keep the order of creation even if an event arrives late.
      const after = [...nodes.values()].find((e) => e.data.created_at > data.created_at);
      list.insertBefore(row, after ? after.row : null);
      entry = { row, seen, data };
      nodes.set(data.id, entry);
      window.chatLog.push((data.from === "me" ? "me:" : "part:") + data.content);
      if (data.from === "me" && data.read_at) window.chatLog.push("read");
      document.getElementById("intro").hidden = true;
    } else if (!entry.data.read_at && data.read_at) {
      window.chatLog.push("read");
    }
    entry.data = data;
    updateSeen();
    list.scrollTop = list.scrollHeight;
  }

  function connect() {
    const source = new EventSource("/chat/events");
    source.addEventListener("hello", (event) => {
      const hello = JSON.parse(event.data);
      document.getElementById("bot-name").textContent = hello.bot;
      document.getElementById("avatar").textContent = hello.bot.slice(0, 1);
      typingText.textContent = hello.bot + " est en train d'écrire…";
      llmNote = hello.llm === "offline" ? " · réponses hors ligne (démo)" : "";
      showStatus();
    });
    source.addEventListener("presence", (event) => {
      presence = JSON.parse(event.data).label;
      showStatus();
    });
    source.addEventListener("message", (event) => render(JSON.parse(event.data)));
    source.addEventListener("typing", (event) => {
      const on = JSON.parse(event.data).typing;
      if (on !== !typing.hidden) window.chatLog.push(on ? "typing:on" : "typing:off");
      typing.hidden = !on;
      list.scrollTop = list.scrollHeight;
    });
    source.addEventListener("problem", () => {
      statusLine.textContent = "Connexion perdue, nouvelle tentative…";
    });
    source.onerror = () => {
      statusLine.textContent = "Connexion perdue, nouvelle tentative…";
    };
    source.onopen = () => showStatus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    input.value = "";
    const response = await fetch("/chat/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ content }),
    });
    if (!response.ok) {
      input.value = content;
      statusLine.textContent = "Message non envoyé (" + response.status + ")";
    }
  });

  connect();
  input.focus();
})();
