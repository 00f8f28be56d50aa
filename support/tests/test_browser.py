"""The shopper's widget in Debian's Chromium against a real Daphne server (issue 5, items 7 and 8).

Chromium's fake microphone plays a WAV synthesised with the project's Piper voice; everything
behind the socket is the real stack: Silero VAD, faster-whisper, the offline brain and its tools
on the seeded demo data, Piper for the reply. Screenshots of every step go to
test-artifacts/browser/ (look at them: the assertions cannot judge the layout).
"""

from __future__ import annotations

import json
import os
import wave

import numpy as np
import pytest

from support.assistant.offline.replies import render
from support.speech.audio import float_to_pcm16

from . import browser_helpers as bh
from .speech_helpers import sample_samples

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not (os.path.exists(bh.CHROMIUM) and os.path.exists(bh.CHROMEDRIVER)),
                       reason="needs Debian's chromium and chromium-driver (./dev.sh test installs them)"),
]

# One clause with no pause in it: a pause over VOICE_EOT_SILENCE_MS would end the turn mid-question.
ORDER_QUESTION = "Status of order 1042 with phone number ending 3123."

# Records every text the tool-activity line shows: it is cleared when the turn ends.
WATCH_ACTIVITY = """
window.__activity = [];
var el = document.querySelector('.vx-activity');
new MutationObserver(function () { if (el.textContent) window.__activity.push(el.textContent); })
  .observe(el, {childList: true, characterData: true, subtree: true});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = bh.LiveServer(tmp_path_factory.mktemp("live")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("browser")


class Page:
    """One Chromium tab on the shop page, with waits that explain themselves when they fail."""

    def __init__(self, driver, server: bh.LiveServer, name: str):
        self.driver, self.server, self.name = driver, server, name

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def el(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def events(self) -> list[dict]:
        return self.js("return window.VoxsiteWidget ? VoxsiteWidget.state.events : []") or []

    def wait(self, script: str, what: str, timeout: float = 40):
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.2).until(lambda d: d.execute_script(script))
        except TimeoutException:
            self.fail(f"timed out waiting for {what}")

    def fail(self, why: str):
        bh.screenshot(self.driver, f"{self.name}-FAILED")
        summary = [{k: v for k, v in e.items() if k in ("type", "text", "name", "code", "detail", "state", "turn", "reason")}
                   for e in self.events()]
        state = self.js("var s = VoxsiteWidget.state; return {maxLevel: s.maxLevel, framesSent: s.framesSent, "
                        "micError: s.micError, chunksReceived: s.chunksReceived, chunksPlayed: s.chunksPlayed, "
                        "playedSeconds: s.playedSeconds}")
        pytest.fail(f"{why}\nwidget state: {state}\nevents: {json.dumps(summary, ensure_ascii=False)}\n"
                    f"browser console:\n{bh.console(self.driver)}\nserver log (tail):\n{self.server.log()}")

    def bubbles(self, role: str) -> list[str]:
        return self.js("return Array.from(document.querySelectorAll('.vx-log .vx-' + arguments[0]))"
                       ".map(function (li) { return li.textContent; })", role)


@pytest.fixture
def browser(server, workdir):
    pages = []

    def open_page(name: str, *, wav=None, size=(1280, 900)) -> Page:
        driver = bh.chromium(workdir=workdir, wav=wav, size=size)
        page = Page(driver, server, name)
        pages.append(page)
        driver.get(server.url + "/")
        page.wait("return !!(window.VoxsiteWidget && document.querySelector('.vx-root .vx-launcher'))", "the widget to mount", 15)
        page.js(WATCH_ACTIVITY)
        return page

    yield open_page
    for page in pages:
        # The protocol as the widget saw it, next to the screenshots, for reading a failure.
        try:
            events = [{k: v for k, v in e.items() if k not in ("token",)} for e in page.events()]
            (bh.ARTIFACTS / f"{page.name}-events.json").write_text(json.dumps(events, ensure_ascii=False, indent=1))
        finally:
            page.driver.quit()


def test_hands_free_voice_turn_about_an_order(browser, workdir):
    from selenium.webdriver.common.keys import Keys

    wav = bh.speech_wav(workdir / "order-question.wav", [0.7, ORDER_QUESTION, 1.5])
    page = browser("desktop-voice", wav=wav)
    assert "Products" in page.driver.page_source
    bh.screenshot(page.driver, "01-desktop-shop")

    page.el(".vx-launcher").send_keys(Keys.ENTER)  # keyboard: Enter on the floating button opens the panel
    page.wait("return !document.querySelector('.vx-panel').hidden && VoxsiteWidget.state.connected", "the panel and socket", 15)
    assert page.el(".vx-launcher").get_attribute("aria-expanded") == "true"
    bh.screenshot(page.driver, "02-desktop-open")

    page.el(".vx-mic").send_keys(Keys.SPACE)  # keyboard: Space on the mic button starts hands-free listening
    page.wait("return VoxsiteWidget.state.micOn && VoxsiteWidget.state.framesSent > 0", "the microphone to stream", 15)
    assert page.el(".vx-mic").get_attribute("aria-pressed") == "true"

    page.wait("return Array.from(document.querySelectorAll('.vx-log .vx-user'))"
              ".some(function (li) { return /1,?042/.test(li.textContent); })", "the transcript bubble", 45)
    page.wait("return document.querySelector('.vx-root').dataset.lastTool === 'track_order'", "the track_order tool call")
    page.wait("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'end'; })", "the end of the turn")
    page.wait("return VoxsiteWidget.state.chunksPlayed > 0 && VoxsiteWidget.state.playedSeconds > 0", "reply audio to play")
    bh.screenshot(page.driver, "03-desktop-voice-turn")

    (user,) = page.bubbles("user")
    assert "order" in user.lower() and "1042" in user.replace(",", "")  # Whisper writes "1,042" at times
    (reply,) = page.bubbles("assistant")
    assert "ORD-1042" in reply and "shipped" in reply.lower()
    assert "Checking your order…" in page.js("return window.__activity")
    # The fake microphone really delivered the WAV (a missing or 24-bit file is silence, not an error).
    assert page.js("return VoxsiteWidget.state.maxLevel") > 0.02
    events = page.events()
    (call,) = [e for e in events if e["type"] == "tool_call"]
    assert call["name"] == "track_order"
    (metrics,) = [e for e in events if e["type"] == "metrics"]
    assert metrics["eos_to_first_audio_ms"] is not None and metrics["eos_to_transcript_ms"] is not None
    assert [e["state"] for e in events if e["type"] == "vad"] == ["speech_start", "speech_end"]
    assert not [e for e in events if e["type"] == "error"]


def test_push_to_talk_then_a_typed_turn_by_keyboard_on_a_phone(browser, workdir):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    wav = bh.speech_wav(workdir / "policy-question.wav", [0.7, "What is your return policy?", 0.6])
    page = browser("phone", wav=wav, size=(390, 844))
    bh.screenshot(page.driver, "04-phone-shop")
    page.el(".vx-launcher").send_keys(Keys.ENTER)
    page.wait("return VoxsiteWidget.state.connected", "the socket", 15)
    assert page.js("return document.activeElement.id") == "vx-input"
    # Phone layout: the panel fills the screen and the floating button gets out of the way.
    width, inner, launcher_shown = page.js(
        "var r = document.querySelector('.vx-panel').getBoundingClientRect();"
        "return [r.width, document.documentElement.clientWidth, document.querySelector('.vx-launcher').offsetParent !== null]")
    assert width == inner and not launcher_shown
    bh.screenshot(page.driver, "05-phone-open")

    # Tab order through the open panel from its heading; on a phone it wraps around inside the panel.
    page.js("document.querySelector('.vx-title').focus()")
    order = []
    for _ in range(8):
        ActionChains(page.driver).send_keys(Keys.TAB).perform()
        order.append(page.js("return document.activeElement.className"))
    assert order == ["vx-lang", "vx-mode", "vx-close", "vx-log", "vx-mic", "vx-input", "vx-send", "vx-lang"]
    ActionChains(page.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert page.js("return document.activeElement.className") == "vx-send"

    page.el(".vx-mode").send_keys(Keys.ENTER)  # Enter on a button: push-to-talk mode
    assert page.el(".vx-mic").get_attribute("aria-label") == "Hold to talk" and page.el(".vx-mode").text == "Push-to-talk"
    # Hold Space on the mic button for the whole question (the WAV starts when the mic opens).
    page.js("document.querySelector('.vx-mic').focus()")
    ActionChains(page.driver).key_down(Keys.SPACE).perform()
    page.wait("return VoxsiteWidget.state.framesSent >= 150", "3 s of push-to-talk audio", 20)
    assert page.el(".vx-mic").get_attribute("aria-pressed") == "true"
    ActionChains(page.driver).key_up(Keys.SPACE).perform()
    assert page.el(".vx-mic").get_attribute("aria-pressed") == "false"
    page.wait("return document.querySelector('.vx-root').dataset.lastTool === 'get_policy'", "the get_policy tool call")
    page.wait("return VoxsiteWidget.speaking()", "the policy answer to play")
    assert "return policy" in page.bubbles("user")[0].lower()
    assert "7 days" in page.bubbles("assistant")[0]
    assert "Reading our policy…" in page.js("return window.__activity")
    # Push-to-talk: releasing the button ended the turn, not the server's silence detection.
    assert "speech_end" not in [e.get("state") for e in page.events() if e["type"] == "vad"]
    bh.screenshot(page.driver, "06-phone-push-to-talk")

    # A typed turn while the policy is still being read out: it stops the playback and takes over.
    page.el(".vx-input").send_keys("Track order ORD-1042, my phone number ends with 3123", Keys.ENTER)
    page.wait("return document.querySelector('.vx-root').dataset.lastTool === 'track_order'", "the track_order tool call")
    page.wait("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'reply' && /ORD-1042/.test(e.text); })",
              "the typed turn's reply")
    bh.screenshot(page.driver, "07-phone-typed-turn")
    assert page.bubbles("user")[-1] == "Track order ORD-1042, my phone number ends with 3123"
    reply = page.bubbles("assistant")[-1]
    assert "ORD-1042" in reply and "shipped" in reply.lower()
    assert "Checking your order…" in page.js("return window.__activity")
    assert page.js("return document.querySelector('.vx-live').textContent") == reply  # read out by screen readers
    (barge,) = [e for e in page.events() if e["type"] == "barge_in"]
    assert barge["reason"] == "text"
    assert page.js("return document.querySelectorAll('.vx-assistant.vx-interrupted').length") == 1
    assert page.js("return VoxsiteWidget.state.stops") >= 1

    ActionChains(page.driver).send_keys(Keys.ESCAPE).perform()
    assert page.js("return document.querySelector('.vx-panel').hidden") is True
    assert page.js("return document.activeElement.className") == "vx-launcher"
    assert page.js("return VoxsiteWidget.speaking()") is False  # closing the panel silences it


def test_barge_in_by_speaking_over_the_reply(browser, workdir):
    # The question, a pause long enough for the long policy answer to start playing, then the
    # shopper talks over it.
    wav = bh.speech_wav(workdir / "barge-in.wav",
                        [0.7, "What is your return policy?", 3.0, ORDER_QUESTION, 1.5])
    page = browser("desktop-barge-in", wav=wav)
    page.el(".vx-launcher").click()
    page.wait("return VoxsiteWidget.state.connected", "the socket", 15)
    page.el(".vx-mic").click()

    page.wait("return VoxsiteWidget.speaking()", "the policy answer to start playing", 40)
    page.wait("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'barge_in'; })",
              "the server to detect speech over the reply")
    assert page.js("return VoxsiteWidget.speaking()") is False  # playback stopped at once
    bh.screenshot(page.driver, "08-desktop-barge-in")
    page.wait("var ev = VoxsiteWidget.state.events, b = ev.filter(function (e) { return e.type === 'barge_in'; })[0];"
              "return ev.some(function (e) { return e.type === 'end' && e.turn > b.turn; })", "the new utterance's turn", 45)
    bh.screenshot(page.driver, "09-desktop-after-barge-in")

    events = page.events()
    barges = [e for e in events if e["type"] == "barge_in"]
    barge = barges[0]
    # Only the policy answer was interrupted. (The pipeline can repeat the event for the same turn
    # while its playback clock still runs after the cancel.)
    assert {e["turn"] for e in barges} == {barge["turn"]}
    assert barge["reason"] == "speech"
    first_reply = "".join(e["text"] for e in events if e["type"] == "reply_delta" and e["turn"] == barge["turn"])
    assert "7 days" in first_reply
    assert barge["heard"] and len(barge["heard"]) < len(first_reply)  # cut off mid-answer
    stops, played = page.js("return [VoxsiteWidget.state.stops, VoxsiteWidget.state.playedSeconds]")
    assert stops >= 1 and played > 0
    users = page.bubbles("user")
    assert "return policy" in users[0].lower() and "1042" in users[-1].replace(",", "")
    interrupted = page.js("return Array.from(document.querySelectorAll('.vx-assistant.vx-interrupted'))"
                          ".map(function (li) { return li.textContent; })")
    assert interrupted == [barge["heard"]]
    # The new utterance was heard and got its own answer. Which answer depends on how much of its
    # first word the barge-in kept ("Status" has come back as "That is"), so it is not checked here.
    end = [e for e in events if e["type"] == "end"][-1]
    replies = [e for e in events if e["type"] == "reply" and e["turn"] == end["turn"]]
    assert replies and replies[0]["text"] and page.bubbles("assistant")[-1] == replies[0]["text"]


def test_hindi_speech_the_server_cannot_hear_invites_typing_in_hindi(browser, workdir):
    wav = workdir / "hindi.wav"
    silence = np.zeros(int(0.7 * bh.WAV_RATE), "<i2").tobytes()
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(bh.WAV_RATE)
        w.writeframes(silence + float_to_pcm16(sample_samples("hi_cv_001")) + silence * 3)
    page = browser("desktop-hindi-voice", wav=wav)
    page.el(".vx-launcher").click()
    page.wait("return VoxsiteWidget.state.connected", "the socket", 15)
    page.js("var s = document.querySelector('.vx-lang'); s.value = 'hi'; s.dispatchEvent(new Event('change'));")
    page.el(".vx-mic").click()
    page.wait("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'speech_unavailable'; })",
              "the server to say Hindi speech cannot be heard here", 60)
    page.wait("return VoxsiteWidget.state.events.some(function (e) { return e.type === 'end'; })", "the end of the turn")
    bh.screenshot(page.driver, "10-desktop-hindi-speech-unavailable")
    assert page.js("return document.activeElement === document.querySelector('.vx-input')")  # invited to type
    assert page.js("return [VoxsiteWidget.state.micOn, VoxsiteWidget.state.language]") == [False, "hi"]
    assert page.el(".vx-input").get_attribute("placeholder") == "अपना सवाल लिखें…"
    assert page.bubbles("assistant")[0] == render("speech_unavailable", "hi")
    assert not page.bubbles("user")  # nothing was guessed at
    events = page.events()
    assert not [e for e in events if e["type"] in ("intent", "tool_call", "error")]

    page.el(".vx-input").send_keys("मेरा ऑर्डर ORD-1038 कहाँ है?\n")
    page.wait("return document.querySelectorAll('.vx-log .vx-assistant').length >= 2 && "
              "VoxsiteWidget.state.events.filter(function (e) { return e.type === 'end'; }).length >= 2", "the typed turn")
    replies = [e for e in page.events() if e["type"] == "reply"]
    assert replies[-1]["language"] == "hi"
