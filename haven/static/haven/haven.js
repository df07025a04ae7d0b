// Haven's only script: progressive enhancements; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var button = select.form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The header's menus are <details>. On a wide screen the modules' menu stays open (a
  // browser without ::details-content would otherwise show it closed); Escape or a click
  // elsewhere closes an open menu, as people expect of a menu.
  var menu = document.querySelector("details[data-menu]");
  var wide = window.matchMedia("(min-width: 64rem)");
  function fit() { if (menu) menu.open = wide.matches; }
  fit();
  if (wide.addEventListener) wide.addEventListener("change", fit);
  function folding() {
    var open = Array.prototype.slice.call(document.querySelectorAll("details[data-dropdown][open]"));
    if (menu && menu.open && !wide.matches) open.push(menu);
    return open;
  }
  // On a phone, leaving the open menu with Tab folds it, so it does not hide the page.
  if (menu) menu.addEventListener("focusout", function (event) {
    if (!wide.matches && event.relatedTarget && !menu.contains(event.relatedTarget)) menu.open = false;
  });
  document.addEventListener("click", function (event) {
    folding().forEach(function (details) {
      if (!details.contains(event.target)) details.open = false;
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    folding().forEach(function (details) {
      if (details.contains(document.activeElement)) details.querySelector("summary").focus();
      details.open = false;
    });
  });
});
