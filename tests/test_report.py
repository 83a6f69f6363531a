"""The HTML report: what it highlights, that it is safe and self-contained, and what a real browser renders."""

from __future__ import annotations

import base64
import contextlib
import doctest
import json
import re
import shutil
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest

import topicslib
from topicslib import report
from topicslib.documents import Paragraph, plain_text, printed
from topicslib.errors import TopicslibError
from topicslib.features import token_spans, tokenize
from topicslib.report import highlights, render_report, topic_colours, write_report

from .conftest import ROOT
from .test_cli import run as run_cli

SAMPLE = ROOT / "docs" / "sample-document.md"
NARCOTICS = ("Officials discussed the latest estimates of coca cultivation and agreed to pair eradication with "
             "voluntary crop substitution and rural development in the most affected municipalities.")
SECOND = ("# Vaccines for the Amazon\n\nThe embassy delivered two million COVID-19 vaccine doses to Peru.\n\n"
          "Related posts")


def marked(text: str, marks) -> list[str]:
    return [text[h.start : h.end] for h in marks]


def test_highlights_mark_the_words_that_drove_the_tag(default_model):
    marks = highlights(NARCOTICS, default_model, ["narcotics"])
    words = marked(NARCOTICS, marks)
    assert "coca" in " ".join(words) and "eradication" in words and "crop substitution" in words
    assert {h.topic for h in marks} == {"narcotics"}
    # every highlighted word raised the score, and common words with a small weight are not highlighted
    [exp] = default_model.explain(NARCOTICS, topic="narcotics")
    raised = {w for term, c in exp.terms if c > 0 for w in term.split()}
    assert all(tok in raised for w in words for tok in tokenize(w))
    assert not {"the", "of", "and", "in", "with"} & {tok for w in words for tok in tokenize(w)}


def test_highlights_follow_each_topic_and_sit_on_word_boundaries(default_model):
    text = "Colombia hosts two million Venezuelan migrants, and coca cultivation rose in Nariño."
    marks = highlights(text, default_model, ["migration", "narcotics"])
    by_topic = {h.topic for h in marks}
    assert by_topic == {"migration", "narcotics"}
    for h in marks:
        assert text[h.start : h.end] == text[h.start : h.end].strip()
        assert (h.start == 0 or not text[h.start - 1].isalnum()) and (h.end == len(text) or not text[h.end].isalnum())
        assert h.weights[h.topic] == max(h.weights.values()) > 0


def test_highlights_of_markdown_are_the_evidence_of_the_text_the_model_scored(default_model, tmp_path):
    """The report explained a paragraph with its Markdown (a link's address read as words) while the model scored
    it without: the words of an address were highlighted and each hover figure was not classify --evidence's."""
    text = "Coca growers protested in [Cauca](https://example.org/eradication-fumigation-cocaine) on Monday."
    marks = highlights(text, default_model, ["narcotics"])
    assert marked(text, marks) == ["Coca"]  # not "eradication" and "cocaine" of the address
    [exp] = default_model.explain(plain_text(text), topic="narcotics")
    assert [(t, marks[0].weights["narcotics"]) for t, _ in exp.evidence()] == [("coca", exp.evidence()[0][1])]
    src = tmp_path / "note.md"
    src.write_text(text + "\n", encoding="utf-8")
    tagged = json.loads(run_cli("classify", "--document", "--evidence", str(src)).stdout)
    assert [t for t, _ in exp.evidence()] == tagged["topics"][0]["evidence"]


def test_a_documents_paragraphs_are_explained_in_one_call_with_the_highlights_of_each_alone(default_model,
                                                                                            monkeypatch):
    """Explained one by one, the highlights of a 48,000-paragraph document took 22 CPU s of the report's 25; from
    one explain_many call a piece, 13 s, with the same page."""
    text = "\n\n".join([NARCOTICS, "Migrants crossed the border.", "Share this page", "Tariffs on coffee fell."] * 3)
    alone = render_report([("doc", text)], model=default_model)
    calls = []
    explain_many = default_model.explain_many
    monkeypatch.setattr(default_model, "explain_many", lambda texts, **kw: calls.append(len(texts)) or
                        explain_many(texts, **kw))
    assert render_report([("doc", text)], model=default_model) == alone
    assert calls == [9]  # the nine tagged paragraphs, at once (one by one: [1, 1, ...])
    for h in highlights(NARCOTICS, default_model, ["narcotics"]):  # each paragraph's marks are its own
        assert f'title="Narcotics +{h.weights["narcotics"]:.2f}">{escape(NARCOTICS[h.start:h.end])}</mark>' in alone


