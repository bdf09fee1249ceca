// A link to a part of a page that sits in a closed <details> section ("#facts", "#quote-3") opens that
// section and scrolls to it, on arrival and on in-page links. Without this script the sections stay closed
// and the browser still scrolls to their headings.
"use strict";
(function () {
  function open(hash) {
    var id = decodeURIComponent((hash || "").slice(1));
    var target = id && document.getElementById(id);
    if (!target) {
      return;
    }
    var inner = target.tagName === "DETAILS" ? target : target.querySelector(":scope > details");
    if (inner) {
      inner.open = true;
    }
    for (var node = target.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", function () { open(location.hash); });
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element ? event.target.closest("a[href^='#']") : null;
    if (link && link.getAttribute("href") === location.hash) {
      open(location.hash);  // the same link again: no hashchange, but its section may have been closed since
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { open(location.hash); });
  } else {
    open(location.hash);
  }
}());
