/* API lines: time GET <line>/api/status from this browser. Written for this project (MIT).
   Another origin answers only when it allows it (this gateway's /api/status sends
   Access-Control-Allow-Origin: *); a line that does not answer within the timeout is unreachable. */
(function () {
  "use strict";
  const root = document.getElementById("lines");
  const texts = JSON.parse(root.dataset.texts);
  const TIMEOUT_MS = 5000;

  async function test(line) {
    const out = line.querySelector(".latency");
    out.className = "latency";
    out.textContent = texts["lines.testing"];
    const controller = new AbortController();
    const timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    const start = performance.now();
    try {
      await fetch(line.dataset.probe, {cache: "no-store", credentials: "omit", signal: controller.signal});
      const ms = Math.round(performance.now() - start);
      out.textContent = texts["lines.ms"].replace("{ms}", String(ms));
      out.className = "latency " + (ms < 300 ? "fast" : ms < 1000 ? "slow" : "bad");
      line.dataset.ms = String(ms);
    } catch (error) {
      out.textContent = texts["lines.unreachable"];
      out.className = "latency bad";
      line.dataset.ms = "";
    } finally {
      clearTimeout(timer);
    }
  }

  function testAll() {
    for (const line of root.querySelectorAll(".line")) { test(line); }
  }

  root.addEventListener("click", function (event) {
    const button = event.target.closest("[data-test-line]");
    if (button) { test(button.closest(".line")); }
  });
  document.getElementById("test-all").addEventListener("click", testAll);
  testAll();
})();
