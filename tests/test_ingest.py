"""Ingest: importing official texts adds knowledge and never destroys it.

Real files in tmp_path and the real record store; the corpus tests read ../shared (skipped
where it is absent unless KB_REQUIRE_CORPUS=1).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app
from kb.config import Settings
from kb.core import KnowledgeBase
from kb.ids import InvalidId, eu_celex, identity_keys, normalise_eid, slugify
from kb.ingest import ImportMeta, import_paths
from kb.load import load_entries
from kb.models import Instrument
from kb.store import RecordStore

runner = CliRunner()
NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
OFFICIAL = "https://example.go.ke/acts/2020/3"


def akn_act(path: Path, sections: list[tuple[str, str]], title: str = "Telecommunications Act",
            uri: str = "/akn/ke/act/2020/3", date: str = "2020-05-01",
            language: str = "eng") -> Path:
    """A small Akoma Ntoso act: (heading, text) per section."""
    body = "".join(
        f'<section eId="sec_{i}"><num>{i}</num><heading>{heading}</heading>'
        f"<content><p>{text}</p></content></section>"
        for i, (heading, text) in enumerate(sections, start=1))
    path.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<akomaNtoso xmlns="{NS}">
  <act name="act">
    <meta><identification source="#x">
      <FRBRWork><FRBRthis value="{uri}/!main"/><FRBRuri value="{uri}"/>
        <FRBRdate date="{date}" name="assent"/><FRBRauthor href="#x"/>
        <FRBRcountry value="ke"/><FRBRname value="{title}"/></FRBRWork>
      <FRBRExpression><FRBRuri value="{uri}/{language}@"/>
        <FRBRlanguage language="{language}"/></FRBRExpression>
    </identification></meta>
    <preface><p><docTitle>{title}</docTitle></p></preface>
    <body>{body}</body>
  </act>
</akomaNtoso>""", encoding="utf-8")
    return path


TELECOM = [("Licensing of telecommunications services", "No person shall provide "
            "telecommunications services without a telecommunications licence."),
           ("Spectrum management", "The Authority shall manage the radio frequency spectrum."),
           ("Interconnection", "Operators shall interconnect their networks on request."),
           ("Penalties", "A person who contravenes this Act commits an offence.")]


@pytest.fixture()
def store(tmp_path: Path) -> RecordStore:
    with RecordStore(tmp_path / "store.sqlite") as opened:
        yield opened


# -- identity ---------------------------------------------------------------------------------

def test_vietnamese_portion_names_become_the_akoma_ntoso_names() -> None:
    assert normalise_eid("dieu_26__khoan_3") == "art_26__cl_3"
    assert normalise_eid("chuong_2__dieu_5__diem_a") == "chp_2__art_5__point_a"
    assert normalise_eid("art_26__cl_3") == "art_26__cl_3"


def test_a_non_latin_title_is_transliterated_never_a_placeholder() -> None:
    first, second = slugify("中华人民共和国电信条例"), slugify("中华人民共和国网络安全法")
    assert first != second and "x" not in (first, second)
    assert slugify("でんぱほう") == "denpahou"
    assert slugify("Закон о связи") == "zakon-o-svyazi"
    with pytest.raises(InvalidId):
        slugify("§ — §")


def test_eu_citations_give_the_celex_number() -> None:
    assert eu_celex("Regulation (EU) 2024/1689 of the European Parliament") == "32024R1689"
    assert eu_celex("Regulation (EU) No 910/2014") == "32014R0910"
    assert eu_celex("Directive (EU) 2018/1972") == "32018L1972"
    assert identity_keys({"eli": "http://data.europa.eu/eli/reg/2024/1689/oj"}) == {
        ("eli", "data.europa.eu/eli/reg/2024/1689")}


def test_a_different_document_never_becomes_a_version(tmp_path: Path, store: RecordStore) -> None:
    meta = ImportMeta(source_url=OFFICIAL)
    first = akn_act(tmp_path / "a.xml", TELECOM)
    assert import_paths([first], store, meta=meta).imported[0]["status"] == "new"
    other = akn_act(tmp_path / "b.xml", [
        (f"Fisheries rule {i}", f"Boats of class {i} shall land telecommunications gear.")
        for i in range(1, 9)], title="Fisheries Act")
    report = import_paths([other], store, meta=meta, force=True)
    assert report.imported == [] and report.counts["refused"] == 1
    error = report.failed[0]["error"]
    assert "is not a version of /akn/ke/act/2020/3" in error and "headings" in error
    assert [v.version for v in store.versions("/akn/ke/act/2020/3")] == [1]


