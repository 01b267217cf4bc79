#!/usr/bin/python3
"""The network map's labels at plant scale (tests/e2e/web_map_scale.sh).

Usage: map_scale_test.py BASE_URL SCREENSHOT_DIR
At 1440x900, logs in as admin/adminpass1 and opens the plant level and every
zone. In each view, from Cytoscape's own state: every zone and device label,
at twice the zoom the view opens with (the user zooms in at most 2x), is drawn
at least 9 CSS px tall and above the size below which the map hides labels;
and no two labels' boxes overlap. Saves a screenshot of each view, opened and
zoomed 2x, into SCREENSHOT_DIR (the plant, the office and one cell).
"""
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE, SHOTS = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(SHOTS, exist_ok=True)
failed = 0
MIN_PX = 9


def check(name, cond, detail=""):
    global failed
    if cond:
        print("ok   " + name)
    else:
        failed = 1
        print("FAIL " + name + (": " + str(detail)[:600] if detail else ""))


opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,900",
          "--lang=ja-JP", "--disable-extensions", "--no-first-run", "--force-device-scale-factor=1"):
    opts.add_argument(a)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
wait = WebDriverWait(driver, 60)

# One view's labels: the zoom it opens with, and per label (zone, device, class
# group, other zone) its font size in model px and its box in model
# coordinates; overlaps between boxes are found here, at the doubled zoom.
MEASURE = """
const cy = document.getElementById('map').cy;
const z0 = cy.zoom(), z = Math.min(2 * z0, cy.maxZoom());
const labels = [];
cy.nodes(':visible').forEach((n) => {
  if (!n.data('label')) return;
  const bb = n.boundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
  labels.push({ id: n.id(), kind: n.data('kind'), text: n.data('label'), font: parseFloat(n.style('font-size')),
    hide: parseFloat(n.style('min-zoomed-font-size')) || 0, x1: bb.x1, y1: bb.y1, x2: bb.x2, y2: bb.y2 });
});
return { z0, z, labels, box: [cy.width(), cy.height()] };
"""


def measure(view):
    m = driver.execute_script(MEASURE)
    z, labels = m["z"], m["labels"]
    kinds = {}
    small = []
    for lb in labels:
        kinds[lb["kind"]] = kinds.get(lb["kind"], 0) + 1
        px = lb["font"] * z
        if px < MIN_PX or px < lb["hide"]:
            small.append((lb["text"].split("\n")[0], round(px, 1)))
    over = []
    ordered = sorted(labels, key=lambda b: b["x1"])
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b["x1"] >= a["x2"]:
                break
            if a["y1"] < b["y2"] and b["y1"] < a["y2"]:
                over.append((a["text"].split("\n")[0], b["text"].split("\n")[0]))
    smallest = min((lb["font"] * z for lb in labels), default=0)
    print("  %s: %s labels, opened at zoom %.3f, at %.3f the smallest is %.1f px" % (view, kinds, m["z0"], z, smallest))
    return m, small, over


def shoot(name, zoom):
    if zoom:
        driver.execute_script("const cy = document.getElementById('map').cy;"
                              "cy.zoom({level: Math.min(2 * cy.zoom(), cy.maxZoom()), position: cy.nodes(':visible').boundingBox().x1 === undefined ? {x: 0, y: 0} : "
                              "{x: cy.nodes(':visible').boundingBox().x1 + 200, y: cy.nodes(':visible').boundingBox().y1 + 120}});")
    time.sleep(0.4)
    path = os.path.join(SHOTS, name + ".png")
    driver.save_screenshot(path)
    print("screenshot " + path)


def open_view(hash_):
    # The route replaces #map; the old one loses its mark first.
    driver.execute_script("const m = document.getElementById('map'); if (m) m.removeAttribute('data-rendered-ms');"
                          "location.hash = arguments[0];", hash_)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map[data-rendered-ms]"))


try:
    driver.get(BASE + "/")
    wait.until(lambda d: d.find_elements(By.ID, "login-user"))
    driver.find_element(By.ID, "login-user").send_keys("admin")
    driver.find_element(By.ID, "login-password").send_keys("adminpass1")
    driver.find_element(By.ID, "login-submit").click()
    wait.until(lambda d: d.find_elements(By.ID, "ov-assets"))

    open_view("#/topology")
    m, small, over = measure("plant")
    zones = [lb["id"] for lb in m["labels"] if lb["kind"] == "zone"]
    check("plant: 24 zones drawn", len(zones) == 24, zones)
    check("plant: every zone label at least %d px at 2x the opening zoom" % MIN_PX, not small, small)
    check("plant: no two zone labels overlap", not over, over)
    shoot("plant", False)
    shoot("plant-2x", True)

    devices = 0
    for i, zid in enumerate(sorted(zones)):
        open_view("#/topology/zone/" + zid)
        m, small, over = measure(zid)
        n = sum(1 for lb in m["labels"] if lb["kind"] == "device")
        devices += n
        check("zone %s: %d device labels at least %d px at 2x the opening zoom" % (zid, n, MIN_PX), n and not small, small)
        check("zone %s: no two labels overlap" % zid, not over, over)
        if n > 100 or i == 1:  # the office and one cell
            shoot("zone-%02d" % i, False)
            shoot("zone-%02d-2x" % i, True)
    check("every device drawn in its zone", devices == 500, devices)
finally:
    driver.quit()
sys.exit(failed)
