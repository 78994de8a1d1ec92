// slawatch board: countdowns on the runtime's clock, and sections swapped in as the server
// pushes them (server-sent events). No polling: the only timer redraws the countdowns
// locally; everything from the server arrives on the one EventSource.
"use strict";
(function () {
  const body = document.body;
  const zone = body.dataset.zone || "UTC";
  // The runtime's clock: now = start + (wall - origin) * speed (start empty: the wall
  // clock), with the wall clock read as the server's (this browser's offset corrected).
  let clock = null;
  function setClock(c) {
    if (c.server_ms === undefined || c.server_ms === "" || c.server_ms === null) return;
    const num = (v) => (v === null || v === undefined || v === "" ? null : Number(v));
    clock = {
      start: num(c.start_ms),
      origin: num(c.origin_ms) || 0,
      speed: num(c.speed),
      skew: Number(c.server_ms) - Date.now(),
    };
  }
  setClock({
    start_ms: body.dataset.clockStartMs,
    origin_ms: body.dataset.clockOriginMs,
    speed: body.dataset.clockSpeed,
    server_ms: body.dataset.clockServerMs,
  });
  function runtimeNow() {
    if (!clock) return Date.now();
    const wall = Date.now() + clock.skew;
    if (clock.start === null) return wall;
    return clock.start + (wall - clock.origin) * clock.speed;
  }
  // the same format as `slawatch at-risk`: 25m, 2h05m, 1d03h, -45s
  function left(ms) {
    const sign = ms < 0 ? "-" : "";
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const two = (n) => String(n).padStart(2, "0");
    if (d) return `${sign}${d}d${two(h)}h`;
    if (h) return `${sign}${h}h${two(m)}m`;
    if (m) return `${sign}${m}m`;
    return `${sign}${s}s`;
  }
  const AT_RISK_MS = 3600 * 1000;
  const formatter = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, weekday: "short", day: "2-digit", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
  });
  function tick() {
    const now = runtimeNow();
    const shown = document.getElementById("now");
    if (shown) {
      shown.textContent = formatter.format(new Date(now));
      shown.setAttribute("datetime", new Date(now).toISOString());
    }
    for (const el of document.querySelectorAll("[data-deadline]")) {
      const ms = Date.parse(el.dataset.deadline) - now;
      el.textContent = left(ms);
      const row = el.closest("tr");
      const cell = row && row.querySelector("[data-state]");
      if (!cell) continue;
      const state = ms <= 0 ? "overdue" : ms <= AT_RISK_MS ? "at risk" : "on track";
      if (cell.dataset.state !== state) {
        cell.dataset.state = state;
        const badge = cell.querySelector(".badge");
        if (badge) {
          badge.textContent = state;
          badge.className = "badge state-" + state.replace(" ", "-");
        }
        row.className = "state-" + state.replace(" ", "-");
      }
    }
  }
  tick();
  setInterval(tick, 250);

  const stream = body.dataset.stream;
  if (!stream || !window.EventSource) return;
  const live = document.getElementById("live");
  const announce = document.getElementById("announce");
  const say = (text) => { if (live) live.textContent = text; };
  const source = new EventSource(stream);
  source.addEventListener("open", () => say("live"));
  source.addEventListener("error", () => say("reconnecting…"));
  source.addEventListener("now", (e) => {
    const c = JSON.parse(e.data);
    setClock(c);
    const from = document.getElementById("clock-source");
    if (from && c.source) from.textContent = `(${c.source})`;
    tick();
  });
  source.addEventListener("section", (e) => {
    const d = JSON.parse(e.data);
    const old = document.getElementById(d.id);
    if (!old) return;
    // keep keyboard focus on the same link when its section is redrawn
    const focused = document.activeElement;
    const href = focused && old.contains(focused) ? focused.getAttribute("href") : null;
    const tpl = document.createElement("template");
    tpl.innerHTML = d.html;
    const fresh = tpl.content.firstElementChild;
    if (!fresh) return;
    old.replaceWith(fresh);
    if (href) {
      const again = Array.from(fresh.querySelectorAll("a")).find((a) => a.getAttribute("href") === href);
      if (again) again.focus();
    }
    tick();
  });
  source.addEventListener("signal", (e) => {
    const s = JSON.parse(e.data);
    if (!announce) return;
    const what = (s.type || "").replace("sla.", "").replace(".", " ");
    const subject = s.ticket_id ? `ticket ${s.ticket_id} ${s.clock || ""}` : (s.service || s.check || "");
    announce.textContent = `${what}: ${s.tenant} ${subject}`.trim();
  });
})();
