"""``overclaim reference ...``: build, fetch, validate, stats, lookup, consistency.

A thin Typer wrapper over :mod:`pipeline.reference.build`, :mod:`.store`, :mod:`.consistency`.
Exit status: 0 ok; 1 disagreements found (``consistency --strict``) or no match (``lookup``);
2 usage errors; 5 invalid reference, overlay or curated file (``validate``), or missing sources.
"""
from __future__ import annotations

import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import List, Optional
from collections import Counter
import os
import sqlite3

import typer

from ..errors import EXIT_REFERENCE, OverclaimError, ReferenceDataError, ReferenceValidationError, exit_status
from ..eval.gaps import rank_gaps, write_gaps_tsv
from ..reference.autobuild import ensure_compiled, note_manual_build
from ..reference.build import build_reference
from ..reference.compiled import query
from ..reference.consistency import check_consistency, format_report
from ..reference.importers.common import load_sources
from ..reference.interventions import ingredients_of, is_dietary_supplement, is_intervention
from ..reference.store import Reference, _load_docs, curated_files, load_reference
from ..reference.validate import check_docs, parse_yaml, read_overlays

reference_app = typer.Typer(
    name="reference",
    help="Build, check and query the reference (compiled open sources + curated files + overlays).",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

def _fail(e: Exception) -> None:
    """End the command on ``e`` with its class's exit status (``pipeline.errors.EXIT_STATUS``)."""
    typer.echo(f"overclaim reference: {e}", err=True)
    raise typer.Exit(exit_status(e))


def _compiled_opt(path: Optional[Path]):
    """The compiled file a command reads: the given one, else the cache's (built first when the
    data directory has the sources; ``None`` without it: the curated files alone)."""
    return ensure_compiled() if path is None else path


@reference_app.command("build")
def build_cmd(
    sources: Path = typer.Option(..., "--sources", help="Folder of open sources (layout of ../shared/reference_sources)."),
    out: Optional[Path] = typer.Option(None, "--out", help="SQLite file to write (default: cache folder/reference.sqlite)."),
    json_out: bool = typer.Option(False, "--json", help="Print the build report as JSON."),
) -> None:
    """Compile the open sources into one SQLite file (atomic write).

    Examples:

      overclaim reference build --sources ../shared/reference_sources

      overclaim reference build --sources ~/overclaim-sources --out /tmp/reference.sqlite --json
    """
    from ..run.warm import warm_cache
    try:
        rep = build_reference(sources, out)
        note_manual_build(sources, rep.out_path)
        if out is None:  # the default file: prepare what a fast start reads from the cache too
            warm_cache()
    except OverclaimError as e:
        _fail(e)
    if json_out:
        typer.echo(json.dumps(rep.to_dict(), indent=2))
        return
    typer.echo(f"wrote {rep.out_path} in {rep.seconds:.1f} s")
    for table, n in rep.counts.items():
        srcs = ", ".join(f"{k} {v}" for k, v in rep.by_source.get(table, {}).items())
        typer.echo(f"  {table:20s} {n:8d}  {srcs}")
    for w in rep.warnings:
        typer.echo(f"  warning: {w}")


@reference_app.command("fetch")
def fetch_cmd(
    dest: Path = typer.Option(Path("reference_sources"), "--dest", help="Folder to download into."),
    only: List[str] = typer.Option([], "--only", help="Only these sources (names in reference_sources.yaml)."),
) -> None:
    """Download the open sources from their documented public locations (needs internet).

    The URLs are listed in pipeline/resources/reference_sources.yaml. Some downloads are
    archives (UNII names, the PyPI dictionaries) to unpack before `build`.

    Examples:

      overclaim reference fetch --dest ~/overclaim-sources

      overclaim reference fetch --dest ~/overclaim-sources --only drugsatfda --only ema_epar
    """
    failures = 0
    for name, s in load_sources().items():
        if (only and name not in only) or not s.commercial_use or not s.folder:
            continue
        for fname, url in s.files.items():
            target = dest / s.folder / fname
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".part")
            try:
                req = urllib.request.Request(url, headers={"User-Agent": "overclaim-reference-fetch"})
                with urllib.request.urlopen(req, timeout=120) as r, open(tmp, "wb") as fh:
                    while chunk := r.read(1 << 20):
                        fh.write(chunk)
                tmp.replace(target)
                typer.echo(f"ok    {name}: {target}")
            except Exception as e:  # network errors of any kind: report and go on
                failures += 1
                tmp.unlink(missing_ok=True)
                typer.echo(f"FAIL  {name}: {url}: {e}", err=True)
    raise typer.Exit(1 if failures else 0)


