"""A reporter on a 390×844 phone, JavaScript on and off (Debian chromium via Playwright; issue 12).

Reload, Back and Enter never file twice or lose anything; long text is refused and kept; the
language switch keeps the form; receipt and status list the files; tap targets are 44 px; axe-core
finds no serious or critical violation. The run writes the screenshots and figures that
docs/public-app.md and the README show to ``SCREENSHOTS`` (a temporary directory; `make
screenshots` points it at docs/screenshots/).
"""

from __future__ import annotations

import functools
import io
import json
import time
from collections.abc import Iterator

import pytest
from PIL import Image, ImageChops
from sqlalchemy import update

from models.cases.survey import run_monthly_survey
from models.reporting.tables import Report
from tests.public.browser import HEIGHT, SCREENSHOTS, Phone, axe_violations, phone, serving, small_targets

from .helpers import PDF, jpeg_with_gps

pytestmark = pytest.mark.browser
PHOTO = {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
NOTE = {"name": "记录.pdf", "mimeType": "application/pdf", "buffer": PDF}


@pytest.fixture
def backend() -> str:
    """Browser runs on SQLite only: the rules under test are the same on both stores, tested there."""
    return "sqlite"


@pytest.fixture
def base_url(public_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving(public_app) as url:
        yield url


@pytest.fixture(params=[False, True], ids=["js-off", "js-on"])
def tab(request, base_url) -> Iterator[Phone]:  # type: ignore[no-untyped-def]
    with phone(base_url, js=request.param) as t:
        yield t


def shortest(tab: Phone) -> None:
    """Category, what happened, the notice: the least a clue needs."""
    tab.open("/report")
    tab.choose("#category", "village_bully")
    tab.type("#description", "村里有人强占集体土地，殴打村民。")
    tab.pick("#notice input[name=notice_accepted]")


def full(tab: Phone) -> None:
    """A full clue (R3): kind, facts, when, where, the person reported, a photo, the notice."""
    tab.open("/report")
    tab.choose("#category", "village_bully")
    tab.type("#description", "村里有人强占集体土地，殴打村民。")
    tab.pick("label[for=when-month]")
    tab.type("#location", "某县某镇某村")
    tab.type("#reported-0-name", "张某")
    tab.type("#reported-0-unit", "某村委会")
    tab.type("#reported-0-position", "主任")
    tab.type("#reported-0-place", "某村")
    tab.attach("#files", [PHOTO])
    tab.pick("#notice input[name=notice_accepted]")


def send(tab: Phone) -> tuple[str, str]:
    tab.tap("#send")
    return receipt(tab)


def receipt(tab: Phone) -> tuple[str, str]:
    return (tab.page.text_content("#registry-no").strip(),
            tab.page.text_content("#receipt-code").replace(" ", "").strip())


def test_reload_back_and_resend_file_one_clue(tab, stored) -> None:
    shortest(tab)
    first = send(tab)
    assert tab.page.url.endswith("/report/received")
    tab.page.reload()
    assert receipt(tab) == first
    tab.page.go_back()
    assert tab.page.url.endswith("/report")
    if tab.page.input_value("#description"):  # the browser restored the form: send it again
        tab.tap("#send")
        assert receipt(tab) == first
    else:  # a fresh form, which says a report was just sent and links to its receipt
        tab.tap("#just-sent a")
        assert receipt(tab) == first
    tab.page.go_back()
    tab.page.go_forward()  # no "confirm form resubmission": the receipt is a plain GET
    assert receipt(tab) == first
    assert stored.counts() == (1, 0)


def test_enter_in_a_field_never_adds_a_person_or_drops_the_file(tab, stored) -> None:
    tab.open("/report")
    tab.page.select_option("#category", "village_bully")
    tab.page.set_input_files("#files", [NOTE])
    tab.page.fill("#description", "村里有人强占集体土地。")
    tab.page.check("#notice input[name=notice_accepted]")
    tab.page.fill("#reported-0-name", "张" * 201)  # over the limit: the server refuses it
    tab.page.press("#reported-0-name", "Enter")
    tab.page.wait_for_selector("#err-reported-0-name")  # with script, the page comes back by XHR
    assert tab.page.locator("#err-reported-0-name").count() == 1
    assert tab.page.locator("#kept-files").text_content().count("记录.pdf") == 1
    assert tab.page.input_value("#reported-0-name") == "张" * 201
    assert tab.page.locator(".person").count() == 4 + 3  # nothing added
    tab.page.fill("#reported-0-name", "张某")
    tab.page.press("#location", "Enter")
    registry_no, _code = receipt(tab)
    assert "记录.pdf" in tab.page.text_content("ul.files")
    assert [f.filename for f in stored.case(registry_no).files] == ["记录.pdf"]


def test_text_over_the_limit_is_refused_and_kept_whole(tab, stored) -> None:
    long = "长" * 20_001
    shortest(tab)
    tab.page.fill("#description", long)
    tab.tap("#send")
    assert tab.page.locator("#err-description").count() == 1
    assert "20000" in tab.page.text_content("#err-description").replace(",", "")
    assert len(tab.page.input_value("#description")) == len(long)
    assert tab.page.get_attribute("#description", "aria-invalid") == "true"
    assert stored.counts() == (0, 0)


def test_the_language_switch_keeps_what_was_typed(tab, stored) -> None:
    full(tab)
    tab.tap("button.lang-switch")
    assert tab.page.get_attribute("html", "lang") == "en"
    assert tab.page.input_value("#description") == "村里有人强占集体土地，殴打村民。"
    assert tab.page.input_value("#reported-0-unit") == "某村委会"
    assert tab.page.is_checked("#when-month")
    assert "IMG_0001.jpg" in tab.page.text_content("#kept-files")
    assert stored.counts() == (0, 0)
    tab.tap("button.lang-switch")
    assert tab.page.get_attribute("html", "lang") == "zh-CN"
    registry_no, _code = send(tab)
    assert [f.filename for f in stored.case(registry_no).files] == ["IMG_0001.jpg"]


def test_receipt_and_status_list_the_files_with_follow_ups(tab, stored) -> None:
    full(tab)
    registry_no, code = send(tab)
    assert "IMG_0001.jpg" in tab.page.text_content("ul.files")
    tab.open("/status")
    tab.page.fill("#receipt", " ".join(code[i:i + 4] for i in range(0, 16, 4)))
    tab.page.click("button[type=submit] >> nth=0")
    assert registry_no in tab.page.text_content("h1") and code not in tab.page.url
    assert "IMG_0001.jpg" in tab.page.text_content("#report-files")
    assert "每 10 MB 约需 5 分钟" in tab.page.text_content("#files-hint")
    tab.page.fill("#text", "补充：大约是晚上九点。")
    tab.page.set_input_files("#files", [NOTE])
    tab.tap("#send")
    tab.page.wait_for_selector(".messages")
    assert "您的留言已发送" in tab.page.content()
    assert "记录.pdf" in tab.page.text_content(".messages")
    posts: list[str] = []
    tab.page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    tab.page.reload()
    if not tab.js:  # the browser re-posts the reply: it is not stored twice
        assert posts and posts[0].endswith("/status/reply")
        assert "没有重复发送" in tab.page.text_content("#status-message")
    else:  # sent by script, the page is still the status look-up's: a reload repeats that, not the reply
        assert not any(url.endswith("/status/reply") for url in posts)
    assert [m.text for m in stored.case(registry_no).messages] == ["补充：大约是晚上九点。"]


def test_shortest_and_full_path_measured_with_screenshots_and_figures(base_url, stored) -> None:
    figures: dict[str, object] = {"viewport": [390, HEIGHT]}
    with phone(base_url, js=False) as tab:
        shortest(tab)
        figures["shortest"] = {"fields": tab.fields, "taps": tab.taps + 1}
        tab.tap("#send")
        tab.page.click("form[action$='/report/new'] button")  # "report another clue"
        tab.fields = tab.taps = 0
        full(tab)
        before_identity = tab.y_of("fieldset.mode")
        figures["full"] = {"fields": tab.fields, "taps": tab.taps + 1, "height_before_identity_px": before_identity,
                           "screens_before_identity": round(before_identity / HEIGHT, 2)}
        tab.page.goto(base_url + "/report")
        figures["empty_form_height_px"] = tab.height()
        tab.page.click("label[for=mode-confidential]")
        figures["confidential_form_height_px"] = tab.height()
        full(tab)
        tab.shot("phone-form.png")
        send(tab)
        tab.shot("receipt.png")
        code = receipt(tab)[1]
        tab.open("/status")
        tab.page.fill("#receipt", code)
        tab.page.click("button[type=submit] >> nth=0")
        tab.shot("status.png")
    (SCREENSHOTS / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    full_path = figures["full"]
    assert isinstance(full_path, dict)
    assert full_path["fields"] <= 10
    assert full_path["height_before_identity_px"] < 2 * HEIGHT


PAGES = ["/", "/report", "/status"]


def test_tap_targets_axe_and_a_favicon_on_every_reporter_page(base_url, stored, staff_rt) -> None:
    with phone(base_url, js=True) as tab:
        visited: dict[str, list[str]] = {}
        for path in PAGES:
            tab.open(path)
            visited[path] = [*small_targets(tab), *axe_violations(tab)]
        tab.open("/report")
        tab.page.click("label[for=mode-confidential]")
        tab.page.click("details.fold summary")
        tab.page.click("label[for=when-date]")
        tab.page.click("#send")  # the browser's own check stops it: nothing missing is sent
        tab.page.select_option("#category", "other")
        tab.page.fill("#description", "x")
        tab.page.fill("#location", "x" * 201)
        tab.page.check("#notice input[name=notice_accepted]")
        tab.page.click("label[for=mode-anonymous]")
        tab.page.click("#send")
        visited["form with errors"] = [*small_targets(tab), *axe_violations(tab)]
        tab.page.fill("#location", "某县")
        tab.page.click("label[for=when-today]")
        tab.page.click("#send")
        visited["receipt"] = [*small_targets(tab), *axe_violations(tab)]
        code = receipt(tab)[1]
        tab.open("/status")
        tab.page.fill("#receipt", code)
        tab.page.click("button[type=submit] >> nth=0")
        visited["status"] = [*small_targets(tab), *axe_violations(tab)]
        with staff_rt.stores.case() as session:
            session.execute(update(Report).values(state="closed"))
        run_monthly_survey(staff_rt, "2026-11")
        tab.open("/status")
        tab.page.fill("#receipt", code)
        tab.page.click("button[type=submit] >> nth=0")
        # The status page after the post: wait for it (a loaded machine may still show the form).
        tab.page.wait_for_selector("#survey", state="visible", timeout=15_000)
        visited["status with the survey"] = [*small_targets(tab), *axe_violations(tab)]
        icon = tab.page.request.get(base_url + "/favicon.ico")
        assert icon.status == 200
    assert visited == {name: [] for name in visited}


def test_an_oversize_file_is_refused_when_chosen_with_javascript(make_app, stored) -> None:
    """With script the size is checked before any upload; without, the server's 413 (test_bad_input)."""
    with serving(make_app(max_file_bytes=2**20)) as url, phone(url, js=True) as tab:
        shortest(tab)
        tab.page.set_input_files("#files", [{"name": "big.mp4", "mimeType": "video/mp4", "buffer": b"0" * 2**21}])
        assert tab.page.is_visible("#files-check")
        assert "big.mp4" in tab.page.text_content("#files-check")
        posts: list[str] = []
        tab.page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        tab.page.click("#send")
        assert posts == [] and tab.page.url.endswith("/report")
        assert "强占集体土地" in tab.page.input_value("#description")
    assert stored.counts() == (0, 0)


@functools.cache
def phone_photo() -> bytes:
    """A 12-megapixel (4000×3000) photo of about 6.7 MB as a phone saves it (quality 97): a smooth
    scene and sensor noise, so it neither compresses away nor is pure noise."""
    w, h = 4000, 3000
    scene = Image.effect_noise((w // 40, h // 40), 90).resize((w, h), Image.Resampling.BICUBIC)
    gray = ImageChops.add(scene, Image.effect_noise((w, h), 6), scale=1.0, offset=-128)
    img = Image.merge("RGB", (gray, gray.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                              gray.transpose(Image.Transpose.FLIP_TOP_BOTTOM)))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=97)
    return out.getvalue()


def throttle_to_3g(tab: Phone) -> None:
    """Chromium's own network throttling: 750 kbit/s down, 250 kbit/s up, 100 ms latency."""
    cdp = tab.page.context.new_cdp_session(tab.page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 100,
                                                  "downloadThroughput": 750_000 / 8, "uploadThroughput": 250_000 / 8})


def test_a_phone_photo_is_scaled_and_sent_on_3g_within_30_s_with_progress(base_url, stored) -> None:
    photo = phone_photo()
    assert 6_000_000 < len(photo) < 7_500_000
    # The pages' own CSP in force (script from this host only): the script must live within it.
    with phone(base_url, js=True, bypass_csp=False) as tab:
        refused: list[str] = []
        tab.page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        shortest(tab)
        assert tab.page.is_visible(".keep-original")
        tab.attach("#files", [{"name": "IMG_2001.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        throttle_to_3g(tab)
        started = time.perf_counter()
        tab.tap("#send")
        assert tab.page.is_disabled("#send")
        tab.page.wait_for_function("() => /\\d+%/.test(document.querySelector('.send-progress-text').textContent)",
                                   timeout=20_000)
        shown = tab.page.text_content(".send-progress-text")
        assert "请保持本页面打开" in shown
        tab.shot("sending-on-3g.png")
        tab.page.wait_for_selector("#receipt-code", timeout=45_000)
        elapsed = time.perf_counter() - started
        registry_no, _code = receipt(tab)
        assert "IMG_2001.jpg" in tab.page.text_content("body")
    assert refused == []
    assert elapsed <= 30, f"{elapsed:.1f} s on emulated 3G"
    [sent] = stored.case(registry_no).files
    assert sent.filename == "IMG_2001.jpg" and sent.mime == "image/jpeg"
    assert sent.size < len(photo) / 5
    (SCREENSHOTS / "sending-on-3g.txt").write_text(f"{elapsed:.1f} s, {sent.size} bytes sent for {len(photo)}\n")


def test_keep_the_original_sends_the_photo_as_taken(base_url, stored, staff_rt) -> None:
    photo = phone_photo()
    with phone(base_url, js=True) as tab:
        shortest(tab)
        tab.attach("#files", [{"name": "IMG_2002.jpg", "mimeType": "image/jpeg", "buffer": photo}])
        tab.pick(".keep-original input")
        tab.tap("#send")
        tab.page.wait_for_selector("#receipt-code", timeout=60_000)
        registry_no, _code = receipt(tab)
    [sent] = stored.case(registry_no).files
    assert len(photo) - 64 <= sent.size <= len(photo)  # cleaned of its segments, pixels untouched


def test_without_javascript_nothing_changes_and_the_form_says_how_long(base_url) -> None:
    with phone(base_url, js=False) as tab:
        tab.open("/report")
        assert tab.page.is_hidden(".keep-original") and tab.page.is_hidden("#send-progress")
        assert "每 10 MB 约需 5 分钟" in tab.page.text_content("#slow-note")
