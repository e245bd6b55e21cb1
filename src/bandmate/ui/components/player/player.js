// Bandmate player component (see index.html). State lives here; Python gets only the region.
"use strict";
const $ = (id) => document.getElementById(id);
const send = (type, data) => window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type }, data), "*");
const fmt = (t) => { t = Math.max(0, t); const m = Math.floor(t / 60); return `${m}:${(t - 60 * m).toFixed(1).padStart(4, "0")}`; };
const dbToGain = (db) => Math.pow(10, db / 20);

const S = { id: "", mode: "mix", tracks: [], buffers: [], ctx: null, sources: [], gains: [], playing: false,
            startedAt: 0, offset: 0, duration: 0, region: null, peaks: null, timeline: null, key: "",
            strip: {}, abSide: "A", drag: null, raf: 0 };
const channel = "BroadcastChannel" in window ? new BroadcastChannel("bandmate-audio") : null;
if (channel) channel.onmessage = (e) => { if (e.data && e.data.playing && e.data.playing !== S.id) pause(); };

function audioCtx() { if (!S.ctx) S.ctx = new (window.AudioContext || window.webkitAudioContext)(); return S.ctx; }
const cache = new Map(); // url -> Promise<AudioBuffer>
function load(url) {
  if (!cache.has(url)) cache.set(url, fetch(url).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.arrayBuffer(); })
    .then((b) => audioCtx().decodeAudioData(b)));
  return cache.get(url);
}

function now() { return S.playing ? S.offset + (audioCtx().currentTime - S.startedAt) : S.offset; }
function trackGain(i) {
  const t = S.tracks[i]; const base = dbToGain(t.gain_db || 0);
  if (S.mode === "ab") return (i === 0) === (S.abSide === "A") ? base : 0;
  if (S.mode !== "stems") return base;
  const st = S.strip[t.name] || {}; const anySolo = Object.values(S.strip).some((x) => x.solo);
  if (st.mute || (anySolo && !st.solo)) return 0;
  return base * dbToGain(st.level_db || 0);
}
function applyGains() { S.gains.forEach((g, i) => g.gain.setTargetAtTime(trackGain(i), audioCtx().currentTime, 0.01)); }

function play() {
  if (!S.buffers.length || S.playing) return;
  const ctx = audioCtx(); ctx.resume();
  let from = S.offset, until = S.duration;
  if (S.region) { if (from < S.region[0] || from >= S.region[1]) from = S.region[0]; until = S.region[1]; }
  if (from >= S.duration - 0.01) from = 0;
  S.sources = []; S.gains = [];
  const when = ctx.currentTime + 0.03;
  S.buffers.forEach((buf, i) => {
    const src = ctx.createBufferSource(); src.buffer = buf;
    const g = ctx.createGain(); g.gain.value = trackGain(i);
    src.connect(g).connect(ctx.destination); src.start(when, from, Math.max(0, until - from));
    S.sources.push(src); S.gains.push(g);
  });
  S.sources[0].onended = () => { if (S.playing) { S.playing = false; S.offset = S.region ? S.region[0] : 0; ui(); } };
  S.startedAt = when; S.offset = from; S.playing = true;
  if (channel) channel.postMessage({ playing: S.id });
  ui(); tick();
}
function pause() {
  if (!S.playing) return;
  const t = now(); S.playing = false;
  S.sources.forEach((s) => { s.onended = null; try { s.stop(); } catch (e) { /* already stopped */ } });
  S.sources = []; S.offset = Math.min(t, S.duration); ui();
}
function seek(t) { const was = S.playing; pause(); S.offset = Math.max(0, Math.min(S.duration, t)); if (was) play(); else ui(); }
function tick() { cancelAnimationFrame(S.raf); if (!S.playing) return; draw(); S.raf = requestAnimationFrame(tick); }

function setRegion(r, tell = true) {
  S.region = r && r[1] - r[0] >= 0.05 ? [Math.max(0, r[0]), Math.min(S.duration, r[1])] : null;
  ui();
  if (tell) send("streamlit:setComponentValue", { value: { region: S.region && S.region.map((x) => Math.round(x * 100) / 100) }, dataType: "json" });
}

// ---- drawing --------------------------------------------------------------------------------------
function computePeaks(width) {
  const n = Math.max(50, Math.floor(width)); const out = new Float32Array(n * 2);
  S.buffers.forEach((buf) => {
    const per = buf.length / n;
    for (let c = 0; c < buf.numberOfChannels; c++) {
      const d = buf.getChannelData(c);
      for (let i = 0; i < n; i++) {
        let lo = 0, hi = 0; const a = Math.floor(i * per), b = Math.min(d.length, Math.floor((i + 1) * per));
        for (let j = a; j < b; j += 4) { const v = d[j]; if (v < lo) lo = v; if (v > hi) hi = v; }
        out[2 * i] = Math.min(out[2 * i], lo); out[2 * i + 1] = Math.max(out[2 * i + 1], hi);
      }
    }
  });
  return out;
}
function sizeCanvas(cv) { const r = window.devicePixelRatio || 1; const w = cv.clientWidth, h = cv.clientHeight;
  if (cv.width !== Math.round(w * r)) { cv.width = Math.round(w * r); cv.height = Math.round(h * r); }
  const g = cv.getContext("2d"); g.setTransform(r, 0, 0, r, 0, 0); return [g, w, h]; }
