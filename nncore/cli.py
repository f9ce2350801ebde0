"""Command line of the core: ``python -m nncore train | predict | gradcheck``.

Progress goes to stderr (a bar when stderr is a terminal); with ``--json`` the last line on
stdout is one JSON object. Bad input prints one line on stderr and exits with status 2.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from nncore.nn.activations import ACTIVATIONS
from nncore.config import ADAM_RATE_BY_ACTIVATION, TrainConfig
from nncore.nn.optimizers import OPTIMIZERS
from nncore.nn.outputs import OUTPUTS

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """Raised for anything the user can fix; reported as one line, exit status 2."""


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except (BadInput, ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


# --- commands ------------------------------------------------------------------------------

def cmd_train(args) -> int:
    from nncore.defaults import default_settings, with_defaults
    from nncore.fitting import fit

    if args.out:
        _check_writable(args.out)               # before training, not after it
    dataset = _load(args.data, args)
    # what the command line leaves out takes the run this dataset gets by default (the web
    # app's too): a table's width, epochs and early stopping, a large picture set's epochs
    shape = dataset.summary()
    adapted, reason = default_settings(shape)
    explicit = {
        key: value for key, value in {
            "hidden_layers": args.hidden, "activation": args.activation, "output": args.output,
            "optimizer": args.optimizer, "learning_rate": args.lr, "epochs": args.epochs,
            "batch_size": args.batch_size, "l2": args.l2, "validation_split": args.val_split,
            "seed": args.seed, "init": args.init, "patience": args.patience,
            "augment": args.augment, "conv_filters": args.conv_filters,
            "conv_kernel": args.conv_kernel, "synthetic_digits": args.synthetic_digits,
            "lr_schedule": args.lr_schedule, "average_last": args.average_last,
        }.items() if value is not _UNSET
    }
    config = TrainConfig.from_dict(with_defaults(shape, explicit))
    progress = _Progress(config.epochs, enabled=not args.quiet)
    model, result = fit(dataset, config, callback=progress.update)
    progress.close()
    if args.out:
        model.save(args.out)
    summary = {
        "train_accuracy": result["train_accuracy"],
        "val_accuracy": result["val_accuracy"],
        "final_cost": result["final_cost"],
        "epochs": result["epochs"],
        "seconds": round(result["seconds"], 3),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        val = result["val_accuracy"]
        picture = dataset.image
        pictures = "" if picture is None else (
            f", {picture.height}x{picture.width} pictures stored "
            f"{'column by column' if picture.order == 'F' else 'row by row'}, "
            f"blank {picture.vmin:g} .. ink {picture.vmax:g}")
        print(f"{dataset.name}: {dataset.n_samples} rows, {dataset.n_features} features, "
              f"{len(dataset.classes)} classes{pictures}")
        if adapted:
            given = sorted(key for key in adapted if key in explicit)
            print(f"defaults for this dataset: {reason}"
                  + (f" (given on the command line: {', '.join(given)})" if given else ""))
        print(f"learning rate {result['learning_rate']:g}"
              + ("" if config.learning_rate is not None else " (the default for "
                 f"{config.optimizer} with {config.activation} units)"))
        print(f"trained {model.network!r} for {result['epochs']} epochs in {result['seconds']:.1f} s")
        averaged = result["history"].get("averaged_epochs")
        if averaged and averaged[0] < averaged[1]:
            print(f"the model averages the weights of epochs {averaged[0]}-{averaged[1]}")
        print(f"training accuracy {result['train_accuracy']:.2%}"
              + (f", validation accuracy {val:.2%}" if val is not None else ""))
        if args.out:
            print(f"model saved to {args.out}")
    return 0


def cmd_predict(args) -> int:
    from nncore.data.loaders import load_features
    from nncore.nn.metrics import accuracy
    from nncore.model import Model

    model = Model.load(args.model)
    if model.encoding is not None and str(args.data).lower().endswith((".csv", ".tsv", ".txt")):
        X, labels = _raw_rows(model, args.data)
    else:
        X, labels = load_features(args.data, n_features=model.n_features,
                                  label_column=args.label_column)
    predictions = model.predict(X)
    acc = None
    if labels is not None:
        acc = float(accuracy(np.asarray(labels, dtype=str), predictions))
    if args.json:
        print(json.dumps({"accuracy": acc, "predictions": predictions.tolist()}))
    else:
        for label in predictions:
            print(label)
        if acc is not None:
            print(f"accuracy {acc:.2%} on {len(predictions)} rows", file=sys.stderr)
    return 0


def _raw_rows(model, path):
    """New rows of a table as the file writes them (text categories, blanks), read through
    the model's column encoding; the label column, when present, scores the predictions."""

    from nncore.data.columns import is_blank_token
    from nncore.data.csvfiles import read_csv
    from nncore.data.dataset import class_name
    from nncore.data.frames import column_names, table_frame
    from nncore.data.tables import split_header

    table = read_csv(Path(path))
    header = split_header(table, "rows to predict")
    if header is None:
        raise ValueError(f"{Path(path).name} needs a header row naming its columns, as the "
                         "training file did")
    frame = table_frame(table, header)
    frame = frame.set_axis(column_names(frame.columns)[0], axis=1)
    X = model.encode_frame(frame, table.where)
    label = model.encoding.get("label")
    if label not in frame.columns or is_blank_token(frame[label]).any():
        return X, None
    return X, frame[label].map(class_name).tolist()