def test_the_same_document_amended_is_a_new_version(tmp_path: Path, store: RecordStore) -> None:
    meta = ImportMeta(source_url=OFFICIAL)
    import_paths([akn_act(tmp_path / "a.xml", TELECOM)], store, meta=meta)
    amended = [*TELECOM[:3], ("Penalties", "A person who contravenes this Act is liable to a "
                                           "fine.")]
    path = akn_act(tmp_path / "a2.xml", amended, date="2022-01-01")
    assert import_paths([path], store, meta=meta).imported[0]["status"] == "new-version"


# -- versions ---------------------------------------------------------------------------------

def test_current_version_is_the_latest_by_the_documents_date(tmp_path: Path,
                                                             store: RecordStore) -> None:
    meta = ImportMeta(source_url=OFFICIAL)
    newer = [*TELECOM[:3], ("Penalties", "A fine of up to one million shillings.")]
    # imported newest first: the older text must not become current
    import_paths([akn_act(tmp_path / "new.xml", newer, date="2023-01-01")], store, meta=meta)
    report = import_paths([akn_act(tmp_path / "old.xml", TELECOM, date="2020-05-01")], store,
                          meta=meta)
    assert report.imported[0]["status"] == "new-version" and not report.imported[0]["current"]
    current = store.get("/akn/ke/act/2020/3")
    assert current.version == "2023-01-01" and "million" in current.provisions[-1].text
    again = import_paths([akn_act(tmp_path / "new2.xml", newer, date="2023-01-01")], store,
                         meta=meta)
    assert again.imported[0]["status"] == "unchanged"


FRENCH = [("Licences de télécommunications", "Nul ne peut fournir des services de "
            "télécommunications sans licence de télécommunications."),
           ("Gestion du spectre", "L'Autorité gère le spectre des fréquences radioélectriques."),
           ("Interconnexion", "Les opérateurs interconnectent leurs réseaux sur demande."),
           ("Sanctions", "Toute personne qui enfreint la présente loi commet une infraction.")]


@pytest.mark.parametrize("french_first", [True, False])
def test_the_main_language_does_not_depend_on_import_order(
        tmp_path: Path, french_first: bool) -> None:
    """No curated entry: English is the main text, the French an expression with its own id,
    whichever came first; a French text filed first as the work moves, nothing is lost."""
    kb = KnowledgeBase(Settings(home=tmp_path / "home"))
    meta = ImportMeta(source_url=OFFICIAL)
    english = akn_act(tmp_path / "en.xml", TELECOM)
    french = akn_act(tmp_path / "fr.xml", FRENCH, title="Loi sur les télécommunications",
                     language="fra")
    for path in ([french, english] if french_first else [english, french]):
        report = import_paths([path], kb.store, meta=meta)
        assert report.failed == [], report.failed
    work = "/akn/ke/act/2020/3"
    assert kb.store.get(work).language == "en"
    assert kb.store.expressions(work) == [f"{work}/fra@"]
    expression = kb.store.get(f"{work}/fra@")
    assert expression.id == f"{work}/fra@" and expression.language == "fr"
    assert [v.version for v in kb.store.versions(work)] == [1]
    kb.index()
    doc = kb.get(f"{work}/fra@/~sec_2")
    assert doc["language"] == "fr" and doc["expression_of"] == f"{work}/~sec_2"
    assert kb.get(f"{work}/fra@")["expression_of"] == work
    hits = kb.search("spectre des fréquences radioélectriques").hits
    assert hits and hits[0].id == f"{work}/fra@/~sec_2"
    kb.close()


def test_an_expression_filed_the_old_way_is_indexed_under_its_id(tmp_path: Path) -> None:
    """Stores written before expressions had ids keyed them ``{id}@{lang}``."""
    kb = KnowledgeBase(Settings(home=tmp_path / "home"))
    import_paths([akn_act(tmp_path / "en.xml", TELECOM)], kb.store,
                 meta=ImportMeta(source_url=OFFICIAL))
    french = import_paths([akn_act(tmp_path / "fr.xml", FRENCH, language="fra")], kb.store,
                          meta=ImportMeta(source_url=OFFICIAL, id="/akn/ke/act/2020/9",
                                          language="fr"), force=True)
    record = kb.store.get(french.imported[0]["key"])
    kb.store.put(record.model_copy(update={"id": "/akn/ke/act/2020/3"}), "/akn/ke/act/2020/3@fr")
    ids = {r.id for r in kb.store.iter_current()}
    assert "/akn/ke/act/2020/3/fra@" in ids and "/akn/ke/act/2020/3@fr" not in ids
    assert kb.store.expressions("/akn/ke/act/2020/3") == ["/akn/ke/act/2020/3@fr"]
    kb.close()


