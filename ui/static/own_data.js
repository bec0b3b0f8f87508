// "Your data": paint labelled points, fit a mixture, drag a component's mean and watch the exact guided samples
// follow. Runs as gr.HTML js_on_load: `element`, `props`, `watch`, `trigger` come from Gradio; words, palette and w's
// bounds from ui/static/common.js (cfgCommon). The server is asked through this component's Gradio events
// (ui/own_data.py): trigger("apply", {id, args}) fits (fit_points), trigger("edit", {id, args}) previews
// (drag_preview), trigger("submit", {args}) uses the fit in the lab. Fit and preview answer into props.value as
// {call: "fit" | "preview", id, ...}; a generated data set or an uploaded CSV arrives there as {points, fit, message}.
(function () {
  const root = element;
  const C = cfgCommon, T = C.T, esc = C.esc;
  const EXT = [-4.5, 4.5, -4.5, 4.5];
  const S = { xy: [], labels: [], names: ["A", "B", "C"], strokes: [], cls: 0, fit: null, mixture: null, preview: null,
    drag: null, pending: false, queued: null, asked: 0, fitId: 0, inflight: null, latencies: [], draws: 0 };
  C.testHook("__cfgOwn", S);
  const q = (sel) => root.querySelector(sel);
  const canvas = q(".own-canvas"), ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  const toPx = (p) => [(p[0] - EXT[0]) / (EXT[1] - EXT[0]) * W, H - (p[1] - EXT[2]) / (EXT[3] - EXT[2]) * H];
  function fromEvent(e) {
    const r = canvas.getBoundingClientRect();
    const px = (e.clientX - r.left) / r.width * W, py = (e.clientY - r.top) / r.height * H;
    return [EXT[0] + px / W * (EXT[1] - EXT[0]), EXT[2] + (H - py) / H * (EXT[3] - EXT[2])];
  }

  function status(text, error) { const el = q(".own-status"); el.textContent = text; el.classList.toggle("error", !!error); S.said = null; }
  // a server's message or error ({error, error_ko} / {message, message_ko}) in the reader's language, again on a switch
  function say(obj, key) { status(C.inLang(obj, key), key === "error"); S.said = { obj, key }; }

  function classButtons() {
    const box = q(".own-classes");
    box.innerHTML = "";
    S.names.forEach((n, c) => {
      const b = document.createElement("button");
      b.type = "button"; b.className = "own-class" + (c === S.cls ? " active" : ""); b.textContent = n;
      b.style.background = C.colour(c); b.style.color = "white"; b.dataset.c = String(c);
      box.appendChild(b);
    });
  }

  function translate() {
    root.querySelectorAll(".tx").forEach((el) => { el.textContent = T(el.dataset.k); });
  }

  function draw() {
    const t0 = performance.now();
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = "#e4e4e4"; ctx.lineWidth = 1;
    for (let v = -4; v <= 4; v++) {
      const [x] = toPx([v, 0]), [, y] = toPx([0, v]);
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, H); ctx.moveTo(0, y); ctx.lineTo(W, y); ctx.stroke();
    }
    const pv = S.preview;
    if (pv) {  // the guided field at lam = 0
      const G = pv.grid, cell = W / G;
      const mags = pv.field.map((f) => Math.hypot(f[0], f[1])), ref = mags.slice().sort((a, b) => a - b)[Math.floor(0.8 * mags.length)] || 1;
      ctx.strokeStyle = "#999"; ctx.lineWidth = 1.5;
      pv.field.forEach((f, i) => {
        const gx = i % G, gy = Math.floor(i / G), m = mags[i];
        if (!(m > 0)) return;
        const [cx, cy] = toPx([EXT[0] + (gx + 0.5) * (EXT[1] - EXT[0]) / G, EXT[2] + (gy + 0.5) * (EXT[3] - EXT[2]) / G]);
        const len = 0.45 * cell * Math.tanh(m / ref), ux = f[0] / m, uy = -f[1] / m;
        ctx.beginPath(); ctx.moveTo(cx - ux * len, cy - uy * len); ctx.lineTo(cx + ux * len, cy + uy * len); ctx.stroke();
        ctx.beginPath(); ctx.arc(cx + ux * len, cy + uy * len, 2.2, 0, 2 * Math.PI); ctx.fillStyle = "#999"; ctx.fill();
      });
    }
    ctx.globalAlpha = S.fit ? 0.35 : 0.7;  // the data
    for (let i = 0; i < S.xy.length; i++) {
      const [x, y] = toPx(S.xy[i]);
      ctx.fillStyle = C.colour(S.labels[i]);
      ctx.beginPath(); ctx.arc(x, y, 3, 0, 2 * Math.PI); ctx.fill();
    }
    ctx.globalAlpha = 1;
    const ells = (pv && pv.ellipses) || (S.fit && S.fit.ellipses) || [];
    ells.forEach((e) => {  // the fit: 2-sigma ellipses and draggable centres
      ctx.strokeStyle = C.colour(e.c); ctx.lineWidth = 2.5;
      ctx.beginPath();
      e.outline.forEach((p, i) => { const [x, y] = toPx(p); if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
      ctx.stroke();
    });
    if (pv) {  // the guided samples of the chosen class
      pv.samples.forEach((p) => {
        const [x, y] = toPx(p);
        ctx.fillStyle = C.colour(S.cls); ctx.strokeStyle = "#111"; ctx.lineWidth = 1.2;
        ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
      });
    }
    ells.forEach((e) => {
      const [x, y] = toPx(e.centre);
      ctx.fillStyle = C.colour(e.c); ctx.strokeStyle = "white"; ctx.lineWidth = 3;
      ctx.beginPath(); ctx.arc(x, y, S.drag && S.drag.k === e.k ? 13 : 10, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    });
    if (!S.xy.length) {
      ctx.fillStyle = "#666"; ctx.font = "22px sans-serif"; ctx.textAlign = "center";
      ctx.fillText(T("own_hint"), W / 2, H / 2);
    }
    S.draws += 1; S.lastDrawMs = performance.now() - t0;
    root.dataset.draws = String(S.draws);
  }

  function table() {
    const f = S.fit, el = q(".own-table");
    if (!f) { el.innerHTML = ""; return; }
    let rows = `<tr><th>${T("own_cls")}</th><th>${T("own_pts")}</th><th>${T("own_k")}</th><th>${T("own_bic")}</th><th>${T("own_ll")}</th></tr>`;
    f.classes.forEach((c, i) => {
      rows += `<tr><td style="color:${C.colour(i)};font-weight:600">${esc(c.name)}</td><td>${esc(c.n_points)}</td><td>${esc(c.k)}</td>` +
        `<td>${c.bic.toFixed(1)}</td><td>${c.loglik_per_point.toFixed(3)}</td></tr>`;
    });
    if (S.preview) rows += `<tr><td colspan="4">${T("own_pcx")} (w = ${currentW()})</td><td>${S.preview.mean_posterior.toFixed(3)}</td></tr>`;
    el.innerHTML = rows;
  }

  const currentW = () => C.clampW("own-w", parseFloat(q(".own-w").value));
  [q(".own-w").min, q(".own-w").max] = C.wBounds("own-w").map(String);  // the preview's w range: the server's
  function pointsJson() { return JSON.stringify({ xy: S.xy, labels: S.labels, class_names: S.names.slice(0, Math.max(1, ...S.labels.map((c) => c + 1))) }); }

  function ask(event, args) {  // one of this component's Gradio events; the reply comes back as props.value
    S.asked += 1;
    trigger(event, { id: S.asked, args });
    return S.asked;
  }

  function fit() {
    if (!S.xy.length) { status(T("own_none"), true); return; }
    status(T("own_fitting"));
    S.fitId = ask("apply", [pointsJson(), parseInt(q(".own-k").value, 10)]);
  }
  function fitted(out) {
    if (out.id !== S.fitId) return;  // an older fit's answer
    if (out.error) { say(out, "error"); return; }
    S.fit = out; S.mixture = out.mixture; S.preview = null;
    status(T("own_fitted", { s: out.seconds }));
    table(); draw();
    requestPreview(null);
  }

  // one preview request in flight; while it runs, only the latest position waits
  function requestPreview(move) {
    if (!S.mixture) return;
    const req = { move, w: currentW(), label: Math.min(S.cls, S.mixture.classes.length - 1), t0: performance.now() };
    if (S.pending) { S.queued = req; return; }
    S.pending = true;
    req.id = ask("edit", [JSON.stringify(S.mixture), move ? move.k : -1, move ? move.mean : [0, 0], req.label, req.w]);
    S.inflight = req;
  }
  function previewed(out) {
    const req = S.inflight;
    if (!req || out.id !== req.id) return;  // not the request in flight
    if (out.error) say(out, "error");
    else {
      S.preview = out;
      if (out.mixture) S.mixture = out.mixture;
      draw(); table();
      S.latencies.push(performance.now() - req.t0);
    }
    S.inflight = null; S.pending = false;
    if (S.queued) { const next = S.queued; S.queued = null; requestPreview(next.move); }
  }

  function nearestCentre(p) {
    const ells = (S.preview && S.preview.ellipses) || (S.fit && S.fit.ellipses) || [];
    let best = null, bestD = 0.35;
    ells.forEach((e) => { const d = Math.hypot(e.centre[0] - p[0], e.centre[1] - p[1]); if (d < bestD) { best = e; bestD = d; } });
    return best;
  }

  function addPoint(p) {
    if (Math.abs(p[0]) > 4.4 || Math.abs(p[1]) > 4.4) return;
    S.xy.push([Math.round(p[0] * 1e4) / 1e4, Math.round(p[1] * 1e4) / 1e4]); S.labels.push(S.cls);
    S.strokes[S.strokes.length - 1] += 1;
  }
  function invalidate() {
    if (S.fit) status(T("own_refit"));
    S.fit = null; S.mixture = null; S.preview = null; table();
  }

  canvas.addEventListener("pointerdown", (e) => {
    const p = fromEvent(e), c = S.mixture ? nearestCentre(p) : null;
    canvas.setPointerCapture(e.pointerId);
    if (c) { S.drag = { k: c.k }; return; }
    S.painting = true; S.last = p; S.strokes.push(0); invalidate(); addPoint(p); draw();
  });
  canvas.addEventListener("pointermove", (e) => {
    const p = fromEvent(e);
    if (S.drag) { requestPreview({ k: S.drag.k, mean: [Math.round(p[0] * 1e3) / 1e3, Math.round(p[1] * 1e3) / 1e3] }); return; }
    if (S.painting && Math.hypot(p[0] - S.last[0], p[1] - S.last[1]) > 0.12) {
      const j = 0.06;  // a little jitter, so a stroke is a band of points, not a line
      addPoint([p[0] + j * (Math.random() - 0.5), p[1] + j * (Math.random() - 0.5)]); S.last = p; draw();
    }
  });
  const end = () => { S.drag = null; S.painting = false; draw(); };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  root.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.classList.contains("own-class")) { S.cls = parseInt(b.dataset.c, 10); classButtons(); if (S.mixture) requestPreview(null); }
    else if (b.classList.contains("own-add") && S.names.length < 8) { S.names.push(String.fromCharCode(65 + S.names.length)); S.cls = S.names.length - 1; classButtons(); }
    else if (b.classList.contains("own-undo")) {
      const n = S.strokes.pop() || 0; S.xy.splice(S.xy.length - n, n); S.labels.splice(S.labels.length - n, n); invalidate(); draw();
    } else if (b.classList.contains("own-clear")) { S.xy = []; S.labels = []; S.strokes = []; invalidate(); draw(); }
    else if (b.classList.contains("own-fit")) fit();
    else if (b.classList.contains("own-use")) {
      if (!S.mixture) { status(T("own_none"), true); return; }
      const use = { mixture: S.mixture, label: Math.min(S.cls, S.mixture.classes.length - 1), points: JSON.parse(pointsJson()) };
      trigger("submit", { args: [JSON.stringify(use)] });
    }
  });
  q(".own-w").addEventListener("input", () => { q(".own-wval").textContent = String(currentW()); if (S.mixture) requestPreview(null); });

  function load() {  // an answer to a fit or a preview; or a data set or a CSV from Python: replace the points, show its fit
    let v = null;
    try { v = props.value ? JSON.parse(props.value) : null; } catch (e) { v = null; }
    if (v && v.call === "fit") { fitted(v); return; }
    if (v && v.call === "preview") { previewed(v); return; }
    translate();
    if (!v) { classButtons(); draw(); return; }
    if (v.error) { say(v, "error"); return; }
    if (v.points) {
      S.xy = v.points.xy; S.labels = v.points.labels; S.names = v.points.class_names.slice(); S.strokes = [S.xy.length];
      S.cls = Math.min(S.cls, S.names.length - 1);
    }
    S.fit = v.fit || null; S.mixture = v.fit ? v.fit.mixture : null; S.preview = null;
    S.pending = false; S.queued = null; S.inflight = null;  // an answer still on its way is for the old points
    classButtons(); table(); draw();
    if (v.message) say(v, "message");
    if (S.mixture) requestPreview(null);
  }
  C.subscribe("own-lang", "lang", () => {  // the language switch: every word here, the shown message again
    translate(); draw(); table(); if (S.said) say(S.said.obj, S.said.key);
  });
  watch("value", load);
  load();
})();
