/* The docs page: example tabs, copy buttons, and the signed-in visitor's key revealed or copied on demand.
   The page holds only a masked key; the full one comes from POST /api/token/{id}/key (with the
   New-Api-User header the API requires) when the visitor asks. Written for this project (MIT). */
(function () {
  "use strict";
  const texts = JSON.parse(document.body.dataset.texts || "{}");
  let fullKey = null;

  function text(key, fallback) { return texts[key] || fallback; }

  function toast(message, ok) {
    const box = document.getElementById("toast");
    if (!box) { return; }
    box.textContent = message;
    box.className = "toast " + (ok ? "ok" : "bad");
    box.hidden = false;
  }

  async function loadKey() {
    const holder = document.getElementById("docs-key");
    if (!holder || !holder.dataset.tokenId) { return null; }
    if (fullKey) { return fullKey; }
    try {
      const response = await fetch("/api/token/" + encodeURIComponent(holder.dataset.tokenId) + "/key", {
        method: "POST", credentials: "same-origin",
        headers: {"Accept": "application/json", "New-Api-User": document.body.dataset.userId || ""}});
      const answer = await response.json();
      if (!answer.success) { toast(answer.message || text("js.failed", "the request failed"), false); return null; }
      fullKey = answer.data.key;
    } catch (error) {
      toast(text("js.no_answer", "the gateway did not answer") + ": " + error.message, false);
    }
    return fullKey;
  }

  async function copyText(value) {
    try {
      await navigator.clipboard.writeText(value);
    } catch (error) {
      const area = document.createElement("textarea");
      area.value = value;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    toast(text("js.copied", "copied"), true);
  }

  async function codeText(block) {
    const copy = block.querySelector("pre").cloneNode(true);
    const key = await loadKey();
    if (key) { copy.querySelectorAll(".key-slot").forEach(function (slot) { slot.textContent = key; }); }
    return copy.textContent;
  }

  async function toggleReveal(button) {
    const holder = document.getElementById("docs-key");
    const reveal = button.getAttribute("aria-pressed") !== "true";
    const key = reveal ? await loadKey() : holder.dataset.masked;
    if (!key) { return; }
    document.querySelectorAll(".key-slot").forEach(function (slot) { slot.textContent = key; });
    button.setAttribute("aria-pressed", reveal ? "true" : "false");
    button.textContent = reveal ? button.dataset.hide : button.dataset.show;
  }

  function showTab(button) {
    const section = button.closest("section");
    section.querySelectorAll("[data-tab]").forEach(function (tab) {
      const on = tab === button;
      tab.classList.toggle("active", on);
      tab.setAttribute("aria-selected", on ? "true" : "false");
    });
    section.querySelectorAll("[data-panel]").forEach(function (panel) { panel.hidden = panel.dataset.panel !== button.dataset.tab; });
  }

  document.addEventListener("click", async function (event) {
    const target = event.target.closest("[data-tab],[data-copy-code],[data-copy-docs-key],[data-reveal-key]");
    if (!target) { return; }
    if (target.dataset.tab) { showTab(target); }
    else if (target.hasAttribute("data-copy-code")) { await copyText(await codeText(target.closest(".code-block"))); }
    else if (target.hasAttribute("data-copy-docs-key")) { const key = await loadKey(); if (key) { await copyText(key); } }
    else if (target.hasAttribute("data-reveal-key")) { await toggleReveal(target); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".tabs [data-tab].active").forEach(showTab);
  });
})();
