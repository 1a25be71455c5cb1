"""``review.html``: one self-contained page for the DPO (no scripts, no fonts, no network requests).

Rendered with jinja2 (autoescape on) from the review dict alone, so it can be re-rendered from a
``review.json``.  The data-flow diagram is laid out here and drawn as inline SVG by the template.
CSS media queries keep the page readable on an A4 print-out and at phone width.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import markupsafe

from gdpr_lint.review.model import UNREAD_WHY

TEMPLATES = Path(__file__).resolve().parent / "templates"

# diagram geometry (SVG user units): a wide layout (desktop, print) and a narrow one (phones)
LAYOUTS = {
    "wide": {"width": 640, "node_w": 232, "node_h": 36, "gap": 10, "chars": 25, "sub": True, "font": 13,
             "head": 11.5},
    "narrow": {"width": 360, "node_w": 148, "node_h": 36, "gap": 8, "chars": 15, "sub": False, "font": 13,
               "head": 12.5},
}
TOP = 28
KIND_ORDER = {"storage": 0, "log": 1, "processor": 2}
STATUS_COLOUR = {"finding": "#b42318", "suppressed": "#b54708", "ok": "#475467"}


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def _plain(label: str) -> str:
    """A category label without its parenthetical explanation (for the diagram)."""
    return label.split(" (")[0] if " (" in label and not label.startswith("(") else label


def _wrap(text: str, limit: int, lines: int = 2) -> list[str]:
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= limit:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = _short(out[-1] + " \u2026", limit)
    return [_short(line, limit) for line in out]


def diagram(review: dict, layout: str = "wide") -> dict | None:
    """Node and edge geometry for the category -> sink/processor diagram, or ``None`` with no flows."""
    flows = review.get("flows") or []
    if not flows:
        return None
    g = LAYOUTS[layout]
    width, node_w, node_h = g["width"], g["node_w"], g["node_h"]
    procs = {p["vendor"]: p for p in review.get("processors", [])}
    cats = sorted({e["category"] for e in flows})
    targets: dict[str, dict] = {}
    for e in flows:
        t = targets.setdefault(e["target"], {"name": e["target"], "kind": e["kind"], "status": "ok"})
        if e["status"] == "finding" or (e["status"] == "suppressed" and t["status"] == "ok"):
            t["status"] = e["status"]
    ordered = sorted(targets.values(), key=lambda t: (KIND_ORDER.get(t["kind"], 9), t["name"]))
    rows = max(len(cats), len(ordered))
    step = node_h + g["gap"]
    height = TOP + rows * step + 4

    def column(n: int) -> float:
        return TOP + (rows - n) * step / 2

    def lines(title: str, sub: str) -> list[dict]:
        if g["sub"]:
            return [{"text": _short(title, g["chars"]), "dy": 15, "main": True},
                    {"text": _short(sub, g["chars"] + 6), "dy": 29, "main": False}]
        wrapped = _wrap(title, g["chars"])
        if len(wrapped) == 1:
            return [{"text": wrapped[0], "dy": 21, "main": True}]
        return [{"text": wrapped[0], "dy": 15, "main": True}, {"text": wrapped[1], "dy": 29, "main": True}]

    labels = review.get("categories", {})
    left = []
    for i, c in enumerate(cats):
        info = labels.get(c, {})
        title = _plain(info.get("label", c)) + (" (Art. 9)" if info.get("special") else "")
        left.append({"key": c, "title": info.get("label", c), "lines": lines(title, "" if c == "-" else c),
                     "special": info.get("special", False), "x": 4, "y": column(len(cats)) + i * step})
    right = []
    kind_word = {"storage": "storage", "log": "log / telemetry", "processor": "processor"}
    for i, t in enumerate(ordered):
        sub = kind_word.get(t["kind"], t["kind"])
        p = procs.get(t["name"])
        if p is not None:
            sub = f"processor, {p['status']}" + (f", {p['country']}" if p.get("country") else "")
        right.append({**t, "title": f"{t['name']}: {sub}", "lines": lines(t["name"], sub), "x": width - 4 - node_w,
                      "y": column(len(ordered)) + i * step})
    ly = {n["key"]: n["y"] + node_h / 2 for n in left}
    ry = {n["name"]: n["y"] + node_h / 2 for n in right}
    x1, x2 = 4 + node_w, width - 4 - node_w
    mid = (x1 + x2) / 2
    edges = []
    for e in sorted(flows, key=lambda e: {"ok": 0, "suppressed": 1, "finding": 2}[e["status"]]):
        y1, y2 = ly[e["category"]], ry[e["target"]]
        edges.append({**e, "d": f"M{x1},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2},{y2:.1f}",
                      "colour": STATUS_COLOUR[e["status"]], "width": 1.4 + min(e["count"], 4) * 0.5})
    return {"layout": layout, "width": width, "height": height, "node_w": node_w, "node_h": node_h, "left": left,
            "right": right, "edges": edges, "colours": STATUS_COLOUR, "font": g["font"], "head": g["head"]}


def _ticks(text) -> markupsafe.Markup:
    """Escape ``text``, then show its `backtick` spans as code (the escaping comes first, so it is safe)."""
    escaped = str(markupsafe.escape(text or ""))
    return markupsafe.Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def _dotted(name) -> markupsafe.Markup:
    """Escape a code name or a path and let it wrap after its dots, underscores and slashes (``<wbr>``),
    not mid-word."""
    escaped = str(markupsafe.escape(name or ""))
    return markupsafe.Markup(re.sub(r"([._/])", r"\1<wbr>", escaped))


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["short"] = lambda d: str(d or "").split(":")[-1][:12]
    env.filters["yesno"] = lambda v: "yes" if v else "no"
    env.filters["ticks"] = _ticks
    env.filters["dotted"] = _dotted
    return env


def render_html(review: dict) -> str:
    """The HTML page for a review dict (see :func:`gdpr_lint.review.model.build_review`)."""
    by_sev: dict[str, list[dict]] = {"error": [], "warning": [], "info": []}
    for f in review.get("findings", []):
        by_sev.setdefault(f["severity"], []).append(f)
    new = {f["fingerprint"] for f in (review.get("diff") or {}).get("new_findings", [])}
    return _env().get_template("review.html.j2").render(
        r=review, scope=review["scope"], v=review["verdict"], diff=review.get("diff"), by_sev=by_sev,
        new_fps=new, dia=diagram(review), dia_narrow=diagram(review, "narrow"), cats=review.get("categories", {}),
        unread_why=UNREAD_WHY)
