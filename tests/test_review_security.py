"""Issue 17: the review app and its exports under attack.

Sessions that end (sign-out, password change, disabled or removed editor), throttled sign-in
(lockout with 429 and Retry-After, per account and per address, bounded argon2 checks, recorded
attempts shown at the next sign-in), one http(s) URL policy (no ``href="javascript:`` anywhere),
a ClaimReview export that a fact-checking site can publish (no Host header, safe to embed,
schema.org properties and Google's required fields), integer parameters out of range, and
malformed overlays (every error, naming file, entry and field, exit status 5).

Runs over SQLite in tmp_path, or over PostgreSQL when OVERCLAIM_TEST_DB_URL is set.
"""
from __future__ import annotations

import asyncio
import base64
import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import select, update  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from _review_support import add_editor, csrf_of, fresh_db_url, sign_in  # noqa: E402
from pipeline.errors import ReferenceValidationError  # noqa: E402
from pipeline.util.urls import link_url  # noqa: E402
from pipeline.review import db as rdb  # noqa: E402
from pipeline.review.app import create_app  # noqa: E402
from pipeline.review.signin import SignInPolicy  # noqa: E402
from pipeline.review.store import ReviewDB, ReviewSink  # noqa: E402
from pipeline.types import Article  # noqa: E402

OVERLAYS = Path(__file__).parent / "fixtures" / "overlays"
NO_BACKOFF = SignInPolicy(backoff_cap=0.0)  # the default limits (10 a minute, 5 min lockout), no waits
JS_URL = "javascript:alert(document.cookie)"
EFFICACY = "Baclofen has been shown to be effective for fibromyalgia."
APPROVAL = "Baclofen is FDA approved for fibromyalgia."
EVIL = "Baclofen </script><script>alert(1)</script> has been shown to be effective for fibromyalgia & pain."


@pytest.fixture(scope="module")
def auditor():
    from pipeline.run.auditor import Auditor

    return Auditor(models=False)


@pytest.fixture
def url(tmp_path):
    return fresh_db_url(tmp_path)


def make_app(url, tmp_path, **kw):
    for name in ("ana", "bob"):
        try:
            add_editor(url, name, f"{name}-password-1")
        except ValueError:  # a second app over the same database
            pass
    kw.setdefault("signin_policy", NO_BACKOFF)
    kw.setdefault("overlay", tmp_path / "editor-overlay.yaml")
    return create_app(url, **kw)


@pytest.fixture
def app(url, tmp_path):
    a = make_app(url, tmp_path)
    yield a
    a.state.db.dispose()


def login(c, name="ana"):
    r = sign_in(c, name, f"{name}-password-1")
    assert r.status_code == 303, r.text
    return r


def store(url, *results):
    sink = ReviewSink(url)
    for r in results:
        sink.add(r)
    return sink.close()


def audit(auditor, text, **meta):
    author = meta.pop("author", None)
    return auditor.audit_article(Article(id=meta.pop("id", "a"), text=text, meta={"author": author} if author else {},
                                         **meta))


def flagged(result, sentence_start=""):
    return next(cc.claim.id for cc in result.claims if cc.verdict.flagged and cc.claim.sentence.startswith(sentence_start))


def act(c, cid, action, version=None, **fields):
    page = c.get(f"/claims/{cid}", follow_redirects=True)
    if version is None:
        version = int(re.search(r'name="version" value="(\d+)"', page.text).group(1))
    data = {"csrf_token": csrf_of(page.text), "action": action, "version": str(version), **fields}
    return c.post(f"/claims/{cid}/action", data=data, follow_redirects=False)


def cli(*args, input=None):
    from pipeline.cli.main import app as cli_app

    return CliRunner().invoke(cli_app, list(args), input=input)


def refused(c) -> bool:
    """The client's cookie no longer opens the app (redirect to sign-in, or 401 for JSON)."""
    r = c.get("/articles", follow_redirects=False)
    j = c.get("/export/claimreview.jsonld", headers={"accept": "application/json"}, follow_redirects=False)
    return r.status_code == 303 and r.headers["location"].startswith("/login") and j.status_code == 401


# -- server-side sessions --------------------------------------------------------------------

