// Enter in a question box asks the question; Shift+Enter starts a new line. Without this script the
// box keeps a browser's usual behaviour and the form's button still asks.
"use strict";
(function () {
  if (document.documentElement.hasAttribute("data-enter-submits")) {
    return;  // included once already
  }
  document.documentElement.setAttribute("data-enter-submits", "");
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.ctrlKey || event.altKey ||
        event.metaKey || !(box instanceof HTMLTextAreaElement) || !box.hasAttribute("data-enter-submits")) {
      return;
    }
    var form = box.form;
    if (!form) {
      return;
    }
    event.preventDefault();
    if (form.requestSubmit) {
      form.requestSubmit();  // runs the form's checks (a blank question is refused) and its submit events
    } else if (form.reportValidity()) {
      form.submit();
    }
  });
}());
