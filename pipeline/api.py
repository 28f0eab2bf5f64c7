"""Python API for notebooks and scripts: audit texts or files and get pandas DataFrames.

Three functions, also exported lazily from the package (``import pipeline`` stays cheap; nothing
is loaded until first use):

- :func:`audit` — audit files, folders, texts or :class:`~pipeline.types.Article` objects; returns
  an :class:`AuditResult` with ``.claims``, ``.articles``, ``.evidence``, ``.scorecard`` and
  ``.errors`` as DataFrames (categorical verdict / severity / type with a fixed category order,
  integer offsets, one column per scorecard criterion).
- :func:`check` — the claims and verdicts of one sentence or paragraph (``overclaim check``).
- :func:`load_reference` — the reference tables (drugs, conditions, approvals, evidence, labels)
  as DataFrames.

Example:
    >>> import pipeline
    >>> res = pipeline.audit(["Baclofen has been shown to be effective for fibromyalgia."])
    >>> res.claims[["type", "verdict", "severity"]].astype(str).values.tolist()
    [['efficacy', 'overstated', 'high']]
    >>> str(res.claims.verdict.dtype)
    'category'
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlparse
import sys

from .types import Article, ArticleResult, CheckedClaim, ClaimType, Severity, Strength, VerdictLabel
from .assess.scorecard import CRITERIA
from .errors import InputError
from .ingest.reader import DEFAULT_MAX_CHARS, article_from_text, check_text, iter_articles
from .reference import load_reference as _load
from .reference.model import APPROVAL_STATUSES, DIRECTIONS, GRADES
from .report.records import article_record, claim_record, error_record
from .report.writer import AuditWriter

# Fixed category orders (the same in every DataFrame, whatever the data holds).
VERDICT_ORDER = [v.value for v in VerdictLabel]
SEVERITY_ORDER = [s.value for s in Severity]  # none < low < medium < high (ordered)
TYPE_ORDER = [t.value for t in ClaimType]
STRENGTH_ORDER = ["no claim", "correlational", "hedged", "direct"]  # Strength 0..3 (ordered)
POLARITY_ORDER = ["positive", "negative"]
RATING_ORDER = ["satisfactory", "not_satisfactory", "not_applicable"]

__all__ = ["audit", "check", "load_reference", "AuditResult", "CheckResult", "ReferenceTables",
           "claims_frame", "articles_frame", "VERDICT_ORDER", "SEVERITY_ORDER", "TYPE_ORDER"]


def _auditor(overlays: Iterable[str] = ()):
    """The process-wide Auditor for ``overlays`` (:func:`pipeline.run.auditor.shared_auditor`)."""
    from .run.auditor import shared_auditor

    return shared_auditor(tuple(str(o) for o in overlays))


# -----------------------------------------------------------------------------------------------
# DataFrames

def _cat(values, order, ordered=False):
    import pandas as pd

    return pd.Categorical(values, categories=order, ordered=ordered)


def _claim_rows(results: Iterable[ArticleResult]) -> list[dict[str, Any]]:
    rows = []
    for res in results:
        for cc in res.claims:
            r = claim_record(cc)
            d, c = r["drug"] or {}, r["condition"] or {}
            srcs = []
            for e in r["evidence"]:
                s = e.get("source") or {}
                srcs.append(", ".join(str(x) for x in (s.get("title"), s.get("application"), s.get("year")) if x))
            rows.append({
                "article_id": r["article_id"], "claim_id": r["claim_id"], "sentence": r["sentence"],
                "start": r["start"], "end": r["end"], "type": r["type"], "subtype": r["subtype"],
                "drug": d.get("name") or d.get("text"), "drug_id": d.get("id"), "drug_text": d.get("text"),
                "condition": c.get("name") or c.get("text"), "condition_id": c.get("id"),
                "condition_text": c.get("text"), "outcome": r["outcome"], "polarity": r["polarity"],
                "strength": r["strength"], "strength_prob": r["strength_prob"], "attribution": r["attribution"],
                "verdict": r["verdict"], "flagged": r["flagged"], "severity": r["severity"],
                "rationale": r["rationale"], "suggestion": r["suggestion"],
                "allowed_strength": r["allowed_strength"], "n_evidence": len(r["evidence"]),
                "evidence_sources": " | ".join(srcs), "evidence": r["evidence"],
                "cues": [cue["text"] for cue in r["cues"]],
            })
    return rows


_CLAIM_STR = ["article_id", "claim_id", "sentence", "subtype", "drug", "drug_id", "drug_text", "condition",
              "condition_id", "condition_text", "outcome", "attribution", "rationale", "suggestion",
              "evidence_sources"]
CLAIM_COLUMNS = ["article_id", "claim_id", "sentence", "start", "end", "type", "subtype", "drug", "drug_id",
                 "drug_text", "condition", "condition_id", "condition_text", "outcome", "polarity", "strength",
                 "strength_label", "strength_prob", "attribution", "verdict", "flagged", "severity", "rationale",
                 "suggestion", "allowed_strength", "n_evidence", "evidence_sources", "evidence", "cues"]


def claims_frame(results: Iterable[ArticleResult]) -> "pd.DataFrame":  # noqa: F821
    """One row per claim, typed.

    Columns: ``article_id``, ``claim_id``, ``sentence``, ``start``/``end`` (int64 character
    offsets into the article text), ``type`` (category), ``drug``/``condition`` (canonical name),
    their ids and surface text, ``polarity`` (category), ``strength`` (int64, 0-3) and
    ``strength_label`` (ordered category), ``verdict`` (category, order :data:`VERDICT_ORDER`),
    ``flagged`` (bool), ``severity`` (ordered category none < low < medium < high), ``rationale``,
    ``suggestion``, ``allowed_strength`` (nullable Int64), ``n_evidence``, ``evidence_sources``,
    ``evidence`` (list of dicts, each with its source) and ``cues`` (list of str).

    Args:
        results: article results from :meth:`pipeline.run.auditor.Auditor.audit_article`.

    Returns:
        A DataFrame with the columns above (also when there are no claims).
    """
    import pandas as pd

    rows = _claim_rows(results)
    df = pd.DataFrame(rows, columns=[c for c in CLAIM_COLUMNS if c != "strength_label"])
    for c in _CLAIM_STR:
        df[c] = df[c].astype("string")
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].astype("int64")
    df["strength"] = df["strength"].astype("int64")
    df["strength_prob"] = df["strength_prob"].astype("float64")
    df["allowed_strength"] = df["allowed_strength"].astype("Int64")
    df["n_evidence"] = df["n_evidence"].astype("int64")
    df["flagged"] = df["flagged"].astype("bool")
    df["type"] = _cat(df["type"], TYPE_ORDER)
    df["polarity"] = _cat(df["polarity"], POLARITY_ORDER)
    df["verdict"] = _cat(df["verdict"], VERDICT_ORDER)
    df["severity"] = _cat(df["severity"], SEVERITY_ORDER, ordered=True)
    df.insert(df.columns.get_loc("strength") + 1, "strength_label",
              _cat([STRENGTH_ORDER[int(s)] for s in df["strength"]], STRENGTH_ORDER, ordered=True))
    return df[CLAIM_COLUMNS]


def _site(a: Article) -> str | None:
    """Where an article comes from: the URL's host (without www.), else the folder of its file."""
    if a.url:
        host = urlparse(a.url).netloc.lower()
        if host.startswith("web.archive.org"):
            # archived copies: the original host is inside the path
            rest = urlparse(a.url).path.split("/", 3)[-1]
            host = urlparse(rest if "://" in rest else "http://" + rest).netloc.lower() or host
        host = host.split(":")[0]
        return host[4:] if host.startswith("www.") else host or None
    return None


