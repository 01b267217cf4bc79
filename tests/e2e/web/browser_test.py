#!/usr/bin/python3
"""The console in headless Chromium (Debian's chromium + chromedriver, selenium).

Usage: browser_test.py BASE_URL SCREENSHOT_DIR
Logs in as admin/adminpass1, searches the asset table, opens an asset, opens
the network map (plant, a zone, a device; filters, search, drag pans), acknowledges a finding, switches to Japanese
and checks the labels, visits every page; asserts that the hostile device
names of pcaps/hostile_names.pcapng show as text and that nothing they carry
ran (window.__pwned, document.title, alerts), and that the browser console has
no errors. Saves a screenshot of each page into SCREENSHOT_DIR.
"""
import os
import sys
import time
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(SHOTS, exist_ok=True)
failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("ok   " + name)
    else:
        failed = 1
        print("FAIL " + name + (": " + str(detail)[:400] if detail else ""))


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
          "--lang=en-US", "--disable-extensions", "--no-first-run"):
    opts.add_argument(a)
opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
# Pages are replaced whole when they re-render: an element found just before
# may be stale by the time it is read.
wait = WebDriverWait(driver, 20, ignored_exceptions=[StaleElementReferenceException])
console = []


def drain_console():
    try:
        console.extend(driver.get_log("browser"))
    except Exception:  # noqa: BLE001 - some drivers have no log endpoint
        pass


def shot(name):
    path = os.path.join(SHOTS, name + ".png")
    time.sleep(0.3)
    driver.save_screenshot(path)
    print("screenshot " + path)


def no_alert():
    try:
        driver.switch_to.alert
        return False
    except NoAlertPresentException:
        return True


def pwned():
    return driver.execute_script("return window.__pwned !== undefined || document.title !== 'Mieruka'")


def go(hash_):
    driver.get(BASE + "/" + hash_)


