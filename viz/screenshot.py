"""PNG screenshots of written views, taken in headless Chromium with the network blocked (selenium).

    kg viz screenshot -o docs/corridor-map.png                  the corridor map at 1200x750
    kg viz screenshot actors -o actors.png --size 1600x1000

The views are written from the store into a temporary folder first, so the picture is of what `kg viz`
writes. Needs selenium (the test extra), Chromium and chromedriver.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from kzlinks.dataset.export import atomic_write
from kzlinks.errors import KGError


class ScreenshotError(KGError):
    """No browser to take the screenshot with, or the view never finished drawing."""


def browser(
    width: int,
    height: int,
    *,
    profile: Path | None = None,
    exact: bool = True,
    hide_scrollbars: bool = True,
    logs: bool = False,
):
    """Headless Chromium with every network request blocked: the one launcher of the screenshot command,
    the views benchmark and the browser tests. `exact` makes the page exactly `width`×`height` CSS pixels
    (else the window is that size); `logs` keeps the console and network logs the tests read."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        raise ScreenshotError("screenshots need selenium: pip install 'kzlinks[test]'") from err
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    for path in (chromium, driver_path):
        if not Path(path).exists():
            raise ScreenshotError(f"screenshots need Chromium and chromedriver: {path} is missing")
    options = Options()
    options.binary_location = chromium
    flags = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile or tempfile.mkdtemp(prefix='kg-chromium-')}",
    ]
    for flag in flags + (["--hide-scrollbars"] if hide_scrollbars else []):
        options.add_argument(flag)
    if logs:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]}
    )
    if exact:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
    return driver


def capture(page: Path, out: Path, width: int = 1200, height: int = 750, timeout: float = 60) -> Path:
    """Open `page` and save a PNG of it once the view has drawn."""
    driver = browser(width, height)
    try:
        driver.get(page.resolve().as_uri())
        end = time.monotonic() + timeout
        while not driver.execute_script("return window.kgReady === true || document.body.classList.contains('index')"):
            if time.monotonic() > end:
                raise ScreenshotError(f"{page}: the view never finished drawing")
            time.sleep(0.1)
        time.sleep(0.3)
        atomic_write(out, driver.get_screenshot_as_png())
    finally:
        driver.quit()
    return out
