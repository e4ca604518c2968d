"""report.html / report.md: every section, self-contained, and rendered by a real Chromium."""

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time

import numpy as np
import pytest

from geneb.analysis.combine import with_official
from geneb.analysis.official import load_official_cube, release_task_ids
from geneb.analysis.report import SECTION_IDS, write_report
from geneb.probe import ProbeProtocol
from geneb.probe.cube import new_cube


def _own_cube():
    tids = release_task_ids()
    from geneb.catalog import TASKS
    cube = new_cube(["kmer-4", "kmer-5"], tids, ProbeProtocol(seeds=(13, 17)),
                    {"params": [np.nan, np.nan], "pretraining_group": ["none", "none"]},
                    {"category": [TASKS.get(t).category for t in tids]}, max_shots=2)
    rng = np.random.default_rng(0)
    for v in ("mcc", "accuracy", "f1_macro"):
        cube[v].values[:] = rng.uniform(0.1, 0.6, cube[v].shape)
    return cube


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """Your two models beside the official ones, and the self-reported submission included:
    every kind of row, so the marks show in every figure."""
    out = tmp_path_factory.mktemp("report")
    cube = with_official(_own_cube(), load_official_cube())
    write_report(cube, out, n_boot=100, keep=("kmer-4", "kmer-5"), include=("submission",))
    return out


def test_report_has_every_section_in_html_and_markdown(report_dir):
    page = (report_dir / "report.html").read_text()
    md = (report_dir / "report.md").read_text()
    for sid in SECTION_IDS:
        assert f'<section id="{sid}">' in page, sid
        assert f'<a id="{sid}"></a>' in md, sid
    assert page.count("data:image/png;base64,") >= 6      # 3 heat maps, scaling, few-shot, 2 stability
    assert "kmer-4 [computed]" in page and "yours" in page  # comparison with the published models
    assert "splicebert-1024nt [submission]" in md          # marked wherever it is shown
    assert "max-height" not in page                        # no scroll box hides rows
    doc = json.loads((report_dir / "report.json").read_text())
    assert doc["rows"]["included"] == ["official", "submission", "computed"]
    assert doc["sources"]["kmer-4"] == "computed" and len(doc["leaderboard"]) == 43
    assert "Spearman" in md and "| model |" in md
    # self-contained: no external resource of any kind
    assert not re.search(r'(src|href)="(?!data:|#)', page)
    assert "<script" not in page and "http://" not in page.split("</head>")[1].replace(
        "http-equiv", "")
    for b64 in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page):
        assert base64.b64decode(b64)[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_on_own_results_only_says_how_to_compare(tmp_path):
    write_report(_own_cube(), tmp_path, n_boot=50)
    md = (tmp_path / "report.md").read_text()
    assert "--with-official" in md and "Fewer than 3 models" in md


# --------------------------------------------------------------------------- headless Chromium

def _browser():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _CDP:
    """Minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fds 3 and 4)."""

    def __init__(self, binary, profile):
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        # move the child's ends well above 4 so dup2 onto 3/4 cannot clobber them
        hi_r = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 20)
        hi_w = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 20)
        os.close(to_child_r)
        os.close(from_child_w)

        def child():
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--disable-dev-shm-usage",
             "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,2000",
             "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=child, close_fds=False)
        os.close(hi_r)
        os.close(hi_w)
        self._buf = b""
        self._id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._r], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None, timeout=60):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, name, timeout=60):
        deadline = time.monotonic() + timeout
        for i, ev in enumerate(self.events):
            if ev.get("method") == name:
                return self.events.pop(i)
        while True:
            ev = self._read_message(deadline)
            self.events.append(ev)
            if ev.get("method") == name:
                return ev

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._r)
        os.close(self._w)


