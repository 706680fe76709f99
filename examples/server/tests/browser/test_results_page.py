"""The results page in Debian's Chromium: the numbers are the API's, the seat chart
holds the house, updates arrive without a reload, the unpublished state, drill-down,
the language switch, keyboard use, the page without JavaScript, reconnection."""

from __future__ import annotations

import re
import time

import pytest

from night import http

HOUSE = 150


def api_parties(night):
    status, rows = http("POST", f"{night.url}/elastic/get-party-candidate-results", {})
    assert status == 200, rows
    return rows


def api_status(night, filter_by=None, value=None):
    query = f"?filter_by={filter_by}&filter_value={value}" if filter_by else ""
    status, answer = http("GET", f"{night.url}/elastic/elections-status{query}")
    assert status == 200, answer
    return answer["data"]


def api_locality(night, filter_by, value):
    status, rows = http("POST", f"{night.url}/elastic/get-results-by-locality",
                        {"filter_by": filter_by, "filter_value": str(value)})
    assert status == 200, rows
    (row,) = rows
    return row


def data_value(page, selector):
    return page.locator(selector).first.get_attribute("value")


def digits(text):
    return re.sub(r"\D", "", text)


def as_number(text):
    return float(text) if "." in text or "e" in text else int(text)


def wait_until(predicate, timeout=8.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture()
def night(make_night):
    night = make_night()
    night.start()
    return night


def check_participation(page, status):
    assert as_number(data_value(page, "#registered-voters data")) == status["registered_voters"]
    assert as_number(data_value(page, "#total-votes data")) == status["total_votes"]
    assert as_number(data_value(page, "#participation-value data")) == status["participation"]
    assert digits(page.locator("#total-votes").inner_text()) == str(status["total_votes"])
    assert as_number(data_value(page, "#places-total")) == status["number_of_polling_places"]


def check_national(page, night, house_filled=True):
    rows = api_parties(night)
    table = page.locator("#party-table tbody tr")
    assert table.count() == len(rows)
    for index, row in enumerate(rows):
        line = table.nth(index)
        assert line.get_attribute("data-party") == row["id"]  # the API's order
        assert as_number(line.locator("td.votes data").get_attribute("value")) == row["doc_count"]
        assert digits(line.locator("td.votes").inner_text()) == str(row["doc_count"])
        assert as_number(line.locator("td.share data").get_attribute("value")) == row["percentage"]
        shown = line.locator("td.share").inner_text()
        assert shown.replace(",", ".").replace("\u00a0", "").rstrip("%") == f"{row['percentage']:.2f}"
        assert int(line.locator("td.seats").inner_text()) == row["seats"]
    # the seat chart: one dot per seat of the house, each party's dots = its seats
    assert page.locator("#hemicycle circle.seat").count() == HOUSE
    assert page.locator("#hemicycle").get_attribute("data-house") == str(HOUSE)
    if house_filled:
        assert sum(r["seats"] for r in rows) == HOUSE
    for row in rows:
        dots = page.locator(f'#hemicycle g[data-party="{row["id"]}"] circle').count()
        assert dots == row["seats"], row["id"]
    # elected candidates with their preferential votes
    for row in rows:
        elected = [c for c in row["candidates"] if c["in_parliament"]]
        table = page.locator(f'table.elected[data-party="{row["id"]}"] tbody tr')
        assert table.count() == len(elected), row["id"]
        for n, candidate in enumerate(elected):
            line = table.nth(n)
            assert line.get_attribute("data-candidate") == candidate["id"]
            assert as_number(line.locator("data").get_attribute("value")) == candidate["doc_count"]
    return rows


def test_unpublished_then_published_live(night, page, artefacts):
    for place in list(night.gateways)[:8]:
        night.cast(place, 15)
    page.goto(f"{night.url}/results")
    # before publication: says so, participation only
    assert page.locator("#unpublished").is_visible()
    assert "nie sú zverejnené" in page.locator("#unpublished").inner_text()
    assert page.locator("#party-table").count() == 0 and page.locator("#hemicycle").count() == 0
    check_participation(page, api_status(night))
    assert http("POST", f"{night.url}/elastic/get-parties-results", {})[0] == 400
    page.evaluate("window.__sameDocument = 42")

    night.publish()
    page.wait_for_selector("#party-table", timeout=8000)
    assert page.evaluate("window.__sameDocument") == 42  # no reload
    check_participation(page, api_status(night))
    check_national(page, night)

    # a new batch commits: the page follows without a reload
    before = int(data_value(page, "#total-votes data"))
    place = list(night.gateways)[9]
    night.cast(place, 11)
    wait_until(lambda: int(data_value(page, "#total-votes data")) == before + 11, what="the new batch on the page")
    assert page.evaluate("window.__sameDocument") == 42
    check_national(page, night)
    counted = int(data_value(page, "#places-counted"))
    night.close(place)
    wait_until(lambda: int(data_value(page, "#places-closed")) == 1, what="a closed polling place")
    assert int(data_value(page, "#places-counted")) == counted
    assert "Priebežne" in page.locator("#live").inner_text()
    page.set_viewport_size({"width": 1280, "height": 1700})
    page.screenshot(path=str(artefacts / "national.png"))
    page.screenshot(path=str(artefacts / "national-full.png"), full_page=True)


def test_drill_down_region_county_municipality(night, page, artefacts):
    for place in night.gateways:
        night.cast(place, 14)
    night.publish()
    page.goto(f"{night.url}/results")
    page.evaluate("window.__sameDocument = 7")
    # the region of the first sampled municipality (two whole municipalities are sampled)
    place = night.config["polling_places"][min(night.gateways)]
    region, county, municipality = place["region_code"], place["county_code"], place["municipality_code"]

    for level, code, filter_by in (("region", region, "region_code"), ("county", county, "county_code"),
                                   ("municipality", municipality, "municipality_code")):
        link = page.locator(f'#area-table tr[data-code="{code}"] a')
        # keyboard: focus the link and press Enter
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"[?&]{level}={code}\b"))
        page.wait_for_function(f"document.querySelector('#area') && document.querySelector('#area').dataset.view.includes('{level}={code}')")
        assert page.evaluate("window.__sameDocument") == 7
        expected = api_locality(night, filter_by, code)
        status = api_status(night, filter_by, code)
        check_participation(page, status)
        assert expected["doc_count"] == status["total_votes"]
        rows = page.locator("#party-table tbody tr")
        assert rows.count() == len(expected["parties"])
        for index, party in enumerate(expected["parties"]):
            line = rows.nth(index)
            assert line.get_attribute("data-party") == party["id"]
            assert as_number(line.locator("td.votes data").get_attribute("value")) == party["doc_count"]
            assert as_number(line.locator("td.share data").get_attribute("value")) == party["percentage"]
        if level == "region":
            page.screenshot(path=str(artefacts / "region.png"), full_page=True)
            # the region's counties, each with the API's participation
            for child in page.locator("#area-table tbody tr").all()[:5]:
                code_ = child.get_attribute("data-code")
                assert as_number(child.locator("td data").nth(1).get_attribute("value")) == \
                    api_status(night, "county_code", code_)["total_votes"]
    # back: the browser's history returns to the county
    page.go_back()
    page.wait_for_function(f"document.querySelector('#area').dataset.view.includes('county={county}')")
    assert page.locator(".trail a").first.inner_text() == "Slovenská republika"


