"""The ``kb`` command: check entries, build the index, search, show, serve.

The CLI is the outermost face: it is the only part of ``kb`` that wires in the API server
and the crawlers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from inspect import getdoc
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kb.core import KnowledgeBase
from kb.errors import InvalidQuery, KBError
from kb.load import load_entries
from kb.models import Instrument
from kb.search import SearchQuery
from kb.store import RecordStore

app = typer.Typer(
    help="regkb: search and compare international telecom, spectrum and digital-economy law.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
# messages are not wrapped to the terminal's width: a path or an error stays on one line in a
# log, and "not empty" is never cut by a line break whatever the folder's name
err = Console(stderr=True, soft_wrap=True)

SHOW_CHARS = 600  # of a provision's text in `kb show` without --full
JurisdictionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--jurisdiction", "-j", help="Jurisdiction code or group (vn, eu, ipef); repeatable."
    ),
]


@app.callback()
def _fresh_settings() -> None:
    # every command reads KB_* anew: the settings are cached per process, and a process that
    # runs several commands (a test runner, a notebook) may have changed the environment
    from kb.config import get_settings

    get_settings.cache_clear()


def _kb() -> KnowledgeBase:
    return KnowledgeBase()


def _fail(exc: KBError) -> None:
    """Exit 2 for a bad parameter (as for a usage error), 1 for a record that is not there or
    a refused operation, 2 when the backend fails."""
    err.print(f"[red]error:[/red] {escape(str(exc))}")
    raise typer.Exit(2 if isinstance(exc, InvalidQuery) or exc.status >= 500 else 1)


def _dump(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


@app.command()
def check(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Entry or link files or folders (default: "
                                          "the bundled entries and kb/links).")
    ] = None,
    strict: Annotated[bool, typer.Option(
        "--strict", help="Also reject what keeps an entry from being cited: home-page URLs, "
        "summaries under 40 words, no title_vi or summary_vi, no verified, status amended, "
        "unknown related provisions.")] = False,
) -> None:
    """Validate YAML entries and links; report every error as file:line: field: message.

    Link files (in a folder named ``links`` or named ``*.links.yaml``) are checked against the
    entries given, else the bundled ones, and the texts in the record store. What ``--strict``
    rejects is otherwise reported as warnings (exit 0).

    Example: kb check --strict kb/entries/instruments/sg
    """
    from kb.config import get_settings
    from kb.links import LINKS_DIR, is_link_file, link_files, load_links
    from kb.load import ENTRIES_DIR, entry_files

    given = list(paths or [])
    link_paths = [p for p in link_files(given) if is_link_file(p)] if given else [LINKS_DIR]
    entry_paths = [p for p in entry_files(given) if not is_link_file(p)]
    store_path = get_settings().store_path
    records = None
    if store_path.exists():
        records = RecordStore(store_path)
    try:
        result = (load_entries(entry_paths or None, stored_eids=_stored_eids(records))
                  if (entry_paths or not given) else None)
        errors = list(result.errors) if result else []
        links = None
        if link_paths:
            reference = result if not given and result else load_entries(
                [ENTRIES_DIR, *get_settings().entries])
            links = load_links(link_paths, reference, records.ids() if records else [])
            errors.extend(links.errors)
    finally:
        if records is not None:
            records.close()
    flagged = result.strict_violations if result else []
    if strict:
        errors.extend(flagged)
    for error in errors:
        console.print(escape(str(error)), highlight=False, soft_wrap=True)
    for warning in [] if strict else flagged:
        console.print(f"[yellow]warning[/] {escape(str(warning))}", highlight=False,
                      soft_wrap=True)
    parts = []
    if result is not None:
        parts.append(f"{result.files} files, {len(result.instruments)} instruments, "
                     f"{len(result.case_notes)} case notes")
    if links is not None:
        parts.append(f"{links.files} link files, {len(links.links)} links")
    tail = f", {len(errors)} errors" + ("" if strict else f", {len(flagged)} warnings")
    err.print(", ".join(parts) + tail)
    raise typer.Exit(1 if errors else 0)


def _stored_eids(records: RecordStore | None) -> Callable[[str], set[str]] | None:
    """The provision eIds of a work's stored text, for case notes naming imported provisions."""
    if records is None:
        return None

    def eids(work_id: str) -> set[str]:
        record = records.get(work_id)
        return {p.eid for p in record.provisions} if isinstance(record, Instrument) else set()

    return eids


@app.command()
def index() -> None:
    """Rebuild the search index from the entries and the record store (atomic swap).

    Example: KB_BACKEND=elasticsearch kb index
    """
    kb = _kb()
    try:
        with _progress() as bar:
            task = bar.add_task("indexing", total=None)
            outcome = kb.index(progress=lambda n: bar.update(task, completed=n))
    except KBError as exc:
        _fail(exc)
    for error in outcome.entries.errors:
        err.print(f"[yellow]skipped:[/yellow] {escape(str(error))}")
    r = outcome.report
    err.print(
        f"indexed {r.documents} documents ({len(outcome.entries.records)} entries, "
        f"{outcome.stored} stored records) into {kb.backend_name} generation {r.generation} "
        f"in {r.seconds:.1f}s"
    )


def _highlighted(excerpt: str, highlights: list[tuple[int, int]]) -> Text:
    """The excerpt with its matched words in bold yellow."""
    text = Text(excerpt)
    for start, end in highlights:
        text.stylize("bold yellow", start, end)
    return text


