/* VoAPI Desktop portal, the API keys page: the new key's group and quota.
   Written for this project (MIT, like the rest of it); no third-party code, no build step.
   The group select is filled from GET /api/user/self/groups and shown only when there is a choice.
   The quota is typed in the display unit (USD, CNY or quota units) and converted to integer quota
   units for the REST API, which keeps new-api's raw units: quota = amount x factor rounded half up,
   with the factor an exact fraction rendered by the server, in BigInt arithmetic, the same rule as
   core.pricing.from_display. The note under the field shows the exact quota that will be stored. */
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return name in values ? String(values[name]) : whole;
    });
  }

  // "12.345" -> [12345n, 1000n]; null unless a plain non-negative decimal
  function decimal(text) {
    const match = /^(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!match || match[1] + (match[2] || "") === "") { return null; }
    const digits = match[2] || "";
    return [BigInt((match[1] || "0") + digits), 10n ** BigInt(digits.length)];
  }

  // floor(amount x factor + 1/2) = floor((2 n num + d den) / (2 d den)); BigInt division floors non-negatives
  function toQuota(text, factor) {
    const amount = decimal(text);
    if (amount === null) { return null; }
    const [n, d] = amount;
    const [num, den] = factor;
    return (2n * n * num + d * den) / (2n * d * den);
  }

  function showQuota(form) {
    const amount = form.querySelector("#quota-amount");
    const stored = form.elements.remain_quota;
    const note = form.querySelector("#quota-stored");
    const factor = amount.dataset.factor.split("/").map(BigInt);
    const quota = toQuota(amount.value, factor);
    const fits = quota !== null && quota <= BigInt(Number.MAX_SAFE_INTEGER);
    const limited = !form.elements.unlimited_quota.checked;  // portal.js shows the field on the same change
    amount.setCustomValidity(limited && !fits ? amount.dataset.bad : "");
    stored.value = fits ? quota.toString() : "";
    note.textContent = fits ? fill(note.dataset.text, {quota: quota.toLocaleString("en-US")}) : "";
  }

  async function loadGroups(field) {
    const answer = await window.VoapiPortal.api("GET", "/api/user/self/groups");
    if (!answer.success) { return; }
    const groups = answer.data || {};
    const own = field.dataset.ownGroup;
    const select = field.querySelector("select");
    const mine = groups[own] || {ratio: 1, desc: ""};
    select.add(new Option(fill(field.dataset.mine, {group: own, ratio: mine.ratio}), ""));
    for (const name of Object.keys(groups).sort()) {
      if (name === own) { continue; }
      const group = groups[name];
      select.add(new Option(fill(field.dataset.option, {group: name, desc: group.desc, ratio: group.ratio}), name));
    }
    field.hidden = select.options.length < 2;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("key-form");
    if (!form) { return; }
    form.addEventListener("input", function (event) {
      if (event.target.id === "quota-amount") { showQuota(form); }
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "unlimited_quota") { showQuota(form); }
    });
    showQuota(form);
    loadGroups(document.getElementById("group-field"));
  });
})();