def test_too_few_votes_for_seats_says_so(night, page):
    # 10 votes: the republic electoral number rounds to 0. The page follows the API:
    # parties without seats and a chart of vacant seats, or, if the API refuses (409),
    # the reason; participation and the areas are shown either way
    night.cast(min(night.gateways), 10)
    night.publish()
    status, answer = http("POST", f"{night.url}/elastic/get-party-candidate-results", {})
    page.goto(f"{night.url}/results")
    if status == 409:
        assert "Mandáty zatiaľ nemožno rozdeliť." in page.locator("#no-seats").inner_text()
        assert answer["detail"] in page.locator("#no-seats").inner_text()
    else:
        assert status == 200 and sum(row["seats"] for row in answer) == 0, answer
        check_national(page, night, house_filled=False)
        assert page.locator("#hemicycle g.vacant circle").count() == HOUSE
        assert page.locator("#no-seats-yet").inner_text() == "Mandáty zatiaľ nemožno rozdeliť."
    check_participation(page, api_status(night))
    regions = {place["region_code"] for place in night.config["polling_places"]}
    assert page.locator("#area-table tbody tr").count() == len(regions)


def test_language_switch_and_keyboard(night, page):
    for place in sorted(night.gateways)[:6]:
        night.cast(place, 25)
    night.publish()
    page.goto(f"{night.url}/results")
    assert page.evaluate("document.documentElement.lang") == "sk"
    # the first Tab reaches the skip link, which moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'content'")
    page.locator("#lang-switch").click()
    page.wait_for_url(re.compile(r"lang=en"))
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#participation-h").inner_text() == "Participation"
    assert page.locator("#results-h").inner_text() == "Results of the parties"
    shown = page.locator("#party-table td.share").first.inner_text()
    assert re.fullmatch(r"\d+\.\d\d%", shown), shown


def test_readable_without_javascript(night, browser):
    for place in list(night.gateways)[:6]:
        night.cast(place, 25)
    night.publish()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{night.url}/results")
        check_participation(page, api_status(night))
        check_national(page, night)
        # drill-down works as plain links
        region = night.config["polling_places"][min(night.gateways)]["region_code"]
        page.locator(f'#area-table tr[data-code="{region}"] a').click()
        page.wait_for_url(re.compile(rf"region={region}"))
        check_participation(page, api_status(night, "region_code", region))
    finally:
        context.close()


def test_reconnects_after_a_server_restart(night, page):
    night.cast(min(night.gateways), 10)  # too few for seats: participation is enough here
    night.publish()
    page.goto(f"{night.url}/results")
    page.wait_for_selector("#live.ok")
    page.evaluate("window.__sameDocument = 3")
    address = night.url.removeprefix("http://")
    night.stop()
    page.wait_for_selector("#live.down", timeout=10_000)
    night.listen = address
    night.start()
    place = sorted(night.gateways)[1]
    night.cast(place, 13)
    expected = api_status(night)["total_votes"]
    wait_until(lambda: int(data_value(page, "#total-votes data")) == expected, timeout=15,
               what="the page to reconnect and catch up")
    assert page.evaluate("window.__sameDocument") == 3
