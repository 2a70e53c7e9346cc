"""What the dashboard says, Vietnamese first, English on `?lang=en`; numbers and dates the Vietnamese way."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("PhoQR · Bảng theo dõi phường", "PhoQR · Ward dashboard"),
    "skip": ("Bỏ qua đến nội dung", "Skip to content"),
    "nav": ("Điều hướng", "Navigation"),
    "overview": ("Tổng quan", "Overview"),
    "map": ("Bản đồ", "Map"),
    "trends": ("Xu hướng", "Trends"),
    "queue": ("Việc cần làm", "Work queue"),
    "team": ("Tiến độ tổ", "Team progress"),
    "imports": ("Nhập danh sách", "Import"),
    "import_intro": (
        "Tải tệp mẫu, điền mỗi cửa hàng một dòng, chạy thử để thấy mọi lỗi, sửa ngay trong tệp lỗi rồi nhập.",
        "Download the template, one shop per row, dry-run to see every error, fix them in the error file, import.",
    ),
    "import_template": ("Tệp mẫu", "Template"),
    "import_file": ("Tệp XLSX hoặc CSV", "XLSX or CSV file"),
    "import_mode": ("Khi có lỗi", "When rows have errors"),
    "import_all_or_nothing": ("Không nhập gì cả", "Import nothing"),
    "import_valid_rows": ("Nhập các dòng đúng", "Import the valid rows"),
    "import_dry_run": ("Chạy thử (không ghi)", "Dry run (writes nothing)"),
    "import_upload": ("Tải lên", "Upload"),
    "import_status_queued": ("Đang chờ", "Queued"),
    "import_status_running": ("Đang nhập", "Running"),
    "import_status_done": ("Xong", "Done"),
    "import_status_rejected": ("Có lỗi: chưa nhập dòng nào", "Errors: nothing imported"),
    "import_status_failed": ("Thất bại", "Failed"),
    "import_rows": ("{done} / {total} dòng", "{done} of {total} rows"),
    "import_counts": (
        "{ok} dòng hợp lệ, {created} cửa hàng mới, {errors} lỗi",
        "{ok} valid, {created} new shops, {errors} errors",
    ),
    "import_error_file": ("Tải tệp lỗi (sửa rồi tải lên lại)", "Download the error file (fix, then upload again)"),
    "import_row": ("Dòng", "Row"),
    "import_column": ("Cột", "Column"),
    "import_field": ("Trường", "Field"),
    "import_message": ("Lỗi", "Error"),
    "import_more": ("Còn {n} lỗi nữa trong tệp lỗi", "{n} more errors in the error file"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "bad_login": ("Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password"),
    "rate_limited": ("Đăng nhập sai quá nhiều lần, vui lòng thử lại sau", "Too many failed logins, try later"),
    "csrf": ("Phiên biểu mẫu đã hết hạn, vui lòng thử lại", "The form expired, please try again"),
    "bank_no_dashboard": (
        "Tài khoản ngân hàng không dùng bảng theo dõi phường; hãy dùng API ngân hàng.",
        "Bank accounts have no ward dashboard; use the bank API.",
    ),
    "not_found": ("Không tìm thấy trang này hoặc bạn không có quyền xem", "Not found, or not yours to see"),
    "forbidden": ("Bạn không có quyền xem trang này", "You may not see this page"),
    "back": ("Về tổng quan", "Back to the overview"),
    "edition": ("Phiên bản đơn vị", "Unit edition"),
    "ed2025": ("5 đơn vị từ 1/7/2025", "5 units since 1 July 2025"),
    "ed2020": ("17 phường, xã trước 1/7/2025", "17 wards before 1 July 2025"),
    "unit": ("Đơn vị", "Unit"),
    "street": ("Tuyến phố / chợ", "Street / market"),
    "shops": ("Cửa hàng", "Shops"),
    "with_qr": ("Có QR", "With QR"),
    "pct": ("Tỷ lệ", "Coverage"),
    "einvoice": ("Dùng hóa đơn điện tử", "Issue e-invoices"),
    "denominator": ("Mẫu số", "Denominator"),
    "target": ("Mục tiêu", "Target"),
    "target_date": ("Hạn", "Target date"),
    "gap": ("Còn thiếu", "Gap"),
    "projected": ("Dự kiến đạt 100 %", "Projected 100 %"),
    "rate": ("Tốc độ / tuần", "Rate / week"),
    "on_track": ("Đúng tiến độ", "On track"),
    "yes": ("Đúng hạn", "On track"),
    "no": ("Chậm", "Behind"),
    "unknown": ("Chưa rõ", "Unknown"),
    "total": ("Tổng", "Total"),
    "model_streets": ("Tuyến phố kiểu mẫu và chợ", "Model streets and markets"),
    "other_streets": ("Các tuyến khác", "Other streets"),
    "kind_street": ("phố", "street"),
    "kind_market": ("chợ", "market"),
    "name": ("Tên", "Name"),
    "address": ("Số nhà", "House no."),
    "category": ("Ngành hàng", "Category"),
    "qr": ("QR", "QR"),
    "review": ("Duyệt", "Review"),
    "bank": ("Ngân hàng", "Bank"),
    "none": ("Chưa có", "None"),
    "pending": ("Chờ duyệt", "Pending"),
    "approved": ("Đã duyệt", "Approved"),
    "rejected": ("Bị từ chối", "Rejected"),
    "not_sent": ("Chưa gửi", "Not sent"),
    "sent": ("Đã gửi", "Sent"),
    "accepted": ("Đã nhận", "Accepted"),
    "duplicate": ("Có thể trùng", "Possible duplicate"),
    "map_of_shops": ("Bản đồ cửa hàng", "Map of shops"),
    "map_province": ("Xem cả tỉnh, thành phố", "See the whole province"),
    "no_outline": (
        "Chưa nạp ranh giới cho các đơn vị này; số liệu ở bảng dưới.",
        "No boundaries are loaded for these units; the figures are in the table below.",
    ),
    "some_without_outline": (
        "{n} đơn vị chưa có ranh giới, chỉ có trong bảng.",
        "{n} units have no boundary loaded and are only in the table.",
    ),
    "no_outline_short": ("chưa có ranh giới", "no boundary"),
    "no_location": ("Chưa có cửa hàng nào có vị trí", "No shop has a location yet"),
    "legend": ("Chú giải", "Legend"),
    "out_of_scope": ("Ngoài phạm vi của bạn", "Outside your scope"),
    "shop_with_qr": ("Cửa hàng có QR", "Shop with QR"),
    "shop_without_qr": ("Cửa hàng chưa có QR", "Shop without QR"),
    "points_capped": ("Hiển thị {n} cửa hàng mới nhất có vị trí", "Showing the {n} newest shops with a location"),
    "period": ("Chu kỳ", "Period"),
    "week": ("Tuần", "Week"),
    "month": ("Tháng", "Month"),
    "half_year": ("Nửa năm", "Half-year"),
    "year": ("Năm", "Year"),
    "no_history": ("Chưa có số liệu lịch sử (chưa có ảnh chụp hằng ngày)", "No history yet (no daily snapshots)"),
    "behind_streets": ("Tuyến phố chậm nhất so với hạn", "Streets furthest behind their target date"),
    "waiting_reviews": ("Đăng ký chờ duyệt lâu nhất", "Registrations waiting longest for review"),
    "bank_rejections": ("Cửa hàng bị ngân hàng từ chối", "Shops rejected by banks"),
    "duplicates": ("Cửa hàng có thể bị trùng", "Possible duplicate shops"),
    "registered_at": ("Ngày đăng ký", "Registered"),
    "waiting_days": ("Số ngày chờ", "Days waiting"),
    "reason": ("Lý do", "Reason"),
    "duplicate_of": ("Trùng với", "Duplicate of"),
    "nothing": ("Không có mục nào", "Nothing here"),
    "agent": ("Cán bộ / tình nguyện viên", "Field agent"),
    "team_col": ("Tổ (đơn vị)", "Team (unit)"),
    "registered": ("Đã đăng ký", "Registered"),
    "no_agent": ("Không rõ người đăng ký (nhập hàng loạt)", "No registering user (bulk import)"),
    "qr_issued": ("QR đã cấp", "QRs issued"),
    "per_agent": ("Theo người", "Per agent"),
    "per_team": ("Theo tổ", "Per team"),
    "days_late": ("Trễ (ngày)", "Days late"),
    "as_of": ("Số liệu lúc", "Figures as of"),
    "since": ("Từ ngày", "Since"),
    "snapshot": ("Ảnh chụp số liệu", "Snapshot"),
    "sort_by": ("Sắp xếp theo", "Sort by"),
    "lang_switch": ("English", "Tiếng Việt"),
    "signed_in_as": ("Đang đăng nhập:", "Signed in as:"),
    "page": ("Trang", "Page"),
    "next": ("Trang sau", "Next page"),
    "chart_for": ("Biểu đồ tỷ lệ phủ QR", "QR coverage chart"),
    "city": ("Toàn thành phố", "Whole city"),
    "all_mine": ("Cả phạm vi", "All my units"),
    "province_unit": ("cả tỉnh, thành phố", "whole province"),
    "report_level": ("Mỗi dòng là", "One row per"),
    "level_unit": ("xã, phường", "commune or ward"),
    "level_province": ("tỉnh, thành phố", "province"),
    "report": ("Báo cáo 6 tháng kỳ này", "This half-year's report"),
    "taken_at": ("chụp lúc", "taken"),
    "no_snapshot": ("chưa có ảnh chụp số liệu trong kỳ", "no snapshot in this period yet"),
    "unassigned": ("chưa xác định phường cũ", "old ward unknown"),
    "report_section": ("Báo cáo định kỳ", "Periodic report"),
    "report_scope": ("Phạm vi", "Scope"),
    "by_old_ward": ("theo phường, xã cũ", "by old ward"),
    "report_half_year": ("6 tháng", "Half-year"),
    "report_year": ("Năm", "Year"),
    "report_month": ("Tháng", "Month"),
    "report_day": ("Ngày trong kỳ (để trống: hôm nay)", "A day in the period (empty: today)"),
    "download_xlsx": ("Tải báo cáo (XLSX)", "Download report (XLSX)"),
    # the button shows "CSV": its accessible name must contain it as a word (WCAG 2.5.3; "(CSV)" fails axe-core)
    "download_csv": ("Tải báo cáo dạng CSV", "Download the report as CSV"),
    "report_hint": (
        "Chọn một ngày của kỳ trước để tải lại báo cáo kỳ đó; số liệu lấy từ ảnh chụp cuối kỳ.",
        "Pick a day of an earlier period to get that period's report; figures come from the period's last "
        "snapshot. The files are in Vietnamese, as the city receives them.",
    ),
    "report_no_snapshot": (
        "Kỳ này chưa có ảnh chụp số liệu nên chưa có báo cáo; hãy chọn kỳ khác.",
        "No snapshot in this period yet, so no report; pick another period.",
    ),
    "report_bad_request": (
        "Kỳ hoặc ngày báo cáo không hợp lệ (ngày không được ở tương lai)",
        "Invalid report period or day (the day cannot be in the future)",
    ),
}

CATEGORIES: dict[str, tuple[str, str]] = {
    "grocery": ("Tạp hóa", "Grocery"),
    "general_store": ("Bách hóa", "General store"),
    "market_stall": ("Sạp chợ", "Market stall"),
    "restaurant": ("Nhà hàng", "Restaurant"),
    "eatery": ("Quán ăn", "Eatery"),
    "cafe": ("Cà phê", "Café"),
    "supermarket": ("Siêu thị", "Supermarket"),
    "hotel": ("Khách sạn", "Hotel"),
    "pharmacy": ("Nhà thuốc", "Pharmacy"),
    "other": ("Khác", "Other"),
}


def pick(lang: str | None) -> str:
    return "en" if lang == "en" else "vi"


def translate(lang: str, key: str, **kw: object) -> str:
    vi, en = TEXT.get(key) or CATEGORIES.get(key) or (key, key)
    text = en if lang == "en" else vi
    return text.format(**kw) if kw else text


def fmt_int(value: int | float | None, lang: str = "vi") -> str:
    if value is None:
        return "—"
    s = f"{round(value):,}"
    return s.replace(",", ".") if lang == "vi" else s


def fmt_pct(value: float | None, lang: str = "vi") -> str:
    if value is None:
        return "—"
    s = f"{value:.1f}"
    return (s.replace(".", ",") if lang == "vi" else s) + " %"


def fmt_num(value: float | None, lang: str = "vi", digits: int = 1) -> str:
    if value is None:
        return "—"
    s = f"{value:,.{digits}f}"
    return s.replace(",", " ").replace(".", ",").replace(" ", ".") if lang == "vi" else s


def fmt_date(value: date | datetime | None, lang: str = "vi") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ) if value.tzinfo else value
        return value.strftime("%d/%m/%Y %H:%M") if lang == "vi" else value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
