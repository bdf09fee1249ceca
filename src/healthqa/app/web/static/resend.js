// The getting-ready page of a posted question sends the form again after the server's Retry-After seconds:
// a refresh would drop the question, and a link would show its words in the address bar. Without this
// script the question stays in the box and the form's button asks it.
"use strict";
(function () {
  var form = document.querySelector("form[data-resend-after]");
  if (!form) {
    return;
  }
  var seconds = parseInt(form.getAttribute("data-resend-after"), 10);
  window.setTimeout(function () {
    var box = form.querySelector("textarea");
    // Not while the person is changing the question: the button is theirs to press then.
    if (box && document.activeElement !== box && box.value.trim()) {
      form.submit();
    }
  }, (seconds > 0 ? seconds : 10) * 1000);
}());
