#!/usr/bin/env python3
"""Render the DPO review (review.html) in headless Chromium at desktop and phone width and save PNGs.

    python scripts/screenshot_review.py [OUT_DIR]            # the bundled example -> OUT_DIR (default docs/)
    python scripts/screenshot_review.py /tmp/shots --corpus /path/to/unpacked/django-oscar-4.2.1/src/oscar

The bundled example is copied into a throwaway git repository, one privacy-relevant commit is made
on top (a ``newsletter_email`` field and the SendGrid SDK) and the review compares it with the commit
before (``--base HEAD~1``), so the screenshot shows the privacy diff; ``--as-is`` skips that.
For each reviewed tree it writes ``<name>-desktop.png`` (1280 px wide) and ``<name>-phone.png``
(390 px wide, the phone layout of the page's media queries); the bundled example is named
``review``, so the default run refreshes ``docs/review-desktop.png`` and ``docs/review-phone.png``.
``--pdf`` also prints the page to an A4 PDF the way a DPO's browser would.

Needs Chromium (Debian: ``apt-get install chromium``; ``--chromium`` or ``$CHROMIUM`` to point at
another binary).  The scanned code is read, never run; Chromium gets a local file with no network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"desktop": (1280, 2300), "phone": (390, 2400)}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-extensions", "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
         "--mute-audio", "--no-default-browser-check"]


def find_chromium(given: str | None) -> str:
    for cand in (given, os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if cand and Path(cand).exists():
            return cand
    sys.exit("screenshot_review: Chromium not found; install it (Debian: apt-get install chromium) or pass --chromium")


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


def shoot(chromium: str, html: Path, png: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-chromium-") as profile:
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               f"--screenshot={png}", html.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=180)
    if proc.returncode != 0 or not png.is_file():
        sys.exit(f"screenshot_review: chromium failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    print(f"wrote {png} ({png.stat().st_size // 1024} KB, {width}x{height})")


def print_pdf(chromium: str, html: Path, pdf: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-chromium-") as profile:
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
               html.resolve().as_uri()]
        subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=180)
    print(f"wrote {pdf}" if pdf.is_file() else "screenshot_review: printing to PDF failed")


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
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gdpr-lint-review-") as tmp:
        pages: list[tuple[str, Path]] = []
        if args.html:
            pages.append(("review", args.html))
        elif args.as_is:
            pages.append(("review", make_review(Path("examples/shop"), Path(tmp) / "shop", ROOT)))
        else:
            repo = example_repo(Path(tmp))
            pages.append(("review", make_review(Path("."), Path(tmp) / "shop", repo, base="HEAD~1")))
        for corpus in args.corpus:
            path = Path(corpus).resolve()
            pages.append((f"review-{path.name}", make_review(Path("."), Path(tmp) / path.name, path)))
        for name, html in pages:
            for kind, (w, h) in SIZES.items():
                shoot(chromium, html, out / f"{name}-{kind}.png", w, h)
            if args.pdf:
                print_pdf(chromium, html, out / f"{name}.pdf")


if __name__ == "__main__":
    main()
