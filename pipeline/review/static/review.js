// Keyboard triage for the article page: j/k next/previous claim, c confirm, d dismiss,
// e edit wording, n note, Esc leaves a field. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function go(id) {
    var a = document.getElementById(id);
    if (a) { window.location.href = a.href; }
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (ev.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(document.activeElement)) { return; }
    var f;
    switch (ev.key) {
      case "j": go("nav-next"); break;
      case "k": go("nav-prev"); break;
      case "c":
        f = document.getElementById("form-confirm");
        if (f) { f.requestSubmit ? f.requestSubmit() : f.submit(); }
        break;
      case "d": f = document.getElementById("dismiss-reason"); if (f) { f.focus(); } break;
      case "e": f = document.getElementById("edit-wording"); if (f) { f.focus(); f.select(); } break;
      case "n": f = document.getElementById("note-text"); if (f) { f.focus(); } break;
      default: return;
    }
    ev.preventDefault();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var open = document.querySelector("li.claim.open");
    if (open && open.scrollIntoView) { open.scrollIntoView({block: "nearest"}); }
    var hl = document.querySelector("#article-text a.selected");
    if (hl && hl.scrollIntoView) { hl.scrollIntoView({block: "center"}); }
  });
})();
