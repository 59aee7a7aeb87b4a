// Forms marked data-submit-once send once, and a check-in made without a
// connection is kept on the phone and sent later. The server treats a resend
// with the same nonce as the same check-in, so sending twice is harmless.
(function () {
  "use strict";
  // base.html loads this on every page, to send saved check-ins wherever the
  // member is; the activity pages include it as well.
  if (window.netbranchCheckin) return;
  window.netbranchCheckin = true;
  var KEY = "netbranch:checkins";
  var tag = document.querySelector("script[data-queued]");
  var text = tag ? tag.dataset : {};
  var sending = false;

  function load() {
    try {
      return JSON.parse(localStorage.getItem(KEY)) || [];
    } catch (e) {
      return [];
    }
  }
  function store(items) {
    if (items.length) localStorage.setItem(KEY, JSON.stringify(items));
    else localStorage.removeItem(KEY);
  }
  function token() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input && input.value;
  }
  function path(url) {
    return new URL(url, location.href).pathname;
  }
  function say(message, where) {
    if (!message) return;
    var p = document.createElement("p");
    p.className = "message";
    p.setAttribute("role", "status");
    p.textContent = message;
    (where || document.querySelector("main")).prepend(p);
  }
  // The server renders the answer; this puts it in place of the page's own.
  function show(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main");
    var main = document.querySelector("main");
    if (!fresh || !main) return;
    fresh.querySelectorAll("script").forEach(function (s) {
      s.remove();
    });
    main.replaceWith(fresh);
  }
  function post(action, body) {
    return fetch(action, { method: "POST", body: body, credentials: "same-origin" });
  }

  // Saved check-ins go out one by one; a failure stops the round until later.
  function flush() {
    var items = load().filter(function (item) {
      return item.user === text.user;
    });
    if (sending || !items.length || !text.user) return;
    sending = true;
    var item = items[0];
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token() || item.csrf);
    body.append("nonce", item.nonce);
    body.append("city", item.city);
    body.append("next", item.next);
    post(item.action, body)
      .then(function (response) {
        if (response.status >= 500) throw new Error(response.status);
        if (response.ok && path(response.url) === text.login) {
          say(text.relogin);
          throw new Error("login");
        }
        store(
          load().filter(function (other) {
            return other !== item && !(other.action === item.action && other.user === item.user);
          }),
        );
        if (!response.ok) return say(text.failed);
        return response.text().then(function (html) {
          if (path(response.url) === location.pathname) return show(html);
          var doc = new DOMParser().parseFromString(html, "text/html");
          doc.querySelectorAll(".messages .message").forEach(function (li) {
            say(li.textContent);
          });
        });
      })
      .then(function () {
        sending = false;
        flush();
      })
      .catch(function () {
        sending = false;
      });
  }

  function keep(form) {
    var items = load().filter(function (item) {
      return !(item.action === form.action && item.user === text.user);
    });
    items.push({
      action: form.action,
      next: form.elements.next ? form.elements.next.value : location.pathname,
      nonce: form.elements.nonce.value,
      csrf: form.elements.csrfmiddlewaretoken.value,
      city: form.elements.city ? form.elements.city.value : "",
      user: text.user,
    });
    store(items);
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      if (button.dataset.label) button.textContent = button.dataset.label;
    });
    say(text.queued, form);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-submit-once]")) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    var pressed = event.submitter;
    // Disabled after the event so the pressed button still counts as submitted.
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
        if (button === pressed && button.dataset.busy) {
          button.dataset.label = button.textContent;
          button.textContent = button.dataset.busy;
        }
      });
    }, 0);
    if (!form.elements.nonce || !text.user || !window.fetch) return;
    event.preventDefault();
    post(form.action, new FormData(form))
      .then(function (response) {
        if (!response.ok) return HTMLFormElement.prototype.submit.call(form);
        if (path(response.url) !== location.pathname) return location.assign(response.url);
        return response.text().then(show);
      })
      .catch(function () {
        keep(form);
      });
  });

  // Coming back with the browser's back button restores the page as it was left.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = false;
        if (button.dataset.label) button.textContent = button.dataset.label;
      });
    });
  });
  window.addEventListener("online", flush);
  flush();
})();
