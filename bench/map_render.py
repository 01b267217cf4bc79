#!/usr/bin/python3
"""Times the console's network map in headless Chromium (bench/map_render.sh).

Usage: map_render.py RUNS DEVICES=URL...
For each server: logs in as bench/benchpass1, loads #/topology RUNS times (a
full page load each: modules, API calls, layout, first frame) and reads the
page's own measure (data-rendered-ms: from the route's start to Cytoscape's
first frame) and the wall time from navigation until it is set; then the same
for the zone with the most devices, and the time of one zoom redraw there.
Prints the medians and the ratio of each line to the first server's.
"""
import statistics
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

runs = int(sys.argv[1])
servers = [a.split("=", 1) for a in sys.argv[2:]]
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,900",
          "--lang=en-US", "--disable-extensions", "--no-first-run"):
    opts.add_argument(a)


def measure(driver, url, hash_):
    driver.get("about:blank")
    start = time.perf_counter()
    driver.get(url + "/" + hash_)
    WebDriverWait(driver, 300).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#map[data-rendered-ms]"))
    wall = (time.perf_counter() - start) * 1000
    m = driver.find_element(By.ID, "map")
    print("  %s %s: data %s ms, built %s ms, first frame %s ms" % (url, hash_, m.get_attribute("data-fetched-ms"),
                                                                  m.get_attribute("data-built-ms"), m.get_attribute("data-rendered-ms")))
    return int(m.get_attribute("data-rendered-ms")), wall


results = []
for devices, url in servers:
    url = url.rstrip("/")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        driver.set_script_timeout(300)
        driver.get(url + "/")
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "login-user"))
        driver.find_element(By.ID, "login-user").send_keys("bench")
        driver.find_element(By.ID, "login-password").send_keys("benchpass1")
        driver.find_element(By.ID, "login-submit").click()
        WebDriverWait(driver, 300).until(lambda d: d.find_elements(By.ID, "ov-assets"))
        plant = [measure(driver, url, "#/topology") for _ in range(runs)]
        zones = driver.execute_script("return document.getElementById('map').cy.nodes('[kind = \"zone\"]').length")
        largest = driver.execute_async_script(
            "const done = arguments[0]; fetch('/api/v1/map?level=plant', {credentials: 'same-origin'}).then(r => r.json())"
            ".then(j => { const z = j.zones.sort((a, b) => b.devices - a.devices)[0]; done([z.id, z.devices]); });")
        zone = [measure(driver, url, "#/topology/zone/" + largest[0]) for _ in range(runs)]
        elements = driver.execute_script("return document.getElementById('map').cy.elements().length")
        zoom = driver.execute_async_script(
            "const done = arguments[0]; const cy = document.getElementById('map').cy; const t0 = performance.now();"
            "cy.one('render', () => requestAnimationFrame(() => done(performance.now() - t0))); cy.zoom(cy.zoom() * 1.5);")
    finally:
        driver.quit()
    results.append({
        "devices": devices, "zones": zones, "zone": largest[0], "zone_devices": largest[1], "elements": elements,
        "plant_ms": statistics.median(p[0] for p in plant), "plant_wall": statistics.median(p[1] for p in plant),
        "zone_ms": statistics.median(z[0] for z in zone), "zone_wall": statistics.median(z[1] for z in zone),
        "zoom_ms": zoom})

base = results[0]
print("map first render, median of %d full page loads (ms); ratio to the %s-device baseline" % (runs, base["devices"]))
print("%-8s %-34s %10s %10s %7s" % ("devices", "view", "in page", "wall", "ratio"))
for r in results:
    print("%-8s %-34s %10.0f %10.0f %7.2f" % (r["devices"], "plant (%d zones)" % r["zones"], r["plant_ms"], r["plant_wall"],
                                              r["plant_ms"] / base["plant_ms"]))
    print("%-8s %-34s %10.0f %10.0f %7.2f" % (r["devices"], "zone %s (%d devices, %d elements)" % (r["zone"], r["zone_devices"], r["elements"]),
                                              r["zone_ms"], r["zone_wall"], r["zone_ms"] / base["zone_ms"]))
    print("%-8s %-34s %10.0f %10s %7.2f" % (r["devices"], "zoom redraw in that zone", r["zoom_ms"], "", r["zoom_ms"] / max(1, base["zoom_ms"])))
