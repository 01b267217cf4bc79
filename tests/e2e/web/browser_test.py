#!/usr/bin/python3
"""The console in headless Chromium (Debian's chromium + chromedriver, selenium).

Usage: browser_test.py BASE_URL SCREENSHOT_DIR
Logs in as admin/adminpass1, searches the asset table, opens an asset, opens
the topology and clicks a device, acknowledges a finding, switches to Japanese
and checks the labels, visits every page; asserts that the hostile device
names of pcaps/hostile_names.pcapng show as text and that nothing they carry
ran (window.__pwned, document.title, alerts), and that the browser console has
no errors. Saves a screenshot of each page into SCREENSHOT_DIR.
"""
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
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

    # Topology: the SVG, a flagged device, click opens the asset.
    go("#/topology")
    try:
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#topology g.node")))
        nodes = driver.find_elements(By.CSS_SELECTOR, "#topology g.node")
        check("topology draws devices", len(nodes) > 0)
        shot("05-topology")
        target = nodes[0].get_attribute("data-id")
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", nodes[0])
        wait.until(EC.visibility_of_element_located((By.ID, "asset-title")))
        check("clicking a device opens its page", target and target in driver.current_url, driver.current_url)
    except TimeoutException:
        check("topology draws devices", False, driver.find_element(By.ID, "main").text)

    # Findings: acknowledge one with a comment.
    go("#/findings")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#findings tr[data-finding]")))
    row = driver.find_element(By.CSS_SELECTOR, "#findings tr.flagged-row[data-finding]")
    fid = row.get_attribute("data-finding")
    shot("06-findings")
    row.find_element(By.CSS_SELECTOR, "input.ack-comment").send_keys("<i>known</i> laptop of the integrator")
    row.find_element(By.CSS_SELECTOR, "button.ack-button").click()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#findings tr[data-finding='%s'] td.finding-state" % fid).text
               == "acknowledged")
    check("finding acknowledged from the page", True)
    comment_cell = driver.find_element(By.CSS_SELECTOR, "#findings tr[data-finding='%s']" % fid).text
    check("the comment shows as text", "<i>known</i>" in comment_cell, comment_cell)

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
    go("#/")
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "main h1").text == "概要")
    shot("10-overview-ja")
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
