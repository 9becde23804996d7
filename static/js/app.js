// Small behaviours shared by every page: the loading convention, errors said where they
// happened, toasts for success, confirm dialogs, copy buttons and menus.
(function () {
  "use strict";

  // -- toasts: for success only; an error is said inline, next to what failed -------------

  function toast(message) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var item = document.createElement("div");
    item.className = "toast";
    item.textContent = message;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 4000);
  }

  document.addEventListener("autoflow:toast", function (event) {
    if (event.detail.level === "error") return; // the fragment already says it where it happened
    toast(event.detail.message);
  });

  // -- one loading convention ------------------------------------------------------------
  // The control that started a request (the submit button of a form, the clicked button or
  // link, the changed select) is disabled and shows a spinner until the answer is swapped in.

  var CONTROLS = "button, a, select, input[type=submit]";

  function controlFor(elt, trigger) {
    if (!elt || !elt.matches) return null;
    if (elt.matches(CONTROLS)) return elt;
    if (elt.tagName !== "FORM") return null; // a region refreshing itself: nothing was clicked
    if (trigger && trigger.submitter) return trigger.submitter;
    if (trigger && trigger.target && trigger.target.matches && trigger.target.matches(CONTROLS)) return trigger.target;
    return elt.querySelector("button[type=submit], button:not([type]), input[type=submit]");
  }

  function setBusy(control, busy) {
    if (!control) return;
    if (busy) {
      control.setAttribute("aria-busy", "true");
      if (control.tagName === "A") control.setAttribute("aria-disabled", "true");
      else control.disabled = true;
    } else {
      control.removeAttribute("aria-busy");
      if (control.tagName === "A") control.removeAttribute("aria-disabled");
      else control.disabled = false;
    }
  }

  function navigating(on) {
    document.documentElement.classList.toggle("is-navigating", on);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail;
    var config = detail.requestConfig || {};
    var control = controlFor(detail.elt, config.triggeringEvent);
    if (detail.boosted) {
      navigating(true);
      closeMenus();
    }
    clearInlineError(detail.elt, control);
    if (control && !control.hasAttribute("aria-busy")) {
      setBusy(control, true);
      detail.xhr.autoflowControl = control;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var control = xhr && xhr.autoflowControl;
    if (control && !xhr.getResponseHeader("HX-Redirect")) setBusy(control, false);
    if (!xhr || !xhr.getResponseHeader("HX-Redirect")) navigating(false);
  });
  // The page kept for the back button must not come back busy, or with a menu open.
  function settleAll(root) {
    root.querySelectorAll("[aria-busy=true]").forEach(function (control) { setBusy(control, false); });
    root.querySelectorAll("details.menu[open]").forEach(function (menu) { menu.removeAttribute("open"); });
  }
  document.addEventListener("htmx:beforeHistorySave", function (event) {
    settleAll(event.detail.historyElt || document.body);
  });
  document.addEventListener("htmx:historyRestore", function () {
    navigating(false);
    settleAll(document.body);
  });

  // Plain forms (sign-in, set-up) follow the same convention until the next page arrives.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || form.method === "dialog") return;
    var control = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    setTimeout(function () { setBusy(control, true); }, 0); // after the browser read the form
  });
  window.addEventListener("pageshow", function () {
    navigating(false);
    document.querySelectorAll("[aria-busy=true]").forEach(function (control) { setBusy(control, false); });
  });

  // -- errors: said once, where they happened ---------------------------------------------

  function errorPlace(elt, control) {
    var anchor = control || elt;
    if (!anchor || !anchor.isConnected) return null;
    var form = anchor.closest("form");
    if (form && form.classList.contains("inline")) return form.closest(".row-actions, td, li") || form;
    return form || anchor.closest(".picker-row, .row-actions, li, section") || anchor.parentElement;
  }

  function clearInlineError(elt, control) {
    var place = errorPlace(elt, control);
    if (!place) return;
    var old = place.nextElementSibling;
    if (old && old.classList.contains("inline-error")) old.remove();
  }

  function sayInline(elt, control, message, detail) {
    var place = errorPlace(elt, control);
    if (!place) { window.alert(message); return; }
    clearInlineError(elt, control);
    var box = document.createElement("div");
    box.className = "form-error inline-error";
    box.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent = message;
    box.appendChild(text);
    if (detail) {
      var more = document.createElement("details");
      more.className = "error-detail";
      var summary = document.createElement("summary");
      summary.textContent = "Details";
      var code = document.createElement("code");
      code.textContent = detail;
      more.appendChild(summary);
      more.appendChild(code);
      box.appendChild(more);
    }
    place.insertAdjacentElement("afterend", box);
  }

  // Answers that htmx does not swap (403, 404, 429, 5xx): the server sends one readable
  // sentence; the status is the detail.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var config = event.detail.requestConfig || {};
    if (event.detail.boosted && config.verb === "get") {
      // Moving to another page: let the browser load it and show the server's error page.
      window.location.assign(event.detail.pathInfo.requestPath);
      return;
    }
    var message = (xhr.responseText || "").trim().slice(0, 300) || "The request failed.";
    sayInline(event.detail.elt, xhr.autoflowControl, message, "HTTP " + xhr.status + " from " + (event.detail.pathInfo.requestPath || ""));
  });
  document.addEventListener("htmx:sendError", function (event) {
    var xhr = event.detail.xhr;
    sayInline(event.detail.elt, xhr && xhr.autoflowControl, "Could not reach Auto-Flow. Check your connection and try again.");
  });

  // -- confirm dialog: hx-confirm opens ours instead of window.confirm ---------------------

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

  // -- copy buttons --------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var text = button.getAttribute("data-copy");
    var done = function () { toast("Copied to the clipboard."); };
    var fallback = function () {
      var field = button.parentElement.querySelector("input");
      if (field) { field.select(); document.execCommand("copy"); done(); }
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  });

  // -- menus: a tap outside, Escape, or choosing an entry closes them ------------------------

  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (event) {
    var menu = event.target.closest("details.menu");
    if (menu && event.target.closest(".menu-panel a")) { menu.removeAttribute("open"); return; }
    closeMenus(menu);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector("details.menu[open]");
    if (!open) return;
    closeMenus();
    var summary = open.querySelector("summary");
    if (summary) summary.focus();
  });
})();