def findings_triage():
    """Findings triage in Japanese at 1024 px: headers at most two lines, the
    evidence in Japanese, a filter by type, a sort, rows selected and
    acknowledged with one comment, the history panel."""
    driver.set_window_size(1024, 800)
    try:
        go("#/findings")
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#findings-table tbody tr")))
        driver.execute_script("document.getElementById('f-reset').click()")  # may sit under the sticky header
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#findings-table tbody tr")))
        shot("12-findings-ja-1024")
        heights = driver.execute_script("""
            return [...document.querySelectorAll('#findings-table th')].map((th) => {
              const cs = getComputedStyle(th);
              const lh = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.25;
              const inner = th.getBoundingClientRect().height - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
              return [th.textContent, inner / lh];
            });""")
        check("triage 1024 px ja: no header taller than two lines", heights and all(n <= 2.05 for _, n in heights), heights)
        width = driver.execute_script("return document.getElementById('findings-table').getBoundingClientRect().right")
        check("triage 1024 px ja: the table fits the window", width <= 1024, width)
        ev = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#findings-table td.c-ev .evidence-short")]
        check("triage ja: every evidence cell is Japanese text", ev and all(any(ord(ch) >= 0x3040 for ch in t) for t in ev), ev[:3])
        tall = driver.execute_script("""
            return [...document.querySelectorAll('#findings-table td.c-ev')].filter((td) =>
              td.querySelector('.evidence-short').getBoundingClientRect().height > 2.5 * parseFloat(getComputedStyle(td).fontSize)).length;""")
        check("triage: evidence stays one line until opened", tall == 0, tall)
        toggles = driver.find_elements(By.CSS_SELECTOR, "#findings-table button.evidence-toggle")
        if toggles:
            toggles[0].click()
            check("triage: the evidence toggle opens the full text",
                  toggles[0].get_attribute("aria-expanded") == "true")
        # Filter by type.
        Select(driver.find_element(By.ID, "f-type")).select_by_value("hidden")
        wait.until(lambda d: all(c.text == "未承認のOT機器" for c in d.find_elements(By.CSS_SELECTOR, "#findings-table td.c-type"))
                   or d.find_elements(By.CSS_SELECTOR, "#findings p.muted"))
        types = {c.text for c in driver.find_elements(By.CSS_SELECTOR, "#findings-table td.c-type")}
        check("triage: filtered by type", types <= {"未承認のOT機器"}, types)
        driver.execute_script("document.getElementById('f-reset').click()")  # may sit under the sticky header
        # Sort by first seen, newest first.
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#findings-table th[data-sort='first_seen']")))
        driver.find_element(By.CSS_SELECTOR, "#findings-table th[data-sort='first_seen']").click()
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#findings-table th[data-sort='first_seen']")
                   .get_attribute("aria-sort") == "descending")
        seen = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#findings-table td.c-time")]
        check("triage: sorted by first seen, newest first", seen == sorted(seen, reverse=True), seen[:5])
        # Select two rows and acknowledge them with one comment.
        boxes = driver.find_elements(By.CSS_SELECTOR, "#findings-table input.row-select")[:2]
        ids = [b.find_element(By.XPATH, "./ancestor::tr").get_attribute("data-finding") for b in boxes]
        for b in boxes:
            b.click()
        check("triage: the selection is counted", driver.find_element(By.ID, "bulk-count").text.startswith(str(len(boxes))))
        driver.find_element(By.ID, "bulk-comment").send_keys("第2工場 成形ライン <b>更新済み</b>")
        driver.find_element(By.ID, "bulk-ack").click()
        wait.until(lambda d: d.find_element(By.ID, "bulk-result").text.startswith(str(len(boxes))))
        shot("13-findings-bulk-ack-ja")
        for i in ids:
            check("triage: %s left the open list" % i,
                  not driver.find_elements(By.CSS_SELECTOR, "#findings-table tr[data-finding='%s']" % i))
        # The history of one of them.
        Select(driver.find_element(By.ID, "f-state")).select_by_value("acknowledged")
        sel = "#findings-table tr[data-finding='%s'] button.history-button" % ids[0]
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, sel)))
        driver.find_element(By.CSS_SELECTOR, sel).click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#finding-history li[data-event='acknowledged']")))
        panel = driver.find_element(By.ID, "finding-history").text
        check("triage: the history panel shows who acknowledged it and the comment as text",
              "admin" in panel and "<b>更新済み</b>" in panel and "確認済み" in panel, panel)
        shot("14-findings-history-ja")
        driver.execute_script("document.getElementById('f-reset').click()")  # may sit under the sticky header
        check("triage: nothing ran", not pwned())
    finally:
        driver.set_window_size(1400, 1000)


