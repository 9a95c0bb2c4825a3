"""The export engine: kaleido 1.x driving Debian's headless Chromium, one browser per process
with TABS tabs.

- kaleido's async API on an event loop of the engine's own (a daemon thread): mathjax off and
  plotly.js from our build in assets/vendor, so nothing comes from a CDN; map outlines come from
  assets/topojson as file:// URLs. Every call is a coroutine that takes a free tab from
  kaleido's queue and hands back its own figure, so exports from several threads draw side by
  side in the tabs (kaleido's sync server runs one call at a time, behind a process-wide lock).
- Tabs keep their page between figures: kaleido reloads the page, and with it plotly.js, after
  every figure; a figure leaves nothing behind in the page (plotly draws a PNG or SVG off-page,
  and a PDF's page is rewritten by the next one), so the page is reloaded only every
  RELOAD_EVERY figures, to bound what a long-lived page gathers.
- Every call has a deadline: a caller whose deadline passes gets a 504 and its coroutine is
  cancelled (kaleido gives its tab back); kaleido's own RENDER_TIMEOUT frees a tab stuck in the
  browser.
- The browser starts on the first call (lazily, or from `warm_up_in_background` at start-up):
  a missing browser is reported at once, one that does not answer a first tiny figure within
  the start timeout is reported as broken (and recovers if that figure arrives later).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import shutil
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import kaleido

from errors import StatusError

TABS = 2
START_TIMEOUT = 30.0
# kaleido's own limit per figure: a render stuck in the browser is abandoned after this, and its
# tab becomes free again.
RENDER_TIMEOUT = 60.0
RELOAD_EVERY = 100  # figures between reloads of a tab's page
ASSETS = Path(__file__).resolve().parent.parent / "assets"
# Our plotly.js build (every trace type the panels and exports draw; a third of the full bundle):
# parsed when a tab loads its page.
PLOTLY_JS = next((ASSETS / "vendor").glob("plotly-*-teamdash.min.js"))
TOPOJSON_DIR = ASSETS / "topojson"
_WARM_UP_FIGURE = {"data": [{"type": "scatter", "y": [1, 2]}], "layout": {}}

log = logging.getLogger(__name__)


class ExportEngineError(StatusError):
    """The engine could not make an image: `status` is 503 (unavailable) or 504 (too slow)."""

    default_status = 503


@dataclass(frozen=True)
class Image:
    """One figure to draw: format png, svg or pdf; width and height in CSS pixels."""

    figure: dict
    format: str
    width: int
    height: int
    scale: float = 1.0

    @property
    def opts(self) -> dict:
        return {
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "scale": self.scale,
        }


def find_browser() -> str:
    """The Chromium kaleido will drive: BROWSER_PATH, else the first on PATH."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if not os.access(configured, os.X_OK):
            raise ExportEngineError(
                f"Exports need a Chromium browser: BROWSER_PATH={configured!r} is not an "
                "executable. Point BROWSER_PATH at one, or unset it and install Debian's "
                "(apt-get install chromium)."
            )
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ExportEngineError(
        "Exports need a Chromium browser and none was found: install Debian's "
        "(apt-get install chromium) or set BROWSER_PATH to one, then restart the app."
    )


class _KeptTabs(kaleido.Kaleido):
    """kaleido's browser, its tabs kept loaded between figures (see the module's docstring)."""

    async def _return_kaleido_tab(self, tab) -> None:
        count = self._figures = getattr(self, "_figures", 0) + 1
        if count % RELOAD_EVERY == 0:
            await tab.reload()
        else:
            tab.js_logger.reset()
        await self.tabs_ready.put(tab)


class KaleidoEngine:
    def __init__(self) -> None:
        self._start_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._browser: _KeptTabs | None = None
        self._broken: str | None = None

    def image(self, image: Image, timeout: float) -> bytes:
        """One figure's bytes; ExportEngineError when the engine is missing, broken or late."""
        started = time.monotonic()
        self._ensure_started(started + START_TIMEOUT)
        return self._call(
            lambda: self._draw(image),
            started + timeout,
            f"The image export did not finish within {timeout:g} s",
        )

    def images(self, images: list[Image], timeout: float) -> list[bytes]:
        """Several figures, drawn side by side in the tabs, in order."""
        started = time.monotonic()
        self._ensure_started(started + START_TIMEOUT)

        async def draw_all() -> list[bytes]:
            return list(await asyncio.gather(*(self._draw(image) for image in images)))

        return self._call(
            draw_all,
            started + timeout,
            f"The {len(images)} figures of this export did not finish within {timeout:g} s",
        )

    async def _draw(self, image: Image) -> bytes:
        return await self._browser.calc_fig(image.figure, opts=image.opts, topojson=_topojson())

    def warm_up_in_background(self) -> None:
        """Start the browser now, off the caller's thread; a failure is logged and kept for the
        first export to report."""

        def warm_up() -> None:
            try:
                self._ensure_started(time.monotonic() + START_TIMEOUT)
            except ExportEngineError as exc:
                log.error("export engine: %s", exc.message)

        threading.Thread(target=warm_up, name="kaleido-warm-up", daemon=True).start()

    def _ensure_started(self, deadline: float) -> None:
        if not self._start_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise ExportEngineError(
                f"The export engine is still starting its browser (for more than "
                f"{START_TIMEOUT:g} s). Try again in a minute.",
                504,
            )
        try:
            if self._broken is not None:
                raise ExportEngineError(self._broken)
            if self._browser is not None:
                return
            browser = find_browser()
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="kaleido", daemon=True).start()

            async def open_browser() -> _KeptTabs:
                opened = _KeptTabs(n=TABS, timeout=RENDER_TIMEOUT, plotlyjs=PLOTLY_JS,
                                   mathjax=False, path=browser)  # fmt: skip
                await opened.open()
                return opened

            late = (
                f"The export engine's browser ({browser}) did not start within {START_TIMEOUT:g} s"
            )
            try:
                self._browser = self._call(open_browser, deadline, late)
                warm_up = Image(_WARM_UP_FIGURE, "svg", 100, 100)
                self._call(lambda: self._draw(warm_up), deadline, late)
            except ExportEngineError as exc:
                self._broken = (
                    f"{exc.message}. Check that `{browser} --headless --no-sandbox "
                    "--dump-dom about:blank` works on this machine, then restart the app."
                )
                raise ExportEngineError(self._broken) from None
            log.info("export engine: kaleido started with %s", browser)
        finally:
            self._start_lock.release()

    def _call(self, work: Callable[[], Awaitable], deadline: float, late: str):
        """`work()` on the engine's loop; the caller waits until `deadline` at most."""
        future = asyncio.run_coroutine_threadsafe(work(), self._loop)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise ExportEngineError(
                f"{late}. Try again; if it keeps happening, restart the app and check its log.",
                504,
            ) from None
        except TimeoutError:  # kaleido's own limit per figure
            raise ExportEngineError(f"{late}: the browser took too long to draw it.", 504) from None
        except Exception as exc:  # kaleido re-raises whatever the browser side raised
            raise ExportEngineError(f"The export engine failed: {exc}", 503) from exc


def _topojson() -> str:
    # plotly.js appends world_110m.json (or _50m) to this; Chromium reads it from disk.
    return TOPOJSON_DIR.as_uri() + "/"


ENGINE = KaleidoEngine()
