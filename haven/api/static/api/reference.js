/* The API reference: Swagger UI over Haven's own schema. "Try it out" uses the page's
   session; the CSRF token rides along on writes, as the web forms send it. */
(function () {
  "use strict";
  var root = document.getElementById("swagger");
  var csrf = root.getAttribute("data-csrf");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema"),
    dom_id: "#swagger",
    deepLinking: true,
    validatorUrl: null,
    requestInterceptor: function (request) {
      request.headers["X-CSRFToken"] = csrf;
      return request;
    },
  });
})();