def articles_frame(results: Iterable[ArticleResult]) -> "pd.DataFrame":  # noqa: F821
    """One row per article, typed.

    Columns: ``article_id``, ``title``, ``url``, ``date``, ``source``, ``site`` (URL host),
    ``n_chars``, ``n_claims``, ``n_flagged``, one count per verdict (``n_supported`` ...),
    ``flagged_high``/``flagged_medium``/``flagged_low``, ``n_findings``, ``seconds``, then one
    categorical column per scorecard criterion (``harms``, ``evidence_quality``, ``alternatives``,
    ``benefits_quantified``, ``sensational_language``, ``commercial_disclosure``,
    ``sources_cited``; categories satisfactory / not_satisfactory / not_applicable) and
    ``scorecard_satisfactory`` / ``scorecard_applicable`` (counts).

    Args:
        results: article results.

    Returns:
        The DataFrame.
    """
    import pandas as pd


    rows = []
    for res in results:
        r = article_record(res)
        row = {k: r[k] for k in ("article_id", "title", "url", "date", "source")}
        row["site"] = _site(res.article)
        row.update({k: r[k] for k in ("n_chars", "n_claims", "n_flagged")})
        row.update({f"n_{v}": r["counts"].get(v, 0) for v in VERDICT_ORDER})
        row.update({f"flagged_{k}": r["flagged_by_severity"].get(k, 0) for k in ("high", "medium", "low")})
        row["n_findings"] = len(r["findings"])
        row["seconds"] = r["seconds"]
        crit = (r["scorecard"] or {}).get("criteria", {})
        for c in CRITERIA:
            row[c] = (crit.get(c) or {}).get("rating")
        row["scorecard_satisfactory"] = (r["scorecard"] or {}).get("n_satisfactory", 0)
        row["scorecard_applicable"] = (r["scorecard"] or {}).get("n_applicable", 0)
        rows.append(row)
    cols = (["article_id", "title", "url", "date", "source", "site", "n_chars", "n_claims", "n_flagged"]
            + [f"n_{v}" for v in VERDICT_ORDER] + ["flagged_high", "flagged_medium", "flagged_low", "n_findings",
                                                   "seconds"] + list(CRITERIA)
            + ["scorecard_satisfactory", "scorecard_applicable"])
    df = pd.DataFrame(rows, columns=cols)
    for c in ("article_id", "title", "url", "date", "source", "site"):
        df[c] = df[c].astype("string")
    for c in cols[6:]:
        if c in CRITERIA:
            df[c] = _cat(df[c], RATING_ORDER)
        elif c == "seconds":
            df[c] = df[c].astype("float64")
        else:
            df[c] = df[c].astype("int64")
    return df


