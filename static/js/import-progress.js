// Polls the import's status once a second and moves the <progress> bar;
// reloads the page when the work is done, so the result is rendered server-side.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var processed = box.querySelector("[data-import-processed]");
  var label = document.querySelector("[data-import-status]");
  function poll() {
    fetch(box.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        bar.max = Math.max(data.total, 1);
        bar.value = data.processed;
        bar.textContent = data.processed + " / " + data.total;
        if (processed) processed.textContent = data.processed;
        if (label) label.textContent = data.status_label;
        if (data.working) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.assign(data.url);
        }
      })
      .catch(function () {
        // A dropped connection on a phone: try again a little later.
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 1000);
})();
