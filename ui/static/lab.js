// The 2D lab canvas. Runs as gr.HTML js_on_load: `element`, `props`, `watch` come from Gradio.
// props.value points to the JSON view from explainer ({src, extras}: the view as an immutable, gzip file that this
// browser fetches once; LabView.to_json), or is the view itself: every w of an uneven grid. Dragging
// the w slider (#w-slider) redraws here, in the browser, interpolating between neighbouring grid values (same
// initial noise, so samples move continuously): any w in w's bounds (the page's config) is drawn without a
// server round trip. Words, palette and bounds come from ui/static/common.js (cfgCommon).
(function () {
  const root = element;
  const C = cfgCommon, T = C.T;
  // a method's words (short, title) in the reader's language, from the payload (the browser never names a method)
  // a font size in canvas pixels, never under 11 CSS pixels however small the canvas is drawn (a phone)
  const fz = (n, ctx) => Math.max(n, Math.ceil(11 * ctx.canvas.width / Math.max(1, ctx.canvas.clientWidth || ctx.canvas.width)));
  const said = (meta, key) => ((meta.words && (meta.words[C.lang()] || meta.words.en)) || {})[key] || meta[key] || "";
  const S = { view: null, panels: [], frame: -1, playing: false, timer: null, draws: 0, latencies: [],
    lesson: "", lessonLeft: "" };  // lesson: the lesson shown (its panel beside the figure); lessonLeft: one left
  Object.defineProperty(S, "lang", { get: C.lang, enumerable: true });  // read by the tests
  C.testHook("__cfgLab", S);

  function bytes(b64) {
    const bin = atob(b64), u8 = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    return u8.buffer;
  }
  const f32 = (b64) => new Float32Array(bytes(b64));
  // zigzag LEB128 varints (explainer/encode.py varint_bytes) -> Int32Array of n numbers
  function varints(u8, n) {
    const out = new Int32Array(n);
    for (let i = 0, k = 0; k < n; k++) {
      let z = 0, shift = 0, b;
      do { b = u8[i++]; z += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
      out[k] = z % 2 ? -(z + 1) / 2 : z / 2;
    }
    return out;
  }
  // [W, F, ...] integers sent as differences along W, then along F (explainer/encode.py encode_deltas): sum back
  function ints(enc, shape) {
    const d = varints(new Uint8Array(bytes(enc.deltas)), shape.reduce((a, b) => a * b, 1));
    const [W, F] = shape, R = d.length / (W * F), out = new Int16Array(d.length), acc = new Int32Array(d);
    for (let w = 0; w < W; w++)
      for (let f = 1; f < F; f++)
        for (let r = 0, o = (w * F + f) * R; r < R; r++) acc[o + r] += acc[o - R + r];
    for (let i = F * R; i < acc.length; i++) acc[i] += acc[i - F * R];
    out.set(acc);
    return out;
  }
  const q = (sel) => root.querySelector(sel);

  function sliderInput() { return document.querySelector("#w-slider input[type=range]"); }
  const currentW = () => C.sliderW("w-slider");
  // w -> the two neighbouring grid indices and the weight of the upper one
  function wPos(w) {
    const g = S.view.w_grid;
    if (w <= g[0]) return [0, 0, 0];
    for (let i = 0; i + 1 < g.length; i++) if (w <= g[i + 1]) return [i, i + 1, (w - g[i]) / (g[i + 1] - g[i])];
    return [g.length - 1, g.length - 1, 0];
  }
  const lerp = (a, b, t) => a + (b - a) * t;
  function nearest(pos) { return pos[2] < 0.5 ? pos[0] : pos[1]; }

  function translate() {
    root.querySelectorAll(".tx, option[data-k]").forEach((el) => { el.textContent = T(el.dataset.k); });
    const b = q(".lab-play"); if (b) b.textContent = S.playing ? T("lab_pause") : T("lab_play");
  }

  function applyHints(h) {
    C.publish("lang", (h && h.lang) || "en");  // the language comes with the lab's view; the other canvases follow
    const layers = (h && h.layers) || {};
    const key = (h && h.lesson) || "";
    if (key !== S.lessonApplied) {  // a new lesson sets its layers once; later the user's choices stay
      S.lessonApplied = key;
      q(".lab-field").value = layers.field || "guided";
      q(".lab-heat").checked = !!layers.heatmap;
      q(".lab-zoom").checked = !!layers.zoom;
      if (layers.tempered !== undefined) q(".lab-tempered").checked = !!layers.tempered;
      q(".lab-xhat").checked = !!layers.xhat;
      const on = (box, name, dflt) => { q(`.lab-${box}`).checked = layers[name] === undefined ? dflt : !!layers[name]; };
      on("tilted", "tilted", true); on("class", "classes", true); on("traj", "traj", !key);  // a lesson: paths only if
      on("samples", "samples", true);                                                       // it asks for them
      if (key) cfgLesson.reset(key);  // opening a lesson asks its question afresh
    }
    if (key !== S.lessonLeft) S.lessonLeft = "";
    setLesson(key && key !== S.lessonLeft ? key : "");
    translate();
  }

  // ---- the lesson shown: its panel beside the figure; the page's controls fold away while it is on ----
  function setLesson(key) {
    const l = key ? cfgLesson.get(key) : null;
    S.lesson = l ? key : "";
    C.publish("lesson", S.lesson);  // the MNIST grids show the MNIST lesson's panel
    document.documentElement.classList.toggle("cfg-lesson", !!(l && l.tab === "lab"));
    document.documentElement.classList.toggle("cfg-lesson-tradeoff", !!(l && (l.annotate || []).includes("tradeoff")));
    renderLesson();
  }
  function renderLesson() {
    const el = q(".lab-lesson"), more = q(".lab-lesson-more"), l = S.lesson ? cfgLesson.get(S.lesson) : null;
    if (!l || l.tab !== "lab") { el.hidden = more.hidden = true; el.innerHTML = more.innerHTML = ""; return; }
    cfgLesson.render(el, S.lesson, { order: cfgLesson.order([...root.querySelectorAll(".lab-panel")]),
      colour: C.colour(S.view ? S.view.label : 0), onReveal: revealLesson, more });
  }
  function revealLesson(l) {  // the figure answers: w glides to the lesson's reveal w, or the animation plays
    if (l.reveal_w !== null && l.reveal_w !== undefined) cfgLesson.glide("w-slider", l.reveal_w);
    else if (!S.playing) play();
  }
  const annotated = (kind) => {
    const l = S.lesson ? cfgLesson.get(S.lesson) : null;
    return !!(l && (l.annotate || []).includes(kind));
  };

  let fetching = 0;  // the newest fetch wins: an older view arriving late is dropped
  function load() {
    let v = null;
    try { v = props.value ? JSON.parse(props.value) : null; } catch (e) { v = null; }
    const mine = ++fetching;
    if (v && v.src && !v.panels && v.src === S.src && S.view) {  // the view shown (a lesson drawn from files first)
      S.extras = v.extras || {};
      applyHints(S.extras.hints || {});
      draw();
      return;
    }
    if (v && v.src && !v.panels) {
      fetch(new URL(v.src, window.location.href))
        .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.json(); })
        .then((full) => { if (mine === fetching) show({ ...full, extras: v.extras, src: v.src }); })
        .catch((e) => {
          if (mine !== fetching) return;
          S.view = null;
          const p = document.createElement("p");
          p.className = "lab-empty";
          p.textContent = T("lab_fetch_failed", { why: String(e.message || e) });
          q(".lab-panels").replaceChildren(p);
        });
      return;
    }
    show(v);
  }

  // A lesson button: the lesson's view straight from the server's files (its pointer, then the immutable view), so
  // a hall of students pressing it at once waits for no event. The button's event (ui/canvas.py lesson_files_first)
  // asks for this with "cfg:lesson-files" and goes to the server only when the returned promise settles (drawn, or
  // not ready as files), to sync the controls, numbers and link; its pointer names the same file (kept, not decoded
  // again). Not on the static site (no server).
  function lessonFromFiles(key, lang = C.lang()) {
    const l = cfgLesson.get(key);
    if (!l || l.tab !== "lab" || window.cfgStatic) return Promise.resolve();
    const mine = ++fetching, at = (path) => new URL(path, window.location.href);
    return fetch(at(`views/lessons/${key}.json`))
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((ptr) => fetch(at(ptr.src)).then((r) => r.json()).then((full) => [ptr, full]))
      .then(([ptr, full]) => {
        if (mine !== fetching) return;  // the events were quicker
        setW(l.start_w);
        show({ ...full, src: ptr.src, extras: { ...ptr.extras, hints: { lang, lesson: key, layers: l.layers || {} } } });
        S.fromFiles = (S.fromFiles || 0) + 1;
      })
      .catch(() => { if (mine === fetching) show(null); });  // not ready as files: "loading" until the events show it
  }

  function show(v) {
    S.src = (v && v.src) || "";
    if (!v || !v.panels) { S.view = null; q(".lab-panels").innerHTML = `<p class='lab-empty'>${T("lab_loading")}</p>`; return; }
    S.view = v;
    S.extras = v.extras || {};
    applyHints(S.extras.hints || {});
    S.panels = v.panels.map((p) => ({
      meta: p, shape: p.shape, traj: ints(p.traj, p.shape),
      field: Float32Array.from(ints(p.field, [S.view.w_grid.length, S.view.field_grid ** 2]), (v) => v / p.field_scale),
      cond: f32(p.field_cond),
      uncond: f32(p.field_uncond), implicit: f32(p.field_implicit), classifier: f32(p.field_classifier),
      posterior: Float32Array.from(ints(p.posterior, [p.posterior_res, p.posterior_res]), (v) => v / 1000),
      xc: p.xhat_c ? ints(p.xhat_c, p.xhat_shape) : null, xu: p.xhat_u ? ints(p.xhat_u, p.xhat_shape) : null,
      xg: p.xhat_g ? ints(p.xhat_g, p.xhat_shape) : null,
    }));
    const box = q(".lab-panels");
    box.innerHTML = "";
    S.panels.forEach((p) => {
      const div = document.createElement("div");
      div.className = "lab-panel";
      const spec = p.meta.spec;
      const lams = { lo: spec.lam_lo, hi: spec.lam_hi };
      const detail = [spec.sampler === "pc" ? T("lab_pc", { k: spec.corrector_steps, ratio: spec.corrector_ratio }) : spec.sampler.toUpperCase(),
        p.meta.flags.uses_base ? T(`lab_base_${spec.cg_base}`) : "",
        spec.schedule === "interval" ? T("lab_interval", lams) : "",
        spec.schedule === "ramp" ? T("lab_ramp", lams) : ""].filter(Boolean).join(", ");
      div.innerHTML = `<div class="lab-title"></div><canvas width="880" height="880"></canvas><table class="lab-numbers"></table>`;
      div.querySelector(".lab-title").textContent = `${said(p.meta, "title")} (${detail})`;
      box.appendChild(div);
      p.canvas = div.querySelector("canvas");
      p.table = div.querySelector("table");
    });
    const F = S.panels[0].shape[1];
    const scrub = q(".lab-scrub");
    scrub.max = String(F - 1);
    if (S.frame < 0 || S.frame > F - 1) S.frame = F - 1;
    scrub.value = String(S.frame);
    if (!(S.extras.hints && S.extras.hints.layers && S.extras.hints.layers.tempered !== undefined))
      q(".lab-tempered").checked = v.panels.some((p) => p.baseline);
    renderLesson();  // after the panels exist: "left/right" or "top/bottom" follows their layout
    draw();
  }

  // ---- geometry ----
  function sampleAt(p, pos, f, n) {
    const [, F, N] = p.shape, ss = p.meta.coord_scales, s = p.meta.coord_scale || 1000;
    const sa = ss ? ss[pos[0]] : s, sb = ss ? ss[pos[1]] : s;  // each w's own int16 scale
    const a = ((pos[0] * F + f) * N + n) * 2, b = ((pos[1] * F + f) * N + n) * 2;
    return [lerp(p.traj[a] / sa, p.traj[b] / sb, pos[2]), lerp(p.traj[a + 1] / sa, p.traj[b + 1] / sb, pos[2])];
  }
  function viewExtent(pos, frame) {
    const ext = S.view.extent;
    if (!q(".lab-zoom").checked) return ext;
    let x0 = ext[0], x1 = ext[1], y0 = ext[2], y1 = ext[3];
    S.panels.forEach((p) => {
      for (let n = 0; n < p.shape[2]; n++) {
        const [x, y] = sampleAt(p, pos, frame, n);
        if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    });
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2, half = 0.55 * Math.max(x1 - x0, y1 - y0);
    return [cx - half, cx + half, cy - half, cy + half];
  }
  function toPx(pt, ext, W, H) {
    return [(pt[0] - ext[0]) / (ext[1] - ext[0]) * W, H - (pt[1] - ext[2]) / (ext[3] - ext[2]) * H];
  }

  // ---- layers ----
  function drawContours(ctx, levels, ext, W, H, color, dash, alpha, width = 3) {
    if (!levels) return;
    ctx.strokeStyle = color; ctx.setLineDash(dash);
    levels.forEach((lines, li) => {
      ctx.lineWidth = li === 0 ? width : Math.max(2, width - 1);
      ctx.globalAlpha = alpha * (li === 0 ? 0.95 : 0.6);
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

  function drawHeat(ctx, p, ext, W, H) {  // exact p(c|z_lam) as a smooth tint of the class colour
    const R = p.meta.posterior_res, base = S.view.extent, hex = C.colour(S.view.label);
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    if (!p.heatCanvas) {
      const off = document.createElement("canvas"); off.width = R; off.height = R;
      const octx = off.getContext("2d"), img = octx.createImageData(R, R);
      for (let j = 0; j < R; j++) for (let i = 0; i < R; i++) {
        const v = p.posterior[j * R + i], o = ((R - 1 - j) * R + i) * 4;  // row 0 of the grid is the bottom
        img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2];
        img.data[o + 3] = Math.round(255 * 0.35 * (Number.isFinite(v) ? v : 0));
      }
      octx.putImageData(img, 0, 0);
      p.heatCanvas = off;
    }
    const [x0, y0] = toPx([base[0], base[3]], ext, W, H), [x1, y1] = toPx([base[1], base[2]], ext, W, H);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(p.heatCanvas, x0, y0, x1 - x0, y1 - y0);
  }

  function fieldValues(p, pos) {
    const which = q(".lab-field").value, P = S.view.field_grid ** 2;
    if (which === "off") return null;
    if (which === "guided") {
      const a = p.field.subarray(pos[0] * P * 2, (pos[0] + 1) * P * 2), b = p.field.subarray(pos[1] * P * 2, (pos[1] + 1) * P * 2);
      const out = new Float32Array(P * 2);
      for (let i = 0; i < 2 * P; i++) out[i] = lerp(a[i], b[i], pos[2]);
      return out;
    }
    return p[which];
  }

  function drawField(ctx, p, pos, ext, W, H) {
    const src = fieldValues(p, pos);
    if (!src) return;
    const G = S.view.field_grid, P = G * G, base = S.view.extent;
    const mags = [];
    for (let i = 0; i < P; i++) mags.push(Math.hypot(src[2 * i], src[2 * i + 1]));
    const ref = mags.slice().sort((a, b) => a - b)[Math.floor(0.8 * P)] || 1;
    const cell = W / G * (base[1] - base[0]) / (ext[1] - ext[0]);
    ctx.strokeStyle = "#444"; ctx.fillStyle = "#444"; ctx.lineWidth = 1.8; ctx.globalAlpha = 0.7;
    for (let i = 0; i < P; i++) {
      const gx = i % G, gy = Math.floor(i / G);
      const [cx, cy] = toPx([base[0] + (gx + 0.5) * (base[1] - base[0]) / G, base[2] + (gy + 0.5) * (base[3] - base[2]) / G], ext, W, H);
      const m = mags[i];
      if (!(m > 0) || !Number.isFinite(m)) continue;
      const len = 0.9 * cell * Math.tanh(m / ref);
      const ux = src[2 * i] / m, uy = -src[2 * i + 1] / m;
      const ex = cx + ux * len, ey = cy + uy * len;
      ctx.beginPath(); ctx.moveTo(cx - ux * len * 0.1, cy - uy * len * 0.1); ctx.lineTo(ex, ey); ctx.stroke();
      const h = Math.min(10, 0.35 * len);
      ctx.beginPath(); ctx.moveTo(ex, ey);
      ctx.lineTo(ex - ux * h - uy * h * 0.5, ey - uy * h + ux * h * 0.5);
      ctx.lineTo(ex - ux * h + uy * h * 0.5, ey - uy * h - ux * h * 0.5);
      ctx.closePath(); ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  // samples and trajectories; returns {outside: count, dir: [dx, dy], spread, centre}
  function drawSamples(ctx, p, pos, frame, ext, W, H) {
    const [, , N] = p.shape, color = C.colour(S.view.label);
    if (q(".lab-traj").checked && frame > 0) {
      ctx.strokeStyle = color; ctx.globalAlpha = 0.22; ctx.lineWidth = 1.2;
      for (let n = 0; n < N; n += 2) {
        ctx.beginPath();
        for (let f = 0; f <= frame; f++) {
          const [x, y] = toPx(sampleAt(p, pos, f, n), ext, W, H);
          if (f === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        }
        ctx.stroke();
      }
      ctx.globalAlpha = 1;
    }
    const info = { outside: 0, dir: [0, 0], far: 0, pts: [] };
    const data = S.view.extent;
    for (let n = 0; n < N; n++) {
      const pt = sampleAt(p, pos, frame, n);
      info.pts.push(pt);
      const [x, y] = toPx(pt, ext, W, H);
      if (pt[0] < data[0] || pt[0] > data[1] || pt[1] < data[2] || pt[1] > data[3]) info.far += 1;
      if (x < 0 || x > W || y < 0 || y > H || !Number.isFinite(x + y)) {
        info.outside += 1; info.dir[0] += x - W / 2; info.dir[1] += y - H / 2; continue;
      }
      if (!q(".lab-samples").checked) continue;
      ctx.fillStyle = color; ctx.strokeStyle = "white"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    }
    return info;
  }

  // the clean estimates x_hat at the scrubbed frame: x_hat_u -> x_hat_c, extended by w to the guided x_hat
  function xhatAt(p, arr, pos, f, n) {
    const [, F1, M] = p.meta.xhat_shape, s = p.meta.xhat_scale || 1000;
    const a = ((pos[0] * F1 + f) * M + n) * 2, b = ((pos[1] * F1 + f) * M + n) * 2;
    return [lerp(arr[a], arr[b], pos[2]) / s, lerp(arr[a + 1], arr[b + 1], pos[2]) / s];
  }
  function drawXhat(ctx, p, pos, frame, ext, W, H) {
    if (!q(".lab-xhat").checked || !p.xc) return;
    const F1 = p.meta.xhat_shape[1], M = p.meta.xhat_shape[2], color = C.colour(S.view.label);
    if (frame >= F1) { label(ctx, T("lab_xhat_final"), W / 2, H - 70, "#444", 22); return; }
    for (let n = 0; n < M; n++) {
      const c = toPx(xhatAt(p, p.xc, pos, frame, n), ext, W, H), u = toPx(xhatAt(p, p.xu, pos, frame, n), ext, W, H);
      const g = toPx(xhatAt(p, p.xg, pos, frame, n), ext, W, H), z = toPx(sampleAt(p, pos, frame, n), ext, W, H);
      ctx.globalAlpha = 0.8; ctx.lineWidth = 1.5; ctx.strokeStyle = "#999"; ctx.setLineDash([2, 4]);
      ctx.beginPath(); ctx.moveTo(z[0], z[1]); ctx.lineTo(g[0], g[1]); ctx.stroke();
      ctx.setLineDash([6, 4]); ctx.strokeStyle = "#333";
      ctx.beginPath(); ctx.moveTo(u[0], u[1]); ctx.lineTo(c[0], c[1]); ctx.lineTo(g[0], g[1]); ctx.stroke();
      ctx.setLineDash([]); ctx.lineWidth = 2.5;
      ctx.strokeStyle = "#777"; ctx.strokeRect(u[0] - 6, u[1] - 6, 12, 12);
      ctx.strokeStyle = color; ctx.beginPath(); ctx.arc(c[0], c[1], 7, 0, 2 * Math.PI); ctx.stroke();
      ctx.fillStyle = "#111"; ctx.beginPath();
      ctx.moveTo(g[0], g[1] - 9); ctx.lineTo(g[0] + 9, g[1]); ctx.lineTo(g[0], g[1] + 9); ctx.lineTo(g[0] - 9, g[1]); ctx.closePath(); ctx.fill();
    }
    ctx.globalAlpha = 1;
  }

  // SMC's effective sample size per level (at the nearest grid w), noisy to clean, the scrubbed level marked
  function drawEss(ctx, p, pos, frame, W, H) {
    const ess = p.meta.ess[nearest(pos)], F = p.shape[1], x0 = 20, x1 = W - 20, y = H - 46, h = 22;
    const bw = (x1 - x0) / ess.length;
    ctx.fillStyle = "rgba(255,255,255,0.9)"; ctx.fillRect(0, y - 30, W, h + 54);
    ess.forEach((e, i) => {
      ctx.fillStyle = e < 0.5 ? "#d62728" : "#2ca02c";
      ctx.fillRect(x0 + i * bw, y + h * (1 - e), Math.max(1, bw - 1), h * e);
    });
    ctx.strokeStyle = "#555"; ctx.lineWidth = 1; ctx.strokeRect(x0, y, x1 - x0, h);
    ctx.fillStyle = "#222"; ctx.font = `${fz(18, ctx)}px sans-serif`; ctx.textAlign = "left";
    ctx.fillText(`${T("lab_ess")}: ${T("lab_noisy")} → ${T("lab_clean")}`, x0, y - 8);
    const at = x0 + Math.min(frame / (F - 1), 1) * (x1 - x0);
    ctx.strokeStyle = "#111"; ctx.lineWidth = 3;
    ctx.beginPath(); ctx.moveTo(at, y - 4); ctx.lineTo(at, y + h + 4); ctx.stroke();
  }

  // the noise axis under the samples: where the weight schedule guides (shaded), and the scrubbed frame's lambda
  function drawStrip(ctx, p, frame, W, H) {
    const spec = p.meta.spec;
    if (spec.schedule === "constant" || !p.meta.flags.uses_w) return;
    const lams = p.meta.frame_lams.filter((v) => v !== null && v !== undefined);
    const lo = Math.min(...lams), hi = Math.max(...lams), x0 = 20, x1 = W - 20, y = H - 46, h = 22;
    const X = (l) => x0 + (l - lo) / (hi - lo) * (x1 - x0);
    const f = (l) => spec.schedule === "interval" ? (l >= spec.lam_lo && l <= spec.lam_hi ? 1 : 0)
      : Math.min(1, Math.max(0, (l - spec.lam_lo) / (spec.lam_hi - spec.lam_lo)));
    ctx.fillStyle = "rgba(255,255,255,0.9)"; ctx.fillRect(0, y - 30, W, h + 54);
    for (let i = 0; i < 200; i++) {
      const l = lo + (i + 0.5) / 200 * (hi - lo);
      ctx.fillStyle = `rgba(224,123,0,${0.1 + 0.8 * f(l)})`;
      ctx.fillRect(X(lo + i / 200 * (hi - lo)), y, (x1 - x0) / 200 + 0.5, h);
    }
    ctx.strokeStyle = "#555"; ctx.lineWidth = 1; ctx.strokeRect(x0, y, x1 - x0, h);
    ctx.fillStyle = "#222"; ctx.font = `${fz(18, ctx)}px sans-serif`; ctx.textAlign = "left";
    ctx.fillText(`${T("lab_strip")}: ${T("lab_noisy")} λ = ${lo.toFixed(0)}`, x0, y - 8);
    ctx.textAlign = "right"; ctx.fillText(`${T("lab_clean")} λ = ${hi.toFixed(0)}`, x1, y - 8);
    const lam = p.meta.frame_lams[frame];
    if (lam !== null && lam !== undefined) {
      ctx.strokeStyle = "#111"; ctx.lineWidth = 3;
      ctx.beginPath(); ctx.moveTo(X(lam), y - 4); ctx.lineTo(X(lam), y + h + 4); ctx.stroke();
      ctx.textAlign = "center"; ctx.fillText(T("lab_now"), X(lam), y + h + 20);
    }
  }

  function label(ctx, text, x, y, color, size) {
    ctx.font = `bold ${fz(size, ctx)}px sans-serif`; ctx.textAlign = "center";
    ctx.lineWidth = 6; ctx.strokeStyle = "white"; ctx.lineJoin = "round";
    ctx.strokeText(text, x, y); ctx.fillStyle = color; ctx.fillText(text, x, y);
  }

  function drawClassLabels(ctx, ext, W, H) {  // one label per class, at its first component, drawn last
    const seen = new Set();
    S.view.means.forEach((m, k) => {
      const c = S.view.component_class[k];
      const [x, y] = toPx(m, ext, W, H);
      ctx.fillStyle = C.colour(c);
      ctx.beginPath(); ctx.arc(x, y, 4, 0, 2 * Math.PI); ctx.fill();
      if (seen.has(c)) return;
      seen.add(c);
      label(ctx, S.view.class_names[c], x + 26, y - 20, C.colour(c), 34);
    });
  }

  // a lesson's marks on the figure, where the thing is: the guidance arrow, "identical", each mode's share
  function drawLessonMarks(ctx, p, pos, frame, ext, W, H) {
    if (!S.lesson) return;
    const P_ = (k, params) => C.T(k, params, "panel");
    if (annotated("arrow") && q(".lab-field").value !== "off") {  // the longest arrow of the field, named
      const src = fieldValues(p, pos), G = S.view.field_grid, base = S.view.extent;
      let best = -1, bm = 0;
      for (let i = 0; src && i < G * G; i++) {
        const m = Math.hypot(src[2 * i], src[2 * i + 1]);
        const gx = i % G, gy = Math.floor(i / G);
        const pt = [base[0] + (gx + 0.5) * (base[1] - base[0]) / G, base[2] + (gy + 0.5) * (base[3] - base[2]) / G];
        const [x, y] = toPx(pt, ext, W, H);
        if (Number.isFinite(m) && m > bm && x > 0.2 * W && x < 0.8 * W && y > 0.2 * H && y < 0.8 * H) { bm = m; best = i; }
      }
      if (best >= 0) {
        const gx = best % G, gy = Math.floor(best / G);
        const [cx, cy] = toPx([base[0] + (gx + 0.5) * (base[1] - base[0]) / G, base[2] + (gy + 0.5) * (base[3] - base[2]) / G], ext, W, H);
        const ux = src[2 * best] / bm, uy = -src[2 * best + 1] / bm, len = 0.16 * W;
        ctx.strokeStyle = "#e07b00"; ctx.fillStyle = "#e07b00"; ctx.lineWidth = 8;
        ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(cx + ux * len, cy + uy * len); ctx.stroke();
        ctx.beginPath(); ctx.moveTo(cx + ux * (len + 22), cy + uy * (len + 22));
        ctx.lineTo(cx + ux * len - uy * 16, cy + uy * len + ux * 16); ctx.lineTo(cx + ux * len + uy * 16, cy + uy * len - ux * 16);
        ctx.closePath(); ctx.fill();
        ctx.font = `bold ${fz(26, ctx)}px sans-serif`;
        const half = ctx.measureText(P_("arrow_label")).width / 2 + 12;  // the words stay on the canvas
        label(ctx, P_("arrow_label"), Math.min(Math.max(cx + ux * len / 2, half), W - half), cy + uy * len / 2 - 30, "#8a4b00", 26);
      }
    }
    if (annotated("identical") && S.panels.length === 2) {  // the two panels' samples match: say so on both
      const [a, b] = S.panels, N = Math.min(a.shape[2], b.shape[2]), F = a.shape[1] - 1;
      let diff = 0;
      for (let n = 0; n < N; n++) {
        const u = sampleAt(a, pos, F, n), v = sampleAt(b, pos, F, n);
        diff = Math.max(diff, Math.abs(u[0] - v[0]), Math.abs(u[1] - v[1]));
      }
      if (diff < 0.02 * (S.view.extent[1] - S.view.extent[0])) label(ctx, `= ${P_("identical")}`, W / 2, H - 64, "#2e7d32", 34);
    }
    const nums = p.meta.numbers && p.meta.numbers[nearest(pos)];
    if (annotated("mode_shares") && nums && nums.mode_shares) {  // each of the class's modes: its share vs the target's
      const comps = S.view.means.map((m, k) => [m, k]).filter(([, k]) => S.view.component_class[k] === S.view.label);
      comps.forEach(([m], j) => {
        const share = nums.mode_shares[j], target = (nums.target_mode_shares || [])[j];
        if (share === undefined) return;
        const [x, y] = toPx(m, ext, W, H);
        const dy = j % 2 === 0 ? 70 : -56;  // neighbouring modes' labels on opposite sides
        label(ctx, P_("mode_share", { share: Math.round(100 * share), target: target === undefined ? "?" : Math.round(100 * target) }),
          Math.min(Math.max(x, 0.22 * W), 0.78 * W), Math.min(Math.max(y + dy, 90), H - 80), "#111", 26);
      });
    }
  }

  function drawNotes(ctx, info, W, H, N) {
    if (info.outside > 0) {  // how many samples left the canvas, and which way
      const m = Math.hypot(info.dir[0], info.dir[1]) || 1, ux = info.dir[0] / m, uy = info.dir[1] / m;
      const r = 0.42 * Math.min(W, H), ax = W / 2 + ux * r, ay = H / 2 + uy * r;
      ctx.strokeStyle = "#b00020"; ctx.fillStyle = "#b00020"; ctx.lineWidth = 5;
      ctx.beginPath(); ctx.moveTo(ax - ux * 50, ay - uy * 50); ctx.lineTo(ax, ay); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(ax + ux * 14, ay + uy * 14);
      ctx.lineTo(ax - uy * 12, ay + ux * 12); ctx.lineTo(ax + uy * 12, ay - ux * 12); ctx.closePath(); ctx.fill();
      label(ctx, `${info.outside} / ${N} ${T("lab_outside")}`, ax - ux * 110, ay - uy * 110 + 10, "#b00020", 26);
    }
    const inside = info.pts.filter((pt) => Number.isFinite(pt[0] + pt[1]));
    if (inside.length > 1) {  // a collapsed cluster gets a label
      let cx = 0, cy = 0;
      inside.forEach((pt) => { cx += pt[0]; cy += pt[1]; });
      cx /= inside.length; cy /= inside.length;
      let spread = 0;
      inside.forEach((pt) => { spread = Math.max(spread, Math.hypot(pt[0] - cx, pt[1] - cy)); });
      const ext = S.drawExt;
      if (spread < 0.01 * (ext[1] - ext[0])) {
        const [x, y] = toPx([cx, cy], ext, W, H);
        ctx.strokeStyle = "#111"; ctx.lineWidth = 3;
        ctx.beginPath(); ctx.arc(x, y, 16, 0, 2 * Math.PI); ctx.stroke();
        label(ctx, T("lab_allhere", { n: inside.length }), x, y + 48, "#111", 26);
      }
    }
  }

  function numbersRow(p, pos, info) {
    const a = p.meta.numbers[pos[0]], b = p.meta.numbers[pos[1]], t = pos[2];
    const n = {}; Object.keys(a).forEach((k) => {  // numbers, and lists (mode shares) element by element
      n[k] = Array.isArray(a[k]) ? a[k].map((v, i) => lerp(v, b[k][i], t)) : lerp(a[k], b[k], t); });
    const fmt = (x) => (Math.abs(x) >= 1000 ? x.toExponential(1) : x.toFixed(3));
    let rows = `<tr><th>${T("lab_p")}</th><td>${fmt(n.mean_posterior)}</td><th>${T("lab_div")}</th><td>${fmt(n.diversity)}</td></tr>` +
      `<tr><th>${T("lab_swc")}</th><td>${fmt(n.distance_to_class)}</td><th>${T("lab_swt")}</th><td>${fmt(n.distance_to_tilted)}</td></tr>`;
    if (n.precision !== undefined) {  // share of samples inside the 99 % HDR of p(x|c); mode shares when c has several
      const modes = n.mode_shares && n.mode_shares.length > 1 && !p.meta.baseline && p.meta.flags.uses_w;  // vs the tilted target
      const shares = (l) => l.map((v) => v.toFixed(2)).join(" / ");
      rows += `<tr><th>${T("lab_precision")}</th><td${modes ? "" : ' colspan="3"'}>${fmt(n.precision)}</td>` +
        (modes ? `<th>${T("lab_modes")}</th><td>${shares(n.mode_shares)} (${shares(n.target_mode_shares)})</td>` : "") + "</tr>";
    }
    const err = p.meta.field_error;
    rows += err ? `<tr><th>${T("lab_err")} (λ=${S.view.field_lam})</th><td colspan="3">${(100 * lerp(err[pos[0]], err[pos[1]], t)).toFixed(1)} %</td></tr>`
      : `<tr><th>${T("lab_field")}</th><td colspan="3">${T("lab_exact")}</td></tr>`;
    if (p.meta.resampling_events) rows += `<tr><th>${T("lab_resampled")}</th><td colspan="3">${p.meta.resampling_events[nearest(pos)]}</td></tr>`;
    if (info.far > 0) rows += `<tr><th class="flag">${T("lab_far")}</th><td class="flag" colspan="3">${info.far} / ${p.shape[2]}</td></tr>`;
    return rows;
  }

  // the legend as DOM nodes: a class name is user text (a link, a CSV, the editor) and is never parsed as HTML
  function legend(w) {
    const c = S.view.label, color = C.colour(c);
    const items = [[T("lab_lg_class", { name: S.view.class_names[c] }), color], [T("lab_lg_other"), ""]];
    if (q(".lab-tilted").checked) items.push([T("lab_lg_tilted"), "#e07b00"]);
    if (q(".lab-tempered").checked) items.push([T("lab_lg_tempered"), "#8e24aa"]);
    items.push([T("lab_lg_mass"), ""], [T("lab_lg_field", { lam: S.view.field_lam }), ""]);
    if (q(".lab-xhat").checked) items.push([T("lab_lg_xhat"), ""]);
    q(".lab-legend").replaceChildren(...items.map(([text, col]) => {
      const span = document.createElement("span");
      span.textContent = text;
      if (col) span.style.color = col;
      return span;
    }));
  }

  function drawPanel(p, w, pos, frame) {
    const ctx = p.canvas.getContext("2d"), W = p.canvas.width, H = p.canvas.height;
    const F = p.shape[1], ext = S.drawExt, none = !p.meta.flags.uses_w;
    const wi = nearest(pos);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    if (q(".lab-heat").checked) drawHeat(ctx, p, ext, W, H);
    ctx.strokeStyle = "#ddd"; ctx.lineWidth = 1;
    const [ox, oy] = toPx([0, 0], ext, W, H);
    ctx.beginPath(); ctx.moveTo(ox, 0); ctx.lineTo(ox, H); ctx.moveTo(0, oy); ctx.lineTo(W, oy); ctx.stroke();
    drawField(ctx, p, pos, ext, W, H);
    if (q(".lab-class").checked) {
      (S.view.all_contours || []).forEach((lv, k) => {
        if (k !== S.view.label) drawContours(ctx, lv, ext, W, H, C.colour(k), [], 0.3);
      });
      drawContours(ctx, S.view.class_contours, ext, W, H, C.colour(S.view.label), [], 1);
    }
    if (q(".lab-tilted").checked && !none) drawContours(ctx, S.view.tilted_contours[wi], ext, W, H, "#e07b00", [12, 8], 1,
      S.lesson ? 6 : 3);  // a lesson's target: thick enough for a projector
    if (q(".lab-tempered").checked && !none) drawContours(ctx, S.view.tempered_contours[wi], ext, W, H, "#8e24aa", [3, 6], 1);
    const info = drawSamples(ctx, p, pos, frame, ext, W, H);
    drawXhat(ctx, p, pos, frame, ext, W, H);
    drawClassLabels(ctx, ext, W, H);
    drawNotes(ctx, info, W, H, p.shape[2]);
    drawLessonMarks(ctx, p, pos, frame, ext, W, H);
    if (p.meta.ess) drawEss(ctx, p, pos, frame, W, H); else drawStrip(ctx, p, frame, W, H);
    const lam = p.meta.frame_lams[frame];
    const stage = frame === F - 1 ? T("lab_final") : `${T("lab_step")} ${frame + 1}/${F}, λ = ${lam}`;
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(0, 0, W, 50);
    ctx.fillStyle = "#222"; ctx.font = `${fz(26, ctx)}px sans-serif`; ctx.textAlign = "left";
    const name = said(p.meta, "short"), detail = p.meta.flags.uses_base && p.meta.spec.cg_base === "unconditional"
      ? " (p(x), w + 1)" : (p.meta.spec.sampler === "ddpm" && !p.meta.baseline ? " (DDPM)"
        : (p.meta.spec.sampler === "pc" ? ` (PC, K = ${p.meta.spec.corrector_steps})` : ""));
    ctx.font = `bold ${fz(26, ctx)}px sans-serif`;
    ctx.fillText(name + detail, 14, 36);
    const off = ctx.measureText(name + detail).width + 28;
    ctx.font = `${fz(26, ctx)}px sans-serif`;
    ctx.fillText(none ? `${T("lab_nowt")} · ${stage}` : `w = ${C.fmt(w)} (1 + w = ${C.fmt(1 + w)}) · ${stage}`, 14 + off, 36);
    p.table.innerHTML = numbersRow(p, pos, info);
  }

  function draw() {
    if (!S.view) return;
    const t0 = performance.now();
    const w = currentW(), pos = wPos(w);
    const F = S.panels[0].shape[1];
    const frame = Math.min(Math.max(S.frame, 0), F - 1);
    S.drawExt = viewExtent(pos, frame);
    S.panels.forEach((p) => drawPanel(p, w, pos, frame));
    q(".lab-frame").textContent = frame === F - 1 ? T("lab_final") : `${frame + 1}/${F}`;
    const ro = q("#w-readout");
    if (ro) ro.textContent = `w = ${C.fmt(w)}   ·   ${T("lab_scale")} = ${C.fmt(1 + w)}`;
    legend(w);
    drawTradeoff(w);
    S.draws += 1;
    S.w = w;
    S.lastDrawMs = performance.now() - t0;
    root.dataset.draws = String(S.draws);
    root.dataset.w = String(w);
  }

  // ---- the trade-off plot: fidelity against diversity per method over the w grid ----
  function drawTradeoff(w) {  // the selection's panels only; fidelity = precision (share of samples on the data)
    const cv = q("#tradeoff-view canvas");
    const curves = (S.extras && S.extras.tradeoff) || {};
    if (!cv) return;
    const ctx = cv.getContext("2d"), W = cv.width, H = cv.height, L = 90, R = 290, Tp = 44, B = 60;
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
    const names = Object.keys(curves);
    ctx.fillStyle = "#222"; ctx.font = `${fz(20, ctx)}px sans-serif`; ctx.textAlign = "left";
    ctx.fillText(T("lab_tr_title", { max: C.fmt(C.wBounds("w-slider")[1]) }), L, 28);
    if (!names.length) return;
    let fx0 = Infinity, fx1 = -Infinity, dy0 = Infinity, dy1 = 0;  // both axes zoom to the data, with a margin
    names.forEach((m) => {
      curves[m].fidelity.forEach((v) => { fx0 = Math.min(fx0, v); fx1 = Math.max(fx1, v); });
      curves[m].diversity.forEach((v) => { const d = Math.max(v, 1e-3); dy0 = Math.min(dy0, d); dy1 = Math.max(dy1, d); });
    });
    const pad = Math.max(0.01, 0.06 * (fx1 - fx0));
    fx0 = Math.max(0, fx0 - pad); fx1 = Math.min(1, fx1 + pad);
    if (fx1 - fx0 < 0.02) { fx0 = Math.max(0, fx1 - 0.02); fx1 = fx0 + 0.02; }
    const ly0 = Math.log10(dy0) - 0.1, ly1 = Math.log10(dy1) + 0.1;
    const X = (f) => L + (f - fx0) / (fx1 - fx0) * (W - L - R);
    const Y = (d) => H - B - (Math.log10(Math.max(d, 1e-3)) - ly0) / (ly1 - ly0) * (H - B - Tp);
    ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(L, Tp); ctx.lineTo(L, H - B); ctx.lineTo(W - R, H - B); ctx.stroke();
    ctx.fillStyle = "#444"; ctx.font = `${fz(16, ctx)}px sans-serif`; ctx.textAlign = "center";
    const digits = fx1 - fx0 < 0.1 ? 3 : 2;
    for (let k = 0; k <= 4; k++) { const f = fx0 + k * (fx1 - fx0) / 4; ctx.fillText(f.toFixed(digits), X(f), H - B + 20); }
    ctx.fillText(T("lab_tr_x"), (L + W - R) / 2, H - 14);
    ctx.textAlign = "right";
    const decades = Math.floor(ly1) - Math.ceil(ly0) >= 1;  // under two powers of ten in view: 1, 2, 5 x 10^e too
    const marks = decades ? [1] : (ly1 - ly0 > 1 ? [1, 2, 5] : [1, 1.5, 2, 3, 5, 7]);
    for (let e = Math.floor(ly0); e <= Math.ceil(ly1); e++) marks.forEach((m) => {
      const d = m * 10 ** e, l = Math.log10(d);
      if (l >= ly0 && l <= ly1) ctx.fillText(decades ? `10^${e}` : String(+d.toPrecision(2)), L - 6, Y(d) + 5); });
    ctx.save(); ctx.translate(18, (Tp + H - B) / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = "center";
    ctx.fillText(T("lab_tr_y"), 0, 0); ctx.restore();
    const pos = wPos(w);
    const px = (c) => c.fidelity.map((f, i) => [X(f), Y(c.diversity[i])]);
    // a curve within 3 px of one drawn before it (exact CFG and CG are one curve) is drawn thin and dashed on top
    const under = (k) => names.slice(0, k).find((o) => px(curves[o]).every(([x, y], i) => {
      const [a, b] = px(curves[names[k]])[i]; return Math.hypot(x - a, y - b) < 3; }));
    let row = 0;
    names.forEach((m, k) => {
      const c = curves[m], same = under(k), thin = same !== undefined;
      const twin = !thin && names.slice(0, k).some((o) => curves[o].colour === c.colour);  // one method, two panels
      ctx.strokeStyle = c.colour; ctx.fillStyle = c.colour; ctx.lineWidth = thin ? 1.5 : 3;
      ctx.setLineDash(thin ? [8, 6] : (twin ? [16, 6] : []));
      ctx.beginPath();
      px(c).forEach(([x, y], i) => { if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y); });
      ctx.stroke(); ctx.setLineDash([]);
      px(c).forEach(([x, y]) => { ctx.beginPath(); ctx.arc(x, y, thin ? 2 : 3, 0, 2 * Math.PI); ctx.fill(); });
      const fw = lerp(c.fidelity[pos[0]], c.fidelity[pos[1]], pos[2]), dw = lerp(c.diversity[pos[0]], c.diversity[pos[1]], pos[2]);
      ctx.lineWidth = thin ? 2 : 4; ctx.beginPath(); ctx.arc(X(fw), Y(dw), thin ? 7 : 11, 0, 2 * Math.PI); ctx.stroke();
      ctx.textAlign = "left"; ctx.font = `${fz(18, ctx)}px sans-serif`;
      ctx.fillText(`${thin ? "╌" : (twin ? "┅" : "━")} ${said(c, "title")}`, W - R + 20, Tp + 26 * row + 12); row += 1;
      if (thin) {  // the note says why only one curve seems to be there
        ctx.fillStyle = "#777"; ctx.font = `${fz(15, ctx)}px sans-serif`;
        ctx.fillText(T("lab_tr_same", { name: said(curves[same], "title") }), W - R + 38, Tp + 26 * row + 8); row += 1;
      }
    });
  }

  // ---- play, export, keyboard ----
  function stop() { S.playing = false; clearInterval(S.timer); const b = q(".lab-play"); if (b) b.textContent = T("lab_play"); }
  function play() {
    if (!S.view) return;
    const F = S.panels[0].shape[1];
    if (S.frame >= F - 1) S.frame = 0;
    S.playing = true; q(".lab-play").textContent = T("lab_pause");
    S.timer = setInterval(() => {
      S.frame += 1;
      if (S.frame >= F - 1) { S.frame = F - 1; stop(); }
      q(".lab-scrub").value = String(S.frame);
      draw();
    }, 180);
  }

  function downloadPng() {  // the panels with a title, w and the legend, ready for a slide
    if (!S.view) return;
    const cs = S.panels.map((p) => p.canvas), w = currentW(), top = 70, bottom = 60;
    const out = document.createElement("canvas");
    out.width = cs.reduce((a, c) => a + c.width, 0) + 20 * (cs.length - 1); out.height = cs[0].height + top + bottom;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = "#111"; ctx.font = `bold ${fz(30, ctx)}px sans-serif`; ctx.textAlign = "left";
    const title = S.panels.map((p) => said(p.meta, "title")).join("  |  ");
    ctx.fillText(`${title} — ${S.view.mixture}, c = ${S.view.class_names[S.view.label]}, w = ${C.fmt(w)} (1 + w = ${C.fmt(1 + w)})`, 14, 44);
    let x = 0;
    cs.forEach((c) => { ctx.drawImage(c, x, top); x += c.width + 20; });
    ctx.font = `${fz(22, ctx)}px sans-serif`;
    ctx.fillText(Array.from(q(".lab-legend").children).map((e) => e.textContent).join("    "), 14, out.height - 22);
    const a = document.createElement("a");
    a.href = out.toDataURL("image/png");
    a.download = `cfg-lab-${S.view.mixture}-${S.panels.map((p) => p.meta.method).join("-")}-w${C.fmt(w)}.png`;
    a.click();
  }

  function setW(w) {  // move the Gradio slider as if the user dragged it (its own listeners sync the server)
    const el = sliderInput();
    if (!el) return;
    el.value = C.fmt(C.clampW("w-slider", w));
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  C.listen("lab-keys", document, "keydown", (e) => {  // keyboard for presenting (one listener per page)
    const tag = (e.target && e.target.tagName) || "";
    if (/^(TEXTAREA|SELECT)$/.test(tag) || (tag === "INPUT" && e.target.type !== "range") || e.ctrlKey || e.metaKey || e.altKey) return;
    if (!S.view) return;
    const w = currentW(), stepW = w < 1 || (e.key === "ArrowLeft" && w <= 1) ? 0.05 : 0.25;
    if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      e.preventDefault();
      setW(w + (e.key === "ArrowRight" ? stepW : -stepW));
    } else if (e.key === " " && tag !== "INPUT") {
      e.preventDefault(); q(".lab-play").click();
    } else if (e.key === "Enter" && S.lesson && tag !== "BUTTON" && cfgLesson.get(S.lesson).tab === "lab") {
      e.preventDefault();  // presenting: Enter reveals the answer (the figure moves)
      if (cfgLesson.reveal(S.lesson)) { renderLesson(); revealLesson(cfgLesson.get(S.lesson)); }
    } else if (/^[0-9]$/.test(e.key) && tag !== "INPUT") {  // 1-9 and 0 (the tenth)
      const b = document.querySelectorAll("#lessons button")[(parseInt(e.key, 10) + 9) % 10];
      if (b) { e.preventDefault(); b.click(); }
    }
  });

  // Dragging w: the slider's own input events, caught at the document so re-renders do not matter.
  function onSlider(e) {
    if (!e.target || !e.target.closest || !e.target.closest("#w-slider") || !S.view) return;
    const t0 = e.timeStamp;
    draw();
    requestAnimationFrame(() => {
      S.lastLatency = performance.now() - t0;
      S.latencies.push(S.lastLatency);
      if (S.latencies.length > 2000) S.latencies.shift();
    });
  }
  C.listen("lab-input", document, "input", onSlider, true);
  C.subscribe("lab-lesson", "lesson", (key) => {  // the panel's exit button: the full lab again
    if (!key && S.lesson) { S.lessonLeft = S.lesson; setLesson(""); draw(); }
  });
  C.listen("lab-lesson-buttons", document, "click", (e) => {  // a lesson button opens its lesson, even one just left
    const b = e.target.closest && e.target.closest("#lessons button");
    if (!b) return;
    S.lessonLeft = "";
    const i = [...document.querySelectorAll("#lessons button")].indexOf(b), l = (C.config.lessons || [])[i];
    if (l) S.lessonFetch = { key: l.key, files: lessonFromFiles(l.key) };  // at once: gradio's event asks for it later
  }, true);
  C.listen("lab-lesson-files", document, "cfg:lesson-files", (e) => {  // the button's event waits for its files
    const started = S.lessonFetch && S.lessonFetch.key === e.detail.key ? S.lessonFetch.files : null;
    S.lessonFetch = null;
    e.detail.answer(started || lessonFromFiles(e.detail.key));
  });
  let resizeTimer = null;
  C.listen("lab-resize", window, "resize", () => {
    clearTimeout(resizeTimer); resizeTimer = setTimeout(renderLesson, 200);
  });
  C.listen("lab-change", document, "change", onSlider, true);
  C.subscribe("lab-w", "w", (d) => {  // w set by other means (a lesson, a link, the keyboard): the slider's "cfg:w"
    if (d.slider === "w-slider" && S.view && !S.playing && Math.abs(currentW() - S.w) > 1e-9) draw();
  });
  root.addEventListener("click", (e) => {
    if (e.target.closest(".lab-play")) { S.playing ? stop() : play(); }
    else if (e.target.closest(".lab-png")) downloadPng();
  });
  root.addEventListener("input", (e) => {
    if (e.target.closest(".lab-scrub")) { stop(); S.frame = parseInt(e.target.value, 10); draw(); }
  });
  root.addEventListener("change", (e) => { if (e.target.closest(".lab-layer")) draw(); });
  watch("value", load);
  load();
  // A lesson's link (?lesson=<key>, maybe &lang=): drawn from the files at once, as its button would be; the page's
  // load events then set the controls and numbers, and name the same file (kept). A link with other settings waits
  // for its events (its view may differ).
  const link = new URLSearchParams(window.location.search);
  if (!S.view && link.has("lesson") && [...link.keys()].every((k) => k === "lesson" || k === "lang")) {
    const lang = link.get("lang");
    lessonFromFiles(link.get("lesson"), lang && lang in (C.config.words || {}) ? lang : C.lang());
  }
})();
