"""End-to-end review in real headless Chromium (Debian's ``chromium`` driven by Playwright).

Starts uvicorn on 127.0.0.1 (a free port) over a fresh database holding the audited baclofen
fibromyalgia seed, signs in, confirms one flag with the ``c`` key and dismisses the next with
``d`` + a reason, reloads, sees both persisted, and exports ClaimReview JSON-LD. Then signs out (a
copy of the cookie no longer opens the app) and types ten wrong passwords: the right one is then
refused with the lockout message. Screenshots are kept in ``test-artifacts/review-e2e.png`` and
``test-artifacts/review-e2e-lockout.png``.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")

from _review_support import add_editor, fresh_db_url, seed_article  # noqa: E402
from pipeline.config import data_dir  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    import uvicorn

    from pipeline.run.auditor import Auditor
    from pipeline.review.app import create_app
    from pipeline.review.signin import SignInPolicy
    from pipeline.review.store import ReviewSink

    art = seed_article(data_dir(required=False), "000")
    if art is None:
        pytest.skip("seed 000 (baclofen fibromyalgia blog) not found in the shared data directory")
    url = fresh_db_url(tmp_path)
    res = Auditor().audit_article(art)
    sink = ReviewSink(url)
    sink.add(res)
    sink.close()
    add_editor(url, "ana", "ana-password-1")
    # The default sign-in limits (10 failures a minute lock for 5 minutes), without backoff waits.
    app = create_app(url, overlay=tmp_path / "overlay.yaml", signin_policy=SignInPolicy(backoff_cap=0.0))
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield {"base": f"http://127.0.0.1:{port}", "result": res}
    srv.should_exit = True
    th.join(timeout=10)
    app.state.db.dispose()


def test_editor_triages_the_baclofen_seed_in_chromium(server, tmp_path):
    from playwright.sync_api import sync_playwright

    base, res = server["base"], server["result"]
    flagged = {cc.claim.id: cc for cc in res.claims if cc.verdict.flagged}
    assert len(flagged) >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            page.goto(f"{base}/articles")
            assert "/login" in page.url
            page.fill("input[name=username]", "ana")
            page.fill("input[name=password]", "ana-password-1")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/articles")
            page.click(f"text={res.article.title}")
            page.wait_for_selector("li.claim.open")

            # Confirm the selected flag with the keyboard shortcut.
            first = page.get_attribute("li.claim.open", "data-claim")
            assert first in flagged
            page.keyboard.press("c")
            page.wait_for_selector(f"li#c-{first} .badge.st-confirmed")
            # The app moved on to the next pending flag: dismiss it with d, a reason and Enter.
            second = page.get_attribute("li.claim.open", "data-claim")
            assert second in flagged and second != first
            page.keyboard.press("d")
            page.keyboard.type("Reports a small study fairly; not an overstatement in context.")
            page.keyboard.press("Enter")
            page.wait_for_selector(f"li#c-{second} .badge.st-dismissed")

            # Reload: both decisions persisted.
            page.goto(f"{page.url.split('?')[0]}?claim={second}")
            page.reload()
            assert page.get_attribute(f"li#c-{first} .badge[data-status]", "data-status") == "confirmed"
            assert page.get_attribute(f"li#c-{second} .badge[data-status]", "data-status") == "dismissed"
            decision = page.inner_text("#decision")
            assert "dismissed" in decision and "ana" in decision and "not an overstatement" in decision
            assert "dismiss" in page.inner_text("#history")
            # j/k navigation.
            page.keyboard.press("k")
            page.wait_for_selector(f"li#c-{first}.open")
            page.screenshot(path=str(ARTIFACTS / "review-e2e.png"), full_page=False)

            # Export ClaimReview JSON-LD through the link in the header.
            with page.expect_download() as dl:
                page.click("#export-claimreview")
            data = json.loads(Path(dl.value.path()).read_text("utf-8"))
            assert [d["claimReviewed"] for d in data] == [flagged[first].claim.sentence]
            assert data[0]["@type"] == "ClaimReview"
            assert data[0]["reviewRating"]["alternateName"] == flagged[first].verdict.label.value.capitalize()
            assert not errors, errors  # no script errors, no CSP violations

            # Sign out: the session ends, and a copy of its cookie no longer opens the articles.
            saved = ctx.cookies()
            with page.expect_navigation():
                page.click("header form.inline button[type=submit]")
            assert page.url == f"{base}/login"
            thief = browser.new_context()
            thief.add_cookies(saved)
            tp = thief.new_page()
            tp.goto(f"{base}/articles")
            assert "/login" in tp.url and tp.locator("input[name=password]").count() == 1
            thief.close()

            # Ten wrong passwords lock sign-in; the right password is then refused, with a message.
            def submit(password: str) -> str:
                page.fill("input[name=username]", "ana")
                page.fill("input[name=password]", password)
                with page.expect_navigation():
                    page.click("form.login button[type=submit]")
                return page.inner_text("#signin-error")

            for _ in range(10):
                assert "Wrong username or password" in submit("not-the-password")
            msg = submit("ana-password-1")
            assert page.locator("#signin-error.locked").count() == 1
            assert "Too many failed sign-ins" in msg and "even with the right password" in msg
            page.screenshot(path=str(ARTIFACTS / "review-e2e-lockout.png"), full_page=False)
        finally:
            browser.close()
