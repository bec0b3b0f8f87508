// The canvases' shared module (the 2D lab, Your data, MNIST's grids and sweep). ui/canvas.py puts it, with the
// server's config filled in below, into the head= of every canvas gr.HTML: Gradio adds that to the page's <head>
// before the component's js_on_load runs and skips an inline script already there, so this runs once per page,
// before any canvas script, and they all see the one `cfgCommon`.
// config (from the server): words = the catalog's "canvas" part in every language (explainer/locales/<lang>/
// canvas.json, key "canvas.<key>"), w = each w slider's bounds {id: [min, max]}, palette = the class colours.
// Between canvases only events travel: publish(topic, value) dispatches "cfg:<topic>" on document and keeps the
// value, so a canvas mounted later starts from latest(topic). The language is the topic "lang" (published by the lab,
// which gets it with each view); Gradio's w sliders announce their changes as "cfg:w" (ui/canvas.py announce_w).
const cfgCommon = (function (config) {
  const words = config.words || {};
  const palette = config.palette || ["#1f77b4"];
  const bounds = config.w || {};
  const latestValues = {};
  const listeners = {};  // key -> [target, type, fn, capture]: one listener per key

  // addEventListener that replaces the listener registered earlier under the same key (a canvas mounted again)
  function listen(key, target, type, fn, capture = false) {
    const old = listeners[key];
    if (old) old[0].removeEventListener(old[1], old[2], old[3]);
    listeners[key] = [target, type, fn, capture];
    target.addEventListener(type, fn, capture);
  }
  function publish(topic, value) {  // a new value only: "cfg:<topic>" on document, detail = value
    if (latestValues[topic] === value) return;
    latestValues[topic] = value;
    document.dispatchEvent(new CustomEvent(`cfg:${topic}`, { detail: value }));
  }
  const latest = (topic) => latestValues[topic];
  const subscribe = (key, topic, fn) => listen(key, document, `cfg:${topic}`, (e) => fn(e.detail));

  const lang = () => latestValues.lang || "en";
  // the catalog's words for key in the current language, its {name} placeholders filled (str.format's rules)
  function T(key, params = {}, part = "canvas") {  // part: the catalog part (canvas, panel, lessons, glossary)
    const full = `${part}.${key}`, own = words[lang()] || {}, en = words.en || {};
    const template = full in own ? own[full] : full in en ? en[full] : key;
    return template.replace(/\{\{|\}\}|\{(\w+)\}/g, (m, name) =>
      (m === "{{" ? "{" : m === "}}" ? "}" : name in params ? String(params[name]) : m));
  }
  // a server text in the reader's language: obj[`${key}_ko`] for Korean, else obj[key] ("note", "note_ko", ...)
  const inLang = (obj, key) => obj[`${key}_${lang()}`] || obj[key] || "";
  // text placed in markup is escaped: the page never parses a value it was sent (or a user typed) as HTML
  const esc = (v) => String(v).replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]);
  const fmt = (x) => String(Math.round(x * 100) / 100);  // w and 1 + w on screen: at most two decimals
  const colour = (c) => palette[c % palette.length];

  const wBounds = (id) => bounds[id] || [0, 0];  // [min, max] of the w slider #id
  function clampW(id, w) {  // w inside slider #id's bounds; not a number: the lower bound
    const [lo, hi] = wBounds(id);
    return Number.isFinite(w) ? Math.min(Math.max(w, lo), hi) : lo;
  }
  function sliderW(id) {  // the w of the Gradio slider #id
    const el = document.querySelector(`#${id} input[type=range]`);
    return clampW(id, el ? parseFloat(el.value) : NaN);
  }

  // Test hooks (read by tests/*_browser.py and scripts/bench/*, never by another canvas): window[name] is a canvas's
  // state, a read-only handle replaced when the canvas mounts again.
  function testHook(name, state) {
    Object.defineProperty(window, name, { value: state, configurable: true, writable: false, enumerable: false });
  }

  return Object.freeze({ T, lang, inLang, esc, fmt, colour, palette, wBounds, clampW, sliderW,
    listen, publish, latest, subscribe, testHook, config });
})({} /* CONFIG: the page's config, put here by ui/canvas.py */);
