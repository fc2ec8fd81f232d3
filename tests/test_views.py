"""The network views, as a user sees them: files written by `kg viz`, opened offline in headless Chromium.

Every network request is blocked and every request the page makes is recorded: a view must draw, answer a
click with the facts and quotes behind a node or a line, and find a node by any spelling, with nothing but
file: and data: URLs. Screenshots go to test-artifacts/. Without Chromium and chromedriver the browser tests
skip, except under KG_REQUIRE_BROWSER=1 (CI), where a skip would hide a broken view and they fail instead.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from support import kg

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
VIEWS = ("index.html", "middle-corridor.html", "actors.html", "agreements.html")
ARTICLE = "003_dd8a74cf95794356.txt"


@pytest.fixture(scope="module")
def views(corridor_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("views") / "out"
    from kzlinks.cli.main import main

    assert main(["viz", "--store", str(corridor_store.root), "-o", str(out)]) == 0
    assert main(["viz", "ego", "Kurik", "--depth", "2", "--store", str(corridor_store.root), "-o", str(out)]) == 0
    return out


# ---- files ----------------------------------------------------------------------------------------------


def test_kg_viz_writes_every_view_and_lists_them_in_the_index(views):
    assert sorted(p.name for p in views.iterdir()) == sorted([*VIEWS, "ego-kuryk.html"])
    index = (views / "index.html").read_text(encoding="utf-8")
    for name in VIEWS[1:]:
        assert f'href="{name}"' in index


@pytest.mark.parametrize("name", [*VIEWS, "ego-kuryk.html"])
def test_a_view_is_one_file_that_names_no_remote_resource(views, name):
    html = (views / name).read_text(encoding="utf-8")
    for needle in ("<script src", "<link href", 'rel="stylesheet"', "@import", "url(http", "cdn.", "//cdnjs"):
        assert needle not in html, f"{name} loads an outside resource: {needle}"


def test_kg_viz_ego_rejects_an_unknown_entity(corridor_store, tmp_path, capsys):
    run = kg(capsys, "viz", "ego", "atlantis", "--store", corridor_store.root, "-o", tmp_path)
    assert run.code == 2 and "no entity 'atlantis'" in run.err
    assert list(tmp_path.iterdir()) == []


# ---- in the browser -------------------------------------------------------------------------------------


def _browser_or_skip():
    required = os.environ.get("KG_REQUIRE_BROWSER") == "1"
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("KG_REQUIRE_BROWSER=1 but selenium is not installed (pip install -e '.[test]')")
        pytest.skip("selenium is not installed")
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        if required:
            pytest.fail(
                f"KG_REQUIRE_BROWSER=1 but {', '.join(missing)} missing (apt-get install chromium chromium-driver)"
            )
        pytest.skip(f"no browser: {', '.join(missing)} missing")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    _browser_or_skip()
    from kzlinks.viz.screenshot import browser

    profile = tmp_path_factory.mktemp("chromium-profile")
    driver = browser(1400, 900, profile=profile, exact=False, hide_scrollbars=False, logs=True)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


class Page:
    """One view opened in the browser, with what it logged and requested."""

    def __init__(self, driver, path: Path) -> None:
        self.driver = driver
        driver.get("about:blank")
        driver.get_log("browser"), driver.get_log("performance")  # forget the start page
        driver.get(path.as_uri())
        self.ready = self._wait("return window.kgReady === true || document.body.classList.contains('index')")
        self.console = driver.get_log("browser")
        events = [json.loads(e["message"])["message"] for e in driver.get_log("performance")]
        self.requests = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]

    def _wait(self, script: str, timeout: float = 30) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.driver.execute_script(script):
                return True
            time.sleep(0.1)
        return False

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def node_id(self, label: str) -> str:
        ids = self.js("return kgView.nodes.get().filter(n => n.label === arguments[0]).map(n => n.id)", label)
        assert len(ids) == 1, f"expected one node labelled {label!r}, got {ids}"
        return ids[0]

    def click_at(self, x: float, y: float) -> None:
        """A real mouse click at a point of the network canvas (DOM pixels from its top-left corner)."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        canvas = self.driver.find_element(By.CSS_SELECTOR, "#network canvas")
        size = canvas.size
        ActionChains(self.driver).move_to_element_with_offset(
            canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
        ).click().perform()

    def click_node(self, label: str) -> dict:
        node = self.node_id(label)
        point = self.js(
            "var p = kgView.network.getPositions([arguments[0]])[arguments[0]];return kgView.network.canvasToDOM(p);",
            node,
        )
        self.click_at(point["x"], point["y"])
        assert self._wait(f"return document.getElementById('info').dataset.shown === {json.dumps(node)}", 10)
        return self.info()

    def info(self) -> dict:
        return self.js("""var info = document.getElementById('info');
            return {title: (info.querySelector('h2') || {}).textContent, type: (info.querySelector('.type') || {}).textContent,
                    quotes: Array.from(info.querySelectorAll('blockquote')).map(q => q.textContent),
                    captions: Array.from(info.querySelectorAll('figcaption')).map(c => c.textContent),
                    facts: Array.from(info.querySelectorAll('table.facts tr')).map(r => r.textContent)};""")

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def open_page(browser, views: Path, name: str) -> Page:
    page = Page(browser, views / name)
    page.screenshot(Path(name).stem)
    assert page.ready, f"{name} never finished drawing"
    assert [e for e in page.console if e["level"] in ("SEVERE", "WARNING")] == [], page.console
    outside = [u for u in page.requests if not u.startswith(("file:", "data:"))]
    assert outside == [], f"{name} asked the network for {outside}"
    return page


