/* Shared by every page: the socket, CSRF for fetch(), countdowns, the shortcut help.
   Buyer text is only ever set with textContent, never innerHTML. */
(function () {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const status = document.getElementById("live-status");
  const handlers = [];
  const helpDialog = document.getElementById("help");

  function setStatus(state, text) {
    if (!status) return;
    status.dataset.state = state;
    status.textContent = text;
  }

  const socket = io({ transports: ["websocket", "polling"], reconnectionDelayMax: 5000 });
  // Catch up from the database on every connect, the first one included: whatever changed
  // between rendering the page (server time) and the socket joining its rooms is fetched.
  let lastSeen = document.body.dataset.renderedAt || new Date().toISOString();
  socket.on("connect", () => {
    setStatus("live", status ? status.dataset.live || "live" : "live");
    document.dispatchEvent(new CustomEvent("helpdesk:reconnected", { detail: { since: lastSeen } }));
  });
  socket.on("disconnect", () => { lastSeen = new Date(Date.now() - 30000).toISOString(); setStatus("offline", status ? status.dataset.offline || "offline" : "offline"); });
  socket.on("connect_error", () => setStatus("offline", status ? status.dataset.offline || "offline" : "offline"));


  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, data };
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  function formatLeft(seconds) {
    const sign = seconds < 0 ? "-" : "";
    let s = Math.abs(Math.round(seconds));
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60);
    if (d > 0) return sign + d + "d " + h + "h";
    if (h > 0) return sign + h + "h " + String(m).padStart(2, "0") + "m";
    return sign + m + "m";
  }

  function tickCountdowns() {
    const now = Date.now();
    document.querySelectorAll("time.countdown[datetime]").forEach((el) => {
      const due = Date.parse(el.getAttribute("datetime"));
      if (Number.isNaN(due)) return;
      const left = (due - now) / 1000;
      el.textContent = formatLeft(left);
      el.classList.toggle("overdue", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 3600);
      if (!el.title) el.title = new Date(due).toLocaleString();
    });
  }
  setInterval(tickCountdowns, 15000);
  tickCountdowns();

  function typingInField(event) {
    const t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingInField(event)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      if (helpDialog.open) helpDialog.close(); else helpDialog.showModal();
      return;
    }
    for (const handler of handlers) {
      if (handler(event) === true) { event.preventDefault(); return; }
    }
  });
  document.querySelectorAll('[data-action="help"]').forEach((b) => b.addEventListener("click", () => helpDialog.showModal()));
  // Selects that save on change (assignee, status, priority): no inline script under the CSP.
  document.querySelectorAll("form.autosubmit select").forEach((s) => s.addEventListener("change", () => s.form.requestSubmit()));

  window.Helpdesk = {
    socket, post, getJSON, formatLeft, tickCountdowns,
    agentId: Number(document.body.dataset.agentId || 0),
    onKey(handler) { handlers.push(handler); },
  };
})();
