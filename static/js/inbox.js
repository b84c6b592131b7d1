/* The inbox list: live rows and count deltas, j/k/Enter and / shortcuts. */
(function () {
  "use strict";
  const H = window.Helpdesk;
  const root = document.getElementById("inbox");
  const tbody = document.querySelector("#tickets tbody");
  const template = document.getElementById("row-template");
  const query = JSON.parse(root.dataset.query || "{}");
  const me = Number(root.dataset.agentId);
  const OPEN = ["new", "open", "pending"];
  const RANK = { urgent: 0, high: 1, normal: 2, low: 3 };
  const viewers = {};
  let selected = -1;

  function inView(row) {
    const open = OPEN.includes(row.status);
    const views = {
      mine: open && row.assignee_id === me,
      unassigned: open && row.assignee_id === null,
      open: open,
      at_risk: open && (row.sla_state === "at_risk" || row.sla_state === "breached"),
      escalated: open && row.escalated,
      pending: row.status === "pending",
      solved: row.status === "solved" || row.status === "closed",
    };
    if (!views[query.view || "open"]) return false;
    if (query.platform && query.platform !== row.platform) return false;
    if (query.language && query.language !== row.language) return false;
    if (query.intent && query.intent !== row.intent) return false;
    if (query.channel && Number(query.channel) !== row.channel_id) return false;
    return true;
  }

  function sortKey(data) {
    const due = data.due || "9999-01-01T00:00:00+00:00";
    const sort = query.sort || "sla";
    if (sort === "activity") return [-Date.parse(data.activity), -data.id];
    if (sort === "priority") return [RANK[data.priority] ?? 2, Date.parse(due), data.id];
    return [Date.parse(due), data.id];
  }

  function keyOf(tr) {
    return sortKey({ id: Number(tr.dataset.ticketId), due: tr.dataset.due, activity: tr.dataset.activity, priority: tr.dataset.priority });
  }

  function less(a, b) {
    for (let i = 0; i < a.length; i++) { if (a[i] !== b[i]) return a[i] < b[i]; }
    return false;
  }

  function setText(el, text) { if (el) el.textContent = text == null ? "" : String(text); }

  function fill(tr, row) {
    tr.className = "ticket-row sla-" + row.sla_state + (row.escalated ? " escalated" : "");
    tr.dataset.ticketId = row.id;
    tr.dataset.href = root.dataset.ticketUrl.replace(/0$/, String(row.id));
    tr.dataset.due = row.sla_due_at || "";
    tr.dataset.activity = row.last_activity_at;
    tr.dataset.priority = row.priority;
    const countdown = tr.querySelector(".c-sla");
    countdown.replaceChildren();
    if (row.sla_due_at) {
      const time = document.createElement("time");
      time.className = "countdown";
      time.setAttribute("datetime", row.sla_due_at);
      countdown.appendChild(time);
    }
    const platform = tr.querySelector(".platform");
    platform.className = "platform platform-" + row.platform;
    setText(platform, row.platform);
    setText(tr.querySelector(".store"), row.channel_name);
    setText(tr.querySelector(".buyer"), row.customer_name || "—");
    setText(tr.querySelector(".lang"), row.language || "");
    const subject = tr.querySelector(".subject");
    subject.href = tr.dataset.href;
    setText(subject, row.subject || "—");
    setText(tr.querySelector(".first-line"), row.first_line);
    const intentCell = tr.querySelector(".c-intent");
    intentCell.replaceChildren();
    if (row.intent) { const s = document.createElement("span"); s.className = "intent"; s.textContent = row.intent; intentCell.appendChild(s); }
    if (row.priority === "high" || row.priority === "urgent") { const p = document.createElement("span"); p.className = "prio prio-" + row.priority; p.textContent = row.priority; intentCell.appendChild(p); }
    setText(tr.querySelector(".c-order"), row.order_ref || "");
    setText(tr.querySelector(".c-assignee"), row.assignee_name || "");
    showViewers(tr);
  }

  function showViewers(tr) {
    const list = viewers[tr.dataset.ticketId] || [];
    const cell = tr.querySelector(".c-viewers");
    cell.replaceChildren();
    list.forEach((v) => {
      const badge = document.createElement("span");
      badge.className = "viewer";
      badge.title = v.name;
      badge.textContent = v.name.split(/\s+/).map((w) => w[0] || "").join("").slice(0, 2).toUpperCase();
      cell.appendChild(badge);
    });
  }

  function rowEl(id) { return tbody.querySelector('tr[data-ticket-id="' + id + '"]'); }

  function place(row) {
    let tr = rowEl(row.id);
    if (!inView(row)) {
      if (tr) tr.remove();
      refreshEmpty();
      return;
    }
    const isNew = !tr;
    if (!tr) tr = template.content.firstElementChild.cloneNode(true);
    fill(tr, row);
    const key = keyOf(tr);
    const others = Array.from(tbody.children).filter((r) => r !== tr);
    const before = others.find((r) => less(key, keyOf(r)));
    const more = document.getElementById("more");
    if (before) tbody.insertBefore(tr, before);
    else if (!more || others.length === 0) tbody.appendChild(tr);
    else { tr.remove(); return; }  // belongs on a later page
    if (isNew) { tr.classList.add("flash-new"); setTimeout(() => tr.classList.remove("flash-new"), 4000); }
    H.tickCountdowns();
    refreshEmpty();
  }

  function refreshEmpty() { document.getElementById("empty").hidden = tbody.children.length > 0; }

  function bump(key, by) {
    document.querySelectorAll('[data-count="' + CSS.escape(key) + '"]').forEach((el) => {
      el.textContent = String(Math.max(0, Number(el.textContent || 0) + by));
    });
  }

  async function recount() {
    const data = await H.getJSON(root.dataset.countsUrl);
    Object.entries(data.views).forEach(([k, n]) => document.querySelectorAll('[data-count="' + k + '"]').forEach((el) => { el.textContent = String(n); }));
    Object.entries(data.facets).forEach(([facet, items]) => items.forEach(([value, , n]) => {
      document.querySelectorAll('[data-count="' + CSS.escape(facet + ":" + value) + '"]').forEach((el) => { el.textContent = String(n); });
    }));
  }

  let searchPending = 0;
  function apply(payload) {
    const row = payload.row;
    if (payload.delta) {
      Object.entries(payload.delta).forEach(([k, by]) => bump(k, by));
      const [oldMine, newMine] = payload.mine || [null, null];
      if (oldMine === me && newMine !== me) bump("mine", -1);
      if (newMine === me && oldMine !== me) bump("mine", 1);
    } else if (payload.recount) {
      recount();
    }
    if (query.q) {  // the server decides what a search matches: offer a refresh instead of guessing
      if (inView(row)) {
        searchPending += 1;
        const note = document.getElementById("new-tickets");
        note.hidden = false;
        note.textContent = "↻ " + searchPending;
      }
      return;
    }
    place(row);
  }

  H.socket.on("inbox.ticket", apply);
  H.socket.on("inbox.presence", (data) => {
    viewers[data.ticket_id] = data.viewers;
    const tr = rowEl(data.ticket_id);
    if (tr) showViewers(tr);
  });
  H.socket.on("connect", () => {
    H.socket.emit("viewers", {}, (answer) => {
      if (!answer || !answer.ok) return;
      Object.entries(answer.viewers).forEach(([id, list]) => { viewers[id] = list; const tr = rowEl(id); if (tr) showViewers(tr); });
    });
  });
  document.addEventListener("helpdesk:reconnected", async (event) => {
    const data = await H.getJSON(root.dataset.sinceUrl + "?since=" + encodeURIComponent(event.detail.since));
    data.rows.forEach((row) => { if (!query.q) place(row); });
    recount();
  });
  document.getElementById("new-tickets").addEventListener("click", () => window.location.reload());

  function rows() { return Array.from(tbody.querySelectorAll("tr.ticket-row")); }
  function select(i) {
    const list = rows();
    if (!list.length) return;
    selected = Math.max(0, Math.min(list.length - 1, i));
    list.forEach((r, j) => r.classList.toggle("selected", j === selected));
    list[selected].scrollIntoView({ block: "nearest" });
  }
  H.onKey((event) => {
    if (event.key === "j") { select(selected + 1); return true; }
    if (event.key === "k") { select(selected - 1); return true; }
    if (event.key === "Enter" && selected >= 0) { window.location.href = rows()[selected].dataset.href; return true; }
    if (event.key === "/") { document.getElementById("search").focus(); return true; }
    return false;
  });
  tbody.addEventListener("click", (event) => {
    const tr = event.target.closest("tr.ticket-row");
    if (tr && !event.target.closest("a")) window.location.href = tr.dataset.href;
  });
  document.getElementById("sort").addEventListener("change", (e) => e.target.form.requestSubmit());
  if (window.location.hash === "#search") document.getElementById("search").focus();
})();