def test_a_copy_of_the_cookie_stops_working_after_sign_out(app):
    with TestClient(app) as c:
        login(c)
        saved = dict(c.cookies)
        with TestClient(app, cookies=saved) as thief:
            assert thief.get("/articles").status_code == 200  # the copy works while signed in
            page = c.get("/articles")
            assert c.post("/logout", data={"csrf_token": csrf_of(page.text)},
                          follow_redirects=False).status_code == 303
            assert refused(thief)
        assert refused(c)
    # The cookie names a session whose token the database keeps only as a SHA-256.
    payload = saved["overclaim_session"].split(".")[0]
    sid = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))["sid"]
    d = ReviewDB(app.state.db.url)
    with d.Session() as s:
        row = s.get(rdb.EditorSession, hashlib.sha256(sid.encode()).hexdigest())
        assert row is not None and row.revoked_reason == "signed out" and s.get(rdb.EditorSession, sid) is None
    d.dispose()


@pytest.mark.parametrize("change", ["password", "disable", "remove"])
def test_password_change_disable_and_remove_end_every_session(app, url, change):
    with TestClient(app) as c1, TestClient(app) as c2:
        login(c1)
        login(c2)
        assert c1.get("/articles").status_code == c2.get("/articles").status_code == 200
        args = {"password": ["editors", "add", "ana", "--update", "--password-stdin"],
                "disable": ["editors", "disable", "ana"], "remove": ["editors", "remove", "ana", "--yes"]}[change]
        r = cli(*args, "--db", url, input="ana-password-2\n")
        assert r.exit_code == 0, r.output
        assert refused(c1) and refused(c2)
        new = sign_in(c1, "ana", "ana-password-2" if change == "password" else "ana-password-1")
        assert new.status_code == (303 if change == "password" else 401)
    state = {"password": "active", "disable": "disabled"}.get(change)
    listing = cli("editors", "list", "--db", url).output
    assert (f"ana\t{state}" in listing) if state else ("ana\t" not in listing)  # never decided: deleted


def test_enable_and_remove_keep_the_history_of_an_editor_who_decided(app, url, auditor):
    res = audit(auditor, EFFICACY)
    store(url, res)
    cid = flagged(res)
    with TestClient(app) as c:
        login(c)
        assert act(c, cid, "confirm").status_code == 303
        assert cli("editors", "disable", "ana", "--db", url).exit_code == 0
        assert refused(c) and sign_in(c, "ana", "ana-password-1").status_code == 401
        assert cli("editors", "enable", "ana", "--db", url).exit_code == 0
        assert refused(c)  # enabling again does not revive the old sessions ...
        login(c)  # ... but the editor can sign in again
        r = cli("editors", "remove", "ana", "--db", url, "--yes")
        assert r.exit_code == 0 and "kept as removed" in r.output
        assert refused(c) and sign_in(c, "ana", "ana-password-1").status_code == 401
        assert cli("editors", "enable", "ana", "--db", url).exit_code == 2
        login(c, "bob")
        h = c.get(f"/claims/{cid}", headers={"accept": "application/json"}).json()
        assert h["decision"]["decided_by"] == "ana" and h["history"][0]["editor"] == "ana"
    assert "ana\tremoved" in cli("editors", "list", "--db", url).output
    assert cli("editors", "remove", "nobody", "--db", url, "--yes").exit_code == 2


def test_signing_in_again_ends_the_previous_session_of_the_browser(app):
    with TestClient(app) as c:
        login(c)
        saved = dict(c.cookies)
        login(c, "bob")
        assert "Signed in as <strong>bob</strong>" in c.get("/articles").text
        with TestClient(app, cookies=saved) as old:
            assert refused(old)


def test_an_expired_session_is_refused(app, url):
    with TestClient(app) as c:
        login(c)
        d = ReviewDB(url)
        with d.Session.begin() as s:
            s.execute(update(rdb.EditorSession).values(expires_at=rdb.utcnow() - dt.timedelta(seconds=1)))
        d.dispose()
        assert refused(c)


# -- sign-in throttling ----------------------------------------------------------------------

def outcomes(url, **where):
    d = ReviewDB(url)
    with d.Session() as s:
        q = select(rdb.SignInEvent.outcome).order_by(rdb.SignInEvent.id)
        for k, v in where.items():
            q = q.where(getattr(rdb.SignInEvent, k) == v)
        out = list(s.execute(q).scalars())
    d.dispose()
    return out


