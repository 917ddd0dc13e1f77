// HTX Connect check-in service worker: keeps the check-in page, its scripts and the roster
// available with no network (network first, the cache when offline). Scans themselves are
// queued by the page in IndexedDB, never here.
const CACHE = "htx-checkin-v1";
const STATIC = "{{ static }}";

self.addEventListener("install", (event) => { self.skipWaiting(); });
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

function cacheable(url) {
  return url.origin === self.location.origin && (
    url.pathname.startsWith(STATIC) || /^\/events\/\d+\/checkin\/(roster\/)?$/.test(url.pathname));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!cacheable(url)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(request, { ignoreSearch: url.pathname.endsWith("/roster/") });
      if (cached) return cached;
      throw error;
    }
  })());
});