function draw() {
  const [g, w, h] = sizeCanvas($("wave"));
  g.clearRect(0, 0, w, h);
  const x = (t) => (t / (S.duration || 1)) * w;
  if (S.timeline) { g.strokeStyle = "#22262f"; S.timeline.downbeats.forEach((b) => { g.beginPath(); g.moveTo(x(b), 0); g.lineTo(x(b), h); g.stroke(); }); }
  if (!S.peaks || S.peaks.length !== 2 * Math.max(50, Math.floor(w))) S.peaks = S.buffers.length ? computePeaks(w) : null;
  if (S.peaks) {
    let m = 1e-6; for (let i = 0; i < S.peaks.length; i++) m = Math.max(m, Math.abs(S.peaks[i]));
    const n = S.peaks.length / 2, mid = h / 2, sc = (h / 2 - 4) / m, p = now();
    for (let i = 0; i < n; i++) {
      g.fillStyle = (i / n) * S.duration <= p ? "#8fd6cf" : "#4f9a9a";
      const lo = S.peaks[2 * i] * sc, hi = S.peaks[2 * i + 1] * sc;
      g.fillRect((i / n) * w, mid - hi, Math.max(1, w / n - 0.3), Math.max(1, hi - lo));
    }
  }
  if (S.region) { g.fillStyle = "rgba(242,160,61,0.22)"; g.fillRect(x(S.region[0]), 0, x(S.region[1]) - x(S.region[0]), h);
    g.fillStyle = "#f2a03d"; g.fillRect(x(S.region[0]), 0, 2, h); g.fillRect(x(S.region[1]) - 2, 0, 2, h); }
  g.fillStyle = "#f5f1e8"; g.fillRect(x(now()) - 1, 0, 2, h);
  $("time").textContent = `${fmt(now())} / ${fmt(S.duration)}`;
  $("wave").setAttribute("aria-valuenow", now().toFixed(1));
}
function drawLanes() {
  const cv = $("lanes"); const tl = S.timeline;
  if (!tl) { cv.style.display = "none"; return; }
  cv.style.display = "block";
  const [g, w, h] = sizeCanvas(cv); g.clearRect(0, 0, w, h);
  const x = (t) => (t / (S.duration || 1)) * w;
  g.font = "11px system-ui, sans-serif"; g.textBaseline = "middle";
  const lane = (y, lh, spans, fill) => spans.forEach(([a, b, label], i) => {
    g.fillStyle = fill(i); g.fillRect(x(a) + 1, y, Math.max(1, x(b) - x(a) - 2), lh);
    g.fillStyle = "#e8e6df"; const tw = x(b) - x(a) - 6; if (tw > 12) { g.save(); g.beginPath(); g.rect(x(a), y, x(b) - x(a), lh); g.clip(); g.fillText(label, x(a) + 4, y + lh / 2); g.restore(); }
  });
  const hasSec = tl.sections.length > 0;
  if (hasSec) lane(0, 16, tl.sections, (i) => (i % 2 ? "#3a3350" : "#4a3f66"));
  lane(hasSec ? 18 : 2, 18, tl.chords, (i) => (i % 2 ? "#2c3b45" : "#34505a"));
  const by = hasSec ? 40 : 24;
  g.strokeStyle = "#6b7280"; tl.beats.forEach((b) => { g.beginPath(); g.moveTo(x(b), by); g.lineTo(x(b), by + 5); g.stroke(); });
  g.fillStyle = "#c9c4b8"; tl.downbeats.forEach((b, i) => { g.fillRect(x(b), by, 1.5, 12); if (x((tl.downbeats[i + 1] || S.duration)) - x(b) > 14) g.fillText(String(i + 1), x(b) + 3, by + 12); });
  const chords = tl.chords.map((c) => c[2]).join(" | ");
  $("lanetext").textContent = `${tl.key || ""} ${tl.tempo_bpm ? tl.tempo_bpm + " BPM" : ""}; chords: ${chords}; ${tl.downbeats.length} bars`;
}

function ui() {
  $("play").textContent = S.playing ? "❚❚" : "▶";
  $("play").setAttribute("aria-label", S.playing ? "Pause" : "Play");
  $("clear").hidden = !S.region;
  $("regiontext").textContent = S.region ? `region ${S.region[0].toFixed(2)}–${S.region[1].toFixed(2)} s` : "";
  $("btnA").setAttribute("aria-pressed", String(S.abSide === "A")); $("btnB").setAttribute("aria-pressed", String(S.abSide === "B"));
  draw();
}