def _scorecard_frame(results: Iterable[ArticleResult]):
    import pandas as pd


    rows = []
    for res in results:
        crit = (res.scorecard or {}).get("criteria", {})
        for c in CRITERIA:
            d = crit.get(c) or {}
            ev = d.get("evidence") or []
            rows.append({"article_id": res.article.id, "criterion": c, "rating": d.get("rating"),
                         "reason": d.get("reason"), "question": d.get("question"),
                         "sentences": [e["text"] for e in ev], "offsets": [(e["start"], e["end"]) for e in ev]})
    df = pd.DataFrame(rows, columns=["article_id", "criterion", "rating", "reason", "question", "sentences",
                                     "offsets"])
    for c in ("article_id", "reason", "question"):
        df[c] = df[c].astype("string")
    df["criterion"] = _cat(df["criterion"], list(CRITERIA))
    df["rating"] = _cat(df["rating"], RATING_ORDER)
    return df


def _evidence_frame(results: Iterable[ArticleResult]):
    import pandas as pd

    rows = []
    for res in results:
        for cc in res.claims:
            for e in cc.verdict.evidence:
                s = e.source or {}
                rows.append({"article_id": res.article.id, "claim_id": cc.claim.id, "verdict": cc.verdict.label.value,
                             "entry_id": e.entry_id, "kind": e.kind, "summary": e.summary,
                             "source_title": s.get("title"), "source_issuer": s.get("issuer"),
                             "source_year": s.get("year"), "citation_status": s.get("citation_status"),
                             "url": s.get("url")})
    cols = ["article_id", "claim_id", "verdict", "entry_id", "kind", "summary", "source_title", "source_issuer",
            "source_year", "citation_status", "url"]
    df = pd.DataFrame(rows, columns=cols)
    for c in cols:
        if c == "verdict":
            df[c] = _cat(df[c], VERDICT_ORDER)
        elif c == "source_year":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
        else:
            df[c] = df[c].astype("string")
    return df


def _errors_frame(errors):
    import pandas as pd


    cols = ["path", "row", "code", "error", "message"]
    df = pd.DataFrame([{k: error_record(e)[k] for k in cols} for e in errors], columns=cols)
    for c in ("path", "code", "error", "message"):
        df[c] = df[c].astype("string")
    df["row"] = df["row"].astype("Int64")
    return df


# -----------------------------------------------------------------------------------------------
# audit / check

