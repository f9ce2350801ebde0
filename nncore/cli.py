"""Command line of the core: ``python -m nncore train | predict | export | gradcheck``.

Progress goes to stderr (a bar when stderr is a terminal); with ``--json`` the last line on
stdout is one JSON object. Bad input prints one line on stderr and exits with status 2.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from nncore.cli_args import EXIT_BAD_INPUT, UNSET, build_parser
from nncore.cli_auto import train_auto
from nncore.config import TrainConfig
from nncore.nn.metrics import mae, r2
from nncore.scoring import score_file


class BadInput(Exception):
    """Raised for anything the user can fix; reported as one line, exit status 2."""


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (BadInput, ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


# --- commands ------------------------------------------------------------------------------

def cmd_train(args) -> int:
    from nncore.defaults import default_settings, extras_reason, with_defaults
    from nncore.fitting import fit

    if args.out:
        _check_writable(args.out)               # before training, not after it
    dataset = _load(args.data, args)
    # what the command line leaves out takes the run this dataset gets by default (the web
    # app's too): a table's width, epochs and early stopping, a large picture set's epochs
    shape = dataset.summary()
    adapted, reason = default_settings(shape)
    explicit = _explicit_settings(args)
    config = TrainConfig.from_dict(with_defaults(shape, explicit))
    if args.auto:
        return train_auto(dataset, config, args)
    if args.budget is not None:
        raise BadInput("--budget is an auto run's: give --auto too")
    progress = _Progress(config.epochs, enabled=not args.quiet)
    model, result = fit(dataset, config, callback=progress.update)
    progress.close()
    if args.out:
        model.save(args.out)
    if args.json:
        keys = (("val_r2", "val_mae", "val_rmse") if result["task"] == "regression"
                else ("val_balanced_accuracy",))
        numbers = {key: result[key] for key in keys}
        print(json.dumps({
            "train_accuracy": result["train_accuracy"],
            "val_accuracy": result["val_accuracy"],
            "final_cost": result["final_cost"],
            "epochs": result["epochs"],
            "seconds": round(result["seconds"], 3),
            **numbers,
        }))
        return 0
    _describe_dataset(dataset)
    if adapted:
        given = sorted(key for key in adapted if key in explicit)
        print(f"defaults for this dataset: {reason}"
              + (f" (given on the command line: {', '.join(given)})" if given else ""))
    _describe_training(model, result, config)
    extras = extras_reason(shape, config.to_dict())
    if extras:
        print(extras)
    if args.out:
        print(f"model saved to {args.out}")
    return 0


def _explicit_settings(args) -> dict:
    """The training settings given on the command line (the others take the defaults)."""
    return {
        key: value for key, value in {
            "hidden_layers": args.hidden, "activation": args.activation, "output": args.output,
            "optimizer": args.optimizer, "learning_rate": args.lr, "epochs": args.epochs,
            "batch_size": args.batch_size, "l2": args.l2, "validation_split": args.val_split,
            "seed": args.seed, "init": args.init, "patience": args.patience,
            "augment": args.augment, "conv_filters": args.conv_filters,
            "conv_kernel": args.conv_kernel, "synthetic_digits": args.synthetic_digits,
            "lr_schedule": args.lr_schedule, "average_last": args.average_last,
        }.items() if value is not UNSET
    }


def _describe_dataset(dataset) -> None:
    picture = dataset.image
    pictures = "" if picture is None else (
        f", {picture.height}x{picture.width} pictures stored "
        f"{'column by column' if picture.order == 'F' else 'row by row'}, "
        f"blank {picture.vmin:g} .. ink {picture.vmax:g}")
    answer = ("a number to predict" if dataset.task == "regression"
              else f"{len(dataset.classes)} classes")
    print(f"{dataset.name}: {dataset.n_samples} rows, {dataset.n_features} features, "
          f"{answer}{pictures}")


def _describe_training(model, result, config) -> None:
    val = result["val_accuracy"]
    print(f"learning rate {result['learning_rate']:g}"
          + ("" if config.learning_rate is not None else " (the default for "
             f"{config.optimizer} with {config.activation} units)"))
    print(f"trained {model.network!r} for {result['epochs']} epochs in {result['seconds']:.1f} s")
    averaged = result["history"].get("averaged_epochs")
    if averaged and averaged[0] < averaged[1]:
        print(f"the model averages the weights of epochs {averaged[0]}-{averaged[1]}")
    if result["task"] == "regression":
        _describe_numbers(result)
        return
    print(f"training accuracy {result['train_accuracy']:.2%}"
          + (f", validation accuracy {val:.2%} (balanced: "
             f"{result['val_balanced_accuracy']:.2%})" if val is not None else ""))


def _describe_numbers(result) -> None:
    """A regression run's figures in the label's units, beside always predicting the mean."""
    print(f"target: {result['target_transform']}")
    print(f"training R² {result['train_r2']:.3f}, MAE {result['train_mae']:.4g}, "
          f"RMSE {result['train_rmse']:.4g}")
    if result["val_r2"] is not None:
        base = result["baseline"]
        print(f"validation R² {result['val_r2']:.3f}, MAE {result['val_mae']:.4g}, RMSE "
              f"{result['val_rmse']:.4g} (always predicting the training mean: R² "
              f"{base['val_r2']:.3f}, MAE {base['val_mae']:.4g}, RMSE {base['val_rmse']:.4g})")


def cmd_predict(args) -> int:
    from nncore.data.loaders import load_features
    from nncore.nn.metrics import accuracy
    from nncore.model import Model

    model = Model.load(args.model)
    if args.out:
        return _predict_file(model, args)
    if model.encoding is not None and str(args.data).lower().endswith((".csv", ".tsv", ".txt")):
        X, labels = _raw_rows(model, args.data)
    else:
        X, labels = load_features(args.data, n_features=model.n_features,
                                  label_column=args.label_column)
    predictions = model.predict(X)
    if model.task == "regression":
        return _print_numbers(predictions, labels, args.json)
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


def _print_numbers(values, labels, as_json) -> int:
    """A regression model's predictions, one number a line (or JSON), scored by R² and MAE
    when the file has the label."""
    scores = {}
    if labels is not None:
        truth = np.asarray(labels, dtype=object)
        try:
            truth = truth.astype(np.float64)
        except ValueError:
            raise BadInput("the label column holds text: a regression model scores numbers "
                           "only") from None
        scores = {"r2": r2(truth, values), "mae": mae(truth, values)}
    if as_json:
        print(json.dumps({"accuracy": None, "predictions": [float(v) for v in values],
                          **scores}))
        return 0
    for value in values:
        print(f"{value:.6g}")
    if scores:
        print(f"R² {scores['r2']:.3f}, MAE {scores['mae']:.4g} on {len(values)} rows",
              file=sys.stderr)
    return 0


def _predict_file(model, args) -> int:
    """``predict --out``: every row of the file with its prediction columns (``score_file``)."""
    _check_writable(args.out, "predictions.csv")
    if not Path(args.data).is_file():
        raise BadInput(f"no such file: {args.data}")
    progress = _RowProgress(enabled=not args.json)
    summary = score_file(model, args.data, args.out, label_column=args.label_column,
                         progress=progress.update)
    progress.close()
    metrics = summary["metrics"]
    if args.json:
        print(json.dumps({"accuracy": metrics["accuracy"] if metrics else None, **summary}))
        return 0
    print(f"{summary['rows']} rows scored to {args.out}"
          + (f"; {summary['errors']} could not be read (see the error column)"
             if summary["errors"] else ""))
    for column, count in sorted(summary["unseen"].items()):
        print(f'"{column}": {count} rows with a category not seen in training')
    if metrics and metrics.get("r2") is not None:
        print(f"R² {metrics['r2']:.3f}, MAE {metrics['mae']:.4g}, RMSE {metrics['rmse']:.4g} "
              f"on the {metrics['rows']} labelled rows")
    elif metrics and metrics["accuracy"] is not None:
        print(f"accuracy {metrics['accuracy']:.2%} on the {metrics['rows']} labelled rows")
    return 0


def cmd_export(args) -> int:
    # as in the other commands, the import is here: onnx alone takes a second to import
    from nncore.export.card import model_card
    from nncore.export.inputs import describe_inputs
    from nncore.model import Model
    from nncore.onnx_export import IR_VERSION, ONNXRUNTIME, OPSET, save_onnx

    if not Path(args.model).is_file():
        raise BadInput(f"no such file: {args.model}")
    model = Model.load(args.model)
    _check_writable(args.onnx, "model.onnx", "--onnx")
    if args.card:
        _check_writable(args.card, "card.json", "--card")
    save_onnx(model, args.onnx)
    inputs = describe_inputs(model)
    outputs = ("'value' (the label's units)" if model.task == "regression"
               else "'probabilities', 'label', 'class_name'")
    listed = ", ".join(f"'{d['name']}' {d['type']} [N, {d['shape'][1]}]" for d in inputs[:6])
    more = f" and {len(inputs) - 6} more" if len(inputs) > 6 else ""
    print(f"ONNX model (opset {OPSET}, IR {IR_VERSION}; onnxruntime {ONNXRUNTIME}) written to "
          f"{args.onnx}: input{'s' if len(inputs) > 1 else ''} {listed}{more}; outputs {outputs}")
    if args.card:
        card = model_card(model, dataset_name=args.dataset_name,
                          date=time.strftime("%Y-%m-%d", time.gmtime()))
        Path(args.card).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        print(f"model card written to {args.card}")
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

    hidden = args.hidden if args.hidden is not UNSET else [5, 4]
    sizes = [6, *hidden, 3]
    error = gradient_check(layer_sizes=sizes, activation=args.activation or "sigmoid",
                           output=args.output or "sigmoid",
                           l2=args.l2 if args.l2 is not UNSET else 0.0, seed=args.seed or 0)
    if args.json:
        print(json.dumps({"max_relative_error": error}))
    else:
        verdict = "ok" if error < 1e-7 else "TOO LARGE"
        print(f"max relative error {error:.3e} for layer sizes {sizes} ({verdict}, bound 1e-7)")
    return 0 if error < 1e-7 else 1


# --- helpers -------------------------------------------------------------------------------

def _load(path, args):
    from nncore.data.loaders import load_dataset, load_sample, with_image

    if not Path(path).exists():
        raise BadInput(f"no such file: {path}")
    if Path(path).is_dir():
        raise BadInput(f"{path} is a folder; give a data file (.xlsx, .csv or .npz)")
    if str(path).endswith(".npz"):
        return with_image(load_sample(path), _image_override(args))
    return load_dataset(path, x_sheet=args.x_sheet, y_sheet=args.y_sheet,
                        label_column=args.label_column, image=_image_override(args),
                        task=args.task, header_row=args.header_row)


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


def _check_writable(path, example="model.npz", flag="--out"):
    """Refuse an output file that could not be written (a folder, or a missing/read-only one)."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise BadInput(f"{flag} {path} is a folder; give a file name such as {example}")
    if not folder.is_dir():
        raise BadInput(f"{flag} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise BadInput(f"{flag} {path}: the folder {folder} is not writable")


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
        val, val_r2 = record.get("val_accuracy"), record.get("val_r2")
        tail = (f" val {val:.1%}" if val is not None
                else f" val R² {val_r2:.3f}" if val_r2 is not None else "")
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] epoch {done}/{total} "
                         f"cost {record['cost']:.4f}{tail} eta {eta:4.0f}s ")
        sys.stderr.flush()
        return True

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


class _RowProgress:
    """Rows scored so far, on one line of stderr when it is a terminal."""

    def __init__(self, enabled=True):
        self.enabled = enabled and sys.stderr.isatty()

    def update(self, rows_done):
        if self.enabled:
            sys.stderr.write(f"\r{rows_done:,} rows scored ")
            sys.stderr.flush()
        return True

    def close(self):
        if self.enabled:
            sys.stderr.write("\n")


#: sub-command name (``cli_args``) -> the function that runs it
COMMANDS = {"train": cmd_train, "predict": cmd_predict, "export": cmd_export,
            "gradcheck": cmd_gradcheck}
