// The shop form: every field of a registration, GPS with its accuracy, a photo resized on the phone, and the
// owner's consent. Saving queues the operation (and its photo) first; the network comes after.
import { go, queued } from "./app.js";
import { h, toast, whenIdle } from "./dom.js";
import { errorText, getLang, t } from "./i18n.js";
import { nextSeq, uuid } from "./store.js";
import { enqueue } from "./sync.js";
import { currentWork, quickWork } from "./views.js";

const MAX_SIDE = 1600;

export async function resizePhoto(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  return { blob, width, height };
}

function field(name, label, input, hint) {
  input.id = input.id || `f-${name.replace(/\W/g, "-")}`;
  input.name = name;
  return h("div", { class: "field", "data-field": name },
    h("label", { for: input.id }, label), input, hint || null,
    h("p", { class: "error", id: `${input.id}-error`, "aria-live": "polite" }));
}

const text = (attrs = {}) => h("input", { type: "text", ...attrs });

function showErrors(form, errors) {
  for (const e of errors || []) {
    const name = e.field === "location.lat" || e.field === "location.lon" ? "location" : e.field;
    const box = form.querySelector(`[data-field="${CSS.escape(name || "")}"] .error`) || form.querySelector(".form-error");
    box.textContent = errorText(e);
    box.setAttribute("data-error", e.field || "");
    box.previousElementSibling?.setAttribute?.("aria-invalid", "true");
  }
}

function consentBlock(work, state) {
  const textBox = h("div", { class: "consent-text", id: "consent-text", tabindex: "0" });
  const paint = (bin) => {
    const bank = work.banks.find((b) => b.bin === bin);
    const current = work.consent_texts[work.consent_texts.length - 1];
    state.text = current;
    if (!bank || !current) { textBox.replaceChildren(h("p", {}, t("consent_pick_bank"))); return; }
    textBox.replaceChildren(
      h("p", { class: "bank" }, t("consent_bank", { bank: `${bank.short_name} – ${bank.name}` })),
      h("p", { lang: "vi" }, current.text_vi),
      ...(getLang() === "en" ? [h("p", { lang: "en", class: "translation" }, current.text_en)] : []));
  };
  const tick = h("input", { type: "checkbox", id: "f-consent", name: "consent", value: "yes" });
  const who = text({ autocomplete: "name" });
  tick.addEventListener("change", () => {
    const owner = tick.form?.elements.owner_name?.value;
    if (tick.checked && !who.value && owner) who.value = owner;
  });
  const block = h("fieldset", { class: "consent" }, h("legend", {}, t("consent_title")), textBox,
    h("div", { class: "check", "data-field": "consent" }, tick, h("label", { for: "f-consent" }, t("f_consent")),
      h("p", { class: "error", "aria-live": "polite" })),
    field("consent.given_by_name", t("f_given_by"), who));
  return { block, paint };
}

// A select whose long list of options is added after the form's first paint (or at once when it is used):
// laying out a select measures every option's text, 61 banks included, and that is what a tap waited for.
// Until then it holds "choose" and the option picked, so its value and what it shows are already right.
function lazySelect(attrs, items) {
  const select = h("select", attrs, h("option", { value: "" }, t("choose")));
  let filled = false;
  select.pick = (value) => {
    if (value === null || value === undefined) return;
    const item = items.find(([v]) => String(v) === String(value));
    if (!filled && item && ![...select.options].some((o) => o.value === String(value))) select.append(h("option", { value: item[0] }, item[1]));
    select.value = String(value);
  };
  select.fill = () => {
    if (filled) return;
    filled = true;
    const chosen = select.value;
    select.replaceChildren(h("option", { value: "" }, t("choose")), ...items.map(([v, label]) => h("option", { value: v }, label)));
    select.value = chosen;
  };
  for (const type of ["focus", "pointerdown", "keydown"]) select.addEventListener(type, select.fill);
  return select;
}

function bankPicker(work, onPick) {
  const select = lazySelect({ required: false }, work.banks.map((b) => [b.bin, `${b.short_name} (${b.bin})`]));
  const search = h("input", { type: "search", id: "f-bank-search", placeholder: "VCB, 970436…", autocomplete: "off" });
  search.addEventListener("input", () => {
    select.fill();
    const q = search.value.trim().toLowerCase();
    for (const opt of select.options) {
      if (!opt.value) continue;
      opt.hidden = !!q && !opt.textContent.toLowerCase().includes(q) && !work.banks.find((b) => b.bin === opt.value)?.name.toLowerCase().includes(q);
    }
    const visible = [...select.options].filter((o) => o.value && !o.hidden);
    if (visible.length === 1) { select.value = visible[0].value; onPick(select.value); }
  });
  select.addEventListener("change", () => onPick(select.value));
  return { select, search };
}

