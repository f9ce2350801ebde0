"""Columns as people have them: categories, blanks, blank tokens, ids, dates, odd headers; the
encoding that travels with the model; and the one vectorised path for wide numeric frames."""
import time

import numpy as np
import pandas as pd
import pytest

from nncore.config import TrainConfig
from nncore.data.columns import MAX_CATEGORIES
from nncore.data.encoding import Encoding
from nncore.data.loaders import load_dataset
from nncore.data.frames import from_frame
from nncore.defaults import default_settings, table_defaults
from nncore.fitting import fit
from nncore.model import Model

PENGUINS = """island,bill_length_mm,sex,name,when,species
Torgersen,39.1,male,a1,2007-11-11,Adelie
Torgersen,NA,female,a2,2007-11-12,Adelie
Biscoe,46.5,?,a3,2007-11-13,Gentoo
Biscoe,"1,050.5",female,a4,2007-11-14,Gentoo
Dream,49.3,male,a5,2007-11-15,Chinstrap
Dream,,female,a6,2007-11-16,
"""


def penguins(n=40):
    rng = np.random.default_rng(0)
    species = rng.choice(["Adelie", "Gentoo", "Chinstrap"], n)
    island = np.where(species == "Gentoo", "Biscoe", rng.choice(["Dream", "Torgersen"], n))
    bill = np.round(np.where(species == "Adelie", 38.0, 48.0) + rng.normal(0, 2, n), 1)
    frame = pd.DataFrame({"island": island, "bill": bill.astype(object),
                          "sex": rng.choice(["male", "female"], n),
                          "name": [f"bird {i}" for i in range(n)], "species": species})
    frame.loc[[3, 7, 11], "bill"] = ["NA", "?", ""]
    frame.loc[5, "species"] = None
    return frame


def by_name(dataset):
    return {c["name"]: c for c in dataset.summary()["columns"]}


def test_a_table_as_people_have_it(tmp_path):
    path = tmp_path / "penguins.csv"
    path.write_text(PENGUINS)
    ds = load_dataset(path, label_column="species")
    columns = by_name(ds)
    assert columns["species"]["kind"] == "label" and ds.n_samples == 5
    assert columns["island"]["kind"] == "category"
    assert columns["bill_length_mm"]["kind"] == "number"
    assert columns["bill_length_mm"]["blanks"] == 1 and "NA" in columns["bill_length_mm"]["blank_tokens"]
    assert "thousands" in columns["bill_length_mm"]["action"]
    assert columns["when"]["kind"] == "ignored" and "date" in columns["when"]["action"]
    assert any("1 row whose label" in n for n in ds.notes)
    assert 1050.5 in ds.X


def test_ids_counters_and_blank_columns_are_ignored():
    frame = penguins()
    frame["row"] = np.arange(1, len(frame) + 1)
    frame["empty"] = ""
    ds = from_frame(frame, "species", "p")
    columns = by_name(ds)
    assert columns["name"]["kind"] == "ignored" and "unique" in columns["name"]["action"]
    assert columns["row"]["kind"] == "ignored" and "counts the rows" in columns["row"]["action"]
    assert columns["empty"]["kind"] == "ignored"
    assert columns["bill"]["blanks"] == 3 and "indicator" in columns["bill"]["action"]
    assert ds.feature_names == ["island=Biscoe", "island=Dream", "island=Torgersen", "bill",
                                "bill was blank", "sex=female", "sex=male"]


def test_roles_change_the_columns():
    frame = penguins()
    ds = from_frame(frame, "species", "p", roles={"sex": "ignored", "name": "category",
                                                  "island": "label"})
    columns = by_name(ds)
    assert columns["island"]["kind"] == "label" and columns["species"]["kind"] == "category"
    assert columns["sex"]["kind"] == "ignored" and columns["name"]["kind"] == "category"
    with pytest.raises(ValueError, match='no column "nope"'):
        from_frame(frame, "species", "p", roles={"nope": "ignored"})
    with pytest.raises(ValueError, match="role must be one of"):
        from_frame(frame, "species", "p", roles={"sex": "banana"})


def test_too_many_categories_and_a_single_class_are_refused():
    n = MAX_CATEGORIES + 5
    frame = pd.DataFrame({"code": [f"c{i % (MAX_CATEGORIES + 1)}" for i in range(n)],
                          "x": np.arange(n) % 7, "y": ["a", "b"] * (n // 2) + ["a"] * (n % 2)})
    assert by_name(from_frame(frame, "y", "t"))["code"]["kind"] == "ignored"
    with pytest.raises(ValueError, match="at most 1,000"):
        from_frame(frame, "y", "t", roles={"code": "category"})
    one = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "a", "NA"]})
    with pytest.raises(ValueError, match="same label"):
        from_frame(one, "y", "t")


