// The call-taker's screen by keyboard: one key per answer (the key shown beside it), focus
// moving on to the next question, T to the warm transfer and D to dispatch the
// recommendation. The screen works without this file: the answers are ordinary radio buttons.
(function () {
  "use strict";
  var form = document.querySelector("form.pmhc-callform");
  if (!form) { return; }

  function groups() {
    return Array.prototype.slice.call(form.querySelectorAll("fieldset.pmhc-keyed"));
  }

  function focusGroup(group) {
    if (!group) { return; }
    var target = group.querySelector("input:checked") || group.querySelector("input");
    if (target) { target.focus(); }
  }

  form.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var input = event.target;
    if (!input.matches || !input.matches("fieldset.pmhc-keyed input[type=radio]")) { return; }
    var key = event.key.toLowerCase();
    var group = input.closest("fieldset.pmhc-keyed");
    if (key === "d") {
      event.preventDefault();
      var dispatch = document.getElementById("dispatch-recommended");
      if (dispatch) { dispatch.click(); }
      return;
    }
    if (key === "t") {
      event.preventDefault();
      focusGroup(document.getElementById("transfer-line"));
      return;
    }
    var options = group.querySelectorAll("input[data-key]");
    for (var i = 0; i < options.length; i += 1) {
      if (options[i].getAttribute("data-key") === key) {
        event.preventDefault();
        options[i].checked = true;
        options[i].dispatchEvent(new Event("change", { bubbles: true }));
        var all = groups();
        var next = all[all.indexOf(group) + 1];
        if (next) {
          focusGroup(next);
        } else {
          options[i].focus();
        }
        return;
      }
    }
  });
})();
