"""Drive headless Chromium over the DevTools protocol on a pipe, with nothing but the standard library.

Chromium's ``--window-size`` cannot go below 500 px wide in headless mode, so a phone layout can
only be seen through device emulation (``Emulation.setDeviceMetricsOverride``), which needs the
DevTools protocol.  ``--remote-debugging-pipe`` speaks it on file descriptors 3 (to Chromium) and 4
(from Chromium), one JSON message per NUL-terminated frame: no port, no network, no client library.

    with Browser(find_chromium()) as browser:
        page = browser.open(Path("review.html"), width=390, height=844, mobile=True)
        page.evaluate("document.documentElement.scrollWidth")
        Path("phone.png").write_bytes(page.screenshot())

Used by ``scripts/screenshot_review.py`` and ``tests/test_review_layout.py``.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-extensions", "--disable-sync", "--hide-scrollbars", "--mute-audio",
         "--no-default-browser-check", "--remote-debugging-pipe"]


def find_chromium(given: str | None = None) -> str | None:
    """The Chromium binary: ``given`` or else ``$CHROMIUM`` when one is set (``None`` if it does not
    exist: a binary the user chose is never swapped for another), else the usual names on PATH;
    ``None`` when there is none."""
    chosen = given or os.environ.get("CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else None
    for cand in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"),
                 shutil.which("google-chrome")):
        if cand and Path(cand).exists():
            return cand
    return None


class ProtocolError(RuntimeError):
    """Chromium answered a command with an error, closed the pipe, or did not answer in time."""


class Page:
    """One tab, attached in flat mode: commands carry its session id."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, **params: Any) -> dict:
        return self.browser.send(method, params, session=self.session)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (returned by value, so JSON-able)."""
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in reply:
            raise ProtocolError(f"script failed: {reply['exceptionDetails'].get('text')}: {expression[:80]}")
        return reply.get("result", {}).get("value")

    def screenshot(self, full_page: bool = True) -> bytes:
        """A PNG of the page; the whole scroll height when ``full_page``."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            width, height = self.evaluate("[document.documentElement.clientWidth,"
                                          " document.documentElement.scrollHeight]")
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": width, "height": height,
                                                             "scale": 1})
        return base64.b64decode(self.send("Page.captureScreenshot", **params)["data"])

    def pdf(self) -> bytes:
        """The page printed to A4 the way a browser's print dialog would, without header and footer."""
        reply = self.send("Page.printToPDF", paperWidth=8.27, paperHeight=11.69, printBackground=True,
                          displayHeaderFooter=False)
        return base64.b64decode(reply["data"])


class Browser:
    """A headless Chromium with a throwaway profile, driven over ``--remote-debugging-pipe``."""

    def __init__(self, binary: str, timeout: float = 60.0) -> None:
        self.binary = binary
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict] = []

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="gdpr-lint-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        # Chromium reads commands on fd 3 and writes replies on fd 4
        def child_fds() -> None:  # runs in the child before exec; fds 3 and 4 are kept by pass_fds
            read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)  # above 4, so 3 and 4 are free
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
        self._proc = subprocess.Popen(
            [self.binary, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4, to_chrome_r, from_chrome_w), preexec_fn=child_fds)  # noqa: PLW1509 (no threads here)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.send("Browser.close", {})
        except (ProtocolError, OSError):
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass
        self._profile.cleanup()

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProtocolError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise ProtocolError("Chromium closed the pipe")
            self._buffer += chunk
        frame, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(frame)

    def send(self, method: str, params: dict, session: str | None = None) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise ProtocolError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str, session: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, seen in enumerate(self._events):
                if seen.get("method") == event and seen.get("sessionId") == session:
                    return self._events.pop(i)
            reply = self._read_message(deadline)
            if "method" in reply:
                self._events.append(reply)

    def open(self, html: Path, width: int, height: int, mobile: bool = False, scale: float = 1) -> Page:
        """A new tab showing the local file ``html`` as a device ``width`` x ``height`` CSS pixels wide."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        page.send("Page.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=scale,
                  mobile=mobile)
        page.send("Page.navigate", url=html.resolve().as_uri())
        self.wait_for("Page.loadEventFired", session)
        return page