@app.command()
def search(
    text: Annotated[
        str, typer.Argument(help='Words (ranked), "phrases", +required, -excluded, OR.')
    ] = "",
    jurisdiction: JurisdictionOpt = None,
    sector: Annotated[list[str] | None, typer.Option("--sector", "-s")] = None,
    topic: Annotated[
        list[str] | None, typer.Option("--topic", "-t", help="Topic id or label")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="instrument, provision, case-note")
    ] = None,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help="act, regulation, decree, treaty ...")
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="in-force, amended, repealed ...")
    ] = None,
    language: Annotated[list[str] | None, typer.Option("--language", help="en, vi ...")] = None,
    strength: Annotated[
        list[str] | None,
        typer.Option("--strength", help="binding, best-endeavour, permissive, none"),
    ] = None,
    agreement: Annotated[
        list[str] | None, typer.Option("--agreement", help="cptpp, depa ...")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--date-from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--date-to", help="YYYY-MM-DD")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="YYYY-MM-DD: only works in force then, each with its text of then.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100)] = 10,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    after: Annotated[
        str | None, typer.Option("--after", help="The sort of the last hit, as JSON: [7.03, 1042]")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    show_query: Annotated[
        bool, typer.Option("--show-query", help="Print the engine request.")
    ] = False,
) -> None:
    """Search laws, provisions and case notes, in English or Vietnamese.

    Example: kb search "đấu giá tần số" -j ipef --kind provision
    """
    kb = _kb()
    try:
        query = SearchQuery.from_params(
            text, jurisdiction=jurisdiction, sector=sector, topic=topic, kind=kind, type=type_,
            status=status, language=language, strength=strength, agreement=agreement,
            date_from=date_from, date_to=date_to, as_of=as_of, limit=limit, offset=offset,
            after=after,
        )
        if show_query:
            err.print(kb.show_query(query), highlight=False, markup=False)
        result = kb.search(query)
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump(result.model_dump(
            mode="json", exclude={"query": True, "hits": {"__all__": {"snippet"}}}
        ))
        return
    more = "" if result.total_exact else "+"
    table = Table(show_lines=True, title=f"{result.total:,}{more} results")
    table.add_column("#", justify="right")
    # as wide as the longest id, so an id is copied whole; folded, never cut, if it must
    table.add_column("record", overflow="fold",
                     min_width=min(max((len(h.id) for h in result.hits), default=10),
                                   max(20, console.width - 30)))
    table.add_column("excerpt", overflow="fold")
    for i, hit in enumerate(result.hits, start=offset + 1):
        label = f"[bold]{escape(hit.title)}[/]\n{hit.kind} · {(hit.jurisdiction or '').upper()}"
        if hit.instrument_title and hit.kind == "provision":
            label += f" · {escape(hit.instrument_title)}"
        label += f"\n[dim]{escape(hit.id)}[/]"
        if hit.as_of_note:
            label += f"\n[yellow]{escape(hit.as_of_note)}[/]"
        table.add_row(str(i), label, _highlighted(hit.excerpt, hit.highlights))
    console.print(table)
    if result.did_you_mean:
        console.print(f"Did you mean: [bold]{escape(result.did_you_mean.text)}[/]")