try:
    # Login.
    driver.get(BASE + "/")
    wait.until(EC.visibility_of_element_located((By.ID, "login-user")))
    shot("01-login")
    driver.find_element(By.ID, "login-user").send_keys("admin")
    driver.find_element(By.ID, "login-password").send_keys("adminpass1")
    driver.find_element(By.ID, "login-submit").click()
    wait.until(EC.visibility_of_element_located((By.ID, "ov-assets")))
    check("logged in: overview shows the device count", int(driver.find_element(By.ID, "ov-assets").text) > 0)
    shot("02-overview")

    # Assets: search, hostile names shown as text.
    go("#/assets")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#asset-table tbody tr")))
    total_before = driver.find_element(By.ID, "asset-total").text
    box = driver.find_element(By.ID, "asset-search")
    box.send_keys("<img")
    wait.until(lambda d: d.find_element(By.ID, "asset-total").text != total_before)
    rows = driver.find_elements(By.CSS_SELECTOR, "#asset-table tbody tr")
    text = " ".join(r.text for r in rows)
    check("search finds the hostile names", len(rows) >= 1 and "<img" in text, text)
    check("hostile names are not elements", not driver.find_elements(By.CSS_SELECTOR, "#asset-table img, #asset-table svg, #asset-table script"))
    shot("03-assets-search")
    box.clear()
    box.send_keys("\b")
    # Open the hostile LLDP switch from the table.
    link = rows[0].find_element(By.CSS_SELECTOR, "a.asset-link")
    link.click()
    wait.until(EC.visibility_of_element_located((By.ID, "asset-title")))
    title = driver.find_element(By.ID, "asset-title").text
    check("asset page title shows the payload as text", "<" in title, title)
    values = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, "td.fact-value"))
    check("asset facts show every payload as text", "<script>" in values or "<img" in values, values[:300])
    shot("04-asset")

    # Every hostile asset's page renders as text.
    go("#/assets")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#asset-table tbody tr")))
    for q in ("<script", "<b>"):
        box = driver.find_element(By.ID, "asset-search")
        box.clear()
        box.send_keys(q)
        time.sleep(1.0)
        cells = " ".join(r.text for r in driver.find_elements(By.CSS_SELECTOR, "#asset-table tbody tr"))
        check("search " + q + " shows it as text", q in cells, cells[:200])

    # The network map: plant, a zone, a device; filters, search, drag pans.
    def map_ready(level):
        wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-level") == level and
                   d.find_element(By.ID, "map").get_attribute("data-rendered-ms"))
        return driver.find_element(By.ID, "map")

    def cy(script, *args):
        return driver.execute_script("const cy = document.getElementById('map').cy; " + script, *args)

    def click_node(node_id):
        box = driver.find_element(By.ID, "map")
        p = cy("return cy.getElementById(arguments[0]).renderedPosition();", node_id)
        ActionChains(driver).move_to_element_with_offset(box, int(p["x"] - box.size["width"] / 2),
                                                         int(p["y"] - box.size["height"] / 2)).click().perform()

    def settle(cond, seconds=5):
        """Whether cond() holds within a few seconds (a select's change event comes after the click)."""
        end = time.time() + seconds
        while time.time() < end:
            if cond():
                return True
            time.sleep(0.1)
        return False

    def visible_devices():
        return cy("return cy.nodes(':visible').filter(n => n.data('kind') === 'device').length;")

    go("#/topology")
    try:
        box = map_ready("plant")
        zones = cy("return cy.nodes('[kind = \"zone\"]').map(n => n.id());")
        check("map: the plant shows its zones", len(zones) > 0, zones)
        shot("05-map-plant")
        before = cy("return cy.pan();")
        ActionChains(driver).move_to_element_with_offset(box, -box.size["width"] // 2 + 6, -box.size["height"] // 2 + 6) \
            .click_and_hold().move_by_offset(60, 40).move_by_offset(60, 40).release().perform()
        after = cy("return cy.pan();")
        check("map: dragging the background pans by the drag",
              abs(after["x"] - before["x"] - 120) < 3 and abs(after["y"] - before["y"] - 80) < 3, (before, after))
        check("map: dragging selects no text", driver.execute_script("return String(window.getSelection())") == "")
        # A zone opens on a click.
        cy("cy.fit();")
        busiest = cy("return cy.nodes('[kind = \"zone\"]').sort((a, b) => b.data('internal') - a.data('internal'))[0].id();")
        click_node(busiest)
        map_ready("zone")
        check("map: clicking a zone opens it (URL records the level)", "#/topology/zone/" in driver.current_url, driver.current_url)
        n_all = visible_devices()
        check("map: the zone shows its devices", n_all > 0, n_all)
        shot("05b-map-zone")
        classes = cy("return [...new Set(cy.nodes('[kind = \"device\"]').map(n => n.data('cls')))];")
        if len(classes) > 1:
            Select(driver.find_element(By.ID, "map-filter-class")).select_by_value(classes[0])
            check("map: the class filter hides the other devices", settle(lambda: 0 < visible_devices() < n_all),
                  (visible_devices(), n_all))
            Select(driver.find_element(By.ID, "map-filter-class")).select_by_value("")
            check("map: clearing the filter shows them again", settle(lambda: visible_devices() == n_all), (visible_devices(), n_all))
        protocols = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#map-filter-protocol option")][1:]
        if protocols:
            Select(driver.find_element(By.ID, "map-filter-protocol")).select_by_value(protocols[0])
            check("map: the protocol filter hides other protocols' links", settle(lambda: cy(
                "return cy.edges().filter(e => !e.data('protocols').includes(arguments[0]) && e.visible()).length;", protocols[0]) == 0))
            Select(driver.find_element(By.ID, "map-filter-protocol")).select_by_value("")
        # A device with conversations opens its level.
        dev = cy("return cy.nodes('[kind = \"device\"]').filter(n => !n.isParent()).sort((a, b) => b.degree() - a.degree())[0].id();")
        cy("cy.fit();")
        click_node(dev)
        map_ready("device")
        check("map: clicking a device opens its level", "#/topology/device/" in driver.current_url, driver.current_url)
        rows = driver.find_elements(By.CSS_SELECTOR, "#map-conversations tbody tr")
        check("map: the device lists its conversations", len(rows) > 0, len(rows))
        shot("05c-map-device")
        # Export: both buttons build their file without an error on the browser console.
        driver.find_element(By.ID, "map-png").click()
        driver.find_element(By.ID, "map-svg").click()
        driver.find_element(By.ID, "map-crumb-zone").click()
        map_ready("zone")
        check("map: the breadcrumb goes back to the zone", "#/topology/zone/" in driver.current_url)
        driver.back()
        map_ready("device")
        check("map: Back returns to the device level", "#/topology/device/" in driver.current_url, driver.current_url)
        driver.find_element(By.ID, "map-crumb-plant").click()
        map_ready("plant")
        # Search by MAC centres the map on the device, in its zone.
        mac = driver.execute_async_script(
            "const done = arguments[0]; fetch('/api/v1/assets?per_page=500', {credentials: 'same-origin'})"
            ".then(r => r.json()).then(j => { const a = j.items.filter(x => x.mac)[3] || j.items.find(x => x.mac); done([a.id, a.mac]); });")
        driver.find_element(By.ID, "map-search").send_keys(mac[1])
        driver.find_element(By.CSS_SELECTOR, "#map-search-form button").click()
        wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-focus") == mac[0])
        box = driver.find_element(By.ID, "map")
        p = cy("return cy.getElementById(arguments[0]).renderedPosition();", mac[0])
        check("map: search centres the device", abs(p["x"] - box.size["width"] / 2) < 4 and abs(p["y"] - box.size["height"] / 2) < 4,
              (p, box.size))
        shot("05d-map-search")
        # The hostile names through the map: their zone and their device level.
        search = driver.find_element(By.ID, "map-search")
        search.clear()
        search.send_keys("<img")
        driver.find_element(By.CSS_SELECTOR, "#map-search-form button").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map-results button, #map[data-focus]"))
        picks = driver.find_elements(By.CSS_SELECTOR, "#map-results button")
        check("map: hostile search results are text", not driver.find_elements(By.CSS_SELECTOR, "#map-results img, #map-results script") and
              (not picks or "<img" in picks[0].text), picks and picks[0].text)
        if picks:
            target = picks[0].get_attribute("data-id")
            picks[0].click()
            wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-focus") == target)
            shot("05e-map-hostile-zone")
            go("#/topology/device/" + target)
            map_ready("device")
            label = driver.find_element(By.ID, "map-crumb-device").text
            check("map: a hostile name is a text label", "<" in label and not driver.find_elements(By.CSS_SELECTOR, "#main img, #main script"), label)
            shot("05f-map-hostile-device")
        for z in zones:
            go("#/topology/zone/" + urllib.parse.quote(z, safe=""))
            map_ready("zone")
        check("map: every zone drew and nothing ran", not pwned())
    except TimeoutException:
        check("map draws", False, driver.find_element(By.ID, "main").text[:400])

    # Findings: acknowledge one with a comment (select its row; one comment for the selection).
    go("#/findings")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#findings tr[data-finding]")))
    row = driver.find_element(By.CSS_SELECTOR, "#findings tr.flagged-row[data-finding]")
    fid = row.get_attribute("data-finding")
    shot("06-findings")
    row.find_element(By.CSS_SELECTOR, "input.row-select").click()
    driver.find_element(By.ID, "bulk-comment").send_keys("<i>known</i> laptop of the integrator")
    driver.find_element(By.ID, "bulk-ack").click()
    wait.until(lambda d: d.find_element(By.ID, "bulk-result").text.startswith("1 "))
    Select(driver.find_element(By.ID, "f-state")).select_by_value("acknowledged")
    state_cell = "#findings tr[data-finding='%s'] td.finding-state" % fid
    wait.until(lambda d: [c.text for c in d.find_elements(By.CSS_SELECTOR, state_cell)] == ["acknowledged"])
    check("finding acknowledged from the page", True)
    driver.find_element(By.CSS_SELECTOR, "#findings tr[data-finding='%s'] button.history-button" % fid).click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#finding-history li[data-event='acknowledged']")))
    comment_cell = driver.find_element(By.ID, "finding-history").text
    check("the comment shows as text", "<i>known</i>" in comment_cell, comment_cell)
    driver.execute_script("document.getElementById('f-reset').click()")  # may sit under the sticky header

    # Advisories (imported by web_browser.sh when ../shared/advisories is there):
    # the devices each affects; an admin records a remediation state.
    go("#/advisories")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "main .page h1.advisories-title")))
    sections = driver.find_elements(By.CSS_SELECTOR, "section.advisory")
    if sections:
        row = sections[0].find_element(By.CSS_SELECTOR, "tr[data-asset]")
        asset = row.get_attribute("data-asset")
        adv = sections[0].get_attribute("data-advisory")
        shot("07a-advisories")
        Select(row.find_element(By.CSS_SELECTOR, "select.state-select")).select_by_value("compensated")
        row.find_element(By.CSS_SELECTOR, "input.state-comment").send_keys("<b>port</b> closed")
        row.find_element(By.CSS_SELECTOR, "button.state-button").click()
        sel = "section[data-advisory='%s'] tr[data-asset='%s'] td.finding-state" % (adv, asset)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, sel).text.startswith("compensated"))
        cell = driver.find_element(By.CSS_SELECTOR, sel).text
        check("remediation state recorded from the page, comment as text", "<b>port</b>" in cell, cell)
    else:
        main_text = driver.find_element(By.ID, "main").text
        check("advisories page without imports says so", "mieruka advisories import" in main_text, main_text[:300])

    # Changes and reports.
    go("#/changes")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#diff h2, main p.muted")))
    shot("07-changes")
    go("#/reports")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "main h2")))
    shot("08-reports")

    # Japanese.
    Select(driver.find_element(By.ID, "lang")).select_by_value("ja")
    go("#/findings")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text == "指摘事項")
    check("Japanese: findings title", True)
    check("Japanese: navigation", driver.find_element(By.ID, "nav-assets").text == "機器一覧" and
          driver.find_element(By.ID, "nav-topology").text == "ネットワーク図", driver.find_element(By.ID, "nav").text)
    check("Japanese: html lang", driver.execute_script("return document.documentElement.lang") == "ja")
    shot("09-findings-ja")
    findings_triage()
    go("#/")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text == "概要")
    shot("10-overview-ja")
    go("#/topology")
    try:
        wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-rendered-ms"))
        check("Japanese: the map's breadcrumb and help", driver.find_element(By.ID, "map-crumb-plant").text == "工場全体")
        shot("10a-map-ja")
    except TimeoutException:
        check("Japanese: the map draws", False)
    go("#/assets")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#asset-table th")))
    heads = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#asset-table th")]
    check("Japanese: table headings", any(h.startswith("機器名") for h in heads), heads)
    shot("11-assets-ja")

    # Nothing ran.
    check("no injected script ran (window.__pwned, title)", not pwned(),
          driver.execute_script("return [String(window.__pwned), document.title]"))
    check("no alert opened", no_alert())
finally:
    drain_console()
    driver.quit()

errors = [e for e in console if e.get("level") == "SEVERE"]
check("no errors on the browser console", not errors, errors)
csp = [e for e in console if "Content Security Policy" in e.get("message", "")]
check("no CSP violations", not csp, csp)
sys.exit(failed)
