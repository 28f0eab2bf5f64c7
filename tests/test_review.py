"""Editor review app: storage, re-audits, decisions with optimistic concurrency, sign-in, CSRF,
escaping of untrusted article text, filters, exports and reference corrections.

Runs over SQLite in tmp_path, or over PostgreSQL when OVERCLAIM_TEST_DB_URL is set
(``.ci/postgres.sh`` prints such a URL).
"""
from __future__ import annotations

import copy
import csv
import io
import json

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import select  # noqa: E402

from _review_support import add_editor, csrf_of, fresh_db_url, seed_article, sign_in  # noqa: E402
from pipeline.config import data_dir  # noqa: E402
from pipeline.errors import InputError  # noqa: E402
from pipeline.ingest.reader import article_from_text  # noqa: E402
from pipeline.review import db as rdb  # noqa: E402
from pipeline.review.app import create_app  # noqa: E402
from pipeline.review.store import ReviewDB, ReviewSink  # noqa: E402
from pipeline.types import Severity, VerdictLabel  # noqa: E402

XSS_TITLE = 'Baclofen <script>alert("title")</script> cures "fibromyalgia"'
XSS_TEXT = ('Baclofen <img src=x onerror=alert(1)> has been shown to be effective for fibromyalgia. '
            'Click <a href="javascript:alert(2)">here</a><script>document.title="pwned"</script>.')


@pytest.fixture(scope="module")
def auditor():
    from pipeline.run.auditor import Auditor

    return Auditor()


@pytest.fixture(scope="module")
def seed000(auditor):
    art = seed_article(data_dir(required=False), "000")
    if art is None:
        pytest.skip("seed 000 (baclofen fibromyalgia blog) not found in the shared data directory")
    return auditor.audit_article(art)


@pytest.fixture(scope="module")
def xss_result(auditor):
    art = article_from_text(XSS_TEXT, id="evil/post.html", title=XSS_TITLE,
                            url="https://www.evil.example/post?<b>x</b>")
    return auditor.audit_article(art)


@pytest.fixture
def url(tmp_path):
    return fresh_db_url(tmp_path)


def store(url, *results, errors=()):
    sink = ReviewSink(url)
    for r in results:
        sink.add(r)
    for e in errors:
        sink.add(e)
    return sink.close()


@pytest.fixture
def client(url, tmp_path):
    add_editor(url, "ana", "ana-password-1")
    add_editor(url, "bob", "bob-password-1")
    app = create_app(url, overlay=tmp_path / "editor-overlay.yaml")
    with TestClient(app) as c:
        yield c
    app.state.db.dispose()


def login(c, name="ana"):
    r = sign_in(c, name, f"{name}-password-1")
    assert r.status_code == 303, r.text
    return r


def flagged_ids(result, n=2):
    ids = []
    for cc in result.claims:
        if cc.verdict.flagged and cc.claim.id not in ids:
            ids.append(cc.claim.id)
    assert len(ids) >= n
    return ids[:n]


def article_id(url, key):
    d = ReviewDB(url)
    with d.Session() as s:
        aid = s.execute(select(rdb.Article.id).where(rdb.Article.key == key)).scalar_one()
    d.dispose()
    return aid


def act(c, cid, action, version, **fields):
    page = c.get(f"/claims/{cid}", follow_redirects=True)
    data = {"csrf_token": csrf_of(page.text), "action": action, "version": str(version), **fields}
    return c.post(f"/claims/{cid}/action", data=data, follow_redirects=False)


# -- storage --------------------------------------------------------------------------------

