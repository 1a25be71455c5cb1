"""Pinned real-world Python projects used to benchmark gdpr-lint.

Each corpus is fetched with ``pip download`` into a cache folder outside the
repository (``~/.cache/gdpr-lint/corpora`` unless ``GDPR_LINT_CORPORA`` is
set), checked against a pinned SHA-256 and unpacked.  Nothing is ever
imported or run: wheels are unpacked with :mod:`zipfile`, sdists with
:mod:`tarfile` using the ``"data"`` extraction filter.

Why wheels rather than sdists: ``pip download`` of an sdist always runs the
project's build backend (``setup.py``) to prepare metadata, i.e. it executes
the project's code.  Wheels come with static metadata, so nothing runs.  For
these pins the package directory in the wheel holds exactly the same ``.py``
files as the one in the sdist (checked for django-oscar and Django).  The
sdist path is still supported: give a spec ``--no-binary :all:`` arguments,
the matching hash, and the package is then looked up under ``*/src/PKG`` or
``*/PKG``.

Usage as a script: ``python benchmarks/corpora.py [NAME ...]`` downloads the
named corpora (default: all) and prints name, path, ``.py`` files and lines.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Corpus:
    """A pinned distribution and the package directory inside it to scan."""

    requirement: str  # e.g. "django-oscar==4.2.1"
    package: str  # top-level package directory to scan, e.g. "oscar"
    sha256: str  # of the downloaded file
    pip_args: tuple[str, ...] = ("--only-binary", ":all:")


CORPORA: dict[str, Corpus] = {
    "oscar": Corpus(
        "django-oscar==4.2.1",
        "oscar",
        "adbb95ea0130859c204cc6fb221052d6d437ecbaa90800e8418a809f72645e9c",
    ),
    "mailman": Corpus(
        "mailman==3.3.10",
        "mailman",
        "0f63ed38efa938357074e993d6a9b2d81bedaab92f5b3ecdd519890259893f37",
    ),
    "wagtail": Corpus(
        "wagtail==8.0.1",
        "wagtail",
        "1e6ad5c7891a54efce1400e168298b5a2cc343b642cee89c31bf5ec30c98b26c",
    ),
    # Django 6.1 declares Requires-Python >=3.12, hence --python-version.
    "django": Corpus(
        "Django==6.1.3",
        "django",
        "a0530e3fdac55d34ccc5893c36f6c57d7a7083064f3d414537e51473648b3290",
        ("--only-binary", ":all:", "--python-version", "3.12"),
    ),
    # an event-driven networking engine (servers, clients, mail, logging): for the million-line scale row
    "twisted": Corpus(
        "twisted==26.4.0",
        "twisted",
        "dc25ea0ebf6511c24f03232ee9f4afa54b291c5d897990e3a39cc4d14a1ef4c0",
    ),
    # indico publishes no sdist; its wheel requires Python 3.12.x.
    "indico": Corpus(
        "indico==3.3.14",
        "indico",
        "d98e030e0f21d22b9d9423d7cb3f9fca472ac5c2c4f3d8c5d7026ed3ed6c9811",
        ("--only-binary", ":all:", "--python-version", "3.12.8"),
    ),
}

_DONE = ".complete"


def cache_dir() -> Path:
    """Root of the corpora cache (``$GDPR_LINT_CORPORA`` or the default)."""
    env = os.environ.get("GDPR_LINT_CORPORA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "gdpr-lint" / "corpora"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _unpack(archive: Path, dest: Path) -> None:
    """Unpack a wheel/zip or a tar sdist into ``dest`` without running anything."""
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)  # zipfile strips absolute paths and ".."
        return
    with tarfile.open(archive) as tf:
        if hasattr(tarfile, "data_filter"):
            tf.extractall(dest, filter="data")
        else:  # Python without extraction filters (< 3.10.12 / 3.11.4)
            for m in tf.getmembers():
                parts = Path(m.name).parts
                if m.name.startswith("/") or ".." in parts or not (m.isfile() or m.isdir()):
                    raise RuntimeError(f"unsafe member {m.name!r} in {archive}")
            tf.extractall(dest)


def _package_dir(root: Path, package: str) -> Path | None:
    for pattern in (package, f"*/src/{package}", f"*/{package}"):
        hits = sorted(p for p in root.glob(pattern) if p.is_dir())
        if hits:
            return hits[0]
    return None


def ensure_corpus(name: str) -> Path:
    """Download and unpack corpus ``name`` if needed; return the directory to scan."""
    spec = CORPORA[name]
    base = cache_dir() / name
    tree = base / "tree"
    if (base / _DONE).is_file():
        found = _package_dir(tree, spec.package)
        if found:
            return found
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               *spec.pip_args, "--dest", tmp, spec.requirement]
        subprocess.run(cmd, check=True)
        files = list(Path(tmp).iterdir())
        if len(files) != 1:
            raise RuntimeError(f"{name}: expected one downloaded file, got {files}")
        got = _sha256(files[0])
        if got != spec.sha256:
            raise RuntimeError(f"{name}: sha256 mismatch for {files[0].name}: {got}")
        archive = base / files[0].name
        files[0].replace(archive)
    _unpack(archive, tree)
    found = _package_dir(tree, spec.package)
    if found is None:
        raise RuntimeError(f"{name}: package dir {spec.package!r} not found in {archive.name}")
    (base / _DONE).write_text(f"{spec.requirement}\n{spec.sha256}\n")
    return found


def count_python(path: Path) -> tuple[int, int]:
    """Return (number of .py files, total lines) under ``path``."""
    files = lines = 0
    for py in path.rglob("*.py"):
        files += 1
        with py.open("rb") as f:
            lines += sum(1 for _ in f)
    return files, lines


def main(argv: list[str]) -> int:
    names = argv or list(CORPORA)
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        print(f"unknown corpora: {', '.join(unknown)}; known: {', '.join(CORPORA)}", file=sys.stderr)
        return 2
    failed = 0
    print(f"{'corpus':<10} {'files':>6} {'lines':>8}  path")
    for name in names:
        try:
            path = ensure_corpus(name)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
            print(f"{name:<10} FAILED: {exc}", file=sys.stderr)
            failed += 1
            continue
        files, lines = count_python(path)
        print(f"{name:<10} {files:>6} {lines:>8}  {path}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