def cmd_gradcheck(args) -> int:
    from nncore.nn.gradcheck import gradient_check

    hidden = args.hidden if args.hidden is not _UNSET else [5, 4]
    sizes = [6, *hidden, 3]
    error = gradient_check(layer_sizes=sizes, activation=args.activation or "sigmoid",
                           output=args.output or "sigmoid",
                           l2=args.l2 if args.l2 is not _UNSET else 0.0, seed=args.seed or 0)
    if args.json:
        print(json.dumps({"max_relative_error": error}))
    else:
        verdict = "ok" if error < 1e-7 else "TOO LARGE"
        print(f"max relative error {error:.3e} for layer sizes {sizes} ({verdict}, bound 1e-7)")
    return 0 if error < 1e-7 else 1


# --- helpers -------------------------------------------------------------------------------

_UNSET = object()


def _hidden(text):
    try:
        return [int(p) for p in str(text).replace(" ", "").split(",") if p]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--hidden takes sizes like 25 or 128,64 (got {text!r})")


def _batch(text):
    if str(text).lower() in {"full", "none", "0"}:
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--batch-size takes a whole number or 'full' (got {text!r})")


def _load(path, args):
    from nncore.data.loaders import load_dataset, load_sample, with_image

    if not Path(path).exists():
        raise BadInput(f"no such file: {path}")
    if Path(path).is_dir():
        raise BadInput(f"{path} is a folder; give a data file (.xlsx, .csv or .npz)")
    if str(path).endswith(".npz"):
        return with_image(load_sample(path), _image_override(args))
    return load_dataset(path, x_sheet=args.x_sheet, y_sheet=args.y_sheet,
                        label_column=args.label_column, image=_image_override(args))


def _image_override(args):
    """``--not-image`` / ``--image-order`` / ``--image-range`` as ``load_dataset``'s ``image``."""
    if args.not_image:
        if args.image_order or args.image_range:
            raise BadInput("--not-image cannot be combined with --image-order or --image-range")
        return None
    changes = {}
    if args.image_order:
        changes["order"] = args.image_order
    if args.image_range:
        changes["vmin"], changes["vmax"] = args.image_range
    return changes or "auto"


def _value_range(text):
    try:
        low, high = (float(part) for part in str(text).split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--image-range takes blank,ink values such as 0,255 (got {text!r})") from None
    return low, high


def _check_writable(path):
    """Refuse an --out the model could not be written to (a folder, or a missing/read-only one)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise BadInput(f"--out {path} is a folder; give a file name such as model.npz")
    if not folder.is_dir():
        raise BadInput(f"--out {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise BadInput(f"--out {path}: the folder {folder} is not writable")


class _Progress:
    """A one-line progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, epochs, enabled=True):
        self.epochs = epochs
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.perf_counter()

    def update(self, record):
        if not self.enabled:
            return True
        done = record["epoch"]
        total = record.get("epochs") or self.epochs
        width = 30
        filled = int(width * done / max(total, 1))
        elapsed = time.perf_counter() - self.started
        eta = elapsed / max(done, 1) * (total - done)
        val = record.get("val_accuracy")
        tail = f" val {val:.1%}" if val is not None else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] epoch {done}/{total} "
                         f"cost {record['cost']:.4f}{tail} eta {eta:4.0f}s ")
        sys.stderr.flush()
        return True

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's error shape: one line on stderr, exit status 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"error: {message}\n")


