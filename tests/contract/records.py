"""A small, hand-made set of records for the backend contract suite.

The wording here is test data written for these tests (marked as such), not the law.
"""

from __future__ import annotations

from kb.models import CaseNote, Dates, Instrument, Provision, Source

FIXTURE = "Test fixture text."


def records() -> list[Instrument | CaseNote]:
    return [
        Instrument(
            id="/akn/sg/act/2012/26",
            title="Personal Data Protection Act 2012",
            title_vi="Luật Bảo vệ dữ liệu cá nhân 2012",
            jurisdiction="sg",
            doc_type="act",
            status="in-force",
            dates=Dates(adopted="2012-10-15", in_force="2014-07-02"),
            sectors=["digital-economy"],
            topics=["digital-economy/personal-data", "digital-economy/cross-border-data"],
            language="en",
            summary=f"{FIXTURE} General protection of personal data held by organisations.",
            source_url="https://sso.agc.gov.sg/Act/PDPA2012",
            origin="imported",
            provisions=[
                Provision(
                    eid="sec_24",
                    number="Section 24",
                    heading="Protection of personal data",
                    text=f"{FIXTURE} An organisation shall protect personal data in its "
                    "possession by making reasonable security arrangements.",
                    topics=["digital-economy/personal-data"],
                    path=["Part 6"],
                ),
                Provision(
                    eid="sec_26",
                    number="Section 26",
                    heading="Transfer of personal data outside Singapore",
                    text=f"{FIXTURE} An organisation must not transfer personal data to a "
                    "country or territory outside Singapore except in accordance "
                    "with requirements ensuring a comparable standard of protection.",
                    topics=["digital-economy/cross-border-data"],
                    path=["Part 6"],
                ),
                Provision(
                    eid="sec_26d",
                    number="Section 26D",
                    heading="Duty to notify occurrence of notifiable data breach",
                    text=f"{FIXTURE} An organisation must notify the Commission of a "
                    "notifiable data breach as soon as practicable.",
                    topics=["digital-economy/personal-data/breach-notification"],
                    path=["Part 6A"],
                ),
            ],
        ),
        Instrument(
            id="/akn/vn/act/2022/09-2022-qh15",
            title="Law amending the Law on Radio Frequencies (test fixture)",
            title_vi="Luật sửa đổi Luật Tần số vô tuyến điện (dữ liệu thử)",
            jurisdiction="vn",
            doc_type="act",
            status="in-force",
            dates=Dates(adopted="2022-11-09", in_force="2023-07-01"),
            sectors=["spectrum"],
            topics=["spectrum/auction"],
            language="vi",
            summary="Dữ liệu thử. Đấu giá quyền sử dụng tần số vô tuyến điện.",
            source_url="https://vbpl.vn/",
            origin="imported",
            provisions=[
                Provision(
                    eid="dieu_1",
                    number="Điều 1",
                    heading="Đấu giá quyền sử dụng tần số",
                    text="Dữ liệu thử. Việc đấu giá quyền sử dụng tần số vô tuyến điện "
                    "được thực hiện đối với băng tần có nhu cầu cao.",
                    topics=["spectrum/auction"],
                    language="vi",
                ),
                Provision(
                    eid="dieu_2",
                    number="Điều 2",
                    heading="Hiệu lực thi hành",
                    text="Dữ liệu thử. Luật này có hiệu lực thi hành từ ngày quy định.",
                    language="vi",
                ),
            ],
        ),
        Instrument(
            id="/akn/int/agreement-chapter/2018/test-ch14",
            title="Test Agreement Chapter 14 Electronic Commerce",
            jurisdiction="int",
            parties=["sg", "vn", "jp", "au"],
            agreement="testfta",
            doc_type="agreement-chapter",
            status="in-force",
            dates=Dates(signed="2018-03-08"),
            sectors=["digital-economy"],
            topics=["digital-economy/cross-border-data"],
            language="en",
            summary=f"{FIXTURE} Electronic commerce chapter.",
            source_url="https://example.org/test-agreement",
            origin="imported",
            provisions=[
                Provision(
                    eid="art_14.11",
                    number="Article 14.11",
                    heading="Cross-Border Transfer of Information by Electronic Means",
                    text=f"{FIXTURE} Each Party shall allow the cross-border transfer of "
                    "information by electronic means. Nothing in this Article shall "
                    "prevent a Party from adopting measures to achieve a legitimate "
                    "public policy objective.",
                    topics=["digital-economy/cross-border-data"],
                ),
                Provision(
                    eid="art_14.15",
                    number="Article 14.15",
                    heading="Cooperation",
                    text=f"{FIXTURE} The Parties shall endeavour to exchange information "
                    "and share experiences on electronic commerce.",
                ),
                Provision(
                    eid="art_14.16",
                    number="Article 14.16",
                    heading="Paperless Trading",
                    text=f"{FIXTURE} A Party may accept electronic versions of trade "
                    "administration documents.",
                    topics=["digital-economy/paperless-trading"],
                ),
            ],
        ),
        Instrument(
            id="/akn/jp/act/2003/57",
            title="Act on the Protection of Personal Information",
            title_original="個人情報の保護に関する法律",
            jurisdiction="jp",
            doc_type="act",
            status="amended",
            dates=Dates(adopted="2003-05-30"),
            sectors=["digital-economy"],
            topics=["digital-economy/personal-data"],
            language="ja",
            summary=f"{FIXTURE} Japan's personal information law.",
            source_url="https://laws.e-gov.go.jp/law/415AC0000000057",
            origin="imported",
            provisions=[
                Provision(
                    eid="art_28",
                    number="第二十八条",
                    heading="外国にある第三者への提供の制限",
                    text="試験用の文。個人情報取扱事業者は、外国にある第三者に個人データを"
                    "提供する場合には、あらかじめ本人の同意を得なければならない。",
                    language="ja",
                    topics=["digital-economy/cross-border-data"],
                ),
            ],
        ),
        Instrument(
            id="/akn/eu/act/directive/1995/46",
            title="Data Protection Directive (test fixture)",
            jurisdiction="eu",
            doc_type="act",
            status="repealed",
            dates=Dates(adopted="1995-10-24"),
            sectors=["digital-economy"],
            topics=["digital-economy/personal-data"],
            language="en",
            summary=f"{FIXTURE} Repealed directive on the processing of personal data.",
            source_url="https://eur-lex.europa.eu/eli/dir/1995/46/oj",
            origin="imported",
        ),
        CaseNote(
            id="/notes/kr/2021/2g-shutdown",
            title="Korea switches off 2G (test fixture)",
            title_vi="Hàn Quốc tắt sóng 2G (dữ liệu thử)",
            jurisdictions=["kr"],
            sectors=["telecom"],
            topics=["telecom/2g-sunset"],
            period={"start": 2011, "end": 2021},
            summary=f"{FIXTURE} Operators closed their 2G networks one after another.",
            summary_vi="Dữ liệu thử. Các nhà mạng lần lượt tắt sóng 2G.",
            outcome=f"{FIXTURE} Remaining subscribers migrated with handset subsidies.",
            lessons=["Announce the switch-off date early.", "Subsidise handsets for the poorest."],
            sources=[Source(title="Test source", url="https://example.org/2g")],
        ),
    ]


SEARCHABLE_IDS = {
    "sg_sec26": "/akn/sg/act/2012/26/~sec_26",
    "vn_dieu1": "/akn/vn/act/2022/09-2022-qh15/~dieu_1",
    "treaty_1411": "/akn/int/agreement-chapter/2018/test-ch14/~art_14.11",
    "jp_art28": "/akn/jp/act/2003/57/~art_28",
    "kr_note": "/notes/kr/2021/2g-shutdown",
}