def test_migrations_match_models(url):
    """The shipped Alembic migrations build exactly the schema the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    eng = rdb.open_engine(url)
    with eng.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), rdb.Base.metadata)
        version = conn.exec_driver_sql("select version_num from alembic_version").scalar()
    eng.dispose()
    assert diff == []
    assert version == "0002"
    rdb.open_engine(url).dispose()  # upgrading again is a no-op


def test_migration_0002_upgrades_a_0001_database_and_backfills_who_decided(url):
    """A database made by the first release upgrades in place: decisions keep their history, and
    who confirmed (not who edited last) becomes the deciding editor."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    eng = create_engine(rdb.db_url(url))
    cfg = Config()
    cfg.set_main_option("script_location", "pipeline.review:migrations")
    t0, t1, t2 = "2026-01-01 10:00:00", "2026-01-02 10:00:00", "2026-01-03 10:00:00"
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        for i, name in ((1, "ana"), (2, "bob")):
            conn.execute(text("insert into editors (id, username, password_hash, active, created_at) "
                              "values (:i, :n, 'x', true, :t)"), {"i": i, "n": name, "t": t0})
        conn.execute(text("insert into runs (id, started_at, status, overlays, n_articles, n_claims, n_flagged, "
                          "n_errors, n_changed) values (1, :t, 'complete', '[]', 1, 1, 1, 0, 0)"), {"t": t0})
        conn.execute(text("insert into articles (id, key, text, findings, boilerplate, n_claims, n_flagged, "
                          "first_run_id, last_run_id, updated_at) values (1, 'a', 'x', '[]', '[]', 1, 1, 1, 1, :t)"),
                     {"t": t0})
        conn.execute(text("insert into claims (id, article_id, sentence, start, \"end\", type, verdict, flagged, "
                          "severity, rationale, evidence, record, verdict_key, present, first_run_id, last_run_id) "
                          "values ('c1', 1, 'x', 0, 1, 'efficacy', 'overstated', true, 'medium', '', '[]', '{}', "
                          "'k', true, 1, 1)"))
        conn.execute(text("insert into decisions (claim_id, status, editor_id, updated_at, verdict_key, stale, "
                          "version) values ('c1', 'confirmed', 2, :t, 'k', false, 2)"), {"t": t2})
        for i, ed, action, t in ((1, 1, "confirm", t1), (2, 2, "edit", t2)):
            conn.execute(text("insert into decision_history (id, claim_id, editor_id, action, verdict_key, version, "
                              "created_at) values (:i, 'c1', :e, :a, 'k', :i, :t)"), {"i": i, "e": ed, "a": action,
                                                                                    "t": t})
    eng.dispose()
    d = ReviewDB(url)  # opening the database upgrades it to the newest migration
    with d.Session() as s:
        dec = s.get(rdb.Decision, "c1")
        assert (dec.decided_by_id, dec.decided_at.isoformat(sep=" "), dec.editor_id) == (1, t1, 2)
        assert s.execute(select(rdb.Editor.removed_at)).scalars().all() == [None, None]
    d.dispose()


def test_sink_stores_run_articles_claims_and_errors(url, seed000):
    summary = store(url, seed000, errors=[InputError("not UTF-8", path="bad.txt")])
    d = ReviewDB(url)
    with d.Session() as s:
        run = s.get(rdb.Run, summary["db_run"])
        assert run.status == "complete" and run.n_articles == 1 and run.n_errors == 1
        art = s.execute(select(rdb.Article)).scalar_one()
        assert art.text == seed000.article.text and art.title == seed000.article.title
        claims = s.execute(select(rdb.Claim).where(rdb.Claim.article_id == art.id)).scalars().all()
        ids = {cc.claim.id for cc in seed000.claims}
        assert {c.id for c in claims} == ids
        assert run.n_claims == len(ids) == summary["db_claims"]
        assert art.n_flagged == len({cc.claim.id for cc in seed000.claims if cc.verdict.flagged}) > 0
        c0 = next(cc for cc in seed000.claims if cc.verdict.flagged)
        row = s.get(rdb.Claim, c0.claim.id)
        assert (row.verdict, row.severity, row.rationale) == (c0.verdict.label.value, c0.verdict.severity.value,
                                                                c0.verdict.rationale)
        assert row.evidence and row.evidence[0]["entry_id"] == c0.verdict.evidence[0].entry_id
        assert seed000.article.text[row.start:row.end] == row.sentence
        err = s.execute(select(rdb.RunError)).scalar_one()
        assert err.path == "bad.txt" and "not UTF-8" in err.message
    d.dispose()


