// The lesson panel, shared by the lab's canvas and MNIST's grids (each renders it beside its figure): the lesson's
// one claim and its source, a question asked before the figure answers (#lesson-question: two to four choices), the
// answer with why (#lesson-answer, shown once a choice is made or Enter is pressed), what to look at
// (#lesson-caption) and a legend of just the marks drawn (#lesson-legend). Terms of the glossary get a hover / tap
// definition at their first use. It knows no method and stores nothing about the student.
// config.lessons (from the server, explainer/lab/lessons.py): key, tab, group, answer, choices, start_w, reveal_w,
// legend, annotate; the words are the catalog's "lessons", "glossary" and "panel" parts.
const cfgLesson = (function (C) {
  const lessons = {};
  (C.config.lessons || []).forEach((l, i) => { lessons[l.key] = { ...l, number: i + 1 }; });
  const L = (key, params) => C.T(key, params, "lessons");
  const P = (key, params) => C.T(key, params, "panel");
  const state = {};  // lesson key -> {chosen, revealed}: forgotten on reload, never sent anywhere
  const SWATCH = {  // legend mark -> its swatch (the canvas draws these marks in these colours)
    samples: (c) => `<i class="ls-dot" style="background:${c}"></i>`,
    target: () => `<i class="ls-line" style="border-top:4px dashed #e07b00"></i>`,
    tempered: () => `<i class="ls-line" style="border-top:4px dotted #8e24aa"></i>`,
    class: (c) => `<i class="ls-line" style="border-top:3px solid ${c}"></i>`,
    others: () => `<i class="ls-line" style="border-top:2px solid #bbb"></i>`,
    arrows: () => `<i class="ls-glyph">→</i>`,
    traj: (c) => `<i class="ls-line" style="border-top:2px solid ${c};opacity:.35"></i>`,
    heatmap: () => `<i class="ls-box"></i>`,
    xhat: (c) => `<i class="ls-dot" style="background:#fff;border:2px solid ${c}"></i>`,
  };

  const get = (key) => lessons[key] || null;
  const capital = (s) => s.replace(/(^|[.!?]\s+)([a-z])/g, (m, a, b) => a + b.toUpperCase());  // "{first}: ..." may start a sentence
  const words = (key, name) => L(`${key}.${name}`);

  // text from the catalog as HTML: escaped, **bold** kept, and each glossary term's first use given its definition
  function rich(text, used) {
    let html = C.esc(text).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>");
    const terms = (C.config.glossary || []).map((t) => [C.T(`${t}.name`, {}, "glossary"), t])
      .filter(([name]) => name && !used.has(name)).sort((a, b) => b[0].length - a[0].length);
    const slots = [];
    terms.forEach(([name, t]) => {
      const at = html.indexOf(C.esc(name));
      // a whole word (Korean particles may follow a term: "가이던스 가중치 w를")
      if (at < 0 || /[\w가-힣]/.test(html[at - 1] || "") || /[a-z0-9]/i.test(html[at + C.esc(name).length] || "")) return;
      used.add(name);
      const def = C.esc(C.T(`${t}.def`, {}, "glossary"));
      slots.push(`<span class="ls-term" tabindex="0" data-def="${def}" title="${def}">${C.esc(name)}</span>`);
      html = html.slice(0, at) + `\u0000${slots.length - 1}\u0000` + html.slice(at + C.esc(name).length);
    });
    return html.replace(/\u0000(\d+)\u0000/g, (m, i) => slots[+i]);
  }

  // render the lesson's panel into el; order: first/second words for two panels (left/right or top/bottom)
  // more: where what to look at and the legend go (beside or under the figure), el when not given
  function render(el, key, { order = ["left", "right"], colour = "#1f77b4", onReveal = null, more = null } = {}) {
    const l = get(key);
    if (more) { more.hidden = !l; more.innerHTML = ""; }
    if (!l) { el.hidden = true; el.innerHTML = ""; return; }
    const st = state[key] || (state[key] = { chosen: null, revealed: false });
    const used = new Set();
    const places = { first: P(`place_${order[0]}`), second: P(`place_${order[1]}`) };
    const group = L(`group.${l.group}`);
    const choices = Array.from({ length: l.choices }, (_, i) => {
      const cls = !st.revealed ? "" : i === l.answer ? " ls-right" : i === st.chosen ? " ls-wrong" : "";
      return `<button type="button" class="ls-choice${cls}" data-i="${i}"${st.revealed ? " disabled" : ""}>` +
        `<b>${String.fromCharCode(65 + i)}</b> ${rich(words(key, `choice${i + 1}`), used)}</button>`;
    }).join("");
    const verdict = st.chosen === null ? P("shown") : st.chosen === l.answer ? P("right") : P("not_quite");
    const legend = (l.legend || []).map((m) =>
      `<li>${(SWATCH[m] || (() => ""))(colour)}<span>${rich(P(`legend_${m}`), used)}</span></li>`).join("");
    el.hidden = false;
    el.innerHTML =
      `<div class="ls-head"><span class="ls-group">${C.esc(group)}</span>` +
      `<button type="button" class="ls-exit" title="${C.esc(P("exit_title"))}">${C.esc(P("exit"))}</button></div>` +
      `<h3 class="ls-title">${C.esc(words(key, "title"))}</h3>` +
      `<div id="lesson-question" class="ls-question"><p class="ls-ask">${C.esc(P("predict"))} ` +
      `${rich(words(key, "question"), used)}</p><div class="ls-choices">${choices}</div>` +
      (st.revealed ? "" : `<p class="ls-keys">${C.esc(P("keys"))}</p>`) + `</div>` +
      // the claim comes with the answer: shown before, it would give the answer away
      `<div id="lesson-answer" class="ls-answer"${st.revealed ? "" : " hidden"}><p class="ls-verdict">` +
      `${C.esc(verdict)}</p><p class="ls-claim">${rich(words(key, "claim"), used)}</p>` +
      `<p>${rich(words(key, "why"), used)}</p>` +
      `<p class="ls-source">${C.esc(P("source"))}: ${C.esc(words(key, "source"))}</p></div>`;
    const below = `<div id="lesson-caption" class="ls-look"><p>${rich(capital(L(`${key}.look`, places)), used)}</p></div>` +
      (legend ? `<ul id="lesson-legend" class="ls-legend">${legend}</ul>` : "");
    if (more) more.innerHTML = below; else el.innerHTML += below;
    el.querySelectorAll(".ls-choice").forEach((b) => b.addEventListener("click", () => {
      reveal(key, parseInt(b.dataset.i, 10));
      render(el, key, { order, colour, onReveal, more });
      if (onReveal) onReveal(l);
    }));
    const exit = el.querySelector(".ls-exit");
    if (exit) exit.addEventListener("click", () => C.publish("lesson", ""));
  }

  function reveal(key, chosen = null) {
    const st = state[key] || (state[key] = { chosen: null, revealed: false });
    if (st.revealed) return false;
    st.chosen = chosen; st.revealed = true;
    return true;
  }
  const revealed = (key) => !!(state[key] && state[key].revealed);
  function reset(key) { delete state[key]; }

  // move a Gradio w slider from its value to `to` over ms, as if dragged (its listeners redraw and sync the server)
  function glide(sliderId, to, ms = 1200) {
    const el = document.querySelector(`#${sliderId} input[type=range]`);
    if (!el || to === null || to === undefined) return;
    const from = C.sliderW(sliderId), t0 = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - t0) / ms), e = t * t * (3 - 2 * t);
      el.value = C.fmt(C.clampW(sliderId, from + (to - from) * e));
      el.dispatchEvent(new Event("input", { bubbles: true }));
      if (t < 1) requestAnimationFrame(step); else el.dispatchEvent(new Event("change", { bubbles: true }));
    };
    requestAnimationFrame(step);
  }

  // the panels' order words: "top"/"bottom" when the second panel sits under the first
  function order(panelEls) {
    if (panelEls.length < 2) return ["left", "right"];
    const a = panelEls[0].getBoundingClientRect(), b = panelEls[1].getBoundingClientRect();
    return b.top >= a.bottom - 4 ? ["top", "bottom"] : ["left", "right"];
  }

  return Object.freeze({ get, render, reveal, revealed, reset, glide, order });
})(cfgCommon);