def test_a_build_reads_stored_records_one_at_a_time_in_index_order(tmp_path: Path) -> None:
    """``documents`` orders by the stored dates alone and reads each record when its turn
    comes, yet gives exactly the documents of every record gathered and sorted: stored acts
    of several dates, a curated entry merged with its stored text (the curated dates count),
    an expression filed the old way, a corrigendum (never listed) and the bundled entries."""
    from kb.documents import record_docs

    kb = KnowledgeBase(Settings(home=tmp_path / "home"))
    for number, date in enumerate(("2020-05-01", "1999-01-31", "2020-05-01", "2024-12-31")):
        import_paths([akn_act(tmp_path / f"{number}.xml", TELECOM, date=date,
                              uri=f"/akn/ke/act/2020/{number + 3}")], kb.store,
                     meta=ImportMeta(source_url=OFFICIAL), force=True)
    curated = next(r for r in kb.load_entries().instruments if len(r.provisions) > 1)
    official = curated.model_copy(update={
        "dates": curated.dates.model_copy(update={"in_force": dt.date(1990, 1, 1)}),
        "provisions": [p.model_copy(update={"text": "Official text."})
                       for p in curated.provisions]})
    kb.store.put(official)
    french = kb.store.get("/akn/ke/act/2020/3").model_copy(update={"language": "fr"})
    kb.store.put(french, "/akn/ke/act/2020/3@fr")
    kb.store.put(french, "/akn/ke/act/2020/3#corrigendum-2021-01-01")

    expected = list(record_docs(kb.records()))
    assert list(kb.documents()) == expected
    seqs = [d["seq"] for d in expected]
    assert seqs == list(range(1, len(seqs) + 1))
    merged = next(d for d in expected if d["id"] == curated.id)
    assert merged["date"] == record_date_of(curated)

    reads: list[str] = []
    current = kb.store.current
    kb.store.current = lambda key: reads.append(key) or current(key)  # type: ignore[method-assign]
    first = next(kb.records_in_index_order())
    assert len(reads) <= 1 and first.id == expected[0].get("instrument_id", expected[0]["id"])
    kb.close()


def record_date_of(record: Instrument) -> str | None:
    date = record.dates.main()
    return date.isoformat() if date else None


# -- partial documents ------------------------------------------------------------------------

USC_HEAD = "# Title 47— TELECOMMUNICATIONS\n### CHAPTER 5— WIRE OR RADIO COMMUNICATION\n"


def usc_chunk(path: Path, letters: str, body: str = "Text of") -> Path:
    parts = "".join(f"##### ({c}) Part {c}\n\n{body} subsection {c} on telecommunications "
                    "services.\n\n" for c in letters)
    path.write_text(f"{USC_HEAD}#### § 230. Protection for private blocking\n{parts}",
                    encoding="utf-8")
    return path


def test_us_code_chunks_join_one_work(tmp_path: Path, store: RecordStore) -> None:
    """Each chunk is ``partial``: it adds its subsections to the section's work, in order,
    without making a version; the same chunk again changes nothing; a changed subsection is a
    new text (a new version), keeping the old one."""
    chunks = [usc_chunk(tmp_path / f"c{i}.md", letters) for i, letters in
              enumerate(["c", "a", "b", "de", "f"])]
    report = import_paths(chunks, store)
    assert report.failed == [] and {i["id"] for i in report.imported} == {
        "/akn/us/act/1934/47-usc-230"}
    assert all(i["status"] == "new" for i in report.imported)
    work = store.get("/akn/us/act/1934/47-usc-230")
    assert [p.number for p in work.provisions] == [f"§ 230({c})" for c in "abcdef"]
    assert [p.order for p in work.provisions] == [1, 2, 3, 4, 5, 6]
    assert [v.version for v in store.versions(work.id)] == [1]
    again = import_paths(chunks[:2], store)
    assert [i["status"] for i in again.imported] == ["unchanged", "unchanged"]
    changed = import_paths([usc_chunk(tmp_path / "c9.md", "c", body="New text of")], store)
    assert changed.imported[0]["status"] == "new-version"
    assert [v.version for v in store.versions(work.id)] == [1, 2]
    assert len(store.get(work.id).provisions) == 6
    assert "Text of" in store.get(work.id, version=1).provisions[2].text