def test_aborted_run_keeps_what_was_stored(url, seed000):
    sink = ReviewSink(url)
    sink.add(seed000)
    sink.abort()
    d = ReviewDB(url)
    with d.Session() as s:
        run = s.execute(select(rdb.Run)).scalar_one()
        assert run.status == "aborted" and run.n_articles == 1
        assert s.execute(select(rdb.Claim)).first() is not None
    d.dispose()


def test_reaudit_keeps_decisions_and_marks_changed_verdicts_stale(url, seed000, client):
    store(url, seed000)
    login(client)
    keep, change = flagged_ids(seed000)
    assert act(client, keep, "confirm", 0).status_code == 303
    assert act(client, change, "confirm", 0).status_code == 303
    # Re-audit: the same article, where the verifier now finds one of the two claims supported.
    again = copy.deepcopy(seed000)
    for cc in again.claims:
        if cc.claim.id == change:
            cc.verdict.label, cc.verdict.severity = VerdictLabel.SUPPORTED, Severity.NONE
    summary = store(url, again)
    assert summary["db_run"] == 2 and summary["db_changed"] == 1
    d = ReviewDB(url)
    with d.Session() as s:
        assert s.execute(select(rdb.Article)).scalars().all().__len__() == 1
        k, ch = s.get(rdb.Decision, keep), s.get(rdb.Decision, change)
        assert k.status == ch.status == "confirmed"  # decisions stay attached to the same claim ids
        assert not k.stale and k.version == 1
        assert ch.stale and ch.version == 2
        assert s.get(rdb.Claim, change).verdict_changed_run_id == 2
    d.dispose()
    page = client.get(f"/claims/{change}", follow_redirects=True).text
    assert "stale" in page and "verdict changed to supported" in page
    assert client.get("/articles?status=stale").text.count("article-link") == 1
    # A new decision on the changed claim clears the stale mark.
    assert act(client, change, "dismiss", 2, reason="now supported").status_code == 303
    h = client.get(f"/claims/{change}", headers={"accept": "application/json"}).json()
    assert h["decision"]["stale"] is False and h["decision"]["version"] == 3
    assert [e["action"] for e in h["history"]] == ["confirm", "stale", "dismiss"]
    assert h["history"][1]["editor"] == "system"


# -- sign-in, sessions, CSRF ----------------------------------------------------------------

