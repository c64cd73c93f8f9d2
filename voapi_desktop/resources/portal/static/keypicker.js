/* The key and model pickers of the playground and the chat page. Written for this project (MIT).
   Keys are listed through the REST API (masked); a full key is fetched only when picked, with the
   reveal route, and kept in this page's memory; the models are the key's own (GET /v1/models). */
(function () {
  "use strict";
  const userId = document.body.dataset.userId || "";
  const revealed = new Map();

  async function api(method, path) {
    const response = await fetch(path, {method: method, credentials: "same-origin",
      headers: {"Accept": "application/json", "New-Api-User": userId}});
    const answer = await response.json();
    if (!answer.success) { throw new Error(answer.message || String(response.status)); }
    return answer.data;
  }

  async function enabledKeys() {
    const data = await api("GET", "/api/token/?p=1&page_size=100");
    return data.items.filter(function (token) { return token.status === 1; });
  }

  async function reveal(tokenId) {
    if (!revealed.has(tokenId)) {
      revealed.set(tokenId, (await api("POST", "/api/token/" + tokenId + "/key")).key);
    }
    return revealed.get(tokenId);
  }

  async function models(key) {
    const response = await fetch("/v1/models", {headers: {"Authorization": "Bearer " + key}, credentials: "omit"});
    const answer = await response.json();
    if (!response.ok) { throw new Error((answer.error && answer.error.message) || String(response.status)); }
    return answer.data.map(function (model) { return model.id; }).sort();
  }

  function fill(select, values, empty) {
    select.replaceChildren();
    if (!values.length) { select.append(new Option(empty, "")); }
    for (const [value, label] of values) { select.append(new Option(label, value)); }
  }

  // `texts`: the page's translated texts; `saved`: {tokenId, model} to restore; `onChange` after each pick.
  async function setup(texts, saved, onChange) {
    const keySelect = document.querySelector("[data-key-picker]");
    const modelSelect = document.querySelector("[data-model-picker]");
    async function pickKey() {
      fill(modelSelect, [], texts["pick.loading"]);
      if (!keySelect.value) { fill(modelSelect, [], texts["pick.no_models"]); onChange(); return; }
      try {
        const names = await models(await reveal(keySelect.value));
        fill(modelSelect, names.map(function (name) { return [name, name]; }), texts["pick.no_models"]);
        if (saved.model && names.includes(saved.model)) { modelSelect.value = saved.model; }
      } catch (error) {
        fill(modelSelect, [], texts["pick.failed"] + ": " + error.message);
      }
      onChange();
    }
    keySelect.addEventListener("change", pickKey);
    modelSelect.addEventListener("change", function () { saved.model = modelSelect.value; onChange(); });
    try {
      const keys = await enabledKeys();
      fill(keySelect, keys.map(function (token) { return [String(token.id), token.name + " (" + token.key + ")"]; }),
        texts["pick.no_keys"]);
      if (keys.some(function (token) { return String(token.id) === String(saved.tokenId); })) {
        keySelect.value = String(saved.tokenId);
      }
    } catch (error) {
      fill(keySelect, [], texts["pick.failed"] + ": " + error.message);
    }
    await pickKey();
    keySelect.dataset.ready = "true";
  }

  window.VoapiKeys = {setup: setup, reveal: reveal};

  const chatForm = document.getElementById("chat-form");
  if (chatForm) {
    setup(JSON.parse(chatForm.dataset.texts), {}, function () {});
  }
})();
