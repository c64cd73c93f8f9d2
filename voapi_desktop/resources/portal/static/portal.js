/* VoAPI Desktop portal: forms and buttons that call the REST API, the mobile sidebar, copy buttons.
   Written for this project (MIT, like the rest of it); no third-party code, no build step.
   Every call sends the New-Api-User header, which the API requires with a session cookie:
   a page on another site cannot set it, so these writes are safe from cross-site requests.
   Page scripts loaded after this one (docs.js) use window.VoapiPortal: text, toast, api, copyText, tokenKey. */
(function () {
  "use strict";
  const userId = document.body.dataset.userId || "";
  const texts = JSON.parse(document.body.dataset.texts || "{}");  // the page's language, from base.html

  function text(key, fallback) { return texts[key] || fallback; }

  function toast(message, ok) {
    const box = document.getElementById("toast");
    if (!box) { return; }
    box.textContent = message;
    box.className = "toast " + (ok ? "ok" : "bad");
    box.hidden = false;
  }

  // Toasts in the page's language where the portal knows what happened: success ("done", "a code was
  // sent to ..."), no answer, and a 429 (from its status and Retry-After). Other refusals show the REST
  // API's message, which scripts read too and which stays new-api's English.
  function tooMany(response) {
    return text("js.too_many", "too many requests; retry in {seconds} s")
      .replace("{seconds}", response.headers.get("Retry-After") || "?");
  }

  async function api(method, path, body) {
    const headers = {"Accept": "application/json"};
    if (userId) { headers["New-Api-User"] = userId; }
    const init = {method: method, headers: headers, credentials: "same-origin"};
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let answer;
    try {
      const response = await fetch(path, init);
      answer = response.status === 429 ? {success: false, message: tooMany(response)} : await response.json();
    } catch (error) {
      answer = {success: false, message: text("js.no_answer", "the gateway did not answer") + ": " + error.message};
    }
    if (!answer.success) { toast(answer.message || text("js.failed", "the request failed"), false); }
    return answer;
  }

  function formBody(form) {
    const body = {};
    for (const field of form.elements) {
      if (!field.name || field.disabled || field.closest("[hidden]")) { continue; }
      if (field.type === "checkbox") { body[field.name] = field.checked; continue; }
      const value = field.value.trim();
      if (value === "") { continue; }
      body[field.name] = field.dataset.type === "integer" ? Number(value) : (field.type === "password" ? field.value : value);
    }
    return body;
  }

  function split(spec) {
    const at = spec.indexOf(" ");
    return [spec.slice(0, at), spec.slice(at + 1)];
  }

  async function submitForm(event) {
    event.preventDefault();
    const form = event.target;
    const [method, path] = split(form.dataset.api);
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    const answer = await api(method, path, formBody(form));
    button.disabled = false;
    if (!answer.success) { return; }
    if ("showKey" in form.dataset) {
      document.getElementById("new-key-value").textContent = answer.data.key;
      document.getElementById("new-key").hidden = false;
      sessionStorage.setItem("voapi-new-key", answer.data.key);
      location.reload();
    } else if (form.dataset.next) {
      location.assign(form.dataset.next);
    } else {
      sessionStorage.setItem("voapi-toast", text("js.done", "done"));
      location.reload();
    }
  }

  async function callButton(button) {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) { return; }
    const [method, path] = split(button.dataset.call);
    button.disabled = true;
    const answer = await api(method, path, button.dataset.body ? JSON.parse(button.dataset.body) : undefined);
    button.disabled = false;
    if (answer.success) {
      sessionStorage.setItem("voapi-toast", text("js.done", "done"));
      location.reload();
    }
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

  // A key's full value (the pages hold only masked keys), or null after a toast saying why not.
  async function tokenKey(id) {
    const answer = await api("POST", "/api/token/" + encodeURIComponent(id) + "/key");
    return answer.success ? answer.data.key : null;
  }

  async function copyKey(id) {
    const key = await tokenKey(id);
    if (key) { await copyText(key); }
  }

  async function sendCode(button) {
    const email = button.form.elements.email.value.trim();
    if (!email) { toast(text("js.email_first", "enter your email address first"), false); return; }
    const answer = await api("GET", "/api/verification?email=" + encodeURIComponent(email));
    if (answer.success) { toast(text("js.code_sent", "a code was sent to") + " " + email, true); }
  }

  function toggleSidebar() {
    const open = document.body.classList.toggle("sidebar-open");
    const button = document.querySelector(".menu-button");
    if (button) { button.setAttribute("aria-expanded", String(open)); }
  }

  // The notice banner stays closed until its text changes (its id is a hash of the text).
  const NOTICE_KEY = "voapi-notice-dismissed";

  function dismissNotice(banner) {
    banner.hidden = true;
    try { localStorage.setItem(NOTICE_KEY, banner.dataset.noticeId); } catch (error) { /* private mode */ }
  }

  function showNotice() {
    const banner = document.getElementById("notice-banner");
    let dismissed = null;
    try { dismissed = localStorage.getItem(NOTICE_KEY); } catch (error) { /* private mode */ }
    if (banner && dismissed === banner.dataset.noticeId) { banner.hidden = true; }
  }

  window.VoapiPortal = {text: text, toast: toast, api: api, copyText: copyText, tokenKey: tokenKey};

  document.addEventListener("submit", function (event) {
    if (event.target.dataset.api) { submitForm(event); }
  });
  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-call],[data-copy-key],[data-copy-from],[data-toggle-sidebar],[data-send-code],[data-dismiss-notice]");
    if (!target) { return; }
    if (target.dataset.call) { callButton(target); }
    else if (target.dataset.copyKey) { copyKey(target.dataset.copyKey); }
    else if (target.dataset.copyFrom) { copyText(document.querySelector(target.dataset.copyFrom).textContent); }
    else if ("toggleSidebar" in target.dataset) { toggleSidebar(); }
    else if ("sendCode" in target.dataset) { sendCode(target); }
    else if ("dismissNotice" in target.dataset) { dismissNotice(target.closest(".notice-banner")); }
  });
  document.addEventListener("change", function (event) {
    const toggles = event.target.dataset.toggles;
    if (toggles) { document.querySelector(toggles).hidden = event.target.checked; }
  });
  document.addEventListener("DOMContentLoaded", function () {
    showNotice();
    const message = sessionStorage.getItem("voapi-toast");
    if (message) { sessionStorage.removeItem("voapi-toast"); toast(message, true); }
    const key = sessionStorage.getItem("voapi-new-key");
    if (key && document.getElementById("new-key")) {
      sessionStorage.removeItem("voapi-new-key");
      document.getElementById("new-key-value").textContent = key;
      document.getElementById("new-key").hidden = false;
    }
    for (const cell of document.querySelectorAll("[data-time]")) {
      cell.textContent = new Date(Number(cell.dataset.time) * 1000).toLocaleString();
    }
  });
})();
