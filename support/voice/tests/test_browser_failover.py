"""The widget in Debian's Chromium when its server process dies mid-reply (README "Scaling out"):
it shows that it is reconnecting, retries with backoff, gives up after about a minute with a
retry button, and on reconnecting resumes the same conversation and hears the cut-off answer
again, whole, once. The server is real (Daphne, the offline brain, Piper); SIGKILL is the death."""

from __future__ import annotations

import json
import os

import pytest

from support.tests import browser_helpers as bh

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not (os.path.exists(bh.CHROMIUM) and os.path.exists(bh.CHROMEDRIVER)),
                       reason="needs Debian's chromium and chromium-driver (./dev.sh test installs them)"),
]

QUESTION = "What is your return policy?"


@pytest.fixture
def server(tmp_path):
    srv = bh.LiveServer(tmp_path).start()
    yield srv
    srv.stop()


def test_a_dead_server_mid_reply_is_reconnected_and_the_answer_given_again(server, tmp_path):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver = bh.chromium(workdir=tmp_path)
    js = driver.execute_script

    def wait(script: str, what: str, timeout: float = 40):
        try:
            return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(script))
        except TimeoutException:
            bh.screenshot(driver, "failover-FAILED")
            events = [{k: v for k, v in e.items() if k in ("type", "text", "code", "turn", "resumed", "pending")}
                      for e in js("return VoxsiteWidget.state.events")]
            pytest.fail(f"timed out waiting for {what}\nevents: {json.dumps(events, ensure_ascii=False)}\n"
                        f"console:\n{bh.console(driver)}\nserver log:\n{server.log()}")

    def bubbles(role: str) -> list[str]:
        return js("return Array.from(document.querySelectorAll('.vx-log .vx-' + arguments[0]))"
                  ".map(function (li) { return li.textContent; })", role)

    connection = "return document.querySelector('.vx-root').dataset.connection"
    try:
        driver.get(server.url + "/")
        wait("return !!(window.VoxsiteWidget && document.querySelector('.vx-root .vx-launcher'))", "the widget", 15)

        # The schedule: 0.5 s, 1, 2, 4, then 8 s, each within +-25 %, until a minute has gone by.
        mid = js("return VoxsiteWidget.reconnectDelays(function () { return 0.5; })")
        assert mid[:6] == [500, 1000, 2000, 4000, 8000, 8000] and set(mid[4:]) == {8000}
        assert sum(mid[:-1]) < 60000 <= sum(mid)
        low = js("return VoxsiteWidget.reconnectDelays(function () { return 0; })")
        high = js("return VoxsiteWidget.reconnectDelays(function () { return 0.999999; })")
        assert low[0] == 375 and round(high[0]) == 625 and max(high) < 10000

        driver.find_element("css selector", ".vx-launcher").click()
        wait("return !!VoxsiteWidget.state.session", "the conversation to open", 20)
        js("document.querySelector('.vx-lang').value = 'en'; document.querySelector('.vx-lang').dispatchEvent(new Event('change'))")
        first_session = js("return VoxsiteWidget.state.session.session_id")
        driver.find_element("css selector", ".vx-input").send_keys(QUESTION, Keys.ENTER)
        wait("return VoxsiteWidget.state.chunksReceived > 0", "the answer's first audio")
        assert not js("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'end'; })"), \
            "the answer ended before the server could be killed"
        server.kill()

        wait(connection + " === 'reconnecting'", "the reconnecting state", 10)
        assert js("return document.querySelector('.vx-status-text').textContent") == "Reconnecting…"
        assert bubbles("user") == [QUESTION]  # what was on screen stays
        bh.screenshot(driver, "failover-1-reconnecting")

        # A minute of failed attempts (wound forward): the widget stops and offers a retry button.
        js("VoxsiteWidget.state.downSince = Date.now() - 61000")
        wait(connection + " === 'offline'", "the widget to give up", 20)
        assert js("return document.querySelector('.vx-status-text').textContent") == "Connection lost."
        assert js("return document.querySelector('.vx-retry').offsetParent !== null")
        bh.screenshot(driver, "failover-2-gave-up")

        server.serve()
        driver.find_element("css selector", ".vx-retry").click()
        wait("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'session' && e.resumed; })",
             "the conversation to resume", 20)
        resumed = js("return VoxsiteWidget.state.events.filter(function (e) { return e.type === 'session' && e.resumed; })[0]")
        assert resumed["session_id"] == first_session and resumed["pending"]["answer"] == "repeat"
        assert resumed["pending"]["text"] == QUESTION
        wait("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'reply' && e.resumed; })",
             "the answer, again", 60)
        reply = js("return VoxsiteWidget.state.events.filter(function (e) { return e.type === 'reply'; }).pop()")
        wait(connection + " === 'open' && !document.querySelector('.vx-retry').offsetParent", "the status to clear", 5)
        bh.screenshot(driver, "failover-3-answered-again")

        assert bubbles("user") == [QUESTION]
        assert bubbles("assistant") == [reply["text"]] and "7 days" in reply["text"]
        assert js("return VoxsiteWidget.state.reconnects") == 1
        assert len([e for e in js("return VoxsiteWidget.state.events") if e["type"] == "session"]) == 2
        assert js("return document.querySelector('.vx-lang').value") == "en"
        assert json.loads(js("return sessionStorage.getItem('voxsite-session')"))["session_id"] == first_session
    finally:
        driver.quit()
