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
          offline: "Connection lost.", retry: "Try again", interrupted: "(interrupted)", micDenied: "Microphone not available: you can type instead.",
          handsFree: "Hands-free", ptt: "Push-to-talk", open: "Chat with us", close: "Close",
          language: "Language", log: "Conversation", message: "Message", mode: "Listening mode",
          micStart: "Start talking", micStop: "Stop talking",
          hint: "Ask about an order, a return or a product: press Talk, or type below." },
    hi: { title: "सहायता", placeholder: "अपना सवाल लिखें…", send: "भेजें", talk: "बोलें", stop: "रोकें", hold: "दबाकर बोलें",
          listening: "सुन रहे हैं…", thinking: "सोच रहे हैं…", reconnecting: "फिर से जुड़ रहे हैं…", offline: "कनेक्शन टूट गया।", retry: "फिर कोशिश करें",
          interrupted: "(बीच में रोका)", micDenied: "माइक्रोफ़ोन उपलब्ध नहीं: आप लिख सकते हैं।", handsFree: "हैंड्स-फ्री",
          ptt: "दबाकर बोलें", open: "हमसे बात करें", close: "बंद करें",
          hint: "ऑर्डर, रिटर्न या प्रोडक्ट के बारे में पूछें: बोलें दबाएँ या नीचे लिखें।" },
    bn: { title: "সহায়তা", placeholder: "আপনার প্রশ্ন লিখুন…", send: "পাঠান", talk: "বলুন", stop: "থামুন", hold: "চেপে ধরে বলুন",
          listening: "শুনছি…", thinking: "ভাবছি…", reconnecting: "আবার সংযোগ হচ্ছে…", offline: "সংযোগ বিচ্ছিন্ন।", retry: "আবার চেষ্টা করুন",
          interrupted: "(মাঝপথে থামানো)", micDenied: "মাইক্রোফোন পাওয়া যায়নি: লিখে জানাতে পারেন।", handsFree: "হ্যান্ডস-ফ্রি",
          ptt: "চেপে বলুন", open: "আমাদের সাথে কথা বলুন", close: "বন্ধ",
          hint: "অর্ডার, রিটার্ন বা পণ্য নিয়ে জিজ্ঞেস করুন: বলুন চাপুন বা নিচে লিখুন।" },
    mr: { title: "मदत", placeholder: "तुमचा प्रश्न लिहा…", send: "पाठवा", talk: "बोला", stop: "थांबा", hold: "दाबून बोला",
          listening: "ऐकत आहे…", thinking: "विचार करत आहे…", reconnecting: "पुन्हा जोडत आहे…", offline: "कनेक्शन तुटले.", retry: "पुन्हा प्रयत्न करा",
          interrupted: "(मध्येच थांबवले)", micDenied: "मायक्रोफोन उपलब्ध नाही: तुम्ही लिहू शकता.", handsFree: "हँड्स-फ्री",
          ptt: "दाबून बोला", open: "आमच्याशी बोला", close: "बंद करा",
          hint: "ऑर्डर, परतावा किंवा उत्पादनाबद्दल विचारा: बोला दाबा किंवा खाली लिहा." },
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

  var LANGS = ["auto", "en", "hi", "bn", "mr"];
  var MIC_SVG = '<svg class="vx-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">' +
    '<path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 ' +
    '6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2z"/></svg>';

  var state = {
    language: LANGS.indexOf(cfg.language) >= 0 ? cfg.language : "auto",
    mode: cfg.mode === "ptt" ? "ptt" : "vad",
    ws: null, session: null, connected: false, closing: false, retries: 0, retryTimer: null, downSince: 0,
    outbox: [], reconnects: 0,
    mic: null, micOn: false, micStarting: null, micError: null, pttDown: false, level: 0, maxLevel: 0, framesSent: 0, framesAtPress: 0,
    // Playback: audioTurn is the turn whose audio is arriving; audio of turns <= dropUpTo was interrupted.
    playCtx: null, outRate: 22050, nextTime: 0, sources: [], audioTurn: 0, dropUpTo: -1,
    chunksReceived: 0, chunksDropped: 0, chunksPlayed: 0, playedSeconds: 0, stops: 0,
    current: null, replyLanguage: null, lastMetrics: null, events: [],
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
    '<button type="button" class="vx-launcher" aria-haspopup="dialog" aria-expanded="false" aria-controls="vx-panel">' +
    MIC_SVG + '<span class="vx-launcher-text"></span></button>' +
    '<section id="vx-panel" class="vx-panel" role="dialog" aria-modal="false" aria-labelledby="vx-title" hidden>' +
    '  <header class="vx-header"><h2 id="vx-title" class="vx-title" tabindex="-1"></h2>' +
    '    <label class="vx-visually-hidden vx-lang-label" for="vx-lang"></label>' +
    '    <select id="vx-lang" class="vx-lang">' +
    '      <option value="auto">Auto</option><option value="en" lang="en">English</option><option value="hi" lang="hi">हिन्दी</option>' +
    '      <option value="bn" lang="bn">বাংলা</option><option value="mr" lang="mr">मराठी</option></select>' +
    '    <button type="button" class="vx-mode"></button>' +
    '    <button type="button" class="vx-close"><span aria-hidden="true">×</span></button></header>' +
    '  <ol class="vx-log" tabindex="0"></ol>' +
    '  <div class="vx-activity" role="status"></div>' +
    '  <div class="vx-live vx-visually-hidden" aria-live="polite" aria-atomic="true"></div>' +
    '  <form class="vx-form">' +
    '    <button type="button" class="vx-mic" aria-pressed="false">' + MIC_SVG +
    '<span class="vx-meter" aria-hidden="true"></span><span class="vx-mic-label"></span></button>' +
    '    <label class="vx-visually-hidden vx-input-label" for="vx-input"></label>' +
    '    <input id="vx-input" class="vx-input" autocomplete="off" maxlength="1000" enterkeyhint="send">' +
    '    <button type="submit" class="vx-send"></button></form>' +
    '  <div class="vx-status" role="status"><span class="vx-status-text"></span>' +
    '<button type="button" class="vx-retry" hidden></button></div>' +
    "</section>";
  function q(sel) { return root.querySelector(sel); }
  var launcher = q(".vx-launcher"), panel = q(".vx-panel"), log = q(".vx-log"), activity = q(".vx-activity"),
      live = q(".vx-live"), form = q(".vx-form"), input = q(".vx-input"), micBtn = q(".vx-mic"), meter = q(".vx-meter"),
      langSel = q(".vx-lang"), modeBtn = q(".vx-mode"), statusEl = q(".vx-status-text"), title = q(".vx-title"),
      retryBtn = q(".vx-retry");

  function mount() { document.body.appendChild(root); relabel(); if (cfg.open === "true") open(); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  function relabel() {
    q(".vx-launcher-text").textContent = ui("open");
    title.textContent = cfg.title || ui("title");
    input.placeholder = ui("placeholder");
    q(".vx-input-label").textContent = ui("message");
    q(".vx-lang-label").textContent = ui("language");
    log.setAttribute("aria-label", ui("log"));
    log.dataset.hint = ui("hint");
    q(".vx-send").textContent = ui("send");
    retryBtn.textContent = ui("retry");
    q(".vx-close").setAttribute("aria-label", ui("close"));
    var modeName = state.mode === "vad" ? ui("handsFree") : ui("ptt");
    modeBtn.textContent = modeName;
    modeBtn.setAttribute("aria-label", ui("mode") + ": " + modeName);
    var micText = state.mode === "ptt" ? ui("hold") : (state.micOn ? ui("stop") : ui("talk"));
    q(".vx-mic-label").textContent = micText;
    micBtn.setAttribute("aria-label", state.mode === "ptt" ? ui("hold") : (state.micOn ? ui("micStop") : ui("micStart")));
    micBtn.setAttribute("aria-pressed", state.mode === "ptt" ? String(state.pttDown) : String(state.micOn));
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
  function replyBubble(turn) {
    var li = bubble("assistant", "");
    li.dataset.turn = turn || 0;
    return li;
  }
  function markInterrupted(li) { li.classList.add("vx-interrupted"); li.dataset.note = ui("interrupted"); }
  function announce(text) { live.textContent = text || ""; }
  function setStatus(text) { statusEl.textContent = text || ""; }
  function setActivity(text) { activity.textContent = text || ""; }

  function open() {
    panel.hidden = false;
    root.classList.add("vx-open");
    launcher.setAttribute("aria-expanded", "true");
    unlockAudio();
    connect();
    // On touch screens focusing the input would throw the keyboard over the conversation.
    var touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    (touch ? title : input).focus();
  }
  function close() {
    panel.hidden = true;
    root.classList.remove("vx-open");
    launcher.setAttribute("aria-expanded", "false");
    if (state.sources.length) send({ type: "interrupt" });
    stopPlayback();
    stopMic();
    launcher.focus();
  }
  launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
  q(".vx-close").addEventListener("click", close);
  var phone = window.matchMedia ? window.matchMedia("(max-width: 480px)") : { matches: false };
  root.addEventListener("keydown", function (e) {
    if (panel.hidden) return;
    if (e.key === "Escape") { e.preventDefault(); close(); return; }
    // On a phone the panel covers the page, so Tab cycles inside it instead of wandering off under it.
    if (e.key === "Tab" && phone.matches) {
      var items = Array.prototype.filter.call(panel.querySelectorAll("select, button, input, [tabindex='0']"),
                                              function (el) { return !el.disabled && el.offsetParent !== null; });
      var first = items[0], last = items[items.length - 1];
      if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
      else if (e.shiftKey && (document.activeElement === first || document.activeElement === title)) { e.preventDefault(); last.focus(); }
    }
  });
  window.addEventListener("pagehide", function () { state.closing = true; if (state.ws) state.ws.close(1000); });

  // ---------------------------------------------------------------- socket
  function send(obj) {
    var ready = state.ws && state.ws.readyState === 1;
    if (ready && (state.session || obj.type !== "text")) state.ws.send(JSON.stringify(obj));
    // Typed while the connection is down: sent once the conversation is open again.
    else if (obj.type === "text") state.outbox.push(obj);
  }

  // Reconnecting after an unexpected close: 0.5 s, 1, 2, 4, then every 8 s (each +-25 %, so that
  // the widgets a dead server dropped do not all come back at once), for about a minute.
  var RETRY_FOR_MS = 60000;
  function backoff(attempt, random) {
    return Math.min(8000, 500 * Math.pow(2, attempt)) * (0.75 + random * 0.5);
  }
  function reconnectDelays(random) {
    var delays = [], total = 0;
    for (var n = 0; total < RETRY_FOR_MS; n++) { var d = backoff(n, random()); delays.push(d); total += d; }
    return delays;
  }
  function setConnection(name) {
    root.dataset.connection = name;
    retryBtn.hidden = name !== "offline";
    setStatus(name === "reconnecting" ? ui("reconnecting") : name === "offline" ? ui("offline") : "");
  }
  retryBtn.addEventListener("click", function () { connect(); });

  function saved() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }

  function connect() {
    if (state.closing || (state.ws && state.ws.readyState <= 1)) return;
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    if (root.dataset.connection === "offline") {  // the retry button, or the shopper typed: a fresh minute
      state.retries = 0;
      state.downSince = Date.now();
      setConnection("reconnecting");
    }
    var s = saved();
    var url = endpoint + "?language=" + encodeURIComponent(state.language) + "&mode=" + state.mode;
    if (s && s.session_id) url += "&session_id=" + encodeURIComponent(s.session_id) + "&token=" + encodeURIComponent(s.token || "");
    var ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    state.ws = ws;
    ws.onopen = function () { state.connected = true; };
    ws.onmessage = function (m) {
      if (typeof m.data !== "string") return playChunk(m.data);
      var ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      onEvent(ev);
    };
    ws.onclose = function (e) {
      if (state.ws !== ws) return;
      state.connected = false;
      // 4404/4410: the saved conversation is gone or expired; start a new one.
      if (e.code === 4404 || e.code === 4410) sessionStorage.removeItem(STORE);
      state.session = null;
      if (state.closing) return;
      if (e.code === 4403) { setConnection("offline"); return; }  // this page's origin is not allowed: retrying won't help
      setActivity("");  // "Thinking…" would wait for a reply this connection will not bring
      if (!state.downSince) state.downSince = Date.now();
      if (Date.now() - state.downSince >= RETRY_FOR_MS) { setConnection("offline"); return; }
      setConnection("reconnecting");
      state.retryTimer = setTimeout(connect, backoff(state.retries++, Math.random()));
    };
  }

  function restoreHistory(sessionId, token, skipId) {
    // A reload resumed the conversation: show what was said before, above anything said since
    // (a cut-off answer is said again at once, and is skipped here).
    if (!window.fetch) return;
    var origin = scriptUrl.origin;
    fetch(origin + "/api/conversation/history/" + encodeURIComponent(sessionId), { headers: { "X-Session-Token": token } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var anchor = log.firstChild;
        (data.messages || []).forEach(function (m) {
          if (!m.text || ["user", "assistant", "staff"].indexOf(m.role) < 0 || m.id === skipId) return;
          var li = bubble(m.role, m.text);
          if (m.interrupted) markInterrupted(li);
          if (anchor) log.insertBefore(li, anchor);
        });
      })
      .catch(function () { /* the live conversation goes on without the old bubbles */ });
  }

  function onEvent(ev) {
    state.events.push(ev);
    if (state.events.length > 500) state.events.shift();
    switch (ev.type) {
      case "session":
        if (state.downSince) state.reconnects++;
        state.session = ev;
        state.retries = 0;
        state.downSince = 0;
        setConnection("open");
        state.outRate = (ev.output_audio && ev.output_audio.sample_rate) || 22050;
        if (ev.pending) {
          // The answer under way was cut off; the server says so and gives it again, whole.
          stopPlayback();
          if (state.current) state.current.remove();
          state.current = null;
          setActivity(ev.pending.notice);
          announce(ev.pending.notice);
        } else if (state.current) {
          // The reply was complete (and is stored whole): the next one gets its own bubble.
          state.current = null;
          setActivity("");
        }
        // A new connection numbers its turns from zero again.
        state.audioTurn = 0;
        state.dropUpTo = -1;
        if (ev.token) sessionStorage.setItem(STORE, JSON.stringify({ session_id: ev.session_id, token: ev.token }));
        var s = saved();
        if (ev.resumed && ev.turns && s && !log.children.length) {
          restoreHistory(ev.session_id, s.token, ev.pending && ev.pending.reply_id);
        }
        if (state.micOn) send({ type: "start", sample_rate: 16000, language: state.language, mode: state.mode });
        state.outbox.splice(0).forEach(send);
        break;
      case "vad":
        if (ev.state === "speech_start") setActivity(ui("listening"));
        else if (ev.state === "speech_end") setActivity(ui("thinking"));
        break;
      case "transcript":
        if (ev.text) bubble("user", ev.text);
        setActivity(ev.text ? ui("thinking") : "");
        break;
      case "tool_call":
        var lang = state.replyLanguage || (state.language === "auto" ? "en" : state.language);
        setActivity((TOOL_ACTIVITY[lang] || {})[ev.name] || TOOL_ACTIVITY.en[ev.name] || ui("thinking"));
        root.dataset.lastTool = ev.name;
        break;
      case "filler":
        // "One moment.": the server is busy; its audio plays first, then the reply's.
        setActivity(ev.text);
        break;
      case "audio_start":
        state.audioTurn = ev.turn || state.audioTurn + 1;
        break;
      case "reply_delta":
        if (!state.current) state.current = replyBubble(ev.turn);
        state.current.textContent += ev.text;
        log.scrollTop = log.scrollHeight;
        break;
      case "reply_reset":
        if (state.current) state.current.textContent = "";
        break;
      case "reply":
        if (ev.language) state.replyLanguage = ev.language;
        if (!state.current) state.current = replyBubble(ev.turn);
        state.current.textContent = ev.text;
        state.current.lang = ev.language || "";
        announce(ev.text);
        break;
      case "speech_unavailable":
        // The server cannot recognise speech in this language and acted on nothing. Stop
        // listening (hands-free would only hear more of it), keep the language for what the
        // shopper types next, and put the cursor in the text box.
        if (ev.language && state.language === "auto") { state.language = ev.language; state.replyLanguage = ev.language; }
        if (state.micOn && state.mode === "vad") stopMic();
        root.dataset.speechUnavailable = ev.language || "";
        relabel();
        input.focus();
        break;
      case "staff_message":
        bubble("staff", ev.text);
        announce(ev.text);
        break;
      case "barge_in":
        stopPlayback();
        state.dropUpTo = Math.max(state.dropUpTo, ev.turn || 0);
        // The reply may have been complete and only still playing, so find it by its turn.
        var replies = log.querySelectorAll('.vx-assistant[data-turn="' + (ev.turn || 0) + '"]');
        var cut = state.current || replies[replies.length - 1];
        if (cut && !cut.classList.contains("vx-interrupted")) {
          // Keep what the shopper actually heard, as the server stores it.
          if (ev.heard) cut.textContent = ev.heard;
          markInterrupted(cut);
        }
        state.current = null;
        setActivity(ev.reason === "speech" ? ui("listening") : "");
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
        announce(ev.detail || ev.code);
        break;
    }
  }

  // ---------------------------------------------------------------- playback (gapless)
  function unlockAudio() {
    // Browsers keep an AudioContext suspended unless a click created or resumed it, so every
    // control the shopper touches calls this before any reply audio arrives.
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return null;
    if (!state.playCtx) state.playCtx = new AC();
    if (state.playCtx.state === "suspended") state.playCtx.resume();
    return state.playCtx;
  }

  function playChunk(buf) {
    state.chunksReceived++;
    // The tail of an interrupted reply can still be on the wire after the barge-in.
    if (state.audioTurn <= state.dropUpTo) { state.chunksDropped++; return; }
    var ctx = unlockAudio();
    var pcm = new Int16Array(buf);
    if (!ctx || !pcm.length) return;
    var audio = ctx.createBuffer(1, pcm.length, state.outRate);
    var data = audio.getChannelData(0);
    for (var i = 0; i < pcm.length; i++) data[i] = pcm[i] / 32768;
    var src = ctx.createBufferSource();
    src.buffer = audio;
    src.connect(ctx.destination);
    var at = Math.max(ctx.currentTime + 0.02, state.nextTime);
    src.start(at);
    state.nextTime = at + audio.duration;
    var item = { src: src, at: at, duration: audio.duration };
    state.sources.push(item);
    root.classList.add("vx-speaking");
    src.onended = function () {
      var k = state.sources.indexOf(item);
      if (k < 0) return;  // stopped: stopPlayback counted what was heard
      state.sources.splice(k, 1);
      state.chunksPlayed++;
      state.playedSeconds += item.duration;
      if (!state.sources.length) root.classList.remove("vx-speaking");
    };
  }
  function stopPlayback() {
    var now = state.playCtx ? state.playCtx.currentTime : 0;
    if (state.sources.length) state.stops++;
    state.sources.forEach(function (it) {
      state.playedSeconds += Math.max(0, Math.min(it.duration, now - it.at));
      try { it.src.stop(); } catch (e) { /* already stopped */ }
    });
    state.sources = [];
    state.nextTime = 0;
    state.dropUpTo = Math.max(state.dropUpTo, state.audioTurn);
    root.classList.remove("vx-speaking");
  }

  // ---------------------------------------------------------------- microphone
  function micFailed(err) {
    state.micError = err ? (err.name || String(err)) : "unsupported";
    bubble("system", ui("micDenied"));
    announce(ui("micDenied"));
  }
  function startMic() {
    if (state.micOn) return Promise.resolve();
    if (state.micStarting) return state.micStarting;
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !AC || !window.AudioWorkletNode) {
      micFailed();
      return Promise.resolve();
    }
    unlockAudio();
    var ctx = new AC();  // created inside the click, so it is allowed to run
    var p = navigator.mediaDevices.getUserMedia({
      // Echo cancellation keeps the assistant's own voice out of the microphone; the server adds
      // a stricter barge-in threshold while it is speaking (see README).
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: false, channelCount: 1 },
    }).then(function (stream) {
      return ctx.audioWorklet.addModule(base + "pcm-worklet.js").then(function () {
        var srcNode = ctx.createMediaStreamSource(stream);
        var node = new AudioWorkletNode(ctx, "voxsite-pcm-capture", { processorOptions: { targetRate: 16000 } });
        node.port.onmessage = function (e) {
          state.level = e.data.rms;
          if (e.data.rms > state.maxLevel) state.maxLevel = e.data.rms;
          meter.style.transform = "scaleY(" + Math.min(1, e.data.rms * 8).toFixed(3) + ")";
          if (state.ws && state.ws.readyState === 1 && (state.mode === "vad" || state.pttDown)) {
            state.ws.send(e.data.pcm);
            state.framesSent++;
          }
        };
        srcNode.connect(node);
        node.connect(ctx.destination);  // outputs silence; some browsers only run connected nodes
        if (ctx.state === "suspended") ctx.resume();
        state.mic = { stream: stream, ctx: ctx, node: node };
        state.micOn = true;
        state.micError = null;
        send({ type: "start", sample_rate: 16000, language: state.language, mode: state.mode });
        relabel();
      }, function (err) {
        stream.getTracks().forEach(function (t) { t.stop(); });
        throw err;
      });
    }).catch(function (err) {
      ctx.close();
      micFailed(err);
    }).then(function () { state.micStarting = null; });
    state.micStarting = p;
    return p;
  }
  function stopMic() {
    state.pttDown = false;
    if (!state.mic) return;
    state.mic.stream.getTracks().forEach(function (t) { t.stop(); });
    state.mic.ctx.close();
    state.mic = null;
    state.micOn = false;
    meter.style.transform = "scaleY(0)";
    setActivity("");
    relabel();
  }
  function pttDown() {
    if (state.pttDown) return;
    state.pttDown = true;  // set before the mic is ready so a quick release still ends the turn
    state.framesAtPress = state.framesSent;
    relabel();
    unlockAudio();
    if (state.sources.length) send({ type: "interrupt" });
    stopPlayback();
    setActivity(ui("listening"));
    startMic();
  }
  function pttUp() {
    if (!state.pttDown) return;
    state.pttDown = false;
    relabel();
    // The server answers `end` only when audio came with the press; a release before the
    // microphone started sent nothing, so there is nothing to wait for.
    if (state.framesSent === state.framesAtPress) { setActivity(""); return; }
    send({ type: "end" });
    setActivity(ui("thinking"));
  }

  micBtn.addEventListener("click", function () {
    if (state.mode === "vad") { state.micOn ? stopMic() : startMic(); }
  });
  micBtn.addEventListener("pointerdown", function (e) {
    if (state.mode !== "ptt") return;
    if (micBtn.setPointerCapture) { try { micBtn.setPointerCapture(e.pointerId); } catch (err) { /* synthetic pointer */ } }
    pttDown();
  });
  micBtn.addEventListener("pointerup", function () { if (state.mode === "ptt") pttUp(); });
  micBtn.addEventListener("pointercancel", function () { if (state.mode === "ptt") pttUp(); });
  micBtn.addEventListener("keydown", function (e) {
    if (state.mode === "ptt" && (e.key === " " || e.key === "Enter")) { e.preventDefault(); if (!e.repeat) pttDown(); }
  });
  micBtn.addEventListener("keyup", function (e) {
    if (state.mode === "ptt" && (e.key === " " || e.key === "Enter")) { e.preventDefault(); pttUp(); }
  });
  micBtn.addEventListener("blur", function () { if (state.mode === "ptt") pttUp(); });

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    unlockAudio();
    bubble("user", text);
    stopPlayback();
    connect();
    send({ type: "text", text: text, language: state.language === "auto" ? undefined : state.language });
    input.value = "";
    setActivity(ui("thinking"));
  });
  langSel.addEventListener("change", function () {
    state.language = langSel.value;
    state.replyLanguage = null;
    send({ type: "start", language: state.language });
    relabel();
  });
  modeBtn.addEventListener("click", function () {
    state.mode = state.mode === "vad" ? "ptt" : "vad";
    state.pttDown = false;
    send({ type: "start", mode: state.mode });
    relabel();
  });

  window.VoxsiteWidget = {
    state: state, open: open, close: close, startMic: startMic, stopMic: stopMic, reconnectDelays: reconnectDelays,
    speaking: function () { return state.sources.length > 0; },
    sendText: function (t) { input.value = t; form.requestSubmit(); },
  };
})();
