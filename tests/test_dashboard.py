"""The dashboard: the model wrapper directly, then the real page in headless Chromium.

The browser tests start ``solara run sco_sim.viz.app:page`` (through ``sco_sim.viz.dashboard``) on a free
loopback port, drive it with Playwright and Debian's /usr/bin/chromium (``.ci/install-browser.sh``
installs it; Playwright's own browser download is not used), and read the page's labelled numbers.
They are skipped only when Chromium, Playwright or the dashboard's packages are missing.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sco_sim.inputs.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
THREE = ROOT / "scenarios" / "teaching" / "three_on_a_line.toml"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

app = pytest.importorskip("sco_sim.viz.app", reason="dashboard extra not installed "
                          "(pip install -e '.[dashboard]')")


# ------------------------------------------------------------------ the model wrapper, no browser


def test_wrapper_reproduces_the_known_answer_and_applies_tolerance():
    m = app.DashboardModel(scenario=str(THREE))
    assert m.error is None and m.running
    for _ in range(3):
        m.step()
    t = m.totals()
    assert (t["held"], t["items"], t["adopted"], t["deadlock_rate"]) == (3, 12, 0, 1.0)
    blocks = m.who_blocks().set_index("member")
    assert blocks.loc["B", "objections"] > 0  # the median member blocks every move

    loose = app.DashboardModel(scenario="teaching/three_on_a_line.toml", tolerance=0.5)
    loose.step()
    assert loose.totals()["adopted"] > 0
    assert loose.config.rule == "unanimity" and list(loose.config.tolerance) == [0.5] * 3


def test_wrapper_controls_change_the_config():
    m = app.DashboardModel(scenario="sco_2017_3plus5.toml", rule="majority", max_rounds=5,
                           rivalry_scale=2.0)
    base = app.DashboardModel(scenario="sco_2017_3plus5.toml")
    assert m.config.rule == "majority" and m.config.max_rounds == 5
    finite = base.config.rivalry == base.config.rivalry
    assert finite.any()
    assert (m.config.rivalry[finite] == 2 * base.config.rivalry[finite]).all()


def test_wrapper_defaults_reproduce_the_scenario():
    plain = app.DashboardModel(scenario="teaching/lone_blocker.toml")
    same = app.DashboardModel(scenario="teaching/lone_blocker.toml", rule=app.AS_IN_SCENARIO,
                              extra_tolerance=0.0, max_rounds=-1, rivalry_scale=1.0, seed=0)
    for m in (plain, same):
        for _ in range(4):
            m.step()
    pd.testing.assert_frame_equal(plain.meetings, same.meetings, check_exact=True)
    assert len(plain.meetings) == 4
    more = app.DashboardModel(scenario="teaching/lone_blocker.toml", extra_tolerance=0.1)
    assert (more.config.tolerance == plain.config.tolerance + 0.1).all()


def test_wrapper_stops_at_the_scenario_length_but_stays_steppable():
    m = app.DashboardModel(scenario=str(THREE))
    for _ in range(12):
        m.step()
    assert m.totals()["held"] == 10 and m.finished and m.running


def test_wrapper_turns_bad_input_into_one_line():
    bad = app.DashboardModel(scenario="broken.toml", scenario_text="[scenario\nname=")
    assert bad.error and "\n" not in bad.error and "not valid TOML" in bad.error
    bad.step()  # does nothing, raises nothing
    assert bad.totals()["held"] == 0
    missing = app.DashboardModel(scenario="/no/such/file.toml")
    assert "no such file" in missing.error
    unknown = THREE.read_text(encoding="utf-8").replace("[rule]", "[rule]\ncolour = 1")
    err = app.DashboardModel(scenario="x.toml", scenario_text=unknown).error
    assert err.startswith("x.toml: rule.colour")


def test_upload_may_extend_a_bundled_scenario():
    text = '[scenario]\nname = "mine"\nextends = "sco_2017_3plus5.toml"\n'
    m = app.DashboardModel(scenario="upload: mine.toml", scenario_text=text)
    assert m.error is None and m.config.name == "mine" and "India" in m.config.names


def test_upload_cannot_reach_files_outside_the_bundled_folder():
    text = '[scenario]\nname = "x"\nextends = "../pyproject.toml"\n'
    err = app.DashboardModel(scenario="upload: x.toml", scenario_text=text).error
    assert err.startswith("x.toml: scenario.extends") and "not a bundled scenario" in err


def test_launch_validates_before_starting(tmp_path):
    from sco_sim.viz.dashboard import launch, server_command

    with pytest.raises(InputError) as exc:
        launch(str(tmp_path / "missing.toml"), port=0)
    assert "no such file" in exc.value.one_line()
    with pytest.raises(InputError):
        launch(None, port=70000)
    cmd = server_command(8123)
    assert "sco_sim.viz.app:page" in cmd and "--no-check-version" in cmd and "8123" in cmd


# ------------------------------------------------------------------ the page in Chromium


def _browser_or_skip():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} missing: run .ci/install-browser.sh (Debian's chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright missing: pip install -e '.[dashboard,test]'")
    return sync_playwright


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """The dashboard on a free loopback port, showing three_on_a_line; always stopped after."""
    _browser_or_skip()
    from sco_sim.viz.dashboard import server_command, server_env

    port = _free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(server_command(port), env=server_env(str(THREE)), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"dashboard server exited: {log.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("dashboard server did not answer within 60 s")
            time.sleep(0.3)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(server):
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        # Playwright gives every launch a fresh, empty user-data dir of its own.
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(server, browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    pg.goto(server)
    pg.get_by_test_id("meetings-held").wait_for()
    try:
        yield pg
    finally:
        ctx.close()


def _read(page, testid: str) -> str:
    return page.get_by_test_id(testid).inner_text().strip()


def _number(page, testid: str) -> float:
    return float(re.search(r"(-?\d+(?:\.\d+)?)", _read(page, testid).split(":", 1)[1]).group(1))


def _expect(page, testid: str, pattern: str):
    from playwright.sync_api import expect

    expect(page.get_by_test_id(testid)).to_have_text(re.compile(pattern), timeout=20_000,
                                                     use_inner_text=True)


def _click(page, name: str):
    page.get_by_role("button", name=name, exact=True).click()


def _select(page, label: str, option: str):
    """Pick an option of a (Vuetify) select by its label."""
    page.locator(".v-select", has_text=label).first.click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def test_page_steps_and_controls_move_the_numbers(page):
    # Each number is its own widget and reaches the browser on its own: wait for every value
    # rather than read one right after another has changed.
    _expect(page, "scenario-name", r"three members on a line")
    _expect(page, "meetings-held", r"^Meetings held: 0 of 10$")
    _expect(page, "adopted", r"^Adopted: 0$")

    _click(page, "Step")
    _expect(page, "meetings-held", r"^Meetings held: 1 of 10$")
    _click(page, "Step")
    _expect(page, "meetings-held", r"^Meetings held: 2 of 10$")
    # Unanimity with the status quo at the median's ideal: nothing can pass (the known answer).
    _expect(page, "items-tabled", r"^Items tabled: 8$")
    _expect(page, "deadlocked", r"^Deadlocked: 8$")
    _expect(page, "adopted", r"^Adopted: 0$")
    _expect(page, "deadlock-rate", r"^Deadlock rate: 1\.00$")
    _expect(page, "who-blocks-B", r"^\s*B\s+[1-9]\d*\s")  # the median member objects

    # Majority rule, same status quo: the median's ideal beats every move, still nothing passes.
    _select(page, "Decision rule", "majority")
    _click(page, "Reset")
    _expect(page, "meetings-held", r"^Meetings held: 0 of 10$")
    _expect(page, "settings", r"^Rule: majority \| tolerance: 0\.000")
    _click(page, "Step")
    _expect(page, "meetings-held", r"^Meetings held: 1 of 10$")
    _expect(page, "items-tabled", r"^Items tabled: 4$")
    _expect(page, "deadlocked", r"^Deadlocked: 4$")
    _expect(page, "adopted", r"^Adopted: 0$")

    # Tolerance (0 in the file) up by the slider's maximum: members accept losses, items pass.
    tolerance = page.locator(".v-input", has_text="Tolerance added to every member")
    slider = tolerance.get_by_role("slider")
    slider.focus()
    slider.press("End")
    _click(page, "Reset")
    _expect(page, "settings", r"^Rule: majority \| tolerance: 0\.500")
    _expect(page, "meetings-held", r"^Meetings held: 0 of 10$")
    _click(page, "Step")
    _expect(page, "meetings-held", r"^Meetings held: 1 of 10$")
    _expect(page, "items-tabled", r"^Items tabled: 4$")
    _expect(page, "adopted", r"^Adopted: [1-4]$")
    _expect(page, "deadlock-rate", r"^Deadlock rate: 0\.\d\d$")
    assert _number(page, "adopted") > 0
    assert "Traceback" not in page.inner_text("body")


def _upload(page, path: Path):
    """Choose a file through the page's upload button, as a person would."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile("Upload scenario")).click()
    chooser.value.set_files(str(path))


