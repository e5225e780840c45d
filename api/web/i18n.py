"""Every label of the web pages, in English and Vietnamese, and how a page picks its language.

The language comes from ``?lang=en|vi`` (which also sets the ``lang`` cookie), else the cookie,
else the browser's Accept-Language (Vietnamese first -> vi), else English.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request

LANGS = ("en", "vi")
DEFAULT_LANG = "en"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        # layout
        "site.name": "regkb",
        "site.tagline": "International telecom, spectrum and digital-economy law",
        "nav.search": "Search",
        "nav.compare": "Compare",
        "nav.coverage": "Coverage map",
        "nav.draft": "Compare my draft",
        "nav.api": "API",
        "nav.main": "Main menu",
        "nav.skip": "Skip to content",
        "lang.switch": "Tiếng Việt",
        "lang.switch_title": "Xem bằng tiếng Việt",
        "footer.note": "Summaries are editorial; the official text is at the source link.",
        # search
        "search.title": "Search",
        "search.label": "Search the knowledge base",
        "search.placeholder": "e.g. spectrum auction, đấu giá tần số, dau gia tan so",
        "search.button": "Search",
        "search.help": 'Words, "exact phrases", -excluded, OR. English or Vietnamese, '
        "with or without diacritics.",
        "search.results": "{n} results",
        "search.result_one": "1 result",
        "search.results_more": "{n}+ results",
        "search.none": "Nothing found. Try fewer words or remove a filter.",
        "search.did_you_mean": "Did you mean {query}?",
        "search.filters": "Filters",
        "search.apply": "Apply filters",
        "search.clear": "Clear filters",
        "search.more": "More",
        "search.to_filters": "Jump to filters",
        "search.download": "Download these results",
        "search.estimated": "Counts are estimates.",
        "search.active": "Active filters",
        "search.remove": "Remove filter",
        "page.prev": "Previous",
        "page.next": "Next",
        "page.of": "Page {page} of {pages}",
        "page.nav": "Result pages",
        # facets
        "facet.jurisdiction": "Jurisdiction",
        "facet.group": "Group",
        "facet.sector": "Sector",
        "facet.topic": "Topic",
        "facet.kind": "Kind of record",
        "facet.type": "Type of document",
        "facet.status": "Status",
        "facet.language": "Language",
        "facet.strength": "Commitment strength",
        "facet.agreement": "Agreement",
        "facet.date": "Date",
        "date.from": "From",
        "date.to": "To",
        "date.before": "Before {year}",
        "date.since": "Since {year}",
        "date.range": "{start}–{end}",
        # kinds
        "kind.instrument": "Instrument",
        "kind.provision": "Provision",
        "kind.case-note": "Case note",
        # document types
        "type.act": "Act",
        "type.regulation": "Regulation",
        "type.decree": "Decree",
        "type.circular": "Circular",
        "type.decision": "Decision",
        "type.guideline": "Guideline",
        "type.standard": "Standard",
        "type.treaty": "Treaty",
        "type.agreement-chapter": "Agreement chapter",
        "type.court-decision": "Court decision",
        "type.bill": "Bill",
        "type.doc": "Document",
        # statuses
        "status.in-force": "In force",
        "status.amended": "Amended",
        "status.repealed": "Repealed",
        "status.draft": "Draft",
        "status.signed-not-in-force": "Signed, not in force",
        "status.unknown": "Unknown",
        "status.suspended": "Suspended",
        "status.partly-suspended": "Partly suspended",
        # strengths
        "strength.binding": "Binding",
        "strength.best-endeavour": "Best endeavour",
        "strength.permissive": "Permissive",
        "strength.none": "No commitment",
        "strength.hortatory": "Hortatory",
        "strength.procedural": "Procedural",
        # exception types and dispute settlement (docs/commitments.md)
        "exception.legitimate-public-policy": "Legitimate public policy objective",
        "exception.security": "Security",
        "exception.prudential": "Prudential",
        "exception.general-exceptions": "General exceptions",
        "exception.non-conforming-measures": "Non-conforming measures",
        "exception.notwithstanding": "Notwithstanding another provision",
        "exception.domestic-law": "Subject to domestic law",
        "exception.carve-out": "Carve-out to another chapter",
        "ds.applies": "Subject to dispute settlement",
        "ds.excluded": "Excluded from dispute settlement",
        "ds.partly": "Partly excluded from dispute settlement",
        # languages of texts
        "language.en": "English",
        "language.vi": "Vietnamese",
        "language.ja": "Japanese",
        "language.ko": "Korean",
        "language.th": "Thai",
        "language.id": "Indonesian",
        "language.ms": "Malay",
        "language.zh": "Chinese",
        "language.fr": "French",
        "language.de": "German",
        "language.es": "Spanish",
        "language.fil": "Filipino",
        "language.hi": "Hindi",
        # records
        "record.title": "Title",
        "record.title_vi": "Vietnamese title",
        "record.title_original": "Original title",
        "record.jurisdiction": "Jurisdiction",
        "record.jurisdictions": "Jurisdictions",
        "record.type": "Type",
        "record.status": "Status",
        "record.dates": "Dates",
        "record.date": "Date",
        "record.adopted": "Adopted",
        "record.signed": "Signed",
        "record.in_force": "In force from",
        "record.last_amended": "Last amended",
        "record.sectors": "Sectors",
        "record.topics": "Topics",
        "record.language": "Language",
        "record.agreement": "Agreement",
        "record.parties": "Parties",
        "record.issuing_body": "Issued by",
        "record.summary": "Summary",
        "record.editorial": "Editorial summary",
        "record.editorial_note": "Written by the knowledge base editors; not the legal text.",
        "record.official_text": "Official text",
        "record.provisions": "Provisions",
        "record.no_provisions": "No provisions are recorded for this instrument.",
        "record.path": "Location",
        "record.official_link": "Official source",
        "record.versions": "Versions",
        "record.version": "Version",
        "record.stored_at": "Stored",
        "record.current": "current",
        "record.provenance": "Provenance",
        "record.source_url": "Source URL",
        "record.fetched_at": "Fetched",
        "record.sha256": "SHA-256",
        "record.agent": "Fetched by",
        "record.licence": "Licence",
        "record.metadata": "Details",
        "record.instrument": "Instrument",
        "record.number": "Number",
        "record.heading": "Heading",
        "record.text": "Text",
        "record.strength": "Commitment strength",
        "record.exceptions": "Exceptions",
        "record.deciding_phrase": "Deciding words",
        "record.paragraph_mix": "Paragraphs",
        "record.scope_exclusions": "Outside the scope",
        "record.dispute_settlement": "Dispute settlement",
        "record.source": "Source",
        "record.expression_of": "Text in the original language",
        "record.incorporated_from": "Text incorporated from",
        "record.open": "Open",
        "record.period": "Period",
        "record.metadata_kind": "Kind",
        # provision page
        "provision.counterparts": "Find counterparts",
        "provision.counterparts_help": "The closest provisions in other jurisdictions and "
        "agreements.",
        "provision.no_counterparts": "No counterparts found.",
        "provision.compare_with": "Compare with…",
        "provision.compare_help": "Enter or pick another provision id to see a word-level diff.",
        "provision.other_id": "Other provision id",
        "provision.show_diff": "Show the differences",
        "provision.diff_link": "diff",
        "links.to_treaty": "Treaty commitments this measure touches",
        "links.to_domestic": "Domestic measures under this commitment",
        "links.help": "Links written by reading both texts; the relation is a judgement, "
        "with its source.",
        "links.source": "Source",
        "links.bound_since": "bound since {date}",
        "links.not_bound": "not bound today",
        "relation.implements": "Implements",
        "relation.conforms": "Conforms",
        "relation.conflicts": "Conflicts",
        "relation.reserved-nonconforming": "Reserved (non-conforming measure or transition)",
        "relation.relevant": "Relevant",
        # case note page
        "note.what_was_done": "What was done",
        "note.outcome": "Outcome",
        "note.lessons": "Lessons",
        "note.sources": "Sources",
        "note.related": "Related instruments",
        # compare page
        "compare.title": "Compare jurisdictions and agreements",
        "compare.intro": "Pick rows (jurisdictions, groups such as IPEF, agreements) and up to "
        "12 topics; each cell shows the best provisions, or says that nothing was found.",
        "compare.rows": "Rows",
        "compare.groups": "Groups",
        "compare.jurisdictions": "Jurisdictions",
        "compare.agreements": "Agreements",
        "compare.topics": "Topics",
        "compare.per_cell": "Provisions per cell",
        "compare.button": "Compare",
        "compare.change": "Choose rows and topics",
        "compare.need": "Choose at least one row and one topic.",
        "compare.grid": "Comparison grid",
        "compare.row": "Jurisdiction / agreement",
        "compare.party_bound": "{party} bound since {since}",
        "compare.party_not_bound": "{party} not bound",
        "compare.party_measures": "{party}'s measures under this commitment",
        "compare.nothing": "nothing found",
        "why.label": "Why it matched",
        "why.terms": "words",
        "why.topic": "topic",
        "compare.instrument_level": "(instrument)",
        "compare.download": "Download",
        "compare.csv": "CSV",
        "compare.xlsx": "Excel (XLSX)",
        "compare.md": "Brief (Markdown)",
        # coverage page
        "coverage.title": "Map of legal documents",
        "coverage.intro": "How many instruments and provisions each jurisdiction has on each "
        "topic. Every count links to its search.",
        "coverage.by": "Columns",
        "coverage.by_topic": "Topics",
        "coverage.by_sector": "Sectors",
        "coverage.all": "All jurisdictions with records",
        "coverage.button": "Show the map",
        "coverage.legend": "Fewer",
        "coverage.legend_more": "More",
        "coverage.cell": "{count} records: {row}, {column}",
        "coverage.empty": "No records for these jurisdictions.",
        # diff page
        "diff.title": "Differences between two provisions",
        "diff.left": "Left provision id",
        "diff.right": "Right provision id",
        "diff.button": "Compare",
        "diff.similarity": "Similarity",
        "diff.legend": "Struck through: only in the left text. Underlined: only in the right "
        "text.",
        "diff.need": "Enter two provision ids.",
        "diff.deleted": "only left",
        "diff.inserted": "only right",
        # draft page
        "draft.title": "Compare my draft",
        "draft.intro": "Paste a draft clause: the closest provisions elsewhere are shown, with "
        "a word-level diff against the top ones.",
        "draft.privacy": "Your text is analysed in memory only: it is not stored or logged, and "
        "it does not appear in the address bar.",
        "draft.text": "Draft clause",
        "draft.scope": "Look in",
        "draft.everywhere": "All jurisdictions and agreements",
        "draft.button": "Find the closest provisions",
        "draft.closest": "Closest provisions",
        "draft.diffs": "Your draft against the closest provisions",
        "draft.none": "No close provisions found.",
        "draft.your_text": "Your draft",
        "draft.too_long": "The text is too long.",
        "draft.legend": "Struck through: only in your draft. Underlined: only in the provision.",
        # errors
        "error.title": "Something went wrong",
        "error.not_found": "Not found",
        "error.invalid": "Invalid request",
        "error.unavailable": "The search service is unavailable",
        "error.back": "Back to search",
        # misc
        "misc.yes": "yes",
        "misc.none": "—",
        "misc.score": "score",
        "misc.clear": "Clear",
    },
    "vi": {
        # layout
        "site.name": "regkb",
        "site.tagline": "Pháp luật quốc tế về viễn thông, tần số vô tuyến điện và kinh tế số",
        "nav.search": "Tìm kiếm",
        "nav.compare": "So sánh",
        "nav.coverage": "Bản đồ văn bản",
        "nav.draft": "So sánh dự thảo",
        "nav.api": "API",
        "nav.main": "Trình đơn chính",
        "nav.skip": "Chuyển đến nội dung",
        "lang.switch": "English",
        "lang.switch_title": "View in English",
        "footer.note": "Phần tóm tắt do biên tập viên soạn; văn bản chính thức xem tại đường "
        "dẫn nguồn.",
        # search
        "search.title": "Tìm kiếm",
        "search.label": "Tìm trong cơ sở tri thức",
        "search.placeholder": "ví dụ: đấu giá tần số, dau gia tan so, spectrum auction",
        "search.button": "Tìm",
        "search.help": 'Từ khóa, "cụm từ chính xác", -loại trừ, OR. Tiếng Việt (có hoặc không '
        "dấu) hoặc tiếng Anh.",
        "search.results": "{n} kết quả",
        "search.result_one": "1 kết quả",
        "search.results_more": "Hơn {n} kết quả",
        "search.none": "Không tìm thấy kết quả. Hãy thử ít từ hơn hoặc bỏ bớt bộ lọc.",
        "search.did_you_mean": "Có phải bạn muốn tìm {query}?",
        "search.filters": "Bộ lọc",
        "search.apply": "Áp dụng bộ lọc",
        "search.clear": "Xóa bộ lọc",
        "search.more": "Xem thêm",
        "search.to_filters": "Đến bộ lọc",
        "search.download": "Tải các kết quả này",
        "search.estimated": "Số lượng là ước tính.",
        "search.active": "Bộ lọc đang áp dụng",
        "search.remove": "Bỏ bộ lọc",
        "page.prev": "Trang trước",
        "page.next": "Trang sau",
        "page.of": "Trang {page}/{pages}",
        "page.nav": "Các trang kết quả",
        # facets
        "facet.jurisdiction": "Quốc gia",
        "facet.group": "Nhóm nước",
        "facet.sector": "Lĩnh vực",
        "facet.topic": "Chủ đề",
        "facet.kind": "Loại bản ghi",
        "facet.type": "Loại văn bản",
        "facet.status": "Hiệu lực",
        "facet.language": "Ngôn ngữ",
        "facet.strength": "Mức độ cam kết",
        "facet.agreement": "Hiệp định",
        "facet.date": "Thời gian",
        "date.from": "Từ ngày",
        "date.to": "Đến ngày",
        "date.before": "Trước năm {year}",
        "date.since": "Từ năm {year}",
        "date.range": "{start}–{end}",
        # kinds
        "kind.instrument": "Văn bản",
        "kind.provision": "Điều khoản",
        "kind.case-note": "Bài học kinh nghiệm",
        # document types
        "type.act": "Luật",
        "type.regulation": "Quy định",
        "type.decree": "Nghị định",
        "type.circular": "Thông tư",
        "type.decision": "Quyết định",
        "type.guideline": "Hướng dẫn",
        "type.standard": "Tiêu chuẩn",
        "type.treaty": "Điều ước quốc tế",
        "type.agreement-chapter": "Chương của hiệp định",
        "type.court-decision": "Phán quyết của tòa án",
        "type.bill": "Dự luật",
        "type.doc": "Tài liệu",
        # statuses
        "status.in-force": "Còn hiệu lực",
        "status.amended": "Đã được sửa đổi",
        "status.repealed": "Đã bị bãi bỏ",
        "status.draft": "Dự thảo",
        "status.signed-not-in-force": "Đã ký, chưa có hiệu lực",
        "status.unknown": "Chưa rõ",
        "status.suspended": "Tạm hoãn",
        "status.partly-suspended": "Tạm hoãn một phần",
        # strengths
        "strength.binding": "Ràng buộc",
        "strength.best-endeavour": "Nỗ lực tối đa",
        "strength.permissive": "Cho phép",
        "strength.none": "Không cam kết",
        "strength.hortatory": "Tuyên bố, khuyến nghị",
        "strength.procedural": "Thủ tục, thể chế",
        # exception types and dispute settlement (docs/commitments.md)
        "exception.legitimate-public-policy": "Mục tiêu chính sách công chính đáng",
        "exception.security": "An ninh",
        "exception.prudential": "Thận trọng (dịch vụ tài chính)",
        "exception.general-exceptions": "Ngoại lệ chung",
        "exception.non-conforming-measures": "Biện pháp không tương thích",
        "exception.notwithstanding": "Bất kể quy định khác",
        "exception.domestic-law": "Theo pháp luật trong nước",
        "exception.carve-out": "Loại trừ sang chương khác",
        "ds.applies": "Thuộc phạm vi giải quyết tranh chấp",
        "ds.excluded": "Không áp dụng giải quyết tranh chấp",
        "ds.partly": "Loại trừ một phần khỏi giải quyết tranh chấp",
        # languages of texts
        "language.en": "Tiếng Anh",
        "language.vi": "Tiếng Việt",
        "language.ja": "Tiếng Nhật",
        "language.ko": "Tiếng Hàn",
        "language.th": "Tiếng Thái",
        "language.id": "Tiếng In-đô-nê-xi-a",
        "language.ms": "Tiếng Mã Lai",
        "language.zh": "Tiếng Trung",
        "language.fr": "Tiếng Pháp",
        "language.de": "Tiếng Đức",
        "language.es": "Tiếng Tây Ban Nha",
        "language.fil": "Tiếng Phi-líp-pin",
        "language.hi": "Tiếng Hin-đi",
        # records
        "record.title": "Tên văn bản",
        "record.title_vi": "Tên tiếng Việt",
        "record.title_original": "Tên nguyên bản",
        "record.jurisdiction": "Quốc gia",
        "record.jurisdictions": "Các quốc gia",
        "record.type": "Loại",
        "record.status": "Hiệu lực",
        "record.dates": "Các mốc thời gian",
        "record.date": "Ngày",
        "record.adopted": "Ngày thông qua",
        "record.signed": "Ngày ký",
        "record.in_force": "Có hiệu lực từ",
        "record.last_amended": "Sửa đổi gần nhất",
        "record.sectors": "Lĩnh vực",
        "record.topics": "Chủ đề",
        "record.language": "Ngôn ngữ",
        "record.agreement": "Hiệp định",
        "record.parties": "Các bên",
        "record.issuing_body": "Cơ quan ban hành",
        "record.summary": "Tóm tắt",
        "record.editorial": "Tóm tắt biên tập",
        "record.editorial_note": "Do biên tập viên của cơ sở tri thức soạn; không phải văn bản "
        "pháp luật.",
        "record.official_text": "Văn bản chính thức",
        "record.provisions": "Các điều khoản",
        "record.no_provisions": "Chưa có điều khoản nào của văn bản này.",
        "record.path": "Vị trí",
        "record.official_link": "Nguồn chính thức",
        "record.versions": "Các phiên bản",
        "record.version": "Phiên bản",
        "record.stored_at": "Ngày lưu",
        "record.current": "hiện hành",
        "record.provenance": "Nguồn gốc",
        "record.source_url": "Địa chỉ nguồn",
        "record.fetched_at": "Ngày thu thập",
        "record.sha256": "Mã băm SHA-256",
        "record.agent": "Công cụ thu thập",
        "record.licence": "Giấy phép",
        "record.metadata": "Thông tin chung",
        "record.instrument": "Văn bản",
        "record.number": "Số hiệu",
        "record.heading": "Tiêu đề",
        "record.text": "Nội dung",
        "record.strength": "Mức độ cam kết",
        "record.exceptions": "Ngoại lệ",
        "record.deciding_phrase": "Cụm từ quyết định",
        "record.paragraph_mix": "Các khoản",
        "record.scope_exclusions": "Ngoài phạm vi",
        "record.dispute_settlement": "Giải quyết tranh chấp",
        "record.source": "Nguồn",
        "record.expression_of": "Văn bản bằng ngôn ngữ gốc",
        "record.incorporated_from": "Văn bản được dẫn chiếu từ",
        "record.open": "Mở",
        "record.period": "Giai đoạn",
        "record.metadata_kind": "Loại",
        # provision page
        "provision.counterparts": "Tìm điều khoản tương ứng",
        "provision.counterparts_help": "Các điều khoản gần nhất ở quốc gia và hiệp định khác.",
        "provision.no_counterparts": "Không tìm thấy điều khoản tương ứng.",
        "provision.compare_with": "So sánh với…",
        "provision.compare_help": "Nhập hoặc chọn mã một điều khoản khác để xem khác biệt "
        "từng từ.",
        "provision.other_id": "Mã điều khoản khác",
        "provision.show_diff": "Xem khác biệt",
        "provision.diff_link": "so sánh",
        "links.to_treaty": "Cam kết điều ước mà biện pháp này liên quan",
        "links.to_domestic": "Biện pháp trong nước theo cam kết này",
        "links.help": "Liên kết được lập bằng cách đọc cả hai văn bản; quan hệ là nhận định, "
        "kèm nguồn.",
        "links.source": "Nguồn",
        "links.bound_since": "ràng buộc từ {date}",
        "links.not_bound": "hiện chưa ràng buộc",
        "relation.implements": "Thực thi",
        "relation.conforms": "Phù hợp",
        "relation.conflicts": "Xung đột",
        "relation.reserved-nonconforming": "Bảo lưu (biện pháp không phù hợp hoặc giai đoạn "
        "chuyển tiếp)",
        "relation.relevant": "Có liên quan",
        # case note page
        "note.what_was_done": "Những việc đã làm",
        "note.outcome": "Kết quả",
        "note.lessons": "Bài học",
        "note.sources": "Nguồn tham khảo",
        "note.related": "Văn bản liên quan",
        # compare page
        "compare.title": "So sánh các quốc gia và hiệp định",
        "compare.intro": "Chọn các hàng (quốc gia, nhóm nước như IPEF, hiệp định) và tối đa 12 "
        "chủ đề; mỗi ô nêu các điều khoản phù hợp nhất, hoặc ghi rõ là không tìm thấy.",
        "compare.rows": "Hàng",
        "compare.groups": "Nhóm nước",
        "compare.jurisdictions": "Quốc gia",
        "compare.agreements": "Hiệp định",
        "compare.topics": "Chủ đề",
        "compare.per_cell": "Số điều khoản mỗi ô",
        "compare.button": "So sánh",
        "compare.change": "Chọn hàng và chủ đề",
        "compare.need": "Hãy chọn ít nhất một hàng và một chủ đề.",
        "compare.grid": "Bảng so sánh",
        "compare.row": "Quốc gia / hiệp định",
        "compare.party_bound": "{party} bị ràng buộc từ {since}",
        "compare.party_not_bound": "{party} không bị ràng buộc",
        "compare.party_measures": "Biện pháp của {party} theo cam kết này",
        "compare.nothing": "không tìm thấy",
        "why.label": "Lý do khớp",
        "why.terms": "từ khớp",
        "why.topic": "chủ đề",
        "compare.instrument_level": "(văn bản)",
        "compare.download": "Tải xuống",
        "compare.csv": "Tệp CSV",
        "compare.xlsx": "Tệp Excel (XLSX)",
        "compare.md": "Bản tóm lược (Markdown)",
        # coverage page
        "coverage.title": "Bản đồ văn bản pháp luật",
        "coverage.intro": "Số văn bản và điều khoản của mỗi quốc gia theo từng chủ đề. Mỗi con "
        "số dẫn đến kết quả tìm kiếm tương ứng.",
        "coverage.by": "Cột",
        "coverage.by_topic": "Chủ đề",
        "coverage.by_sector": "Lĩnh vực",
        "coverage.all": "Mọi quốc gia có dữ liệu",
        "coverage.button": "Xem bản đồ",
        "coverage.legend": "Ít",
        "coverage.legend_more": "Nhiều",
        "coverage.cell": "{count} bản ghi: {row}, {column}",
        "coverage.empty": "Không có bản ghi nào cho các quốc gia này.",
        # diff page
        "diff.title": "Khác biệt giữa hai điều khoản",
        "diff.left": "Mã điều khoản bên trái",
        "diff.right": "Mã điều khoản bên phải",
        "diff.button": "So sánh",
        "diff.similarity": "Độ tương đồng",
        "diff.legend": "Gạch ngang: chỉ có ở văn bản bên trái. Gạch chân: chỉ có ở văn bản bên "
        "phải.",
        "diff.need": "Hãy nhập mã của hai điều khoản.",
        "diff.deleted": "chỉ bên trái",
        "diff.inserted": "chỉ bên phải",
        # draft page
        "draft.title": "So sánh dự thảo",
        "draft.intro": "Dán một điều khoản dự thảo: hệ thống nêu các điều khoản gần nhất ở nơi "
        "khác, kèm so sánh từng từ với các điều khoản gần nhất.",
        "draft.privacy": "Văn bản của bạn chỉ được phân tích trong bộ nhớ: không được lưu, không "
        "được ghi nhật ký và không xuất hiện trên thanh địa chỉ.",
        "draft.text": "Điều khoản dự thảo",
        "draft.scope": "Tìm trong",
        "draft.everywhere": "Mọi quốc gia và hiệp định",
        "draft.button": "Tìm điều khoản gần nhất",
        "draft.closest": "Các điều khoản gần nhất",
        "draft.diffs": "Dự thảo của bạn so với các điều khoản gần nhất",
        "draft.none": "Không tìm thấy điều khoản gần.",
        "draft.your_text": "Dự thảo của bạn",
        "draft.too_long": "Văn bản quá dài.",
        "draft.legend": "Gạch ngang: chỉ có trong dự thảo của bạn. Gạch chân: chỉ có trong "
        "điều khoản.",
        # errors
        "error.title": "Đã xảy ra lỗi",
        "error.not_found": "Không tìm thấy",
        "error.invalid": "Yêu cầu không hợp lệ",
        "error.unavailable": "Dịch vụ tìm kiếm tạm thời không hoạt động",
        "error.back": "Quay lại tìm kiếm",
        # misc
        "misc.yes": "có",
        "misc.none": "—",
        "misc.score": "điểm",
        "misc.clear": "Xóa",
    },
}


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **values)`` for one language; a missing key shows as itself (tests catch it)."""
    table = MESSAGES[lang if lang in MESSAGES else DEFAULT_LANG]

    def t(key: str, **values: Any) -> str:
        text = table.get(key, key)
        return text.format(**values) if values else text

    return t


def label(lang: str, prefix: str, value: str | None) -> str:
    """A translated enumerated value (``status.in-force``), else the value itself."""
    if not value:
        return ""
    return MESSAGES[lang].get(f"{prefix}.{value}", value)


def accepted(header: str) -> str | None:
    """The first supported language in an Accept-Language header, by quality."""
    choices = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary and quality > 0:
            choices.append((-quality, i, primary))
    for _, _, primary in sorted(choices):
        if primary in LANGS:
            return primary
    return None


def pick_lang(request: Request) -> str:
    """The page language: ?lang=, then the cookie, then Accept-Language, then English."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGS:
        return cookie
    return accepted(request.headers.get("accept-language", "")) or DEFAULT_LANG
