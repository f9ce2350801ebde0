"""MNIST-derived workbooks in the tutorials' layout, and the tutorials' network trained on them.

The built-in ``data/digits_tutorial.xlsx`` is one 5,000-digit draw cut one way; a rule about
the tutorials' settings must hold on any workbook in that layout. This script draws
``DRAWS`` other selections from ``../shared/data/mnist.npz`` (MNIST train and test, 500 digits
of each class, each draw its own seed) and writes each as Ng's ex4 workbook: sheet ``X``
(5000 x 400, no header, 20x20 pictures flattened column-major, grey values 0..1 to 4
decimals), sheet ``y`` (labels 1..10, 10 for the digit 0; two draws label 0..9, as people
also save them, which makes the classes the ten digits the drawing-pad defaults are for). Three ways of getting from
MNIST's 28x28 to Ng's 20x20 (each draw uses one):

* ``box``: a 20x20 window centred on the digit's ink bounding box (``scripts/build_sample.py``'s
  way; MNIST fitted every digit into a 20x20 box, so no ink is lost);
* ``mass``: a 20x20 window centred on the centre of mass (MNIST's own centring), so the digit
  sits off-centre and may lose a rim of ink;
* ``resize``: the ink bounding box resampled (bilinear) so its longer side fills 20 pixels,
  aspect kept, centred: Ng's digits fill their frame like this.

The workbooks go to a cache directory (``--out``, default ``$TMPDIR/nncore-tutorial-workbooks``),
never into the repository. Then each workbook (and the built-in one) trains with the
tutorials' settings as ``python -m nncore train WORKBOOK --hidden 25 --output sigmoid --l2 1``
makes them (``--activation sigmoid`` too unless ``--cli-only``), seeds 0-2, and the train and
validation accuracy are printed per workbook and seed, with the extras the run used.

    nice -n 10 .venv/bin/python bench/tutorial_workbooks.py [--seeds 0,1,2] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncore.config import TrainConfig  # noqa: E402
from nncore.data.loaders import load_dataset  # noqa: E402
from nncore.defaults import with_defaults  # noqa: E402
from nncore.fitting import fit  # noqa: E402

MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
BUILT_IN = ROOT / "data" / "digits_tutorial.xlsx"
SIDE, BOX, PER_CLASS = 28, 20, 500
#: (name, MNIST part, draw seed, how 28x28 becomes 20x20, labels): "ng" labels are 1..10 with
#: 10 for the digit 0 (Ng's), "digits" 0..9 (the same layout as people also save it: the
#: classes are then the ten digits, which the drawing-pad defaults are for)
DRAWS = (("train-box-1", "train", 1, "box", "ng"), ("train-mass-2", "train", 2, "mass", "ng"),
         ("train-resize-3", "train", 3, "resize", "ng"), ("test-box-4", "test", 4, "box", "ng"),
         ("test-resize-5", "test", 5, "resize", "ng"),
         ("train-box-digits-6", "train", 6, "box", "digits"),
         ("test-mass-digits-7", "test", 7, "mass", "digits"))
#: the tutorials' settings as the command line gives them
TUTORIAL = {"hidden_layers": [25], "activation": "sigmoid", "output": "sigmoid", "l2": 1.0}


def draw(images, labels, seed):
    """``PER_CLASS`` digits of each class, in a shuffled order: (images, labels)."""
    rng = np.random.default_rng(seed)
    picked = np.concatenate([rng.choice(np.flatnonzero(labels == c), PER_CLASS, replace=False)
                             for c in range(10)])
    picked = rng.permutation(picked)
    return images[picked], labels[picked]


def window(image, rows_centre, cols_centre):
    """The 20x20 window of ``image`` centred on (rows_centre, cols_centre), inside the frame."""
    r = int(min(max(round(rows_centre - BOX / 2), 0), SIDE - BOX))
    c = int(min(max(round(cols_centre - BOX / 2), 0), SIDE - BOX))
    return image[r:r + BOX, c:c + BOX].astype(np.float64)


def ink_box(image):
    """(top, bottom, left, right) of the ink, bottom/right exclusive."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def bilinear(image, height, width):
    """``image`` (h, w) resampled to (height, width) by bilinear interpolation."""
    h, w = image.shape
    ys = (np.arange(height) + 0.5) * h / height - 0.5
    xs = (np.arange(width) + 0.5) * w / width - 0.5
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy = np.clip(ys - y0, 0, 1)[:, None]
    fx = np.clip(xs - x0, 0, 1)[None, :]
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def to_20x20(image, how):
    """One 28x28 uint8 digit as a 20x20 picture of grey values 0..255."""
    top, bottom, left, right = ink_box(image)
    if how == "box":
        return window(image, (top + bottom) / 2, (left + right) / 2)
    if how == "mass":
        weights = image.astype(np.float64)
        rows, cols = np.indices(image.shape)
        total = weights.sum()
        return window(image, (rows * weights).sum() / total + 0.5,
                      (cols * weights).sum() / total + 0.5)
    ink = image[top:bottom, left:right].astype(np.float64)
    scale = BOX / max(ink.shape)
    height, width = (max(1, round(s * scale)) for s in ink.shape)
    out = np.zeros((BOX, BOX))
    r, c = (BOX - height) // 2, (BOX - width) // 2
    out[r:r + height, c:c + width] = bilinear(ink, height, width)
    return out