_CHECK = """
(() => {
  const ids = %s;
  const shown = ids.map(id => {
    const el = document.getElementById(id);
    if (!el) return [id, false];
    const r = el.getBoundingClientRect();
    return [id, r.height > 20 && r.width > 100 && getComputedStyle(el).display !== 'none'];
  });
  const imgs = Array.from(document.images);
  const figures = imgs.map(i => {
    const r = i.getBoundingClientRect();
    return {alt: i.alt.slice(0, 60), natural: [i.naturalWidth, i.naturalHeight],
            shown: [r.width, r.height], box: [r.left + window.scrollX, r.top + window.scrollY],
            right: r.right};
  });
  // the leaderboard: every row rendered, nothing clipped by a scroll box
  const lb = document.querySelector('#leaderboard table');
  const box = lb.parentElement;
  return {shown: Object.fromEntries(shown), n_images: imgs.length,
          broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length,
          figures: figures, viewport: window.innerWidth,
          leaderboard_rows: lb.tBodies[0].rows.length,
          leaderboard_header: Array.from(lb.tHead.rows[0].cells).map(c => c.textContent),
          leaderboard_clipped: box.scrollHeight > box.clientHeight + 1,
          title: document.title, height: document.body.scrollHeight};
})()
"""


_FIGURE_BOX = """
(() => {
  const im = document.images[%d];
  im.scrollIntoView({block: 'start'});
  const r = im.getBoundingClientRect();
  return {x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width,
          height: r.height};
})()
"""


def _shot_dir(tmp_path):
    """Where figure screenshots go: $GENEB_SCREENSHOT_DIR (to look at them) or tmp_path."""
    where = os.environ.get("GENEB_SCREENSHOT_DIR")
    path = tmp_path / "shots" if not where else __import__("pathlib").Path(where)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _console_errors(events):
    return [e for e in events
            if e.get("method") == "Runtime.exceptionThrown"
            or (e.get("method") == "Runtime.consoleAPICalled"
                and e["params"].get("type") in ("error", "assert"))
            or (e.get("method") == "Log.entryAdded"
                and e["params"]["entry"].get("level") == "error")]


@pytest.mark.slow
def test_report_renders_in_headless_chromium_at_1400px_every_figure_at_100_percent(report_dir,
                                                                                    tmp_path):
    """Each figure is shown unscaled (100 % zoom) inside a 1400 px window, and screenshotted
    on its own (GENEB_SCREENSHOT_DIR keeps the PNGs); the leaderboard is shown whole."""
    binary = _browser()
    if binary is None:
        pytest.skip("no Chromium/Chrome found: install Debian's `chromium` "
                    "(apt-get install -y chromium) to run the browser test")
    shots = _shot_dir(tmp_path)
    cdp = _CDP(binary, tmp_path / "profile")
    try:
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            cdp.call(f"{domain}.enable", session=session)
        cdp.call("Emulation.setDeviceMetricsOverride", {"width": 1400, "height": 1200,
                                                        "deviceScaleFactor": 1, "mobile": False},
                 session=session)
        cdp.call("Page.navigate", {"url": (report_dir / "report.html").as_uri()}, session=session)
        cdp.wait_event("Page.loadEventFired")
        result = cdp.call("Runtime.evaluate", {"expression": _CHECK % json.dumps(list(SECTION_IDS)),
                                               "returnByValue": True}, session=session)
        state = result["result"]["value"]
        for i in range(len(state["figures"])):  # each figure scrolled into view, then shot
            box = cdp.call("Runtime.evaluate", {"expression": _FIGURE_BOX % i,
                                                "returnByValue": True},
                           session=session)["result"]["value"]
            shot = cdp.call("Page.captureScreenshot", {
                "format": "png", "clip": {**box, "scale": 1}}, session=session)
            (shots / f"figure_{i}.png").write_bytes(base64.b64decode(shot["data"]))
        time.sleep(0.5)
        cdp.call("Runtime.evaluate", {"expression": "1"}, session=session)  # flush pending events
    finally:
        cdp.close()
    errors = _console_errors(cdp.events)
    assert errors == [], errors
    assert all(state["shown"].values()), state["shown"]
    assert state["viewport"] == 1400 and state["broken"] == 0
    # 3 heat maps, scaling, few-shot, category-rank heat map, rank intervals
    assert state["n_images"] == 7, state["figures"]
    for i, fig in enumerate(state["figures"]):
        assert fig["shown"][0] == fig["natural"][0], fig      # shown at 100 %: not scaled down
        assert fig["right"] <= 1400, fig                      # inside the window
        assert (shots / f"figure_{i}.png").stat().st_size > 5_000, fig
    assert state["leaderboard_rows"] == 43 and not state["leaderboard_clipped"]
    assert "params" in state["leaderboard_header"] and "source" in state["leaderboard_header"]
    assert state["title"].startswith("geneb report") and state["height"] > 3000
