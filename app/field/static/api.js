// Tokens and authenticated calls. Tokens live in IndexedDB (see README "Field app"): the refresh token rotates on
// every use, so a refresh runs under a Web Lock shared by every tab and the service worker and re-reads the
// stored pair first: two refreshes with the same token would end the whole login (reuse detection).
import { kvDel, kvGet, kvSet } from "./store.js";

const API = "/api/v1";
const EARLY_MS = 60_000; // refresh a minute before expiry

export class Offline extends Error {}
export class SignedOut extends Error {}
export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// Only our API's JSON counts: a captive portal's "200 OK" HTML page is not an answer.
export function isOurJson(res) {
  return [200, 201, 202].includes(res.status) && (res.headers.get("content-type") || "").includes("application/json");
}

async function withLock(name, fn) {
  if (self.navigator && navigator.locks) return navigator.locks.request(name, fn);
  return fn();
}

export async function tokens() { return kvGet("tokens"); }

// Whether this page holds a login, kept in memory so a route change (a tap) needs no storage read; every path
// here that stores or drops the tokens updates it (a worker's refusal is met by the next call's SignedOut).
let known = null;
export async function signedIn() {
  if (known === null) known = !!(await tokens());
  return known;
}
async function dropTokens() { known = false; await kvDel("tokens"); }

function stamp(pair) {
  return { access_token: pair.access_token, refresh_token: pair.refresh_token, expires_at: Date.now() + pair.expires_in * 1000 };
}

export async function signIn(username, password) {
  let res;
  try {
    res = await fetch(`${API}/auth/token`, { method: "POST", body: new URLSearchParams({ username, password }) });
  } catch { throw new Offline("network"); }
  if (!isOurJson(res)) {
    const body = await res.json().catch(() => null);
    if (body) throw new Problem(res.status, body);
    throw new Offline("not our API");
  }
  const pair = await res.json();
  await kvSet("tokens", { ...stamp(pair), ...owner(pair.access_token, username) });
  known = true;
  return pair;
}

// Who queued an operation: the user id the API put in the access token (`sub`), read once at sign-in.
function owner(accessToken, username) {
  try {
    const body = accessToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return { user: String(JSON.parse(atob(body)).sub), username };
  } catch { return { user: `name:${username}`, username }; }
}

export async function signOut() { await dropTokens(); }

async function refresh(seen) {
  return withLock("phoqr-auth", async () => {
    const current = await tokens();
    if (!current) throw new SignedOut("no tokens");
    // another tab or the service worker refreshed while we waited for the lock: use its pair
    if (current.access_token !== seen && current.expires_at - Date.now() > EARLY_MS) return current;
    let res;
    try {
      res = await fetch(`${API}/auth/refresh`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: current.refresh_token }),
      });
    } catch { throw new Offline("network"); }
    if (isOurJson(res)) {
      const next = { ...stamp(await res.json()), user: current.user, username: current.username };
      await kvSet("tokens", next);
      return next;
    }
    if (res.status === 401 || res.status === 422) {
      await dropTokens(); // the queue is a different store: nothing queued is touched
      throw new SignedOut("refresh refused");
    }
    throw new Offline(`refresh answered ${res.status}`);
  });
}

async function accessToken() {
  const current = await tokens();
  if (!current) throw new SignedOut("no tokens");
  if (current.expires_at - Date.now() > EARLY_MS) return current.access_token;
  return (await refresh(current.access_token)).access_token;
}

// fetch with the bearer token; one refresh and retry on 401. Network failure -> Offline.
export async function call(path, options = {}) {
  const go = async (token) => {
    const headers = new Headers(options.headers || {});
    headers.set("Authorization", `Bearer ${token}`);
    if (!headers.has("Accept-Language")) headers.set("Accept-Language", options.lang || "vi");
    try {
      return await fetch(path.startsWith("/") ? path : `${API}/${path}`, { ...options, headers });
    } catch { throw new Offline("network"); }
  };
  let token = await accessToken();
  let res = await go(token);
  if (res.status === 401) {
    token = (await refresh(token)).access_token;
    res = await go(token);
    if (res.status === 401) {
      await dropTokens();
      throw new SignedOut("401 after refresh");
    }
  }
  return res;
}

// GET JSON; Problem on an API error, Offline when the answer is not ours.
export async function getJson(path, options = {}) {
  const res = await call(path, options);
  if (isOurJson(res)) return res.json();
  const body = (res.headers.get("content-type") || "").includes("json") ? await res.json().catch(() => null) : null;
  if (body) throw new Problem(res.status, body);
  throw new Offline(`answered ${res.status}`);
}

// A file the API serves behind the token (QR image, sticker, photo) as a Blob.
export async function getBlob(path) {
  const res = await call(path);
  if (res.status !== 200) throw new Offline(`answered ${res.status}`);
  return res.blob();
}
