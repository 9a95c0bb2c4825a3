"""The export engine: kaleido 1.x driving Debian's headless Chromium, one persistent server per
process.

- One kaleido sync server per process (kaleido keeps it as a process-wide singleton): mathjax
  off and plotly.js from our build in assets/vendor, so nothing comes from a CDN; map outlines
  come from assets/topojson as file:// URLs. A batch (the figures of a PDF report) is one call
  that kaleido spreads over TABS browser tabs.
- A process-wide lock around every call: the sync server is not thread-safe (its callers share
  one result queue, so concurrent callers can receive each other's images).
- Every call has a deadline. It runs in a helper thread that holds the lock until kaleido
  returns, so a call that outlives its caller's deadline cannot hand its image to the next one;
  callers behind it get a 504 when their own deadline passes.
- The browser starts on the first call (lazily, or from `warm_up_in_background` at start-up):
  a missing browser is reported at once, one that does not answer a first tiny figure within
  the start timeout is reported as broken (and recovers if that figure arrives later).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import kaleido

from errors import StatusError

TABS = 2
START_TIMEOUT = 30.0
# kaleido's own limit per figure: a render stuck in the browser is abandoned after this, and the
# server (and the lock) become free again.
RENDER_TIMEOUT = 60.0
ASSETS = Path(__file__).resolve().parent.parent / "assets"
# Our plotly.js build (every trace type the panels and exports draw; a third of the full bundle):
# kaleido reloads it in its tab before each answer, so its size is paid on every export.
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


class KaleidoEngine:
    def __init__(self) -> None:
        self._call_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._started = False
        self._broken: str | None = None

    def image(self, image: Image, timeout: float) -> bytes:
        """One figure's bytes; ExportEngineError when the engine is missing, broken or late."""
        started = time.monotonic()
        self._ensure_started(started + START_TIMEOUT)
        return self._call(
            lambda: kaleido.calc_fig_sync(image.figure, opts=image.opts, topojson=_topojson()),
            started + timeout,
            f"The image export did not finish within {timeout:g} s",
        )

    def images(self, images: list[Image], timeout: float) -> list[bytes]:
        """Several figures in one call (drawn side by side in kaleido's tabs), in order."""
        started = time.monotonic()
        self._ensure_started(started + START_TIMEOUT)
        with tempfile.TemporaryDirectory(prefix="teamdash-export-") as folder:
            paths = [Path(folder) / f"{n}.{image.format}" for n, image in enumerate(images)]
            specs = [
                {"fig": image.figure, "path": path, "opts": image.opts, "topojson": _topojson()}
                for image, path in zip(images, paths, strict=True)
            ]
            self._call(
                lambda: kaleido.write_fig_from_object_sync(specs, cancel_on_error=True),
                started + timeout,
                f"The {len(images)} figures of this export did not finish within {timeout:g} s",
            )
            return [path.read_bytes() for path in paths]

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
            if self._started:
                return
            browser = find_browser()
            kaleido.start_sync_server(
                n=TABS,
                timeout=RENDER_TIMEOUT,
                plotlyjs=PLOTLY_JS,
                mathjax=False,
                path=browser,
                silence_warnings=True,
            )
            self._started = True
            try:
                self._call(
                    lambda: kaleido.calc_fig_sync(_WARM_UP_FIGURE, opts={"format": "svg"}),
                    deadline,
                    f"The export engine's browser ({browser}) did not start within "
                    f"{START_TIMEOUT:g} s",
                    warm_up=True,
                )
            except ExportEngineError as exc:
                self._broken = (
                    f"{exc.message}. Check that `{browser} --headless --no-sandbox "
                    "--dump-dom about:blank` works on this machine, then restart the app."
                )
                raise ExportEngineError(self._broken) from None
            log.info("export engine: kaleido started with %s", browser)
        finally:
            self._start_lock.release()

    def _call(
        self, work: Callable[[], object], deadline: float, late: str, warm_up: bool = False
    ) -> object:
        """`work` in a helper thread that holds the lock until kaleido returns; the caller waits
        until `deadline` at most."""
        if not self._call_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise ExportEngineError(
                f"{late}: it waited for other exports the whole time. Try again in a moment; if "
                "it keeps happening, an export may be stuck: restart the app and check its log.",
                504,
            )
        outcome: dict[str, object] = {}
        done = threading.Event()

        def run() -> None:
            try:
                outcome["value"] = work()
                if warm_up:
                    self._broken = None  # a slow start that finished after all
            except BaseException as exc:  # kaleido re-raises whatever the browser side raised
                outcome["error"] = exc
            finally:
                self._call_lock.release()
                done.set()

        threading.Thread(target=run, name="kaleido-call", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise ExportEngineError(
                f"{late}. Try again; if it keeps happening, restart the app and check its log.",
                504,
            )
        error = outcome.get("error")
        if isinstance(error, TimeoutError):
            raise ExportEngineError(f"{late}: the browser took too long to draw it.", 504)
        if error is not None:
            raise ExportEngineError(f"The export engine failed: {error}", 503) from error
        return outcome["value"]


def _topojson() -> str:
    # plotly.js appends world_110m.json (or _50m) to this; Chromium reads it from disk.
    return TOPOJSON_DIR.as_uri() + "/"


ENGINE = KaleidoEngine()