@pytest.mark.parametrize("name", VIEWS)
def test_each_view_opens_offline_without_errors(browser, views, name):
    page = open_page(browser, views, name)
    if name != "index.html":
        assert page.js("return kgView.nodes.length") > 0
        assert page.js("return document.querySelectorAll('#legend-items li').length") > 0


def test_corridor_map_holds_the_ports_and_the_caspian_crossing(browser, views):
    page = open_page(browser, views, "middle-corridor.html")
    labels = set(page.js("return kgView.nodes.get().map(n => n.label)"))
    assert {"Xi'an", "Aktau", "Kuryk", "Caspian Sea", "Azerbaijan", "Constanța"} <= labels
    sea = page.js("""var c = kgView.nodes.get().filter(n => n.label === 'Caspian Sea')[0].id;
        return kgView.edges.get().filter(e => e.from === c || e.to === c)
                     .map(e => [kgView.nodes.get(e.from).label, kgView.nodes.get(e.to).label, e.dashes.length > 0]);""")
    assert {tuple(sorted(e[:2])) for e in sea} == {
        ("Aktau", "Caspian Sea"),
        ("Caspian Sea", "Kuryk"),
        ("Azerbaijan", "Caspian Sea"),
    }
    assert all(e[2] for e in sea), "sea legs are drawn dashed"
    x = {
        label: page.js("return kgView.network.getPositions([arguments[0]])[arguments[0]].x", page.node_id(label))
        for label in ("Xi'an", "Aktau", "Constanța")
    }
    assert x["Constanța"] < x["Aktau"] < x["Xi'an"], "placed by longitude, west on the left"
    ringed = page.js("return kgView.nodes.get().filter(n => n.borderWidth === 5).map(n => n.label)")
    assert set(ringed) == {"Azerbaijan", "Caspian Sea", "Georgia"}


def test_clicking_a_node_shows_its_facts_and_the_quote_behind_it(browser, views):
    page = open_page(browser, views, "middle-corridor.html")
    card = page.click_node("Aktau")
    page.screenshot("middle-corridor-aktau")
    assert card["title"] == "Aktau" and card["type"] == "port"
    assert "“And then finishing at the Caspian Sea in Kurik and Aktau.”" in card["quotes"]
    assert any(c.startswith(ARTICLE) for c in card["captions"])
    assert any("located in" in f and "Kazakhstan" in f and "reference" in f for f in card["facts"])


