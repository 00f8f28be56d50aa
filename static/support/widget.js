/*
 * voxsite support widget. Embed with one tag:
 *   <script src="https://shop.example/static/support/widget.js" data-language="auto" data-mode="vad" defer></script>
 * data- settings: data-endpoint (WebSocket URL; default: same host as the script, /api/voice/stream),
 * data-language (auto|en|hi|bn|mr), data-mode (vad = hands-free | ptt = push-to-talk), data-title, data-open.
 * No build step, no dependencies. Protocol: README "Real-time voice protocol".
 */
(function () {
  "use strict";
  if (window.VoxsiteWidget) return;

  var script = document.currentScript || document.querySelector("script[src*='support/widget.js']");
  var cfg = (script && script.dataset) || {};
  var scriptUrl = new URL(script ? script.src : location.href, location.href);
  var base = scriptUrl.href.replace(/widget\.js(\?.*)?$/, "");
  var endpoint = cfg.endpoint || (scriptUrl.protocol === "https:" ? "wss://" : "ws://") + scriptUrl.host + "/api/voice/stream";
  var STORE = "voxsite-session";

  var TEXT = {
    en: { title: "Help & support", placeholder: "Type your question…", send: "Send", talk: "Talk", stop: "Stop",
          hold: "Hold to talk", listening: "Listening…", thinking: "Thinking…", reconnecting: "Reconnecting…",
          offline: "Connection lost.", interrupted: "(interrupted)", micDenied: "Microphone not available: you can type instead.",
          handsFree: "Hands-free", ptt: "Push-to-talk", open: "Chat with us", close: "Close" },
    hi: { title: "सहायता", placeholder: "अपना सवाल लिखें…", send: "भेजें", talk: "बोलें", stop: "रोकें", hold: "दबाकर बोलें",
          listening: "सुन रहे हैं…", thinking: "सोच रहे हैं…", reconnecting: "फिर से जुड़ रहे हैं…", offline: "कनेक्शन टूट गया।",
          interrupted: "(बीच में रोका)", micDenied: "माइक्रोफ़ोन उपलब्ध नहीं: आप लिख सकते हैं।", handsFree: "हैंड्स-फ्री",
          ptt: "दबाकर बोलें", open: "हमसे बात करें", close: "बंद करें" },
    bn: { title: "সহায়তা", placeholder: "আপনার প্রশ্ন লিখুন…", send: "পাঠান", talk: "বলুন", stop: "থামুন", hold: "চেপে ধরে বলুন",
          listening: "শুনছি…", thinking: "ভাবছি…", reconnecting: "আবার সংযোগ হচ্ছে…", offline: "সংযোগ বিচ্ছিন্ন।",
          interrupted: "(মাঝপথে থামানো)", micDenied: "মাইক্রোফোন পাওয়া যায়নি: লিখে জানাতে পারেন।", handsFree: "হ্যান্ডস-ফ্রি",
          ptt: "চেপে বলুন", open: "আমাদের সাথে কথা বলুন", close: "বন্ধ" },
    mr: { title: "मदत", placeholder: "तुमचा प्रश्न लिहा…", send: "पाठवा", talk: "बोला", stop: "थांबा", hold: "दाबून बोला",
          listening: "ऐकत आहे…", thinking: "विचार करत आहे…", reconnecting: "पुन्हा जोडत आहे…", offline: "कनेक्शन तुटले.",
          interrupted: "(मध्येच थांबवले)", micDenied: "मायक्रोफोन उपलब्ध नाही: तुम्ही लिहू शकता.", handsFree: "हँड्स-फ्री",
          ptt: "दाबून बोला", open: "आमच्याशी बोला", close: "बंद करा" },
  };
  var TOOL_ACTIVITY = {
    en: { track_order: "Checking your order…", get_order_details: "Looking up your order…", cancel_order: "Working on the cancellation…",
          search_products: "Searching the catalogue…", get_product_details: "Fetching product details…", search_faqs: "Looking that up…",
          initiate_return: "Setting up your return…", get_return_status: "Checking your return…", get_policy: "Reading our policy…",
          create_crm_record: "Raising a ticket…", handoff_to_human: "Connecting you to our team…" },
    hi: { track_order: "आपका ऑर्डर देख रहे हैं…", search_products: "प्रोडक्ट खोज रहे हैं…", cancel_order: "कैंसिल कर रहे हैं…",
          initiate_return: "रिटर्न शुरू कर रहे हैं…", get_policy: "नीति देख रहे हैं…", handoff_to_human: "टीम से जोड़ रहे हैं…" },
    bn: { track_order: "আপনার অর্ডার দেখছি…", search_products: "পণ্য খুঁজছি…", cancel_order: "বাতিল করছি…",
          initiate_return: "রিটার্ন শুরু করছি…", get_policy: "নীতি দেখছি…", handoff_to_human: "টিমের সাথে যুক্ত করছি…" },
    mr: { track_order: "तुमची ऑर्डर तपासत आहे…", search_products: "उत्पादने शोधत आहे…", cancel_order: "रद्द करत आहे…",
          initiate_return: "परतावा सुरू करत आहे…", get_policy: "धोरण पाहत आहे…", handoff_to_human: "टीमशी जोडत आहे…" },
  };

  var state = {
    language: cfg.language || "auto",
    mode: cfg.mode === "ptt" ? "ptt" : "vad",
    ws: null, session: null, connected: false, closing: false, retries: 0,
    mic: null, micOn: false, level: 0, maxLevel: 0,
    playCtx: null, outRate: 22050, nextTime: 0, sources: [], playedSeconds: 0, chunksPlayed: 0,
    current: null, lastMetrics: null, events: [],
  };

  function ui(key) {
    var lang = state.language === "auto" ? (state.replyLanguage || "en") : state.language;
    return (TEXT[lang] || TEXT.en)[key] || TEXT.en[key];
  }

  // ---------------------------------------------------------------- DOM
  var link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = base + "widget.css";
  document.head.appendChild(link);

  var root = document.createElement("div");
  root.className = "vx-root";
  root.innerHTML =
    '<button type="button" class="vx-launcher" aria-haspopup="dialog" aria-expanded="false">' +
    '<span class="vx-launcher-icon" aria-hidden="true">🎙️</span><span class="vx-launcher-text"></span></button>' +
    '<section class="vx-panel" role="dialog" aria-modal="false" hidden>' +
    '  <header class="vx-header"><h2 class="vx-title"></h2>' +
    '    <label class="vx-visually-hidden" for="vx-lang">Language</label>' +
    '    <select id="vx-lang" class="vx-lang">' +
    '      <option value="auto">Auto</option><option value="en">English</option><option value="hi">हिन्दी</option>' +
    '      <option value="bn">বাংলা</option><option value="mr">मराठी</option></select>' +
    '    <button type="button" class="vx-mode" aria-pressed="false"></button>' +
    '    <button type="button" class="vx-close" aria-label="Close">×</button></header>' +
    '  <ol class="vx-log" aria-label="Conversation"></ol>' +
    '  <div class="vx-activity" aria-hidden="true"></div>' +
    '  <div class="vx-live vx-visually-hidden" aria-live="polite" aria-atomic="true"></div>' +
    '  <form class="vx-form">' +
    '    <button type="button" class="vx-mic" aria-pressed="false"><span class="vx-meter" aria-hidden="true"></span><span class="vx-mic-label"></span></button>' +
    '    <label class="vx-visually-hidden" for="vx-input">Message</label>' +
    '    <input id="vx-input" class="vx-input" autocomplete="off" maxlength="1000">' +
    '    <button type="submit" class="vx-send"></button></form>' +
    '  <div class="vx-status" role="status"></div>' +
    "</section>";
  function q(sel) { return root.querySelector(sel); }
  var launcher = q(".vx-launcher"), panel = q(".vx-panel"), log = q(".vx-log"), activity = q(".vx-activity"),
      live = q(".vx-live"), form = q(".vx-form"), input = q(".vx-input"), micBtn = q(".vx-mic"), meter = q(".vx-meter"),
      langSel = q(".vx-lang"), modeBtn = q(".vx-mode"), statusEl = q(".vx-status");

  function mount() { document.body.appendChild(root); relabel(); if (cfg.open === "true") open(); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  function relabel() {
    q(".vx-launcher-text").textContent = ui("open");
    q(".vx-title").textContent = cfg.title || ui("title");
    input.placeholder = ui("placeholder");
    q(".vx-send").textContent = ui("send");
    q(".vx-close").setAttribute("aria-label", ui("close"));
    modeBtn.textContent = state.mode === "vad" ? ui("handsFree") : ui("ptt");
    modeBtn.setAttribute("aria-pressed", state.mode === "vad" ? "true" : "false");
    q(".vx-mic-label").textContent = state.mode === "ptt" ? ui("hold") : (state.micOn ? ui("stop") : ui("talk"));
    langSel.value = state.language;
  }

  function bubble(role, text) {
    var li = document.createElement("li");
    li.className = "vx-msg vx-" + role;
    li.textContent = text;
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }
  function setStatus(text) { statusEl.textContent = text || ""; }
  function setActivity(text) { activity.textContent = text || ""; }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    connect();
    input.focus();
  }
  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    stopMic();
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  q(".vx-close").addEventListener("click", close);
  root.addEventListener("keydown", function (e) { if (e.key === "Escape" && !panel.hidden) close(); });

  // ---------------------------------------------------------------- socket
  function send(obj) { if (state.ws && state.ws.readyState === 1) state.ws.send(JSON.stringify(obj)); }

  function connect() {
    if (state.ws && state.ws.readyState <= 1) return;
    var saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { saved = null; }
    var url = endpoint + "?language=" + encodeURIComponent(state.language) + "&mode=" + state.mode;
    if (saved && saved.session_id) url += "&session_id=" + encodeURIComponent(saved.session_id) + "&token=" + encodeURIComponent(saved.token || "");
    var ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    state.ws = ws;
    ws.onopen = function () { state.connected = true; state.retries = 0; setStatus(""); };
    ws.onmessage = function (m) { typeof m.data === "string" ? onEvent(JSON.parse(m.data)) : playChunk(m.data); };
    ws.onclose = function (e) {
      state.connected = false;
      if (e.code === 4404 || e.code === 4410) { sessionStorage.removeItem(STORE); }
      if (state.closing) return;
      var delay = Math.min(10000, 500 * Math.pow(2, state.retries++));
      setStatus(ui("reconnecting"));
      setTimeout(connect, delay);
    };
  }

  function onEvent(ev) {
    state.events.push(ev);
    if (state.events.length > 500) state.events.shift();
    switch (ev.type) {
      case "session":
        state.session = ev;
        state.outRate = (ev.output_audio && ev.output_audio.sample_rate) || 22050;
        if (ev.token) sessionStorage.setItem(STORE, JSON.stringify({ session_id: ev.session_id, token: ev.token }));
        break;
      case "vad":
        if (ev.state === "speech_start") setActivity(ui("listening"));
        break;
      case "transcript":
        if (ev.text) bubble("user", ev.text);
        setActivity(ev.text ? ui("thinking") : "");
        break;
      case "intent":
        break;
      case "tool_call":
        var lang = state.replyLanguage || "en";
        setActivity((TOOL_ACTIVITY[lang] || {})[ev.name] || TOOL_ACTIVITY.en[ev.name] || ui("thinking"));
        root.dataset.lastTool = ev.name;
        break;
      case "reply_delta":
        if (!state.current) state.current = bubble("assistant", "");
        state.current.textContent += ev.text;
        log.scrollTop = log.scrollHeight;
        break;
      case "reply_reset":
        if (state.current) state.current.textContent = "";
        break;
      case "reply":
        if (!state.current) state.current = bubble("assistant", "");
        state.current.textContent = ev.text;
        live.textContent = ev.text;
        if (ev.language) { state.replyLanguage = ev.language; }
        break;
      case "staff_message":
        bubble("staff", ev.text);
        live.textContent = ev.text;
        break;
      case "barge_in":
        stopPlayback();
        if (state.current) { state.current.classList.add("vx-interrupted"); state.current.dataset.note = ui("interrupted"); }
        state.current = null;
        break;
      case "metrics":
        state.lastMetrics = ev;
        break;
      case "end":
        state.current = null;
        setActivity("");
        break;
      case "error":
        bubble("system", ev.detail || ev.code);
        break;
    }
  }

  // ---------------------------------------------------------------- playback (gapless)
  function playChunk(buf) {
    if (!state.playCtx) state.playCtx = new (window.AudioContext || window.webkitAudioContext)();
    var ctx = state.playCtx;
    var pcm = new Int16Array(buf);
    if (!pcm.length) return;
    var audio = ctx.createBuffer(1, pcm.length, state.outRate);
    var data = audio.getChannelData(0);
    for (var i = 0; i < pcm.length; i++) data[i] = pcm[i] / 32768;
    var src = ctx.createBufferSource();
    src.buffer = audio;
    src.connect(ctx.destination);
    var at = Math.max(ctx.currentTime + 0.02, state.nextTime);
    src.start(at);
    state.nextTime = at + audio.duration;
    state.sources.push(src);
    src.onended = function () {
      state.playedSeconds += audio.duration;
      state.chunksPlayed++;
      state.sources = state.sources.filter(function (s) { return s !== src; });
    };
  }
  function stopPlayback() {
    state.sources.forEach(function (s) { try { s.stop(); } catch (e) { /* already stopped */ } });
    state.sources = [];
    state.nextTime = 0;
  }

  // ---------------------------------------------------------------- microphone
  function startMic() {
    if (state.micOn) return Promise.resolve();
    if (!navigator.mediaDevices || !window.AudioWorkletNode) { bubble("system", ui("micDenied")); return Promise.resolve(); }
    return navigator.mediaDevices.getUserMedia({
      // Echo cancellation keeps the assistant's own voice out of the microphone; the server adds
      // a stricter barge-in threshold while it is speaking (see README).
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    }).then(function (stream) {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      return ctx.audioWorklet.addModule(base + "pcm-worklet.js").then(function () {
        var srcNode = ctx.createMediaStreamSource(stream);
        var node = new AudioWorkletNode(ctx, "voxsite-pcm-capture", { processorOptions: { targetRate: 16000 } });
        node.port.onmessage = function (e) {
          state.level = e.data.rms;
          state.maxLevel = Math.max(state.maxLevel, e.data.rms);
          meter.style.transform = "scaleY(" + Math.min(1, e.data.rms * 8).toFixed(3) + ")";
          if (state.ws && state.ws.readyState === 1 && (state.mode === "vad" || state.pttDown)) state.ws.send(e.data.pcm);
        };
        srcNode.connect(node);
        state.mic = { stream: stream, ctx: ctx, node: node };
        state.micOn = true;
        micBtn.setAttribute("aria-pressed", "true");
        send({ type: "start", sample_rate: 16000, language: state.language, mode: state.mode });
        relabel();
      });
    }).catch(function () { bubble("system", ui("micDenied")); });
  }
  function stopMic() {
    if (!state.mic) return;
    state.mic.stream.getTracks().forEach(function (t) { t.stop(); });
    state.mic.ctx.close();
    state.mic = null;
    state.micOn = false;
    micBtn.setAttribute("aria-pressed", "false");
    relabel();
  }
  function pttDown() {
    startMic().then(function () {
      if (state.sources.length) send({ type: "interrupt" });
      stopPlayback();
      state.pttDown = true;
      setActivity(ui("listening"));
    });
  }
  function pttUp() {
    if (!state.pttDown) return;
    state.pttDown = false;
    send({ type: "end" });
  }

  micBtn.addEventListener("click", function () {
    if (state.mode === "vad") { state.micOn ? stopMic() : startMic(); }
  });
  micBtn.addEventListener("pointerdown", function () { if (state.mode === "ptt") pttDown(); });
  micBtn.addEventListener("pointerup", function () { if (state.mode === "ptt") pttUp(); });
  micBtn.addEventListener("pointerleave", function () { if (state.mode === "ptt") pttUp(); });
  micBtn.addEventListener("keydown", function (e) {
    if (state.mode === "ptt" && (e.key === " " || e.key === "Enter") && !e.repeat) { e.preventDefault(); pttDown(); }
  });
  micBtn.addEventListener("keyup", function (e) {
    if (state.mode === "ptt" && (e.key === " " || e.key === "Enter")) { e.preventDefault(); pttUp(); }
  });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    bubble("user", text);
    stopPlayback();
    send({ type: "text", text: text, language: state.language === "auto" ? undefined : state.language });
    input.value = "";
    setActivity(ui("thinking"));
  });
  langSel.addEventListener("change", function () {
    state.language = langSel.value;
    send({ type: "start", language: state.language });
    relabel();
  });
  modeBtn.addEventListener("click", function () {
    state.mode = state.mode === "vad" ? "ptt" : "vad";
    send({ type: "start", mode: state.mode });
    relabel();
  });

  window.VoxsiteWidget = { state: state, open: open, close: close, startMic: startMic, stopMic: stopMic,
                           sendText: function (t) { input.value = t; form.requestSubmit(); } };
})();
