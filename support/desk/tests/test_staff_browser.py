"""The staff live pages in Debian's Chromium against a real Daphne server: the list updates as a
shopper talks, a handoff raises the banner and the title, and a takeover, a reply and a hand-back
work from the buttons (static/support/staff/live.js over /ws/staff/live). Screenshots go to
test-artifacts/browser/staff-*.png."""

from __future__ import annotations

import json
import os
import urllib.request

import pytest

from support.tests import browser_helpers as bh

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not (os.path.exists(bh.CHROMIUM) and os.path.exists(bh.CHROMEDRIVER)),
                       reason="needs Debian's chromium and chromium-driver (./dev.sh test installs them)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = bh.LiveServer(tmp_path_factory.mktemp("staff-live")).start()
    yield srv
    srv.stop()


def shopper_says(server, text: str, session: dict | None = None) -> dict:
    body = {"text": text, "language": "en", **({"session_id": session["session_id"], "token": session["token"]} if session else {})}
    req = urllib.request.Request(server.url + "/api/conversation/message", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


@pytest.fixture
def staff_page(server, tmp_path):
    from django.conf import settings
    from selenium.webdriver.common.by import By

    driver = bh.chromium(workdir=tmp_path)
    driver.get(server.url + "/admin/login/")
    driver.find_element(By.NAME, "username").send_keys("staff")
    driver.find_element(By.NAME, "password").send_keys(settings.DEMO_STAFF_PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # The click returns before the login's POST has set the session cookie: a page opened at once
    # could be the login page again.
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30, poll_frequency=0.1).until(lambda d: "/admin/login/" not in d.current_url)
    yield driver
    driver.quit()


def wait(driver, server, script: str, what: str, timeout: float = 30):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(script))
    except TimeoutException:
        bh.screenshot(driver, "staff-FAILED")
        pytest.fail(f"timed out waiting for {what}\nbrowser console:\n{bh.console(driver)}\nserver log:\n{server.log()}")


def test_live_list_queue_and_takeover_in_the_browser(server, staff_page):
    from selenium.webdriver.common.by import By

    driver = staff_page
    driver.get(server.url + "/admin/support/conversation/live/")
    wait(driver, server, "var s = document.querySelector('.vx-live-status'); return s && s.textContent.indexOf('connected as staff') > 0",
         "the live socket to connect")

    # A shopper's turn appears in the list as it happens.
    first = shopper_says(server, "What is your return policy?")
    sid = first["session_id"]
    row = f"document.querySelector('.vx-live-list tr[data-session-id=\"{sid}\"] .vx-col-latest')"
    wait(driver, server, f"var c = {row}; return c && c.textContent.indexOf('Assistant:') === 0", "the reply in the list")
    assert first["reply"][:40] in driver.execute_script(f"return {row}.textContent")
    cells = driver.execute_script(f"return Array.from(document.querySelectorAll('.vx-live-list tr[data-session-id=\"{sid}\"] td'))"
                                  ".map(function (td) { return td.textContent.trim(); })")
    assert cells[:3] == [sid[:8], "web-text", "en"] and cells[6] == "1"  # one shopper turn so far

    # The shopper asks for a human: banner, title and queue.
    shopper_says(server, "I want to talk to a human", first)
    wait(driver, server, "return !document.querySelector('.vx-handoff-banner').hidden", "the handoff banner")
    assert driver.title.startswith("(1) Handoff requested")
    wait(driver, server, f"return !!document.querySelector('.vx-queue tr[data-session-id=\"{sid}\"]')", "the queue row")
    bh.screenshot(driver, "staff-live-list")

    # Open it, take over, answer, and see the shopper's next words arrive live.
    driver.find_element(By.CSS_SELECTOR, f'.vx-queue tr[data-session-id="{sid}"] a').click()
    wait(driver, server, "var s = document.querySelector('.vx-live-status'); return s && s.textContent.indexOf('connected') > 0",
         "the conversation page's socket")
    driver.find_element(By.CSS_SELECTOR, "form.vx-takeover button").click()
    wait(driver, server, "return !document.querySelector('form.vx-reply').hidden", "the reply box after taking over")
    assert driver.find_element(By.CSS_SELECTOR, ".vx-owner").text == "staff"
    box = driver.find_element(By.CSS_SELECTOR, "form.vx-reply textarea")
    box.send_keys("Hello, this is the support team. How can I help?")
    driver.find_element(By.CSS_SELECTOR, "form.vx-reply button").click()
    wait(driver, server, "return !!document.querySelector('.vx-transcript li.vx-staff')", "the staff message")
    assert driver.find_element(By.CSS_SELECTOR, "form.vx-reply textarea").get_attribute("value") == ""

    paused = shopper_says(server, "I was charged twice for my order", first)
    assert paused["reply"] == ""
    wait(driver, server, "return Array.from(document.querySelectorAll('.vx-transcript li.vx-user'))"
         ".some(function (li) { return li.textContent.indexOf('charged twice') >= 0; })", "the shopper's words, live")
    bh.screenshot(driver, "staff-live-conversation")

    driver.find_element(By.CSS_SELECTOR, "form.vx-handback button").click()
    wait(driver, server, "return !document.querySelector('form.vx-takeover').hidden", "the takeover button again")
    assert driver.find_element(By.CSS_SELECTOR, ".vx-owner").text == "assistant"
    assert shopper_says(server, "What is your return policy?", first)["reply"]
    # Nothing went wrong in the page.
    errors = [line for line in bh.console(driver).splitlines() if line.startswith("SEVERE") and "favicon" not in line]
    assert not errors, errors