def test_bad_upload_is_one_line_and_good_choices_load(page, tmp_path):
    bad = tmp_path / "broken.toml"
    bad.write_text("[scenario]\nname = 'x'\nmeetings = 0\n", encoding="utf-8")
    _upload(page, bad)
    err = page.get_by_test_id("scenario-error")
    err.wait_for()
    text = err.inner_text().strip()
    assert "broken.toml" in text and "\n" not in text
    assert "Traceback" not in page.inner_text("body")
    _expect(page, "scenario-name", r"three members on a line")  # the old scenario stays

    garbage = tmp_path / "garbage.toml"
    garbage.write_text("this is = = not toml", encoding="utf-8")
    _upload(page, garbage)
    _expect(page, "scenario-error", r"garbage\.toml: not valid TOML")

    good = tmp_path / "mine.toml"
    good.write_text(THREE.read_text(encoding="utf-8").replace(
        'name = "three members on a line"', 'name = "my upload"'), encoding="utf-8")
    _upload(page, good)
    _expect(page, "scenario-name", r"Scenario: my upload")
    from playwright.sync_api import expect

    expect(page.get_by_test_id("scenario-error")).to_have_count(0, timeout=20_000)

    _select(page, "Scenario file", "sco_2001_2plus4.toml")
    _expect(page, "scenario-name", r"SCO 2001: six founders")
    _expect(page, "meetings-held", r"^Meetings held: 0 of 20$")
    _click(page, "Step")
    _expect(page, "meetings-held", r"^Meetings held: 1 of 20$")
    _expect(page, "items-tabled", r"^Items tabled: 8$")
    _click(page, "Reset")  # Reset rebuilds the chosen scenario, not the one first shown
    _expect(page, "meetings-held", r"^Meetings held: 0 of 20$")
    _expect(page, "scenario-name", r"SCO 2001: six founders")