function gpsBlock(state) {
  const status = h("p", { class: "gps-status", id: "gps-status", role: "status", "data-gps": "" }, t("gps_none"));
  const locate = () => {
    if (!navigator.geolocation) { status.textContent = t("gps_fail"); return; }
    status.textContent = t("gps_wait");
    navigator.geolocation.getCurrentPosition((pos) => {
      const { latitude: lat, longitude: lon, accuracy } = pos.coords;
      state.location = { lat: +lat.toFixed(6), lon: +lon.toFixed(6), accuracy_m: Math.round(accuracy) };
      status.textContent = t("gps_ok", { m: state.location.accuracy_m, lat: state.location.lat, lon: state.location.lon });
      status.setAttribute("data-gps", "ok");
    }, () => { status.textContent = t("gps_fail"); status.setAttribute("data-gps", "failed"); },
    { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 });
  };
  const block = h("div", { class: "field", "data-field": "location" }, h("p", { class: "label" }, t("f_gps")), status,
    h("button", { type: "button", onclick: locate }, t("gps_get")), h("p", { class: "error", "aria-live": "polite" }));
  return { block, locate };
}

function photoBlock(state) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment" });
  const preview = h("p", { class: "photo-status", role: "status" });
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) { state.photo = null; return; }
    try {
      const { blob, width, height } = await resizePhoto(file);
      state.photo = blob;
      preview.textContent = t("photo_ready", { w: width, h: height, kb: Math.round(blob.size / 1024) });
      preview.setAttribute("data-photo", `${width}x${height}`);
    } catch { preview.textContent = t("error"); }
  });
  return field("photo", t("f_photo"), input, preview);
}

const HOUSEHOLD = ["tax_code", "business_registration_number", "einvoice_method"];
const EINVOICE = ["none", "tax_authority_code", "cash_register"];

export function build(work, initial, errors, onSave) {
  const state = { location: initial.location || null, photo: null, text: null };
  const consent = consentBlock(work, state);
  const bank = bankPicker(work, (bin) => consent.paint(bin));
  const gps = gpsBlock(state);
  const category = lazySelect({ required: true }, work.categories.map((c) => [c, t(`c_${c}`)]));
  const street = lazySelect({ required: true }, work.streets.map((s) => [s.id, s.segment ? `${s.name} (${s.segment})` : s.name]));
  // three parts below the first screen are laid out and painted only when scrolled to (content-visibility):
  // what a tap on "new shop" waits for is the first screen, not the whole form
  const form = h("form", { "data-form": "shop", novalidate: true, class: "card" },
    h("div", { class: "part" },
      field("name", t("f_name"), text({ required: true, maxlength: 200 })),
      field("category", t("f_category"), category),
      field("owner_name", t("f_owner_name"), text({ maxlength: 120, autocomplete: "off" })),
      field("phone", t("f_phone"), h("input", { type: "tel", inputmode: "tel", maxlength: 20, autocomplete: "off" })),
      field("house_number", t("f_house_number"), text({ maxlength: 40 })),
      field("street_id", t("f_street_id"), street)),
    h("div", { class: "part later" },
      // household business (optional): the owner's 12-digit id is its tax code since 1 July 2025
      field("tax_code", t("f_tax_code"), text({ inputmode: "numeric", maxlength: 20, autocomplete: "off" })),
      field("business_registration_number", t("f_business_registration_number"), text({ maxlength: 40, autocomplete: "off" })),
      field("einvoice_method", t("f_einvoice_method"), h("select", {}, h("option", { value: "" }, t("choose")),
        EINVOICE.map((m) => h("option", { value: m }, t(`ei_${m}`))))),
      h("div", { class: "field" }, h("label", { for: "f-bank-search" }, t("f_bank_search")), bank.search),
      field("payment_account.bank_bin", t("f_bank"), bank.select),
      field("payment_account.account_number", t("f_account_number"), text({ inputmode: "numeric", maxlength: 40, autocomplete: "off" })),
      field("payment_account.account_name", t("f_account_name"), text({ maxlength: 120, autocapitalize: "characters" }))),
    h("div", { class: "part later" }, gps.block, photoBlock(state)),
    h("div", { class: "part later" }, consent.block,
      h("p", { class: "error form-error", role: "alert" }),
      h("button", { type: "submit", class: "primary" }, t("save"))));
  const set = (name, value) => {
    const el = form.elements[name];
    if (value === null || value === undefined || !el) return;
    if (el.pick) el.pick(value); else el.value = value;
  };
  for (const key of ["name", "category", "owner_name", "phone", "house_number", "street_id", ...HOUSEHOLD]) set(key, initial[key]);
  const account = initial.payment_account || {};
  set("payment_account.bank_bin", account.bank_bin);
  set("payment_account.account_number", account.account_number);
  set("payment_account.account_name", account.account_name);
  consent.paint(account.bank_bin);
  if (initial.consent) { form.elements.consent.checked = true; set("consent.given_by_name", initial.consent.given_by_name); }
  if (state.location) gps.block.querySelector("[data-gps]").textContent = t("gps_ok", { m: state.location.accuracy_m ?? "?", lat: state.location.lat, lon: state.location.lon });
  showErrors(form, errors);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".error").forEach((e) => { e.textContent = ""; e.removeAttribute("data-error"); });
    const problems = [];
    for (const name of ["name", "category", "street_id"]) if (!form.elements[name].value.trim()) problems.push({ field: name, message: t("required") });
    if (form.elements.consent.checked && !form.elements["consent.given_by_name"].value.trim()) problems.push({ field: "consent.given_by_name", message: t("consent_name_needed") });
    if (form.elements.consent.checked) { // a consent names the bank the account is at: no account, nothing to agree to
      for (const name of ["payment_account.bank_bin", "payment_account.account_number"]) if (!form.elements[name].value.trim()) problems.push({ field: name, message: t("required") });
    }
    // the tax code is checked by the server's one validator (app.merchants.household); a refusal comes back on
    // the queued operation naming tax_code, and "fix" reopens this form with it
    if (problems.length) { showErrors(form, problems); form.querySelector("[aria-invalid]")?.focus(); return; }
    const v = (name) => form.elements[name].value.trim() || null;
    const payload = { id: initial.id, name: v("name"), category: v("category"), owner_name: v("owner_name"), phone: v("phone"),
      house_number: v("house_number"), street_id: Number(v("street_id")) };
    for (const key of HOUSEHOLD) payload[key] = v(key);
    if (payload.tax_code?.includes("*")) payload.tax_code = null; // shown masked outside the shop's unit: left as it is
    if (state.location) payload.location = state.location;
    if (v("payment_account.bank_bin") && v("payment_account.account_number")) {
      payload.payment_account = { bank_bin: v("payment_account.bank_bin"), account_number: v("payment_account.account_number"), account_name: v("payment_account.account_name") };
      if (form.elements.consent.checked && state.text) {
        payload.consent = { bank_bin: payload.payment_account.bank_bin, text_version: state.text.version, text_sha256: state.text.sha256,
          channel: "app_signature", given_by_name: v("consent.given_by_name") };
      }
    }
    for (const key of Object.keys(payload)) if (payload[key] === null) delete payload[key];
    await onSave(payload, state.photo);
  });
  // once on screen: the GPS fix and the long lists when the phone is idle after the first paint
  const start = () => {
    if (!state.location) whenIdle(gps.locate);
    whenIdle(() => { for (const select of [category, street, bank.select]) select.fill(); });
  };
  return { form, start };
}

