// The pricing page: switches between figures the server rendered (data-figure-<unit>-<currency>),
// shows or hides the raw ratios, filters the model cards by vendor and by the search box.
(function () {
  "use strict";
  const root = document.getElementById("pricing");
  if (!root) return;
  const KEY = "voapi.pricing";
  const state = { unit: root.dataset.unit, currency: root.dataset.currency, ratios: false, vendor: "", query: "" };
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "{}");
    if (saved.unit === "1k" || saved.unit === "1m") state.unit = saved.unit;
    if (saved.currency === "usd" || saved.currency === "cny") state.currency = saved.currency;
    state.ratios = saved.ratios === true;
  } catch (e) { /* private mode or a bad value: keep the server's defaults */ }

  function pressed(selector, attribute, value) {
    root.querySelectorAll(selector).forEach((button) => {
      button.setAttribute("aria-pressed", String(button.getAttribute(attribute) === value));
    });
  }

  function showFigures() {
    const suffix = state.unit + "-" + state.currency;
    root.querySelectorAll(".figure").forEach((el) => { el.textContent = el.getAttribute("data-figure-" + suffix); });
    root.querySelectorAll("[data-unit-label]").forEach((el) => { el.textContent = el.getAttribute("data-label-" + state.unit); });
    root.querySelectorAll(".ratios").forEach((el) => { el.hidden = !state.ratios; });
    pressed(".segmented [data-unit]", "data-unit", state.unit);
    pressed(".segmented [data-currency]", "data-currency", state.currency);
    document.getElementById("show-ratios").checked = state.ratios;
  }

  function filter() {
    let shown = 0;
    root.querySelectorAll(".model-card").forEach((card) => {
      const visible = (!state.vendor || card.dataset.vendor === state.vendor)
        && (!state.query || card.dataset.search.includes(state.query));
      card.hidden = !visible;
      if (visible) shown += 1;
    });
    root.querySelectorAll(".vendor-intro").forEach((el) => { el.hidden = el.dataset.vendor !== state.vendor; });
    pressed(".vendor-tab", "data-vendor", state.vendor);
    const empty = document.getElementById("pricing-empty");
    if (empty) empty.hidden = shown > 0;
  }

  function remember() {
    try {
      localStorage.setItem(KEY, JSON.stringify({ unit: state.unit, currency: state.currency, ratios: state.ratios }));
    } catch (e) { /* not stored: the choice lasts for this page only */ }
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || !root.contains(button)) return;
    if (button.classList.contains("vendor-tab")) {
      state.vendor = button.dataset.vendor;
      filter();
      return;
    }
    if (button.dataset.unit) state.unit = button.dataset.unit;
    else if (button.dataset.currency) state.currency = button.dataset.currency;
    else return;
    showFigures();
    remember();
  });
  document.getElementById("show-ratios").addEventListener("change", (event) => {
    state.ratios = event.target.checked;
    showFigures();
    remember();
  });
  const search = document.getElementById("pricing-search");
  search.addEventListener("input", () => {
    state.query = search.value.trim().toLowerCase();
    filter();
  });
  showFigures();
  filter();
})();
