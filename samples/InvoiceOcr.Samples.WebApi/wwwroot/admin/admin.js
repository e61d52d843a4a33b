// InvoiceOcr admin dashboard: plain browser JavaScript, no libraries, no CDN. Talks to /admin/api with the
// X-Admin-Key header; the key lives in sessionStorage for this tab only.
"use strict";

(() => {
  const api = "/admin/api";
  const statuses = ["Active", "Disabled", "Expired", "Exceeded"];
  const colors = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];
  const svgNs = "http://www.w3.org/2000/svg";
  const state = { companies: [], lookbackDays: 14 };

  const $ = (selector) => document.querySelector(selector);
  const statusLine = $("#status");

  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  function adminKey() {
    return sessionStorage.getItem("invoiceocr-admin-key") || "";
  }

  async function call(method, path, body) {
    const headers = { "X-Admin-Key": adminKey(), "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const detail = data && (data.detail || data.title) ? (data.detail || data.title) : response.statusText;
      throw new Error(response.status + ": " + detail);
    }
    return data;
  }

  const enc = encodeURIComponent;

  function cell(row, value, className) {
    const td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "" : String(value);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function number(value) {
    return value === null || value === undefined ? "—" : Number(value).toLocaleString("en-US");
  }

  function when(value) {
    return value ? new Date(value).toISOString().replace("T", " ").slice(0, 19) : "";
  }

  function fill(tbody, rows, columns, render) {
    tbody.replaceChildren();
    if (rows.length === 0) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = cell(tr, "Nothing to show.");
      td.colSpan = columns;
      tbody.appendChild(tr);
      return;
    }
    for (const row of rows) {
      const tr = document.createElement("tr");
      render(tr, row);
      tbody.appendChild(tr);
    }
  }

  function utcDay(offsetDays) {
    const d = new Date();
    d.setUTCHours(0, 0, 0, 0);
    d.setUTCDate(d.getUTCDate() + offsetDays);
    return d.toISOString().slice(0, 10);
  }

  async function loadKeys() {
    const keys = [];
    for (const company of state.companies) {
      keys.push(...await call("GET", "/companies/" + enc(company) + "/keys"));
    }
    fill($("#keys tbody"), keys, 10, (tr, key) => {
      tr.dataset.keyId = key.id;
      cell(tr, key.id);
      cell(tr, key.companyId);
      cell(tr, key.projectId);
      cell(tr, key.maskedSecret);
      const statusCell = cell(tr, "");
      const badge = document.createElement("span");
      badge.className = "badge " + key.status;
      badge.textContent = key.status;
      statusCell.appendChild(badge);
      cell(tr, number(key.tokensUsed), "num");
      cell(tr, number(key.lifetimeTokenLimit), "num");
      cell(tr, number(key.remainingTokens), "num");
      cell(tr, when(key.expiresAt));
      const actions = cell(tr, "");
      const select = document.createElement("select");
      select.setAttribute("aria-label", "New status of " + key.id);
      select.name = "status-" + key.id;
      for (const s of statuses) {
        const option = document.createElement("option");
        option.value = s;
        option.textContent = s;
        option.selected = s === key.status;
        select.appendChild(option);
      }
      const apply = document.createElement("button");
      apply.type = "button";
      apply.textContent = "Apply";
      apply.setAttribute("aria-label", "Apply status to " + key.id);
      apply.addEventListener("click", () => changeStatus(key, select.value));
      actions.append(select, " ", apply);
    });
  }

  async function changeStatus(key, status) {
    if (status === key.status) {
      say("Key " + key.id + " is already " + status + ".");
      return;
    }
    try {
      const updated = await call("PUT", "/keys/" + enc(key.id) + "/status", {
        status, expectedStatus: key.status, reason: "Changed on the admin dashboard."
      });
      say("Key " + updated.id + " is now " + updated.status + ".");
      await loadKeys();
    } catch (error) {
      say("Could not change key " + key.id + ": " + error.message, true);
    }
  }

  async function loadUsage() {
    const from = utcDay(1 - state.lookbackDays);
    const series = [];
    const totals = [];
    for (const company of state.companies) {
      const days = await call("GET", "/companies/" + enc(company) + "/usage?groupBy=day&from=" + from);
      series.push({ company, points: days.map((d) => ({ day: d.day, tokens: d.totalTokens })) });
      const all = await call("GET", "/companies/" + enc(company) + "/usage?from=" + from);
      const sum = all[0] || { requestCount: 0, failedRequests: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
      totals.push({ company, ...sum });
    }
    drawChart(series, from);
    fill($("#usage tbody"), totals, 6, (tr, t) => {
      tr.dataset.company = t.company;
      cell(tr, t.company);
      cell(tr, number(t.requestCount), "num");
      cell(tr, number(t.failedRequests), "num");
      cell(tr, number(t.inputTokens), "num");
      cell(tr, number(t.outputTokens), "num");
      cell(tr, number(t.totalTokens), "num");
    });
  }

  function svg(name, attributes, parent) {
    const element = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
    parent.appendChild(element);
    return element;
  }

  // A line per company over the lookback window; days without usage are zero.
  function drawChart(series, from) {
    const chart = $("#usage-chart");
    const legend = $("#usage-legend");
    chart.replaceChildren();
    legend.replaceChildren();
    const width = 800, height = 300, left = 70, right = 20, top = 20, bottom = 40;
    const days = [];
    for (let i = 0; i < state.lookbackDays; i++) {
      const d = new Date(from + "T00:00:00Z");
      d.setUTCDate(d.getUTCDate() + i);
      days.push(d.toISOString().slice(0, 10));
    }
    const values = series.map((s) => days.map((day) => {
      const point = s.points.find((p) => p.day === day);
      return point ? point.tokens : 0;
    }));
    const max = Math.max(1, ...values.flat());
    const x = (i) => left + (days.length === 1 ? 0 : i * (width - left - right) / (days.length - 1));
    const y = (v) => height - bottom - v * (height - top - bottom) / max;

    for (let g = 0; g <= 4; g++) {
      const v = max * g / 4;
      svg("line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }, chart);
      svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, chart).textContent = Math.round(v).toLocaleString("en-US");
    }
    svg("line", { class: "axis", x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }, chart);
    svg("line", { class: "axis", x1: left, x2: left, y1: top, y2: height - bottom }, chart);
    const step = Math.max(1, Math.ceil(days.length / 7));
    days.forEach((day, i) => {
      if (i % step === 0 || i === days.length - 1) {
        svg("text", { x: x(i), y: height - bottom + 16, "text-anchor": "middle" }, chart).textContent = day.slice(5);
      }
    });

    series.forEach((s, index) => {
      const color = colors[index % colors.length];
      const points = values[index].map((v, i) => x(i) + "," + y(v)).join(" ");
      const line = svg("polyline", { points, fill: "none", stroke: color, "stroke-width": 2, "data-company": s.company }, chart);
      svg("title", {}, line).textContent = s.company;
      values[index].forEach((v, i) => {
        if (v > 0) {
          const dot = svg("circle", { cx: x(i), cy: y(v), r: 3, fill: color }, chart);
          svg("title", {}, dot).textContent = s.company + " " + days[i] + ": " + v.toLocaleString("en-US") + " tokens";
        }
      });
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = color;
      item.append(swatch, s.company);
      legend.appendChild(item);
    });
  }

  async function loadErrors() {
    const rows = [];
    for (const company of state.companies) {
      for (const e of await call("GET", "/companies/" + enc(company) + "/errors")) rows.push({ company, ...e });
    }
    rows.sort((a, b) => (a.at < b.at ? 1 : -1));
    fill($("#errors tbody"), rows, 9, (tr, e) => {
      cell(tr, when(e.at));
      cell(tr, e.company);
      cell(tr, e.source);
      cell(tr, e.kind);
      cell(tr, e.keyId);
      cell(tr, e.userId);
      cell(tr, e.branch);
      cell(tr, e.totalTokens === null || e.totalTokens === undefined ? "" : number(e.totalTokens), "num");
      cell(tr, e.detail);
    });
  }

  async function loadRetries() {
    const rows = [];
    for (const company of state.companies) {
      for (const r of await call("GET", "/companies/" + enc(company) + "/retries")) rows.push({ company, ...r });
    }
    rows.sort((a, b) => (a.at < b.at ? 1 : -1));
    fill($("#retries tbody"), rows, 10, (tr, r) => {
      cell(tr, when(r.at));
      cell(tr, r.company);
      cell(tr, r.operationId);
      cell(tr, r.attemptNumber, "num");
      cell(tr, r.keyId);
      cell(tr, r.errorKind);
      cell(tr, r.httpStatus, "num");
      cell(tr, number(r.delayMs), "num");
      cell(tr, r.isFailover ? "yes" : "no");
      cell(tr, r.operationSucceeded ? "succeeded" : "failed");
    });
  }

  async function loadAll() {
    say("Loading…");
    try {
      const settings = await call("GET", "/dashboard");
      state.lookbackDays = settings.lookbackDays;
      const configured = settings.companies;
      const extra = $("#company-input").value.trim();
      state.companies = [...new Set([...configured, ...state.companies, ...(extra ? [extra] : [])])];
      await loadKeys();
      await loadUsage();
      await loadErrors();
      await loadRetries();
      say("Loaded " + state.companies.length + " companies at " + when(new Date().toISOString()) + " UTC.");
    } catch (error) {
      say("Could not load: " + error.message, true);
    }
  }

  $("#login").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("invoiceocr-admin-key", $("#admin-key").value);
    loadAll();
  });

  if (adminKey()) {
    $("#admin-key").value = adminKey();
    loadAll();
  }
})();