# -- sources, scope, report -------------------------------------------------------------------

def test_a_local_path_is_never_the_official_source(tmp_path: Path, store: RecordStore) -> None:
    path = akn_act(tmp_path / "a.xml", TELECOM)
    refused = import_paths([path], store)
    assert "no official source URL" in refused.failed[0]["error"] and refused.imported == []
    report = import_paths([path], store, meta=ImportMeta(source_url=OFFICIAL))
    assert report.imported[0]["source_url"] == OFFICIAL
    record = store.get("/akn/ke/act/2020/3")
    assert record.source_url == OFFICIAL and record.provenance.url.startswith("file://")


def test_a_document_on_no_topic_needs_force(tmp_path: Path, store: RecordStore) -> None:
    path = akn_act(tmp_path / "fish.xml", [
        ("Fishing seasons", "The fishing season opens in March."),
        ("Boats", "Every boat shall be registered."),
        ("Nets", "Nets shall have a mesh of at least ten centimetres.")],
        title="Fisheries Act", uri="/akn/ke/act/2020/9")
    meta = ImportMeta(source_url=OFFICIAL)
    report = import_paths([path], store, meta=meta)
    assert report.counts["refused"] == 1
    assert "matches no topic of the taxonomy" in report.failed[0]["error"]
    assert "--force" in report.failed[0]["error"]
    forced = import_paths([path], store, meta=meta, force=True)
    assert forced.imported[0]["status"] == "new"


def test_dry_run_writes_nothing_and_counts_apart(tmp_path: Path) -> None:
    path = akn_act(tmp_path / "a.xml", TELECOM)
    meta = tmp_path / "meta.yaml"
    meta.write_text(f"source_url: {OFFICIAL}\n", encoding="utf-8")
    env = {"KB_HOME": str(tmp_path / "home"), "KB_BACKEND": "embedded"}
    dry = runner.invoke(app, ["import", str(path), "--meta", str(meta), "--dry-run", "--json"],
                        env=env)
    assert dry.exit_code == 0, dry.stdout
    data = json.loads(dry.stdout)
    assert data["dry_run"] and data["counts"] == {
        "new": 1, "new-version": 0, "unchanged": 0, "refused": 0, "skipped": 0}
    assert "nothing written" in dry.stderr
    with RecordStore(tmp_path / "home" / "store.sqlite") as opened:
        assert opened.ids() == []
    real = runner.invoke(app, ["import", str(path), "--meta", str(meta), "--json"], env=env)
    assert real.exit_code == 0 and json.loads(real.stdout)["counts"]["new"] == 1
    again = runner.invoke(app, ["import", str(path), "--meta", str(meta), "--json"], env=env)
    assert json.loads(again.stdout)["counts"]["unchanged"] == 1
    refused = runner.invoke(app, ["import", str(path), "--json"], env=env)
    assert refused.exit_code == 1 and json.loads(refused.stdout)["counts"]["refused"] == 1


def test_retired_status_amended_loads_with_a_warning(tmp_path: Path) -> None:
    source = Path(__file__).parents[1] / "kb" / "entries" / "instruments" / "eu" / "eidas.yaml"
    old = tmp_path / "eidas.yaml"
    old.write_text(source.read_text("utf-8").replace("status: in-force", "status: amended"),
                   encoding="utf-8")
    result = load_entries([old])
    assert not result.errors and result.records[0].status == "in-force"
    warning = str(result.warnings[0])
    assert re.search(r"eidas\.yaml:\d+: status: 'amended' is deprecated", warning)


def test_no_bundled_entry_uses_the_retired_status() -> None:
    result = load_entries()
    retired = [str(w) for w in result.warnings if "deprecated" in w.message]
    assert not retired, retired
    assert all(r.status != "amended" for r in result.instruments)


# -- the corpus -------------------------------------------------------------------------------

def _meta_for(path: Path) -> ImportMeta | None:
    from tests.conftest import quality_module

    return quality_module().meta_for(path)


def _import(kb: KnowledgeBase, *paths: Path) -> list[dict]:
    items = []
    for path in paths:
        report = import_paths([path], kb.store, meta=_meta_for(path))
        items.extend(report.imported)
        items.extend({"status": "refused", **f} for f in report.failed)
    return items


