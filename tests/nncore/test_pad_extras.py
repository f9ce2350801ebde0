"""When the drawing-pad extras (synthetic and real pen digits) apply: the network the app chose
keeps them; a network the user chose (the tutorials' 25 sigmoid units, sigmoid outputs, L2 1)
trains without them, keeps augmentation, and says so."""
import subprocess
import sys
from pathlib import Path

import pytest

from nncore.config import TrainConfig
from nncore.data.loaders import load_dataset
from nncore.defaults import PAD_EXTRAS_OFF, chose_network, extras_reason, with_defaults
from nncore.digits.extras import wanted_extras
from tests.conftest import tutorial_workbook

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = {"hidden_layers": [25], "activation": "sigmoid", "output": "sigmoid", "l2": 1}
DIGITS = {"n_samples": 5000, "n_features": 784, "classes": list("0123456789"),
          "image": {"height": 28, "width": 28, "order": "C", "vmin": 0, "vmax": 255}}
OFF = ("Extras for the drawing pad: off, because you chose the network yourself: it is judged "
       "on your own rows, and pen digits drawn for the pad cost accuracy there (ask for them "
       "with synthetic_digits or pen_digits); augmentation: on")
ON = ("Extras for the drawing pad: on (synthetic pen digits, real pen digits), because this is "
      "the network the app chose for pictures of digits, to read digits drawn on the pad by "
      "writers it never saw; augmentation: on")


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """``{zero: (path, summary)}``: tutorial-layout workbooks whose digit 0 is labelled 10
    (Ng's, classes 1..10) or 0 (the classes are the ten digits)."""
    folder = tmp_path_factory.mktemp("pad")
    out = {}
    for zero in (10, 0):
        path = tutorial_workbook(folder / f"tutorial-{zero}.xlsx", zero=zero)
        out[zero] = path, load_dataset(path).summary()
    return out


def cli_train(path, *options):
    done = subprocess.run([sys.executable, "-m", "nncore", "train", str(path), "--epochs", "2",
                           "--quiet", *options], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_tutorials_settings_switch_the_pen_digits_off(workbooks):
    path, summary = workbooks[0]
    assert summary["classes"] == list("0123456789") and summary["image"]
    merged = with_defaults(summary, TUTORIAL)
    assert {name: merged[name] for name in PAD_EXTRAS_OFF} == PAD_EXTRAS_OFF
    assert merged.get("augment") is None                  # augmentation stays on auto
    assert merged["epochs"] == TrainConfig().epochs == 60  # not the drawing-pad run's 30
    assert with_defaults(summary, {**TUTORIAL, "epochs": 30})["epochs"] == 30   # as asked
    config = TrainConfig.from_dict(merged)
    assert wanted_extras(load_dataset(path), config) == ["augmentation"]
    assert extras_reason(summary, config.to_dict()) == OFF


def test_ngs_labels_have_no_pen_digits_whatever_the_network(workbooks):
    _, summary = workbooks[10]
    assert summary["classes"] == [str(k) for k in range(1, 11)]
    for settings in ({}, TUTORIAL):
        config = TrainConfig.from_dict(with_defaults(summary, settings)).to_dict()
        assert extras_reason(summary, config) == (
            "Extras for the drawing pad: off, because they are drawn only for the classes 0-9, "
            "and these classes are others; augmentation: on")


@pytest.mark.parametrize("requested", [
    {"hidden_layers": "25", "output": "sigmoid", "l2": "1"},      # the CLI's words, as text
    {"l2": 0.5}, {"activation": "tanh"}, {"conv_filters": [8]},
])
def test_any_network_of_the_users_own_goes_without_pen_digits(requested):
    merged = with_defaults(DIGITS, requested)
    assert chose_network(DIGITS, merged)
    assert (merged["synthetic_digits"], merged["pen_digits"]) == (0, 0)


def test_the_default_picture_network_keeps_the_extras():
    for settings in ({}, {"epochs": 5, "seed": 3}, {"hidden_layers": [256], "l2": 1.0}):
        merged = with_defaults(DIGITS, settings)
        assert not chose_network(DIGITS, merged)
        assert all(merged.get(name) is None for name in PAD_EXTRAS_OFF)
        assert extras_reason(DIGITS, TrainConfig.from_dict(merged).to_dict()) == ON


def test_extras_asked_for_stay_on_with_a_network_of_ones_own():
    merged = with_defaults(DIGITS, {**TUTORIAL, "synthetic_digits": 500, "augment": False})
    assert (merged["augment"], merged["synthetic_digits"], merged["pen_digits"]) == (False, 500, 0)
    assert extras_reason(DIGITS, TrainConfig.from_dict(merged).to_dict()) == (
        "Extras for the drawing pad: on (synthetic pen digits), as asked for a network of your "
        "own; augmentation: off")
    asked_off = TrainConfig.from_dict(with_defaults(DIGITS, {"augment": False})).to_dict()
    assert extras_reason(DIGITS, asked_off) == ("Extras for the drawing pad: off, as asked; "
                                                "augmentation: off")


def test_tables_and_invalid_settings_have_no_extras_line():
    table = {"n_samples": 100, "n_features": 4, "classes": ["a", "b"]}
    assert extras_reason(table, TrainConfig().to_dict()) is None
    assert not chose_network(DIGITS, {"hidden_layers": "many"})   # refused later, by field


def test_the_cli_trains_the_tutorials_network_without_pen_digits_and_says_so(workbooks):
    path, _ = workbooks[0]
    assert cli_train(path, "--hidden", "25", "--output", "sigmoid", "--l2", "1")[-1] == OFF
    asked = cli_train(path, "--hidden", "25", "--output", "sigmoid", "--l2", "1",
                      "--synthetic-digits", "20", "--no-augment")
    assert asked[-1] == ("Extras for the drawing pad: on (synthetic pen digits), as asked for "
                         "a network of your own; augmentation: off")
