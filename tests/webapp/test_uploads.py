"""Big uploads: the streaming limit, a full disk mid-upload, parse progress, and the big bad
inputs of issue 13 (generated here, sparsely: nothing of the 2 GB upload is ever written)."""
import io
import os
from pathlib import Path

import numpy as np
import pytest

from nncore.data import csvfiles, fastcsv
from tests.helpers import poll
from webapp import create_app
from webapp.services import uploads

BOUNDARY = "----nncore-test-boundary"
LIMIT = 1024 * 1024


@pytest.fixture
def small_app(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "REGISTER_SAMPLE": False,
                      "MAX_CONTENT_LENGTH": LIMIT})
    yield app
    app.extensions["jobs"].shutdown(wait=True)


class EndlessBody:
    """A multipart body of ``size`` bytes made on demand; counts what the server read."""

    def __init__(self, size, filename="big.csv"):
        self.head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
                     f"filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n").encode()
        self.size, self.sent = size, 0

    def read(self, n=-1):
        n = min(self.size - self.sent, 1 << 20 if n is None or n < 0 else n)
        start = self.sent
        self.sent += n
        if start < len(self.head):
            chunk = self.head[start:start + n]
            return chunk + b"7" * (n - len(chunk))
        return b"7" * n

    def readline(self, limit=-1):
        return self.read(limit)

    def tell(self):        # the test client measures the body by seeking to its end
        return self.size if self._at_end else self.sent

    def seek(self, offset, whence=0):
        self._at_end = whence == 2

    _at_end = False


def multipart(content, filename, **fields):
    """The multipart body, built in memory: the test client's own encoder spools bodies over
    500 KB to a temporary file it never closes."""
    data = content.encode() if isinstance(content, str) else content
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode())
    return b"".join(parts) + data + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture
def upload(client):
    """``upload(text, filename, **fields)`` -> the response, for bodies of any size."""
    def post(content, filename="data.csv", **fields):
        return client.post("/api/datasets", input_stream=io.BytesIO(
            multipart(content, filename, **fields)), content_type=multipart_type())
    return post


def tmp_files(app):
    return list((Path(app.config["DATA_DIR"]) / "tmp").iterdir())


def multipart_type():
    return f"multipart/form-data; boundary={BOUNDARY}"


def test_a_declared_2_gb_upload_is_refused_before_a_byte_is_read(small_app):
    body = EndlessBody(2 * 1024 ** 3)
    response = small_app.test_client().post(
        "/api/datasets", input_stream=body, content_type=multipart_type(),
        headers={"Content-Length": str(body.size)})
    assert response.status_code == 413
    assert response.get_json() == {"error": "the upload is too large: the limit is 1 MB"}
    assert body.sent == 0
    assert tmp_files(small_app) == []


def test_an_undeclared_2_gb_upload_stops_at_the_limit(small_app):
    body = EndlessBody(2 * 1024 ** 3)
    response = small_app.test_client().post(
        "/api/datasets", input_stream=body, content_type=multipart_type(),
        environ_overrides={"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"})
    assert response.status_code == 413
    assert "the limit is 1 MB" in response.get_json()["error"]
    assert body.sent <= LIMIT + (1 << 20)
    assert tmp_files(small_app) == []
    assert small_app.test_client().get("/api/health").get_json() == {"status": "ok"}


