"""The HTML report in a real browser: headless Chromium opens it offline, logs no console error, fetches
nothing, draws every chart with a non-zero size, and leaves a screenshot in the test's temporary folder.

Skipped, with the reason, when Chromium, its driver or selenium is not installed (`.ci/run` installs
Debian's `chromium` and `chromium-driver` where apt is available).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lossadvisor.cli.main import app

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage")


def _browser(profile_dir: Path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
    from selenium.webdriver.chrome.service import Service

    if not CHROMIUM or not DRIVER:
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver); .ci/run installs it")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir}")
    options.add_argument("--window-size=1100,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)


def test_report_opens_in_chromium_with_every_chart_drawn(tmp_path):
    page = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(SAMPLE / "imbalanced_binary.csv"), "-o", str(page),
                                      "--noise-sample", "1000", "--seeds", "2", "--epochs", "2", "--bootstrap", "100"])
    assert result.exit_code == 0, result.output
    browser = _browser(tmp_path / "chromium-profile")
    try:
        browser.get(page.as_uri())
        sizes = browser.execute_script(
            "return Array.from(document.querySelectorAll('figure svg, figure img'))"
            ".map(e => { const r = e.getBoundingClientRect(); return [e.closest('figure').id, r.width, r.height]; });")
        fetched = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
        headings = browser.execute_script(
            "return Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6')).map(h => Number(h.tagName[1]));")
        errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
        height = browser.execute_script("return document.documentElement.scrollHeight;")
        browser.set_window_size(1100, min(height + 100, 16000))
        shot = tmp_path / "report.png"
        assert browser.save_screenshot(str(shot))
    finally:
        browser.quit()
    assert errors == []
    assert fetched == []  # self-contained: nothing loaded from disk or network
    ids = {figure for figure, _, _ in sizes}
    assert {"fig-class-balance", "fig-label-noise", "fig-forest-plot", "fig-learning-curves"} <= ids
    assert all(width > 100 and height > 50 for _, width, height in sizes), sizes
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:]))
    assert shot.stat().st_size > 50_000
