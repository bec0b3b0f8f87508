// The 2D lab canvas. Runs as gr.HTML js_on_load: `element`, `props`, `watch` come from Gradio.
// props.value is the JSON view from explainer.views (LabView.to_json) (every w of the grid); dragging the w slider
// (#w-slider) redraws here, in the browser, with no server round trip.
(function () {
  const root = element;
  const S = { view: null, panels: [], frame: -1, playing: false, timer: null, draws: 0 };
  window.__cfgLab = S;  // for tests and the benchmark
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

  function bytes(b64) {
    const bin = atob(b64), u8 = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    return u8.buffer;
  }
  const i16 = (b64) => new Int16Array(bytes(b64));
  const f32 = (b64) => new Float32Array(bytes(b64));
  const q = (sel) => root.querySelector(sel);

  function sliderInput() { return document.querySelector("#w-slider input[type=range]"); }
  function currentW() {
    const el = sliderInput();
    const w = el ? parseFloat(el.value) : 0;
    return Number.isFinite(w) ? w : 0;
  }
  function wIndex(w) {
    const g = S.view.w_grid;
    let best = 0;
    for (let i = 1; i < g.length; i++) if (Math.abs(g[i] - w) < Math.abs(g[best] - w)) best = i;
    return best;
  }

  function load() {
    let v = null;
    try { v = props.value ? JSON.parse(props.value) : null; } catch (e) { v = null; }
    if (!v || !v.panels) { S.view = null; q(".lab-panels").innerHTML = "<p class='lab-empty'>Loading the lab…</p>"; return; }
    S.view = v;
    S.panels = v.panels.map((p) => ({
      meta: p, shape: p.shape, traj: i16(p.traj), field: f32(p.field),
      cond: f32(p.field_cond), uncond: f32(p.field_uncond),
    }));
    const box = q(".lab-panels");
    box.innerHTML = "";
    S.panels.forEach((p, k) => {
      const div = document.createElement("div");
      div.className = "lab-panel";
      div.innerHTML = `<div class="lab-title">${p.meta.title}</div><canvas width="880" height="880"></canvas>` +
        `<table class="lab-numbers"></table>`;
      box.appendChild(div);
      p.canvas = div.querySelector("canvas");
      p.table = div.querySelector("table");
    });
    const F = S.panels[0].shape[1];
    const scrub = q(".lab-scrub");
    scrub.max = String(F - 1);
    if (S.frame < 0 || S.frame > F - 1) S.frame = F - 1;
    scrub.value = String(S.frame);
    const tempered = v.panels.some((p) => p.method === "scaled" || p.method === "reduced");
    q(".lab-tempered").checked = tempered;
    root.querySelectorAll(".lab-layer").forEach((el) => {
      const saved = (S.layers || {})[el.className];
      if (saved === undefined || el.classList.contains("lab-tempered")) return;
      if (el.type === "checkbox") el.checked = saved; else el.value = saved;
    });
    draw();
  }

  function toPx(p, ext, W, H) {
    return [(p[0] - ext[0]) / (ext[1] - ext[0]) * W, H - (p[1] - ext[2]) / (ext[3] - ext[2]) * H];
  }

  function drawContours(ctx, levels, ext, W, H, color, dash) {
    if (!levels) return;
    ctx.strokeStyle = color; ctx.setLineDash(dash);
    levels.forEach((lines, li) => {
      ctx.lineWidth = li === 0 ? 3 : 2;
      ctx.globalAlpha = li === 0 ? 0.95 : 0.6;
      lines.forEach((flat) => {
        ctx.beginPath();
        for (let i = 0; i < flat.length; i += 2) {
          const [x, y] = toPx([flat[i], flat[i + 1]], ext, W, H);
          if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
        ctx.stroke();
      });
    });
    ctx.globalAlpha = 1; ctx.setLineDash([]);
  }

  function drawField(ctx, p, wi, ext, W, H) {
    const which = q(".lab-field").value;
    if (which === "off") return;
    const G = S.view.field_grid, P = G * G;
    const src = which === "guided" ? p.field.subarray(wi * P * 2, (wi + 1) * P * 2) : (which === "cond" ? p.cond : p.uncond);
    const mags = [];
    for (let i = 0; i < P; i++) mags.push(Math.hypot(src[2 * i], src[2 * i + 1]));
    const ref = mags.slice().sort((a, b) => a - b)[Math.floor(0.8 * P)] || 1;
    const cell = W / G;
    ctx.strokeStyle = "#555"; ctx.fillStyle = "#555"; ctx.lineWidth = 1.6; ctx.globalAlpha = 0.75;
    for (let i = 0; i < P; i++) {
      const gx = i % G, gy = Math.floor(i / G);
      const cx = (gx + 0.5) * cell, cy = H - (gy + 0.5) * (H / G);
      const m = mags[i];
      if (!(m > 0) || !Number.isFinite(m)) continue;
      const len = 0.9 * cell * Math.tanh(m / ref);
      const ux = src[2 * i] / m, uy = -src[2 * i + 1] / m;
      const ex = cx + ux * len, ey = cy + uy * len;
      ctx.beginPath(); ctx.moveTo(cx - ux * len * 0.1, cy - uy * len * 0.1); ctx.lineTo(ex, ey); ctx.stroke();
      const h = Math.min(9, 0.35 * len);
      ctx.beginPath(); ctx.moveTo(ex, ey);
      ctx.lineTo(ex - ux * h - uy * h * 0.5, ey - uy * h + ux * h * 0.5);
      ctx.lineTo(ex - ux * h + uy * h * 0.5, ey - uy * h - ux * h * 0.5);
      ctx.closePath(); ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  function drawSamples(ctx, p, wi, frame, ext, W, H) {
    const [, F, N] = p.shape;
    const at = (f, n) => { const o = ((wi * F + f) * N + n) * 2; const s = p.meta.coord_scale || 1000; return [p.traj[o] / s, p.traj[o + 1] / s]; };
    const color = COLORS[S.view.label % COLORS.length];
    if (q(".lab-traj").checked && frame > 0) {
      ctx.strokeStyle = color; ctx.globalAlpha = 0.22; ctx.lineWidth = 1.2;
      for (let n = 0; n < N; n += 2) {
        ctx.beginPath();
        for (let f = 0; f <= frame; f++) {
          const [x, y] = toPx(at(f, n), ext, W, H);
          if (f === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    if (!q(".lab-samples").checked) return;
    ctx.fillStyle = color; ctx.strokeStyle = "white"; ctx.lineWidth = 1;
    for (let n = 0; n < N; n++) {
      const [x, y] = toPx(at(frame, n), ext, W, H);
      ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    }
  }

  function drawMeans(ctx, ext, W, H) {
    ctx.font = "bold 26px sans-serif"; ctx.textAlign = "center";
    S.view.means.forEach((m, k) => {
      const c = S.view.component_class[k];
      const [x, y] = toPx(m, ext, W, H);
      ctx.fillStyle = COLORS[c % COLORS.length];
      ctx.fillText(S.view.class_names[c], x, y - 14);
      ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI); ctx.fill();
    });
  }

  function numbersRow(p, wi) {
    const n = p.meta.numbers[wi], err = p.meta.field_error;
    const fmt = (x) => (Math.abs(x) >= 1000 ? x.toExponential(1) : x.toFixed(3));
    let rows = `<tr><th>mean exact p(c|x)</th><td>${fmt(n.mean_posterior)}</td><th>diversity</th><td>${fmt(n.diversity)}</td></tr>` +
      `<tr><th>SW₂ to p(x|c)</th><td>${fmt(n.distance_to_class)}</td><th>SW₂ to tilted</th><td>${fmt(n.distance_to_tilted)}</td></tr>`;
    rows += err ? `<tr><th>learned field error at λ=${S.view.field_lam}</th><td colspan="3">${(100 * err[wi]).toFixed(1)} % (relative, p(z)-weighted)</td></tr>`
      : `<tr><th>field</th><td colspan="3">exact mixture scores (no learning error)</td></tr>`;
    return rows;
  }

  function draw() {
    if (!S.view) return;
    const w = currentW(), wi = wIndex(w), ext = S.view.extent;
    const F = S.panels[0].shape[1];
    const frame = Math.min(Math.max(S.frame, 0), F - 1);
    S.panels.forEach((p) => {
      const ctx = p.canvas.getContext("2d"), W = p.canvas.width, H = p.canvas.height;
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
      ctx.strokeStyle = "#ddd"; ctx.lineWidth = 1;
      const [ox, oy] = toPx([0, 0], ext, W, H);
      ctx.beginPath(); ctx.moveTo(ox, 0); ctx.lineTo(ox, H); ctx.moveTo(0, oy); ctx.lineTo(W, oy); ctx.stroke();
      drawField(ctx, p, wi, ext, W, H);
      if (q(".lab-class").checked) drawContours(ctx, S.view.class_contours, ext, W, H, "#1f4e9c", []);
      if (q(".lab-tilted").checked) drawContours(ctx, S.view.tilted_contours[wi], ext, W, H, "#e07b00", [12, 8]);
      if (q(".lab-tempered").checked) drawContours(ctx, S.view.tempered_contours[wi], ext, W, H, "#8e24aa", [3, 6]);
      drawMeans(ctx, ext, W, H);
      drawSamples(ctx, p, wi, frame, ext, W, H);
      ctx.font = "26px sans-serif"; ctx.textAlign = "left";
      const lam = p.meta.frame_lams[frame];
      const stage = frame === F - 1 ? "final samples" : `step ${frame + 1}/${F}, λ = ${lam}`;
      ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(0, 0, W, 48);
      ctx.fillStyle = "#222";
      ctx.fillText(`w = ${S.view.w_grid[wi]}   (scale 1+w = ${1 + S.view.w_grid[wi]})   ${stage}`, 14, 34);
      p.table.innerHTML = numbersRow(p, wi);
    });
    q(".lab-frame").textContent = frame === F - 1 ? "final" : `frame ${frame + 1}/${F}`;
    S.draws += 1;
    root.dataset.draws = String(S.draws);
    root.dataset.w = String(S.view.w_grid[wi]);
    S.w = S.view.w_grid[wi];
  }

  function stop() { S.playing = false; clearInterval(S.timer); const b = q(".lab-play"); if (b) b.textContent = "▶ Play"; }
  function play() {
    if (!S.view) return;
    const F = S.panels[0].shape[1];
    if (S.frame >= F - 1) S.frame = 0;
    S.playing = true; q(".lab-play").textContent = "❚❚ Pause";
    S.timer = setInterval(() => {
      S.frame += 1;
      if (S.frame >= F - 1) { S.frame = F - 1; stop(); }
      q(".lab-scrub").value = String(S.frame);
      draw();
    }, 180);
  }

  function downloadPng() {
    if (!S.view) return;
    const cs = S.panels.map((p) => p.canvas);
    const out = document.createElement("canvas");
    out.width = cs.reduce((a, c) => a + c.width, 0); out.height = cs[0].height;
    const ctx = out.getContext("2d");
    let x = 0;
    cs.forEach((c) => { ctx.drawImage(c, x, 0); x += c.width; });
    const a = document.createElement("a");
    a.href = out.toDataURL("image/png");
    a.download = `cfg-lab-${S.view.mixture}-${S.panels.map((p) => p.meta.method).join("-")}-w${currentW()}.png`;
    a.click();
  }

  // Dragging w: the slider's own input events, caught at the document so re-renders do not matter.
  document.addEventListener("input", (e) => {
    if (!e.target || !e.target.closest || !e.target.closest("#w-slider") || !S.view) return;
    const t0 = e.timeStamp;
    draw();
    requestAnimationFrame(() => {
      S.lastLatency = performance.now() - t0;
      (S.latencies = S.latencies || []).push(S.lastLatency);
    });
  }, true);
  // Delegated handlers: they survive re-renders of the template.
  root.addEventListener("click", (e) => {
    if (e.target.closest(".lab-play")) { S.playing ? stop() : play(); }
    else if (e.target.closest(".lab-png")) downloadPng();
  });
  root.addEventListener("input", (e) => {
    if (e.target.closest(".lab-scrub")) { stop(); S.frame = parseInt(e.target.value, 10); draw(); }
  });
  root.addEventListener("change", (e) => {
    if (!e.target.closest(".lab-layer")) return;
    S.layers = S.layers || {};
    root.querySelectorAll(".lab-layer").forEach((el) => { S.layers[el.className] = el.type === "checkbox" ? el.checked : el.value; });
    draw();
  });
  setInterval(() => {
    if (S.view && !S.playing && root.dataset.w !== undefined && S.view.w_grid[wIndex(currentW())] !== parseFloat(root.dataset.w)) draw();
  }, 250);
  watch("value", load);
  load();
})();
