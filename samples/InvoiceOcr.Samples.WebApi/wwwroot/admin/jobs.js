// InvoiceOcr admin dashboard, jobs panel: the selected company's batch jobs with progress bars, a job's items by state and
// an item's transitions. Plain browser JavaScript, read-only, through /admin/api with the same X-Admin-Key as admin.js
// (kept in sessionStorage). It follows the company chosen in admin.js by watching the company list, so the two files
// share nothing but the page.
"use strict";

(() => {
  const api = "/admin/api";
  const storageKey = "invoiceocr-admin-key";
  const itemStates = ["Pending", "Processing", "Completed", "Failed", "Retrying", "QuotaExceeded", "Suspended", "Cancelled"];
  const finished = ["Completed", "Failed", "PartiallyProcessed", "Cancelled"];
  const refreshMs = 2000;
  const $ = (selector) => document.querySelector(selector);
  const enc = encodeURIComponent;
  const view = { company: null, jobId: null, itemId: null, timer: null };

  async function get(path) {
    const response = await fetch(api + path, { headers: { "X-Admin-Key": sessionStorage.getItem(storageKey) || "", "Accept": "application/json" } });
    const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
    if (!response.ok) throw new Error((data && (data.detail || data.title)) || response.statusText);
    return data;
  }

  function cell(row, value, className) {
    const td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "" : String(value);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function button(text, label, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "link";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", onClick);
    return b;
  }

  function badge(text) {
    const span = document.createElement("span");
    span.className = "badge job-" + text;
    span.textContent = text;
    return span;
  }

  function empty(tbody, columns, text) {
    const tr = document.createElement("tr");
    tr.className = "empty";
    const td = cell(tr, text);
    td.colSpan = columns;
    tbody.appendChild(tr);
  }

  const number = (n) => n === null || n === undefined ? "" : Number(n).toLocaleString("en-US");
  const when = (iso) => iso ? iso.replace("T", " ").slice(0, 19) : "";

  function say(text, isError) {
    const line = $("#jobs-status");
    line.textContent = text;
    line.classList.toggle("error", Boolean(isError));
  }

  async function loadJobs() {
    const jobs = await get("/companies/" + enc(view.company) + "/jobs");
    const tbody = $("#jobs tbody");
    tbody.replaceChildren();
    if (!jobs.length) empty(tbody, 8, "No batch jobs.");
    for (const job of jobs) {
      const tr = document.createElement("tr");
      tr.dataset.jobId = job.jobId;
      tr.setAttribute("aria-selected", String(job.jobId === view.jobId));
      cell(tr, job.jobId);
      cell(tr, job.jobKey || "");
      cell(tr, when(job.createdAt));
      cell(tr, "").appendChild(badge(job.state));
      const bar = document.createElement("progress");
      bar.max = Math.max(job.progress.total, 1);
      bar.value = job.progress.finished;
      bar.setAttribute("aria-label", "Progress of " + job.jobId);
      const progress = cell(tr, "");
      progress.appendChild(bar);
      progress.append(" " + number(job.progress.finished) + " / " + number(job.progress.total) + " (" + job.percentDone + "%)");
      cell(tr, number(job.progress.failed), "num");
      cell(tr, job.progress.resumesAt && job.progress.quotaExceeded ? when(job.progress.resumesAt) : "");
      cell(tr, "").appendChild(button("Items", "Show items of " + job.jobId, () => openJob(job.jobId)));
      tbody.appendChild(tr);
    }

    return jobs;
  }

  async function loadJob() {
    const job = await get("/jobs/" + enc(view.jobId));
    $("#job-title").textContent = "Items of " + job.jobId + " (" + job.state + ")";
    const counts = $("#job-states");
    counts.replaceChildren();
    for (const s of itemStates) {
      const n = job.progress[s.charAt(0).toLowerCase() + s.slice(1)];
      if (!n) continue;
      const li = document.createElement("li");
      li.dataset.state = s;
      li.appendChild(badge(s));
      li.append(" " + number(n));
      counts.appendChild(li);
    }

    const filter = $("#job-item-state").value;
    const page = await get("/jobs/" + enc(view.jobId) + "/items?pageSize=200" + (filter ? "&state=" + enc(filter) : ""));
    const tbody = $("#job-items tbody");
    tbody.replaceChildren();
    if (!page.items.length) empty(tbody, 8, "No items" + (filter ? " in state " + filter : "") + ".");
    for (const item of page.items) {
      const tr = document.createElement("tr");
      tr.dataset.itemId = item.itemId;
      tr.dataset.state = item.state;
      cell(tr, item.sequence, "num");
      cell(tr, item.fileName || "");
      cell(tr, "").appendChild(badge(item.state + (item.isPartial ? " (partial)" : "")));
      cell(tr, item.invoice && item.invoice.invoiceId ? item.invoice.invoiceId : "");
      cell(tr, item.invoice && item.invoice.total !== undefined && item.invoice.total !== null ? Number(item.invoice.total).toFixed(2) : "", "num");
      cell(tr, number(item.totalTokens), "num");
      cell(tr, item.errorKind ? item.errorKind + ": " + (item.errorMessage || "") : "");
      cell(tr, "").appendChild(button("History", "Show transitions of " + item.itemId, () => openItem(item.itemId)));
      tbody.appendChild(tr);
    }

    $("#job-more").hidden = page.nextAfter === null || page.nextAfter === undefined;
    $("#job-detail").hidden = false;
    return job;
  }

  async function loadTransitions() {
    const moves = await get("/jobs/" + enc(view.jobId) + "/items/" + enc(view.itemId) + "/transitions");
    $("#transitions-title").textContent = "Transitions of " + view.itemId;
    const tbody = $("#transitions tbody");
    tbody.replaceChildren();
    for (const t of moves) {
      const tr = document.createElement("tr");
      cell(tr, t.version, "num");
      cell(tr, when(t.at));
      cell(tr, t.from);
      cell(tr, t.to);
      cell(tr, t.reason || "");
      cell(tr, t.workerId || "");
      cell(tr, t.attemptId || "");
      tbody.appendChild(tr);
    }

    $("#item-transitions").hidden = false;
  }

  async function refresh() {
    clearTimeout(view.timer);
    if (!view.company) return;
    try {
      const jobs = await loadJobs();
      const open = view.jobId ? await loadJob() : null;
      if (view.itemId) await loadTransitions();
      say("Jobs of " + view.company + " loaded at " + when(new Date().toISOString()) + " UTC.");
      // Keep watching while anything can still move; a finished job needs no polling.
      if (jobs.some((j) => !finished.includes(j.state)) || (open && !finished.includes(open.state))) {
        view.timer = setTimeout(refresh, refreshMs);
      }
    } catch (error) {
      say("Could not load the jobs of " + view.company + ": " + error.message, true);
    }
  }

  function openJob(jobId) {
    view.jobId = jobId;
    view.itemId = null;
    $("#item-transitions").hidden = true;
    refresh();
  }

  function openItem(itemId) {
    view.itemId = itemId;
    refresh();
  }

  function follow() {
    const current = document.querySelector("#companies button[aria-current='true']");
    const company = current ? current.dataset.company : null;
    if (company === view.company) return;
    view.company = company;
    view.jobId = null;
    view.itemId = null;
    $("#job-detail").hidden = true;
    $("#item-transitions").hidden = true;
    refresh();
  }

  const select = $("#job-item-state");
  for (const s of [""].concat(itemStates)) {
    const option = document.createElement("option");
    option.value = s;
    option.textContent = s || "every state";
    select.appendChild(option);
  }

  select.addEventListener("change", refresh);
  $("#jobs-refresh").addEventListener("click", refresh);
  new MutationObserver(follow).observe($("#companies"), { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-current"] });
})();
