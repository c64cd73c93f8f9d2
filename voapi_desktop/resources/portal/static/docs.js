/* The docs page: example tabs, copy buttons, and the signed-in visitor's key revealed or copied on demand.
   The page holds only a masked key; the full one comes from POST /api/token/{id}/key (portal.js's
   tokenKey, with the New-Api-User header the API requires) when the visitor asks. Written for this project (MIT). */
(function () {
  "use strict";
  const portal = window.VoapiPortal;  // portal.js, loaded before this script
  let fullKey = null;

  async function loadKey() {
    const holder = document.getElementById("docs-key");
    if (!holder || !holder.dataset.tokenId) { return null; }
    if (!fullKey) { fullKey = await portal.tokenKey(holder.dataset.tokenId); }
    return fullKey;
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
    else if (target.hasAttribute("data-copy-code")) { await portal.copyText(await codeText(target.closest(".code-block"))); }
    else if (target.hasAttribute("data-copy-docs-key")) { const key = await loadKey(); if (key) { await portal.copyText(key); } }
    else if (target.hasAttribute("data-reveal-key")) { await toggleReveal(target); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".tabs [data-tab].active").forEach(showTab);
  });
})();