def test_the_eleventh_wrong_password_in_a_minute_gets_429_and_so_does_the_right_one(app, url):
    with TestClient(app) as c:
        for _ in range(10):
            r = sign_in(c, "ana", "not-her-password")
            assert r.status_code == 401 and "Wrong username or password" in r.text
        r = sign_in(c, "ana", "not-her-password")
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 300
        assert "Too many failed sign-ins for this account" in r.text and "locked" in r.text
        r = sign_in(c, "ana", "ana-password-1")  # the right password is refused while the lockout lasts
        assert r.status_code == 429 and "retry-after" in r.headers
        with TestClient(app, client=("10.7.7.7", 40000)) as elsewhere:  # per account: from anywhere
            assert sign_in(elsewhere, "ana", "ana-password-1").status_code == 429
            login(elsewhere, "bob")  # another account from another address is not affected
        assert sign_in(c, "bob", "bob-password-1").status_code == 429  # per address: this one is locked too
    assert outcomes(url, username="ana") == ["wrong_password"] * 10 + ["locked"] * 3
    # After the lockout the editor signs in and is told about the attempts.
    app.state.signin.now = lambda: rdb.utcnow() + dt.timedelta(seconds=301)
    with TestClient(app) as c:
        login(c)
        notice = c.get("/articles").text
        assert "This is the first sign-in to this account." in notice
        assert "10 failed sign-in attempt(s) on your account" in notice and "3 attempt(s) refused" in notice
        assert 'id="signin-notice"' not in c.get("/articles").text  # shown once
    with TestClient(app) as c:
        login(c)
        again = c.get("/articles").text
        assert "Your previous sign-in:" in again and "No failed sign-in attempts since." in again
    assert outcomes(url, username="ana")[-2:] == ["ok", "ok"]


def test_an_address_guessing_many_usernames_is_locked_out(app, url):
    with TestClient(app, client=("10.6.6.6", 1234)) as guesser:
        for i in range(10):
            assert sign_in(guesser, f"mallory{i}", "guess-password").status_code == 401
        r = sign_in(guesser, "ana", "ana-password-1")
        assert r.status_code == 429 and "your network address" in r.text
    with TestClient(app, client=("10.6.6.7", 1234)) as editor:
        login(editor)
    assert outcomes(url, client="10.6.6.6") == ["unknown_user"] * 10 + ["locked"]


def test_backoff_delays_grow_before_the_lockout(url, tmp_path, monkeypatch):
    from pipeline.review import routes_account

    assert [SignInPolicy().delay(n) for n in range(1, 11)] == [0, 0, 0, 0.125, 0.25, 0.5, 1, 2, 2, 2]
    waits = []

    async def record(seconds):
        waits.append(seconds)

    monkeypatch.setattr(routes_account, "_backoff", record)
    a = make_app(url, tmp_path, signin_policy=SignInPolicy())
    with TestClient(a) as c:
        for _ in range(6):
            assert sign_in(c, "ana", "wrong-password").status_code == 401
    a.state.db.dispose()
    assert waits == [0, 0, 0, 0.125, 0.25, 0.5]


def test_argon2_checks_are_bounded_and_healthz_still_answers(url, tmp_path, monkeypatch):
    """8 parallel guessers: 2 checks run, 3 wait, 3 are told the server is busy; /healthz answers
    while the checks are stuck (the event loop and thread pool are free)."""
    import httpx

    from pipeline.review import auth

    a = make_app(url, tmp_path, signin_policy=SignInPolicy(backoff_cap=0, concurrent=2, max_waiting=3, limit=100))
    release, lock, seen = threading.Event(), threading.Lock(), {"now": 0, "max": 0, "entered": 0}
    real = auth.verify_password

    def slow_verify(hashed, password):
        with lock:
            seen["now"] += 1
            seen["entered"] += 1
            seen["max"] = max(seen["max"], seen["now"])
        release.wait(30)
        with lock:
            seen["now"] -= 1
        return real(hashed, password)

    monkeypatch.setattr(auth, "verify_password", slow_verify)

    async def main():
        transport = httpx.ASGITransport(app=a, client=("10.5.5.5", 999))
        clients = [httpx.AsyncClient(transport=transport, base_url="http://review.test") for _ in range(8)]
        tokens = [csrf_of((await c.get("/login")).text) for c in clients]
        tasks = [asyncio.create_task(c.post("/login", data={"username": "ana", "password": "guess-123",
                                                            "csrf_token": t, "next": "/articles"}))
                 for c, t in zip(clients, tokens)]
        for _ in range(3000):  # until two checks are running and three guessers were turned away
            if seen["entered"] == 2 and sum(t.done() for t in tasks) == 3:
                break
            await asyncio.sleep(0.01)
        health = await clients[0].get("/healthz")
        running = seen["entered"]
        release.set()
        results = await asyncio.gather(*tasks)
        for c in clients:
            await c.aclose()
        return health, running, results

    health, running, results = asyncio.run(main())
    a.state.db.dispose()
    assert health.status_code == 200 and running == 2 and seen["max"] == 2
    assert sorted(r.status_code for r in results) == [401] * 5 + [503] * 3
    assert all(r.headers["retry-after"] == "5" for r in results if r.status_code == 503)
    assert sorted(outcomes(url)) == ["busy"] * 3 + ["wrong_password"] * 5