def write_workbook(path, pictures, digits, labels="ng"):
    """Ng's ex4 layout: sheet X (n x 400 column-major, 0..1), sheet y (1..10, 10 = digit 0;
    0..9 when ``labels`` is ``"digits"``)."""
    rows = np.round(np.clip(pictures / 255.0, 0, 1), 4).transpose(0, 2, 1).reshape(
        len(pictures), -1)
    wb = Workbook(write_only=True)
    sheet_x, sheet_y = wb.create_sheet("X"), wb.create_sheet("y")
    for row in rows:
        sheet_x.append([0 if v == 0 else float(v) for v in row])
    for label in digits:
        sheet_y.append([10 if label == 0 and labels == "ng" else int(label)])
    wb.save(path)


def build(out: Path) -> list[Path]:
    """Write every draw of ``DRAWS`` into ``out`` (kept when already there); their paths."""
    out.mkdir(parents=True, exist_ok=True)
    mnist = np.load(MNIST)
    paths = []
    for name, part, seed, how, labels in DRAWS:
        path = out / f"{name}.xlsx"
        if not path.exists():
            images, digits = draw(mnist[f"x_{part}"], mnist[f"y_{part}"], seed)
            pictures = np.stack([to_20x20(image, how) for image in images])
            write_workbook(path.with_suffix(".tmp"), pictures, digits, labels)
            os.replace(path.with_suffix(".tmp"), path)
        paths.append(path)
    return paths


def measure(path: Path, seeds, settings) -> list[dict]:
    """Train ``settings`` over the dataset's defaults (as the CLI does) once per seed."""
    dataset = load_dataset(path)
    summary = dataset.summary()
    rows = []
    for seed in seeds:
        config = TrainConfig.from_dict(with_defaults(summary, {**settings, "seed": seed}))
        _, result = fit(dataset, config)
        rows.append({"workbook": path.stem, "seed": seed,
                     "train": result["train_accuracy"], "val": result["val_accuracy"],
                     "epochs": result["epochs"], "synthetic": result["synthetic_digits"],
                     "pen": result["pen_digits"], "augment": config.augment})
        print(f"{path.stem:16s} seed {seed}: train {rows[-1]['train']:.2%}, "
              f"validation {rows[-1]['val']:.2%} ({rows[-1]['epochs']} epochs, "
              f"augment {config.augment}, synthetic {result['synthetic_digits']}, "
              f"pen {result['pen_digits']})", flush=True)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(tempfile.gettempdir()) / "nncore-tutorial-workbooks")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default="", help="comma-separated workbook names to train")
    parser.add_argument("--cli-only", action="store_true",
                        help="the issue's command line exactly: no --activation sigmoid")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not MNIST.exists():
        print(f"skipped: {MNIST} not found (it lives in ../shared/data)")
        return 0
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    settings = dict(TUTORIAL)
    if args.cli_only:
        settings.pop("activation")
    paths = [BUILT_IN, *build(args.out)]
    if args.only:
        paths = [p for p in paths if p.stem in args.only.split(",")]
    rows = [row for path in paths for row in measure(path, seeds, settings)]
    for name in dict.fromkeys(r["workbook"] for r in rows):
        mine = [r for r in rows if r["workbook"] == name]
        print(f"{name:16s} mean: train {np.mean([r['train'] for r in mine]):.2%}, "
              f"validation {np.mean([r['val'] for r in mine]):.2%}")
    if args.json:
        print(json.dumps({"settings": settings, "runs": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