def test_word_positions_agree_with_the_model_tokens():
    text = "Bogotá y NARIÑO: coca—cultivos, COVID-19 e Ñuñoa; naïve café x"
    assert [tok for _, _, tok in token_spans(text)] == tokenize(text)


def test_the_page_is_self_contained_and_escapes_what_it_shows(default_model):
    hostile = '<script>alert("x")</script> Coca & cocaine trafficking grew in Cauca. <img src=x onerror=alert(1)>'
    page = render_report([('"><b>name</b>.md', hostile), ("b.md", SECOND)], model=default_model, title="<i>T</i>")
    assert "<script" not in page and "<img" not in page and "<b>name" not in page and "<i>T" not in page
    assert "&lt;script&gt;" in page and "&amp;" in page and "&lt;img src=x" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for outside in ("http:", "https:", "//", "<link", "@import", "url("):
        assert outside not in page.replace("http-equiv", ""), outside
    assert not re.search(r"<[^>]*\ssrc=", page)
    assert re.findall(r'href="([^"]*)"', page) == ["#d1", "#d2", "#overview", "#overview"]


def test_documents_summaries_and_overview(default_model):
    page = render_report([("a.md", SAMPLE.read_text(encoding="utf-8")), ("b.md", SECOND), ("c.md", "")],
                         model=default_model, model_name="models/x.npz")
    doc = default_model.classify_document(SAMPLE.read_text(encoding="utf-8"))
    assert page.count('class="doc"') == 3 and 'id="overview"' in page
    assert "model: models/x.npz" in page and "No paragraph carries a topic." in page  # the empty document
    first = page[page.index('id="d1"') : page.index('id="d2"')]
    for d in doc.topics:  # one bar per topic, with its count and share
        assert f'data-topic="{d.topic}"' in first
        assert f"{d.paragraphs} paragraph{'s' if d.paragraphs != 1 else ''} · {d.share:.0%}" in first
    single = render_report([("a.md", SECOND)], model=default_model)
    assert 'id="overview"' not in single and "1 document ·" in single


def test_a_model_with_its_own_labels_and_many_topics(tiny_model, tmp_path):
    path = write_report(tmp_path / "r.html", [("t.txt", "Refugees found jobs with small businesses.")], model=tiny_model)
    page = path.read_text(encoding="utf-8")
    assert ">Econ <span" in page and ">People <span" in page
    colours = topic_colours([f"t{i}" for i in range(25)])
    assert len(set(colours.values())) == 25 and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours.values())