# -- one URL policy --------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [JS_URL, "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "//evil.example/x",
                                 "/relative", "https:\\\\evil.example", "http://", "https://exa mple.org",
                                 "file:///etc/passwd", None, 42])
def test_link_url_refuses_everything_but_http_and_https(bad):
    assert link_url(bad) is None


def test_link_url_keeps_http_and_https():
    assert [link_url(u) for u in ("https://example.org/a?b=1#c", "HTTP://EXAMPLE.ORG")] == \
        ["https://example.org/a?b=1#c", "HTTP://EXAMPLE.ORG"]


HREF_JS = re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.I)


def test_no_javascript_link_in_the_app_the_exports_or_report_html(app, url, auditor, tmp_path):
    from pipeline.run.runner import run_audit

    res = audit(auditor, f"{EFFICACY} {APPROVAL}", id="js", title="JS article", url=JS_URL)
    ok = audit(auditor, EFFICACY, id="ok", title="OK article", url="https://news.example.org/ok")
    store(url, res, ok)
    d = ReviewDB(url)
    with d.Session.begin() as s:  # a reference source with a javascript: url (as a bad overlay could give)
        for c in s.execute(select(rdb.Claim)).scalars():
            c.evidence = [{**e, "source": {**(e.get("source") or {}), "url": JS_URL}} for e in c.evidence]
        aid = s.execute(select(rdb.Article.id).where(rdb.Article.key == "js")).scalar_one()
        ok_id = s.execute(select(rdb.Article.id).where(rdb.Article.key == "ok")).scalar_one()
    d.dispose()
    with TestClient(app) as c:
        login(c)
        for cc in res.claims:
            if cc.verdict.flagged:
                assert act(c, cc.claim.id, "confirm").status_code == 303
        pages = [c.get(p).text for p in ("/articles", "/runs", f"/articles/{aid}?show=all",
                                         "/export/decisions.csv", "/export/claimreview.jsonld")]
        good = c.get(f"/articles/{ok_id}").text
    for text in pages:
        assert not HREF_JS.search(text)
    assert JS_URL in pages[2]  # shown as text
    assert '<a href="https://news.example.org/ok"' in good
    reviews = json.loads(pages[4])
    assert reviews and "javascript:" not in pages[4]  # an appearance with a javascript: url has no url
    assert {w.get("url") for cr in reviews for w in cr["itemReviewed"]["appearance"]} == \
        {None, "https://news.example.org/ok"}
    # report.html, from an audit of the same article read from JSONL.
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "title": i, "url": u, "text": EFFICACY})
                             for i, u in (("js", JS_URL), ("ok", "https://news.example.org/ok"))) + "\n")
    run_audit([src], tmp_path / "out", progress=False, models=False)
    report = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert not HREF_JS.search(report) and JS_URL in report
    assert '<a href="https://news.example.org/ok"' in report


# -- ClaimReview -----------------------------------------------------------------------------

def test_the_export_never_uses_the_host_header(url, tmp_path, auditor):
    res = audit(auditor, EFFICACY, id="p", title="Post", url="https://news.example.org/p")
    store(url, res)
    cid = flagged(res)
    for public in (None, "https://factcheck.example.org/reviews"):
        a = make_app(url, tmp_path, public_url=public)
        with TestClient(a) as c:
            login(c)
            if public is None:
                assert act(c, cid, "confirm").status_code == 303
            r = c.get("/export/claimreview.jsonld", headers={"host": "evil.example"})
            assert r.status_code == 200 and "evil.example" not in r.text
            [cr] = json.loads(r.text)
            if public is None:
                assert "url" not in cr
            else:
                assert cr["url"] == f"https://factcheck.example.org/reviews/claims/{cid}"
                assert cr["author"]["url"] == "https://factcheck.example.org/"
        a.state.db.dispose()
    with pytest.raises(ValueError):
        create_app(url, public_url="javascript:alert(1)")
    r = cli("serve", "--db", url, "--public-url", "ftp://factcheck.example.org")
    assert r.exit_code == 2 and "--public-url" in r.output


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self._in = [], False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in:
            self.scripts[-1] += data


