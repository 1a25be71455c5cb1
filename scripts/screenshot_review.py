#!/usr/bin/env python3
"""Render the DPO review (review.html) in headless Chromium at desktop and phone width and save PNGs.

    python scripts/screenshot_review.py [OUT_DIR]            # the bundled example -> OUT_DIR (default docs/)
    python scripts/screenshot_review.py /tmp/shots --corpus /path/to/unpacked/django-oscar-4.2.1/src/oscar

The bundled example is copied into a throwaway git repository, one privacy-relevant commit is made
on top (a ``newsletter_email`` field and the SendGrid SDK) and the review compares it with the commit
before (``--base HEAD~1``), so the screenshot shows the privacy diff; ``--as-is`` skips that.
For each reviewed tree it writes ``<name>-desktop.png`` (1280 px wide) and ``<name>-phone.png``
(a 390 px wide phone, emulated over the DevTools protocol: headless Chromium's windows are never
narrower than 500 px); the bundled example is named ``review``, so the default run refreshes
``docs/review-desktop.png`` and ``docs/review-phone.png``.  For the bundled example it also renders
the Markdown record of processing (``gdpr-lint inventory``) as GitHub shows Markdown, into
``docs/record.png``.  ``--pdf`` also prints each page to an A4 PDF the way a DPO's browser would.

Needs Chromium (Debian: ``apt-get install chromium``; ``--chromium`` or ``$CHROMIUM`` to point at
another binary) and, for the record, ``markdown-it-py``.  The scanned code is read, never run;
Chromium gets a local file with no network.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium_pipe import Browser, find_chromium

ROOT = Path(__file__).resolve().parents[1]
# (width, viewport height, mobile, how much of the page to keep)
SIZES = {"desktop": (1280, 900, False, 2300), "phone": (390, 844, True, 2400)}
# GitHub's Markdown look, near enough for a picture of the record
RECORD_CSS = """body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif;
color: #1f2328; margin: 24px 32px; } h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
table { border-collapse: collapse; margin: 0 0 16px; font-size: 13px; } th, td { border: 1px solid #d1d9e0;
padding: 5px 10px; vertical-align: top; } th { background: #f6f8fa; } tr:nth-child(2n) td { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 4px; padding: .1em .3em; font-size: 85%; }"""


# the "pull request" shown in the example's screenshot: a second e-mail address and a new e-mail processor
DEMO_CHANGE = {
    "shop/models.py": ("    phone = models.CharField(max_length=32, blank=True)\n",
                       "    phone = models.CharField(max_length=32, blank=True)\n"
                       "    newsletter_email = models.EmailField(blank=True)\n"),
    "shop/api.py": ("import requests\n", "import requests\nimport sendgrid\n"),
}


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_SYSTEM": os.devnull,
           "GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def example_repo(tmp: Path) -> Path:
    """A throwaway git repository of examples/shop with one privacy-relevant commit on top."""
    repo = tmp / "kettle-and-crumb"
    shutil.copytree(ROOT / "examples" / "shop", repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "shop as released")
    for rel, (old, new) in DEMO_CHANGE.items():
        path = repo / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    _git(repo, "commit", "-q", "-am", "newsletter sign-up")
    return repo


def make_review(target: Path, out: Path, cwd: Path, base: str | None = None) -> Path:
    """Run ``gdpr-lint review`` on ``target`` (from ``cwd``) into ``out``; return review.html."""
    cmd = [sys.executable, "-m", "gdpr_lint", "review", str(target), "--out", str(out), "--no-cache"]
    if base:
        cmd += ["--base", base]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"screenshot_review: gdpr-lint review failed:\n{proc.stderr}")
    print(proc.stderr.strip())
    return out / "review.html"


def record_page(target: Path, cwd: Path, out: Path) -> Path | None:
    """``gdpr-lint inventory`` of ``target`` (its Markdown record) rendered to an HTML page in ``out``;
    ``None`` (said on stderr) without markdown-it-py."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        print("screenshot_review: no picture of the record: it needs markdown-it-py "
              "(pip install markdown-it-py)", file=sys.stderr)
        return None
    proc = subprocess.run([sys.executable, "-m", "gdpr_lint", "inventory", str(target), "--no-cache"],
                          cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"screenshot_review: gdpr-lint inventory failed:\n{proc.stderr}")
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(proc.stdout)
    page = out / "record.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><title>Record of processing</title>"
                    f"<style>{RECORD_CSS}</style>{body}", encoding="utf-8")
    return page


def shoot(browser: Browser, html: Path, png: Path, width: int, height: int, mobile: bool, keep: int) -> None:
    """A PNG of the top ``keep`` pixels of ``html`` shown on a ``width`` px wide screen."""
    page = browser.open(html, width, height, mobile=mobile)
    keep = min(keep, page.evaluate("document.documentElement.scrollHeight"))
    wide = max(width, page.evaluate("document.documentElement.scrollWidth"))  # a wide Markdown table
    data = page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                     clip={"x": 0, "y": 0, "width": wide, "height": keep, "scale": 1})["data"]
    png.write_bytes(base64.b64decode(data))
    print(f"wrote {png} ({png.stat().st_size // 1024} KB, {wide}x{keep})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", default=str(ROOT / "docs"), help="folder for the PNGs (default: docs/)")
    ap.add_argument("--corpus", action="append", default=[], metavar="DIR",
                    help="also review and shoot this tree (e.g. an unpacked release of a real project)")
    ap.add_argument("--html", type=Path, help="shoot this review.html instead of generating the example's")
    ap.add_argument("--chromium", help="Chromium binary (default: /usr/bin/chromium)")
    ap.add_argument("--as-is", action="store_true",
                    help="review examples/shop as it is (default: a throwaway git copy with one change on top, "
                         "reviewed against the commit before it, so the privacy diff shows)")
    ap.add_argument("--pdf", action="store_true", help="also print each page to an A4 PDF")
    args = ap.parse_args()
    chromium = find_chromium(args.chromium)
    if chromium is None:
        chosen = args.chromium or os.environ.get("CHROMIUM")
        sys.exit(f"screenshot_review: no Chromium at {chosen}" if chosen else
                 "screenshot_review: Chromium not found; install it (Debian: apt-get install chromium) "
                 "or pass --chromium")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-review-") as tmp:
        pages: list[tuple[str, Path]] = []
        record = None
        if args.html:
            pages.append(("review", args.html))
        elif args.as_is:
            pages.append(("review", make_review(Path("examples/shop"), Path(tmp) / "shop", ROOT)))
            record = record_page(Path("examples/shop"), ROOT, Path(tmp))
        else:
            repo = example_repo(Path(tmp))
            pages.append(("review", make_review(Path("."), Path(tmp) / "shop", repo, base="HEAD~1")))
            record = record_page(Path("."), repo, Path(tmp))
        for corpus in args.corpus:
            path = Path(corpus).resolve()
            pages.append((f"review-{path.name}", make_review(Path("."), Path(tmp) / path.name, path)))
        with Browser(chromium) as browser:
            for name, html in pages:
                for kind, (w, h, mobile, keep) in SIZES.items():
                    shoot(browser, html, out / f"{name}-{kind}.png", w, h, mobile, keep)
                if args.pdf:
                    (out / f"{name}.pdf").write_bytes(browser.open(html, 1280, 900).pdf())
                    print(f"wrote {out / f'{name}.pdf'}")
            if record is not None:
                shoot(browser, record, out / "record.png", 1600, 900, False, 1400)


if __name__ == "__main__":
    main()
