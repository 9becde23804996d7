// Small behaviours shared by every page: toasts, confirm dialogs, copy buttons, readable errors.
(function () {
  "use strict";

  function toast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var item = document.createElement("div");
    item.className = "toast" + (level === "error" ? " error" : "");
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, level === "error" ? 8000 : 4000);
  }

  document.addEventListener("autoflow:toast", function (event) {
    toast(event.detail.message, event.detail.level);
  });

  // Requests that fail show what went wrong instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.getResponseHeader("HX-Trigger")) return; // the server already sent a toast
    toast("Request failed (" + xhr.status + "). " + (xhr.responseText || "").slice(0, 200), "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("Could not reach the server. Check your connection and try again.", "error");
  });

  // hx-confirm opens our dialog instead of window.confirm.
  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail.question;
    var dialog = document.getElementById("confirm-dialog");
    if (!question || !dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    dialog.querySelector(".dialog-message").textContent = question;
    dialog.returnValue = "";
    dialog.addEventListener("close", function onClose() {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "confirm") event.detail.issueRequest(true);
    });
    dialog.showModal();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () { toast("Copied to the clipboard."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { toast("Copy failed: select the text and copy it.", "error"); });
    } else {
      var field = button.parentElement.querySelector("input");
      if (field) { field.select(); document.execCommand("copy"); done(); }
    }
  });

  // Close open menus when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
})();