def test_the_export_is_safe_inside_a_script_element(app, url, auditor):
    title = 'Baclofen & fibromyalgia </script><script>alert("t")</script>'
    res = audit(auditor, EVIL, id="evil", title=title, url="https://news.example.org/e?a=1&b=<2>")
    store(url, res)
    with TestClient(app) as c:
        login(c)
        assert act(c, flagged(res), "confirm").status_code == 303
        text = c.get("/export/claimreview.jsonld").text
    assert not set("<>&") & set(text)
    assert "\\u003c/script\\u003e" in text and "\\u0026" in text
    page = f'<html><head><script type="application/ld+json">{text}</script></head><body></body></html>'
    p = _Scripts()
    p.feed(page)
    assert len(p.scripts) == 1  # the JSON-LD did not close its script element
    [cr] = json.loads(p.scripts[0])
    assert cr["claimReviewed"] == EVIL and cr["itemReviewed"]["appearance"][0]["headline"] == title


def test_ratings_only_for_what_an_editor_confirmed_or_rated_and_the_confirming_editor(url, tmp_path, auditor):
    text = f"{EFFICACY} {APPROVAL} Ibuprofen cures migraine in every patient."
    later = audit(auditor, text, id="later", title="Later post", url="https://later.example.org/p",
                  date="2025-03-01", author="Jo Later")
    first = audit(auditor, EFFICACY, id="first", title="First post", url=JS_URL, date="2024-01-05T08:00:00",
                  author="Ann First")
    store(url, later, first)
    eff, appr, ibu = flagged(later, "Baclofen has"), flagged(later, "Baclofen is"), flagged(later, "Ibuprofen")
    a = make_app(url, tmp_path, public_url="https://factcheck.example.org")
    with TestClient(a) as ana, TestClient(a) as bob:
        login(ana)
        login(bob, "bob")
        assert act(ana, eff, "confirm").status_code == 303
        assert act(bob, eff, "edit", wording="Baclofen has not been shown to help fibromyalgia.").status_code == 303
        assert act(ana, appr, "confirm", rating="Contradicted").status_code == 303
        assert act(bob, ibu, "dismiss", reason="hyperbole in a quote").status_code == 303
        assert act(ana, flagged(first), "dismiss", reason="a fair summary", rating="Accurate").status_code == 303
        assert act(ana, eff, "dismiss", rating="Great").status_code == 400  # not on the scale
        base = {cr["claimReviewed"]: cr for cr in json.loads(ana.get("/export/claimreview.jsonld").text)}
        both = json.loads(ana.get("/export/claimreview.jsonld?include=dismissed").text)
        rows = {r["claim_id"]: r for r in csv.DictReader(io.StringIO(ana.get("/export/decisions.csv").text))}
    a.state.db.dispose()
    assert set(base) == {EFFICACY, APPROVAL}  # the dismissed flags are not rated "Accurate"
    cr = base[EFFICACY]
    assert cr["reviewRating"]["alternateName"] == "Overstated" and cr["reviewRating"]["ratingValue"] == 2
    assert cr["editor"]["name"] == "ana"  # who confirmed, not bob who edited the wording last
    assert "Baclofen has not been shown to help fibromyalgia." in cr["reviewBody"]
    item = cr["itemReviewed"]  # the claim first appeared in the earlier article
    assert item["author"] == {"@type": "Person", "name": "Ann First"} and item["datePublished"] == "2024-01-05"
    assert item["firstAppearance"] == {"@type": "CreativeWork", "headline": "First post",
                                       "author": {"@type": "Person", "name": "Ann First"},
                                       "datePublished": "2024-01-05"}  # its javascript: url is left out
    assert [w.get("url") for w in item["appearance"]] == [None, "https://later.example.org/p"]
    assert base[APPROVAL]["reviewRating"] == {"@type": "Rating", "ratingValue": 1, "bestRating": 5,
                                              "worstRating": 1, "alternateName": "Contradicted"}
    rated = [x for x in both if x["reviewRating"]["alternateName"] == "Accurate"]
    assert len(both) == 3 and len(rated) == 1 and rated[0]["editor"]["name"] == "ana"
    assert rated[0]["reviewBody"] == "Editor's review: a fair summary"
    assert rows[ibu]["rating"] == "" and rows[ibu]["editor"] == "bob" and rows[eff]["last_editor"] == "bob"
    assert rows[eff]["editor"] == "ana" and rows[eff]["rating"] == "Overstated"


