"""Ingest: every supported format on small hand-built files, and clear errors."""
from __future__ import annotations

import io

from pipeline.errors import InputError
from pipeline.ingest.reader import IngestOptions, iter_articles


def collect(paths, **kw):
    items = list(iter_articles(paths, **kw))
    return [i for i in items if not isinstance(i, InputError)], [i for i in items if isinstance(i, InputError)]


def test_folder_recursive_ids_are_relative_paths(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "post.md").write_text("# Title\n\nBaclofen helps spasticity.")
    (tmp_path / "b.txt").write_text("Gabapentin is approved for postherpetic neuralgia.")
    (tmp_path / "skip.pdf").write_bytes(b"%PDF")
    arts, errs = collect([tmp_path])
    assert sorted(a.id for a in arts) == ["a/post.md", "b.txt"] and not errs


def test_html_main_text_without_navigation_or_comments(tmp_path):
    html = ("<html><head><title>Baclofen news</title><meta name='date' content='2024-03-01'></head><body>"
            "<nav><a href='/'>Home</a> | <a href='/about'>About us</a></nav><article><h1>Baclofen news</h1>"
            "<p>Baclofen is approved by the FDA for spasticity caused by multiple sclerosis, and doctors have "
            "prescribed it for decades in many countries around the world.</p><p>It has not been tested in "
            "randomised trials for fibromyalgia, and experts say more research is needed before use.</p>"
            "</article><div class='comments'><p>Reader comment: this cured me!!!</p></div>"
            "<script>var ad = 1;</script></body></html>")
    (tmp_path / "n.html").write_text(html)
    (arts, errs) = collect([tmp_path / "n.html"])
    a = arts[0]
    assert a.title == "Baclofen news" and a.date == "2024-03-01"
    assert "spasticity" in a.text and "About us" not in a.text and "cured me" not in a.text and "ad = 1" not in a.text


def test_jsonl_and_csv_rows_with_bad_rows_reported(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": "p1", "title": "T", "text": "Baclofen helps."}\n{bad json\n'
                                      '{"id": "p3", "text": ""}\n')
    (tmp_path / "b.csv").write_text("slug,body\ns1,Duloxetine is approved for fibromyalgia.\ns2\n")
    arts, errs = collect([tmp_path / "a.jsonl"])
    assert [a.id for a in arts] == ["a.jsonl#p1"]
    msgs = sorted(str(e) for e in errs)
    assert any("row 2" in m and "malformed JSON" in m for m in msgs)
    assert any("row 3" in m and "empty" in m for m in msgs)
    arts, errs = collect([tmp_path / "b.csv"], opts=IngestOptions(id_field="slug", text_field="body"))
    assert [a.id for a in arts] == ["b.csv#s1"]
    assert errs and "row 3" in str(errs[0])


def test_stdin_and_bad_files(tmp_path):
    arts, _ = collect(["-"], stdin=io.StringIO("Baclofen is approved for spasticity."))
    assert arts[0].id == "stdin"
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 baclofen".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "u16.txt").write_bytes("Baclofen helps.".encode("utf-16"))
    arts, errs = collect([tmp_path])
    assert [a.id for a in arts] == ["u16.txt"] and arts[0].text == "Baclofen helps."
    text = {e.path.split("/")[-1]: e.reason for e in errs}
    assert "binary" in text["bin.txt"]
    assert "UTF-8" in text["latin.txt"]
    assert "empty" in text["empty.txt"]
    assert all(str(tmp_path) in str(e) for e in errs)


def test_html_page_fixture_is_read_with_the_installed_cleaner():
    """Regression (issue 14): with the pip that `python3.11 -m venv` ships, lxml's HTML cleaner was
    not installed and every .html input failed with 'could not parse HTML (ImportError)'."""
    from pathlib import Path

    page = Path(__file__).parent / "fixtures" / "pages" / "baclofen_blog.html"
    arts, errs = collect([page])
    assert not errs, [e.message for e in errs]
    a = arts[0]
    assert a.title.startswith("Baclofen for fibromyalgia") and a.url == "https://blog.example.org/baclofen-fibromyalgia"
    assert "has been shown to be effective for fibromyalgia" in a.text
    assert "Popular posts" not in a.text and "baclofen cures everything" not in a.text


def test_authors_are_kept_for_the_claimreview_export(tmp_path):
    """Issue 17 follow-up: itemReviewed.author needs the article's author from ingest."""
    from pathlib import Path

    (tmp_path / "a.jsonl").write_text('{"id": "p1", "text": "Baclofen helps spasticity.", "authors": ["Sam Rivera", "X"]}\n'
                                      '{"id": "p2", "text": "Baclofen helps spasticity."}\n')
    arts, errs = collect([tmp_path / "a.jsonl"])
    assert not errs and arts[0].meta["author"] == "Sam Rivera; X" and "author" not in arts[1].meta
    page = Path(__file__).parent / "fixtures" / "pages" / "baclofen_blog.html"
    (html,), _ = collect([page])
    assert html.meta.get("author") == "Sam Rivera"
