// InvoiceOcr admin dashboard: plain browser JavaScript, no libraries, no CDN. Talks to /admin/api with the
// X-Admin-Key header; the key lives in sessionStorage for this tab only.
"use strict";

(() => {
  const api = "/admin/api";
  const storageKey = "invoiceocr-admin-key";
  const statuses = ["Active", "Disabled", "Expired", "Exceeded"];
  const svgNs = "http://www.w3.org/2000/svg";
  const state = { companies: [], company: null, lookbackDays: 14, keys: [], editing: null };
  const kindWords = {
    RateLimited: "too many requests (this server's limit)",
    ServerBusy: "server busy",
    NoKeyAvailable: "no key",
    KeyExpired: "key expired",
    KeyDisabled: "key disabled",
    LocalQuotaExceeded: "key quota used up",
    RateLimitedPerMinute: "Gemini per-minute limit",
    QuotaExhausted: "Gemini quota used up",
    QuotaExhaustedPerDay: "Gemini daily quota used up",
    CircuitOpen: "circuit open (Gemini failing)"
  };

  const $ = (selector) => document.querySelector(selector);
  const enc = encodeURIComponent;
  const statusLine = $("#status");

  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.classList.toggle("error", Boolean(isError));
  }

  function adminKey() {
    return sessionStorage.getItem(storageKey) || "";
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function call(method, path, body) {
    const headers = { "X-Admin-Key": adminKey(), "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!response.ok) {
      let detail = data && (data.detail || data.title) ? (data.detail || data.title) : response.statusText;
      if (data && data.errors) detail += " " + Object.values(data.errors).flat().join(" ");
      throw new ApiError(response.status, detail);
    }
    return data;
  }

  function cell(row, value, className) {
    const td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "" : String(value);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function button(text, label, onClick, className) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (label) b.setAttribute("aria-label", label);
    if (className) b.className = className;
    b.addEventListener("click", onClick);
    return b;
  }

  function badge(text) {
    const span = document.createElement("span");
    span.className = "badge " + text;
    span.textContent = text;
    return span;
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
      cell(tr, "Nothing to show.").colSpan = columns;
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

  const co = () => "/companies/" + enc(state.company);

  // ---- sign in and the company list ----

  async function signIn() {
    say("Signing in…");
    try {
      const settings = await call("GET", "/dashboard");
      state.lookbackDays = settings.lookbackDays;
      state.companies = settings.companies;
      $("#app").hidden = false;
      $("#sign-out").hidden = false;
      renderCompanies();
      if (state.companies.length === 0) {
        say("Signed in. There are no companies yet: add one on the left.");
        return;
      }
      await select(state.companies.includes(state.company) ? state.company : state.companies[0]);
    } catch (error) {
      $("#app").hidden = true;
      if (error.status === 401) {
        sessionStorage.removeItem(storageKey);
        say(error.message, true);
      } else {
        say("Could not load the dashboard: " + error.message, true);
      }
    }
  }

  function renderCompanies() {
    const list = $("#companies");
    list.replaceChildren();
    for (const company of state.companies) {
      const li = document.createElement("li");
      const b = button(company, null, () => select(company));
      b.dataset.company = company;
      b.setAttribute("aria-current", String(company === state.company));
      li.appendChild(b);
      list.appendChild(li);
    }
  }

  async function select(company) {
    state.company = company;
    state.editing = null;
    $("#limits").hidden = true;
    $("#new-token").hidden = true;
    renderCompanies();
    $("#company-title").textContent = "Company " + company;
    say("Loading " + company + "…");
    try {
      await Promise.all([loadKeys(), loadCredentials(), loadUsage(), loadLatency(), loadRefusals(), loadErrors(), loadRetries()]);
      say("Showing " + company + " (last " + state.lookbackDays + " days), loaded at " + when(new Date().toISOString()) + " UTC.");
    } catch (error) {
      say("Could not load " + company + ": " + error.message, true);
    }
  }

  // ---- keys ----

  function rates(r) {
    const parts = [];
    if (r.requestsPerMinute !== null && r.requestsPerMinute !== undefined) parts.push(number(r.requestsPerMinute) + " req/min");
    if (r.requestsPerDay !== null && r.requestsPerDay !== undefined) parts.push(number(r.requestsPerDay) + " req/day");
    if (r.tokensPerMinute !== null && r.tokensPerMinute !== undefined) parts.push(number(r.tokensPerMinute) + " input tok/min");
    if (r.tokensPerDay !== null && r.tokensPerDay !== undefined) parts.push(number(r.tokensPerDay) + " tok/day");
    return parts.length ? parts.join(", ") : "none";
  }

  async function loadKeys() {
    state.keys = await call("GET", co() + "/keys");
    fill($("#keys tbody"), state.keys, 11, (tr, key) => {
      tr.dataset.keyId = key.id;
      cell(tr, key.id);
      cell(tr, key.projectId);
      cell(tr, key.maskedSecret);
      cell(tr, "").appendChild(badge(key.status));
      cell(tr, number(key.tokensUsed), "num");
      cell(tr, number(key.lifetimeTokenLimit), "num");
      cell(tr, number(key.remainingTokens), "num");
      cell(tr, key.expiresAt ? key.expiresAt.slice(0, 10) : "never");
      cell(tr, rates(key.rates || {}));
      const actions = cell(tr, "");
      const select = document.createElement("select");
      select.setAttribute("aria-label", "New status of " + key.id);
      for (const s of statuses) {
        const option = document.createElement("option");
        option.value = s;
        option.textContent = s;
        option.selected = s === key.status;
        select.appendChild(option);
      }
      actions.append(select, " ", button("Apply", "Apply status to " + key.id, () => changeStatus(key, select.value)));
      cell(tr, "").appendChild(button("Edit limits", "Edit limits of " + key.id, () => editLimits(key), "secondary"));
    });
  }

  async function changeStatus(key, status) {
    if (status === key.status) {
      say("Key " + key.id + " is already " + status + ".");
      return;
    }
    try {
      const updated = await call("PUT", "/keys/" + enc(key.id) + "/status", { status, expectedStatus: key.status, reason: "Changed on the admin dashboard." });
      say("Key " + updated.id + " is now " + updated.status + ".");
      await loadKeys();
    } catch (error) {
      say("Could not change key " + key.id + ": " + error.message, true);
    }
  }

  function editLimits(key) {
    state.editing = key.id;
    const form = $("#limits");
    const r = key.rates || {};
    const set = (name, value) => { form.elements[name].value = value === null || value === undefined ? "" : value; };
    set("lifetimeTokenLimit", key.lifetimeTokenLimit);
    set("expiresAt", key.expiresAt ? key.expiresAt.slice(0, 10) : "");
    set("requestsPerMinute", r.requestsPerMinute);
    set("requestsPerDay", r.requestsPerDay);
    set("tokensPerMinute", r.tokensPerMinute);
    set("tokensPerDay", r.tokensPerDay);
    set("weight", key.weight || 1);
    $("#limits-title").textContent = "Limits of " + key.id;
    form.hidden = false;
    form.elements.lifetimeTokenLimit.focus();
  }

  const optionalNumber = (value) => (value === "" ? null : Number(value));

  async function saveLimits(event) {
    event.preventDefault();
    const f = event.target.elements;
    const body = {
      lifetimeTokenLimit: optionalNumber(f.lifetimeTokenLimit.value),
      expiresAt: f.expiresAt.value ? f.expiresAt.value + "T00:00:00Z" : null,
      weight: Number(f.weight.value || 1),
      rates: {
        requestsPerMinute: optionalNumber(f.requestsPerMinute.value),
        requestsPerDay: optionalNumber(f.requestsPerDay.value),
        tokensPerMinute: optionalNumber(f.tokensPerMinute.value),
        tokensPerDay: optionalNumber(f.tokensPerDay.value)
      }
    };
    try {
      const updated = await call("PUT", "/keys/" + enc(state.editing) + "/limits", body);
      $("#limits").hidden = true;
      say("Saved the limits of key " + updated.id + ".");
      await loadKeys();
    } catch (error) {
      say("Could not save the limits: " + error.message, true);
    }
  }

  async function addKey(event) {
    event.preventDefault();
    const form = event.target;
    const f = form.elements;
    try {
      const added = await call("POST", co() + "/keys", {
        id: f.namedItem("id").value.trim(),
        secret: f.secret.value,
        projectId: f.projectId.value.trim(),
        lifetimeTokenLimit: optionalNumber(f.lifetimeTokenLimit.value)
      });
      form.reset();
      say("Added key " + added.id + " (" + added.maskedSecret + ").");
      await loadKeys();
    } catch (error) {
      say("Could not add the key: " + error.message, true);
    }
  }

  // ---- tenant credentials ----

  async function loadCredentials() {
    const list = await call("GET", co() + "/credentials");
    fill($("#credentials tbody"), list, 5, (tr, c) => {
      tr.dataset.credentialId = c.id;
      cell(tr, c.id);
      cell(tr, c.label);
      cell(tr, when(c.createdAt));
      cell(tr, "").appendChild(badge(c.revokedAt ? "Revoked" : "Active"));
      const actions = cell(tr, "");
      if (!c.revokedAt) actions.appendChild(button("Revoke", "Revoke credential " + c.id, () => revoke(c), "secondary"));
    });
  }

  function showToken(company, token) {
    const p = $("#new-token");
    p.textContent = "New credential for " + company + " (shown only now; send it as 'Authorization: Bearer …'): " + token;
    p.hidden = false;
  }

  async function issueCredential(company, label) {
    const issued = await call("POST", "/companies/" + enc(company) + "/credentials", { label: label || null });
    return issued.token;
  }

  async function revoke(credential) {
    try {
      await call("DELETE", "/credentials/" + enc(credential.id));
      say("Revoked credential " + credential.id + ".");
      await loadCredentials();
    } catch (error) {
      say("Could not revoke: " + error.message, true);
    }
  }

  // ---- usage, latency, refusals ----

  async function loadUsage() {
    const from = utcDay(1 - state.lookbackDays);
    const [days, by] = await Promise.all([
      call("GET", co() + "/usage?groupBy=day&from=" + from),
      call("GET", co() + "/usage?groupBy=branch,user&from=" + from)
    ]);
    drawChart(days.map((d) => ({ day: d.day, tokens: d.totalTokens })));
    fill($("#usage-by tbody"), by, 8, (tr, s) => {
      tr.dataset.branch = s.branch || "";
      tr.dataset.user = s.userId || "";
      cell(tr, s.branch || "(none)");
      cell(tr, s.userId || "(none)");
      cell(tr, number(s.requestCount), "num");
      cell(tr, number(s.failedRequests), "num");
      cell(tr, number(s.inputTokens), "num");
      cell(tr, number(s.outputTokens), "num");
      cell(tr, number(s.totalTokens), "num");
      // Cost is computed per call from the SDK's price table (InvoiceOcr:Pricing); to the millionth, a call costs fractions of a cent.
      cell(tr, s.currency ? s.cost.toFixed(6) + " " + s.currency : "", "num");
    });
  }

  function svg(name, attributes, parent) {
    const element = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, String(v));
    parent.appendChild(element);
    return element;
  }

  // One bar per day that has usage, from the first such day to today. Bars, not a line: a line from a zero day to the
  // only day with data draws a ramp that never happened.
  function drawChart(points) {
    const chart = $("#usage-chart");
    chart.replaceChildren();
    const caption = $("#usage-caption");
    if (points.length === 0) {
      caption.textContent = "No usage in the last " + state.lookbackDays + " days.";
      return;
    }
    points.sort((a, b) => (a.day < b.day ? -1 : 1));
    const days = [];
    for (let d = new Date(points[0].day + "T00:00:00Z"), end = utcDay(0); d.toISOString().slice(0, 10) <= end; d.setUTCDate(d.getUTCDate() + 1)) {
      days.push(d.toISOString().slice(0, 10));
    }
    const byDay = new Map(points.map((p) => [p.day, p.tokens]));
    const width = 800, height = 260, left = 70, right = 20, top = 16, bottom = 36;
    const max = Math.max(1, ...points.map((p) => p.tokens));
    const slot = (width - left - right) / days.length;
    const barWidth = Math.min(60, slot * 0.7);
    const y = (v) => height - bottom - v * (height - top - bottom) / max;
    for (let g = 0; g <= 4; g++) {
      const v = max * g / 4;
      svg("line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }, chart);
      svg("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, chart).textContent = Math.round(v).toLocaleString("en-US");
    }
    svg("line", { class: "axis", x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }, chart);
    const step = Math.max(1, Math.ceil(days.length / 10));
    days.forEach((day, i) => {
      const cx = left + slot * i + slot / 2;
      const tokens = byDay.get(day) || 0;
      if (tokens > 0) {
        const bar = svg("rect", { class: "bar", x: cx - barWidth / 2, y: y(tokens), width: barWidth, height: height - bottom - y(tokens), "data-day": day }, chart);
        svg("title", {}, bar).textContent = day + ": " + tokens.toLocaleString("en-US") + " tokens";
      }
      if (i % step === 0 || i === days.length - 1) {
        svg("text", { x: cx, y: height - bottom + 16, "text-anchor": "middle" }, chart).textContent = day.slice(5);
      }
    });
    const total = points.reduce((sum, p) => sum + p.tokens, 0);
    caption.textContent = total.toLocaleString("en-US") + " tokens on " + points.length + (points.length === 1 ? " day" : " days") + " since " + days[0] + ".";
  }

  async function loadLatency() {
    const latency = await call("GET", co() + "/latency");
    for (const dd of document.querySelectorAll("#latency dd")) {
      const value = latency[dd.dataset.field];
      dd.textContent = value === null || value === undefined ? "—" : dd.dataset.field === "calls" ? number(value) : number(value) + " ms";
    }
  }

  async function loadRefusals() {
    const rows = await call("GET", co() + "/refusals");
    fill($("#refusals tbody"), rows, 5, (tr, r) => {
      tr.dataset.kind = r.kind;
      cell(tr, r.day);
      cell(tr, kindWords[r.kind] ? kindWords[r.kind] + " — " + r.kind : r.kind);
      cell(tr, r.status);
      cell(tr, number(r.count), "num");
      cell(tr, when(r.lastAt));
    });
  }

  // ---- errors and retries ----

  async function loadErrors() {
    const rows = await call("GET", co() + "/errors");
    fill($("#errors tbody"), rows, 8, (tr, e) => {
      cell(tr, when(e.at));
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
    const rows = await call("GET", co() + "/retries");
    fill($("#retries tbody"), rows, 9, (tr, r) => {
      cell(tr, when(r.at));
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

  // ---- wiring ----

  $("#login").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(storageKey, $("#admin-key").value);
    signIn();
  });

  $("#sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(storageKey);
    $("#admin-key").value = "";
    $("#app").hidden = true;
    $("#sign-out").hidden = true;
    say("Signed out.");
  });

  $("#new-company").addEventListener("submit", async (event) => {
    event.preventDefault();
    const company = $("#new-company-id").value.trim();
    if (!company) return;
    try {
      const token = await issueCredential(company, "first credential");
      if (!state.companies.includes(company)) state.companies.push(company);
      state.companies.sort();
      $("#new-company-id").value = "";
      await select(company);
      showToken(company, token);
    } catch (error) {
      say("Could not add the company: " + error.message, true);
    }
  });

  $("#issue-credential").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const token = await issueCredential(state.company, $("#credential-label").value.trim());
      $("#credential-label").value = "";
      await loadCredentials();
      showToken(state.company, token);
      say("Issued a credential for " + state.company + ".");
    } catch (error) {
      say("Could not issue a credential: " + error.message, true);
    }
  });

  $("#limits").addEventListener("submit", saveLimits);
  $("#limits-cancel").addEventListener("click", () => { $("#limits").hidden = true; });
  $("#add-key").addEventListener("submit", addKey);

  if (adminKey()) {
    $("#admin-key").value = adminKey();
    signIn();
  }
})();