class FillingDisk:
    """A file that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, path, room):
        self._f, self._room = open(path, "w+b"), room
        self.name = path

    def write(self, data):
        if self._f.tell() + len(data) > self._room:
            raise OSError(28, "No space left on device")
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)


def test_a_disk_filling_up_during_the_upload_answers_507_and_keeps_nothing(
        app, client, upload, monkeypatch, csv_text):
    monkeypatch.setattr(uploads, "open", lambda path, mode: FillingDisk(path, 4096),
                        raising=False)
    response = upload(csv_text["blobs"] * 20, "blobs.csv")
    assert response.status_code == 507
    assert response.get_json() == {
        "error": "the server is out of disk space: the upload was not stored"}
    assert tmp_files(app) == []
    monkeypatch.undo()
    assert client.get("/api/datasets").get_json()["datasets"] == []
    assert upload(csv_text["blobs"], "blobs.csv").status_code == 201


def test_the_upload_limit_is_1_gb_by_default():
    from webapp.config import Config
    assert Config.MAX_CONTENT_LENGTH == 1024 ** 3


# --- parsing in the background -----------------------------------------------------------------

def post_async(client, content, filename):
    return client.post("/api/datasets?progress=1",
                       data={"file": (io.BytesIO(content.encode()), filename)},
                       content_type="multipart/form-data")


def wait_upload(client, url):
    return poll(lambda: client.get(url).get_json(),
                lambda state: state["status"] in ("completed", "failed"), 30,
                what=f"upload {url} to finish")


def test_progress_mode_answers_202_and_the_client_polls_for_the_dataset(client, csv_text):
    response = post_async(client, csv_text["blobs"], "blobs.csv")
    assert response.status_code == 202
    accepted = response.get_json()
    assert accepted["status"] == "reading" and accepted["url"] == f"/api/uploads/{accepted['id']}"
    state = wait_upload(client, accepted["url"])
    assert state["status"] == "completed" and state["fraction"] == 1.0
    dataset = state["dataset"]
    assert dataset["n_samples"] == 60 and dataset["classes"] == ["blue", "green", "red"]
    assert client.get(f"/api/datasets/{dataset['id']}").status_code == 200


def test_progress_mode_reports_a_bad_file_with_its_message(app, client):
    accepted = post_async(client, "1,2,a\n3,x,b\n5,6,a\n", "text.csv").get_json()
    state = wait_upload(client, accepted["url"])
    assert state["status"] == "failed" and state["error_status"] == 400
    assert 'row 2, column 2: "x" is not a number' in state["error"]
    assert tmp_files(app) == []


def test_an_unknown_upload_id_is_404(client):
    response = client.get("/api/uploads/nope")
    assert response.status_code == 404 and "upload nope not found" in response.get_json()["error"]


# --- the big bad inputs --------------------------------------------------------------------------

def digits_csv(n_rows, n_pixels=64, seed=0):
    """``label`` then ``pixel0..``: 0..255 integers, like the MNIST CSV but narrower."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(n_rows, n_pixels))
    labels = np.arange(n_rows) % 10
    header = "label," + ",".join(f"pixel{i}" for i in range(n_pixels))
    body = "\n".join(f"{y}," + ",".join(map(str, row)) for y, row in zip(labels, pixels))
    return header + "\n" + body + "\n"


@pytest.fixture
def small_chunks(monkeypatch):
    """The fast reader in many chunks, so that a late bad cell is in a later chunk."""
    monkeypatch.setattr(fastcsv, "CHUNK_CELLS", 65 * 5000)


def test_a_big_csv_takes_the_fast_path(upload, small_chunks):
    text = digits_csv(60_000)
    assert len(text) > csvfiles.FAST_PATH_BYTES
    response = upload(text, "digits.csv", label_column="label")
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["n_samples"] == 60_000 and created["n_features"] == 64
    assert created["image"]["height"] == 8 and created["classes"][:3] == ["0", "1", "2"]


def test_one_text_cell_in_row_59000_is_named(app, upload, small_chunks):
    lines = digits_csv(60_000).split("\n")
    cells = lines[59_000 - 1].split(",")   # file row 59,000 (row 1 is the header)
    cells[10] = "n/a?"
    lines[59_000 - 1] = ",".join(cells)
    response = upload("\n".join(lines), "digits.csv", label_column="label")
    assert response.status_code == 400
    assert "row 59000, column 11" in response.get_json()["error"]
    assert tmp_files(app) == [] and not list((Path(app.config["DATA_DIR"]) / "datasets").iterdir())


def test_a_csv_truncated_mid_row_is_refused(upload):
    text = digits_csv(30_000)
    cut = text[:len(text) - 200_000 - 7]
    response = upload(cut, "cut.csv")
    assert response.status_code == 400
    message = response.get_json()["error"]
    assert "ends in the middle of row" in message and "cut short" in message


def test_a_200000_column_csv_is_a_400(upload):
    row = ",".join("1" for _ in range(200_000))
    response = upload(f"{row}\n{row}\n", "wide.csv")
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        "The CSV file has 200,000 columns (fields separated by comma); at most 16,384 are "
        "accepted.")


