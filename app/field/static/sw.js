// The field app's service worker (scope /field). The shell is cached at install and served cache-first, so the
// app opens with no network; GETs of the API are network-first with the last answer kept as a fallback (the work
// list, a street's shops, QR images), revalidated with If-None-Match where the API gives an ETag.
import { syncNow } from "/field/static/sync.js";

const VERSION = "__VERSION__";
const SHELL_CACHE = `phoqr-shell-${VERSION}`;
const DATA_CACHE = "phoqr-data";
const SHELL = ["__SHELL__"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith("phoqr-shell-") && key !== SHELL_CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

function cacheable(url, request) {
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  return url.pathname.startsWith("/api/v1/") && !url.pathname.startsWith("/api/v1/auth/");
}

async function fromShell(request) {
  const url = new URL(request.url);
  const key = request.mode === "navigate" ? "/field" : url.pathname;
  const cached = await caches.match(key, { cacheName: SHELL_CACHE });
  if (cached) return cached;
  return fetch(request);
}

async function networkFirst(request) {
  const cache = await caches.open(DATA_CACHE);
  const cached = await cache.match(request);
  let forward = request;
  const tag = cached && cached.headers.get("ETag");
  if (tag && !request.headers.has("If-None-Match")) {
    const headers = new Headers(request.headers);
    headers.set("If-None-Match", tag);
    forward = new Request(request, { headers });
  }
  try {
    const res = await fetch(forward);
    if (res.status === 304 && cached && forward !== request) return cached;
    const type = res.headers.get("content-type") || "";
    if (res.status === 200 && !type.startsWith("text/html")) await cache.put(request, res.clone());
    return res;
  } catch (err) {
    if (cached) {
      const headers = new Headers(cached.headers);
      headers.set("X-PhoQR-Cached", "1");
      return new Response(await cached.blob(), { status: 200, headers });
    }
    throw err;
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  if (event.request.mode === "navigate" && (url.pathname === "/field" || url.pathname.startsWith("/field/"))) {
    event.respondWith(fromShell(event.request));
  } else if (url.pathname.startsWith("/field/static/") || url.pathname === "/field/manifest.webmanifest") {
    event.respondWith(fromShell(event.request));
  } else if (cacheable(url, event.request)) {
    event.respondWith(networkFirst(event.request));
  }
});

// Background Sync: the browser wakes us when the network is back, even with the app closed
self.addEventListener("sync", (event) => {
  if (event.tag === "phoqr-sync") event.waitUntil(syncNow().then((r) => { if (r === "offline") throw new Error("offline"); }));
});

self.addEventListener("message", (event) => {
  if (event.data === "clear-data") event.waitUntil(caches.delete(DATA_CACHE));
});