function buildMixer() {
  const box = $("mixer"); box.innerHTML = "";
  if (S.mode !== "stems") return;
  S.tracks.forEach((t) => {
    const st = (S.strip[t.name] = S.strip[t.name] || { mute: false, solo: false, level_db: 0 });
    const name = document.createElement("span"); name.className = "name"; name.textContent = t.name;
    const mk = (label, key) => { const b = document.createElement("button"); b.className = "small"; b.textContent = label[0];
      b.setAttribute("aria-label", `${label} ${t.name}`); b.title = `${label} ${t.name}`; b.setAttribute("aria-pressed", String(st[key]));
      b.onclick = () => { st[key] = !st[key]; b.setAttribute("aria-pressed", String(st[key])); applyGains(); }; return b; };
    const lvl = document.createElement("input"); lvl.type = "range"; lvl.min = -24; lvl.max = 6; lvl.step = 0.5; lvl.value = st.level_db;
    lvl.setAttribute("aria-label", `${t.name} level in dB`);
    const db = document.createElement("span"); db.className = "db"; db.textContent = `${st.level_db.toFixed(1)} dB`;
    lvl.oninput = () => { st.level_db = parseFloat(lvl.value); db.textContent = `${st.level_db.toFixed(1)} dB`; applyGains(); };
    box.append(name, mk("Mute", "mute"), mk("Solo", "solo"), lvl, db);
  });
}

// ---- input ----------------------------------------------------------------------------------------
const tAt = (ev) => { const r = $("wave").getBoundingClientRect(); return ((ev.clientX - r.left) / r.width) * S.duration; };
$("wave").addEventListener("pointerdown", (ev) => { S.drag = { t0: tAt(ev), moved: false }; $("wave").setPointerCapture(ev.pointerId); });
$("wave").addEventListener("pointermove", (ev) => { if (!S.drag) return; const t = tAt(ev);
  if (Math.abs(t - S.drag.t0) > S.duration / 200) { S.drag.moved = true; setRegion([Math.min(t, S.drag.t0), Math.max(t, S.drag.t0)], false); } });
$("wave").addEventListener("pointerup", (ev) => { if (!S.drag) return; const d = S.drag; S.drag = null;
  if (d.moved) setRegion(S.region, true); else seek(tAt(ev)); });
$("wave").addEventListener("keydown", (ev) => {
  const step = ev.altKey ? 0.1 : 1;
  if (ev.key === "ArrowRight" || ev.key === "ArrowLeft") {
    const dir = ev.key === "ArrowRight" ? 1 : -1; ev.preventDefault();
    if (ev.shiftKey) { const r = S.region || [now(), now()]; setRegion(dir > 0 ? [r[0], Math.min(S.duration, r[1] + step)] : [Math.max(0, r[0] - step), r[1]]); }
    else seek(now() + dir * step);
  } else if (ev.key === "Escape") setRegion(null); else if (ev.key === "Home") seek(0);
});
document.addEventListener("keydown", (ev) => {
  if (ev.target.tagName === "INPUT") return;
  if (ev.key === " ") { ev.preventDefault(); S.playing ? pause() : play(); }
  if (S.mode === "ab" && (ev.key === "a" || ev.key === "b")) { S.abSide = ev.key.toUpperCase(); applyGains(); ui(); }
});
$("play").onclick = () => (S.playing ? pause() : play());
$("clear").onclick = () => setRegion(null);
$("btnA").onclick = () => { S.abSide = "A"; applyGains(); ui(); };
$("btnB").onclick = () => { S.abSide = "B"; applyGains(); ui(); };
new ResizeObserver(() => { S.peaks = null; draw(); drawLanes(); }).observe(document.body);

// ---- Streamlit ------------------------------------------------------------------------------------
function render(args) {
  const key = JSON.stringify([args.mode, args.tracks]);
  S.id = args.id; S.timeline = args.timeline || null;
  $("ab").hidden = args.mode !== "ab";
  if (key !== S.key) {
    pause(); S.key = key; S.mode = args.mode; S.tracks = args.tracks; S.peaks = null; S.buffers = [];
    $("root").dataset.ready = "0"; $("status").textContent = "loading…";
    buildMixer();
    Promise.all(S.tracks.map((t) => load(t.url))).then((bufs) => {
      if (S.key !== key) return;
      S.buffers = bufs; S.duration = Math.max(...bufs.map((b) => b.duration));
      $("wave").setAttribute("aria-valuemax", S.duration.toFixed(1));
      $("status").textContent = `${S.tracks.length > 1 ? S.tracks.length + " tracks · " : ""}${S.duration.toFixed(1)} s`;
      $("root").dataset.ready = "1";
      S.region = null; if (args.region) setRegion(args.region, false);
      ui(); drawLanes(); send("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 });
    }).catch((e) => { $("status").textContent = `could not load audio (${e.message})`; $("root").dataset.ready = "error"; });
  } else if (S.tracks.length) {
    S.tracks = args.tracks; applyGains();
  }
  drawLanes();
  send("streamlit:setFrameHeight", { height: document.body.scrollHeight + 4 });
}
window.addEventListener("message", (ev) => { if (ev.data && ev.data.type === "streamlit:render") render(ev.data.args); });
send("streamlit:componentReady", { apiVersion: 1 });
