// Type-to-find fields (haven/web/pickers.py): suggestions as one types, chosen with the
// keyboard or the mouse, following the ARIA combobox pattern. Without this script the
// text box still works: the server resolves what was typed when the form is sent.
"use strict";
(function () {
  var DELAY = 250;
  var counter = 0;

  // The CSRF cookie is HttpOnly: the token comes from the form the picker is in.
  function csrfToken(form) {
    var field = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function setUp(root) {
    var input = root.querySelector(".picker-find");
    var list = root.querySelector(".picker-list");
    if (!input || !list) return;
    var hidden = root.querySelector(".picker-id");
    var chosenList = root.querySelector(".picker-chosen");
    var multiple = root.hasAttribute("data-multiple");
    var name = hidden ? hidden.name : input.name.replace(/_find$/, "");
    var timer = null;
    var asked = 0;
    var options = [];
    var active = -1;
    list.id = list.id || "picker-list-" + (++counter);

    function close() {
      list.hidden = true;
      list.textContent = "";
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      options.forEach(function (option, n) {
        option.element.setAttribute("aria-selected", n === index ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      if (multiple) {
        var item = document.createElement("li");
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = name;
        box.value = option.id;
        box.checked = true;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + option.label));
        item.appendChild(label);
        chosenList.appendChild(item);
        input.value = "";
      } else {
        hidden.value = option.id;
        input.value = option.text;
      }
      close();
      input.focus();
    }

    function show(results, query) {
      close();
      if (root.hasAttribute("data-create")) {
        results = results.concat([{
          id: "new:" + query,
          label: root.getAttribute("data-create").replace("{name}", query),
          text: query,
        }]);
      }
      if (!results.length) {
        var empty = document.createElement("li");
        empty.className = "picker-empty";
        empty.textContent = root.getAttribute("data-none");
        list.appendChild(empty);
      }
      results.forEach(function (result, n) {
        var element = document.createElement("li");
        element.id = list.id + "-" + n;
        element.setAttribute("role", "option");
        element.setAttribute("aria-selected", "false");
        element.textContent = result.label;
        var option = { id: result.id, label: result.label, text: result.text || result.label, element: element };
        // mousedown, not click: it comes before the text box loses focus.
        element.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(option);
        });
        options.push(option);
        list.appendChild(element);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function ask() {
      var query = input.value.trim();
      if (query.length < 2) {
        close();
        return;
      }
      var body = new FormData();
      body.append("kind", root.getAttribute("data-kind"));
      body.append("q", query);
      body.append("team", root.getAttribute("data-team") || "");
      body.append("write", root.getAttribute("data-write") || "");
      if (root.hasAttribute("data-only")) body.append("only", root.getAttribute("data-only"));
      var number = ++asked;
      fetch(root.getAttribute("data-url"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(input.form) },
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (answer) {
          // An older answer arriving after a newer question is dropped.
          if (number === asked && document.activeElement === input) show(answer.results || [], query);
        })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      if (hidden) hidden.value = "";
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) {
          ask();
          return;
        }
        event.preventDefault();
        if (!options.length) return;
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + options.length) % options.length);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(options[active]);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });

    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-picker]").forEach(setUp);
  });
})();