@app.command()
def show(
    record_id: Annotated[str, typer.Argument(
        help='Instrument, provision or case-note id, or a citation such as "GDPR Art 44".')],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    full: Annotated[bool, typer.Option("--full", help="Whole provision texts (else the first "
                                       f"{SHOW_CHARS} characters of each).")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="YYYY-MM-DD: the text in force then (exit 1 if none was).")] = None,
) -> None:
    """Show one record; an instrument comes with its provisions, each with its id.

    Example: kb show /akn/sg/act/2012/26, kb show "khoản 3 Điều 26 Luật ANM 2018",
    kb show /akn/sg/act/2012/26 --as-of 2015-01-01
    """
    kb = _kb()
    try:
        from kb.asof import parse_as_of

        day = parse_as_of(as_of)
        try:
            doc = kb.get(record_id)
        except KBError:
            if record_id.strip().startswith(("/akn/", "/notes/")):
                raise
            cited = kb.resolve(record_id)  # a citation: show what it names, and say how
            doc = cited.record
            if cited.message:
                err.print(f"[yellow]{escape(cited.message)}[/yellow]")
            for other in cited.candidates:
                reason = escape(other.get("reason", ""))
                err.print(f"  also: {escape(other['id'])}  [dim]{reason}[/]")
        if day and doc["kind"] == "provision":
            work = kb.instrument(doc["instrument_id"], as_of=day)
            then = next((p for p in work["provisions"] if p["id"] == doc["id"]), None)
            if then is None and work["as_of"]["in_force"]:
                work["as_of"]["in_force"] = False
                work["as_of"]["message"] = (f"{doc['id']} is not in the text in force on {day}"
                                            f" ({work['as_of']['message']})")
            doc = {**(then or doc), "as_of": work["as_of"]}
        elif doc["kind"] == "instrument":
            doc = kb.instrument(doc["id"], as_of=day)
        elif doc["kind"] == "case-note":
            doc = {**doc, **kb.case_note(doc["id"]).model_dump(mode="json")}
    except KBError as exc:
        _fail(exc)
    as_of_state = doc.get("as_of") or {}
    if as_json:
        _dump(doc)
        if as_of_state and not as_of_state["in_force"]:
            raise typer.Exit(1)
        return
    if as_of_state and not as_of_state["in_force"]:
        err.print(f"[yellow]{escape(as_of_state['message'])}[/yellow]")
        raise typer.Exit(1)
    if as_of_state:
        err.print(f"as of {as_of_state['as_of']}: {escape(as_of_state['message'])}")
    console.print(f"[bold]{escape(doc['title'])}[/]  [dim]{escape(doc['id'])}[/]",
                  soft_wrap=True)
    if doc.get("title_vi"):
        console.print(escape(doc["title_vi"]))
    meta = [
        doc.get("kind"),
        (doc.get("jurisdiction") or "").upper(),
        doc.get("doc_type"),
        doc.get("status"),
        doc.get("date"),
    ]
    console.print(" · ".join(escape(str(m)) for m in meta if m))
    if doc.get("source_url"):
        console.print(f"source: {escape(doc['source_url'])}")
    console.print()
    console.print(escape(doc.get("text") or ""))
    cut_notes: list[str] = []
    for prov in doc.get("provisions", []):
        path = " › ".join(prov.get("path") or [])
        console.print(
            f"\n[bold]{escape(prov['number'])}[/] {escape(prov.get('heading') or '')}"
            f"  [dim]{escape(path)}[/]"
        )
        console.print(f"[dim]{escape(prov['id'])}[/]", soft_wrap=True)
        text = prov.get("text") or ""
        if full or len(text) <= SHOW_CHARS:
            console.print(escape(text))
        else:
            from kb.export import trim

            console.print(escape(trim(text, SHOW_CHARS)))
            cut_notes.append(prov["id"])
            console.print(f"[dim]({len(text):,} characters; kb show --full for all)[/]")
    if not full and cut_notes:
        err.print(f"{len(cut_notes)} provision texts shortened to {SHOW_CHARS} characters; "
                  "kb show --full prints them whole")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts by kind, jurisdiction and sector, and the backend's health.

    Example: kb stats --json
    """
    kb = _kb()
    try:
        kb.ensure_index()
        data = kb.stats()
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump(data)
        return
    console.print(f"backend: {data['backend']} ({data['health']['status']})")
    console.print(
        f"instruments: {data['instruments']}, provisions: {data['provisions']}, "
        f"case notes: {data['case_notes']}"
    )
    table = Table("jurisdiction", "instruments", "case notes")
    for code, counts in data["by_jurisdiction"].items():
        table.add_row(code, str(counts["instruments"]), str(counts["case_notes"]))
    console.print(table)
    console.print("by sector: " + ", ".join(f"{k} {v}" for k, v in data["by_sector"].items()))


def _codes_table(title: str, *columns: str) -> Table:
    """A reference table whose first column, the code to type, is never cut or folded."""
    table = Table(title=title, title_justify="left")
    table.add_column(columns[0], no_wrap=True, overflow="ignore", style="bold")
    for column in columns[1:]:
        table.add_column(column, overflow="fold")
    return table


@app.command()
def topics(
    match: Annotated[str | None, typer.Argument(help="Words in an id, label or synonym, "
                                                "English or Vietnamese, marks optional.")] = None,
    sector: Annotated[str | None, typer.Option("--sector", "-s", help="telecom, spectrum, "
                                               "digital-economy or ipef")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The topics to type after -t / --topic, with their English and Vietnamese names (any
    of which works too).

    Example: kb topics "dữ liệu", kb topics --sector spectrum --json
    """
    from kb.reference import topic_list

    try:
        rows = topic_list(match, sector)
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump(rows)
        return
    table = _codes_table(f"{len(rows)} topics", "topic (code)", "English", "Tiếng Việt")
    for row in rows:
        indent = "  " * row["depth"]
        table.add_row(row["id"], indent + escape(row["label"]), indent + escape(row["label_vi"]))
    console.print(table)


