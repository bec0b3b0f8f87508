// The static site's own script (ui/static_site.py builds the site): what the app's server does on a lesson click,
// done here. A lesson's view arrives once by a script tag (views/<key>.js calls cfgStatic.arrive; file:// pages may
// load scripts but not fetch), then the lab canvas (lab.js, unchanged) gets it as Gradio would give it: props.value,
// with the lesson's hints (language, layers) and its w on the slider. The page knows no method; cfgSite (in
// index.html) holds the lessons' keys and titles and the page's words in each language.
const cfgStatic = (function (C, site) {
  const props = { value: "" }, watchers = [], views = {}, waiting = {};
  const $ = (sel) => document.querySelector(sel);
  const params = new URLSearchParams(location.search);
  let lang = params.get("lang") in site.words ? params.get("lang") : (navigator.language || "").startsWith("ko") ? "ko" : "en";
  let current = "";

  const say = (key) => (site.words[lang] || site.words.en)[key] || "";
  const inline = (text) => C.esc(text).replace(/\*\*(.+?)\*\*/g, "<b>$1</b>");

  function setW(w) {  // the slider as the app's Gradio slider would be moved: input for the canvas, cfg:w for the rest
    const el = $("#w-slider input[type=range]");
    el.value = C.fmt(C.clampW("w-slider", w));
    el.dispatchEvent(new Event("input", { bubbles: true }));
    showW();
  }
  function showW() {
    const w = C.sliderW("w-slider");
    $("#w-number").textContent = `${C.fmt(w)}  (1 + w = ${C.fmt(1 + w)})`;
    document.dispatchEvent(new CustomEvent("cfg:w", { detail: { slider: "w-slider", w } }));
  }

  function show(key) {  // the lesson's view, in the current language, to the canvas
    const v = views[key];
    const hints = { ...(v.extras.hints || {}), lang, lesson: key };
    props.value = JSON.stringify({ ...v, extras: { ...v.extras, hints } });
    watchers.forEach((fn) => fn());
  }

  function open(key) {
    const meta = site.lessons.find((l) => l.key === key);
    if (!meta) return;
    document.querySelectorAll("#lessons button").forEach((b) => b.classList.toggle("selected", b.dataset.key === key));
    if (!meta.lab) { note(say("static_needs_app")); return; }
    current = key;
    note("");
    const go = () => { if (current !== key) return; setW(views[key].w); show(key); };
    if (views[key]) return go();
    note(say("static_loading"));
    waiting[key] = go;
    if (!document.querySelector(`script[data-view="${key}"]`)) {
      const s = document.createElement("script");
      s.src = `views/${key}.js`;
      s.dataset.view = key;
      document.body.appendChild(s);
    }
  }
  function arrive(key, view) {  // called by views/<key>.js
    views[key] = view;
    note("");
    if (waiting[key]) { const go = waiting[key]; delete waiting[key]; go(); }
  }

  function note(text) {
    const el = $("#site-note");
    el.innerHTML = text ? inline(text) : inline(say("static_intro"));
    el.classList.toggle("site-warn", !!text && text !== say("static_intro"));
  }
  function relabel() {  // the shell's words; the canvas and the lesson panel follow the view's hints
    document.documentElement.lang = lang;
    document.title = say("page_title");
    $("#app-title").textContent = say("page_title");
    $(".site-w-label").textContent = say("w");
    document.querySelectorAll("#lessons button").forEach((b) => {
      const l = site.lessons.find((x) => x.key === b.dataset.key);
      b.textContent = l.titles[lang] || l.titles.en;
    });
    document.querySelectorAll("#lang-switch input").forEach((r) => { r.checked = r.value === lang; });
    note("");
  }

  document.addEventListener("DOMContentLoaded", () => {
    relabel();
    $("#lessons").addEventListener("click", (e) => {
      const b = e.target.closest("button[data-key]");
      if (b) open(b.dataset.key);
    });
    $("#lang-switch").addEventListener("change", (e) => {
      lang = e.target.value;
      relabel();
      if (current && views[current]) show(current);
    });
    $("#w-slider input[type=range]").addEventListener("input", showW);
    const first = site.lessons.find((l) => l.key === params.get("lesson")) || site.lessons.find((l) => l.lab);
    open(first.key);
  });

  return Object.freeze({ props, watch: (name, fn) => watchers.push(fn), arrive, open,
    get element() { return document.getElementById("toy-view"); } });
})(cfgCommon, cfgSite);
