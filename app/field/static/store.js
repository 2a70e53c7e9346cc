// IndexedDB: the queue of operations (with their photos as Blobs), the tokens and small settings.
// Shared by the pages and the service worker, so nothing here touches the DOM.
const DB_NAME = "phoqr-field";
let opening = null;

function db() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const d = req.result;
        d.createObjectStore("ops", { keyPath: "op_id" });
        d.createObjectStore("kv");
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => { opening = null; reject(req.error); };
    });
  }
  return opening;
}

function run(store, mode, fn) {
  return db().then((d) => new Promise((resolve, reject) => {
    const tx = d.transaction(store, mode);
    let value;
    const req = fn(tx.objectStore(store));
    if (req) req.onsuccess = () => { value = req.result; };
    tx.oncomplete = () => resolve(value);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  }));
}

export const kvGet = (key) => run("kv", "readonly", (s) => s.get(key));
export const kvSet = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
export const kvDel = (key) => run("kv", "readwrite", (s) => s.delete(key));
export const kvKeys = () => run("kv", "readonly", (s) => s.getAllKeys());
export const opPut = (op) => run("ops", "readwrite", (s) => s.put(op));
export const opGet = (id) => run("ops", "readonly", (s) => s.get(id));
export const opDel = (id) => run("ops", "readwrite", (s) => s.delete(id));

export async function opsAll() {
  const ops = await run("ops", "readonly", (s) => s.getAll());
  return (ops || []).sort((a, b) => a.seq - b.seq);
}

export function uuid() {
  return crypto.randomUUID();
}

let counter = 0;
export function nextSeq() {
  counter += 1;
  return Date.now() * 1000 + (counter % 1000);
}

export async function deviceId() {
  let id = await kvGet("device_id");
  if (!id) {
    id = "field-" + uuid();
    await kvSet("device_id", id);
  }
  return id;
}

// An operation is acknowledged once the server has answered it (whatever the answer); until then it counts.
export const isPending = (op) => op.state === "pending";