@dataclass
class AuditResult:
    """What :func:`audit` returns.

    Attributes:
        results: the :class:`~pipeline.types.ArticleResult` of each article, in input order.
        error_list: the :class:`~pipeline.errors.InputError` of each input that could not be read
            or audited (the batch went on without it).
        claims: DataFrame, one row per claim (see :func:`claims_frame`).
        articles: DataFrame, one row per article, with one column per scorecard criterion
            (see :func:`articles_frame`).
        evidence: DataFrame, one row per reference entry a verdict rests on, with its source.
        scorecard: DataFrame, one row per article and criterion, with the deciding sentences.
        errors: DataFrame of the inputs that could not be read (path, row, code, error, message).
    """

    results: list[ArticleResult] = field(default_factory=list)
    error_list: list = field(default_factory=list)

    @functools.cached_property
    def claims(self):
        return claims_frame(self.results)

    @functools.cached_property
    def articles(self):
        return articles_frame(self.results)

    @functools.cached_property
    def evidence(self):
        return _evidence_frame(self.results)

    @functools.cached_property
    def scorecard(self):
        return _scorecard_frame(self.results)

    @functools.cached_property
    def errors(self):
        return _errors_frame(self.error_list)

    @property
    def flagged(self):
        """The flagged claims, most severe first."""
        df = self.claims[self.claims.flagged]
        return df.sort_values(["severity", "article_id", "start"], ascending=[False, True, True])

    def article(self, article_id: str) -> ArticleResult:
        """The :class:`~pipeline.types.ArticleResult` of one article (``KeyError`` if absent)."""
        for r in self.results:
            if r.article.id == article_id:
                return r
        raise KeyError(article_id)

    def write(self, out: str | Path, *, html: bool = True) -> dict:
        """Write the same output folder as ``overclaim audit --out`` (claims.jsonl, articles.jsonl,
        errors.jsonl, claims.csv, report.html, summary.json) and return its summary."""
        w = AuditWriter(out, html=html)
        try:
            for e in self.error_list:
                w.add(e)
            for r in self.results:
                w.add(r)
        except BaseException:
            w.abort()
            raise
        return w.close()

    def __len__(self) -> int:
        return len(self.results)

    def __repr__(self) -> str:
        n_claims = sum(len(r.claims) for r in self.results)
        n_flag = sum(1 for r in self.results for c in r.claims if c.verdict.flagged)
        return (f"AuditResult({len(self.results)} articles, {n_claims} claims, {n_flag} flagged, "
                f"{len(self.error_list)} errors)")


_MAX_PATH_LEN = 4096


def _looks_like_path(s: str) -> bool:
    if s == "-" or not s or "\n" in s or len(s) > _MAX_PATH_LEN:
        return False
    try:
        return os.path.exists(s)
    except (OSError, ValueError):
        return False


def _is_frame(x) -> bool:
    return type(x).__name__ == "DataFrame" and hasattr(x, "to_dict")


def _items(inputs, opts) -> Iterator:
    """Articles and input errors from a mixed list of paths, texts, dicts and Articles."""
    max_chars = opts.max_chars if opts is not None else DEFAULT_MAX_CHARS
    if isinstance(inputs, (str, Path, Article, dict)) or _is_frame(inputs):
        inputs = [inputs]
    flat: list = []
    for item in inputs:  # a DataFrame gives one article per row
        flat.extend(item.to_dict("records") if _is_frame(item) else [item])
    n_text = 0
    for i, item in enumerate(flat):
        if isinstance(item, Article):
            yield item
        elif isinstance(item, Path) or (isinstance(item, str) and _looks_like_path(item)):
            yield from iter_articles([item], opts=opts)
        elif isinstance(item, str):
            n_text += 1
            if not item.strip():
                yield InputError("empty text", path=f"text-{n_text}")
                continue
            err = _too_long(item, f"text-{n_text}", max_chars)
            if err is not None:
                yield err
                continue
            yield article_from_text(item, id=f"text-{n_text}")
        elif isinstance(item, dict):
            text = item.get("text")
            id_ = str(item.get("id") or item.get("news_id") or item.get("article_id") or f"row-{i + 1}")
            if not isinstance(text, str) or not text.strip():
                yield InputError("no text", path=id_)
                continue
            err = _too_long(text, id_, max_chars)
            if err is not None:
                yield err
                continue
            art = article_from_text(text, id=id_, title=item.get("title") or None, url=item.get("url") or None,
                                    source=item.get("source") if isinstance(item.get("source"), str) else None)
            art.date = item.get("date") or item.get("publish_date") or None
            if isinstance(art.date, (int, float)):
                art.date = str(art.date)
            yield art
        else:
            yield InputError(f"cannot audit an object of type {type(item).__name__}", path=f"input-{i + 1}")


def _too_long(text: str, path: str, max_chars: int):
    """The :class:`~pipeline.errors.InputError` of a text over ``max_chars``, or ``None``."""
    try:
        check_text(text, path=path, max_chars=max_chars)
    except InputError as e:
        return e
    return None


