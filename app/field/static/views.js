// Today's work, a street's shops and the send queue.
import { go, kick } from "./app.js";
import { Offline, getJson, tokens } from "./api.js";
import { h, whenIdle } from "./dom.js";
import { errorText, getLang, t } from "./i18n.js";
import { isPending, kvDel, kvGet, kvKeys, kvSet, opDel, opsAll } from "./store.js";
import { ownedBy } from "./sync.js";

// A read that still answers offline: the last copy kept in IndexedDB (the service worker keeps one too).
export async function cachedJson(key, path) {
  try {
    const data = await getJson(path, { lang: getLang() });
    await kvSet(`cache:${key}`, data);
    return { data, cached: false };
  } catch (err) {
    if (!(err instanceof Offline)) throw err;
    const data = await kvGet(`cache:${key}`);
    return { data, cached: true };
  }
}

let lastWork = null; // this page's copy, so the form needs no storage read either

export async function loadWork() {
  const answer = await cachedJson("work", "field/work");
  if (answer.data) lastWork = answer.data;
  return answer;
}

// Signing out: this user's copies go (the queue stays, each operation sent only under the user who queued it).
export async function forgetData() {
  lastWork = null;
  for (const key of await kvKeys()) if (String(key).startsWith("cache:")) await kvDel(key);
}

export const currentWork = () => lastWork;

// For the form: the copy on this phone at once (a tap must answer in well under 100 ms), refreshed once the
// phone is idle (a fetch and a storage write finishing during the form's first paint would delay it).
export async function quickWork() {
  const copy = lastWork || (await kvGet("cache:work"));
  if (!copy) return loadWork();
  whenIdle(() => loadWork().catch(() => {}));
  return { data: copy, cached: false };
}

const fmtPct = (p) => (p === null || p === undefined ? "–" : new Intl.NumberFormat(getLang()).format(p) + " %");

function figures(row) {
  return h("p", { class: "figures" },
    h("span", {}, t("shops", { n: row.shops })), " · ",
    h("span", { class: row.without_qr ? "todo" : "" }, t("without_qr", { n: row.without_qr })), " · ",
    h("strong", {}, fmtPct(row.pct)));
}

function meter(pct) {
  const value = Math.max(0, Math.min(100, pct || 0));
  return h("progress", { max: "100", value: String(value), "aria-label": `${t("coverage")} ${fmtPct(pct)}` });
}

export const newShopButton = (streetId) =>
  h("a", { class: "button primary fab", href: `#/new${streetId ? `?street=${streetId}` : ""}`, "data-action": "new-shop" }, "+ ", t("new_shop"));

function cachedNote(cached) {
  return cached ? h("p", { class: "note", role: "status" }, t("cached")) : null;
}

export async function workView() {
  const { data, cached } = await loadWork();
  if (!data) return [h("h1", {}, t("work_title")), h("p", {}, t("no_data"))];
  const units = data.units.map((u) => h("li", { class: "card" },
    h("h3", {}, u.name), meter(u.pct), figures(u)));
  const streets = data.streets.map((s) => h("li", { class: "card street" },
    h("a", { href: `#/street/${s.id}`, "data-street-id": s.id },
      h("span", { class: "name" }, s.name), s.segment ? h("span", { class: "segment" }, ` (${s.segment})`) : null),
    s.is_model_street ? h("span", { class: "badge model" }, t("model")) : null,
    s.kind === "market" ? h("span", { class: "badge" }, t("market")) : null,
    meter(s.pct), figures(s)));
  return [
    h("h1", {}, t("work_title")),
    h("p", { class: "who" }, data.user.full_name, " ", h("a", { class: "link", href: "#/signout", "data-action": "signout" }, t("signout"))),
    cachedNote(cached),
    newShopButton(),
    h("h2", {}, t("units")), h("ul", { class: "list" }, units),
    h("h2", {}, t("streets")), h("ul", { class: "list" }, streets),
  ];
}

export function shopBadges(m) {
  const badges = [];
  if (m.local) badges.push(h("span", { class: "badge warn" }, t(m.local)));
  if (m.review) badges.push(h("span", { class: "badge" }, t(`review_${m.review.state}`)));
  if (m.status === "closed") badges.push(h("span", { class: "badge" }, t("status_closed")));
  if (m.qr) badges.push(h("span", { class: "badge ok" }, t("qr_issued")));
  else if (!m.local) badges.push(h("span", { class: "badge todo" }, t("qr_none")));
  if (m.bank_status && m.payment_account) badges.push(h("span", { class: "badge" }, t(`bank_${m.bank_status.state}`)));
  return badges;
}