def test_the_fast_and_the_diagnostic_readers_agree(tmp_path, monkeypatch, csv_text):
    from nncore.data.loaders import load_dataset
    for name, text in [*csv_text.items(), ("floats", "x,y,label\n0.5,1e3,a\n-2,3,b\n1,2,a\n")]:
        path = tmp_path / f"{name}.csv"
        path.write_text(text)
        slow = load_dataset(path)
        monkeypatch.setattr(csvfiles, "FAST_PATH_BYTES", 0)
        fast = load_dataset(path)
        monkeypatch.undo()
        # Numbers that are not bytes are float32 on the fast path (half the memory).
        assert np.allclose(fast.X, slow.X, rtol=1e-6, atol=0), name
        assert np.array_equal(fast.y, slow.y), name
        assert (fast.classes, fast.feature_names, fast.image) == \
            (slow.classes, slow.feature_names, slow.image), name


def test_a_column_is_widened_only_where_a_chunk_needs_it(tmp_path, monkeypatch):
    lines = digits_csv(6_000, n_pixels=8).split("\n")
    cells = lines[5_000].split(",")
    cells[3] = "300.5"                       # past uint8: that column becomes float32
    lines[5_000] = ",".join(cells)
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines))
    monkeypatch.setattr(fastcsv, "CHUNK_CELLS", 9 * 1000)
    seen = []
    frame = fastcsv.read_frame(path, ",", 1, 9, {j: fastcsv.UINT8 for j in range(1, 9)},
                               progress=seen.append)
    assert frame[3].dtype == np.float32 and frame[4].dtype == np.uint8
    assert frame.loc[5_001, 3] == np.float32(300.5) and len(frame) == 6_000
    # None while the one-call read runs (no byte count), then the chunks' fractions
    fractions = [f for f in seen if f is not None]
    assert seen[0] is None and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert os.path.getsize(path) > 0


# --- defaults that scale -------------------------------------------------------------------------

def test_the_default_run_on_a_large_image_dataset_is_sized_for_it(client, upload, small_chunks):
    # 16x16: the smallest pictures that keep the drawing-pad defaults (8x8 train like tables)
    created = upload(digits_csv(20_000, n_pixels=256), "digits.csv", label_column="label").get_json()
    run = client.post("/api/runs", json={"dataset_id": created["id"]}).get_json()
    config = client.get(f"/api/runs/{run['id']}").get_json()["config"]
    client.post(f"/api/runs/{run['id']}/cancel")
    assert (config["epochs"], config["batch_size"], config["synthetic_digits"]) == (12, 128, 0)
    mine = client.post("/api/runs", json={"dataset_id": created["id"], "epochs": 3}).get_json()
    assert client.get(f"/api/runs/{mine['id']}").get_json()["config"]["epochs"] == 3
    client.post(f"/api/runs/{mine['id']}/cancel")


# --- stored once, memory-mapped ------------------------------------------------------------------

def test_a_dataset_is_parsed_once_then_memory_mapped(app, client, upload, monkeypatch):
    """The upload is parsed and stored as arrays; the dataset's page, its samples and a run
    read those arrays (X memory-mapped, a byte a pixel) and never the file again."""
    from webapp.jobs import process
    from webapp.services import datasets

    created = upload(digits_csv(20_000), "digits.csv", label_column="label").get_json()

    def parse_again(*args, **kwargs):
        raise AssertionError("the upload was parsed again")

    monkeypatch.setattr(fastcsv, "read_frame", parse_again)
    monkeypatch.setattr(csvfiles, "read_csv", parse_again)
    datasets.cache._items.clear()
    assert client.get(f"/datasets/{created['id']}").status_code == 200
    assert client.get(f"/api/datasets/{created['id']}/samples").status_code == 200
    with app.app_context():
        X = datasets.load(created["id"]).X
        path = Path(app.config["DATA_DIR"]) / datasets.get_row(created["id"])["path"]
    assert X.dtype == np.uint8 and X.shape == (20_000, 64)
    assert isinstance(X.base, np.memmap) and not X.flags.writeable
    worker_side = process.read_dataset(path, {"name": "digits.csv", "image": None})
    assert isinstance(worker_side.X.base, np.memmap) and np.array_equal(worker_side.X, X)

    run = client.post("/api/runs", json={"dataset_id": created["id"], "hidden_layers": [4],
                                         "epochs": 1, "synthetic_digits": 0}).get_json()
    finished = poll(lambda: client.get(f"/api/runs/{run['id']}").get_json(),
                    lambda r: r["status"] not in ("queued", "running"), 120, what="the run")
    assert finished["status"] == "completed", finished.get("error")