def test_sign_in_required_and_cookie_flags(url, client, seed000):
    store(url, seed000)
    r = client.get("/articles", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    bad = sign_in(client, "ana", "wrong-password")
    assert bad.status_code == 401 and "Wrong username or password" in bad.text
    assert sign_in(client, "nobody", "ana-password-1").status_code == 401
    ok = login(client)
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/articles").status_code == 200
    # Open redirects are refused.
    r = client.get("/login")
    r = client.post("/login", data={"username": "ana", "password": "ana-password-1", "csrf_token": csrf_of(r.text),
                                    "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/articles"
    # Passwords are stored as argon2 hashes.
    d = ReviewDB(url)
    with d.Session() as s:
        h = s.execute(select(rdb.Editor.password_hash).where(rdb.Editor.username == "ana")).scalar_one()
    d.dispose()
    assert h.startswith("$argon2id$") and "ana-password-1" not in h


def test_posts_need_the_csrf_token(url, client, seed000):
    store(url, seed000)
    login(client)
    cid = flagged_ids(seed000, 1)[0]
    r = client.post(f"/claims/{cid}/action", data={"action": "confirm", "version": "0"}, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post(f"/claims/{cid}/action", data={"action": "confirm", "version": "0", "csrf_token": "forged"})
    assert r.status_code == 403
    r = client.post("/login", data={"username": "ana", "password": "ana-password-1"})
    assert r.status_code == 403
    h = client.get(f"/claims/{cid}", headers={"accept": "application/json"}).json()
    assert h["decision"] is None and h["history"] == []


def test_untrusted_article_text_and_title_are_escaped(url, client, xss_result):
    store(url, xss_result)
    assert xss_result.claims, "the payload article should still yield its efficacy claim"
    login(client)
    aid = article_id(url, "evil/post.html")
    pages = [client.get("/articles").text, client.get(f"/articles/{aid}?show=all").text, client.get("/runs").text]
    for html in pages[:2]:
        assert "<script>alert" not in html
        assert 'alert("title")' not in html  # quotes are escaped too
        assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html
    art = pages[1]
    assert "<img src=x onerror" not in art and "&lt;img src=x onerror=alert(1)&gt;" in art
    assert '<a href="javascript:' not in art and "&lt;/script&gt;" in art
    assert "<script>document.title" not in art
    assert art.count("<script") == 1  # only our own script file
    r = client.get(f"/articles/{aid}")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


# -- decisions -------------------------------------------------------------------------------

def test_confirm_dismiss_edit_note_persist_with_who_and_when(url, client, seed000):
    store(url, seed000)
    login(client)
    a, b = flagged_ids(seed000)
    r = act(client, a, "confirm", 0, reason="clearly overstated")
    assert r.status_code == 303
    r = act(client, b, "dismiss", 0)
    assert r.status_code == 400 and "needs a reason" in r.text
    assert act(client, b, "dismiss", 0, reason="the sentence reports a study, fairly").status_code == 303
    assert act(client, a, "edit", 1, wording="Baclofen has not been shown to help fibromyalgia.").status_code == 303
    assert act(client, a, "note", 2, note="check with the author").status_code == 303
    page = client.get(f"/claims/{a}", follow_redirects=True).text
    assert "confirmed</strong> by ana" in page and "Baclofen has not been shown to help fibromyalgia." in page
    assert "check with the author" in page
    ja = client.get(f"/claims/{a}", headers={"accept": "application/json"}).json()
    jb = client.get(f"/claims/{b}", headers={"accept": "application/json"}).json()
    assert ja["decision"]["status"] == "confirmed" and ja["decision"]["version"] == 2
    assert ja["decision"]["edited_wording"] == "Baclofen has not been shown to help fibromyalgia."
    assert [(e["action"], e["editor"]) for e in ja["history"]] == [("confirm", "ana"), ("edit", "ana"),
                                                                   ("note", "ana")]
    assert all(e["at"][:4].isdigit() for e in ja["history"])
    assert jb["decision"]["status"] == "dismissed" and jb["decision"]["reason"].startswith("the sentence")
    # Review-status filters.
    assert client.get("/articles?status=confirmed").text.count("article-link") == 1
    assert client.get("/articles?status=pending").text.count("article-link") == 1  # other flags remain


def test_second_editor_gets_409_and_the_current_state(url, client, seed000):
    store(url, seed000)
    cid = flagged_ids(seed000, 1)[0]
    app = client.app
    with TestClient(app) as bob:
        login(client, "ana")
        login(bob, "bob")
        # Both open the claim while it has no decision (version 0).
        ana_page = client.get(f"/claims/{cid}", follow_redirects=True).text
        bob_page = bob.get(f"/claims/{cid}", follow_redirects=True).text
        assert 'name="version" value="0"' in ana_page and 'name="version" value="0"' in bob_page
        r = client.post(f"/claims/{cid}/action", data={"csrf_token": csrf_of(ana_page), "action": "confirm",
                                                       "version": "0"}, follow_redirects=False)
        assert r.status_code == 303
        r = bob.post(f"/claims/{cid}/action", data={"csrf_token": csrf_of(bob_page), "action": "dismiss",
                                                    "version": "0", "reason": "fine"}, follow_redirects=False)
        assert r.status_code == 409
        assert "changed by ana since you opened it" in r.text and "Nothing was overwritten" in r.text
        assert "confirmed</strong> by ana" in r.text and 'name="version" value="1"' in r.text
        # The JSON API says the same, with the current decision.
        r = bob.post(f"/claims/{cid}/action", headers={"accept": "application/json"},
                     data={"csrf_token": csrf_of(bob_page), "action": "dismiss", "version": "0", "reason": "fine"})
        assert r.status_code == 409 and r.json()["current"]["status"] == "confirmed"
        assert r.json()["current"]["editor"] == "ana"
        # Acting on the current version works and is attributed to bob.
        r = bob.post(f"/claims/{cid}/action", headers={"accept": "application/json"},
                     data={"csrf_token": csrf_of(bob_page), "action": "dismiss", "version": "1", "reason": "fine"})
        assert r.status_code == 200 and r.json()["decision"]["editor"] == "bob"
    h = client.get(f"/claims/{cid}", headers={"accept": "application/json"}).json()
    assert [(e["action"], e["editor"], e["version"]) for e in h["history"]] == [("confirm", "ana", 1),
                                                                               ("dismiss", "bob", 2)]


def test_concurrent_first_decisions_on_one_claim(url, seed000):
    """Two sessions racing to create the first decision: exactly one wins, the other gets Conflict."""
    from pipeline.review import store as st

    store(url, seed000)
    add_editor(url, "ana", "ana-password-1")
    add_editor(url, "bob", "bob-password-1")
    cid = flagged_ids(seed000, 1)[0]
    d = ReviewDB(url)
    with d.Session() as s:
        ana = s.execute(select(rdb.Editor.id).where(rdb.Editor.username == "ana")).scalar_one()
        bob = s.execute(select(rdb.Editor.id).where(rdb.Editor.username == "bob")).scalar_one()
    s1, s2 = d.Session(), d.Session()
    st.decide(s1, cid, ana, "confirm", 0)
    s1.commit()
    with pytest.raises(st.Conflict) as exc:  # bob read version 0 before ana's commit
        st.decide(s2, cid, bob, "dismiss", 0, reason="x")
    assert exc.value.current["editor"] == "ana"
    s2.rollback()
    # The insert race itself: bob's session did not see ana's row when it checked (simulated by
    # hiding it from the check); the database's primary key still refuses the second insert.
    real_get = s2.get
    s2.get = lambda cls, key, *a, **k: None if cls is rdb.Decision else real_get(cls, key, *a, **k)
    with pytest.raises(st.Conflict) as exc:
        st.decide(s2, cid, bob, "dismiss", 0, reason="x")
    s2.get = real_get
    s2.rollback()
    with d.Session() as s3:
        cur = s3.get(rdb.Decision, cid)
        assert cur.status == "confirmed" and cur.version == 1
        assert len(st.history(s3, cid)) == 1
    s1.close()
    s2.close()
    d.dispose()


# -- lists and filters -----------------------------------------------------------------------

def test_runs_and_article_filters(url, client, seed000, xss_result):
    store(url, seed000)
    store(url, xss_result)
    login(client)
    runs = client.get("/runs").text
    assert "#1" in runs and "#2" in runs and "complete" in runs
    n = lambda q: client.get(f"/articles{q}").text.count("article-link")  # noqa: E731
    assert n("") == 2
    assert n("?run=1") == 1 and n("?run=2") == 1
    assert n("?site=evil.example") == 1 and n("?site=-") == 1
    assert n("?drug=rxcui:1292") == 2
    assert n("?verdict=overstated") >= 1
    assert n("?verdict=contradicted&drug=rxcui:1292") == (1 if any(
        cc.verdict.label.value == "contradicted" and cc.claim.drug and cc.claim.drug.id == "rxcui:1292"
        for cc in seed000.claims) else 0)
    high = {cc.claim.article_id for r in (seed000, xss_result) for cc in r.claims if cc.verdict.severity.value == "high"}
    assert n("?severity=high") == len(high)
    conds = {cc.claim.condition.id for cc in seed000.claims if cc.claim.condition}
    assert "doid:631" in conds
    assert n("?condition=doid:631") == 2
    assert n("?status=pending&flagged=yes") == 2


def test_article_page_highlights_claims_in_text(url, client, seed000):
    store(url, seed000)
    login(client)
    aid = article_id(url, seed000.article.id)
    html = client.get(f"/articles/{aid}").text
    spans: dict = {}
    for cc in seed000.claims:
        spans.setdefault((cc.claim.start, cc.claim.end), set()).add(cc.claim.id)
    for cc in seed000.claims:
        if cc.verdict.flagged:  # every flagged sentence is a highlight in the text linking to a claim
            assert any(f'id="t-{cid}"' in html for cid in spans[(cc.claim.start, cc.claim.end)])
            assert f'id="c-{cc.claim.id}"' in html  # and has a card in the claim panel
    flagged = [cc for cc in seed000.claims if cc.verdict.flagged]
    assert html.count('class="hl flag') >= len({(cc.claim.start, cc.claim.end) for cc in flagged}) > 0
    first = flagged[0]
    assert first.verdict.rationale.split(".")[0].replace('"', "&#34;").replace("'", "&#39;") in html
    if first.verdict.suggestion:
        assert "Suggested rewording" in html
    assert "Source:" in html
    assert 'class="frame"' in html and "evidence the article gives" in html  # the frame beside the reason


# -- exports ---------------------------------------------------------------------------------

def test_exports_csv_and_claimreview(url, client, seed000):
    store(url, seed000)
    login(client)
    a, b = flagged_ids(seed000)
    act(client, a, "confirm", 0)
    act(client, b, "dismiss", 0, reason="=HYPERLINK(\"http://x\") fair reading")
    r = client.get("/export/decisions.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {x["claim_id"]: x["status"] for x in rows} == {a: "confirmed", b: "dismissed"}
    assert all(x["editor"] == "ana" and x["decided_at"] for x in rows)
    assert next(x for x in rows if x["claim_id"] == b)["reason"].startswith("'=")  # no spreadsheet formulas
    r = client.get("/export/claimreview.jsonld")
    assert r.headers["content-type"].startswith("application/ld+json")
    data = json.loads(r.text)
    assert len(data) == 1
    cr = data[0]
    ca = next(cc for cc in seed000.claims if cc.claim.id == a)
    assert cr["@context"] == "https://schema.org" and cr["@type"] == "ClaimReview"
    assert cr["claimReviewed"] == ca.claim.sentence
    assert cr["reviewRating"]["@type"] == "Rating"
    assert cr["reviewRating"]["alternateName"] == ca.verdict.label.value.capitalize()
    assert 1 <= cr["reviewRating"]["ratingValue"] <= 5 and cr["reviewRating"]["bestRating"] == 5
    assert cr["itemReviewed"]["@type"] == "Claim"
    assert "url" not in cr  # no public URL configured: never one built from the request's Host header
    assert cr["itemReviewed"]["firstAppearance"]["headline"] == seed000.article.title
    assert [w["headline"] for w in cr["itemReviewed"]["appearance"]] == [seed000.article.title]
    assert len(cr["datePublished"]) == 10 and cr["editor"]["name"] == "ana"
    # A dismissed flag is not rated (not "Accurate"): include=dismissed adds only those an editor rated.
    assert len(json.loads(client.get("/export/claimreview.jsonld?include=dismissed").text)) == 1
    with TestClient(client.app) as anon:  # exports need a signed-in editor
        assert anon.get("/export/decisions.csv", follow_redirects=False).status_code == 303
        assert anon.get("/export/claimreview.jsonld", headers={"accept": "application/json"}).status_code == 401


# -- reference corrections -------------------------------------------------------------------

def test_reference_correction_is_written_to_the_overlay_and_used_next_audit(url, client, seed000, tmp_path):
    from pipeline.reference import load_reference
    from pipeline.verify import Verifier

    store(url, seed000)
    login(client)
    # The correct approval statement ("not approved by the FDA for fibromyalgia") is supported.
    target = next(cc for cc in seed000.claims if cc.claim.type.value == "approval"
                  and cc.verdict.label.value == "supported" and cc.claim.condition
                  and cc.claim.condition.id == "doid:631")
    entry = next(e.entry_id for e in target.verdict.evidence if e.entry_id.startswith("approval:"))
    page = client.get(f"/articles/{article_id(url, seed000.article.id)}?claim={target.claim.id}&show=all").text
    r = client.post(f"/claims/{target.claim.id}/action", follow_redirects=False, data={
        "csrf_token": csrf_of(page), "action": "reference_wrong", "version": "0", "entry_id": entry,
        "field": "status", "value": "approved", "reason": "test correction (not a real fact)"})
    assert r.status_code == 303, r.text
    bad = client.post(f"/claims/{target.claim.id}/action", data={
        "csrf_token": csrf_of(page), "action": "reference_wrong", "version": "0", "entry_id": entry,
        "field": "status", "value": "maybe", "reason": "x"})
    assert bad.status_code == 400 and "status must be one of" in bad.text
    overlay = tmp_path / "editor-overlay.yaml"
    ref = load_reference([overlay], use_cache=False)
    fixed = next(a for a in ref.approvals if a.id == entry)
    assert fixed.status == "approved" and fixed.origin.startswith("overlay")
    assert fixed.source.citation_status == "unverified" and "ana" in fixed.source.note
    # The next audit with --overlay uses the correction: the same claim is now contradicted ...
    new_verdict = Verifier(ref)(target.claim)
    assert new_verdict.label != VerdictLabel.SUPPORTED
    # ... and the history records who marked which entry wrong.
    h = client.get(f"/claims/{target.claim.id}", headers={"accept": "application/json"}).json()
    assert h["history"][0]["action"] == "reference_wrong" and h["history"][0]["reference_entry"] == entry
    assert h["history"][0]["editor"] == "ana"


# -- command line ----------------------------------------------------------------------------

def test_cli_editors_add_and_help(url):
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    runner = CliRunner()
    r = runner.invoke(app, ["editors", "add", "carol", "--db", url, "--password-stdin"], input="carol-pass-1\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["editors", "add", "carol", "--db", url, "--password-stdin"], input="carol-pass-1\n")
    assert r.exit_code == 2 and "exists" in r.output
    r = runner.invoke(app, ["editors", "add", "dave", "--db", url, "--password-stdin"], input="short\n")
    assert r.exit_code == 2 and "at least 8" in r.output
    r = runner.invoke(app, ["editors", "list", "--db", url])
    assert "carol\tactive" in r.output
    r = runner.invoke(app, ["--help"])
    assert "serve" in r.output and "editors" in r.output
    r = runner.invoke(app, ["serve", "--help"])
    assert "--overlay" in r.output and "--db" in r.output


def test_cli_audit_db_stores_the_run(url, tmp_path, auditor):
    from typer.testing import CliRunner

    from pipeline.cli.main import app

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Baclofen has been shown to be effective for fibromyalgia.\n")
    (tmp_path / "in" / "empty.txt").write_text("")
    r = CliRunner().invoke(app, ["audit", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--db", url, "-q"])
    assert r.exit_code == 3, r.output  # one input could not be read; the rest was audited and stored
    d = ReviewDB(url)
    with d.Session() as s:
        run = s.execute(select(rdb.Run)).scalar_one()
        assert run.status == "complete" and run.n_articles == 1 and run.n_errors == 1 and run.n_flagged == 1
    d.dispose()
    r = CliRunner().invoke(app, ["audit", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                                 "--db", str(tmp_path / "missing" / "x.sqlite3"), "-q"])
    assert r.exit_code == 4 and "does not exist" in r.output
