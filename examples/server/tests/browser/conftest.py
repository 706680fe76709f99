"""Fixtures: a real electie-server on 127.0.0.1 fed by simulated gateways (night.py),
the electie observer, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "election-night"))
sys.path.insert(0, str(HERE))

from night import REPO, Night, binary, http  # noqa: E402

ARTEFACTS = REPO / "target" / "results-page"
# polling places simulated: two whole municipalities, one in every region, then a sample
PLACES = 12


def observe(night_url: str, state: Path | None, *extra: str, timeout: float = 120):
    """Runs `electie observe`; returns (exit code, stdout, stderr, JSON report or None)."""
    command = [binary("electie", "ELECTIE_BIN"), "observe", "--server", night_url, "--format", "json"]
    if state is not None:
        command += ["--state", str(state)]
    done = subprocess.run(command + list(extra), capture_output=True, text=True, timeout=timeout)
    try:
        report = json.loads(done.stdout) if done.stdout.strip() else None
    except ValueError:
        report = None
    return done.returncode, done.stdout, done.stderr, report


@pytest.fixture(scope="session")
def artefacts() -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


@pytest.fixture(scope="session")
def prepared(tmp_path_factory) -> Path:
    """A data directory with the admin, the gateway key and every sampled polling place
    enrolled, made once: enrolling costs a key pair per polling place."""
    data = tmp_path_factory.mktemp("prepared") / "data"
    Night(data, places=PLACES)
    return data


@pytest.fixture()
def make_night(tmp_path, prepared):
    """Factory of nights on copies of the prepared directory; every server started is
    stopped at the end of the test."""
    nights: list[Night] = []

    def make(**kwargs) -> Night:
        data = tmp_path / f"night{len(nights)}"
        shutil.copytree(prepared, data)
        night = Night(data, places=PLACES, **kwargs)
        nights.append(night)
        return night

    yield make
    for night in nights:
        night.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; Playwright gives every launch a fresh temporary
    user-data-dir and every test its own context."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"{executable} is missing: run examples/server/tests/browser/run.sh (installs Debian's chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


__all__ = ["observe", "http"]