def audit(inputs, *, overlays: Iterable[str] = (), opts=None, auditor=None, progress: bool = False) -> AuditResult:
    """Audit articles and return DataFrames.

    Args:
        inputs: one or a list of: paths of files or folders (``.txt``, ``.md``, ``.html``,
            ``.jsonl``, ``.csv``, read as by ``overclaim audit``), article texts (a string that is
            not an existing path; ids ``text-1``, ``text-2``...), dicts with ``text`` and optional
            ``id``/``title``/``url``/``date``, :class:`~pipeline.types.Article` objects; or a
            DataFrame with those columns.
        overlays: editor overlay files/folders for the reference.
        opts: :class:`~pipeline.ingest.reader.IngestOptions` for ``.jsonl``/``.csv`` column names.
        auditor: an :class:`~pipeline.run.auditor.Auditor` to reuse (default a cached one per overlays).
        progress: print one line per article to standard error.

    Returns:
        An :class:`AuditResult`. Inputs that cannot be read are in ``.errors``; they never stop
        the batch.

    Example:
        >>> import pipeline
        >>> res = pipeline.audit(["Baclofen is approved by the FDA for spasticity.", ""])
        >>> res.claims.verdict.astype(str).tolist(), res.errors.error.tolist()
        (['supported'], ['empty text'])
    """
    auditor = auditor or _auditor(overlays)
    out = AuditResult()
    for item in auditor.audit(_items(inputs, opts)):
        if isinstance(item, InputError):
            out.error_list.append(item)
        else:
            out.results.append(item)
        if progress:
            sys.stderr.write(f"audited {len(out.results)} article(s), {len(out.error_list)} error(s)\r")
    if progress:
        sys.stderr.write("\n")
    return out


@dataclass
class CheckResult:
    """Claims and verdicts of one text: ``.claims`` (checked claims), ``.result`` (the article
    result, with ``.scorecard``) and ``to_dataframe()``."""

    result: ArticleResult
    claims: list[CheckedClaim] = field(default_factory=list)

    def to_dataframe(self):
        """The claims as a typed DataFrame (see :func:`claims_frame`)."""
        return claims_frame([self.result])


def check(text: str, *, overlays: Iterable[str] = (), max_chars: int | None = None) -> CheckResult:
    """Check a sentence or paragraph (what ``overclaim check`` prints).

    Args:
        text: the text.
        overlays: editor overlay files/folders for the reference.
        max_chars: refuse a longer text (default: ``overclaim audit``'s ``--max-chars`` default).

    Returns:
        A :class:`CheckResult` (``.claims``, ``.to_dataframe()``).

    Raises:
        InputError: the text is over ``max_chars``.

    Example:
        >>> res = check("Baclofen has been shown to be effective for fibromyalgia.")
        >>> res.to_dataframe()[["type", "verdict", "severity"]].astype(str).values.tolist()
        [['efficacy', 'overstated', 'high']]
    """
    limit = max_chars or DEFAULT_MAX_CHARS
    if len(text) > limit:
        check_text(text, path="text", max_chars=limit, hint="split the text, or audit it as a file with "
                                                              "`overclaim audit --max-chars N`")
    res = _auditor(overlays).audit_article(article_from_text(text, id="text"))
    return CheckResult(result=res, claims=res.claims)


# -----------------------------------------------------------------------------------------------
# Reference tables

@dataclass
class ReferenceTables:
    """The reference as DataFrames: ``drugs``, ``conditions``, ``approvals``, ``evidence``,
    ``labels`` (one row per entry; approvals/evidence/labels carry drug and condition names, their
    source and the date checked). ``reference`` is the underlying
    :class:`~pipeline.reference.Reference`."""

    drugs: Any
    conditions: Any
    approvals: Any
    evidence: Any
    labels: Any
    reference: Any = None

    def __repr__(self) -> str:
        return ("ReferenceTables(" + ", ".join(f"{k}={len(getattr(self, k))}" for k in
                                                ("drugs", "conditions", "approvals", "evidence", "labels")) + ")")


def _src_cols(src) -> dict[str, Any]:
    return {"source_title": src.title, "source_kind": src.kind, "source_issuer": src.issuer,
            "source_year": src.year, "source_url": src.url, "citation_status": src.citation_status}