@app.command()
def jurisdictions(
    match: Annotated[str | None, typer.Argument(help="Words in a code or a name, English or "
                                                "Vietnamese, marks optional.")] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Members of a group "
                                              "(ipef, asean ...).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The jurisdiction codes and groups to type after -j / --jurisdiction, with names in
    English and Vietnamese.

    Example: kb jurisdictions --group ipef, kb jurisdictions "hàn"
    """
    from kb.reference import group_list, jurisdiction_list

    try:
        rows = jurisdiction_list(match, group)
    except KBError as exc:
        _fail(exc)
    groups = [g for g in group_list() if not group or g["code"] == group.strip().lower()]
    groups = [g for g in groups if not match or g in _matching_groups(match)]
    if as_json:
        _dump({"groups": groups, "jurisdictions": rows})
        return
    if groups:
        table = _codes_table("groups", "group (code)", "English", "Tiếng Việt", "members")
        for g in groups:
            table.add_row(g["code"], escape(g["name"]), escape(g["name_vi"]),
                          " ".join(g["members"]))
        console.print(table)
    table = _codes_table(f"{len(rows)} jurisdictions", "code", "English", "Tiếng Việt",
                         "groups")
    for row in rows:
        table.add_row(row["code"], escape(row["name"]), escape(row["name_vi"]),
                      " ".join(row["groups"]))
    console.print(table)


def _matching_groups(match: str) -> list[dict]:
    from kb.reference import group_list
    from kb.text import fold

    key = fold(match.strip())
    return [g for g in group_list()
            if any(key in fold(v) for v in (g["code"], g["name"], g["name_vi"]))]


@app.command()
def agreements(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
               ) -> None:
    """The agreement codes to type after -a / --agreement, with names in English and
    Vietnamese and the parties for which each is in force today.

    Example: kb agreements --json
    """
    from kb.reference import agreement_list

    try:
        rows = agreement_list(_kb().load_entries())
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump(rows)
        return
    table = _codes_table(f"{len(rows)} agreements", "agreement (code)", "English",
                         "Tiếng Việt", "in force for")
    for row in rows:
        table.add_row(row["agreement"], escape(row["title"]), escape(row["title_vi"]),
                      f"{len(row['in_force_for'])} of {row['parties']} parties")
    console.print(table)


def _write(data: bytes, output: Path | None) -> None:
    if output:
        output.write_bytes(data)
        err.print(f"wrote {output} ({len(data):,} bytes)")
    else:
        sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")


FormatOpt = Annotated[str, typer.Option("--format", "-f", help="json, csv, xlsx or md")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")]
LangOpt = Annotated[str, typer.Option("--lang", help="Labels: en or vi.")]


@app.command("compare")
def compare_(
    topic: Annotated[list[str], typer.Option("--topic", "-t", help="Topic id or label, either "
                                             "language; repeatable.")],
    jurisdiction: JurisdictionOpt = None,
    agreement: Annotated[
        list[str] | None, typer.Option("--agreement", "-a", help="Agreement code (cptpp ...)")
    ] = None,
    per_cell: Annotated[int, typer.Option("--per-cell", "-k", min=1, max=10)] = 3,
    text: Annotated[str, typer.Option("--text", help="Extra words every cell must match.")] = "",
    fmt: FormatOpt = "md",
    output: OutputOpt = None,
    lang: LangOpt = "en",
    base_url: Annotated[str, typer.Option("--base-url", help="Where the web pages are served, "
                                          "for the workbook's links to provision pages.")
                        ] = "http://127.0.0.1:8000",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="YYYY-MM-DD: only instruments in force then.")] = None,
) -> None:
    """Side-by-side grid: rows are jurisdictions, groups or agreements; columns are topics.

    Example: kb compare -t "cross-border data flows" -j ipef -a cptpp -f xlsx -o grid.xlsx
    """
    from kb.export import export_grid

    kb = _kb()
    if fmt == "xlsx" and output is None:
        _fail(KBError("--format xlsx needs --output FILE"))
    try:
        grid = kb.compare(topic, jurisdiction or [], agreement or [], per_cell=per_cell, text=text,
                          as_of=as_of)
        data = export_grid(grid, fmt, lang, base_url=base_url)
    except KBError as exc:
        _fail(exc)
    _write(data, output)


@app.command("coverage")
def coverage_(
    jurisdiction: JurisdictionOpt = None,
    by: Annotated[str, typer.Option("--by", help="topic or sector")] = "topic",
    count: Annotated[str, typer.Option("--count", help="What a cell counts: instruments "
                                       "or provisions.")] = "instruments",
    fmt: FormatOpt = "md",
    output: OutputOpt = None,
    lang: LangOpt = "en",
) -> None:
    """The map of legal documents: instruments (or provisions) per jurisdiction x topic (or
    sector).

    Example: kb coverage -j ipef --by sector --count provisions --format csv
    """
    from kb.export import export_coverage

    kb = _kb()
    if fmt == "xlsx" and output is None:
        _fail(KBError("--format xlsx needs --output FILE"))
    try:
        data = export_coverage(kb.coverage(jurisdiction or [], by=by, count=count), fmt, lang)
    except KBError as exc:
        _fail(exc)
    _write(data, output)


@app.command("diff")
def diff_(
    left: Annotated[str, typer.Argument(help="Provision id (or text).")],
    right: Annotated[str, typer.Argument(help="Provision id (or text).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Word-level diff of two provisions: [-removed-] {+added+}.

    Example: kb diff /akn/sg/act/2012/26/~sec_26 /akn/jp/act/2003/57/~art_28
    """
    kb = _kb()
    try:
        result = kb.diff(left, right)
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump(result.to_dict())
        return
    err.print(f"similarity {result.similarity:.0%}")
    console.print(result.text(), highlight=False, markup=False)


@app.command("counterparts")
def counterparts_(
    source: Annotated[str, typer.Argument(help="Provision id, or a pasted clause ('-' reads "
                                          "standard input). Nothing is stored.")],
    jurisdiction: JurisdictionOpt = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50)] = 15,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Closest provisions in other jurisdictions and agreements, grouped by jurisdiction.

    Example: kb counterparts /akn/sg/act/2012/26/~sec_26 -j ipef
    """
    kb = _kb()
    text = sys.stdin.read() if source == "-" else source
    try:
        result = kb.counterparts(text, limit=limit, jurisdictions=jurisdiction or [])
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump(result.to_dict())
        return
    for key, hits in result.groups.items():
        console.print(f"[bold]{escape(key)}[/]")
        for hit in hits:
            from kb.compare import citation

            console.print(f"  {escape(citation(hit))}  [dim]{escape(hit.id)}[/]")


@app.command("import")
def import_(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files or folders to import (with --official: the corpus roots).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f",
                                            help="Force a format (see kb formats).")] = None,
    meta: Annotated[Path | None, typer.Option("--meta", help="YAML metadata: jurisdiction, "
                                              "doc_type, dates, expected_number ...")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write "
                                          "nothing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Import documents that match no topic "
                                        "of the taxonomy.")] = False,
    official: Annotated[bool, typer.Option(
        "--official", help="Import the official texts listed in kb/official-texts.yaml from "
        "the corpus roots given (default: $KB_CORPUS, else ../shared/corpus and "
        "../shared/corpus-more next to the checkout).")] = False,
) -> None:
    """Import official documents (Akoma Ntoso, Formex, e-Gov XML, ToTA, pháp điển ...) into
    the record store, at provision level, with provenance. Run `kb index` afterwards.

    A text of a work already known (a curated entry, an earlier import) joins that work: a
    new version ordered by the document's own dates, a corrigendum, or another-language
    expression. A document that would overwrite a different one, has no official source URL,
    or matches no topic (without --force) is refused with the reason. The exit code is 0 when
    nothing was refused.

    A .jsonl file holds complete records, one instrument or case note per line (docs/jsonl.md):
    it is stored whole or, if any line is invalid, not at all.

    With --official, the texts listed in kb/official-texts.yaml are imported from the corpus
    folders, each under the work it belongs to, and reported one line per file.

    Example: kb import ../shared/corpus/akn --dry-run
    """
    from kb.ingest import ImportMeta, import_paths

    if official:
        if fmt or meta or force:
            _fail(InvalidQuery("--official takes its formats and metadata from "
                               "kb/official-texts.yaml: drop --format, --meta and --force"))
        _import_official(paths or [], as_json, dry_run)
        return
    if not paths:
        _fail(InvalidQuery("give files or folders to import, or --official"))
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and not p.name.lower().startswith(("readme", "manifest"))))
        else:
            files.append(path)
    kb = _kb()
    try:
        import_meta = ImportMeta.from_file(meta) if meta else None
    except KBError as exc:
        _fail(exc)
    with _progress() as bar:
        task = bar.add_task("importing", total=len(files))
        report = import_paths(files, kb.store, fmt, import_meta,
                              progress=lambda p: bar.update(task, advance=1, description=p.name),
                              dry_run=dry_run, force=force)
    if as_json:
        _dump(report.as_dict())
    else:
        shown = 50  # a bulk file may hold thousands of records: --json lists them all
        for item in report.imported[:shown]:
            what = ("case note" if item.get("kind") == "case-note"
                    else f"{item['provisions']} provisions")
            filed = item.get("kind") in ("corrigendum", "expression")
            label = f"{item['kind']} {item['key']}" if filed else item["id"]
            console.print(f"[green]{item['status']:>11}[/] {escape(label)} "
                          f"({what}) {escape(item['title'][:60])}")
        if len(report.imported) > shown:
            counts: dict[str, int] = {}
            for item in report.imported[shown:]:
                counts[item["status"]] = counts.get(item["status"], 0) + 1
            console.print(f"            ... and {len(report.imported) - shown} more ("
                          + ", ".join(f"{n} {status}" for status, n in counts.items()) + ")")
        for item in report.failed:
            # a JSON Lines error already names its file and line: file:line: field: message
            where = "" if "line" in item else f"{escape(item['path'])}: "
            console.print(f"[red]    refused[/] {where}{escape(item['error'])}", soft_wrap=True)
        for item in report.skipped:
            console.print(f"[yellow]    skipped[/] {escape(item['path'])}: "
                          f"{escape(item['reason'])}", soft_wrap=True)
    counts = report.counts
    summary = ", ".join(f"{counts.get(name, 0)} {name}" for name in
                        ("new", "new-version", "unchanged", "refused", "skipped"))
    if dry_run:
        err.print(f"dry run, nothing written: {summary}")
    else:
        err.print(f"{summary}; run `kb index` to make them searchable")
        changed = [i.get("key", i["id"]) for i in report.imported if i["status"] != "unchanged"]
        _notify_watches(kb, changed)
    raise typer.Exit(1 if report.failed else 0)


def _import_official(roots: list[Path], as_json: bool, dry_run: bool) -> None:
    """``kb import --official``: every listed text, one line per file, a bar on a terminal."""
    from kb.official_texts import default_roots, import_official, load_manifest

    roots = roots or default_roots()
    try:
        items = load_manifest()
    except KBError as exc:
        _fail(exc)
    kb = _kb()
    outcomes = []
    with _progress() as bar:
        task = bar.add_task("importing", total=len(items))
        for outcome in import_official(kb.store, roots, items, dry_run=dry_run,
                                       progress=lambda item: bar.update(
                                           task, description=Path(item.path).name[:40])):
            bar.advance(task)
            outcomes.append(outcome)
            if not as_json:
                row = outcome.as_dict()
                colour = {"refused": "red", "missing": "yellow"}.get(outcome.status, "green")
                what = f" ({row['provisions']} provisions)" if row["records"] else ""
                line = (f"[{colour}]{outcome.status:>11}[/] {escape(outcome.item.work)}{what} "
                        f"[dim]{escape(outcome.item.path)}[/]")
                if outcome.message:
                    line += f": {escape(outcome.message)}"
                console.print(line, highlight=False, soft_wrap=True)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    if as_json:
        _dump({"roots": [str(r) for r in roots], "dry_run": dry_run, "counts": counts,
               "files": [o.as_dict() for o in outcomes]})
    summary = ", ".join(f"{counts.get(name, 0)} {name}" for name in
                        ("new", "new-version", "unchanged", "refused", "missing"))
    err.print(f"{len(outcomes)} official texts: {summary}"
              + ("; dry run, nothing written" if dry_run else "; run `kb index` to make them "
                 "searchable"))
    raise typer.Exit(1 if counts.get("refused") or counts.get("missing") else 0)


@app.command()
def crawl(
    source: Annotated[str | None, typer.Argument(help="Source id (see --list).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1,
                                              help="At most N targets.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the sources.")] = False,
    health_: Annotated[bool, typer.Option("--health", help="Run every parser on its saved "
                                          "responses and report any that yields nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fetch official texts politely (robots.txt, rate limits, conditional GET, cache) into
    the record store; a crawl stopped halfway resumes where it stopped. Then run `kb index`.

    Example: kb crawl uk_legislation --limit 2
    """
    from crawlers import runner

    if list_:
        sources = runner.list_sources()
        if as_json:
            _dump(sources)
            return
        for item in sources:
            console.print(f"[bold]{item['id']}[/] ({item['jurisdiction']}, {item['format']}): "
                          f"{escape(item['name'])} - {len(item.get('targets', []))} targets")
        return
    if health_:
        report = runner.health()
        if as_json:
            _dump(report)
        else:
            for item in report:
                mark = "[green]ok[/]" if item["ok"] else "[red]FAILING[/]"
                console.print(f"{mark} {item['source']}: {item['records']} records, "
                              f"{item['provisions']} provisions from {item['fixtures']} saved "
                              f"responses {escape('; '.join(item['errors']))}")
        raise typer.Exit(0 if all(i["ok"] for i in report) else 1)
    if not source:
        _fail(KBError("name a source (kb crawl --list), or use --list / --health"))
    kb = _kb()
    with _progress() as bar:
        task = bar.add_task(source, total=None)

        def progress(event: dict) -> None:
            bar.update(task, total=event.get("total"), completed=event.get("index", 0),
                       description=f"{source}: {event.get('target', '')}")

        try:
            summary = runner.crawl(source, kb.store, kb.settings, limit=limit, progress=progress)
        except KBError as exc:
            _fail(exc)
        except (KeyError, ValueError) as exc:
            _fail(KBError(str(exc)))
    data = summary.as_dict()
    if as_json:
        _dump(data)
    else:
        counts = ", ".join(f"{k} {data[k]}" for k in
                           ("fetched", "not_modified", "new", "changed", "unchanged", "failed"))
        console.print(f"{source}: {counts}")
        for failure in data.get("failures", []):
            console.print(f"[red]failed[/] {escape(str(failure))}")
        err.print("run `kb index` to make new texts searchable")
    _notify_watches(kb, [r["id"] for r in data.get("records", []) if r["status"] != "unchanged"])
    raise typer.Exit(0 if not data.get("failed") else 1)