// Shops queued on this phone and not yet on the server, shown like the server's with "not sent".
export async function localShops(filter) {
  const ops = await opsAll();
  const shops = new Map();
  for (const op of ops) {
    if (op.type !== "upsert_merchant" || !filter(op.payload)) continue;
    if (op.state === "done") { shops.delete(op.merchant_id); continue; }
    shops.set(op.merchant_id, { ...op.payload, id: op.merchant_id, local: op.state === "pending" ? "not_synced" : "st_invalid" });
  }
  return [...shops.values()];
}

export async function streetView(streetId) {
  const { data: work } = await loadWork();
  const street = work?.streets.find((s) => s.id === streetId);
  const { data, cached } = await cachedJson(`street:${streetId}`, `merchants?street_id=${streetId}&limit=500`);
  const server = data?.items || [];
  const known = new Set(server.map((m) => m.id));
  const local = (await localShops((p) => Number(p.street_id) === streetId)).filter((m) => !known.has(m.id));
  const shops = [...local, ...server];
  const items = shops.map((m) => h("li", { class: "card shop", "data-shop-id": m.id },
    h("a", { href: `#/shop/${m.id}` }, h("span", { class: "name" }, m.name)),
    h("p", { class: "addr" }, [m.house_number, street?.name].filter(Boolean).join(" ")),
    h("p", { class: "badges" }, shopBadges(m))));
  return [
    h("p", {}, h("a", { href: "#/work" }, "← ", t("back"))),
    h("h1", {}, street ? street.name : t("street_title")),
    street ? [meter(street.pct), figures(street)] : null,
    cachedNote(cached),
    newShopButton(streetId),
    h("h2", {}, t("street_title")),
    items.length ? h("ul", { class: "list" }, items) : h("p", {}, t("no_shops")),
  ];
}

function opStatus(op, who) {
  if (op.state === "pending") return ownedBy(op, who) ? "pending" : "waiting-owner";
  return op.result?.status || (op.state === "done" ? "created" : "failed");
}

function opItem(op, shopsById, who) {
  const status = opStatus(op, who);
  const label = op.type === "photo" ? `${t("op_photo")}: ${shopsById.get(op.merchant_id) || ""}` : `${t("op_upsert")}: ${op.label}`;
  const errors = (op.result?.errors || []).filter((e) => op.state === "failed");
  const dup = op.result?.duplicate_of;
  return h("li", { class: `card op ${op.state}`, "data-op-id": op.op_id, "data-op-status": status, "data-merchant-id": op.merchant_id },
    h("p", { class: "name" }, label),
    h("p", { class: "status" }, t(`st_${status.replace("-", "_")}`, { user: op.owner_name || "?" })),
    dup ? h("p", {}, h("a", { href: `#/shop/${dup}`, "data-duplicate-of": dup }, t("see_duplicate"))) : null,
    errors.map((e) => h("p", { class: "error", "data-error": e.field || "" }, e.field ? `${t(`f_${e.field.split(".").pop()}`)}: ` : "", errorText(e))),
    op.state === "done" && op.type !== "photo" ? h("a", { href: `#/shop/${op.merchant_id}` }, t("shop_title")) : null,
    op.state === "failed" && op.type === "upsert_merchant" ? h("a", { class: "button", href: `#/edit/${op.op_id}` }, t("fix")) : null);
}

export async function queueView() {
  const ops = (await opsAll()).reverse();
  const who = await tokens();
  const shopsById = new Map(ops.filter((o) => o.type === "upsert_merchant").map((o) => [o.merchant_id, o.label]));
  const clear = async () => {
    for (const op of ops) if (op.state === "done") await opDel(op.op_id);
    go("#/queue");
  };
  return [
    h("h1", {}, t("queue_title")),
    h("p", { class: "actions" },
      h("button", { type: "button", class: "primary", "data-action": "sync", onclick: () => kick() }, t("sync_now")),
      h("button", { type: "button", onclick: clear }, t("clear_done"))),
    newShopButton(),
    ops.length ? h("ul", { class: "list" }, ops.map((op) => opItem(op, shopsById, who))) : h("p", {}, t("queue_empty")),
    h("p", { class: "note" }, t("pending", { n: ops.filter(isPending).length })),
  ];
}
