/* The staff live view: keeps the admin's live pages current from /ws/staff/live.
 * Pages (data-page on #vx-live): "list" (live conversations + queue), "queue", "conversation"
 * (one transcript; takeover, hand back and replies go over the socket, the forms are the
 * no-JS fallback). No dependencies. */
(function () {
  "use strict";

  var root = document.getElementById("vx-live");
  if (!root) return;
  var page = root.dataset.page;
  var sessionId = root.dataset.sessionId || null;
  var baseTitle = document.title;
  var statusLine = root.querySelector(".vx-live-status");
  var banner = root.querySelector(".vx-handoff-banner");
  var ws = null;
  var retry = 0;
  var waiting = 0;

  function wsUrl() {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.dataset.ws;
  }

  function detailUrl(id) {
    return root.dataset.detailUrl.replace("00000000-0000-0000-0000-000000000000", id);
  }

  function setStatus(text, ok) {
    statusLine.textContent = text;
    statusLine.classList.toggle("vx-ok", !!ok);
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString([], { hour12: false });
  }

  function who(ev) {
    if (ev.role === "user") return "Shopper";
    if (ev.role === "staff") return ev.author || "Staff";
    return "Assistant";
  }

  /* One line that says what just happened in a conversation. */
  function summary(ev) {
    switch (ev.type) {
      case "message": return who(ev) + ": " + ev.text;
      case "transcript": return ev.text ? "Heard: " + ev.text : "Heard silence";
      case "reply": return "Reply: " + ev.text;
      case "tool_call": return "Tool " + ev.name + (ev.ok ? " ✓" : " failed (" + (ev.code || "error") + ")");
      case "staff_message": return "Spoken: " + ev.text;
      case "barge_in": return "The shopper interrupted";
      case "takeover": return "Taken over by " + ev.by;
      case "handback": return "Handed back by " + ev.by;
      case "handoff": return "Asked for a human" + (ev.reason ? ": " + ev.reason : "");
      case "session": return ev.resumed ? "Shopper reconnected" : "Shopper connected";
      case "disconnected": return "Shopper disconnected";
      case "metrics": return ev.eos_to_first_audio_ms != null ? "First audio after " + Math.round(ev.eos_to_first_audio_ms) + " ms" : null;
      default: return null;
    }
  }

  // ------------------------------------------------------------------ list page
  function listRow(id) {
    var table = root.querySelector(".vx-live-list tbody");
    if (!table) return null;
    var row = table.querySelector('tr[data-session-id="' + id + '"]');
    if (row) return row;
    var empty = table.querySelector(".vx-empty");
    if (empty) empty.remove();
    row = el("tr");
    row.dataset.sessionId = id;
    var link = el("a", "", id.slice(0, 8));
    link.href = detailUrl(id);
    var first = el("td");
    first.appendChild(link);
    row.appendChild(first);
    ["vx-col-channel", "vx-col-language", "vx-col-customer", "vx-col-status", "vx-col-owner", "vx-col-turns",
     "vx-col-latest"].forEach(function (cls) {
      row.appendChild(el("td", cls, ""));
    });
    row.querySelector(".vx-col-owner").textContent = "assistant";
    row.querySelector(".vx-col-turns").textContent = "0";
    table.insertBefore(row, table.firstChild);
    return row;
  }

  function onListEvent(id, ev) {
    var text = summary(ev);
    if (text === null) return;
    var row = listRow(id);
    if (!row) return;
    var latest = row.querySelector(".vx-col-latest");
    latest.textContent = text.length > 140 ? text.slice(0, 139) + "…" : text;
    latest.appendChild(el("time", "vx-col-at", " " + clock(ev.at)));
    if (ev.channel) row.querySelector(".vx-col-channel").textContent = ev.channel;
    if (ev.language) row.querySelector(".vx-col-language").textContent = ev.language;
    if (ev.customer) row.querySelector(".vx-col-customer").textContent = ev.customer;
    if (ev.type === "message" && ev.role === "user") {
      var turns = row.querySelector(".vx-col-turns");
      turns.textContent = String((parseInt(turns.textContent, 10) || 0) + 1);
    }
    if (ev.type === "takeover") row.querySelector(".vx-col-owner").textContent = ev.by;
    if (ev.type === "handback") row.querySelector(".vx-col-owner").textContent = "assistant";
    if (ev.type === "takeover") removeFromQueue(id);
    if (ev.status) row.querySelector(".vx-col-status").textContent = ev.status;
    row.classList.remove("vx-flash");
    void row.offsetWidth; // restart the highlight animation
    row.classList.add("vx-flash");
    var body = row.parentNode;
    if (body.firstChild !== row) body.insertBefore(row, body.firstChild);
  }

  function removeFromQueue(id) {
    var row = root.querySelector('.vx-queue tr[data-session-id="' + id + '"]');
    if (row) row.remove();
  }

  function addToQueue(msg) {
    var table = root.querySelector(".vx-queue tbody");
    if (!table || table.querySelector('tr[data-session-id="' + msg.session_id + '"]')) return;
    var empty = table.querySelector(".vx-empty");
    if (empty) empty.remove();
    var row = el("tr", "vx-flash");
    row.dataset.sessionId = msg.session_id;
    var link = el("a", "", msg.session_id.slice(0, 8));
    link.href = detailUrl(msg.session_id);
    var first = el("td");
    first.appendChild(link);
    row.appendChild(first);
    row.appendChild(el("td", "", msg.customer || "—"));
    row.appendChild(el("td", "", msg.language || ""));
    row.appendChild(el("td", "", msg.channel || ""));
    row.appendChild(el("td", "", clock(msg.requested_at)));
    table.appendChild(row); // oldest first: a new request waits at the end
  }

  // ------------------------------------------------------------------ handoff notification
  function notifyHandoff(msg) {
    waiting += 1;
    document.title = "(" + waiting + ") Handoff requested — " + baseTitle;
    banner.querySelector(".vx-handoff-text").textContent =
      (msg.customer ? msg.customer + ": " : "") + (msg.reason || "") + " (" + msg.session_id.slice(0, 8) + ")";
    banner.hidden = false;
    addToQueue(msg);
    if (page === "list") {
      onListEvent(msg.session_id, { type: "handoff", reason: msg.reason, status: "handed_off", at: msg.requested_at,
                                    channel: msg.channel, language: msg.language, customer: msg.customer });
    }
    if ("Notification" in window && Notification.permission === "granted") {
      try { new Notification("A shopper asked for a human", { body: msg.reason || msg.session_id, tag: msg.session_id }); } catch (e) { /* optional */ }
    }
  }

  banner.querySelector(".vx-dismiss").addEventListener("click", function () {
    banner.hidden = true;
    waiting = 0;
    document.title = baseTitle;
  });
  if ("Notification" in window && Notification.permission === "default") {
    // Asked once, on the first click anywhere: browsers refuse permission prompts without a gesture.
    document.addEventListener("click", function ask() {
      document.removeEventListener("click", ask);
      Notification.requestPermission();
    });
  }

  // ------------------------------------------------------------------ conversation page
  var transcript = root.querySelector(".vx-transcript");
  var activity = root.querySelector(".vx-activity");
  var errorLine = root.querySelector(".vx-error");

  function lastId() {
    var items = transcript ? transcript.querySelectorAll("li[data-id]") : [];
    var max = parseInt(root.dataset.lastId || "0", 10) || 0;
    for (var i = 0; i < items.length; i++) max = Math.max(max, parseInt(items[i].dataset.id, 10) || 0);
    return max;
  }

  function addMessage(ev) {
    if (transcript.querySelector('li[data-id="' + ev.id + '"]')) return; // already rendered
    var li = el("li", "vx-msg vx-" + ev.role);
    li.dataset.id = ev.id;
    li.appendChild(el("span", "vx-who", who(ev)));
    var text = el("span", "vx-text", ev.text);
    if (ev.language) text.lang = ev.language;
    li.appendChild(text);
    li.appendChild(el("time", "", clock(ev.at)));
    transcript.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
  }

  function setOwner(owner) {
    root.dataset.owner = owner || "";
    var mine = owner && owner === root.dataset.user;
    root.querySelector(".vx-owner").textContent = owner || "assistant";
    var takeover = root.querySelector("form.vx-takeover");
    if (!takeover) return;
    takeover.hidden = !!owner;
    root.querySelector("form.vx-handback").hidden = !owner;
    root.querySelector("form.vx-reply").hidden = !mine;
  }

  function onConversationEvent(ev) {
    if (ev.type === "message") addMessage(ev);
    else if (ev.type === "takeover") setOwner(ev.by);
    else if (ev.type === "handback") setOwner("");
    if (ev.status) root.querySelector(".vx-status").textContent = ev.status;
    var text = summary(ev);
    if (text && ev.type !== "message") activity.textContent = clock(ev.at) + " " + text;
  }

  if (page === "conversation") {
    Array.prototype.forEach.call(root.querySelectorAll(".vx-controls form"), function (form) {
      form.addEventListener("submit", function (e) {
        if (!ws || ws.readyState !== WebSocket.OPEN) return; // the plain POST still works
        e.preventDefault();
        var action = form.querySelector("button").dataset.action;
        var msg = { action: action, session_id: sessionId };
        if (action === "reply") {
          msg.text = form.querySelector("textarea").value;
          if (!msg.text.trim()) return;
        }
        errorLine.textContent = "";
        ws.send(JSON.stringify(msg));
      });
    });
  }

  // ------------------------------------------------------------------ socket
  function handle(msg) {
    switch (msg.type) {
      case "hello":
        setStatus("Live: connected as " + msg.user, true);
        if (page === "conversation") ws.send(JSON.stringify({ action: "watch", session_id: sessionId, after_id: lastId() }));
        break;
      case "event":
        if (page === "list") onListEvent(msg.session_id, msg.event);
        else if (page === "conversation" && msg.session_id === sessionId) onConversationEvent(msg.event);
        else if (page === "queue" && msg.event.type === "takeover") removeFromQueue(msg.session_id);
        break;
      case "handoff":
        notifyHandoff(msg);
        if (page === "conversation" && msg.session_id === sessionId) root.querySelector(".vx-status").textContent = "handed_off";
        break;
      case "ok":
        if (msg.action === "takeover" || msg.action === "handback") setOwner(msg.taken_over_by);
        if (msg.action === "reply") {
          root.querySelector("form.vx-reply textarea").value = "";
          if (msg.message) addMessage(msg.message);
        }
        break;
      case "error":
        if (errorLine) errorLine.textContent = msg.detail;
        else setStatus(msg.detail, false);
        break;
    }
  }

  function connect() {
    ws = new WebSocket(wsUrl());
    ws.onmessage = function (e) {
      try { handle(JSON.parse(e.data)); } catch (err) { setStatus("Bad live message: " + err, false); }
    };
    ws.onopen = function () { retry = 0; };
    ws.onclose = function () {
      setStatus("Live updates disconnected; reconnecting…", false);
      var delay = Math.min(15000, 500 * Math.pow(2, retry++));
      setTimeout(connect, delay);
    };
  }

  connect();
})();
