// The field app: routes (#/work, #/street/<id>, #/new, #/edit/<op_id>, #/shop/<id>, #/queue), the header
// (network, pending counter, language) and what sets the queue going (start, online, Background Sync, a timer).
import { Offline, Problem, SignedOut, signIn, signOut, signedIn, tokens } from "./api.js";
import { h, toast } from "./dom.js";
import { editForm } from "./edit.js";
import { newForm, prepareNewForm } from "./form.js";
import { getLang, setLang, t } from "./i18n.js";
import { shopPage } from "./qr.js";
import { isPending, opsAll } from "./store.js";
import { ownedBy, syncNow } from "./sync.js";
import { forgetData, queueView, streetView, workView } from "./views.js";

const main = document.getElementById("main");
let signedOutNotice = false;

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function updateCounter() {
  const n = (await opsAll()).filter(isPending).length;
  const box = document.getElementById("pending");
  box.setAttribute("data-pending", String(n));
  box.title = t("pending_title");
  box.setAttribute("aria-label", t("pending", { n }));
  document.getElementById("pending-label").textContent = String(n);
  box.classList.toggle("zero", n === 0);
}

function updateNet() {
  const net = document.getElementById("net");
  net.textContent = navigator.onLine ? t("online") : t("offline");
  net.classList.toggle("off", !navigator.onLine);
}

export async function kick() {
  const result = await syncNow(getLang()).catch((err) => (err instanceof Problem ? "problem" : "offline"));
  if (result === "signed-out" && !(await tokens())) {
    signedOutNotice = true;
    if (!location.hash.startsWith("#/signin")) go("#/signin");
  }
  await updateCounter();
  if (location.hash.startsWith("#/queue")) route();
  return result;
}

async function askBackgroundSync() {
  const reg = await navigator.serviceWorker?.ready.catch(() => null);
  try { await reg?.sync?.register("phoqr-sync"); } catch { /* not offered: the page's own triggers remain */ }
}

export async function queued() {
  await updateCounter();
  askBackgroundSync();
  kick();
}

function signInView() {
  const error = h("p", { class: "error", role: "alert", id: "signin-error" });
  if (signedOutNotice) error.textContent = t("signed_out");
  const form = h("form", { class: "card", "data-form": "signin", novalidate: true },
    h("label", { for: "username" }, t("username")),
    h("input", { id: "username", name: "username", autocomplete: "username", required: true, autocapitalize: "none" }),
    h("label", { for: "password" }, t("password")),
    h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true }),
    h("button", { type: "submit", class: "primary" }, t("signin")),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      await signIn(String(data.get("username")).trim(), String(data.get("password")));
      signedOutNotice = false;
      go("#/work");
      kick();
    } catch (err) {
      error.textContent = err instanceof Offline ? t("signin_offline") : t("signin_failed");
    }
  });
  return [h("h1", {}, t("signin_title")), form];
}

let routeSeq = 0;

async function route() {
  const mine = ++routeSeq; // a slow screen finishing after a newer one must not paint over it
  const hash = location.hash || "#/work";
  const [, name, arg] = hash.match(/^#\/([a-z-]+)\/?([^?]*)/) || [null, "work", ""];
  const params = new URLSearchParams(hash.split("?")[1] || "");
  updateNet();
  if (name !== "signin" && !(await signedIn())) { go("#/signin"); return; }
  let content;
  try {
    if (name === "signin") content = signInView();
    else if (name === "signout") content = await signOutView();
    else if (name === "street") content = await streetView(Number(arg));
    else if (name === "new") content = await newForm(params.get("street"));
    else if (name === "edit") content = await editForm(arg);
    else if (name === "shop") content = await shopPage(arg);
    else if (name === "queue") content = await queueView();
    else content = await workView();
  } catch (err) {
    if (err instanceof SignedOut) { signedOutNotice = true; go("#/signin"); return; }
    content = [h("h1", {}, t("error")), h("p", { role: "alert" }, err.message || String(err))];
  }
  if (mine !== routeSeq) return;
  main.replaceChildren(...[content].flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  document.title = `${main.querySelector("h1")?.textContent || ""} – PhoQR`;
  window.scrollTo(0, 0);
  if (name !== "signin") prepareNewForm(); // the next "new shop" tap finds its form ready (built when idle)
}

function header() {
  const langButton = document.getElementById("lang");
  const paint = () => {
    langButton.textContent = getLang() === "vi" ? "English" : "Tiếng Việt";
    langButton.setAttribute("lang", getLang() === "vi" ? "en" : "vi");
  };
  paint();
  langButton.addEventListener("click", () => { setLang(getLang() === "vi" ? "en" : "vi"); paint(); updateCounter(); route(); });
}

// #/signout: with work of this user still queued, a warning first (it will wait for them, not go with the next
// user); the user may stay signed in and send it.
async function signOutView() {
  const who = await tokens();
  const mine = (await opsAll()).filter((op) => isPending(op) && ownedBy(op, who)).length;
  if (!mine) { await doSignOut(); return []; }
  const stay = () => { go("#/queue"); kick(); };
  return [
    h("h1", {}, t("signout_title")),
    h("div", { class: "card", role: "alert", "data-confirm": "signout", "data-pending-mine": mine },
      h("p", {}, t("signout_pending", { n: mine })),
      h("p", { class: "actions" },
        h("button", { type: "button", class: "primary", "data-action": "stay-signed-in", onclick: stay }, t("stay_signed_in")),
        h("button", { type: "button", "data-action": "signout-anyway", onclick: () => doSignOut() }, t("signout_anyway")))),
  ];
}

async function doSignOut() {
  await signOut();
  await forgetData();
  navigator.serviceWorker?.controller?.postMessage("clear-data");
  go("#/signin");
}

setLang(getLang());
header();
window.addEventListener("hashchange", route);
// A tap on a link inside the app changes the history entry and draws the screen in the same task: a fragment
// navigation would first look for an element named like the route and scroll to it, then route a task later.
document.addEventListener("click", (event) => {
  const link = event.target.closest?.('a[href^="#/"]');
  if (!link || event.defaultPrevented || event.button || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (location.hash !== link.hash) history.pushState(null, "", link.hash);
  route();
});
window.addEventListener("online", () => { updateNet(); kick(); });
window.addEventListener("offline", updateNet);
if (typeof BroadcastChannel !== "undefined") new BroadcastChannel("phoqr-queue").onmessage = () => updateCounter();
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field", type: "module" }).catch((err) => toast(String(err)));
}
setInterval(async () => {
  if ((await opsAll()).some(isPending) && navigator.onLine) kick();
}, 20_000);
updateCounter();
route().then(() => kick());
export { toast };