@reference_app.command("validate")
def validate_cmd(
    paths: List[Path] = typer.Argument(None, help="Overlay files/folders to validate on top of the shipped reference."),
    compiled: Optional[Path] = typer.Option(None, "--compiled", help="Compiled SQLite (default: the cached one, if built)."),
    consistency: bool = typer.Option(True, "--consistency/--no-consistency", help="Also list curated FDA approvals the open sources disagree with."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the consistency report (Markdown) here."),
) -> None:
    """Check the curated files and overlays against the schema; every error is reported, one
    line each, naming the file, the entry (or CSV row) and the field.

    Exits 5 when a file has errors (an unknown table such as `evidences:` is an error too).
    Consistency disagreements are listed for review (and written with --report) but do not fail
    validation.

    Examples:

      overclaim reference validate

      overclaim reference validate my_fixes.csv overlays/ --report consistency.md
    """
    errors = _validate_files(paths or [], _compiled_opt(compiled))
    ref = None
    if not errors:
        try:
            ref = load_reference(paths or [], use_cache=False, compiled=_compiled_opt(compiled))
        except ReferenceValidationError as e:
            errors = e.errors
        except OverclaimError as e:
            errors = str(e).splitlines()
    if errors:
        for e in errors:
            typer.echo(f"error: {e}", err=True)
        typer.echo(f"{len(errors)} error(s); schema in corpora/reference/README.md", err=True)
        raise typer.Exit(EXIT_REFERENCE)
    typer.echo(f"ok: {len(ref.files)} file(s); {len(ref.drugs)} drugs, {len(ref.conditions)} conditions, "
               f"{len(ref.approvals)} approvals, {len(ref.evidence)} evidence rows")
    for table, id_, old, new in ref.overrides:
        typer.echo(f"  override: {table} {id_}: {new} replaces {old}")
    if consistency:
        _consistency(ref, report)


def _curated_errors() -> list[str]:
    """Schema errors of the curated files (all of them), then what loading them together finds."""
    errors: list[str] = []
    docs = []
    for name, text in curated_files():
        doc, problem = parse_yaml(name, text)
        errors += [problem] if problem else []
        docs += [(name, doc)] if doc is not None else []
    errors += check_docs(docs)
    if not errors:
        try:
            _load_docs(docs, Reference())
        except ReferenceDataError as e:
            errors.append(str(e))
    return errors


def _validate_files(paths: List[Path], compiled) -> list[str]:
    """Every error of the curated files and of every overlay (not just the first of each file):
    schema problems and, when the shipped reference loads, unknown drugs, conditions and sources."""
    errors = _curated_errors()
    ref = None
    if not errors:
        try:
            ref = load_reference([], use_cache=False, compiled=compiled)
        except OverclaimError as e:
            errors += str(e).splitlines()
    errors += [f"{p}: no such file or folder" for p in paths if not p.exists()]
    return errors + read_overlays([p for p in paths if p.exists()], ref=ref)[1]


def _consistency(ref, report: Optional[Path]) -> int:
    rep = check_consistency(ref)
    text = format_report(rep)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        tmp = report.with_name(report.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(report)
        typer.echo(f"consistency report: {report}")
    typer.echo(text if not report else text.splitlines()[2])
    return len(rep["disagreements"])


@reference_app.command("consistency")
def consistency_cmd(
    report: Optional[Path] = typer.Option(None, "--report", help="Write the Markdown report here."),
    compiled: Optional[Path] = typer.Option(None, "--compiled", help="Compiled SQLite (default: the cached one)."),
    overlay: List[Path] = typer.Option([], "--overlay", help="Editor overlays to include."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when there are disagreements."),
) -> None:
    """List curated FDA approvals that the open approval sources disagree with.

    Examples:

      overclaim reference consistency

      overclaim reference consistency --report out/consistency.md --strict
    """
    try:
        ref = load_reference(overlay, use_cache=False, compiled=_compiled_opt(compiled))
    except OverclaimError as e:
        _fail(e)
    n = _consistency(ref, report)
    raise typer.Exit(1 if (strict and n) else 0)


def _rss_mb() -> float | None:
    """Current resident set size of this process in MB (Linux), else None."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20
    except (OSError, ValueError, IndexError):
        return None


def _compiled_counts(path) -> dict[str, int]:
    """Rows of the compiled tables that stay in SQLite (trials, herbal assessments, signals)."""
    if not path:
        return {}

    out = {}
    for table in ("trials", "herbal_assessments", "ae_signals", "indications"):
        try:
            out[table] = query(path, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
        except sqlite3.OperationalError:  # a file built before the table existed
            out[table] = 0
    return out


def coverage_stats(ref) -> dict:
    """Coverage figures of a loaded reference, overall and by origin (and non-drug interventions
    by type, :mod:`pipeline.reference.interventions`)."""
    names = list(ref.iter_names())
    by_origin: dict[str, Counter] = {}

    def count(table: str, origins) -> None:
        for o in origins:
            by_origin.setdefault(o, Counter())[table] += 1

    count("drugs", (d.origin for d in ref.drugs.values()))
    count("conditions", (c.origin for c in ref.conditions.values()))
    count("names", (e.source for _, e in names))
    count("approvals", (a.origin for a in ref.approvals))
    count("evidence", (e.origin for e in ref.evidence))
    count("label_facts", (lf.origin for rows in ref.labels.values() for lf in rows))
    pairs = {(e.drug, e.condition) for e in ref.evidence}
    kinds = Counter(d.kind for d in ref.drugs.values() if is_intervention(d.kind))
    kind_of = [ref.drugs[did].kind for did, _ in pairs if did in ref.drugs]  # one per pair
    return {
        "drugs": len(ref.drugs), "conditions": len(ref.conditions), "names": len(names),
        "ambiguous_names": sum(1 for _, e in names if e.ambiguous),
        "drugs_with_brands": sum(1 for d in ref.drugs.values() if d.brands),
        "conditions_with_synonyms_or_abbreviations": sum(1 for c in ref.conditions.values() if c.synonyms or c.abbreviations),
        "approvals": len(ref.approvals), "evidence_rows": len(ref.evidence), "evidence_pairs": len(pairs),
        "distinct_drugs_with_evidence": len({d for d, _ in pairs}),
        "label_facts": sum(len(v) for v in ref.labels.values()),
        "drugs_with_label_facts": len(ref.labels),
        "non_drug_interventions": sum(kinds.values()),
        "interventions_by_type": dict(sorted(kinds.items())),
        "evidence_pairs_non_drug": sum(1 for k in kind_of if is_intervention(k)),
        "evidence_pairs_supplement_herb": sum(1 for k in kind_of if is_dietary_supplement(k)),
        "curated_entries_needing_compiled": len(ref.needs_compiled),
        "compiled_tables": _compiled_counts(ref.compiled_path),
        "compiled": ref.compiled_path,
        "by_origin": {o: dict(c) for o, c in sorted(by_origin.items())},
    }


@reference_app.command("stats")
def stats_cmd(
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
    compiled: Optional[Path] = typer.Option(None, "--compiled", help="Compiled SQLite (default: the cached one)."),
    overlay: List[Path] = typer.Option([], "--overlay", help="Editor overlays to include."),
) -> None:
    """Coverage table: drugs, conditions, names, approvals, evidence, label facts, by origin.

    Also reports load time and memory of the reference.

    Examples:

      overclaim reference stats

      overclaim reference stats --json | jq .drugs
    """
    try:
        path = _compiled_opt(compiled)  # a first use builds it: not part of the load measured below
    except OverclaimError as e:
        _fail(e)
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    try:
        ref = load_reference(overlay, use_cache=False, compiled=path)
    except OverclaimError as e:
        _fail(e)
    load_s = time.perf_counter() - t0
    rss1 = _rss_mb()
    st = coverage_stats(ref)
    st["load_seconds"] = round(load_s, 2)
    st["load_rss_increase_mb"] = round(rss1 - rss0, 1) if rss0 is not None and rss1 is not None else None
    st["process_rss_mb"] = round(rss1, 1) if rss1 is not None else None
    if json_out:
        typer.echo(json.dumps(st, indent=2))
        return
    for k, v in st.items():
        if k not in ("by_origin", "interventions_by_type", "compiled_tables"):
            typer.echo(f"{k:45s} {v}")
    typer.echo("interventions by type: " + ", ".join(f"{k} {v}" for k, v in st["interventions_by_type"].items()))
    typer.echo("compiled tables: " + ", ".join(f"{k} {v}" for k, v in st["compiled_tables"].items()))
    cols = ["drugs", "conditions", "names", "approvals", "evidence", "label_facts"]
    typer.echo("\n" + f"{'origin':32s}" + "".join(f"{c:>12s}" for c in cols))
    for o, c in st["by_origin"].items():
        typer.echo(f"{o[:32]:32s}" + "".join(f"{c.get(k, 0):12d}" for k in cols))
    typer.echo("(load time: time.perf_counter around load_reference; memory: resident set size "
               "from /proc/self/statm before and after)")


@reference_app.command("gaps")
def gaps_cmd(
    paths: List[Path] = typer.Argument(None, help="Article files or folders (default: every article file under <data>/articles)."),
    out: Path = typer.Option(Path("corpora/reference/gaps.tsv"), "--out", help="Where to write the ranked list (TSV)."),
    top: int = typer.Option(25, "--top", help="Pairs to print."),
    min_claims: int = typer.Option(2, "--min-claims", help="Write only pairs with at least this many unverifiable claims."),
) -> None:
    """Rank the intervention-condition pairs whose claims end unverifiable, by how often real
    articles make them: the curation to-do list. Stores reference ids, names and counts only.

    Examples:

      overclaim reference gaps                      # all of $OVERCLAIM_DATA_DIR/articles -> corpora/reference/gaps.tsv

      overclaim reference gaps posts/ --out /tmp/gaps.tsv --top 50
    """
    if top < 0 or min_claims < 1:
        typer.echo("error: --top must be 0 or more and --min-claims 1 or more", err=True)
        raise typer.Exit(2)
    try:
        rep = rank_gaps(paths or None, progress=lambda n: typer.echo(f"  {n} articles audited", err=True))
    except OverclaimError as e:
        _fail(e)
    cmd = ("overclaim reference gaps" + "".join(f" {p}" for p in (paths or [])) + f" --out {out}"
           + f" --min-claims {min_claims}")
    write_gaps_tsv(rep, out, command=cmd, min_claims=min_claims)
    typer.echo(f"{rep.n_articles} articles, {rep.n_claims} claims, {rep.n_unverifiable} unverifiable; "
               f"{sum(r['claims'] >= min_claims for r in rep.rows)} of {len(rep.rows)} pairs written to {out}")
    for r in rep.rows[:top]:
        typer.echo(f"{r['rank']:4d} {r['claims']:5d} claims {r['articles']:4d} articles  {r['intervention']} "
                   f"({r['intervention_type']}) -> {r['condition']}")


@reference_app.command("lookup")
def lookup_cmd(
    name: str = typer.Argument(..., help="A drug or condition name, brand, abbreviation or id."),
    compiled: Optional[Path] = typer.Option(None, "--compiled", help="Compiled SQLite (default: the cached one)."),
    overlay: List[Path] = typer.Option([], "--overlay", help="Editor overlays to include."),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Everything known about a drug or condition, with sources.

    Examples:

      overclaim reference lookup Lioresal

      overclaim reference lookup MS

      overclaim reference lookup rxcui:187832 --json
    """
    try:
        ref = load_reference(overlay, compiled=_compiled_opt(compiled))
    except OverclaimError as e:
        _fail(e)
    info = lookup(ref, name)
    if not info["matches"]:
        typer.echo(f"no drug or condition called {name!r}")
        raise typer.Exit(1)
    if json_out:
        typer.echo(json.dumps(info, indent=2, default=str))
        return
    for m in info["matches"]:
        typer.echo(f"\n{m['kind']} {m['id']}  {m['name']}  (origin {m['origin']}; matched as {m['matched_as']}"
                   f"{', AMBIGUOUS' if m['ambiguous'] else ''})")
        if m.get("intervention_type"):
            typer.echo(f"  intervention type: {m['intervention_type']}")
        for k in ("ingredients", "brands", "synonyms", "abbreviations"):
            if m.get(k):
                extra = f" ... (+{len(m[k]) - 25})" if len(m[k]) > 25 else ""
                typer.echo(f"  {k}: {', '.join(m[k][:25])}{extra}")
        if m.get("xrefs"):
            typer.echo("  xrefs: " + ", ".join(f"{k}={v}" for k, v in m["xrefs"].items()))
        for section in ("approvals", "evidence", "labels", "indications", "fda_products", "trials",
                        "herbal_assessments", "adverse_event_signals"):
            rows = m.get(section) or []
            if rows:
                typer.echo(f"  {section} ({len(rows)}):")
                for r in rows[:15]:
                    typer.echo("    - " + r)
                if len(rows) > 15:
                    typer.echo(f"    ... {len(rows) - 15} more (--json for all)")


def _intervention_tables(path, drug_id: str) -> dict[str, list[str]]:
    """EMA herbal assessments and DDSAE adverse-event signals of an entry (compiled files of
    schema 2 and later; older ones have neither table)."""
    try:
        herbal = query(path, "SELECT * FROM herbal_assessments WHERE drug_id = ?", (drug_id,))
        signals = query(path, "SELECT * FROM ae_signals WHERE drug_id = ? ORDER BY count DESC", (drug_id,))
    except sqlite3.OperationalError:
        return {}
    return {"herbal_assessments": [f"{r['latin_name']} ({r['common_name']}): {r['outcome'] or 'no outcome yet'}; "
                                   f"{r['therapeutic_area'] or 'no therapeutic area'}; status {r['status']} "
                                   f"[{r['source']}: {r['url']}]" for r in herbal],
            "adverse_event_signals": [f"{r['wording']} [{r['source']}]" for r in signals]}


def lookup(ref, name: str) -> dict:
    """Everything known about a name: matching concepts with their facts, each with its source."""
    entries = ref.lookup_name(name)
    ids = [(e.kind, e.id, e.name_type, e.ambiguous) for e in entries]
    if not ids and (name in ref.drugs or name in ref.conditions):
        ids = [("drug" if name in ref.drugs else "condition", name, "id", False)]
    out = {"query": name, "matches": []}
    seen = set()
    for kind, id_, how, amb in ids:
        if (kind, id_) in seen:
            continue
        seen.add((kind, id_))
        obj = ref.drugs.get(id_) if kind == "drug" else ref.conditions.get(id_)
        if obj is None:
            continue
        m = {"kind": kind, "id": id_, "name": obj.name, "origin": obj.origin, "matched_as": how,
             "ambiguous": amb, "synonyms": obj.synonyms, "abbreviations": obj.abbreviations,
             "xrefs": obj.xrefs}
        if kind == "drug":
            m["brands"] = obj.brands
            m["intervention_type"] = obj.kind if obj.kind not in ("drug", "class", "form") else None
            m["ingredients"] = [ref.drugs[i].name for i in ingredients_of(ref, id_)]
            m["approvals"] = [f"{a.regulator} {a.status}: {ref.conditions[a.condition].name if a.condition in ref.conditions else a.condition}"
                              f"{' (' + a.route + ')' if a.route else ''}{' ' + str(a.year) if a.year else ''} "
                              f"[{a.origin}: {a.source.short()}; checked {a.date_checked}]"
                              for a in ref.approvals_for(id_)]
            m["evidence"] = [f"{ref.conditions[e.condition].name if e.condition in ref.conditions else e.condition}: "
                             f"{e.direction}, grade {e.grade}{', ' + str(e.n_rcts) + ' RCTs' if e.n_rcts is not None else ''} "
                             f"[{e.origin}: {e.source.short()}; checked {e.date_checked}]"
                             for e in ref.evidence if e.drug == id_]
            m["labels"] = [f"{lf.route or 'any route'}: max {lf.max_daily_dose} {lf.max_daily_dose_unit or ''}"
                           f"{'; boxed warning' if lf.boxed_warning else ''} [{lf.origin}: {lf.source.short()}]"
                           for lf in ref.label_for(id_)]
            if ref.compiled_path:
                m["indications"] = [f"{r['relation']}: {r['cname'] or r['condition_id']} ({r['text']}) [{r['source']} {r['source_version']}]"
                                    for r in query(ref.compiled_path,
                                                   "SELECT i.*, c.name AS cname FROM indications i LEFT JOIN conditions c "
                                                   "ON c.id = i.condition_id WHERE drug_id = ?", (id_,))]
                m["fda_products"] = [f"{r['application']} {r['brand']} {r['form']} {r['strength']}, approved "
                                     f"{r['approval_date'] or '?'}, {r['marketing_status']} [{r['source']} {r['source_version']}]"
                                     for r in query(ref.compiled_path,
                                                    "SELECT * FROM fda_products WHERE drug_id = ? ORDER BY approval_date", (id_,))]
                m["trials"] = [f"{r['nct_id']} {r['phases'] or ''} {r['status']}: "
                               f"{r['title'] or r.get('why_stopped') or ''} [{r['source']}]"
                               for r in query(ref.compiled_path,
                                              "SELECT DISTINCT t.* FROM trials t JOIN trial_interventions i ON "
                                              "i.nct_id = t.nct_id WHERE i.drug_id = ?", (id_,))]
                m.update(_intervention_tables(ref.compiled_path, id_))
        else:
            m["parents"] = [f"{p} {ref.conditions[p].name if p in ref.conditions else ''}" for p in obj.parents]
            m["approvals"] = [f"{ref.drugs[a.drug].name if a.drug in ref.drugs else a.drug}: {a.regulator} {a.status} "
                              f"[{a.origin}: {a.source.short()}]" for a in ref.approvals if a.condition == id_]
            m["evidence"] = [f"{ref.drugs[e.drug].name if e.drug in ref.drugs else e.drug}: {e.direction}, grade "
                             f"{e.grade} [{e.origin}: {e.source.short()}]" for e in ref.evidence if e.condition == id_]
        out["matches"].append(m)
    return out
