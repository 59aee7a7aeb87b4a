// The service worker lives at the site root (its scope is every page); pages
// are never stored by it, only the static files and the offline page.
(function () {
  "use strict";
  var tag = document.querySelector("script[data-sw]");
  if (!tag || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(tag.dataset.sw, { scope: "/" }).catch(function () {
    // Without it the site works as before, only not offline.
  });
})();