def test_clicking_a_sea_leg_shows_the_leg_and_its_quote(browser, views):
    page = open_page(browser, views, "middle-corridor.html")
    a, b = page.node_id("Caspian Sea"), page.node_id("Azerbaijan")
    middle = page.js(
        """var p = kgView.network.getPositions([arguments[0], arguments[1]]);
        var m = {x: (p[arguments[0]].x + p[arguments[1]].x) / 2, y: (p[arguments[0]].y + p[arguments[1]].y) / 2};
        kgView.network.moveTo({position: m, scale: 2.5});   // zoom in, as a reader would, to hit the line
        return kgView.network.canvasToDOM(m);""",
        a,
        b,
    )
    page.click_at(middle["x"], middle["y"])
    assert page._wait("return document.getElementById('info').dataset.kind === 'edge'", 10)
    card = page.info()
    assert (
        card["title"] == "Middle Corridor leg Aktau – Azerbaijan (across the Caspian Sea)"
        or card["title"] == "Middle Corridor leg Kuryk – Azerbaijan (across the Caspian Sea)"
    )
    assert any("crosses" in f and "Caspian Sea" in f for f in card["facts"])
    assert any("Caspian Sea" in q for q in card["quotes"])


def test_the_search_box_finds_a_node_by_another_spelling(browser, views):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = open_page(browser, views, "middle-corridor.html")
    box = browser.find_element(By.ID, "search-input")
    box.send_keys("kurik", Keys.ENTER)
    assert page._wait("return document.getElementById('info').dataset.shown !== undefined", 10)
    assert page.info()["title"] == "Kuryk"
    assert page.js("return kgView.network.getSelectedNodes()") == [page.node_id("Kuryk")]
    box.clear()
    box.send_keys("Atlantis", Keys.ENTER)
    assert "no node named" in browser.find_element(By.ID, "search-status").text


def test_hovering_a_node_shows_its_summary(browser, views):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    page = open_page(browser, views, "middle-corridor.html")
    node = page.node_id("Caspian Sea")
    point = page.js(
        "return kgView.network.canvasToDOM(kgView.network.getPositions([arguments[0]])[arguments[0]]);", node
    )
    canvas = browser.find_element(By.CSS_SELECTOR, "#network canvas")
    ActionChains(browser).move_to_element_with_offset(
        canvas, int(point["x"] - canvas.size["width"] / 2), int(point["y"] - canvas.size["height"] / 2)
    ).perform()
    assert page._wait(
        "var t = document.querySelector('div.vis-tooltip');"
        "return t && t.style.visibility === 'visible' && t.textContent.indexOf('Caspian Sea') === 0",
        10,
    )
    text = page.js("return document.querySelector('div.vis-tooltip').textContent")
    assert "water body" in text and "click for the quotes" in text


def test_actor_view_ties_people_and_shows_where_the_tie_comes_from(browser, views):
    page = open_page(browser, views, "actors.html")
    labels = set(page.js("return kgView.nodes.get().map(n => n.label)"))
    assert {"Alar Karis", "Estonia", "Kazakhstan", "Kassym-Jomart Tokayev", "Aleksandar Vučić"} <= labels
    card = page.click_node("Aleksandar Vučić")
    assert card["type"] == "person"
    assert any("Aleksandar Vučić held extended talks" in q for q in card["quotes"])
    page.screenshot("actors-vucic")


def test_agreement_view_shows_each_memorandum_with_its_quote(browser, views):
    page = open_page(browser, views, "agreements.html")
    card = page.click_node("memorandum of understanding on port collaboration")
    assert card["type"] == "memorandum of understanding"
    assert "“We have also signed a memorandum of understanding on port collaboration.”" in card["quotes"]
    assert any(c.startswith("000_36c69ba1f3a184f4.txt") for c in card["captions"])


def test_ego_view_centres_on_the_entity(browser, views):
    page = open_page(browser, views, "ego-kuryk.html")
    kuryk = page.node_id("Kuryk")
    assert (
        page.js("var p = kgView.network.getPositions([arguments[0]])[arguments[0]]; return [p.x, p.y]", kuryk)
        is not None
    )
    labels = set(page.js("return kgView.nodes.get().map(n => n.label)"))
    assert {"Kazakhstan", "Caspian Sea", "Middle Corridor leg Kuryk – Azerbaijan (across the Caspian Sea)"} <= labels
    card = page.click_node("Kuryk")
    assert "“And then finishing at the Caspian Sea in Kurik and Aktau.”" in card["quotes"]


def test_index_links_open_the_views_offline(browser, views):
    from selenium.webdriver.common.by import By

    page = open_page(browser, views, "index.html")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#views a.view-link")]
    assert [Path(link).name for link in links] == list(VIEWS[1:])
    browser.find_element(By.LINK_TEXT, "Middle Corridor").click()
    assert page._wait("return window.kgReady === true")
