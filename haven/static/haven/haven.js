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
  // A region that shows work under way (data-refresh: seconds) is asked for again and
  // updated in place, not the whole page reloaded: focus stays where it is, and a screen
  // reader hears the status only when it changes. When the region says the work is done
  // (it no longer asks to be refreshed), the page is loaded again, with what came of it.
  document.querySelectorAll("[data-refresh][id]").forEach(function (region) {
    var wait = (parseInt(region.getAttribute("data-refresh"), 10) || 3) * 1000;
    function ask() {
      fetch(window.location.href, { credentials: "same-origin" }).then(function (response) {
        return response.text().then(function (html) { return [response.ok, html]; });
      }).then(function (answer) {
        var next = answer[0] && new DOMParser().parseFromString(answer[1], "text/html").getElementById(region.id);
        // Done, signed out, or refused: the page itself says which.
        if (!next || !next.hasAttribute("data-refresh")) { window.location.reload(); return; }
        if (next.innerHTML !== region.innerHTML) region.innerHTML = next.innerHTML;
        setTimeout(ask, wait);
      }).catch(function () { setTimeout(ask, wait * 2); });  // offline: ask again later
    }
    setTimeout(ask, wait);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    folding().forEach(function (details) {
      if (details.contains(document.activeElement)) details.querySelector("summary").focus();
      details.open = false;
    });
  });
});
