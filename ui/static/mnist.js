// The MNIST tab in the browser. Runs as gr.HTML js_on_load (`element`, `props`, `watch` come from Gradio) for two
// components: #mnist-view (kind "grids": per method one sprite PNG holding the 4x4 grid of every w of the grid
// W_GRID that is ready, see explainer/mnist/view.py; a grid being sampled shows its latest x_hat, "preview") and
// #mnist-sweep (kind "sweep": the sweep PNG and where its axes lie, so the dashed current-w line is drawn here). Dragging #mnist-w redraws both here, with no server call;
// the grids' component fires its Gradio "submit" event (trigger) to ask the server for the sampling stream only when a
// view says grids are missing (stream = true) or w is released on a grid that is not ready. Words and w's bounds
// come from ui/static/common.js (cfgCommon); the language and the grids' w values arrive as events.
(function () {
  const root = element;
  const C = cfgCommon, T = C.T, inLang = C.inLang, esc = C.esc, fmt = C.fmt;
  const S = { view: null, panels: [], draws: 0, previews: [], latencies: [], loads: 0, k: -1, requested: "" };
  const sweepMode = !!(root.closest && root.closest("#mnist-sweep"));
  const mode = sweepMode ? "sweep" : "grids";
  C.testHook(sweepMode ? "__cfgMnistSweep" : "__cfgMnist", S);
  const box = () => root.querySelector(".mnist-root") || root;
  if (!document.getElementById("mnist-global-css")) {  // outside this component: keep w on screen on phones
    const style = document.createElement("style");
    style.id = "mnist-global-css";
    style.textContent = `@media (max-width: 760px) { .mnist-main > .form:has(#mnist-w), .mnist-main > #mnist-w {
      position: sticky; top: 0; z-index: 60; background: var(--background-fill-primary, #fff);
      box-shadow: 0 2px 6px rgba(0,0,0,.15); } }`;
    document.head.appendChild(style);
  }
  const structureOf = (v) => v.panels.map((p) => p.method).join("|") + "/" + v.label + "/" + v.seed;

  const currentW = () => C.sliderW("mnist-w");
  function nearestIndex(w, grid) {  // the grid's w closest to the slider: what the tab shows
    let best = 0;
    grid.forEach((g, i) => { if (Math.abs(g - w) < Math.abs(grid[best] - w)) best = i; });
    return best;
  }

  // ---- the grids ----
  function decode(b64) {
    const img = new Image();
    img.src = "data:image/png;base64," + b64;
    return img.decode().then(() => img, () => img);
  }

  function build(v) {  // the DOM for these panels (kept across updates of the same selection)
    const el = box();
    el.innerHTML = `<p class="mn-note"></p><div class="mn-main"><div class="mn-panels"></div>
      <div class="mn-table-box"><table class="mn-table"></table><p class="mn-foot">${T("mnist_foot")}</p></div></div>`;
    const panels = el.querySelector(".mn-panels"), C = v.panels.length ? v.panels[0].cell : 122;
    v.panels.forEach(() => {
      const div = document.createElement("div");
      div.className = "mn-panel";
      const small = v.small_ws.map((sw) => `<figure><canvas class="mn-small" width="${C}" height="${C}"></canvas>
        <figcaption>w = ${fmt(sw)}</figcaption></figure>`).join("");
      div.innerHTML = `<div class="mn-title"></div><canvas class="mn-big" width="${3 * C}" height="${3 * C}"></canvas>
        <div class="mn-small-row">${small}</div>`;
      panels.appendChild(div);
    });
    S.structure = structureOf(v);
  }

  function placeholder(ctx, text, W, H) {
    ctx.fillStyle = "#ececec"; ctx.fillRect(0, 0, W, H);
    if (!text) return;
    ctx.fillStyle = "#333"; ctx.font = `${Math.round(W / 15)}px system-ui, sans-serif`; ctx.textAlign = "center";
    text.split("\n").forEach((line, i, all) => ctx.fillText(line, W / 2, H / 2 + (i - (all.length - 1) / 2) * W / 12));
  }

  function cell(ctx, p, k, W, H) {  // grid k of the panel's sprite, pixels kept sharp
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(p.img, 0, k * p.meta.cell, p.meta.cell, p.meta.cell, 0, 0, W, H);
  }

  function preview(ctx, p, W, H) {  // a grid being sampled: its latest x_hat, and how far the sampler is
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(p.prev, 0, 0, p.meta.cell, p.meta.cell, 0, 0, W, H);
    const [step, steps] = p.meta.preview_step, band = Math.round(W / 7.5);
    if (S.previews[S.previews.length - 1] !== `${p.meta.method}@${step}`) S.previews.push(`${p.meta.method}@${step}`);
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(0, 0, W, band);
    ctx.fillStyle = "#4a90d9"; ctx.fillRect(0, band - 4, W * step / steps, 4);
    ctx.fillStyle = "#222"; ctx.textAlign = "center";
    ctx.font = `${Math.round(W / 19)}px system-ui, sans-serif`;
    ctx.fillText(inLang(p.meta, "pending"), W / 2, band * 0.42);
    ctx.font = `${Math.round(W / 24)}px system-ui, sans-serif`;
    ctx.fillText(T("mnist_preview", { k: step, n: steps }), W / 2, band * 0.8);
  }

  function drawPanel(div, p, k) {
    const v = S.view, gw = v.w_grid[k], big = div.querySelector(".mn-big"), ctx = big.getContext("2d");
    const W = big.width, H = big.height;
    div.querySelector(".mn-title").innerHTML =
      `<span class="mn-dot" style="background:${esc(p.meta.colour)}"></span><b>${esc(inLang(p.meta, "short"))}</b> · w = ${fmt(gw)}` +
      ` <span class="mn-scale">(guidance_scale ${fmt(1 + gw)})</span>` +
      (p.meta.sampler ? ` <span class="mn-scale">· ${esc(inLang(p.meta, "sampler"))}</span>` : "");  // not the tab's usual
    div.title = inLang(p.meta, "title");
    if (p.meta.ready[k]) cell(ctx, p, k, W, H);
    else if (p.meta.pending && p.prev) preview(ctx, p, W, H);
    else if (p.meta.pending) placeholder(ctx, inLang(p.meta, "pending"), W, H);
    else {
      const ready = p.meta.ready.map((r, i) => (r ? i : -1)).filter((i) => i >= 0);
      placeholder(ctx, "", W, H);
      if (ready.length) {
        const j = ready.reduce((a, b) => (Math.abs(v.w_grid[b] - gw) < Math.abs(v.w_grid[a] - gw) ? b : a));
        ctx.globalAlpha = 0.25; cell(ctx, p, j, W, H); ctx.globalAlpha = 1;
      }
      ctx.fillStyle = "rgba(255,255,255,0.75)"; ctx.fillRect(0, H / 2 - W / 9, W, W / 4.5);
      ctx.fillStyle = "#222"; ctx.font = `${Math.round(W / 16)}px system-ui, sans-serif`; ctx.textAlign = "center";
      ctx.fillText(T("mnist_release", { w: fmt(gw) }), W / 2, H / 2 + W / 50);
    }
    div.querySelectorAll(".mn-small-row figure").forEach((fig, i) => {
      const j = v.w_grid.indexOf(v.small_ws[i]), c = fig.querySelector("canvas"), sctx = c.getContext("2d");
      if (j >= 0 && p.meta.ready[j]) cell(sctx, p, j, c.width, c.height); else placeholder(sctx, "…", c.width, c.height);
      fig.classList.toggle("mn-current", j === k);
    });
  }

  function drawTable(k) {
    const v = S.view, t = box().querySelector(".mn-table");
    if (!t) return;
    const head = `<tr><th>w = ${fmt(v.w_grid[k])}</th>` + S.panels.map((p) =>
      `<th style="color:${esc(p.meta.colour)}">${esc(inLang(p.meta, "short"))}</th>`).join("") + "</tr>";
    const rows = [[T("mnist_guide"), 0, (x) => x.toFixed(3)], [T("mnist_judge"), 1, (x) => x.toFixed(3)],
      [T("mnist_judged", { d: v.label }), 2, (x) => `${Math.round(100 * x)} %`]];
    t.innerHTML = head + rows.map(([name, i, f]) => `<tr><th>${name}</th>` + S.panels.map((p) => {
      const c = p.meta.conf[k];
      return `<td>${c ? f(c[i]) : "…"}</td>`;
    }).join("") + "</tr>").join("");
  }

  function drawGrids() {
    if (!S.view) return;
    const k = nearestIndex(currentW(), S.view.w_grid);
    const divs = box().querySelectorAll(".mn-panel");
    S.panels.forEach((p, i) => { if (divs[i]) drawPanel(divs[i], p, k); });
    drawTable(k);
    const note = box().querySelector(".mn-note");
    if (note) { note.textContent = inLang(S.view, "note"); note.style.display = S.view.note ? "" : "none"; }
    S.k = k; S.draws += 1;
  }

  function loadGrids(v) {
    // "now" views answer a new selection at once; "stream" views complete one. A stream finishing for an older
    // selection (the user moved on meanwhile) is dropped.
    if (v.source === "now") S.want = structureOf(v);
    else if (S.want && structureOf(v) !== S.want) return;
    const n = ++S.loads;
    const images = (p) => Promise.all([decode(p.sprite), p.preview ? decode(p.preview) : null]);
    Promise.all(v.panels.map(images)).then((imgs) => {
      if (n !== S.loads) return;  // a newer view arrived meanwhile
      if (structureOf(v) !== S.structure || !box().querySelector(".mn-panel")) build(v);
      S.view = v; S.requested = "";
      if (String(v.w_grid) !== String(C.latest("mnist-grid"))) C.publish("mnist-grid", v.w_grid);  // for the sweep
      S.panels = v.panels.map((p, i) => ({ meta: p, img: imgs[i][0], prev: imgs[i][1] }));
      drawGrids();
      if (v.stream) { S.requested = `${S.structure}@stream`; askServer(); }  // sample what is missing
    });
  }

  function needsServer() {  // the slider's w is not ready in some panel that is not already being sampled
    if (!S.view) return false;
    const k = nearestIndex(currentW(), S.view.w_grid);
    return S.panels.some((p) => !p.meta.ready[k] && !p.meta.pending) ? `${S.structure}@${k}` : false;
  }

  function askServer() { trigger("submit"); }  // the server streams what this selection lacks (app.py)

  function resample() {  // on release: ask the server only for a w that is not ready
    const key = needsServer();
    if (!key || key === S.requested) return;
    S.requested = key;
    askServer();
  }

  // ---- the sweep ----
  function loadSweep(v) {  // the PNG has lines and numbers only; every word is written here, in the reader's language
    const at = (b) => `left:${100 * b.x0}%;width:${100 * (b.x1 - b.x0)}%;top:${100 * b.top}%;height:${100 * (b.bottom - b.top)}%`;
    const size = (k) => (v.font && v.font[k] ? `font-size:${100 * v.font[k]}cqw;` : "");
    const texts = [];
    if (v.title_box) texts.push(`<div class="mn-stext mn-stitle" data-key="title" style="${at(v.title_box)};${size("suptitle")}"></div>`);
    v.axes.forEach((a, i) => {
      if (a.title_box) texts.push(`<div class="mn-stext" data-axes="${i}" style="${at(a.title_box)};${size("title")}"></div>`);
      if (a.xlabel_box) texts.push(`<div class="mn-stext" data-key="xlabel" style="${at(a.xlabel_box)};${size("label")}"></div>`);
    });
    const legend = v.legend_box && v.legend ? `<div class="mn-slegend" style="${at(v.legend_box)};${size("legend")}">` +
      v.legend.map((e, i) => `<div><span class="mn-swatch" style="border-top:3px ${e.dashed ? "dashed" : "solid"} ` +
        `${esc(e.colour)}"></span><span data-legend="${i}"></span></div>`).join("") + "</div>" : "";
    box().innerHTML = `<div class="mn-sweep"><img alt="MNIST sweep curves" src="data:image/png;base64,${v.png}">` +
      texts.join("") + legend + v.axes.map(() => '<div class="mn-wline"></div>').join("") + "</div>";
    S.view = v;
    writeSweepWords();
    drawSweep();
  }

  function writeSweepWords() {  // the sweep's words in the current language (again after the language switch)
    const v = S.view, el = box();
    el.querySelectorAll(".mn-stext[data-key]").forEach((d) => { d.textContent = inLang(v, d.dataset.key); });
    el.querySelectorAll(".mn-stext[data-axes]").forEach((d) => { d.textContent = inLang(v.axes[+d.dataset.axes], "title"); });
    el.querySelectorAll("[data-legend]").forEach((d) => { d.textContent = inLang(v.legend[+d.dataset.legend], "label"); });
    const img = el.querySelector(".mn-sweep img");
    if (img) img.alt = inLang(v, "title");
  }

  function drawSweep() {
    if (!S.view) return;
    const w = currentW(), grid = C.latest("mnist-grid") || null;  // the grids' w values, once they are shown
    const shown = grid ? grid[nearestIndex(w, grid)] : w;
    box().querySelectorAll(".mn-wline").forEach((line, i) => {
      const a = S.view.axes[i], f = (shown - a.xlim[0]) / (a.xlim[1] - a.xlim[0]);
      line.style.left = `${100 * (a.x0 + f * (a.x1 - a.x0))}%`;
      line.style.top = `${100 * a.top}%`;
      line.style.height = `${100 * (a.bottom - a.top)}%`;
    });
    S.draws += 1;
  }

  function load() {
    let v = null;
    try { v = props.value ? JSON.parse(props.value) : null; } catch (e) { v = null; }
    if (!v) { S.view = null; box().innerHTML = ""; return; }
    if (v.kind === "sweep") loadSweep(v); else if (v.kind === "grids") loadGrids(v);
  }

  // Dragging w: the slider's own events, caught at the document so Gradio's re-renders do not matter.
  function onInput(e) {
    if (!e.target || !e.target.closest || !e.target.closest("#mnist-w") || !S.view) return;
    const t0 = e.timeStamp;
    if (sweepMode) drawSweep(); else drawGrids();
    requestAnimationFrame(() => {
      S.latencies.push(performance.now() - t0);
      if (S.latencies.length > 2000) S.latencies.shift();
    });
  }
  function onRelease(e) {
    onInput(e);
    if (!sweepMode && e.target.closest && e.target.closest("#mnist-w")) setTimeout(resample, 30);
  }
  C.listen(`mnist-${mode}-input`, document, "input", onInput, true);
  C.listen(`mnist-${mode}-change`, document, "change", onRelease, true);
  C.subscribe(`mnist-${mode}-w`, "w", (d) => {  // w set by other means: the slider's "cfg:w"
    if (d.slider !== "mnist-w" || !S.view) return;
    if (sweepMode) drawSweep(); else if (nearestIndex(currentW(), S.view.w_grid) !== S.k) drawGrids();
  });
  C.subscribe(`mnist-${mode}-lang`, "lang", () => {  // the language switch: the words drawn here
    if (!S.view) return;
    if (sweepMode) { writeSweepWords(); return; }
    const foot = box().querySelector(".mn-foot");
    if (foot) foot.innerHTML = T("mnist_foot");
    drawGrids();
  });
  if (sweepMode) C.subscribe("mnist-sweep-grid", "mnist-grid", drawSweep);

  // ---- the MNIST lesson: its panel beside the grids, the tab's controls folded away, its w set where the guide and
  // the judge disagree; Enter or a choice reveals (w glides); the arrow keys move this tab's w ----
  function lessonPanel() {
    let el = root.querySelector(".mn-lesson");
    if (!el) {
      el = document.createElement("aside");
      el.className = "mn-lesson lab-lesson";
      root.insertBefore(el, root.firstChild);
    }
    return el;
  }
  function showLesson(key) {
    const l = key ? cfgLesson.get(key) : null, on = !!(l && l.tab === "mnist");
    document.documentElement.classList.toggle("cfg-lesson-mnist", on);
    root.classList.toggle("mn-with-lesson", on);
    const el = lessonPanel();
    if (!on) { el.hidden = true; el.innerHTML = ""; S.lesson = ""; return; }
    if (S.lesson !== key) {
      S.lesson = key;
      cfgLesson.reset(key);
      if (l.start_w !== null && l.start_w !== undefined) cfgLesson.glide("mnist-w", l.start_w, 300);
    }
    cfgLesson.render(el, key, { order: ["left", "right"], colour: "#1f77b4",
      onReveal: (les) => cfgLesson.glide("mnist-w", les.reveal_w) });
  }
  if (!sweepMode) {
    C.subscribe("mnist-lesson", "lesson", showLesson);
    C.subscribe("mnist-lesson-lang", "lang", () => { if (S.lesson) showLesson(S.lesson); });
    C.listen("mnist-lesson-keys", document, "keydown", (e) => {
      if (!S.lesson || (e.target && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(e.target.tagName))) return;
      if (e.key === "Enter" && cfgLesson.reveal(S.lesson)) {
        e.preventDefault();
        const l = cfgLesson.get(S.lesson);
        showLesson(S.lesson);
        cfgLesson.glide("mnist-w", l.reveal_w);
      } else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        e.preventDefault(); e.stopImmediatePropagation();  // this tab's w, not the lab's
        cfgLesson.glide("mnist-w", currentW() + (e.key === "ArrowRight" ? 0.25 : -0.25), 120);
      }
    }, true);
    if (C.latest("lesson")) showLesson(C.latest("lesson"));
  }
  watch("value", load);
  load();
})();