@app.command()
def formats() -> None:
    """List the document formats `kb import` reads.

    Example: kb formats
    """
    from kb import importers

    for name, module in importers.importers().items():
        doc = (module.__doc__ or "").strip().splitlines()
        console.print(f"[bold]{name}[/]: {escape(doc[0] if doc else '')}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback unless told; "
                                      "0.0.0.0 for every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    reindex: Annotated[bool, typer.Option("--reindex", help="Rebuild the index first.")] = False,
    workers: Annotated[int | None, typer.Option(
        "--workers", "-w", min=1, help="Worker processes (default: the number of cores).")] = None,
    access_log: Annotated[bool, typer.Option(
        "--access-log/--no-access-log", help="A line per request on the standard error "
        "(off by default: behind a reverse proxy its log has them, and the line costs "
        "about a tenth of a search's time). Errors are always logged.")] = False,
) -> None:
    """Serve the HTTP API (docs at /docs); builds the index first if there is none.

    Each worker opens the index read-only and follows ``kb index`` rebuilds by itself.

    Example: kb serve --port 8000 --workers 2
    """
    import os

    import uvicorn

    from api.server import server_options

    kb = _kb()
    try:
        if reindex or not kb.backend.exists():
            err.print("building the index ...")
            outcome = kb.index()
            err.print(f"indexed {outcome.report.documents} documents")
    except KBError as exc:
        _fail(exc)
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    count = workers or cores
    err.print(f"serving on http://{host}:{port} with {count} worker{'s' * (count > 1)}  "
              f"(API docs: http://{host}:{port}/docs)")
    # h11 with a bounded request head that is answered, not reset (see api/server.py); the
    # workers import the app themselves, so it is given by name
    uvicorn.run("api.app:create_served_app", factory=True, host=host, port=port, workers=count,
                log_level="info", access_log=access_log, **server_options())


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
) -> None:
    """Back up the record store (SQLite online backup, safe while serving) and the extra
    entries folders (KB_ENTRIES). The bundled entries and the index are not copied: the
    entries come with regkb and the index is rebuilt from the rest.

    Example: kb backup /srv/backups/regkb-2025-01-31
    """
    from kb.config import get_settings
    from kb.store import BackupError
    from kb.store import backup as run_backup

    settings = get_settings()
    try:
        manifest = run_backup(path, settings.store_path, settings.entries)
    except (BackupError, OSError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    works = (manifest["store"] or {}).get("works", 0)
    err.print(f"backed up {works} stored works and {len(manifest['entries'])} entries "
              f"folders to {path}")


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A folder written by `kb backup`.")],
    index: Annotated[bool, typer.Option(help="Rebuild the index afterwards (a running "
                                        "`kb serve` picks it up).")] = True,
) -> None:
    """Restore a backup made by `kb backup`: the record store and the entries folders, each
    put back where it came from; then rebuild the index.

    Example: kb restore /srv/backups/regkb-2025-01-31
    """
    from kb.config import get_settings
    from kb.store import BackupError
    from kb.store import restore as run_restore

    try:
        manifest = run_restore(path, get_settings().store_path)
    except (BackupError, OSError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None
    works = (manifest["store"] or {}).get("works", 0)
    err.print(f"restored {works} stored works and {len(manifest['entries'])} entries folders")
    if index:
        kb = _kb()
        try:
            outcome = kb.index()
        except KBError as exc:
            _fail(exc)
        err.print(f"indexed {outcome.report.documents} documents")


@app.command()
def mcp(
    http: Annotated[bool, typer.Option("--http", help="Serve streamable HTTP at /mcp "
                                       "instead of stdio.")] = False,
    host: Annotated[str, typer.Option(help="Interface to listen on (--http).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (--http).")] = 8765,
    reindex: Annotated[bool, typer.Option("--reindex", help="Rebuild the index first.")] = False,
) -> None:
    """Serve the base to AI assistants over the Model Context Protocol (read-only tools,
    resources and prompts); builds the index first if there is none. Stdout is the protocol
    channel on stdio: messages go to stderr.

    Example: kb mcp --http --port 8765
    """
    from api.mcp_server import run

    kb = _kb()
    try:
        if reindex or not kb.backend.exists():
            err.print("building the index ...")
            outcome = kb.index()
            err.print(f"indexed {outcome.report.documents} documents")
    except KBError as exc:
        _fail(exc)
    if http:
        err.print(f"MCP over streamable HTTP on http://{host}:{port}/mcp")
    run(kb, http=http, host=host, port=port)


links_app = typer.Typer(help="Links from domestic provisions to treaty commitments: list, "
                        "suggest (never stored) and accept (appended to kb/links).",
                        no_args_is_help=True)
app.add_typer(links_app, name="links")


@links_app.command("show")
def links_show(
    provision: Annotated[str, typer.Argument(help="Provision id (domestic or treaty).")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The curated links of a provision, in both directions.

    Example: kb links show /akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.13
    """
    kb = _kb()
    try:
        rows = kb.links(provision)
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump(list(rows))
        return
    if not rows:
        err.print("no links")
    for row in rows:
        arrow = "→" if row["direction"] == "to-treaty" else "←"
        console.print(f"{arrow} [bold]{escape(row['relation'])}[/] {escape(row['other_title'])}"
                      f"  [dim]{escape(row['other'])}[/]")
        console.print(f"   {escape(row['note'])}", soft_wrap=True)
        console.print(f"   [dim]source: {escape(row['source'])}[/]", soft_wrap=True)


@links_app.command("suggest")
def links_suggest(
    provision: Annotated[str, typer.Argument(help="Provision id, domestic or treaty.")],
    agreement: Annotated[
        list[str] | None, typer.Option("--agreement", "-a", help="Keep treaty provisions of "
                                       "these agreements (cptpp ...).")] = None,
    jurisdiction: Annotated[str | None, typer.Option(
        "--jurisdiction", "-j", help="For a treaty provision: domestic provisions of this "
        "jurisdiction.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=50)] = 10,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Suggested links from cross-language counterparts, with a score; nothing is stored.

    Example: kb links suggest /akn/vn/act/2024/60-2024-qh15/~art_23 -a cptpp
    """
    from dataclasses import asdict

    from kb.links import suggest

    kb = _kb()
    try:
        kb.ensure_index()
        found = suggest(kb, provision, agreement or [], jurisdiction, limit=limit)
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump([asdict(s) for s in found])
        return
    if not found:
        err.print("no suggestions")
    for item in found:
        mark = " [dim](already linked)[/]" if item.already_linked else ""
        other = item.treaty if item.domestic == provision.strip().lower() else item.domestic
        console.print(f"{item.score:5.2f}  {escape(item.citation)}{mark}\n"
                      f"       [dim]{escape(other)}[/]")
    err.print("accept one with: kb links accept DOMESTIC TREATY --relation R --note ... "
              "--source ...")


@links_app.command("accept")
def links_accept(
    domestic: Annotated[str, typer.Argument(help="Domestic provision id.")],
    treaty: Annotated[str, typer.Argument(help="Treaty provision id.")],
    relation: Annotated[str, typer.Option("--relation", "-r", help="implements, conforms, "
                                          "conflicts, reserved-nonconforming or relevant")],
    note: Annotated[str, typer.Option("--note", help="Why, in English, in your own words.")],
    source: Annotated[str, typer.Option("--source", help="URL or citation it rests on.")],
    note_vi: Annotated[str | None, typer.Option("--note-vi", help="Vietnamese note.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Link file to append to "
                                              "(default: kb/links/<country>.yaml).")] = None,
) -> None:
    """Append a checked link to a link file, leaving what is there untouched.

    Example: kb links accept /akn/vn/act/2024/60-2024-qh15/~art_23
    /akn/int/agreement-chapter/2018/cptpp-ch14/~chp_14__art_14.11 -r relevant
    --note "..." --source "CPTPP Article 14.11"
    """
    from pydantic import ValidationError

    from kb.links import Link, accept, default_file

    kb = _kb()
    try:
        link = Link(domestic=domestic, treaty=treaty, relation=relation, note=note,
                    note_vi=note_vi, source=source)
    except ValidationError as exc:
        _fail(KBError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                for e in exc.errors())))
    target = file or default_file(link)
    stored = kb.store.ids() if kb.settings.store_path.exists() else []
    try:
        written = accept(link, target, kb.load_entries(), kb.link_set(), stored)
    except KBError as exc:
        _fail(exc)
    err.print(f"added to {written.path}:{written.line}")


# -- watch: saved searches, their news and webhooks (kb.watch, kb.webhooks) -------------------
watch_app = typer.Typer(help="Saved searches: add, list, remove, and run one to see what is new "
                        "since its last run; optionally POSTed to a webhook after each import "
                        "or crawl.", no_args_is_help=True)
app.add_typer(watch_app, name="watch")


def _notify_watches(kb: KnowledgeBase, keys: list[str]) -> None:
    """After an import or a crawl: send each watch's webhook what is new for it, and say
    which deliveries failed (they are logged and sent again after the next one)."""
    from kb.webhooks import notify

    try:
        deliveries = notify(kb, keys)
    except KBError as exc:
        err.print(f"[red]webhooks not sent:[/red] {escape(str(exc))}")
        return
    for d in deliveries:
        what = "earlier delivery" if d.resent else f"{d.items} new"
        if d.ok:
            err.print(f"webhook of watch {d.watch}: {what} delivered to {escape(d.url)}")
        else:
            err.print(f"[red]webhook of watch {d.watch} FAILED[/red] ({what}, {d.attempts} "
                      f"tries) to {escape(d.url)}: {escape(d.error or '')}; logged, see "
                      "`kb watch list`", soft_wrap=True)


@watch_app.command("add")
def watch_add(
    name: Annotated[str, typer.Argument(help="A short name: lower-case letters, digits, -.")],
    query: Annotated[str, typer.Argument(help="The words, as for kb search.")] = "",
    jurisdiction: JurisdictionOpt = None,
    sector: Annotated[list[str] | None, typer.Option("--sector", "-s")] = None,
    topic: Annotated[list[str] | None, typer.Option("--topic", "-t")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", "-k")] = None,
    type_: Annotated[list[str] | None, typer.Option("--type")] = None,
    status: Annotated[list[str] | None, typer.Option("--status")] = None,
    language: Annotated[list[str] | None, typer.Option("--language")] = None,
    strength: Annotated[list[str] | None, typer.Option("--strength")] = None,
    agreement: Annotated[list[str] | None, typer.Option("--agreement")] = None,
    date_from: Annotated[str | None, typer.Option("--date-from", help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--date-to", help="YYYY-MM-DD")] = None,
    webhook: Annotated[str | None, typer.Option("--webhook", help="POST what is new to this "
                                                "URL after each import or crawl.")] = None,
    secret: Annotated[str | None, typer.Option("--secret", help="Sign webhook bodies: "
                                               "X-Regkb-Signature: sha256=HMAC.")] = None,
) -> None:
    """Save a search under a name; what it matches now counts as seen.

    Example: kb watch add spectrum-auctions "spectrum auction" -j ipef --kind provision
    """
    from kb.watch import add_watch

    kb = _kb()
    try:
        watch = add_watch(kb, name, query, webhook_url=webhook, secret=secret,
                          jurisdiction=jurisdiction, sector=sector, topic=topic, kind=kind,
                          type=type_, status=status, language=language, strength=strength,
                          agreement=agreement, date_from=date_from, date_to=date_to)
    except KBError as exc:
        _fail(exc)
    err.print(f"watch {watch.name} added ({watch.seen} current matches counted as seen)")


@watch_app.command("list")
def watch_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The saved searches, their last run and their webhook's last delivery.

    Example: kb watch list --json
    """
    from kb.watch import list_watches

    watches = list_watches(_kb().store)
    if as_json:
        _dump([w.public() for w in watches])
        return
    if not watches:
        err.print("no watches (kb watch add NAME QUERY)")
    for w in watches:
        filters = " ".join(f"--{k.replace('_', '-')} {v if isinstance(v, str) else ','.join(v)}"
                           for k, v in w.filters.items())
        console.print(f"[bold]{escape(w.name)}[/] {escape(repr(w.query))} {escape(filters)}",
                      soft_wrap=True)
        console.print(f"  last run: {w.last_run_at or 'never'}, {w.seen} reported",
                      highlight=False)
        if w.webhook_url:
            line = f"  webhook: {escape(w.webhook_url)}"
            d = w.last_delivery
            if d is None:
                line += " (nothing sent yet)"
            elif d["status"] == "delivered":
                line += f" (last delivery ok at {d['at']})"
            else:
                line += (f" [red]last delivery {d['status'].upper()}[/] at {d['at']} after "
                         f"{d['attempts']} tries: {escape(d['last_error'] or '')}")
            console.print(line, soft_wrap=True, highlight=False)


@watch_app.command("remove")
def watch_remove(name: Annotated[str, typer.Argument(help="The watch's name.")]) -> None:
    """Forget a saved search (its delivery log is kept).

    Example: kb watch remove spectrum-auctions
    """
    from kb.watch import remove_watch

    try:
        remove_watch(_kb().store, name)
    except KBError as exc:
        _fail(exc)
    err.print(f"watch {name} removed")


@watch_app.command("run")
def watch_run(
    name: Annotated[str | None, typer.Argument(help="One watch (default: all).")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what is new; do not record "
                                          "the run.")] = False,
) -> None:
    """What is new for each watch since its last run, then record the run: records now
    matching that it never reported, and texts stored since that match (new versions too,
    indexed or not yet).

    Example: kb watch run spectrum-auctions
    """
    from kb.watch import list_watches, run_watch

    kb = _kb()
    names = [name] if name else [w.name for w in list_watches(kb.store)]
    results = []
    try:
        for each in names:
            results.append(run_watch(kb, each, record=not dry_run))
    except KBError as exc:
        _fail(exc)
    if as_json:
        _dump([{"watch": r.watch.name, "since": r.since, "ran_at": r.ran_at, "new": r.new}
               for r in results])
        return
    if not names:
        err.print("no watches (kb watch add NAME QUERY)")
    for r in results:
        console.print(f"[bold]{escape(r.watch.name)}[/]: {len(r.new)} new since "
                      f"{r.since}", highlight=False)
        for entry in r.new:
            console.print(f"  {entry['change']:>7} {escape(entry['title'])}  "
                          f"[dim]{escape(entry['id'])}[/]", soft_wrap=True, highlight=False)
            if entry.get("official_url"):
                console.print(f"          {escape(entry['official_url'])}", soft_wrap=True,
                              highlight=False)


def flow_help(*apps: typer.Typer) -> None:
    """Join each help paragraph's lines, so the terminal wraps it: rich mode keeps a
    docstring's own line breaks, which in 80 columns left every paragraph ragged. An
    ``Example:`` paragraph keeps its lines (one command per line)."""
    for typer_app in apps:
        for command in typer_app.registered_commands:
            doc = command.help if isinstance(command.help, str) else getdoc(command.callback)
            if doc:
                command.help = "\n\n".join(
                    para if para.startswith("Example") else " ".join(para.split())
                    for para in doc.split("\n\n"))


flow_help(app, links_app, watch_app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
