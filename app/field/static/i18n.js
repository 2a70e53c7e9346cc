// Vietnamese first; English on the switch. t(key, {name}) fills {name} placeholders.
const VI = {
  app: "PhoQR", loading: "Đang tải…", online: "Có mạng", offline: "Không có mạng",
  pending: "{n} chưa gửi", pending_title: "Thao tác chưa được máy chủ xác nhận",
  signin_title: "Đăng nhập", username: "Tên đăng nhập", password: "Mật khẩu", signin: "Đăng nhập",
  signin_failed: "Sai tên đăng nhập hoặc mật khẩu", signin_offline: "Cần có mạng để đăng nhập lần đầu",
  signed_out: "Phiên đăng nhập đã hết hạn. Hãy đăng nhập lại; các thao tác chưa gửi vẫn được giữ.",
  signout: "Đăng xuất", work_title: "Việc hôm nay", units: "Đơn vị", streets: "Tuyến phố",
  model: "Tuyến phố kiểu mẫu", market: "Chợ", coverage: "Độ phủ", shops: "{n} cửa hàng",
  without_qr: "{n} chưa có QR", with_qr: "{n} có QR", pct: "{p} %", no_data: "Chưa có dữ liệu; cần có mạng lần đầu.",
  cached: "Dữ liệu đã lưu (không có mạng)", new_shop: "Đăng ký cửa hàng", street_title: "Cửa hàng trên tuyến",
  no_shops: "Chưa có cửa hàng nào.", not_synced: "Chưa gửi", review_pending: "Chờ duyệt", review_approved: "Đã duyệt",
  review_rejected: "Bị từ chối", status_active: "Đang hoạt động", status_closed: "Đã đóng", qr_issued: "Đã có QR",
  qr_none: "Chưa có QR", bank_not_sent: "Chưa gửi ngân hàng", bank_sent: "Đã gửi ngân hàng",
  bank_accepted: "Ngân hàng đã nhận", bank_rejected: "Ngân hàng từ chối",
  form_title: "Đăng ký cửa hàng", edit_title: "Sửa cửa hàng", f_name: "Tên cửa hàng", f_category: "Ngành hàng",
  f_owner_name: "Chủ cửa hàng", f_phone: "Số điện thoại", f_house_number: "Số nhà", f_street_id: "Tuyến phố",
  f_bank: "Ngân hàng", f_bank_search: "Tìm ngân hàng (tên viết tắt hoặc BIN)", f_account_number: "Số tài khoản",
  f_account_name: "Tên chủ tài khoản", f_gps: "Vị trí GPS", gps_get: "Lấy vị trí", gps_wait: "Đang lấy vị trí…",
  gps_ok: "±{m} m ({lat}, {lon})", gps_fail: "Không lấy được vị trí", gps_none: "Chưa có vị trí",
  f_photo: "Ảnh cửa hàng", photo_ready: "Ảnh {w}×{h}, {kb} KB", consent_title: "Sự đồng ý của chủ cửa hàng",
  consent_bank: "Ngân hàng nhận thông tin: {bank}", consent_pick_bank: "Chọn ngân hàng để xem nội dung đồng ý.",
  f_consent: "Chủ cửa hàng đã đọc và đồng ý", f_given_by: "Họ tên người đồng ý", choose: "— Chọn —",
  save: "Lưu và gửi", saved: "Đã lưu. Sẽ gửi khi có mạng.", saved_sending: "Đã lưu, đang gửi…", required: "Bắt buộc",
  consent_name_needed: "Nhập họ tên người đồng ý", queue_title: "Hàng đợi gửi", queue_empty: "Không có thao tác nào.",
  sync_now: "Gửi ngay", st_pending: "Đang chờ gửi", st_created: "Đã tạo", st_updated: "Đã cập nhật",
  st_unchanged: "Đã có (không đổi)", st_duplicate: "Trùng", st_invalid: "Bị từ chối", st_conflict: "Xung đột",
  st_uploaded: "Đã tải ảnh", st_failed: "Lỗi", st_waiting_owner: "Chờ {user} đăng nhập để gửi",
  signout_title: "Đăng xuất?", stay_signed_in: "Ở lại và gửi", signout_anyway: "Vẫn đăng xuất",
  signout_pending: "{n} thao tác của bạn chưa được gửi lên máy chủ. Nếu đăng xuất, chúng được giữ trên máy này và chỉ được gửi khi bạn đăng nhập lại, không gửi dưới tên người khác.",
  conflict_note: "Cửa hàng đã được sửa ở nơi khác. Biểu mẫu hiện bản trên máy chủ cùng các thay đổi của bạn; kiểm tra rồi lưu lại.", dup_of: "Trùng với cửa hàng", fix: "Sửa và gửi lại",
  op_upsert: "Cửa hàng", op_photo: "Ảnh", clear_done: "Xóa mục đã xong", shop_title: "Cửa hàng",
  issue_qr: "Cấp mã QR", reissue_qr: "Cấp lại mã QR", qr_offline: "Cần có mạng và cửa hàng đã được gửi để cấp QR.",
  qr_title: "Mã QR thanh toán", qr_hint: "Đưa chủ cửa hàng quét bằng ứng dụng ngân hàng.", close: "Đóng",
  sticker: "Tải tem A6 (PDF)", share: "Chia sẻ tem", scan_qr: "Quét mã QR ngân hàng sẵn có",
  scan_photo: "Chụp ảnh mã QR", scan_found: "Đã đọc mã QR của {bank}", register_qr: "Đăng ký mã QR này",
  qr_registered: "Đã đăng ký mã QR", scan_none: "Không đọc được mã QR", edit: "Sửa", photos: "Ảnh",
  location: "Vị trí", owner: "Chủ", phone: "Điện thoại", address: "Địa chỉ", account: "Tài khoản",
  error: "Có lỗi, thử lại sau", back: "Quay lại", bank_of: "Ngân hàng",
  c_grocery: "Tạp hóa", c_general_store: "Cửa hàng tổng hợp", c_market_stall: "Sạp chợ", c_restaurant: "Nhà hàng",
  c_eatery: "Quán ăn", c_cafe: "Cà phê", c_supermarket: "Siêu thị", c_hotel: "Khách sạn", c_pharmacy: "Nhà thuốc",
  f_bank_bin: "Ngân hàng", f_given_by_name: "Họ tên người đồng ý", f_location: "Vị trí", f_id: "Mã cửa hàng",
  c_other: "Khác", see_duplicate: "Xem cửa hàng đã có",
  f_tax_code: "Mã số thuế hộ kinh doanh (số định danh cá nhân của chủ)",
  f_business_registration_number: "Số đăng ký hộ kinh doanh", f_einvoice_method: "Hóa đơn điện tử",
  ei_none: "Không dùng", ei_tax_authority_code: "Hóa đơn có mã của cơ quan thuế", ei_cash_register: "Khởi tạo từ máy tính tiền",
  e_duplicate_phone: "Số điện thoại đã được đăng ký cho cửa hàng khác",
  e_duplicate_account: "Tài khoản ngân hàng đã được đăng ký cho cửa hàng khác",
  e_version_conflict: "Cửa hàng đã được sửa ở nơi khác; bấm “Sửa và gửi lại” để gộp thay đổi của bạn", e_shop_not_registered: "Cửa hàng chưa được đăng ký",
};
const EN = {
  app: "PhoQR", loading: "Loading…", online: "Online", offline: "Offline",
  pending: "{n} not sent", pending_title: "Operations the server has not acknowledged yet",
  signin_title: "Sign in", username: "Username", password: "Password", signin: "Sign in",
  signin_failed: "Wrong username or password", signin_offline: "The first sign-in needs a network",
  signed_out: "Your session has ended. Sign in again; unsent work is kept.",
  signout: "Sign out", work_title: "Today's work", units: "Units", streets: "Streets",
  model: "Model street", market: "Market", coverage: "Coverage", shops: "{n} shops",
  without_qr: "{n} without QR", with_qr: "{n} with QR", pct: "{p} %", no_data: "No data yet; the first load needs a network.",
  cached: "Saved data (offline)", new_shop: "Register a shop", street_title: "Shops on the street",
  no_shops: "No shops yet.", not_synced: "Not sent", review_pending: "Pending review", review_approved: "Approved",
  review_rejected: "Rejected", status_active: "Active", status_closed: "Closed", qr_issued: "QR issued",
  qr_none: "No QR", bank_not_sent: "Not sent to bank", bank_sent: "Sent to bank",
  bank_accepted: "Accepted by bank", bank_rejected: "Rejected by bank",
  form_title: "Register a shop", edit_title: "Edit shop", f_name: "Shop name", f_category: "Category",
  f_owner_name: "Owner", f_phone: "Phone", f_house_number: "House number", f_street_id: "Street",
  f_bank: "Bank", f_bank_search: "Find a bank (short name or BIN)", f_account_number: "Account number",
  f_account_name: "Account holder", f_gps: "GPS location", gps_get: "Get location", gps_wait: "Locating…",
  gps_ok: "±{m} m ({lat}, {lon})", gps_fail: "Location unavailable", gps_none: "No location yet",
  f_photo: "Shop photo", photo_ready: "Photo {w}×{h}, {kb} KB", consent_title: "Owner's consent",
  consent_bank: "Bank receiving the data: {bank}", consent_pick_bank: "Choose a bank to see the consent text.",
  f_consent: "The owner has read and agrees", f_given_by: "Name of the person agreeing", choose: "— Choose —",
  save: "Save and send", saved: "Saved. It will be sent when online.", saved_sending: "Saved, sending…", required: "Required",
  consent_name_needed: "Enter the name of the person agreeing", queue_title: "Send queue", queue_empty: "Nothing queued.",
  sync_now: "Send now", st_pending: "Waiting to send", st_created: "Created", st_updated: "Updated",
  st_unchanged: "Already there (unchanged)", st_duplicate: "Duplicate", st_invalid: "Refused", st_conflict: "Conflict",
  st_uploaded: "Photo uploaded", st_failed: "Failed", st_waiting_owner: "Waiting for {user} to sign in",
  signout_title: "Sign out?", stay_signed_in: "Stay and send", signout_anyway: "Sign out anyway",
  signout_pending: "{n} of your operations have not reached the server. If you sign out they stay on this phone and are sent only when you sign in again, never under someone else's name.",
  conflict_note: "The shop was changed elsewhere. The form shows the server's copy with your changes on top; check it and save again.", dup_of: "Duplicates the shop", fix: "Fix and resend",
  op_upsert: "Shop", op_photo: "Photo", clear_done: "Clear finished", shop_title: "Shop",
  issue_qr: "Issue QR", reissue_qr: "Issue a new QR", qr_offline: "Issuing a QR needs a network and the shop sent.",
  qr_title: "Payment QR", qr_hint: "Let the owner scan it with a banking app.", close: "Close",
  sticker: "Download A6 sticker (PDF)", share: "Share sticker", scan_qr: "Scan the shop's existing bank QR",
  scan_photo: "Take a photo of the QR", scan_found: "Read a QR of {bank}", register_qr: "Register this QR",
  qr_registered: "QR registered", scan_none: "No QR could be read", edit: "Edit", photos: "Photos",
  location: "Location", owner: "Owner", phone: "Phone", address: "Address", account: "Account",
  error: "Something went wrong, try again later", back: "Back", bank_of: "Bank",
  c_grocery: "Grocery", c_general_store: "General store", c_market_stall: "Market stall", c_restaurant: "Restaurant",
  c_eatery: "Eatery", c_cafe: "Café", c_supermarket: "Supermarket", c_hotel: "Hotel", c_pharmacy: "Pharmacy",
  f_bank_bin: "Bank", f_given_by_name: "Name of the person agreeing", f_location: "Location", f_id: "Shop id",
  c_other: "Other", see_duplicate: "See the existing shop",
  f_tax_code: "Household business tax code (the owner's personal id number)",
  f_business_registration_number: "Household business registration no.", f_einvoice_method: "E-invoice",
  ei_none: "None", ei_tax_authority_code: "Invoices coded by the tax authority", ei_cash_register: "From a cash register",
  e_duplicate_phone: "Phone already registered to another shop",
  e_duplicate_account: "Bank account already registered to another shop",
  e_version_conflict: "The shop was changed elsewhere; use “Fix and resend” to put your changes on top", e_shop_not_registered: "The shop was not registered",
};
const TABLES = { vi: VI, en: EN };
let lang = localStorage.getItem("phoqr.lang") === "en" ? "en" : "vi";

export function getLang() { return lang; }
export function setLang(value) {
  lang = value === "en" ? "en" : "vi";
  localStorage.setItem("phoqr.lang", lang);
  document.documentElement.lang = lang;
}
// A server error in the reader's language where we know its code (sync answers carry English messages).
export function errorText(e) {
  const key = `e_${e.code}`;
  return TABLES[lang][key] || e.message || e.code || "";
}

export function t(key, params = {}) {
  const text = TABLES[lang][key] ?? VI[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? ""));
}
