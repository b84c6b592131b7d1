/* The ticket page: live thread, presence, "another agent is replying", drafts, templates, sending
   with the version check. Buyer text is set with textContent only. */
(function () {
  "use strict";
  const H = window.Helpdesk;
  const root = document.getElementById("ticket");
  const ticketId = Number(root.dataset.ticketId);
  const me = H.agentId;
  const thread = document.getElementById("thread");
  const replyText = document.getElementById("reply-text");
  const noteText = document.getElementById("note-text");
  const sendStatus = document.getElementById("send-status");
  const conflict = document.getElementById("conflict");
  const replying = document.getElementById("replying");
  const zone = document.body.dataset.timezone || "UTC";
  const strings = { viewing: root.dataset.viewingLabel || "Also viewing:", replying: root.dataset.replyingLabel || "is replying…", noting: root.dataset.notingLabel || "is writing a note…", queued: root.dataset.queuedLabel || "Queued for sending", confirm: root.dataset.confirmLabel || "Send anyway" };
  let version = Number(root.dataset.version);
  let seenMessageId = Number(root.dataset.lastMessageId);
  let confirmed = false;
  let draftId = null;
  const draftBox = document.getElementById("draft");
  if (draftBox && draftBox.dataset.draftId) draftId = Number(draftBox.dataset.draftId);
  const typers = {};

  const fmt = new Intl.DateTimeFormat(undefined, { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });

  function lastRenderedId() {
    return Array.from(thread.querySelectorAll("[data-message-id]")).reduce((m, el) => Math.max(m, Number(el.dataset.messageId)), 0);
  }

  function renderMessage(m, highlight) {
    if (thread.querySelector('[data-message-id="' + m.id + '"]')) return;
    const li = document.getElementById("message-template").content.firstElementChild.cloneNode(true);
    li.className = "message message-" + m.direction + (m.is_auto_reply ? " message-auto" : "") + (highlight ? " message-new" : "");
    li.dataset.messageId = m.id;
    li.querySelector(".author").textContent = m.author_name || (m.author_kind === "bot" ? "Bot" : "—");
    li.querySelector(".kind").textContent = m.direction === "note" ? "note" : (m.is_auto_reply ? "auto-reply" : (m.direction === "outbound" ? "reply" : ""));
    const time = li.querySelector("time");
    time.setAttribute("datetime", m.at);
    time.textContent = fmt.format(new Date(m.at));
    const delivery = li.querySelector(".delivery");
    delivery.textContent = m.delivery_state || "";
    if (m.delivery_state) delivery.classList.add("delivery-" + m.delivery_state);
    if (m.subject && m.direction === "inbound") { const s = li.querySelector(".msg-subject"); s.hidden = false; s.textContent = m.subject; }
    li.querySelector(".body").textContent = m.body_text;
    if (m.attachments && m.attachments.length) {
      const ul = li.querySelector(".attachments");
      ul.hidden = false;
      m.attachments.forEach((name) => { const a = document.createElement("li"); a.textContent = "📎 " + name; ul.appendChild(a); });
    }
    thread.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function showViewers(list) {
    const others = list.filter((v) => v.id !== me);
    const el = document.getElementById("viewers");
    el.replaceChildren();
    if (!others.length) return;
    const label = document.createElement("span");
    label.className = "muted";
    label.textContent = strings.viewing + " ";
    el.appendChild(label);
    others.forEach((v) => { const b = document.createElement("span"); b.className = "viewer-name"; b.textContent = v.name; el.appendChild(b); });
  }

  function showTyping() {
    const active = Object.values(typers).filter((t) => t.until > Date.now());
    replying.hidden = active.length === 0;
    replying.textContent = active.map((t) => t.name + " " + (t.kind === "reply" ? strings.replying : strings.noting)).join(" · ");
  }
  setInterval(showTyping, 2000);

  function join() {
    H.socket.emit("join_ticket", { ticket_id: ticketId }, (answer) => { if (answer && answer.ok) showViewers(answer.viewers); });
  }
  H.socket.on("connect", join);
  if (H.socket.connected) join();
  H.socket.on("presence", (data) => { if (data.ticket_id === ticketId) showViewers(data.viewers); });
  H.socket.on("typing", (data) => {
    if (data.ticket_id !== ticketId) return;
    if (data.active) typers[data.agent.id] = { name: data.agent.name, kind: data.kind, until: Date.now() + 8000 };
    else delete typers[data.agent.id];
    showTyping();
  });
  H.socket.on("message.created", (data) => { if (data.message.ticket_id === ticketId) renderMessage(data.message, data.message.agent_id !== me); });
  H.socket.on("ticket.changed", (data) => {
    if (data.row.id !== ticketId) return;
    const status = document.getElementById("ticket-status");
    status.textContent = data.row.status;
    status.className = "status status-" + data.row.status;
    if (data.event === "draft.ready") loadDraft();
  });
  async function catchUp() {
    const data = await H.getJSON(root.dataset.messagesUrl + "?after=" + lastRenderedId());
    data.messages.forEach((m) => renderMessage(m, m.agent_id !== me));
  }
  document.addEventListener("helpdesk:reconnected", () => { catchUp(); loadDraft(); });

  async function loadDraft() {
    const data = await H.getJSON(root.dataset.draftUrl);
    if (!data.draft || !draftBox || data.draft.id === draftId) return;
    showDraft(data.draft);
  }

  // A draft that arrives live fills the same slots as one rendered with the page (text only, never HTML).
  function showDraft(d) {
    draftId = d.id;
    draftBox.dataset.draftId = String(d.id);
    const put = (id, value) => { const el = document.getElementById(id); if (el) el.textContent = value == null ? "" : String(value); };
    put("draft-language", d.language); put("draft-language-2", d.language); put("draft-intent", d.intent);
    put("draft-rule", d.rule); put("draft-confidence", d.confidence); put("draft-action", d.action);
    put("draft-text", d.text); put("draft-text-agent", d.text_agent);
    document.getElementById("draft-agent").hidden = !d.text_agent || d.text_agent === d.text;
    const why = document.getElementById("draft-why");
    why.replaceChildren(...(d.why || []).map((w) => { const li = document.createElement("li"); li.textContent = w; return li; }));
    document.getElementById("draft-discard").action = draftBox.dataset.discardUrl.replace(/\/0\/discard$/, "/" + d.id + "/discard");
    draftBox.hidden = false;
  }

  function useDraft() {
    const text = document.getElementById("draft-text");
    if (text) { replyText.value = text.textContent; openTab("reply"); typing("reply", true); }
  }
  document.querySelectorAll('[data-action="use-draft"]').forEach((b) => b.addEventListener("click", useDraft));

  document.querySelector('[data-action="insert-template"]').addEventListener("click", async () => {
    const name = document.getElementById("template-name").value;
    const language = document.getElementById("template-language").value;
    if (!name) return;
    const data = await H.getJSON(root.dataset.templateUrl + "?name=" + encodeURIComponent(name) + "&language=" + encodeURIComponent(language));
    replyText.value = data.text;
    draftId = null;
    replyText.focus();
  });

  let lastTyping = 0;
  function typing(kind, active) {
    const now = Date.now();
    if (active && now - lastTyping < 3000) return;
    lastTyping = active ? now : 0;
    H.socket.emit("typing", { ticket_id: ticketId, kind, active });
  }
  replyText.addEventListener("input", () => typing("reply", replyText.value.trim() !== ""));
  replyText.addEventListener("blur", () => { if (!replyText.value.trim()) typing("reply", false); });
  noteText.addEventListener("input", () => typing("note", noteText.value.trim() !== ""));

  document.getElementById("reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = replyText.value.trim();
    if (!text) return;
    const button = document.getElementById("send");
    button.disabled = true;
    try {
      const { status, data } = await H.post(root.dataset.replyUrl, { text, version, seen_message_id: seenMessageId, draft_id: draftId, confirmed });
      if (status === 409 && data && data.conflict) {
        data.new_messages.forEach((m) => renderMessage(m, true));
        version = data.version;
        seenMessageId = Math.max(seenMessageId, lastRenderedId());
        confirmed = true;
        conflict.hidden = false;
        button.textContent = strings.confirm;
        return;
      }
      if (status !== 200) { sendStatus.textContent = (data && data.error) || ("HTTP " + status); return; }
      replyText.value = "";
      conflict.hidden = true;
      confirmed = false;
      version = data.version;
      seenMessageId = Math.max(data.message_id, lastRenderedId());
      sendStatus.textContent = strings.queued;
      catchUp();  // show the reply at once, even if the socket has not joined the room yet
      typing("reply", false);
      if (draftBox && draftId) draftBox.hidden = true;
      draftId = null;
    } finally {
      button.disabled = false;
    }
  });

  function openTab(name) {
    document.querySelectorAll(".composer .tab").forEach((t) => t.classList.toggle("current", t.dataset.tab === name));
    document.querySelectorAll(".composer .pane").forEach((p) => { p.hidden = p.dataset.pane !== name; });
    (name === "reply" ? replyText : noteText).focus();
  }
  document.querySelectorAll(".composer .tab").forEach((t) => t.addEventListener("click", () => openTab(t.dataset.tab)));

  H.onKey((event) => {
    if (event.key === "r") { openTab("reply"); return true; }
    if (event.key === "n") { openTab("note"); return true; }
    if (event.key === "a") { document.getElementById("claim-form").requestSubmit(); return true; }
    if (event.key === "s") { document.getElementById("solve-form").requestSubmit(); return true; }
    if (event.key === "/") { window.location.href = root.dataset.inboxUrl + "#search"; return true; }
    if (event.key === "j" || event.key === "k") { window.location.href = root.dataset.inboxUrl; return true; }
    return false;
  });
})();
