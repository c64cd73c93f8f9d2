/* The playground: a streaming chat through the relay with one of the user's keys. Written for this
   project (MIT). The conversation and the settings stay in this browser (localStorage, per user);
   the key itself is never stored. Stop aborts the request; the gateway bills what was produced. */
(function () {
  "use strict";
  const root = document.getElementById("playground");
  const texts = JSON.parse(root.dataset.texts);
  const STORE = "voapi-playground:" + (document.body.dataset.userId || "");
  const $ = function (id) { return document.getElementById(id); };
  const state = load();
  let running = null;

  function load() {
    try { return Object.assign(fresh(), JSON.parse(localStorage.getItem(STORE)) || {}); }
    catch (error) { return fresh(); }
  }

  function fresh() {
    return {messages: [], system: "", temperature: 0.7, maxTokens: "", tokenId: "", model: ""};
  }

  function save() {
    state.system = $("system-prompt").value;
    state.temperature = Number($("temperature").value);
    state.maxTokens = $("max-tokens").value;
    state.tokenId = $("key-picker").value;
    state.model = $("model-picker").value || state.model;
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (error) { /* full or private mode */ }
  }

  function bubble(message) {
    const box = document.createElement("div");
    box.className = "message " + message.role + (message.stopped ? " stopped" : "") + (message.error ? " failed" : "");
    const who = document.createElement("div");
    who.className = "who-said";
    who.textContent = message.role === "user" ? texts["play.you"] : texts["play.assistant"];
    const body = document.createElement("div");
    body.className = "message-body markdown";
    paint(body, message);
    box.append(who, body);
    return box;
  }

  function paint(body, message) {
    if (message.role === "user") { body.textContent = message.content; return; }
    let html = window.VoapiMarkdown.render(message.content);
    if (message.stopped) { html += '<p class="note">' + window.VoapiMarkdown.escape(texts["play.stopped"]) + "</p>"; }
    if (message.error) { html += '<p class="note error-text">' + window.VoapiMarkdown.escape(texts["play.error"] + ": " + message.error) + "</p>"; }
    body.innerHTML = html;  // escaped first by markdown-lite: no markup from the answer survives
  }

  function showAll() {
    const list = $("messages");
    list.replaceChildren();
    if (!state.messages.length) {
      const empty = document.createElement("p");
      empty.className = "muted empty";
      empty.textContent = texts["play.empty"];
      list.append(empty);
    }
    for (const message of state.messages) { list.append(bubble(message)); }
    list.scrollTop = list.scrollHeight;
  }

  function request() {
    const messages = [];
    if (state.system.trim()) { messages.push({role: "system", content: state.system}); }
    for (const message of state.messages) {
      if (message.content) { messages.push({role: message.role, content: message.content}); }
    }
    const body = {model: $("model-picker").value, messages: messages, stream: true,
                  temperature: Number($("temperature").value)};
    if ($("max-tokens").value) { body.max_tokens = Number($("max-tokens").value); }
    return body;
  }

  async function failure(response) {
    try {
      const answer = await response.json();
      return (answer.error && answer.error.message) || answer.message || String(response.status);
    } catch (error) { return String(response.status); }
  }

  // Reads the SSE stream, calling `add(text)` for every piece of the answer.
  async function readStream(response, add) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const {done, value} = await reader.read();
      if (done) { return; }
      buffer += decoder.decode(value, {stream: true});
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (!line.startsWith("data:") || line === "data: [DONE]") { continue; }
        const chunk = JSON.parse(line.slice(5));
        if (chunk.error) { throw new Error(chunk.error.message || "stream error"); }
        const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
        if (delta && delta.content) { add(delta.content); }
      }
    }
  }

  async function send(event) {
    event.preventDefault();
    const prompt = $("prompt").value.trim();
    if (!prompt || running) { return; }
    if (!$("key-picker").value || !$("model-picker").value) { $("prompt").placeholder = texts["play.pick_first"]; return; }
    save();
    state.messages.push({role: "user", content: prompt});
    const answer = {role: "assistant", content: ""};
    const body = request();
    state.messages.push(answer);
    $("prompt").value = "";
    showAll();
    const view = $("messages").lastElementChild.querySelector(".message-body");
    running = new AbortController();
    busy(true);
    try {
      const key = await window.VoapiKeys.reveal($("key-picker").value);
      const response = await fetch("/v1/chat/completions", {method: "POST", signal: running.signal, credentials: "omit",
        headers: {"Authorization": "Bearer " + key, "Content-Type": "application/json"}, body: JSON.stringify(body)});
      if (!response.ok) { throw new Error(await failure(response)); }
      await readStream(response, function (piece) { answer.content += piece; paint(view, answer); scroll(); });
    } catch (error) {
      if (error.name === "AbortError") { answer.stopped = true; } else { answer.error = error.message; }
    } finally {
      running = null;
      busy(false);
      paint(view, answer);
      view.parentElement.className = "message assistant" + (answer.stopped ? " stopped" : "") + (answer.error ? " failed" : "");
      save();
    }
  }

  function scroll() { const list = $("messages"); list.scrollTop = list.scrollHeight; }

  function busy(on) {
    $("send").disabled = on;
    $("stop").hidden = !on;
    root.dataset.busy = String(on);
  }

  function clear() {
    if (running) { running.abort(); }
    state.messages = [];
    save();
    showAll();
  }

  function start() {
    $("system-prompt").value = state.system;
    $("temperature").value = String(state.temperature);
    $("temperature-value").textContent = $("temperature").value;
    $("max-tokens").value = state.maxTokens;
    showAll();
    $("composer").addEventListener("submit", send);
    $("play-settings").addEventListener("submit", function (event) { event.preventDefault(); });
    $("prompt").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { send(event); }
    });
    $("stop").addEventListener("click", function () { if (running) { running.abort(); } });
    $("clear-chat").addEventListener("click", clear);
    $("temperature").addEventListener("input", function () { $("temperature-value").textContent = $("temperature").value; });
    $("play-settings").addEventListener("change", save);
    window.VoapiKeys.setup(texts, {tokenId: state.tokenId, model: state.model}, save);
  }

  start();
})();
