/* The home page's typewriter: types the template's notes one after another, then starts over.
   Written for this project (MIT); no third-party code. Without JS the notes show as a plain list. */
(function () {
  "use strict";
  const TYPE_MS = 55, ERASE_MS = 25, HOLD_MS = 1600;

  function start(list) {
    const out = document.querySelector("[data-typewriter-out]");
    const lines = Array.from(list.querySelectorAll("li"), function (item) { return item.textContent; });
    if (!out || !lines.length) { return; }
    list.hidden = true;
    out.parentElement.removeAttribute("aria-hidden");
    out.parentElement.setAttribute("aria-live", "off");
    if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) { out.textContent = lines[0]; return; }
    let line = 0, shown = 0, erasing = false;
    function step() {
      const text = lines[line];
      if (!erasing && shown < text.length) { shown += 1; out.textContent = text.slice(0, shown); return setTimeout(step, TYPE_MS); }
      if (!erasing) { erasing = true; return setTimeout(step, HOLD_MS); }
      if (shown > 0) { shown -= 1; out.textContent = text.slice(0, shown); return setTimeout(step, ERASE_MS); }
      erasing = false;
      line = (line + 1) % lines.length;
      setTimeout(step, TYPE_MS);
    }
    step();
  }

  document.addEventListener("DOMContentLoaded", function () {
    const list = document.querySelector("[data-typewriter]");
    if (list) { start(list); }
  });
})();
