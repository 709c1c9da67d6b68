"""End-to-end cases of the web app's cold start (issue 20): the snapshot and the route asked
for once, the WebSocket connected while IndexedDB opens and resumed from the snapshot's
position, the stored copy on a warm start, long polling when MQTT.js cannot load
(web_coldstart.js in headless Chromium). Run through irisd_e2e.py; each
case starts its own irisd.
"""
from cases_webapp import run_browser_suite


def case_webapp_cold_start_resumes_from_the_snapshot_stores_it_and_long_polls_without_mqtt_js():
    run_browser_suite("web_coldstart.js", {}, timeout=105)
