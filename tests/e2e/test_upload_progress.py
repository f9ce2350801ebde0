"""Upload progress on the home page: bytes sent while the file goes up (on a throttled link),
then the server's 'reading rows' phase, then the dataset page; and the cancel button."""
import re
import urllib.request

import numpy as np
from playwright.sync_api import expect

UPLOAD_BYTES_PER_SECOND = 400_000


def digits_csv(path, n_rows):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(n_rows, 64))
    lines = ["label," + ",".join(f"pixel{i}" for i in range(64))]
    lines += [f"{k % 10}," + ",".join(map(str, row)) for k, row in enumerate(pixels)]
    path.write_text("\n".join(lines) + "\n")
    return path


def throttle_uploads(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1,
        "uploadThroughput": UPLOAD_BYTES_PER_SECOND})


def record_progress_texts(page):
    """Every text the progress line shows, in order (kept across the page change)."""
    texts = []
    page.expose_function("recordProgress", lambda text: texts.append(text))
    page.add_init_script("""
        document.addEventListener("DOMContentLoaded", () => {
          const node = document.querySelector("[data-testid=upload-progress-text]");
          if (!node) return;
          new MutationObserver(() => window.recordProgress(node.textContent))
            .observe(node, { childList: true, characterData: true, subtree: true });
        });
    """)
    return texts


def dataset_count(live_server):
    import json
    with urllib.request.urlopen(live_server + "/api/datasets") as response:
        return len(json.load(response)["datasets"])


def test_upload_shows_bytes_sent_then_rows_read(page, live_server, tmp_path):
    path = digits_csv(tmp_path / "digits.csv", 6_000)       # ~1.2 MB: the fast reader
    texts = record_progress_texts(page)
    page.goto(live_server + "/")
    throttle_uploads(page)
    page.get_by_test_id("upload-input").set_input_files(path)

    expect(page.get_by_test_id("upload-cancel")).to_be_visible()
    expect(page.get_by_test_id("upload-progress-text")).to_contain_text(
        re.compile(r"Uploading… \d+ % \(\d\.\d MB of 1\.\d MB\)"))
    expect(page).to_have_url(re.compile(r"/datasets/\d+$"), timeout=30_000)
    expect(page.get_by_test_id("dataset-rows")).to_have_text("6000")

    sent = [float(m.group(1)) for t in texts
            if (m := re.search(r"Uploading… (\d+) %", t))]
    assert len(sent) >= 3 and sent == sorted(sent) and sent[0] < 50, texts
    phases = [t for t in texts if t.startswith(("Reading rows", "Storing", "Waiting",
                                                "Uploaded"))]
    assert phases, texts
    assert texts[-1].startswith("Loaded 6,000 rows"), texts


def test_cancel_stops_the_upload_and_stores_nothing(page, live_server, tmp_path):
    path = digits_csv(tmp_path / "digits.csv", 12_000)      # ~2.4 MB: six seconds to send
    before = dataset_count(live_server)
    page.goto(live_server + "/")
    throttle_uploads(page)
    page.get_by_test_id("upload-input").set_input_files(path)
    expect(page.get_by_test_id("upload-progress-text")).to_contain_text("Uploading… ")
    page.get_by_test_id("upload-cancel").click()

    expect(page.get_by_test_id("upload-error")).to_have_text("Upload cancelled.")
    expect(page.get_by_test_id("upload-cancel")).to_be_hidden()
    expect(page.get_by_test_id("upload-retry")).to_be_visible()
    expect(page).to_have_url(live_server + "/")
    assert dataset_count(live_server) == before


def test_a_file_over_the_limit_is_refused_before_sending(page, live_server, tmp_path):
    page.goto(live_server + "/")
    page.evaluate("document.querySelector('[data-testid=upload-input]').dataset.maxBytes = "
                  "String(1024 * 1024)")
    page.get_by_test_id("upload-input").set_input_files(digits_csv(tmp_path / "d.csv", 6_000))
    expect(page.get_by_test_id("upload-error")).to_have_text(
        "d.csv is 1.3 MB; this server accepts files up to 1.0 MB.")