# ------------------------------------------------------------------ what the page shows


def test_labels_of_the_dashboard_pictures_never_overprint():
    """The four Central Asian founders sit almost on one point in the 3+5 file."""
    from matplotlib.text import Text

    from sco_sim.viz import plots

    model = app.DashboardModel(scenario="sco_2017_3plus5.toml")
    for _ in range(2):
        model.step()
    assert len(model.items) == 2 * model.config.items_per_meeting  # every item recorded
    for fig in (app._policy_figure(model, 0, 1), app._item_figure(model, model.items[-1], 0, 1)):
        fig.canvas.draw()
        labels = [t for t in fig.findobj(Text) if t.get_gid() == "member-label"]
        assert len(labels) == model.config.n_members
        assert plots.text_overlaps(labels) == []
        colours = {c.lower() for c in app.OI.values()}
        for line in fig.axes[0].lines:
            assert matplotlib_colour(line.get_color()) in colours  # Okabe–Ito or grey only


def matplotlib_colour(c) -> str:
    import matplotlib.colors

    hexa = matplotlib.colors.to_hex(c).lower()
    return hexa if hexa != "#555555" else app.OI["black"].lower()


def test_item_view_records_what_each_item_faced():
    model = app.DashboardModel(scenario="teaching/three_on_a_line.toml")
    model.step()
    view = model.items[0]
    assert view.meeting == 1 and view.item == 1
    # unanimity with the status quo at the median's ideal: the median objects, nothing passes
    assert view.outcome == "none" and "B" in view.objectors
    assert view.status_quo is not None and view.status_quo.shape == (model.config.n_dims,)