def load_reference(overlays: Iterable[str] = (), *, compiled: bool = True) -> ReferenceTables:
    """The reference tables as DataFrames.

    Args:
        overlays: editor overlay files/folders merged on top.
        compiled: include the compiled open-source reference when it has been built
            (``overclaim reference build``); ``False``: the curated files only.

    Returns:
        :class:`ReferenceTables` with ``.drugs``, ``.conditions``, ``.approvals``, ``.evidence``,
        ``.labels``. Status, direction and grade are categoricals (grade ordered none < very_low <
        low < moderate < high); years and trial counts are nullable integers.

    Example:
        >>> ref = load_reference(compiled=False)
        >>> ev = ref.evidence
        >>> row = ev[(ev.drug_name == "baclofen") & (ev.condition_name == "fibromyalgia")].iloc[0]
        >>> row.direction in ("insufficient", "no_trials", "mixed")
        True
    """
    import pandas as pd


    kw = {} if compiled else {"compiled": None}
    ref = _load(tuple(overlays), **kw)

    def dname(i):
        d = ref.drugs.get(i)
        return d.name if d else None

    def cname(i):
        c = ref.conditions.get(i)
        return c.name if c else None

    drugs = pd.DataFrame([{"id": d.id, "name": d.name, "kind": d.kind, "synonyms": list(d.synonyms),
                           "brands": list(d.brands), "abbreviations": list(d.abbreviations),
                           "classes": list(d.classes), "parent": d.parent, "route": d.route, "origin": d.origin}
                          for d in ref.drugs.values()],
                         columns=["id", "name", "kind", "synonyms", "brands", "abbreviations", "classes", "parent",
                                  "route", "origin"])
    conditions = pd.DataFrame([{"id": c.id, "name": c.name, "synonyms": list(c.synonyms),
                                "abbreviations": list(c.abbreviations), "parents": list(c.parents),
                                "origin": c.origin} for c in ref.conditions.values()],
                              columns=["id", "name", "synonyms", "abbreviations", "parents", "origin"])
    approvals = pd.DataFrame([{"id": a.id, "drug": a.drug, "drug_name": dname(a.drug), "condition": a.condition,
                               "condition_name": cname(a.condition), "regulator": a.regulator, "status": a.status,
                               "route": a.route, "form": a.form, "year": a.year,
                               "indication_text": a.indication_text, **_src_cols(a.source),
                               "date_checked": a.date_checked, "origin": a.origin} for a in ref.approvals])
    evidence = pd.DataFrame([{"id": e.id, "drug": e.drug, "drug_name": dname(e.drug), "condition": e.condition,
                              "condition_name": cname(e.condition), "outcome": e.outcome, "direction": e.direction,
                              "grade": e.grade, "n_rcts": e.n_rcts, "summary": e.summary, "route": e.route,
                              **_src_cols(e.source), "date_checked": e.date_checked, "origin": e.origin}
                             for e in ref.evidence])
    labels = pd.DataFrame([{"id": lf.id, "drug": lf.drug, "drug_name": dname(lf.drug), "route": lf.route,
                            "max_daily_dose": lf.max_daily_dose, "max_daily_dose_unit": lf.max_daily_dose_unit,
                            "usual_start_dose": lf.usual_start_dose, "boxed_warning": lf.boxed_warning,
                            "withdrawal": lf.withdrawal, "pregnancy": lf.pregnancy,
                            "interactions": list(lf.interactions), "half_life": lf.half_life,
                            "mechanism": lf.mechanism, "adverse_effects": list(lf.adverse_effects),
                            **_src_cols(lf.source), "date_checked": lf.date_checked, "origin": lf.origin}
                           for lst in ref.labels.values() for lf in lst])
    for df, cats in ((approvals, {"status": (list(APPROVAL_STATUSES), False)}),
                     (evidence, {"direction": (list(DIRECTIONS), False),
                                 "grade": (list(reversed(GRADES)), True)})):
        for col, (order, ordered) in cats.items():
            if col in df:
                extra = [x for x in df[col].dropna().unique() if x not in order]
                df[col] = pd.Categorical(df[col], categories=order + sorted(extra), ordered=ordered)
    for df, col in ((approvals, "year"), (evidence, "n_rcts"), (approvals, "source_year"),
                    (evidence, "source_year"), (labels, "source_year")):
        if col in df:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    if "max_daily_dose" in labels:
        labels["max_daily_dose"] = pd.to_numeric(labels["max_daily_dose"], errors="coerce").astype("float64")
    return ReferenceTables(drugs=drugs, conditions=conditions, approvals=approvals, evidence=evidence,
                           labels=labels, reference=ref)