def _parser():
    parser = _Parser(prog="python -m nncore",
                                     description="A neural network written from scratch in numpy.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train a network on a workbook, CSV or the sample .npz")
    train.add_argument("data", help="xlsx / csv file, or data/digits_sample.npz")
    _data_options(train)
    train.add_argument("--image-order", choices=["C", "F"], default=None,
                       help="pixels stored row by row (C) or column by column (F, Ng's layout); "
                            "default: detected")
    train.add_argument("--image-range", type=_value_range, default=None, metavar="BLANK,INK",
                       help="pixel values of blank paper and full ink, e.g. 0,255; "
                            "default: detected")
    train.add_argument("--not-image", action="store_true",
                       help="the rows are not pictures (no image detection, no augmentation)")
    train.add_argument("--hidden", type=_hidden, default=_UNSET, help="hidden layer sizes, e.g. 25 or 128,64")
    train.add_argument("--activation", choices=sorted(ACTIVATIONS), default=_UNSET)
    train.add_argument("--output", choices=sorted(OUTPUTS), default=_UNSET)
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=_UNSET)
    adam_rates = ", ".join(f"{name} {rate:g}" for name, rate in ADAM_RATE_BY_ACTIVATION.items())
    train.add_argument("--lr", type=float, default=_UNSET, help="learning rate (default: the "
                       f"optimiser's; Adam's depends on the activation: {adam_rates})")
    train.add_argument("--epochs", type=int, default=_UNSET)
    train.add_argument("--batch-size", type=_batch, default=_UNSET, help="rows per step, or 'full'")
    train.add_argument("--l2", type=float, default=_UNSET, help="L2 regularisation lambda (Ng's cost)")
    train.add_argument("--val-split", type=float, default=_UNSET, help="share of rows held out")
    train.add_argument("--seed", type=int, default=_UNSET)
    train.add_argument("--init", default=_UNSET, help="ng, xavier, he or auto")
    train.add_argument("--patience", type=int, default=_UNSET, help="early stopping patience (epochs)")
    train.add_argument("--augment", dest="augment", action="store_true", default=_UNSET,
                       help="train on randomly distorted images (default: on for images)")
    train.add_argument("--no-augment", dest="augment", action="store_false")
    train.add_argument("--conv-filters", type=_hidden, default=_UNSET,
                       help="convolutional blocks before the hidden layers, filters per block, "
                            "e.g. 16,32 (image data only; default: none)")
    train.add_argument("--conv-kernel", type=int, default=_UNSET, help="conv kernel side (3, 5, 7)")
    train.add_argument("--lr-schedule", default=_UNSET, help="constant or cosine (the rate "
                       "falls smoothly to zero by the last epoch)")
    train.add_argument("--average-last", type=float, default=_UNSET, metavar="SHARE",
                       help="average the weights of this share of the final epochs (default "
                            "0.25; 0 turns weight averaging off)")
    train.add_argument("--synthetic-digits", type=int, default=_UNSET, metavar="N",
                       help="pen-drawn digits in styles MNIST lacks added to the training rows "
                            "(digit pictures only; default: 4000 for them, 0 turns it off)")
    train.add_argument("--out", help="save the trained model to this .npz")
    train.add_argument("--json", action="store_true", help="print one JSON object last")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(command=cmd_train)

    predict = sub.add_parser("predict", help="predict the rows of a file with a saved model")
    predict.add_argument("model", help="model .npz written by train --out")
    predict.add_argument("data", help="xlsx / csv with the model's features (and optionally labels)")
    predict.add_argument("--label-column", default=None)
    predict.add_argument("--json", action="store_true")
    predict.set_defaults(command=cmd_predict)

    check = sub.add_parser("gradcheck", help="compare backprop with central differences")
    check.add_argument("--hidden", type=_hidden, default=_UNSET)
    check.add_argument("--activation", choices=sorted(ACTIVATIONS))
    check.add_argument("--output", choices=sorted(OUTPUTS))
    check.add_argument("--l2", type=float, default=_UNSET)
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--json", action="store_true")
    check.set_defaults(command=cmd_gradcheck)
    return parser


def _data_options(parser):
    parser.add_argument("--x-sheet", default=None, help="sheet holding the features (tutorial layout: X)")
    parser.add_argument("--y-sheet", default=None, help="sheet holding the labels (tutorial layout: y)")
    parser.add_argument("--label-column", default=None, help="label column name (default: one named label, target or class, else the last)")