def test_eu_acts_join_their_curated_work(corpus: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase(Settings(home=tmp_path))
    items = _import(kb, *sorted((corpus / "eu" / "ai-act").glob("*.md")),
                    *sorted((corpus / "eu" / "cra").glob("*.md")))
    assert [i["id"] for i in items] == ["/akn/eu/act/regulation/2024/1689",
                                        "/akn/eu/act/regulation/2024/2847"]
    assert not any(i.startswith("/akn/eu/regulation/") for i in kb.store.ids())


def test_gdpr_current_is_the_2018_consolidation_in_any_order(corpus: Path,
                                                             tmp_path: Path) -> None:
    gdpr = corpus / "eu" / "gdpr"
    files = [gdpr / "gdpr.formex.consolidated-20180523.en.xml",
             gdpr / "gdpr.formex.oj-L119-2016.en.xml",
             gdpr / "gdpr.formex.corrigendum-oj-L127-2018.en.xml"]
    for order, home in ((files, "forward"), (files[::-1], "backward")):
        kb = KnowledgeBase(Settings(home=tmp_path / home))
        items = _import(kb, *order)
        assert all(i["status"] in ("new", "new-version") for i in items), items
        current = kb.store.get("/akn/eu/act/regulation/2016/679")
        assert current.version == "2018-05-23"
        corrigenda = kb.store.corrigenda("/akn/eu/act/regulation/2016/679")
        assert len(corrigenda) == 1 and [v.version for v in kb.store.versions(
            "/akn/eu/act/regulation/2016/679")] == [1, 2]
        kb.index()
        recitals = [p for p in kb.backend.provisions_of("/akn/eu/act/regulation/2016/679")
                    if p["provision_kind"] == "recital" and p["text_source"] == "official"]
        assert len(recitals) == 173  # a consolidation omits them; they stay part of the act
        kb.close()


def test_curated_knowledge_survives_its_official_text(corpus: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase(Settings(home=tmp_path))
    _import(kb, corpus / "jp" / "derived-json" / "415AC0000000057.appi.ja.json",
            corpus / "eu" / "gdpr" / "gdpr.formex.oj-L119-2016.en.xml",
            corpus / "vn" / "thuvienphapluat" / "luat-an-ninh-mang-2018.24-2018-QH14.tvpl.vi.html")
    kb.index()
    art28 = kb.get("/akn/jp/act/2003/57/~art_28")
    assert art28["heading"] == "Restriction on provision to a third party in a foreign country"
    assert art28["text_source"] == "official" and "外国" in art28["text"]
    assert "digital-economy/cross-border-data" in art28["topics"]
    for number in (45, 46):  # the curated ones (Art 49 is not a curated provision)
        doc = kb.get(f"/akn/eu/act/regulation/2016/679/~art_{number}")
        assert "digital-economy/cross-border-data" in doc["topics"], number
    tagged = [p for p in kb.backend.provisions_of("/akn/eu/act/regulation/2016/679")
              if "digital-economy/cross-border-data" in p["topics"]]
    assert len(tagged) < 20  # not every article of the act
    merged = {r.id: r for r in kb.records()}
    appi = {p.eid: p for p in merged["/akn/jp/act/2003/57"].provisions}
    assert appi["art_28"].summary.startswith("Requires the individual's prior consent")
    clause = kb.get("/akn/vn/act/2018/24-2018-qh14/~art_26__cl_3")
    assert clause["text_source"] == "editorial" and clause["text"]
    article = kb.get("/akn/vn/act/2018/24-2018-qh14/~art_26")
    assert article["text_source"] == "official"
    kb.close()


def _more(corpus: Path) -> Path | None:
    more = corpus.parent / "corpus-more"
    return more if more.is_dir() else None


@pytest.mark.corpus
def test_importing_both_corpora_keeps_every_curated_provision(corpus: Path,
                                                              tmp_path: Path) -> None:
    """Done when: no duplicates, no lost curated provision, no file-path source."""
    from tests.conftest import quality_module

    skip = quality_module().SKIP | {"MANIFEST.md"}
    roots = [corpus, *filter(None, [_more(corpus)])]
    kb = KnowledgeBase(Settings(home=tmp_path))
    for root in roots:
        _import(kb, *sorted(p for p in root.rglob("*") if p.is_file() and p.name not in skip))
    kb.index()
    entries = kb.load_entries()
    merged = {r.id: r for r in kb.records()}
    lost = []
    for inst in entries.instruments:
        kept = {p.eid: p for p in merged[inst.id].provisions}
        for prov in inst.provisions:
            pid = f"{inst.id}/~{prov.eid}"
            try:
                doc = kb.get(pid)
            except Exception:  # noqa: BLE001 - any failure to resolve is a loss
                lost.append(f"{pid}: missing")
                continue
            if prov.heading and doc["heading"] != prov.heading:
                lost.append(f"{pid}: heading {doc['heading']!r}")
            if prov.summary != kept[prov.eid].summary:
                lost.append(f"{pid}: summary")
            # its own topics; provisions never inherit the instrument's
            if not set(prov.topics) <= set(doc["topics"]):
                lost.append(f"{pid}: topics {doc['topics']}")
    assert lost == []
    # an other-language expression is the same work by design: it shares its identifiers
    records = [r for r in kb.records() if r.kind == "instrument" and "@" not in r.id]
    by_identity: dict[tuple[str, str], set[str]] = {}
    for record in records:
        for key in identity_keys(record.native_ids, record.jurisdiction):
            if key[0] != "number":
                by_identity.setdefault(key, set()).add(record.id)
    assert {k: v for k, v in by_identity.items() if len(v) > 1} == {}
    assert [r.id for r in records if not r.source_url.startswith(("http://", "https://"))] == []
    kb.close()


def test_tpp_text_is_attached_to_cptpp(corpus: Path, tmp_path: Path) -> None:
    """CPTPP Article 1 incorporates the TPP: its articles are filed under CPTPP, merged with
    the curated summaries, with where they come from and the Annex suspensions."""
    kb = KnowledgeBase(Settings(home=tmp_path))
    tpp = corpus / "treaties" / "tota" / "pta_449.tpp-2016.en.xml"
    items = _import(kb, tpp)
    assert {i["id"] for i in items} == {
        "/akn/int/treaty/2016/trans-pacific-partnership", "/akn/int/treaty/2018/cptpp",
        "/akn/int/agreement-chapter/2018/cptpp-ch13", "/akn/int/agreement-chapter/2018/cptpp-ch14"}
    assert {i["status"] for i in _import(kb, tpp)} == {"unchanged"}
    kb.index()
    art = kb.get("/akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.13")
    assert art["text_source"] == "official" and "computing facilities" in art["text"]
    assert art["agreement"] == "cptpp" and art["status"] == "in-force"
    assert art["incorporated_from"] == (
        "/akn/int/treaty/2016/trans-pacific-partnership/~chp_14__art_14.13")
    assert art["incorporated_by"].startswith("CPTPP Article 1")
    merged = {r.id: r for r in kb.records()}
    curated = {p.eid: p for p in kb.entry("/akn/int/agreement-chapter/2018/cptpp-ch14").provisions}
    kept = {p.eid: p for p in merged["/akn/int/agreement-chapter/2018/cptpp-ch14"].provisions}
    assert kept["chp_14__art_14.13"].summary == curated["chp_14__art_14.13"].summary
    first = kb.search("Article 14.13 CPTPP").hits[0]
    assert first.id == art["id"]
    found = kb.search('"location of computing facilities"', agreement="cptpp",
                      kind="provision").hits
    assert art["id"] in [h.id for h in found]
    partly = kb.get("/akn/int/agreement-chapter/2018/cptpp-ch13/~chp_13__art_13.21")
    assert partly["status"] == "partly-suspended" and "1(d)" in partly["status_note"]
    biologics = kb.get("/akn/int/treaty/2018/cptpp/~chp_18__art_18.51")
    assert biologics["status"] == "suspended" and "Biologics" in biologics["status_note"]
    binding = kb.search("biologics", agreement="cptpp", strength="binding").hits
    assert biologics["id"] not in [h.id for h in binding]  # not a commitment while suspended
    asked = kb.search("biologics", agreement="cptpp", status="suspended").hits
    assert asked[0].id == biologics["id"]
    cptpp = {p.eid for p in merged["/akn/int/treaty/2018/cptpp"].provisions}
    assert "chp_30__art_30.7" in cptpp and "chp_30__art_30.5" not in cptpp  # Art 1 excepts
    assert {"art_1", "art_2", "art_5"} <= cptpp  # its own articles stay
    kb.close()


def test_copy_of_a_file_is_unchanged(corpus: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase(Settings(home=tmp_path / "home"))
    source = corpus / "akn" / "uk-ukpga-2014-27.enacted.akn.xml"
    copy = tmp_path / "copy.akn.xml"
    shutil.copy(source, copy)
    assert [i["status"] for i in _import(kb, source, copy)] == ["new", "unchanged"]