def test_headline_accumulates_on_common_random_numbers():
    h = app.Headline(*app.HEADLINE_PAIR)
    h.add(40)
    first = h.numbers("deadlock_rate")
    h.add(40)
    second = h.numbers("deadlock_rate")
    assert h.n == 80
    # the same replications as one run of 80 (common random numbers, no stream reused)
    whole = app.run_block(h.configs[1], 80, 0, 0)["deadlock_rate"].to_numpy()
    assert np.array_equal(h.runs[1]["deadlock_rate"].to_numpy(), whole)
    # 3+5 deadlocks more than 2+4, and the paired interval narrows as replications accumulate
    d, lo, hi = second["diff"]
    assert lo > 0
    assert hi - lo < first["diff"][2] - first["diff"][1]


def test_sigterm_stops_the_server_and_frees_the_port(tmp_path):
    _browser_or_skip()
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "sco_sim", "dashboard", str(THREE), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/", proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 130
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", port))  # free: binding would fail with "address already in use"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer")


def test_page_layout_pictures_inside_cards_values_shown_no_stray_tab(page):
    _expect(page, "value-extra_tolerance", r"^Tolerance added to every member: 0\.00$")
    slider = page.locator(".v-input", has_text="Tolerance added to every member").get_by_role("slider")
    slider.focus()
    slider.press("ArrowRight")
    _expect(page, "value-extra_tolerance", r"^Tolerance added to every member: 0\.01$")
    assert "Page 0" not in page.inner_text("body") and "PAGE 0" not in page.inner_text("body")
    _click(page, "Step")
    _expect(page, "meetings-held", r"^Meetings held: 1 of 10$")
    page.get_by_text("Detailed picture").click()
    for testid in ("policy-picture", "curves-picture", "item-picture"):
        img = page.get_by_test_id(testid)
        img.wait_for()
        card = img.locator("xpath=ancestor::div[contains(@class, 'v-card')][1]")
        ib, cb = img.bounding_box(), card.bounding_box()
        assert ib["height"] > 50, testid
        assert cb["x"] <= ib["x"] and ib["x"] + ib["width"] <= cb["x"] + cb["width"] + 1, testid
        assert cb["y"] <= ib["y"] and ib["y"] + ib["height"] <= cb["y"] + cb["height"] + 1, testid
    _expect(page, "item-position", r"^Item 4 of 4: meeting 1, item 4$")
    page.get_by_role("button", name="◀ previous item").click()
    _expect(page, "item-position", r"^Item 3 of 4: meeting 1, item 3$")
    _expect(page, "item-objectors", r"^Objected: ")


def test_headline_view_moves_the_right_way(page):
    _expect(page, "headline-n", r"^Replications: 0 of each")
    page.get_by_test_id("headline-add").click()
    _expect(page, "headline-n", r"^Replications: 50 of each")
    first = _read(page, "headline-diff-deadlock")
    page.get_by_test_id("headline-add").click()
    _expect(page, "headline-n", r"^Replications: 100 of each")
    from playwright.sync_api import expect

    # each number reaches the browser on its own: wait for the difference to be redrawn
    expect(page.get_by_test_id("headline-diff-deadlock")).not_to_have_text(first, timeout=20_000)
    second = _read(page, "headline-diff-deadlock")

    def interval(text: str) -> tuple[float, float, float]:
        d, lo, hi = map(float, re.findall(r"[+-]\d+\.\d+", text))
        return d, lo, hi

    d1, lo1, hi1 = interval(first)
    d2, lo2, hi2 = interval(second)
    assert lo2 > 0  # enlargement (2+4 -> 3+5) raises the deadlock rate
    assert hi2 - lo2 < hi1 - lo1  # the interval narrows as replications accumulate
    page.get_by_test_id("headline-picture").wait_for()
