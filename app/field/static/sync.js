// The offline queue, replayed. Registrations and edits go to /sync in batches (≤ 500, the API's limit), photos
// to /merchants/{id}/photos once their shop exists. Each operation keeps the op_id it was given when queued, so a
// retry after a lost answer is a replay the server recognises, never a second shop. Runs in a page or in the
// service worker (Background Sync), one at a time across all of them (Web Lock).
import { Offline, Problem, SignedOut, call, isOurJson, tokens } from "./api.js";
import { deviceId, isPending, opPut, opsAll } from "./store.js";

const BATCH = 500;
const PHOTO_RETRY_MS = [0, 5_000, 30_000, 120_000, 600_000];
const OK_SHOP = new Set(["created", "updated", "unchanged"]);

// Each operation records who queued it, and is sent only under that user's login: the queue belongs to the
// phone, the work to the agent who did it. Operations queued before owners were recorded go with anyone's.
export async function enqueue(op) {
  const who = await tokens();
  const owner = who ? { owner: who.user, owner_name: who.username } : {};
  await opPut({ state: "pending", attempts: 0, created_at: new Date().toISOString(), ...owner, ...op });
  notify();
}

export const ownedBy = (op, who) => !op.owner || (!!who && op.owner === who.user);

function notify() {
  if (typeof BroadcastChannel !== "undefined") new BroadcastChannel("phoqr-queue").postMessage("changed");
}

function lock(fn) {
  if (self.navigator && navigator.locks) {
    return navigator.locks.request("phoqr-sync", { ifAvailable: true }, (l) => (l ? fn() : "busy"));
  }
  return fn();
}

export async function syncNow(lang = "vi") {
  const who = await tokens();
  if (!who) return "signed-out";
  return lock(async () => {
    try {
      await sendShops(lang, who);
      await sendPhotos(lang, who);
      return "done";
    } catch (err) {
      if (err instanceof Offline) return "offline";
      if (err instanceof SignedOut) return "signed-out";
      throw err;
    } finally {
      notify();
    }
  });
}

async function sendShops(lang, who) {
  for (;;) {
    const batch = (await opsAll()).filter((o) => isPending(o) && o.type !== "photo" && ownedBy(o, who)).slice(0, BATCH);
    if (!batch.length) return;
    const body = {
      device_id: await deviceId(),
      operations: batch.map((o) => ({ op_id: o.op_id, type: o.type, payload: o.payload })),
    };
    const res = await call("sync", {
      method: "POST", lang, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    if (!isOurJson(res)) {
      if (res.status === 422 || res.status === 413) {
        const problem = await res.json().catch(() => null);
        if (problem) throw new Problem(res.status, problem); // a bug of ours: stop, keep everything queued
      }
      throw new Offline(`sync answered ${res.status}`);
    }
    const answer = await res.json();
    const byId = new Map(answer.results.map((r) => [r.op_id, r]));
    let progressed = false;
    for (const op of batch) {
      const result = byId.get(op.op_id);
      if (!result) continue;
      const internal = result.errors?.[0]?.code === "internal_error";
      if (internal) { op.attempts += 1; op.last_error = result.errors[0].message; await opPut(op); continue; }
      op.state = OK_SHOP.has(result.status) ? "done" : "failed";
      op.result = result;
      op.done_at = answer.server_time;
      await opPut(op);
      progressed = true;
    }
    if (!progressed) return; // only internal errors: try again on the next trigger
  }
}

async function sendPhotos(lang, who) {
  const ops = await opsAll();
  const shops = new Map(ops.filter((o) => o.type === "upsert_merchant").map((o) => [o.merchant_id, o]));
  for (const op of ops.filter((o) => isPending(o) && o.type === "photo" && ownedBy(o, who))) {
    const shop = shops.get(op.merchant_id);
    if (shop && shop.state === "pending") continue; // after its shop exists
    if (shop && shop.state === "failed") {
      op.state = "failed";
      op.result = { status: "failed", errors: [{ field: "photo", code: "shop_not_registered", message: "" }] };
      await opPut(op);
      continue;
    }
    const wait = PHOTO_RETRY_MS[Math.min(op.attempts, PHOTO_RETRY_MS.length - 1)];
    if (op.tried_at && Date.now() - op.tried_at < wait) continue;
    const form = new FormData();
    form.append("file", op.blob, "photo.jpg");
    op.tried_at = Date.now();
    let res;
    try {
      res = await call(`merchants/${op.merchant_id}/photos`, {
        method: "POST", lang, body: form, headers: { "Idempotency-Key": op.op_id },
      });
    } catch (err) {
      op.attempts += 1;
      await opPut(op);
      throw err;
    }
    if (isOurJson(res)) {
      const photo = await res.json();
      op.state = "done";
      op.result = { status: "uploaded", photo_id: photo.id, merchant_id: op.merchant_id };
      delete op.blob; // the server has it now
    } else if ([400, 404, 409, 413, 415, 422].includes(res.status) && (res.headers.get("content-type") || "").includes("json")) {
      const problem = await res.json();
      op.state = "failed";
      op.result = { status: "invalid", errors: problem.errors?.length ? problem.errors : [{ field: "photo", message: problem.detail, code: problem.code }] };
    } else {
      op.attempts += 1; // 5xx, 429 or not our API: later
    }
    await opPut(op);
  }
}
