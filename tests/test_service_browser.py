"""The web page in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`) against a live
`chipcontrol serve`. One test drives the chromium binary alone (`--dump-dom`, `--screenshot`): it reads the form
and submits it the way a browser submits a GET form; the other types an order and clicks through WebDriver (plain
HTTP to chromedriver, no selenium). Both read the rendered verdict and keep a screenshot (its path is printed).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin

import pytest

import chipcontrol as cc

pytest.importorskip("fastapi", reason="the service needs the serve extra: pip install 'chipcontrol[serve]'")
httpx = pytest.importorskip("httpx")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium chromium-driver)")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_service import Server, free_port  # noqa: E402

ORDER = {"item": "A800", "buyer": "ByteDance", "destination": "CN", "date": "2023-11-20"}
EXPECTED = ("license_required", "bis-3a090-2023-destinations bis-3a090-2023-headquarters")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = Server(free_port(), tmp_path_factory.mktemp("browser") / "decisions.jsonl")
    yield live
    live.stop()


def chromium(*args: str, profile: Path) -> str:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}",
               *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


class Form(HTMLParser):
    """The first form of a page: its method, action, and the fields a browser would submit with their values."""

    def __init__(self):
        super().__init__()
        self.method = self.action = None
        self.fields: list[list[str]] = []  # [name, value] in document order
        self._select: list[str] | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.method is None:
            self.method, self.action, self._in_form = a.get("method", "get").lower(), a.get("action", ""), True
        elif self._in_form and tag == "input" and a.get("name"):
            self.fields.append([a["name"], a.get("value", "")])
        elif self._in_form and tag == "select":
            self._select = [a["name"], None]
            self.fields.append(self._select)
        elif self._select is not None and tag == "option":
            if self._select[1] is None or "selected" in a:  # the first option, unless one is selected
                self._select[1] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False

    def submission(self, base: str, values: dict[str, str]) -> str:
        """The URL a browser loads when the form is submitted with `values` typed in (application/x-www-form-urlencoded)."""
        pairs = [(name, values.get(name, value or "")) for name, value in self.fields]
        return urljoin(base, self.action) + "?" + urlencode(pairs)


def rendered_verdict(dom: str) -> tuple[str, str]:
    class Verdict(HTMLParser):
        found = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if "data-outcome" in a and self.found is None:
                self.found = (a["data-outcome"], a["data-deciding-rules"])

    parser = Verdict()
    parser.feed(dom)
    return parser.found


def keep(png: bytes, tmp_path: Path, name: str) -> Path:
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    path = tmp_path / name
    path.write_bytes(png)
    print(f"\nscreenshot kept: {path}")
    return path


@needs_chromium
def test_chromium_submits_the_get_form_and_shows_the_verdict(server, tmp_path, rb):
    base = f"http://127.0.0.1:{server.port}/"
    form = Form()
    form.feed(chromium("--dump-dom", base, profile=tmp_path / "profile"))
    assert form.method == "get" and form.action == "./"
    url = form.submission(base, ORDER)
    assert url.startswith(base + "?item=A800&buyer=ByteDance&destination=CN&date=2023-11-20&kind=export&origin=&")
    dom = chromium("--dump-dom", url, profile=tmp_path / "profile")
    assert rendered_verdict(dom) == EXPECTED
    verdict = rb.evaluate(cc.Order(**ORDER))
    assert (verdict.outcome.value, " ".join(verdict.deciding_rule_ids)) == EXPECTED
    assert "LICENSE REQUIRED" in dom.upper() and "presumption of denial" in dom
    chromium("--window-size=1200,2400", f"--screenshot={tmp_path / 'page.png'}", url, profile=tmp_path / "profile")
    keep((tmp_path / "page.png").read_bytes(), tmp_path, "page.png")


class WebDriver:
    """The few W3C WebDriver commands the test needs, over plain HTTP to chromedriver."""

    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

    def __init__(self, port: int, profile: Path):
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        options = {"binary": CHROMIUM, "args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,2400", "--lang=en-US",
                                                f"--user-data-dir={profile}"]}
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method: str, path: str, body: dict | None = None):
        response = self.http.request(method, path, json=body)
        value = response.json()["value"]
        assert response.status_code == 200, value
        return value

    def __call__(self, method: str, path: str, body: dict | None = None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def find(self, css: str) -> str:
        return self("POST", "/element", {"using": "css selector", "value": css})[self.ELEMENT]

    def type(self, css: str, text: str) -> None:
        element = self.find(css)
        self("POST", f"/element/{element}/clear", {})
        self("POST", f"/element/{element}/value", {"text": text})

    def close(self) -> None:
        self._call("DELETE", f"/session/{self.session}")


@pytest.fixture
def webdriver(tmp_path):
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("no chromium or chromedriver on PATH (Debian: apt-get install chromium chromium-driver)")
    port = free_port()
    driver = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/status", timeout=2).json()["value"]["ready"]:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "chromedriver did not start"
            time.sleep(0.2)
        browser = WebDriver(port, tmp_path / "profile")
        yield browser
        browser.close()
    finally:
        driver.terminate()
        driver.wait(10)


def test_a_user_types_an_order_clicks_and_reads_the_verdict(server, webdriver, tmp_path):
    base = f"http://127.0.0.1:{server.port}/"
    webdriver("POST", "/url", {"url": base})
    for name in ("item", "buyer", "destination"):
        webdriver.type(f"#f-{name}", ORDER[name])
    date = webdriver.find("#f-date")  # a date input takes what the locale shows, typed as digits: month, day, year
    webdriver("POST", f"/element/{date}/value", {"text": "11202023"})
    assert webdriver("GET", f"/element/{date}/property/value") == ORDER["date"]
    webdriver("POST", f"/element/{webdriver.find('#f-kind option[value=export]')}/click", {})
    webdriver("POST", f"/element/{webdriver.find('button[type=submit]')}/click", {})
    form = Form()
    form.feed(httpx.get(base).text)
    assert webdriver("GET", "/url") == form.submission(base, ORDER)  # the answer has a URL to share
    verdict = webdriver.find("[data-outcome]")
    shown = tuple(webdriver("GET", f"/element/{verdict}/attribute/{a}") for a in ("data-outcome", "data-deciding-rules"))
    assert shown == EXPECTED
    assert "LICENSE REQUIRED" in webdriver("GET", f"/element/{verdict}/text").upper()
    keep(base64.b64decode(webdriver("GET", "/screenshot")), tmp_path, "page-webdriver.png")
