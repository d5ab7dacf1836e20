// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // How long a form stays locked after its first submit, when no new page replaces it (a
  // download, a stopped load): then it may be sent again.
  var UNLOCK_AFTER_MS = 10000;

  function setBusy(form, busy) {
    // form.elements also holds the buttons outside the form that name it (form="...").
    Array.prototype.forEach.call(form.elements, function (button) {
      if (button.type !== "submit") { return; }
      button.disabled = busy;
      if (busy) { button.setAttribute("aria-disabled", "true"); }
      else { button.removeAttribute("aria-disabled"); }
    });
    if (busy) { form.setAttribute("data-submitting", ""); form.setAttribute("aria-busy", "true"); }
    else { form.removeAttribute("data-submitting"); form.removeAttribute("aria-busy"); }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) { return; }  // htmx or another handler sends it instead
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.method.toLowerCase() !== "post") { return; }
    if (form.hasAttribute("data-submitting")) {
      // A second click: the first submit is on its way (the server would ignore this one too).
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    // Disabled after this event, so that the clicked button's name and value still go with
    // the form (a disabled control is left out of what is sent).
    window.setTimeout(function () { setBusy(form, true); }, 0);
    window.setTimeout(function () { setBusy(form, false); }, UNLOCK_AFTER_MS);
  });

  // Back to a page kept in the browser's memory: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submitting]"), function (form) {
      setBusy(form, false);
    });
  });

  // A page that shows form errors starts at their summary, which links to each field.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (target && navigator.clipboard) {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var status = document.getElementById(button.getAttribute("data-copy-status"));
        if (status) { status.textContent = status.getAttribute("data-done"); }
      });
    }
  });
})();
