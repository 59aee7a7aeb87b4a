// Served from /sw.js rather than /static/ so that its scope is the whole site.
"use strict";
const CACHE = "netbranch-{{ version }}";
const OFFLINE = "{{ offline_url }}";
const STATIC = "{{ static_url }}";
const ASSETS = {{ assets|safe }};
// Names with a content hash (ManifestStaticFilesStorage) never change; others
// (development) may, so they are fetched first and the cache is a fallback.
const HASHED = /\.[0-9a-f]{12}\.\w+$/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([...ASSETS, OFFLINE])).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

function keep(request, response) {
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages carry one member's data: they are never stored, and the offline
    // page (the same for everyone) stands in when the network is gone.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE, { ignoreVary: true })));
  } else if (url.pathname.startsWith(STATIC)) {
    event.respondWith(
      HASHED.test(url.pathname)
        ? caches.match(request).then((hit) => hit || fetch(request).then((response) => keep(request, response)))
        : fetch(request)
            .then((response) => keep(request, response))
            .catch(() => caches.match(request)),
    );
  }
});