def test_a_stray_text_cell_among_numbers_is_named():
    frame = pd.DataFrame({"x": ["1", "2", "oops", "4"], "y": ["a", "b", "a", "b"]},
                         index=[2, 3, 4, 5])
    with pytest.raises(ValueError, match=r'row 4, column 1: "oops" is not a number'):
        from_frame(frame, "y", "t")


def test_a_header_of_text_over_text_columns(tmp_path):
    path = tmp_path / "tennis.csv"
    path.write_text("outlook,wind,play\nsunny,weak,no\nsunny,strong,no\nrain,weak,yes\n"
                    "rain,strong,no\novercast,weak,yes\n")
    ds = load_dataset(path, label_column="play")
    assert ds.n_samples == 5 and ds.classes == ["no", "yes"]


def test_decimal_commas_in_a_semicolon_file(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("a;b;label\n1,5;2;x\n3,25;4;y\n5;6;x\n")
    ds = load_dataset(path)
    assert ds.X[:, 0].tolist() == [1.5, 3.25, 5.0]


def test_the_encoding_travels_with_the_model(tmp_path):
    ds = from_frame(penguins(), "species", "p")
    encoding = Encoding.from_dict(ds.encoding)
    assert encoding.to_dict() == ds.encoding
    model, _ = fit(ds, TrainConfig(hidden_layers=[8], epochs=3, seed=0))
    model.save(tmp_path / "m.npz")
    loaded = Model.load(tmp_path / "m.npz")
    row = {"island": "Biscoe", "bill": "47.5", "sex": "male"}
    X, notes = loaded.encode_row(row)
    assert X.shape == (1, ds.n_features)
    assert np.allclose(loaded.predict_proba(X), model.predict_proba(model.encode_row(row)[0]))
    _, notes = loaded.encode_row({"island": "Mars", "bill": None})
    assert any("Mars" in n for n in notes) and any("filled" in n for n in notes)
    for bad, message in [({"wings": 2}, "unknown column"), ({"bill": "long"}, "must be a number"),
                         ({"bill": [1]}, "single value"), ([1, 2], "must be an object")]:
        with pytest.raises(ValueError, match=message):
            loaded.encode_row(bad)


def test_wide_numeric_frames_take_the_vectorised_path():
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(20_000, 785), dtype=np.uint8)
    pixels[:, 0] = rng.integers(0, 10, size=20_000)
    frame = pd.DataFrame(pixels, columns=["label"] + [f"p{i}" for i in range(784)],
                         index=np.arange(2, 20_002))
    started = time.perf_counter()
    ds = from_frame(frame, "label", "mnist")
    assert time.perf_counter() - started < 10
    assert ds.n_features == 784 and ds.image is not None
    assert np.array_equal(ds.X, pixels[:, 1:].astype(np.float64))


def test_table_defaults_fit_the_table():
    small, reason = table_defaults({"n_samples": 150, "n_features": 4, "classes": ["a", "b", "c"]})
    assert small["epochs"] * np.ceil(120 / small["batch_size"]) >= 3000
    assert small["patience"] and small["augment"] is False and "150 rows" in reason
    big, _ = table_defaults({"n_samples": 100_000, "n_features": 20, "classes": ["a", "b"]})
    # a large table trains about 4,000,000 row passes (nncore.defaults), not a fixed 20 epochs
    assert 20 <= big["epochs"] and big["epochs"] * 80_000 <= 4_000_000
    digits, why = default_settings({"n_samples": 5000, "n_features": 784,
                                    "classes": list("0123456789"),
                                    "image": {"height": 28, "width": 28}})
    assert digits == {"hidden_layers": [256], "epochs": 30} and "drawing-pad" in why
    pictures, why = default_settings({"n_samples": 5000, "n_features": 784, "classes": list("abc"),
                                      "image": {"height": 28, "width": 28}})
    assert pictures == {} and "pictures" in why


def test_text_that_repeats_in_a_column_of_numbers_is_a_code_not_a_typo():
    # a survey's "children" column: 0, 1, 2 and "3+" (a code, in many rows) -> categories;
    # the same column with one "3+" is a typo to report
    children = ["0", "1", "2", "3+"] * 10
    frame = pd.DataFrame({"children": children, "y": ["a", "b"] * 20})
    column = by_name(from_frame(frame, "y", "t"))["children"]
    assert column["kind"] == "category"
    once = pd.DataFrame({"children": ["0", "1", "2"] * 13 + ["3+"], "y": ["a", "b"] * 20})
    with pytest.raises(ValueError, match=r'"3\+" is not a number'):
        from_frame(once, "y", "t")
