"""Build ``data/pen_strokes.npz``, the real pen digits the default model learns from, from the
UCI pen-digit trajectories in ``../shared/data/pendigits_dev.json``.

The source (UCI Pen-Based Recognition of Handwritten Digits, E. Alpaydin and F. Alimoglu,
CC BY 4.0) holds 7,494 digits written with a pen on a tablet by 30 writers: one sample is a
list of strokes (pen down to pen up), each a list of ``[x, y]`` tablet points, y growing
upward in a box of about 500 units. The derived file keeps every point, with y turned to
point down as on a screen (``y = 500 - y``), packed as flat arrays:

* ``points`` (P, 2) int16: every stroke's points one after another;
* ``stroke_ends`` (S,) int32: index into ``points`` one past each stroke's last point;
* ``sample_ends`` (N,) int32: index into the strokes one past each sample's last stroke;
* ``labels`` (N,) uint8: the digit; ``writers`` (N,) uint8: index into ``meta["writers"]``;
* ``meta``: a JSON string (source, licence, credit, writer names, coordinate convention).

It loads with ``allow_pickle=False`` (``nncore.digits.pen_strokes.load_pen_strokes``).

Run: ``.venv/bin/python scripts/build_pen_strokes.py [--source PATH]``. The output is the same
byte for byte on every run.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "pendigits_dev.json"
TARGET = ROOT / "data" / "pen_strokes.npz"
TABLET_TOP = 500
META = {
    "name": "UCI pen digits (30 writers)",
    "source": "UCI Machine Learning Repository: Pen-Based Recognition of Handwritten Digits "
              "(E. Alpaydin, F. Alimoglu, 1996), doi:10.24432/C5MG6K; original trajectories",
    "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
    "coordinates": "tablet units, about 500 x 500, x to the right, y DOWN (500 - tablet y)",
}


def pack(samples):
    """Samples ``{"label", "writer", "strokes"}`` -> the flat arrays and writer names."""
    writers = sorted({s["writer"] for s in samples}, key=lambda w: (len(w), w))
    index = {w: i for i, w in enumerate(writers)}
    points, stroke_ends, sample_ends, labels, owner = [], [], [], [], []
    n_points = 0
    for sample in samples:
        for stroke in sample["strokes"]:
            p = np.asarray(stroke, dtype=np.int64).reshape(-1, 2)
            if not len(p):
                continue
            p[:, 1] = TABLET_TOP - p[:, 1]
            points.append(p)
            n_points += len(p)
            stroke_ends.append(n_points)
        sample_ends.append(len(stroke_ends))
        labels.append(int(sample["label"]))
        owner.append(index[sample["writer"]])
    return {
        "points": np.vstack(points).astype(np.int16),
        "stroke_ends": np.asarray(stroke_ends, dtype=np.int32),
        "sample_ends": np.asarray(sample_ends, dtype=np.int32),
        "labels": np.asarray(labels, dtype=np.uint8),
        "writers": np.asarray(owner, dtype=np.uint8),
    }, writers


def write_npz(path, arrays):
    """np.savez_compressed with fixed member timestamps, so the bytes do not depend on the day."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.save(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, member.getvalue())
    path.write_bytes(buffer.getvalue())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found (it lives in ../shared/data)", file=sys.stderr)
        return 1
    samples = json.loads(args.source.read_text())["samples"]
    arrays, writers = pack(samples)
    meta = dict(META, writers=writers, n_samples=len(samples))
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    write_npz(args.target, arrays)
    print(f"wrote {args.target}: {len(samples)} digits by {len(writers)} writers, "
          f"{len(arrays['points'])} points, {args.target.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
