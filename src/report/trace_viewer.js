// pbft-sim trace viewer (trace.html): reads the trace embedded in the page (#trace-data) and
// builds the whole page: trial header, summary row, filters, a lane chart on a canvas (zoom and
// pan along virtual time), a virtualised event list and the selected event's fields.
// Plain JavaScript, no library, no network. Only what is on screen is drawn or listed.
"use strict";
(function () {
  // Integers beyond 2^53 (a u64 result, say) are kept as their exact digits, where the browser
  // gives a reviver the source text (JSON.parse source text access); elsewhere they round. The
  // reviver costs a third more parsing time, so it runs only when such a number is among the
  // events (the last field; the trial's seed is also given as text, `data.seed`).
  const exact = (key, value, context) =>
    typeof value === "number" && !Number.isSafeInteger(value) && Number.isInteger(value) && context && context.source ? context.source : value;
  const text = document.getElementById("trace-data").textContent;
  const data = JSON.parse(text, /[:,[]-?\d{16,}[,\]}]/.test(text.slice(text.lastIndexOf('"events":'))) ? exact : undefined);
  const events = data.events;
  const trial = data.trial;
  const NET = "net"; // the lane of events that happen at no node (a partition starting...)

  // ---- small helpers -------------------------------------------------------------------
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }
  const fmtMs = (ms) => (Math.abs(ms) >= 100 ? ms.toFixed(1) : ms.toFixed(3));
  const nodeOf = (e) => (typeof e.node === "string" ? e.node : NET);
  const peerOf = (e) => (typeof e.to === "string" ? e.to : typeof e.from === "string" ? e.from : "");

  // ---- lanes: replicas, then clients, then any other node named, then the network --------
  const lanes = [];
  const laneOf = new Map();
  function addLane(id, behaviour, role) {
    if (laneOf.has(id)) return;
    laneOf.set(id, lanes.length);
    lanes.push({ id, behaviour: behaviour || null, role });
  }
  for (const n of trial.nodes) addLane(n.node, n.behaviour, n.role);
  for (const e of events) {
    for (const id of [e.node, e.to, e.from]) if (typeof id === "string") addLane(id, null, "node");
  }
  if (events.some((e) => typeof e.node !== "string")) addLane(NET, null, "network");

  // ---- kinds and colours ---------------------------------------------------------------
  // One palette with the chart (spacetime.png): the page's data carries it, from Rust.
  const palette = data.palette;
  const MSG_COLOURS = Object.fromEntries(palette.messages);
  const OTHER_COLOUR = MSG_COLOURS.other;
  const ROUTINE = new Set(data.routine_rejections);
  const isRoutine = (e) => e.ev === "reject" && ROUTINE.has(e.reason);
  const msgColour = new Map();
  const count = (key) => { const m = new Map(); for (const e of events) { const k = key(e); if (k !== undefined) m.set(k, (m.get(k) || 0) + 1); } return m; };
  const evCounts = count((e) => e.ev);
  // Messages, not events: each kind's sends (a delivery or a drop is the same message again).
  const msgCounts = count((e) => (e.ev === "send" && typeof e.msg === "string" ? e.msg : undefined));
  for (const e of events) if (typeof e.msg === "string" && !msgCounts.has(e.msg)) msgCounts.set(e.msg, 0);
  const routineCount = events.filter(isRoutine).length;
  const nodeCounts = count(nodeOf);
  const msgKinds = [...msgCounts.keys()].sort((a, b) => {
    const order = Object.keys(MSG_COLOURS);
    const ia = order.indexOf(a), ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
  });
  msgKinds.forEach((k) => msgColour.set(k, MSG_COLOURS[k] || OTHER_COLOUR));
  const evKinds = [...evCounts.keys()].sort();
  // How an event that is not a send is marked on its lane.
  const MARKS = {
    view_entered: { shape: "bar", colour: "#9467bd", label: "view entered" },
    pre_prepared: { shape: "dot", colour: "#d62728", label: "pre-prepared" },
    prepared: { shape: "dot", colour: "#1f77b4", label: "prepared" },
    committed: { shape: "square", colour: "#2ca02c", label: "committed" },
    executed: { shape: "square", colour: "#0b5d1e", label: "executed" },
    checkpoint_stable: { shape: "square", colour: "#bcbd22", label: "checkpoint stable" },
    state_transfer: { shape: "square", colour: "#17becf", label: "state transfer" },
    reject: { shape: "triangle", colour: palette.reject, label: "rejected input" },
    tamper: { shape: "diamond", colour: "#7b1fa2", label: "behaviour tampered" },
    violation: { shape: "star", colour: "#b3261e", label: "violation" },
    drop: { shape: "cross", colour: "#b3261e", label: "dropped" },
    crash: { shape: "bar", colour: "#444444", label: "crash / recover" },
    recover: { shape: "bar", colour: "#444444", label: "" },
    accepted: { shape: "dot", colour: "#8c564b", label: "reply accepted" },
  };
  const DEFAULT_MARK = { shape: "tick", colour: "#8a93a5", label: "other (timers, delivery...)" };
  const ROUTINE_MARK = { shape: "triangle", colour: palette.routine_reject, label: "routine rejection (late, duplicate)" };
  const markOf = (e) => (isRoutine(e) ? ROUTINE_MARK : MARKS[e.ev] || DEFAULT_MARK);
  // Timed faults: a light fill behind the lane, and a strip along its top drawn over the arrows.
  const PERIOD_STRIPS = Object.fromEntries(palette.periods);
  const translucent = (hex, alpha) => "rgba(" + [1, 3, 5].map((j) => parseInt(hex.slice(j, j + 2), 16)).join(",") + "," + alpha + ")";
  const PERIOD_COLOURS = Object.fromEntries(palette.periods.map(([k, c]) => [k, translucent(c, 0.16)]));

  // ---- time extent and typical delay ---------------------------------------------------
  let tFirst = Infinity, tLast = -Infinity, maxDelay = 0;
  const someDelays = [];
  for (const e of events) {
    tFirst = Math.min(tFirst, e.t_ms);
    tLast = Math.max(tLast, e.t_ms);
    if (Array.isArray(e.delays_ms)) {
      for (const d of e.delays_ms) {
        maxDelay = Math.max(maxDelay, d);
        tLast = Math.max(tLast, e.t_ms + d);
        if (someDelays.length < 4096) someDelays.push(d);
      }
    }
  }
  if (!isFinite(tFirst)) { tFirst = 0; tLast = trial.time_limit_ms || 1; }
  if (tLast <= tFirst) tLast = tFirst + 1;
  someDelays.sort((a, b) => a - b);
  const typicalDelay = someDelays.length ? Math.max(someDelays[someDelays.length >> 1], 1e-3) : (tLast - tFirst) / 100;
  const timeSorted = events.every((e, k) => k === 0 || events[k - 1].t_ns <= e.t_ns);

  // ---- state ---------------------------------------------------------------------------
  const off = { ev: new Set(), msg: new Set(), node: new Set(), reason: new Set() };
  let shown = new Int32Array(0); // indices into events passing the filters, engine order
  let drawn = shown; // the same, in time order
  let selected = -1; // index into events
  const pad = (tLast - tFirst) * 0.02; // the whole trace, with a margin for the last arrowheads
  // Every window lies within [fitFrom, fitTo]: from 0 (or the first event) to the trace's end.
  const fitFrom = Math.max(0, tFirst - pad), fitTo = tLast + pad;
  const fit = () => setView(fitFrom, fitTo);
  // It opens on the chart's default window (the whole trace when that fits).
  const opening = data.window || { from_ms: fitFrom, until_ms: null };
  let view0 = fitFrom, view1 = fitTo;
  let hideRoutine = routineCount > 0;

  const passes = (e) => !(hideRoutine && isRoutine(e)) && !off.ev.has(e.ev) && !(typeof e.msg === "string" && off.msg.has(e.msg)) && !off.node.has(nodeOf(e)) && !(e.ev === "reject" && off.reason.has(e.reason));

  // ---- page skeleton -------------------------------------------------------------------
  const status = el("span", { id: "status" });
  const countLabel = el("span", { id: "shown-count" });
  const windowLabel = el("span", { id: "window-label" });
  const canvas = el("canvas", { id: "chart", tabindex: "0", "aria-label": "lane chart of the trace" });
  const listRows = el("div", { id: "list-rows" });
  const list = el("div", { id: "list" }, [listRows]);
  const details = el("div", { id: "details", class: "box" }, [el("span", { class: "empty", text: "Click an event (in the chart or the list) to see its fields." })]);

  function trialBox() {
    const byz = trial.nodes.filter((n) => n.behaviour);
    const box = el("div", { class: "box trial-box" }, [
      el("h2", { text: "Trial" }),
      el("div", { class: "kv" }, [
        kv("seed", data.seed), kv("n", String(trial.n)), kv("f", String(trial.f)),
        kv("clients", String(trial.clients)), kv("time limit", fmtMs(trial.time_limit_ms) + " ms"),
        kv("events", String(events.length) + " (trace v" + data.version + ")"),
      ]),
    ]);
    const byzLine = el("div", {}, [el("b", { text: "byzantine: " })]);
    if (byz.length === 0) byzLine.append("none");
    byz.forEach((n, j) => byzLine.append(j ? ", " : "", el("span", { class: "byz", text: n.node + " (" + n.behaviour + ")" })));
    box.append(byzLine, el("div", {}, [el("b", { text: "fault periods: " }), trial.periods.length ? "" : "none"]));
    if (trial.periods.length) {
      box.append(el("ul", { class: "periods" }, trial.periods.map((p) => el("li", {
        text: p.kind + (p.replicas.length ? " r" + p.replicas.join(", r") : "") + ": " + fmtMs(p.from_ms) + " – " +
          (p.until_ms === null || p.until_ms === undefined ? "end" : fmtMs(p.until_ms)) + " ms" + (p.detail ? " (" + p.detail + ")" : ""),
      }))));
    }
    return box;
  }
  function kv(k, v) { return el("div", { title: k + " = " + v }, [el("b", { text: k + " " }), v]); }

  // Rejections: the routine ones (late or duplicate copies) hidden by default, and by reason.
  function rejectionGroup() {
    const reasons = count((e) => (e.ev === "reject" ? e.reason : undefined));
    const fs = el("fieldset", { "data-group": "reason" }, [el("legend", { text: "Rejections by reason" })]);
    if (reasons.size === 0) { fs.append(el("span", { class: "count", text: "none" })); return fs; }
    const toggle = el("input", { type: "checkbox", id: "hide-routine" });
    toggle.checked = hideRoutine;
    toggle.addEventListener("change", () => { hideRoutine = toggle.checked; refilter(); });
    fs.append(el("label", { title: "routine: " + data.routine_rejections.join(", ") }, [toggle, "hide routine ones", el("span", { class: "count", text: String(routineCount) })]));
    for (const reason of [...reasons.keys()].sort()) {
      const box = el("input", { type: "checkbox", "data-filter": "reason", value: reason });
      box.checked = true;
      box.addEventListener("change", () => { if (box.checked) off.reason.delete(reason); else off.reason.add(reason); refilter(); });
      const name = el("span", { class: ROUTINE.has(reason) ? "routine" : "", text: reason });
      fs.append(el("label", {}, [box, name, el("span", { class: "count", text: String(reasons.get(reason)) })]));
    }
    return fs;
  }

  function filterGroup(name, title, kinds, counts, swatch, help) {
    const boxes = [];
    const fs = el("fieldset", { "data-group": name }, [el("legend", { text: title })]);
    if (help) fs.append(el("div", { class: "help", text: help }));
    const setAll = (on) => { for (const b of boxes) { b.checked = on; if (on) off[name].delete(b.value); else off[name].add(b.value); } refilter(); };
    fs.append(el("div", { class: "group-buttons" }, [
      el("button", { type: "button", text: "all", onclick: () => setAll(true) }),
      el("button", { type: "button", text: "none", onclick: () => setAll(false) }),
    ]));
    for (const k of kinds) {
      const box = el("input", { type: "checkbox", "data-filter": name, value: k });
      box.checked = true;
      box.addEventListener("change", () => { if (box.checked) off[name].delete(k); else off[name].add(k); refilter(); });
      boxes.push(box);
      const label = el("label", {}, [box]);
      if (swatch) label.append(el("span", { class: "swatch", style: "background:" + swatch(k) }));
      label.append(laneName(k, name), el("span", { class: "count", text: String(counts.get(k) || 0) }));
      fs.append(label);
    }
    return fs;
  }
  function laneName(id, group) {
    if (group !== "node") return id;
    const lane = lanes[laneOf.get(id)];
    return lane && lane.behaviour ? el("span", { class: "byz", text: id + " · " + lane.behaviour }) : id;
  }

  function button(id, text, title, action) { return el("button", { type: "button", id, text, title, onclick: action }); }
  const toolbar = el("div", { class: "toolbar" }, [
    button("zoom-in", "+", "zoom in (key +)", () => zoomBy(0.5, 0.5)),
    button("zoom-out", "−", "zoom out (key -)", () => zoomBy(2, 0.5)),
    button("pan-left", "◀", "pan left (key ←)", () => panBy(-0.25)),
    button("pan-right", "▶", "pan right (key →)", () => panBy(0.25)),
    button("fit", "whole trace", "show every event (key 0)", fit),
    el("span", { class: "sep" }),
    button("next-view", "next view change", "next view_entered after the selected event", () => jump("view_entered")),
    button("next-violation", "next violation", "next oracle violation after the selected event", () => jump("violation")),
    button("next-reject", "next rejection", "next rejected input after the selected event", () => jump("reject")),
    el("span", { class: "sep" }),
    countLabel, windowLabel, status,
  ]);
  const marksLegend = el("div", { class: "marks-legend" }, [
    "Arrows: messages, send → arrival, coloured by kind; a red × is a lost copy. A strip along a lane's top: a timed fault,",
  ]);
  for (const [kind, colour] of palette.periods.filter(([k]) => k !== "other")) {
    marksLegend.append(el("span", {}, [el("span", { class: "swatch", style: "background:" + colour }), " " + kind]));
  }
  marksLegend.append(". Marks:");
  const seenMarks = new Set();
  for (const k of evKinds) {
    const m = markOf({ ev: k });
    if (k === "send" || !m.label || seenMarks.has(m.label)) continue;
    seenMarks.add(m.label);
    const c = el("canvas", { width: "14", height: "14" });
    const g = c.getContext("2d");
    drawMark(g, m, 7, 7, 1);
    marksLegend.append(el("span", {}, [c, " " + m.label]));
  }
  if (routineCount) {
    const c = el("canvas", { width: "14", height: "14" });
    drawMark(c.getContext("2d"), ROUTINE_MARK, 7, 7, 1);
    marksLegend.append(el("span", {}, [c, " " + ROUTINE_MARK.label]));
  }

  document.body.append(
    el("h1", { text: data.title }),
    ...(data.note ? [el("div", { class: "note", id: "note", text: data.note })] : []),
    el("div", { class: "top" }, [trialBox(), summaryBox()]),
    toolbar,
    el("div", { class: "main" }, [
      el("div", { class: "filters" }, [
        filterGroup("ev", "Events", evKinds, evCounts, null),
        rejectionGroup(),
        filterGroup("msg", "Message kinds (arrow colours; messages sent)", msgKinds, msgCounts, (k) => msgColour.get(k)),
        filterGroup("node", "Nodes (where the event happened)", lanes.map((l) => l.id), nodeCounts, null,
          "Shows the events that happened at the ticked nodes. pbft-sim trace --nodes also keeps the messages sent to and from them."),
      ]),
      el("div", { class: "chart-col" }, [
        el("div", { id: "chart-wrap" }, [canvas]),
        marksLegend,
        el("div", { class: "lower" }, [
          el("div", { class: "list-col" }, [
            el("div", { class: "list-head" }, ["i", "t (ms)", "node", "event", "message", "peer", "fields"].map((t) => el("span", { text: t }))),
            list,
          ]),
          el("div", { class: "details-col" }, [el("h2", { text: "Selected event" }), details]),
        ]),
      ]),
    ]),
  );

  function summaryBox() {
    const box = el("details", { class: "box row-box", open: "" }, [el("summary", { text: "This trial's row of trials.csv" })]);
    box.append(el("div", { class: "kv", id: "row" }, data.row.map(([k, v]) => kv(k, v))));
    return box;
  }

  // ---- filtering -----------------------------------------------------------------------
  function refilter() {
    const keep = [];
    for (let k = 0; k < events.length; k++) if (passes(events[k])) keep.push(k);
    shown = Int32Array.from(keep);
    drawn = timeSorted ? shown : Int32Array.from(keep).sort((a, b) => events[a].t_ms - events[b].t_ms || a - b);
    countLabel.textContent = shown.length + " of " + events.length + " events" +
      (hideRoutine && routineCount ? " · " + routineCount + " routine rejections hidden" : "");
    countLabel.dataset.shown = String(shown.length);
    listRows.style.height = shown.length * ROW + "px";
    renderList();
    draw();
  }

  // ---- the event list (virtualised: only the rows in view exist) -------------------------
  const ROW = 20;
  function fields(e) {
    const skip = new Set(["i", "t_ns", "t_ms", "node", "ev", "msg", "to", "from"]);
    return Object.entries(e).filter(([k]) => !skip.has(k)).map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : v)).join(" ");
  }
  function renderList() {
    const first = Math.max(0, Math.floor(list.scrollTop / ROW) - 2);
    const last = Math.min(shown.length, first + Math.ceil(list.clientHeight / ROW) + 5);
    const rows = [];
    for (let p = first; p < last; p++) {
      const k = shown[p], e = events[k];
      const row = el("div", { class: "row" + (k === selected ? " selected" : ""), "data-i": String(k), style: "top:" + p * ROW + "px" }, [
        el("span", { text: String(e.i) }), el("span", { text: fmtMs(e.t_ms) }), el("span", { text: nodeOf(e) }),
        el("span", { class: "ev-" + e.ev + (isRoutine(e) ? " routine" : ""), text: e.ev }), el("span", { text: typeof e.msg === "string" ? e.msg : "" }),
        el("span", { text: peerOf(e) }), el("span", { text: fields(e) }),
      ]);
      rows.push(row);
    }
    listRows.replaceChildren(...rows);
  }
  list.addEventListener("scroll", renderList);
  listRows.addEventListener("click", (event) => {
    const row = event.target.closest(".row");
    if (row) select(Number(row.dataset.i), "show");
  });
  // Position of event index k in `shown` (binary search: `shown` is in engine order), or -1.
  function positionInShown(k) {
    let lo = 0, hi = shown.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (shown[mid] < k) lo = mid + 1; else hi = mid; }
    return lo < shown.length && shown[lo] === k ? lo : -1;
  }

  // ---- selection and jumps -------------------------------------------------------------
  // Selects event k. `move`: "stay" (a click in the chart), "show" (pan to it if it is out of
  // the window: a click in the list), "zoom" (centre and zoom in on it: a jump).
  function select(k, move) {
    selected = k;
    const e = events[k];
    details.dataset.i = String(k);
    details.replaceChildren(el("table", {}, Object.entries(e).map(([key, v]) =>
      el("tr", {}, [el("td", { text: key }), el("td", { class: "mono", text: typeof v === "object" ? JSON.stringify(v) : String(v) })]))));
    const span = view1 - view0;
    if (move === "show" && (e.t_ms < view0 || e.t_ms > view1)) setView(e.t_ms - span / 2, e.t_ms + span / 2);
    if (move === "zoom") {
      const zoomed = Math.min(span, Math.max(40 * typicalDelay, 1e-3));
      setView(e.t_ms - zoomed / 2, e.t_ms + zoomed / 2);
    }
    const p = positionInShown(k); // bring its row into the list's view
    if (p >= 0 && (p * ROW < list.scrollTop || (p + 1) * ROW > list.scrollTop + list.clientHeight)) {
      list.scrollTop = Math.max(0, p * ROW - list.clientHeight / 2);
    }
    renderList();
    draw();
  }
  function jump(ev) {
    const from = selected >= 0 ? positionInShown(selected) : -1;
    let start = from + 1;
    if (from < 0 && selected >= 0) { // the selection is filtered out: start after it
      start = 0;
      while (start < shown.length && shown[start] < selected) start++;
    }
    for (let p = start; p < shown.length; p++) {
      if (events[shown[p]].ev === ev) { status.textContent = ""; select(shown[p], "zoom"); return; }
    }
    status.textContent = "no " + ev + " after " + (selected >= 0 ? "event " + events[selected].i : "the start") + " among the shown events";
  }

  // ---- the chart -----------------------------------------------------------------------
  const LEFT = 150, TOP = 24;
  let laneH = 24, width = 800, hits = []; // hits: [x, y, index] of the marks drawn last
  const laneY = (id) => TOP + (laneOf.get(id) + 0.5) * laneH;
  const xOf = (t) => LEFT + ((t - view0) / (view1 - view0)) * (width - LEFT - 10);
  const tOf = (x) => view0 + ((x - LEFT) / (width - LEFT - 10)) * (view1 - view0);

  function setView(a, b) {
    const span = Math.min(Math.max(b - a, 1e-6), fitTo - fitFrom);
    const start = Math.max(fitFrom, Math.min(fitTo - span, (a + b) / 2 - span / 2));
    view0 = start; view1 = start + span;
    draw();
  }
  function zoomBy(factor, at) { const t = view0 + (view1 - view0) * at; setView(t - (t - view0) * factor, t + (view1 - t) * factor); }
  function panBy(share) { const d = (view1 - view0) * share; setView(view0 + d, view1 + d); }

  function firstAtOrAfter(t) { // position in `drawn` of the first event at or after t
    let lo = 0, hi = drawn.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (events[drawn[mid]].t_ms < t) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function drawMark(g, m, x, y, scale) {
    const r = 4 * scale;
    g.fillStyle = m.colour; g.strokeStyle = m.colour; g.lineWidth = 1.5;
    g.beginPath();
    switch (m.shape) {
      case "bar": g.fillRect(x - 1.5, y - 6 * scale, 3, 12 * scale); return;
      case "dot": g.arc(x, y, r * 0.8, 0, 2 * Math.PI); g.fill(); return;
      case "square": g.fillRect(x - r * 0.7, y - r * 0.7, r * 1.4, r * 1.4); return;
      case "triangle": g.moveTo(x, y - r); g.lineTo(x + r, y + r * 0.8); g.lineTo(x - r, y + r * 0.8); g.closePath(); g.fill(); return;
      case "diamond": g.moveTo(x, y - r); g.lineTo(x + r, y); g.lineTo(x, y + r); g.lineTo(x - r, y); g.closePath(); g.fill(); return;
      case "star": g.arc(x, y, r * 1.3, 0, 2 * Math.PI); g.fill(); g.fillStyle = "#fff"; g.fillRect(x - 0.75, y - r * 0.8, 1.5, r * 0.9); g.fillRect(x - 0.75, y + r * 0.35, 1.5, 1.5); return;
      case "cross": g.moveTo(x - r, y - r); g.lineTo(x + r, y + r); g.moveTo(x + r, y - r); g.lineTo(x - r, y + r); g.stroke(); return;
      default: g.moveTo(x, y - r); g.lineTo(x, y + r); g.stroke();
    }
  }

  function niceStep(span, target) {
    const raw = span / target, p = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) if (raw <= m * p) return m * p;
    return 10 * p;
  }

  function draw() {
    width = Math.max(400, canvas.parentElement.clientWidth);
    laneH = Math.max(14, Math.min(28, Math.floor(560 / Math.max(1, lanes.length))));
    const height = TOP + lanes.length * laneH + 8;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
      canvas.style.height = height + "px";
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "middle";
    // lanes
    lanes.forEach((lane, j) => {
      const y = TOP + j * laneH;
      g.fillStyle = j % 2 ? "#fafbfc" : "#ffffff";
      g.fillRect(0, y, width, laneH);
      g.fillStyle = lane.behaviour ? "#b3261e" : "#1d2330";
      const label = lane.id === NET ? "network" : lane.id + (lane.behaviour ? " · " + lane.behaviour : "");
      g.fillText(label.length > 24 ? label.slice(0, 23) + "…" : label, 6, y + laneH / 2);
    });
    g.save();
    g.beginPath(); g.rect(LEFT, 0, width - LEFT, height); g.clip();
    // fault periods
    const periods = (strip) => {
      for (const p of trial.periods) {
        const x0 = xOf(p.from_ms), x1 = xOf(p.until_ms === null || p.until_ms === undefined ? tLast + (tLast - tFirst) : p.until_ms);
        if (x1 < LEFT || x0 > width) continue;
        g.fillStyle = strip ? PERIOD_STRIPS[p.kind] || PERIOD_STRIPS.other : PERIOD_COLOURS[p.kind] || PERIOD_COLOURS.other;
        const ids = p.replicas.length ? p.replicas.map((r) => "r" + r) : lanes.map((l) => l.id);
        for (const id of ids) if (laneOf.has(id)) g.fillRect(x0, TOP + laneOf.get(id) * laneH, x1 - x0, strip ? 3 : laneH);
      }
    };
    periods(false);
    // time axis
    const step = niceStep(view1 - view0, Math.max(2, Math.floor((width - LEFT) / 110)));
    g.fillStyle = "#5d6678"; g.strokeStyle = "#e3e6ec"; g.lineWidth = 1;
    for (let t = Math.ceil(view0 / step) * step; t <= view1; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      g.beginPath(); g.moveTo(x, TOP - 4); g.lineTo(x, height); g.stroke();
      g.fillText(+t.toPrecision(12) + " ms", x + 3, TOP / 2);
    }
    // messages, then marks
    hits = [];
    const from = firstAtOrAfter(view0 - maxDelay), to = firstAtOrAfter(view1 + 1e-9);
    for (let p = from; p < to; p++) {
      const e = events[drawn[p]];
      if (e.ev !== "send" || !laneOf.has(e.to)) continue;
      const y0 = laneY(nodeOf(e)), y1 = laneY(e.to), x0 = xOf(e.t_ms);
      g.strokeStyle = g.fillStyle = msgColour.get(e.msg) || "#888";
      g.lineWidth = drawn[p] === selected ? 2.5 : 1;
      if (!e.delays_ms || e.delays_ms.length === 0) { // lost: a stub towards the recipient
        const dy = Math.sign(y1 - y0) * Math.min(Math.abs(y1 - y0), laneH * 0.6);
        g.beginPath(); g.moveTo(x0, y0); g.lineTo(x0 + 8, y0 + dy); g.stroke();
        drawMark(g, MARKS.drop, x0 + 8, y0 + dy, 0.6);
        g.strokeStyle = g.fillStyle = msgColour.get(e.msg) || "#888";
        continue;
      }
      for (const d of e.delays_ms) {
        const x1 = xOf(e.t_ms + d);
        if (x1 < LEFT && x0 < LEFT) continue;
        g.beginPath(); g.moveTo(x0, y0); g.lineTo(x1, y1); g.stroke();
        const a = Math.atan2(y1 - y0, x1 - x0);
        g.beginPath(); g.moveTo(x1, y1);
        g.lineTo(x1 - 6 * Math.cos(a - 0.4), y1 - 6 * Math.sin(a - 0.4));
        g.lineTo(x1 - 6 * Math.cos(a + 0.4), y1 - 6 * Math.sin(a + 0.4));
        g.closePath(); g.fill();
      }
    }
    g.lineWidth = 1;
    for (let p = firstAtOrAfter(view0); p < to; p++) {
      const k = drawn[p], e = events[k];
      const x = xOf(e.t_ms), y = laneY(nodeOf(e));
      if (e.ev === "send") { g.fillStyle = msgColour.get(e.msg) || "#888"; g.fillRect(x - 1.5, y - 1.5, 3, 3); }
      else drawMark(g, markOf(e), x, y, 1);
      hits.push([x, y, k]);
    }
    periods(true);
    if (selected >= 0 && events[selected].t_ms >= view0 && events[selected].t_ms <= view1) {
      const e = events[selected], x = xOf(e.t_ms), y = laneY(nodeOf(e));
      g.strokeStyle = "#1d2330"; g.lineWidth = 1; g.setLineDash([3, 3]);
      g.beginPath(); g.moveTo(x, TOP); g.lineTo(x, height); g.stroke(); g.setLineDash([]);
      g.lineWidth = 2; g.beginPath(); g.arc(x, y, 7, 0, 2 * Math.PI); g.stroke();
    }
    g.restore();
    windowLabel.textContent = "window " + fmtMs(view0) + " – " + fmtMs(view1) + " ms (" + (to - firstAtOrAfter(view0)) + " in view)";
  }

  function hitAt(x, y) {
    let best = -1, bestD = 64; // within 8 px
    for (const [hx, hy, k] of hits) { const d = (hx - x) ** 2 + (hy - y) ** 2; if (d <= bestD) { bestD = d; best = k; } }
    return best;
  }

  // ---- input: wheel zoom, drag pan, click select, keys ------------------------------------
  canvas.addEventListener("wheel", (event) => {
    event.preventDefault();
    const r = canvas.getBoundingClientRect(), x = event.clientX - r.left;
    if (x < LEFT) return;
    const share = (x - LEFT) / (width - LEFT - 10);
    if (event.shiftKey) panBy(event.deltaY / 1000);
    else zoomBy(Math.exp(event.deltaY * 0.0015), share);
  }, { passive: false });
  let drag = null;
  canvas.addEventListener("mousedown", (event) => {
    const r = canvas.getBoundingClientRect();
    drag = { x: event.clientX, y: event.clientY, left: r.left, top: r.top, v0: view0, v1: view1, moved: false };
    canvas.classList.add("dragging");
  });
  window.addEventListener("mousemove", (event) => {
    if (!drag) return;
    const dx = event.clientX - drag.x;
    if (Math.abs(dx) > 3) drag.moved = true;
    if (drag.moved) {
      const dt = (dx / (width - LEFT - 10)) * (drag.v1 - drag.v0);
      setView(drag.v0 - dt, drag.v1 - dt);
    }
  });
  window.addEventListener("mouseup", (event) => {
    if (!drag) return;
    const d = drag; drag = null;
    canvas.classList.remove("dragging");
    if (!d.moved) {
      const k = hitAt(event.clientX - d.left, event.clientY - d.top);
      if (k >= 0) select(k, "stay");
    }
  });
  canvas.addEventListener("keydown", (event) => {
    const keys = { "+": () => zoomBy(0.5, 0.5), "=": () => zoomBy(0.5, 0.5), "-": () => zoomBy(2, 0.5),
      ArrowLeft: () => panBy(-0.25), ArrowRight: () => panBy(0.25), "0": fit };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  window.addEventListener("resize", () => draw());

  refilter();
  setView(Math.max(fitFrom, opening.from_ms), opening.until_ms === null || opening.until_ms === undefined ? fitTo : opening.until_ms);
  if (opening.anchor) status.textContent = "opened on the chart's window, from just before " + opening.anchor + " (whole trace: key 0)";
  document.body.dataset.ready = "true";
})();