class _Languages(HTMLParser):
    """Each text of a page with the language it is in: the lang attribute of its nearest element that has one."""

    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self, page: str):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.texts: list[tuple[str | None, str]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append((tag, dict(attrs).get("lang", self.open[-1][1] if self.open else None)))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:  # an element closed implicitly
            pass

    def handle_data(self, data):
        if data.strip():
            self.texts.append((self.open[-1][1] if self.open else None, data.strip()))


def test_the_page_is_in_english_and_marks_what_is_in_spanish(default_model):
    """Only the topic names are translated with --lang es: the page's own words stay English, and so say."""
    texts = [("nota", "Los migrantes venezolanos cruzaron la frontera.\n\nLa cocaína incautada salió del puerto."),
             ("note", "Migrants crossed the border seeking asylum.")]
    page = render_report(texts, model=default_model, lang="es", dates=["2024-01-10", "2024-02-01"])
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    seen = _Languages(page).texts
    spanish = {t.name for t in topicslib.topics(lang="es")}
    names = [(lang, text) for lang, text in seen if text in spanish]
    # tags, bar and line labels, the figures, the evidence and the legend
    assert {"Migración", "Narcotráfico"} <= {text for _, text in names} and len(names) > 15
    assert {lang for lang, _ in names} == {"es"}
    fixed = {"Topic report", "Topics found", "Overview", "Topics over time", "The figures"}
    assert {(lang, text) for lang, text in seen if text in fixed} == {("en", text) for text in fixed}
    assert re.findall(r'<p class="ptext"(?: lang="(\w+)")?>', page) == ["es", "es", ""]  # each paragraph's own


def test_nothing_to_report_is_an_error(default_model):
    with pytest.raises(TopicslibError, match="no documents"):
        render_report([], model=default_model)
    with pytest.raises(TopicslibError, match="must be a string"):
        render_report([("a", b"bytes")], model=default_model)


def test_docstring_examples():
    assert doctest.testmod(report).failed == 0


# -- in a real browser ------------------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                   reason="chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--hide-scrollbars"]


class Browser:
    """Headless Chromium driven through chromedriver's W3C WebDriver HTTP API, with the standard library only."""

    def __init__(self, profile: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self._call("GET", "/status")["ready"]:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline:
                self.driver.kill()
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.1)
        options = {"binary": CHROMIUM, "args": [*BROWSER_FLAGS, f"--user-data-dir={profile}"]}
        caps = {"browserName": "chrome", "goog:chromeOptions": options, "goog:loggingPrefs": {"browser": "ALL"}}
        try:
            self.session = "/session/" + self._call("POST", "/session", {"capabilities": {"alwaysMatch": caps}})["sessionId"]
        except BaseException:
            self.driver.kill()
            raise

    def _call(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"WebDriver {method} {path}: {e.read()[:500]!r}") from None

    def call(self, method: str, path: str, body: dict | None = None):
        return self._call(method, self.session + path, body)

    def open(self, url: str, width: int = 1100, height: int = 1400) -> None:
        self.call("POST", "/window/rect", {"width": width, "height": height})
        self.call("POST", "/url", {"url": url})

    def run(self, script: str):
        return self.call("POST", "/execute/sync", {"script": script, "args": []})

    def console(self) -> list[dict]:
        return self.call("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path: Path) -> bytes:
        png = base64.b64decode(self.call("GET", "/screenshot"))
        path.write_bytes(png)
        return png

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._call("DELETE", self.session)
        self.driver.terminate()
        try:
            self.driver.wait(10)
        except subprocess.TimeoutExpired:
            self.driver.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


# What the page shows, read from the rendered DOM.
_RENDERED = """
const paras = [...document.querySelectorAll('.paras > li')];
const marks = [...document.querySelectorAll('mark')];
return {
  paragraphs: paras.map(li => ({
    topics: li.dataset.topics ? li.dataset.topics.split(' ') : [],
    tags: [...li.querySelectorAll('.tag')].map(t => t.dataset.topic),
    marks: [...li.querySelectorAll('mark')].map(m => m.dataset.topic),
    tagColour: [...li.querySelectorAll('.tag')].map(t => getComputedStyle(t).borderLeftColor),
  })),
  markBackgrounds: marks.map(m => getComputedStyle(m).backgroundColor),
  bars: [...document.querySelectorAll('svg.chart .bar')].map(r => r.getBoundingClientRect().width),
  overviewLinks: [...document.querySelectorAll('#overview a')].map(a => a.getAttribute('href')),
  articles: [...document.querySelectorAll('article.doc')].map(a => a.id),
  resources: performance.getEntriesByType('resource').length,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
  title: document.title,
};
"""


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


@needs_browser
def test_the_report_renders_in_a_real_browser(browser, default_model, tmp_path):
    documents = [("docs/sample-document.md", SAMPLE.read_text(encoding="utf-8")), ("vaccines.md", SECOND)]
    path = write_report(tmp_path / "report.html", documents, model=default_model)
    expected = [default_model.classify_document(text) for _, text in documents]
    expected_marks = sum(len(highlights(p.text, default_model, [t for t, _ in p.topics])) for d in expected
                         for p in d.paragraphs if p.topics)

    browser.open(path.as_uri())
    seen = browser.run(_RENDERED)
    paragraphs = seen["paragraphs"]
    assert len(paragraphs) == sum(len(d.paragraphs) for d in expected)
    # the tags are those classify_document gives, in its order, paragraph by paragraph
    assert [p["tags"] for p in paragraphs] == [[t for t, _ in p.topics] for d in expected for p in d.paragraphs]
    assert sum(len(p["tags"]) for p in paragraphs) >= 15
    # every highlight is in the colour of one of its paragraph's tags
    assert sum(len(p["marks"]) for p in paragraphs) == expected_marks > 20
    assert all(set(p["marks"]) <= set(p["topics"]) for p in paragraphs)
    assert all(bg not in ("rgba(0, 0, 0, 0)", "transparent") for bg in seen["markBackgrounds"])
    colour = {t: c for p in paragraphs for t, c in zip(p["tags"], p["tagColour"])}
    assert len(set(colour.values())) == len(colour)  # each topic its own colour
    # one bar per topic of each document and of the overview, drawn with a width
    assert len(seen["bars"]) == len({t for d in expected for t, *_ in d.topics}) + sum(len(d.topics) for d in expected)
    assert all(w > 1 for w in seen["bars"])
    assert seen["overviewLinks"] == ["#d1", "#d2"] and seen["articles"] == ["d1", "d2"]
    assert seen["resources"] == 0 and seen["overflow"] <= 0 and seen["title"] == "Topic report"
    assert [e for e in browser.console() if e["level"] == "SEVERE"] == []

    png = browser.screenshot(tmp_path / "report.png")
    assert _png_size(png) == tuple(browser.run("return [innerWidth, innerHeight]"))
    assert len(png) > 20_000  # something was drawn, not a blank page
    pdf = base64.b64decode(browser.call("POST", "/print", {"orientation": "portrait"}))
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2  # prints, one document a page


@needs_browser
def test_the_console_check_catches_a_page_that_reaches_outside(browser, tmp_path):
    """The 'no console errors' check can fail: a page that asks for an outside image under the report's policy logs one."""
    page = render_report([("a.md", "Coca crops grew.")], model=topicslib.default_model())
    bad = tmp_path / "bad.html"
    bad.write_text(page.replace("</main>", '<img src="http://example.invalid/logo.png" alt=""></main>'), encoding="utf-8")
    browser.console()  # drop earlier entries
    browser.open(bad.as_uri())
    assert any("Content Security Policy" in e["message"] for e in browser.console() if e["level"] == "SEVERE")


# -- the corpus dashboard ------------------------------------------------------------------------------------
DATED = [("a", "Migrants crossed the border seeking asylum.\n\nTariffs on coffee exports fell.", "2024-01-10", "State"),
         ("b", "Coca cultivation grew in Putumayo.", "2024-02-03", "State"),
         ("c", "Migrants and refugees arrived at the shelter.", "2024-02-20", "White House"),
         ("d", "Share this page", None, "White House")]


def _dashboard(default_model, **options):
    return render_report([(n, t) for n, t, _, _ in DATED], model=default_model, dates=[d for _, _, d, _ in DATED],
                         by=[b for _, _, _, b in DATED], by_name="source", **options)


def test_the_dashboard_charts_each_topic_with_its_figures_and_evidence(default_model):
    page = _dashboard(default_model)
    tagged = {t for _, text, _, _ in DATED for p in default_model.classify_document(text).paragraphs for t, _ in p.topics}
    charts = re.findall(r'<svg class="trend".*?</svg>', page, re.S)
    assert len(charts) == 1 + 2  # all paragraphs, then one small multiple per source
    assert sorted(re.findall(r'data-topic="([a-z_]+)"><title>', charts[0])) == sorted(tagged)
    assert "2024-01" in charts[0] and "2024-02" in charts[0]
    assert "1 paragraph had no readable date (counted under undated)" in page
    figures = re.search(r'<table class="figures">.*?</table>', page, re.S).group(0)
    assert "<td>2024-01</td>" in figures and "<td>undated</td>" in figures
    # evidence links to the paragraph it quotes
    for anchor in re.findall(r'<ul class="evidence">.*?</ul>', page, re.S):
        for target in re.findall(r'href="#(d\d+-p\d+)"', anchor):
            assert f'id="{target}"' in page


def test_the_small_multiples_name_by_values_as_evaluate_names_its_groups(default_model):
    """Not Python's repr: anything but a string as its compact JSON; missing, null and "" together as (none), last."""
    page = render_report([(n, t) for n, t, _, _ in DATED], model=default_model, dates=[d for _, _, d, _ in DATED],
                         by=[None, ["State"], "", "White House"], by_name="source")
    assert re.findall(r"<figcaption>([^<]*)</figcaption>", page) == ["White House", "[&quot;State&quot;]", "(none)"]
    assert re.findall(r"<summary>source: ([^<]*)</summary>", page) == ["White House", "[&quot;State&quot;]", "(none)"]


def test_documents_beyond_the_limit_count_but_are_only_listed(default_model):
    page = _dashboard(default_model, max_documents=2)
    assert page.count('<article class="doc"') == 2
    assert "2 more documents, not shown in full" in page and "<li>c</li>" in page and "<li>d</li>" in page
    full = _dashboard(default_model)
    trend = lambda p: re.search(r'<table class="figures">.*?</table>', p, re.S).group(0)
    assert trend(page) == trend(full)  # every document counts in the figures


def test_evidence_from_a_document_not_shown_in_full_names_that_document(default_model):
    """No link (its paragraph is not on the page), but the reader learns where it is from."""
    page = _dashboard(default_model, max_documents=2)
    items = [li for ul in re.findall(r'<ul class="evidence">(.*?)</ul>', page) for li in re.findall(r"<li>(.*?)</li>", ul)]
    linked = [li for li in items if "<a href=" in li]
    unlinked = [li for li in items if li not in linked]
    assert linked and all('class="src">—' not in li for li in linked)
    # c is the one document beyond the limit with a tagged paragraph
    assert unlinked and all(li.endswith('<span class="src">— c</span>') for li in unlinked)
    assert all(re.sub("<[^>]*>", "", li).endswith("Migrants and refugees arrived at the shelter. — c") for li in unlinked)


def test_the_header_legend_and_overview_count_the_documents_not_shown_in_full(default_model):
    """Which documents are shown in full decides only which texts are printed: every figure is the corpus's."""
    texts = [(n, t) for n, t, _, _ in DATED]
    page = render_report(texts, model=default_model, max_documents=1)
    full = render_report(texts, model=default_model)
    paragraphs = [p for _, t in texts for p in default_model.classify_document(t).paragraphs]
    header = re.search(r'<header class="top">.*?</header>', page).group(0)
    assert (f"4 documents · {len(paragraphs)} paragraphs · {sum(1 for p in paragraphs if p.topics)} with a topic"
            in header)
    legend = lambda p: re.search(r'<section class="legend">.*?</section>', p).group(0)
    assert legend(page) == legend(full) and 'data-topic="narcotics"' in legend(page)  # b's topic, b not shown
    chart = lambda p: re.search(r'<section id="overview".*?</svg>', p).group(0)  # "All documents"
    assert chart(page) == chart(full) and f"of {len(paragraphs)} paragraphs" in chart(page)
    overview = re.search(r'<section id="overview".*?</section>', page).group(0)
    assert re.findall(r'href="(#[^"]*)"', overview) == ["#d1", "#hidden"]  # the table: the one shown, then the rest
    assert page.count('<article class="doc"') == 1 and texts[1][1] not in page  # the others' texts are not printed


def test_the_report_warns_why_paragraphs_are_undated_naming_the_date_field(default_model, caplog):
    texts = [("a", "Tariffs on coffee exports fell."), ("b", "Coca cultivation grew.\n\nMigrants crossed.")]
    with caplog.at_level("WARNING", logger="topicslib"):
        render_report(texts, model=default_model, dates=["2024-01-10", "05/2024"], date_name="published")
    assert ("2 of 3 paragraphs had no readable date in the 'published' field (values such as '05/2024' are no "
            "date this reads") in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="topicslib"):
        render_report(texts, model=default_model, dates=["2024-01-10", "2024-02-01"])
    assert "readable date" not in caplog.text


def test_report_on_the_command_line_says_when_no_record_has_the_date_field(tmp_path):
    src = tmp_path / "statements.jsonl"
    src.write_text(json.dumps({"text": "Tariffs fell.", "published": "2024-01-05"}) + "\n", encoding="utf-8")
    r = run_cli("report", str(src), "-o", str(tmp_path / "r.html"), "--date", "date")
    assert r.returncode == 0, r.stderr
    assert "no paragraph has a value in the 'date' field: it was counted under 'undated'" in r.stderr


@pytest.mark.parametrize(("options", "message"), [
    (["--by", "source"], "--by shapes the dashboard, which --date FIELD draws: give --date too"),
    (["--period", "quarter"], "--period shapes the dashboard"),
    (["--by", "source", "--period", "year"], "--by and --period shape the dashboard")])
def test_report_dashboard_options_without_date_are_a_usage_error(tmp_path, options, message):
    """They would draw nothing: said, not dropped."""
    src = tmp_path / "statements.jsonl"
    src.write_text(json.dumps({"text": "Tariffs fell.", "source": "A", "date": "2024-01-05"}) + "\n", encoding="utf-8")
    out = tmp_path / "r.html"
    r = run_cli("report", str(src), "-o", str(out), *options)
    assert r.returncode == 2 and message in r.stderr and not out.exists(), r.stderr
    r = run_cli("report", str(src), "-o", str(out), *options, "--date", "date")
    assert r.returncode == 0 and 'id="trends"' in out.read_text(encoding="utf-8"), r.stderr


def test_report_groups_records_into_documents_on_the_command_line(tmp_path):
    src = tmp_path / "statements.jsonl"
    rows = [{"text": t, "url": u, "date": d, "source": s} for t, u, d, s in [
        ("Migrants crossed the border.", "u1", "2024-01-05", "A"), ("Tariffs fell.", "u1", "2024-01-05", "A"),
        ("Coca crops grew.", "u2", "2024-03-01", "B")]]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "r.html"
    r = run_cli("report", str(src), "-o", str(out), "--date", "date", "--by", "source", "--group", "url")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('<article class="doc"') == 2 and 'data-name="u1"' in page and 'id="trends"' in page
    assert re.search(r'id="d1-p1"', page)  # u1's second record is its second paragraph


PIECES = [("x1", "Migrants crossed the border seeking asylum.", "2024-01-05", "A", "u1"),
          ("x2", "Coca cultivation grew in Putumayo.", "2024-03-01", "B", "u2"),
          ("x3", "Tariffs on coffee exports fell.\n\nRefugees arrived at the shelter.", "2024-05-01", "C", "u1"),
          ("x4", "Share this page", None, "C", None),
          ("x5", "Protesters marched in Bogotá against the reform.", "2024-02-01", "A", "")]


@pytest.mark.parametrize("max_documents", [300, 2])
def test_grouped_pieces_stream_into_the_page_of_their_joined_documents(default_model, max_documents):
    """Pieces of one document may come apart (u1, u2, u1): streamed one at a time, they make the page the
    whole documents make; a piece without a group value is a document of its own."""
    grouped = render_report(((n, t) for n, t, *_ in PIECES), dates=(d for _, _, d, _, _ in PIECES),
                            by=(b for *_, b, _ in PIECES), groups=(g for *_, g in PIECES), by_name="source",
                            model=default_model, max_documents=max_documents)
    joined = render_report([("x1", f"{PIECES[0][1]}\n\n{PIECES[2][1]}"), ("x2", PIECES[1][1]), ("x4", PIECES[3][1]),
                            ("x5", PIECES[4][1])], dates=["2024-01-05", "2024-03-01", None, "2024-02-01"],
                           by=["A", "B", "C", "A"], by_name="source", model=default_model, max_documents=max_documents)
    assert grouped == joined
    assert 'id="d1-p2"' in grouped  # u1's third paragraph, from its second piece
    assert grouped.count('<article class="doc"') == min(4, max_documents)
    assert ("<li>x4</li><li>x5</li>" in grouped) == (max_documents == 2)  # listed, not shown


def test_list_and_object_group_values_join_pieces_by_their_json(default_model):
    """Group values that are lists or objects (unhashable) are keyed as evaluate --by names them."""
    texts = [("x1", PIECES[0][1]), ("x2", PIECES[1][1]), ("x3", PIECES[2][1])]
    grouped = render_report(texts, groups=[["u1"], {"u": 2}, ["u1"]], model=default_model)
    joined = render_report([("x1", f"{PIECES[0][1]}\n\n{PIECES[2][1]}"), ("x2", PIECES[1][1])], model=default_model)
    assert grouped == joined


def test_report_names_a_list_valued_group_document_by_its_json(tmp_path):
    src = tmp_path / "statements.jsonl"
    src.write_text("".join(json.dumps({"text": t, "url": u}) + "\n" for t, u in [
        ("Migrants crossed the border.", ["u1"]), ("Tariffs fell.", ["u1"]), ("Coca crops grew.", True)]),
        encoding="utf-8")
    out = tmp_path / "r.html"
    r = run_cli("report", str(src), "-o", str(out), "--group", "url")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert page.count('<article class="doc"') == 2
    assert 'data-name="[&quot;u1&quot;]"' in page and 'data-name="true"' in page


def test_report_names_a_record_by_a_list_valued_title_as_group_names_it(tmp_path):
    """A title that is no string (a list, an object, a number) names its document by its JSON, as --group title
    would; not by file:line."""
    src = tmp_path / "statements.jsonl"
    src.write_text("".join(json.dumps({"text": t, "title": title}) + "\n" for t, title in [
        ("Migrants crossed the border.", ["Joint statement", "Part 1"]), ("Coca crops grew.", {"en": "Coca"}),
        ("Tariffs fell.", 2024)]), encoding="utf-8")
    names = []
    for group in ([], ["--group", "title"]):
        out = tmp_path / "r.html"
        r = run_cli("report", str(src), "-o", str(out), *group)
        assert r.returncode == 0, r.stderr
        names.append(re.findall(r'<article class="doc"[^>]* data-name="([^"]*)"', out.read_text(encoding="utf-8")))
    assert names[0] == names[1] == ["[&quot;Joint statement&quot;,&quot;Part 1&quot;]", "{&quot;en&quot;:&quot;Coca&quot;}",
                                    "2024"]


def test_a_report_from_classified_paragraphs_is_the_report_of_the_texts(default_model):
    """The Dask engine's path: documents given as their tagged paragraphs, with scores as outputs print them."""
    texts = [(n, t) for n, t, *_ in PIECES]
    tagged = [(n, [Paragraph(p.index, p.text, printed(p.topics), p.lang)
                   for p in default_model.classify_document(t).paragraphs]) for n, t in texts]
    assert render_report(tagged, model=default_model) == render_report(texts, model=default_model)


@needs_browser
def test_the_dashboard_renders_in_a_real_browser(browser, default_model, tmp_path):
    path = tmp_path / "dash.html"
    path.write_text(_dashboard(default_model), encoding="utf-8")
    browser.console()
    browser.open(path.as_uri())
    seen = browser.run("""
        return {lines: [...document.querySelector('svg.trend').querySelectorAll('polyline')].map(l => l.getTotalLength()),
                strokes: [...document.querySelectorAll('svg.trend polyline')].map(l => getComputedStyle(l).stroke),
                resources: performance.getEntriesByType('resource').length};""")
    assert len(seen["lines"]) >= 3 and all(n > 10 for n in seen["lines"])  # the chart of all paragraphs
    assert all(s not in ("none", "rgb(0, 0, 0)") for s in seen["strokes"])  # drawn in the topics' colours
    assert seen["resources"] == 0
    assert [e for e in browser.console() if e["level"] == "SEVERE"] == []


@needs_browser
def test_the_dashboards_period_labels_are_whole_and_clear_of_the_topic_labels(browser, default_model, tmp_path):
    """Each chart's last period sits at its right edge: centred there, its label ran past a small multiple's edge
    (cut off) and under the big chart's topic labels."""
    path = tmp_path / "dash.html"
    dates = ["2024-01-10", "2024-02-03", "2024-03-20", "2024-03-28"]
    texts = ["Migrants crossed the border.", "Coca cultivation grew.", "Tariffs on coffee fell.", "Elections were held."]
    path.write_text(render_report([(f"d{k}", t) for k, t in enumerate(texts)], model=default_model, dates=dates,
                                  by=["State", "State", "State", "Embassy"], by_name="source"), encoding="utf-8")
    browser.open(path.as_uri())
    charts = browser.run("""
        return [...document.querySelectorAll('svg.trend')].map(svg => {
          const box = svg.getBoundingClientRect();
          const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
          return {box: [box.left, box.right], axis: [...svg.querySelectorAll('text.axis')].map(rect),
                  labels: [...svg.querySelectorAll('text.lbl')].map(rect)};
        });""")
    assert len(charts) == 3
    for chart in charts:
        ticks = [t for t in chart["axis"] if t[1] - t[0] > 30]  # the periods, not the 0%, 50%, 100% of the scale
        assert ticks
        for left, right, top, bottom in ticks:
            assert chart["box"][0] <= left and right <= chart["box"][1] + 0.5
            for l2, r2, t2, b2 in chart["labels"]:
                assert right <= l2 or r2 <= left or bottom <= t2 or b2 <= top, "a period label under a topic's"


def test_the_overview_lists_a_documents_topics_in_the_order_classify_document_gives_them(default_model, tmp_path):
    """Topics tied on paragraphs, their best scores apart only past the printed decimals (1.0000 each): the report
    (drawn from printed scores, as the Dask engine's records carry them) sorted them by name, classify_document by
    the full score, so the overview's first four were not the document's first four."""
    text = ("# Call with the Foreign Minister\n\n"
            "The minister and her counterpart met to discuss cooperation.\n\n"
            "The envoy held talks with the foreign minister on the bilateral agenda.\n\n"
            "They agreed to widen lawful pathways for migrants and support families returned from the border.\n\n"
            "The two discussed the upcoming elections, an independent electoral authority and a transparent vote "
            "count.\n\n"
            "They welcomed new investment in coffee exports and lower tariffs.\n\n"
            "They reviewed joint efforts against cocaine shipments.")
    doc = default_model.classify_document(text)
    ones = [d for d in doc.topics if d.paragraphs == 1 and printed([(d.topic, d.score)])[0].score == 1.0]
    assert len(ones) >= 3 and sorted(ones, key=lambda d: -d.score) != sorted(ones, key=lambda d: d.topic)
    page = render_report([("a.md", text), ("b.md", SECOND)], model=default_model)
    overview = page[page.index('id="overview"') :]
    row = overview[overview.index('href="#d1"') : overview.index('href="#d2"')]
    assert re.findall(r'data-topic="([^"]+)"', row) == [d.topic for d in doc.topics[:4]]
    chart = page[page.index('id="d1"') : page.index('id="d2"')]
    assert re.findall(r'<g class="c\d+" data-topic="([^"]+)"', chart) == [d.topic for d in doc.topics]
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    r = run_cli("classify", "--document", str(tmp_path / "a.md"), "--format", "table")
    assert r.returncode == 0, r.stderr
    summary = r.stdout.splitlines()[-2]
    assert re.findall(r"(\w+) \d+ \(", summary) == [d.topic for d in doc.topics]


LONG = "\n\n".join(["Migrants crossed the border seeking asylum.", "Tariffs on coffee exports fell.",
                    "Coca cultivation grew in Putumayo.", "Share this page", "Migrants and refugees arrived."])


def test_the_page_prints_at_most_max_paragraphs_and_says_how_many_it_left_out(default_model):
    """One huge document made a 31 MB page: max_documents bounds documents, not paragraphs. What the page does
    not print still counts in the document's chart, the overview and the header."""
    docs = [("long.md", LONG), ("short.md", SECOND)]
    page = render_report(docs, model=default_model, max_paragraphs=3)
    full = render_report(docs, model=default_model)
    printed_ids = lambda p: re.findall(r'<li class="para[^"]*" id="(d\d-p\d+)"', p)
    assert printed_ids(full) == ["d1-p0", "d1-p1", "d1-p2", "d1-p3", "d1-p4", "d2-p0", "d2-p1", "d2-p2"]
    assert printed_ids(page) == ["d1-p0", "d1-p1", "d1-p2"]  # the first ones, in order
    assert "5 paragraphs of the documents below are left out: the page shows at most 3 paragraphs" in page
    assert "2 more paragraphs of this document are left out" in page and "3 more paragraphs" in page
    head = lambda p: re.search(r'<header class="top">.*?</p>', p).group(0)
    chart = lambda p, k: re.search(rf'<article class="doc" id="d{k}".*?</section>', p).group(0)  # meta and chart
    overview = lambda p: re.search(r'<section id="overview".*?</section>', p).group(0)
    assert head(page) == head(full) and overview(page) == overview(full)
    assert chart(page, 1) == chart(full, 1) and "5 paragraphs, 4 with a topic" in chart(page, 1)
    assert chart(page, 2) == chart(full, 2)  # a document with no paragraph printed keeps its counts and chart
    assert "left out" not in full
    assert render_report(docs, model=default_model, max_paragraphs=8) == full
    assert printed_ids(render_report(docs, model=default_model, max_paragraphs=0)) == []


def test_evidence_from_a_paragraph_not_printed_names_its_document_without_a_link(default_model):
    page = _dashboard(default_model, max_paragraphs=1)  # a's first paragraph only
    items = [li for ul in re.findall(r'<ul class="evidence">(.*?)</ul>', page) for li in re.findall(r"<li>(.*?)</li>", ul)]
    links = [re.search(r'href="#([^"]*)"', li) for li in items]
    assert [m.group(1) for m in links if m] == ["d1-p0"]  # the one paragraph on the page
    assert all(li.endswith(('<span class="src">— a</span>', '<span class="src">— b</span>',
                            '<span class="src">— c</span>')) for li, m in zip(items, links) if not m)


def test_max_paragraphs_must_be_a_whole_number_of_at_least_zero(default_model, tmp_path):
    for bad in (-1, 2.5, True, "10"):
        with pytest.raises(topicslib.InputError, match="max_paragraphs must be a non-negative integer"):
            render_report([("a", "Tariffs fell.")], model=default_model, max_paragraphs=bad)
    src = tmp_path / "long.md"
    src.write_text(LONG, encoding="utf-8")
    out = tmp_path / "r.html"
    r = run_cli("report", str(src), "-o", str(out), "--max-paragraphs", "2", "-q")
    assert r.returncode == 0, r.stderr
    assert "3 more paragraphs of this document are left out" in out.read_text(encoding="utf-8")
    r = run_cli("report", str(src), "-o", str(out), "--max-paragraphs", "-1")
    assert r.returncode == 2 and "--max-paragraphs" in r.stderr
