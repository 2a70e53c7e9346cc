// A shop's page: its details and photos, and the QR on the spot: issue it (once the shop is on the server) and
// show it full screen, download or share the A6 sticker, or register the bank QR the shop already shows.
import { Offline, Problem, call, getBlob, getJson, isOurJson } from "./api.js";
import { h, toast } from "./dom.js";
import { resizePhoto } from "./form.js";
import { getLang, t } from "./i18n.js";
import { uuid } from "./store.js";
import { localShops, newShopButton, shopBadges } from "./views.js";

async function post(path, body, key) {
  const res = await call(path, { method: "POST", lang: getLang(), headers: { "Content-Type": "application/json", "Idempotency-Key": key }, body: JSON.stringify(body) });
  const data = (res.headers.get("content-type") || "").includes("json") ? await res.json().catch(() => null) : null;
  if (isOurJson(res)) return data;
  if (data) throw new Problem(res.status, data);
  throw new Offline(`answered ${res.status}`);
}

async function showQr(code, shop) {
  const [image, sticker] = await Promise.all([getBlob(code.image_url + "?scale=10"), getBlob(code.sticker_url)]);
  const file = new File([sticker], `phoqr-${code.sticker_code}.pdf`, { type: "application/pdf" });
  const close = h("button", { type: "button", class: "primary", "data-action": "close-qr" }, t("close"));
  const share = navigator.canShare && navigator.canShare({ files: [file] })
    ? h("button", { type: "button", "data-action": "share-sticker", onclick: () => navigator.share({ files: [file], title: shop.name }).catch(() => {}) }, t("share"))
    : null;
  const dialog = h("div", { class: "qr-full", role: "dialog", "aria-modal": "true", "aria-labelledby": "qr-title" },
    h("h2", { id: "qr-title" }, t("qr_title")),
    h("p", { class: "shop-name" }, shop.name),
    h("img", { "data-qr": code.id, src: URL.createObjectURL(image), alt: `${t("qr_title")}: ${shop.name}` }),
    h("p", {}, t("qr_hint")),
    h("p", { class: "code" }, code.sticker_code),
    h("p", { class: "actions" },
      h("a", { class: "button", "data-sticker": code.sticker_code, href: URL.createObjectURL(file), download: file.name }, t("sticker")),
      share, close));
  close.addEventListener("click", () => dialog.remove());
  document.body.append(dialog);
  close.focus();
}

async function scanBlock(shop, online) {
  const out = h("div", { class: "scan-result", role: "status" });
  const register = async (payload) => {
    try {
      const decoded = await post("qr/decode", { payload }, uuid());
      out.replaceChildren(h("p", {}, t("scan_found", { bank: decoded.bank_short_name || decoded.scheme })),
        h("button", { type: "button", class: "primary", "data-action": "register-qr", onclick: async () => {
          try { await post(`merchants/${shop.id}/qr/existing`, { payload }, uuid()); toast(t("qr_registered")); location.reload(); }
          catch (err) { out.append(h("p", { class: "error", "data-error": "payload" }, err.message)); }
        } }, t("register_qr")));
    } catch (err) { out.replaceChildren(h("p", { class: "error", "data-error": "payload" }, err.message)); }
  };
  const photo = h("input", { type: "file", accept: "image/*", capture: "environment", id: "scan-photo" });
  photo.addEventListener("change", async () => {
    const file = photo.files?.[0];
    if (!file) return;
    let payload = null;
    if ("BarcodeDetector" in self) {
      const found = await new BarcodeDetector({ formats: ["qr_code"] }).detect(await createImageBitmap(file)).catch(() => []);
      payload = found[0]?.rawValue || null;
    }
    if (!payload) { // no detector on this browser: the server reads the photo
      const form = new FormData();
      form.append("file", (await resizePhoto(file)).blob, "qr.jpg"); // under the API's 1 MB body limit
      const res = await call("qr/decode/image", { method: "POST", body: form, lang: getLang() });
      payload = isOurJson(res) ? (await res.json()).payload : null;
    }
    if (payload) register(payload); else out.replaceChildren(h("p", { class: "error" }, t("scan_none")));
  });
  return h("div", { class: "field scan" }, h("label", { for: "scan-photo" }, t("scan_qr")), photo, out,
    online ? null : h("p", { class: "note" }, t("qr_offline")));
}

async function photos(shop) {
  const items = [];
  for (const p of shop.photos || []) {
    try { items.push(h("img", { class: "photo", src: URL.createObjectURL(await getBlob(p.url)), alt: `${t("photos")} ${shop.name}` })); }
    catch { /* offline: the photo is on the server */ }
  }
  return items.length ? [h("h2", {}, t("photos")), h("div", { class: "photos" }, items)] : null;
}

export async function shopPage(id) {
  let shop = null;
  try { shop = await getJson(`merchants/${id}`, { lang: getLang() }); }
  catch (err) { if (!(err instanceof Offline) && !(err instanceof Problem && err.status === 404)) throw err; }
  const local = shop ? null : (await localShops((p) => p.id === id))[0];
  const m = shop || local;
  if (!m) return [h("h1", {}, t("shop_title")), h("p", {}, t("no_shops"))];
  const synced = !!shop;
  const issue = h("button", { type: "button", class: "primary", "data-action": "issue-qr", disabled: !synced },
    m.qr ? t("reissue_qr") : t("issue_qr"));
  issue.addEventListener("click", async () => {
    issue.disabled = true;
    try { await showQr(await post(`merchants/${id}/qr`, { scheme: m.vnpay && !m.payment_account ? "vnpay" : "vietqr" }, uuid()), m); }
    catch (err) { toast(err instanceof Offline ? t("qr_offline") : err.message); }
    finally { issue.disabled = false; }
  });
  const show = m.qr ? h("button", { type: "button", onclick: () => showQr(m.qr, m).catch(() => toast(t("qr_offline"))) }, t("qr_title")) : null;
  const acct = m.payment_account;
  return [
    m.street_id ? h("p", {}, h("a", { href: `#/street/${m.street_id}` }, "← ", t("back"))) : null,
    h("h1", { "data-shop-id": m.id }, m.name),
    h("p", { class: "badges" }, shopBadges(m)),
    h("dl", { class: "facts" },
      h("dt", {}, t("f_category")), h("dd", {}, t(`c_${m.category}`)),
      h("dt", {}, t("owner")), h("dd", {}, m.owner_name || "–"),
      h("dt", {}, t("phone")), h("dd", {}, m.phone || "–"),
      h("dt", {}, t("address")), h("dd", {}, m.house_number || "–"),
      h("dt", {}, t("account")), h("dd", {}, acct ? `${acct.bank_short_name || acct.bank_bin} ${acct.account_number}` : "–"),
      h("dt", {}, t("location")), h("dd", {}, m.location ? `±${Math.round(m.location.accuracy_m ?? 0)} m` : "–")),
    synced ? null : h("p", { class: "note" }, t("qr_offline")),
    h("p", { class: "actions" }, issue, show, synced ? h("a", { class: "button", href: `#/edit/${m.id}` }, t("edit")) : null),
    synced ? await scanBlock(m, navigator.onLine) : null,
    synced ? await photos(m) : null,
    newShopButton(m.street_id),
  ];
}