def test_a_stale_decision_is_not_published(url, app, auditor):
    import copy

    from pipeline.types import Severity, VerdictLabel

    res = audit(auditor, EFFICACY, id="p")
    store(url, res)
    with TestClient(app) as c:
        login(c)
        assert act(c, flagged(res), "confirm").status_code == 303
        assert len(json.loads(c.get("/export/claimreview.jsonld").text)) == 1
        again = copy.deepcopy(res)
        for cc in again.claims:
            cc.verdict.label, cc.verdict.severity = VerdictLabel.UNVERIFIABLE, Severity.LOW
        store(url, again)
        assert json.loads(c.get("/export/claimreview.jsonld").text) == []


# schema.org (https://schema.org/ClaimReview and the types it uses): the properties each type
# accepts (its own and inherited ones we may emit) and their expected value types.
SCHEMA_ORG = {
    "ClaimReview": {"claimReviewed": "Text", "itemReviewed": "Thing", "reviewRating": "Rating",
                    "reviewBody": "Text", "author": "Organization|Person", "editor": "Person",
                    "datePublished": "Date", "url": "URL", "name": "Text", "headline": "Text"},
    "Claim": {"appearance": "CreativeWork", "firstAppearance": "CreativeWork", "author": "Organization|Person",
              "datePublished": "Date", "name": "Text", "url": "URL", "text": "Text"},
    "CreativeWork": {"url": "URL", "headline": "Text", "name": "Text", "author": "Organization|Person",
                     "datePublished": "Date"},
    "Rating": {"ratingValue": "Number|Text", "bestRating": "Number|Text", "worstRating": "Number|Text",
               "alternateName": "Text", "name": "Text", "ratingExplanation": "Text"},
    "Organization": {"name": "Text", "url": "URL"},
    "Person": {"name": "Text", "url": "URL"},
}
SUBTYPES = {"Thing": {"Claim", "CreativeWork", "ClaimReview", "Rating", "Organization", "Person"},
            "CreativeWork": {"CreativeWork", "Claim", "ClaimReview"}}
# Google's ClaimReview documentation (developers.google.com/search/docs/appearance/structured-data/
# factcheck): required and recommended properties per type.
GOOGLE_REQUIRED = {"ClaimReview": ("claimReviewed", "reviewRating", "url"), "Rating": ("alternateName",)}
GOOGLE_RECOMMENDED = {"ClaimReview": ("author", "itemReviewed"),
                      "Claim": ("appearance", "author", "datePublished", "firstAppearance"),
                      "Rating": ("bestRating", "ratingValue", "worstRating"), "Organization": ("name", "url")}


