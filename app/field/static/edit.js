// Editing: a queued operation the server refused or found in conflict, fixed and sent again, and a shop already
// on the server edited against its version.
import { getJson } from "./api.js";
import { h } from "./dom.js";
import { build, save } from "./form.js";
import { getLang, t } from "./i18n.js";
import { opDel, opGet } from "./store.js";
import { quickWork } from "./views.js";

// The fields an edit changed: what the form sent that differs from the copy it started from.
function changed(base, payload) {
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const out = {};
  for (const [key, value] of Object.entries(payload)) {
    if (key === "base_version" || key === "id") continue;
    const before = base?.[key];
    if (key === "payment_account" && value && before) {
      if (!["bank_bin", "account_number", "account_name"].every((k) => same(value[k], before[k]))) out[key] = value;
    } else if (key === "location" && value && before) {
      if (value.lat !== before.lat || value.lon !== before.lon) out[key] = value;
    } else if (!same(value, before)) out[key] = value;
  }
  return out;
}

function editScreen(work, initial, errors, onSave, note) {
  const { form, start } = build(work, initial, errors, onSave);
  start();
  return [h("h1", {}, t("edit_title")), note ? h("p", { class: "note conflict", role: "status", "data-conflict": initial.version }, note) : null, form];
}

// the server's answer trimmed to what an edit sends (a location without the server's extra keys)
function asEditable(shop) {
  const loc = shop.location;
  return { ...shop, location: loc ? { lat: loc.lat, lon: loc.lon, accuracy_m: loc.accuracy_m ?? null } : null };
}

// #/edit/<op_id>: an operation the server refused, fixed and sent again (same shop id, a new operation id). A
// conflict (the shop changed on the server since the edit began) reopens with the server's copy and this
// user's changes on top, sent against the server's version.
// #/edit/<merchant_id>: an existing shop edited against its version (If-Match through /sync base_version);
// offline, the copy the service worker kept when the shop's page was last read.
export async function editForm(key) {
  const { data: work } = await quickWork();
  const op = await opGet(key);
  if (op) {
    const server = op.result?.status === "conflict" ? op.result.server_copy : null;
    const resend = async (payload, photo, extra, base) => { await opDel(op.op_id); await save(payload, photo, extra, { base }); };
    if (server) {
      const ours = changed(op.base, op.payload);
      const initial = { ...asEditable(server), ...ours };
      return editScreen(work, initial, [], (payload, photo) => resend(payload, photo, { base_version: server.version }, asEditable(server)), t("conflict_note"));
    }
    const extra = op.payload.base_version === undefined ? {} : { base_version: op.payload.base_version };
    return editScreen(work, op.payload, op.result?.errors, (payload, photo) => resend(payload, photo, extra, op.base));
  }
  const shop = asEditable(await getJson(`merchants/${key}`, { lang: getLang() }));
  return editScreen(work, shop, [], (payload, photo) => save(payload, photo, { base_version: shop.version }, { base: shop }));
}
