// Forms marked data-submit-once send once: a second tap on a slow network
// would otherwise post again. The server treats a repeat as the same check-in
// anyway; this only spares the member a confusing second round trip.
(function () {
  "use strict";
  document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
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
})();
