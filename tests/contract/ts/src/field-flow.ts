// A field agent's flow through a client generated from PhoQR's served OpenAPI document:
// log in, register a shop (with the owner's consent), sync offline work and replay it, issue a QR, read coverage.
// Run: node dist/field-flow.js <base url>. Exits non-zero with the failing step on any surprise.
import createClient from "openapi-fetch";
import { randomUUID } from "node:crypto";
import type { components, paths } from "./phoqr.js";

type Problem = components["schemas"]["Problem"];

const base = process.argv[2] ?? "http://127.0.0.1:8000";
const api = createClient<paths>({ baseUrl: base });

function check(ok: boolean, step: string, detail?: unknown): asserts ok {
  if (!ok) {
    console.error(`FAILED: ${step}`, detail === undefined ? "" : JSON.stringify(detail));
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const login = await api.POST("/api/v1/auth/token", {
    body: { username: "agent.vungtau", password: "phoqr-demo" },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  check(login.data !== undefined, "log in", login.error);
  const headers = { Authorization: `Bearer ${login.data.access_token}` };

  const streets = await api.GET("/api/v1/streets", { params: { query: { unit: "2025:26506", limit: 5 } }, headers });
  check(streets.data !== undefined && streets.data.items.length > 0, "list streets", streets.error);
  const street = streets.data.items[0];
  check(street !== undefined, "a street");

  const texts = await api.GET("/api/v1/consent-texts", { headers });
  check(texts.data !== undefined && texts.data.length > 0, "consent texts", texts.error);
  const text = texts.data[0];
  check(text !== undefined, "a consent text");

  const id = randomUUID();
  const shop: components["schemas"]["MerchantCreate"] = {
    id,
    name: "Tạp hóa Cô Ba",
    category: "grocery",
    owner_name: "Trần Thị Ba",
    phone: "0903 111 222",
    house_number: "7",
    street_id: street.id,
    payment_account: { bank_bin: "970436", account_number: "0071000888999", account_name: "TRAN THI BA" },
    consent: {
      bank_bin: "970436",
      text_version: text.version,
      text_sha256: text.sha256,
      channel: "app_signature",
      given_by_name: "Trần Thị Ba",
    },
  };
  const created = await api.POST("/api/v1/merchants", { body: shop, headers });
  check(created.response.status === 201 && created.data?.id === id, "register", created.error);
  const replayed = await api.POST("/api/v1/merchants", { body: shop, headers });
  check(replayed.response.status === 200 && replayed.data?.id === id, "register replay", replayed.error);

  const duplicate = await api.POST("/api/v1/merchants", { body: { ...shop, id: randomUUID() }, headers });
  const problem: Problem | undefined = duplicate.error as Problem | undefined;
  check(duplicate.response.status === 409 && problem?.code === "duplicate_phone" || problem?.code === "duplicate_account",
    "duplicate refused with a problem", problem);

  const offlineId = randomUUID();
  const batch: components["schemas"]["SyncIn"] = {
    device_id: "ts-phone-1",
    operations: [
      {
        op_id: `ts-${offlineId}`,
        type: "upsert_merchant",
        payload: { ...shop, id: offlineId, name: "Quán cà phê Gió", category: "cafe", phone: "0903 111 333",
          payment_account: null, consent: null },
      },
    ],
  };
  const synced = await api.POST("/api/v1/sync", { body: batch, headers });
  check(synced.data?.results[0]?.status === "created", "sync", synced.data ?? synced.error);
  const resynced = await api.POST("/api/v1/sync", { body: batch, headers });
  const again = resynced.data?.results[0];
  check(again !== undefined && again.merchant_id === offlineId, "sync replay", resynced.data ?? resynced.error);

  const qr = await api.POST("/api/v1/merchants/{merchant_id}/qr", {
    params: { path: { merchant_id: id } },
    body: { scheme: "vietqr" },
    headers,
  });
  check(qr.response.status === 201 && qr.data?.payload.startsWith("000201") === true, "issue QR", qr.error);

  const coverage = await api.GET("/api/v1/coverage", {
    params: { query: { level: "street", unit: "2025:26506" } },
    headers,
  });
  const row = coverage.data?.rows.find((r) => r.street?.id === street.id);
  check(row !== undefined && row.with_qr >= 1, "coverage shows the QR", coverage.data ?? coverage.error);
  console.log("field flow OK");
}

main().catch((err: unknown) => {
  console.error("FAILED:", err);
  process.exit(1);
});
