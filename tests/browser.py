"""A real browser for tests: Debian's ``chromium``, headless, driven by Playwright.

Reusable for any page slawatch renders (the report's HTML today, a web board later):
``browser.open(path_or_url)`` loads a page and records what a person would notice going
wrong — console errors, uncaught exceptions, requests for anything but the page itself —
and ``browser.pdf(page)`` prints it as the browser's print dialog would. The session
fixture ``browser`` (tests/conftest.py) starts one browser for the whole run.

The browser is the distribution's (``/usr/bin/chromium``, or ``SLAWATCH_CHROMIUM``), not one
Playwright downloads: ``.ci/run`` installs it with apt when it is missing. Running as root
needs ``--no-sandbox``; every run gets a fresh profile directory and no background traffic.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("SLAWATCH_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@dataclass
class Loaded:
    """A page and what went wrong while it loaded."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [*self.console_errors, *self.page_errors]


class Browser:
    def __init__(self, context: Any) -> None:
        self.context = context

    def open(self, target: str | Path, *, width: int = 1200, height: int = 900) -> Loaded:
        """Load a file path or URL and wait until the network is idle."""
        page = self.context.new_page()
        page.set_viewport_size({"width": width, "height": height})
        loaded = Loaded(page)
        page.on("console", lambda m: m.type == "error" and loaded.console_errors.append(m.text))
        page.on("pageerror", lambda e: loaded.page_errors.append(str(e)))
        page.on("request", lambda r: loaded.requests.append(r.url))
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        page.goto(url, wait_until="networkidle")
        return loaded

    def pdf(self, loaded: Loaded, **kw: Any) -> bytes:
        """The page printed (print media, A4 unless ``format`` says otherwise)."""
        return loaded.page.pdf(format=kw.pop("format", "A4"), print_background=True, **kw)


@contextmanager
def launch() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"no browser at {CHROMIUM}: `apt-get install -y chromium` (.ci/run does), or set "
            "SLAWATCH_CHROMIUM"
        )
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="slawatch-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=ARGS
            )
            try:
                yield Browser(context)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
