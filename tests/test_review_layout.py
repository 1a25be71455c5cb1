"""The HTML review laid out by a real browser: headless Chromium, at desktop, tablet and phone widths.

The phone is emulated over the DevTools protocol (``scripts/chromium_pipe.py``): headless Chromium
never makes a window narrower than 500 px, so ``--window-size`` cannot show a phone layout.
Skipped when no Chromium is installed (Debian: ``apt-get install chromium``; or set ``$CHROMIUM``).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gdpr_lint.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from chromium_pipe import Browser, find_chromium

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")

SCREENS = {"desktop": (1280, 900, False), "laptop": (1024, 768, False), "tablet": (768, 1024, True),
           "phone": (390, 844, True), "small phone": (360, 740, True)}

# what overflows the screen sideways: the page itself, and any element sticking out past the right
# edge of the page's content column (except inside a box that scrolls, like the diagram's)
OVERFLOW = """(() => {
  const doc = document.documentElement, main = document.querySelector("main");
  const edge = main ? main.getBoundingClientRect().right : doc.clientWidth;
  const out = [];
  if (doc.scrollWidth > doc.clientWidth) out.push("page " + doc.scrollWidth + " > " + doc.clientWidth);
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    // a box past the edge, or text running out of its box (the box's own rectangle fits)
    const spills = el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible";
    if (r.width === 0 || (r.right <= edge + 1 && !spills)) continue;
    let p = el.parentElement, scrolls = false;
    for (; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== "visible") { scrolls = true; break; }
    if (!scrolls) out.push(el.tagName.toLowerCase() + "." + el.className + " ends at "
                           + Math.round(Math.max(r.right, r.left + el.scrollWidth)) + " > " + Math.round(edge)
                           + ": " + el.textContent.slice(0, 60));
  }
  return out.slice(0, 8);
})()"""

# the smallest font any visible text is drawn in, in CSS pixels; an SVG's text is scaled with its drawing
SMALLEST_TEXT = """(() => {
  let least = 99;
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el.getClientRects().length) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest("svg");
    if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width)
      size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    least = Math.min(least, size);
  }
  return Math.round(least * 10) / 10;
})()"""


# table cells narrower than their longest plain word (a word broken in the middle: "Reten|tion")
BROKEN_WORDS = """(() => {
  const ctx = document.createElement("canvas").getContext("2d"), out = [];
  for (const cell of document.querySelectorAll("table.cards th, table.cards td")) {
    if (getComputedStyle(cell).display !== "table-cell" || !cell.getClientRects().length) continue;
    const style = getComputedStyle(cell);
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const el of [cell, ...cell.querySelectorAll("*")]) {
      const own = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join(" ");
      ctx.font = getComputedStyle(el).font;
      for (const word of own.match(/[A-Za-z]{3,}/g) || []) {
        if (ctx.measureText(word).width > room + 1) out.push(word + " in " + room + " px");
      }
    }
  }
  return out.slice(0, 8);
})()"""

# stacked cards: a label or a value running out of its card's row
SPILLING_CARDS = """Array.from(document.querySelectorAll("table.cards td"))
  .filter(td => getComputedStyle(td).display === "block" && td.scrollHeight > td.clientHeight + 1)
  .map(td => td.getAttribute("data-label") + ": " + td.textContent.slice(0, 40)).slice(0, 8)"""


def _review(tmp_path: Path, monkeypatch, source: Path) -> Path:
    project = tmp_path / source.name
    shutil.copytree(source, project)
    monkeypatch.chdir(project)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["review", ".", "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    return out / "review.html"


@pytest.fixture(scope="module")
def browser():
    with Browser(CHROMIUM) as chromium:
        yield chromium


# a real project, when the labelled corpus is here (../shared/realworld/score.py downloads it): long
# setting names as processors, many fields
HELPDESK = Path.home() / ".cache" / "gdpr-lint" / "realworld" / "django-helpdesk-2.6.1"


@pytest.mark.parametrize("source", [ROOT / "examples" / "shop", ROOT / "tests" / "data" / "record_django",
                                    ROOT / "tests" / "data" / "record_sqlalchemy",
                                    *([HELPDESK] if HELPDESK.is_dir() else [])], ids=lambda p: p.name)
def test_review_fits_every_screen(browser, tmp_path, monkeypatch, source):
    html = _review(tmp_path, monkeypatch, source)
    for screen, (width, height, mobile) in SCREENS.items():
        page = browser.open(html, width, height, mobile=mobile)
        assert page.evaluate("window.innerWidth") == width
        assert page.evaluate(OVERFLOW) == [], f"{source.name} at {screen} width ({width} px)"
        assert page.evaluate(SMALLEST_TEXT) >= 11, f"{source.name}: text under 11 px at {screen} width"
        cards = page.evaluate("""Array.from(document.querySelectorAll("table.cards thead"))
                                  .map(h => getComputedStyle(h).display)""")
        diagrams = page.evaluate("""["svg.dia-wide", "svg.dia-narrow"].map(s => {
                                     const el = document.querySelector(s);
                                     return el ? getComputedStyle(el).display : "absent"; })""")
        assert page.evaluate(BROKEN_WORDS) == [], f"{source.name}: words broken mid-word at {screen} width"
        assert page.evaluate(SPILLING_CARDS) == [], f"{source.name}: a card's row spills at {screen} width"
        if screen in ("phone", "small phone", "tablet"):
            # tables become stacked cards, each cell labelled
            assert cards and set(cards) == {"none"}
            labels = page.evaluate("""Array.from(document.querySelectorAll("table.cards td:not(.lead)"))
                                      .filter(td => td.textContent.trim())
                                      .map(td => getComputedStyle(td, "::before").content)""")
            assert labels and all(label not in ("none", '""', "normal") for label in labels)
        else:
            assert cards and "none" not in cards
        if "phone" in screen:  # the diagram's narrow drawing
            assert diagrams[0] in ("none", "absent") and diagrams[1] in ("block", "absent")
        else:
            assert diagrams[1] in ("none", "absent")


def test_overflow_check_sees_a_name_that_cannot_wrap(browser, tmp_path):
    """The check above is not blind: an unbreakable name in a table cell sticks out and is reported."""
    page = tmp_path / "wide.html"
    page.write_text("<!doctype html><meta name=viewport content='width=device-width'><main style='max-width:600px'>"
                    "<table style='width:100%'><tr><td>" + "erase_customer_" * 40 + "</td><td>x</td></tr></table>"
                    "</main>", encoding="utf-8")
    shown = browser.open(page, 390, 844, mobile=True)
    assert shown.evaluate(OVERFLOW), "an unbreakable 600-character name went unnoticed"