def _check_value(expected: str, v, where: str) -> list[str]:
    out = []
    for x in v if isinstance(v, list) else [v]:
        kinds = expected.split("|")
        if isinstance(x, dict):
            t = x.get("@type")
            ok = any(t == k or t in SUBTYPES.get(k, ()) for k in kinds)
            out += [] if ok else [f"{where}: @type {t} is not {expected}"]
            out += _check_node(x, where) if ok else []
        elif "URL" in kinds:
            out += [] if isinstance(x, str) and link_url(x) else [f"{where}: {x!r} is not an http(s) URL"]
        elif "Date" in kinds:
            out += [] if isinstance(x, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", x) else [f"{where}: {x!r} not a date"]
        elif "Number" in kinds and isinstance(x, (int, float)) and not isinstance(x, bool):
            pass
        elif not (isinstance(x, str) and x.strip()):
            out.append(f"{where}: {x!r} is not {expected}")
    return out


def _check_node(node: dict, where: str = "ClaimReview") -> list[str]:
    t = node.get("@type")
    if t not in SCHEMA_ORG:
        return [f"{where}: unexpected @type {t!r}"]
    out = [f"{where}.{k}: not a property of schema.org {t}" for k in node if k not in SCHEMA_ORG[t] and k[0] != "@"]
    out += [f"{where}.{k}: required by Google" for k in GOOGLE_REQUIRED.get(t, ()) if k not in node]
    for k, v in node.items():
        if k in SCHEMA_ORG[t]:
            out += _check_value(SCHEMA_ORG[t][k], v, f"{where}.{k}")
    return out


def test_the_export_matches_schema_org_claimreview_and_googles_required_fields(url, tmp_path, auditor):
    res = audit(auditor, f"{EFFICACY} {APPROVAL}", id="p", title="Post", url="https://news.example.org/p",
                date="2025-02-03", author="Jo Writer")
    store(url, res)
    a = make_app(url, tmp_path, public_url="https://factcheck.example.org")
    with TestClient(a) as c:
        login(c)
        for cc in res.claims:
            if cc.verdict.flagged:
                assert act(c, cc.claim.id, "confirm").status_code == 303
        data = json.loads(c.get("/export/claimreview.jsonld").text)
    a.state.db.dispose()
    assert len(_check_node({"@type": "ClaimReview", "reviewRating": {"@type": "Rating"}, "bogus": 1})) == 4
    assert len(data) == 2
    for cr in data:
        assert cr["@context"] == "https://schema.org" and cr["@type"] == "ClaimReview"
        assert _check_node(cr) == []
        rating = cr["reviewRating"]
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        for t, node in (("ClaimReview", cr), ("Claim", cr["itemReviewed"]), ("Rating", rating),
                        ("Organization", cr["author"])):
            assert all(k in node for k in GOOGLE_RECOMMENDED[t]), (t, node)  # all known here
        assert cr["url"].startswith("https://factcheck.example.org/")  # Google: on the publishing site


# -- integer parameters ----------------------------------------------------------------------

@pytest.mark.parametrize("path,status", [
    ("/articles/99999999999999999999", 404), ("/articles/2147483648", 404), ("/articles/-1", 404),
    ("/articles/abc", 404), ("/articles/0", 404), ("/articles?run=99999999999999999999", 400),
    ("/articles?run=-5", 400), ("/export/decisions.csv?run=99999999999999999999", 400),
    ("/export/decisions.csv?article=1e9999", 400), ("/export/claimreview.jsonld?article=99999999999999999999", 400),
    ("/export/claimreview.jsonld?run=%C2%B2", 400), ("/articles?run=2147483647", 200),
    ("/export/decisions.csv?run=2147483647", 200)])
def test_integer_parameters_out_of_range_are_400_or_404(app, path, status):
    with TestClient(app, raise_server_exceptions=False) as c:
        login(c)
        r = c.get(path)
        assert r.status_code == status, (path, r.status_code, r.text[:300])
        if status == 400:
            assert "whole number" in r.text


def test_a_huge_decision_version_is_a_conflict_not_a_500(app, url, auditor):
    res = audit(auditor, EFFICACY)
    store(url, res)
    with TestClient(app, raise_server_exceptions=False) as c:
        login(c)
        assert act(c, flagged(res), "confirm", version=10 ** 30).status_code == 409


# -- malformed overlays ----------------------------------------------------------------------

# Each fixture: what its one-line errors must say (file, entry or row, field), in any order.
EXPECTED = {
    "list_for_mapping.yaml": ["list_for_mapping.yaml: sources: must be a mapping",
                              "list_for_mapping.yaml entry 1 (approvals): must be a mapping of fields"],
    "scalar_table.yaml": ["scalar_table.yaml: evidence: must be a list of entries",
                          "scalar_table.yaml: labels: must be a list of entries"],
    "non_utf8.yaml": ["non_utf8.yaml: not UTF-8 text (byte 0xe9"],
    "unknown_table.yaml": ["unknown_table.yaml: evidences: unknown table (tables: sources, drugs, conditions, "
                           "approvals, evidence, labels; did you mean 'evidence'?)"],
    "several_errors.yaml": [
        "several_errors.yaml entry 1 (drugs, id RX1292): synonyms: must be a list",
        "several_errors.yaml entry 1 (drugs, id RX1292): id: 'RX1292' is not of the form",
        "several_errors.yaml entry 1 (approvals): stauts: unknown field (did you mean 'status'?)",
        "several_errors.yaml entry 1 (approvals): status: missing",
        "several_errors.yaml entry 2 (approvals): status: must be one of",
        "several_errors.yaml entry 2 (approvals): year: must be a whole number",
        "several_errors.yaml entry 2 (approvals): source.citation_status: must be one of",
        "several_errors.yaml entry 2 (approvals): source.url: must be an http(s) URL",
        "several_errors.yaml entry 2 (approvals): date_checked: must be a date",
        "several_errors.yaml entry 2 (approvals): drug: unknown drug 'notadrugatall'",
        "several_errors.yaml entry 1 (evidence): direction: must be one of",
        "several_errors.yaml entry 1 (evidence): n_rcts: must be a whole number",
        "several_errors.yaml entry 1 (evidence): date_checked: missing",
        "several_errors.yaml entry 1 (evidence): source: unknown source key 'undefined-source-key'"],
    "top_level_list.yaml": ["top_level_list.yaml: the top level must be a mapping of tables"],
    "bad_syntax.yaml": ["bad_syntax.yaml: line 4 column 1 not valid YAML"],
    "bad_rows.csv": ["bad_rows.csv row 2 (approvals): year: must be a whole number",
                     "bad_rows.csv row 3: table: must be one of", "bad_rows.csv row 4 (evidence): direction: missing",
                     "bad_rows.csv row 4 (evidence): grade: missing"],
    "source_list.yaml": ["source_list.yaml entry 1 (labels): source: must be a source key or a mapping",
                         "source_list.yaml entry 1 (labels): max_daily_dose: must be a number"],
}


def _error_lines(output: str) -> list[str]:
    return [ln[len("error: "):] for ln in output.splitlines() if ln.startswith("error: ")]


def test_the_fixture_set_covers_every_file():
    assert sorted(p.name for p in OVERLAYS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_validate_reports_every_error_with_file_entry_and_field(name):
    r = cli("reference", "validate", str(OVERLAYS / name), "--no-consistency")
    assert r.exit_code == 5, r.output
    lines = _error_lines(r.output)
    assert len(lines) == len(EXPECTED[name]) and "Traceback" not in r.output
    for want in EXPECTED[name]:
        assert any(want in ln for ln in lines), (want, lines)
    assert all(ln.startswith(str(OVERLAYS / name)) for ln in lines)  # every line names its file


def test_one_validate_run_reports_the_errors_of_every_file():
    r = cli("reference", "validate", str(OVERLAYS), "--no-consistency")
    assert r.exit_code == 5
    assert len(_error_lines(r.output)) == sum(len(v) for v in EXPECTED.values())


@pytest.mark.parametrize("name", ["several_errors.yaml", "bad_rows.csv"])
def test_audit_with_a_malformed_overlay_exits_5_with_every_error(name, tmp_path):
    (tmp_path / "a.txt").write_text(EFFICACY + "\n")
    r = cli("audit", str(tmp_path / "a.txt"), "--out", str(tmp_path / "out"), "--overlay", str(OVERLAYS / name),
            "-q", "--no-models")
    assert r.exit_code == 5 and "Traceback" not in r.output, r.output
    for want in EXPECTED[name]:
        assert want in r.output


@pytest.mark.parametrize("name", ["list_for_mapping.yaml", "scalar_table.yaml", "non_utf8.yaml",
                                  "unknown_table.yaml", "several_errors.yaml"])
def test_serve_refuses_to_start_on_an_invalid_overlay(name, url, tmp_path):
    overlay = tmp_path / "editor-overlay.yaml"
    shutil.copy(OVERLAYS / name, overlay)
    with pytest.raises(ReferenceValidationError) as e:
        create_app(url, overlay=overlay)
    assert all(want in str(e.value) for want in (w.replace(name, "editor-overlay.yaml") for w in EXPECTED[name]))
    if name != "several_errors.yaml":
        return
    for args in (["--overlay", str(overlay)], ["--base-overlay", str(OVERLAYS / name)]):
        r = cli("serve", "--db", url, *args)
        assert r.exit_code == 5 and "Traceback" not in r.output, r.output
        lines = [ln for ln in r.output.splitlines() if ln.startswith("overclaim: ")]
        assert "invalid reference data, 14 problems:" in lines[0] and len(lines) == 15


@pytest.mark.parametrize("name", ["list_for_mapping.yaml", "scalar_table.yaml", "non_utf8.yaml",
                                  "unknown_table.yaml", "several_errors.yaml", "top_level_list.yaml",
                                  "bad_syntax.yaml"])
def test_marking_an_entry_wrong_with_a_broken_overlay_is_a_400_not_a_500(name, app, url, auditor, tmp_path):
    res = audit(auditor, APPROVAL)
    store(url, res)
    cc = next(cc for cc in res.claims if cc.verdict.evidence)
    entry = next(e.entry_id for e in cc.verdict.evidence if e.entry_id.startswith("approval:"))
    overlay = tmp_path / "editor-overlay.yaml"
    shutil.copy(OVERLAYS / name, overlay)  # broken while the server runs (someone edited it)
    before = overlay.read_bytes()
    with TestClient(app, raise_server_exceptions=False) as c:
        login(c)
        r = act(c, cc.claim.id, "reference_wrong", entry_id=entry, field="status", value="approved",
                reason="test correction")
        assert r.status_code == 400 and "editor-overlay.yaml" in r.text, r.text[:500]
        j = act(c, cc.claim.id, "reference_wrong", entry_id=entry, field="bogus", value="x", reason="x")
        assert j.status_code == 400 and "cannot be corrected" in j.text
    assert overlay.read_bytes() == before
