"""The command line's arguments: ``python -m nncore train | predict | export | gradcheck``.

Each sub-command's parser sets ``command`` to its name; ``cli.COMMANDS`` runs it. Options a
user leaves out of ``train`` stay ``UNSET``, so that the dataset's defaults fill them
(``fitting.with_defaults``). A usage error prints one line on stderr and exits with status 2.
"""
from __future__ import annotations

import argparse

from nncore.auto import BUDGET_RULE, VARIATIONS
from nncore.config import ADAM_RATE_BY_ACTIVATION
from nncore.nn.activations import ACTIVATIONS
from nncore.nn.optimizers import OPTIMIZERS
from nncore.nn.outputs import OUTPUTS

EXIT_BAD_INPUT = 2

UNSET = object()


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


def _value_range(text):
    try:
        low, high = (float(part) for part in str(text).split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--image-range takes blank,ink values such as 0,255 (got {text!r})") from None
    return low, high


class _Parser(argparse.ArgumentParser):
    """argparse with the contract's error shape: one line on stderr, exit status 2."""

    def error(self, message):
        self.exit(EXIT_BAD_INPUT, f"error: {message}\n")


def build_parser():
    parser = _Parser(prog="python -m nncore",
                     description="A neural network written from scratch in numpy.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    _train_parser(sub)
    _predict_parser(sub)
    _export_parser(sub)
    _gradcheck_parser(sub)
    return parser


def _train_parser(sub):
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
    train.add_argument("--task", choices=["classification", "regression"], default=None,
                       help="classes or a number to predict (default: what the label column "
                            "suggests: many distinct numbers are a number to predict)")
    _network_options(train)
    train.add_argument("--lr-schedule", default=UNSET, help="constant or cosine (the rate "
                       "falls smoothly to zero by the last epoch)")
    train.add_argument("--average-last", type=float, default=UNSET, metavar="SHARE",
                       help="average the weights of this share of the final epochs (default "
                            "0.25; 0 turns weight averaging off)")
    train.add_argument("--synthetic-digits", type=int, default=UNSET, metavar="N",
                       help="pen-drawn digits in styles MNIST lacks added to the training rows "
                            "(digit pictures only; default: 4000 for them with the network "
                            "chosen for the dataset, none when --hidden, --activation, --output, "
                            "--l2 or --conv-filters choose another; 0 turns it off)")
    train.add_argument("--out", help="save the trained model to this .npz")
    train.add_argument("--json", action="store_true", help="print one JSON object last")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--auto", action="store_true",
                       help="an auto run: train variations of the settings on the same split "
                            f"({', '.join(VARIATIONS)}) within --budget, keep the best by "
                            "validation score and print the leaderboard")
    train.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                       help=f"an auto run's time budget (default: {BUDGET_RULE})")
    train.set_defaults(command="train")


def _network_options(train):
    train.add_argument("--hidden", type=_hidden, default=UNSET, help="hidden layer sizes, e.g. 25 or 128,64")
    train.add_argument("--activation", choices=sorted(ACTIVATIONS), default=UNSET)
    train.add_argument("--output", choices=sorted(OUTPUTS), default=UNSET)
    train.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=UNSET)
    adam_rates = ", ".join(f"{name} {rate:g}" for name, rate in ADAM_RATE_BY_ACTIVATION.items())
    train.add_argument("--lr", type=float, default=UNSET, help="learning rate (default: the "
                       f"optimiser's; Adam's depends on the activation: {adam_rates})")
    train.add_argument("--epochs", type=int, default=UNSET)
    train.add_argument("--batch-size", type=_batch, default=UNSET, help="rows per step, or 'full'")
    train.add_argument("--l2", type=float, default=UNSET, help="L2 regularisation lambda (Ng's cost)")
    train.add_argument("--val-split", type=float, default=UNSET, help="share of rows held out")
    train.add_argument("--seed", type=int, default=UNSET)
    train.add_argument("--init", default=UNSET, help="ng, xavier, he or auto")
    train.add_argument("--patience", type=int, default=UNSET, help="early stopping patience (epochs)")
    train.add_argument("--augment", dest="augment", action="store_true", default=UNSET,
                       help="train on randomly distorted images (default: on for images)")
    train.add_argument("--no-augment", dest="augment", action="store_false")
    train.add_argument("--conv-filters", type=_hidden, default=UNSET,
                       help="convolutional blocks before the hidden layers, filters per block, "
                            "e.g. 16,32 (image data only; default: none)")
    train.add_argument("--conv-kernel", type=int, default=UNSET, help="conv kernel side (3, 5, 7)")


def _predict_parser(sub):
    predict = sub.add_parser("predict", help="predict the rows of a file with a saved model")
    predict.add_argument("model", help="model .npz written by train --out")
    predict.add_argument("data", help="xlsx / csv with the model's features (and optionally labels)")
    predict.add_argument("--label-column", default=None)
    predict.add_argument("--out", default=None, metavar="PREDICTIONS.csv",
                         help="write every row of DATA with its predicted label (a number "
                              "for a regression model), a probability per class and an error "
                              "column to this CSV (read in chunks: files of any size)")
    predict.add_argument("--json", action="store_true")
    predict.set_defaults(command="predict")


def _export_parser(sub):
    export = sub.add_parser("export", help="write a saved model in another format (ONNX)")
    export.add_argument("model", help="model .npz written by train --out")
    export.add_argument("--onnx", required=True, metavar="OUT.onnx",
                        help="the ONNX graph: one input per table column (numbers float32, "
                             "categories string; blanks NaN or empty), or 'pixels' [N, d]; "
                             "outputs 'probabilities', 'label' (class index), 'class_name'; "
                             "a regression model's output is 'value' [N] in the label's units")
    export.add_argument("--card", default=None, metavar="CARD.json",
                        help="also write the JSON model card (columns, classes, settings, "
                             "the ONNX inputs and outputs, today's date)")
    export.add_argument("--dataset-name", default=None, metavar="NAME",
                        help="the training dataset's name, for the model card")
    export.set_defaults(command="export")


def _gradcheck_parser(sub):
    check = sub.add_parser("gradcheck", help="compare backprop with central differences")
    check.add_argument("--hidden", type=_hidden, default=UNSET)
    check.add_argument("--activation", choices=sorted(ACTIVATIONS))
    check.add_argument("--output", choices=sorted(OUTPUTS))
    check.add_argument("--l2", type=float, default=UNSET)
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--json", action="store_true")
    check.set_defaults(command="gradcheck")


def _data_options(parser):
    parser.add_argument("--x-sheet", default=None, help="sheet holding the features (tutorial layout: X)")
    parser.add_argument("--y-sheet", default=None, help="sheet holding the labels (tutorial layout: y)")
    parser.add_argument("--label-column", default=None, help="label column name (default: one named label, target or class, else the last)")
    parser.add_argument("--header-row", type=int, default=None, metavar="N",
                        help="the row that names the columns (1: the first; 0: none); default: found below any titles")