// extra goes into the payload (base_version); kept stays on the operation only (the values the edit started
// from, so a conflict can put this user's changes on top of the server's newer copy).
export async function save(payload, photo, extra = {}, kept = {}) {
  await enqueue({ op_id: uuid(), seq: nextSeq(), type: "upsert_merchant", merchant_id: payload.id, label: payload.name,
    payload: { ...payload, ...extra }, ...kept });
  if (photo) await enqueue({ op_id: uuid(), seq: nextSeq(), type: "photo", merchant_id: payload.id, blob: photo });
  toast(navigator.onLine ? t("saved_sending") : t("saved"));
  await queued();
  go("#/queue");
}

// A new-shop form built while the phone was idle, so a tap on "new shop" only puts it on screen. Built for one
// language and one copy of the reference data; used once (it carries the new shop's id).
let spare = null;
const spareKeys = new WeakMap();

function spareKey(work) {
  if (!spareKeys.has(work)) {
    spareKeys.set(work, JSON.stringify([work.user?.id, work.categories, work.consent_texts.map((c) => c.version),
      work.streets.map((s) => [s.id, s.name, s.segment]), work.banks.map((b) => [b.bin, b.short_name, b.name])]));
  }
  return `${getLang()}|${spareKeys.get(work)}`;
}

function newShop(work) {
  return { key: spareKey(work), ...build(work, { id: uuid() }, [], (payload, photo) => save(payload, photo)) };
}

export function prepareNewForm() {
  whenIdle(() => {
    const work = currentWork();
    if (work && (!spare || spare.key !== spareKey(work))) spare = newShop(work);
  });
}

export async function newForm(streetId) {
  const { data: work } = await quickWork();
  if (!work) return [h("h1", {}, t("form_title")), h("p", {}, t("no_data"))];
  let ready = spare && spare.key === spareKey(work) ? spare : newShop(work);
  spare = null;
  if (streetId) ready.form.elements.street_id.pick(streetId);
  ready.start();
  return [h("h1", {}, t("form_title")), ready.form];
}
