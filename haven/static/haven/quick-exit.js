// Quick exit: hide the page the moment the button is pressed, before the server answers
// (the form's post then ends the session and leads to a neutral page). Without
// JavaScript the post alone does both.
"use strict";
document.addEventListener("submit", function (event) {
  if (!event.target.matches("form[data-quick-exit]")) return;
  document.title = "";
  document.body.hidden = true;
});
