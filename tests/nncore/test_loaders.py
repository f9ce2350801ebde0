"""load_dataset on every supported layout, and a clear message for every malformed file."""
import importlib.util

import numpy as np
import openpyxl
import pytest

from nncore.data import loaders, workbooks
from nncore.data.loaders import load_dataset

HAS_CALAMINE = importlib.util.find_spec("python_calamine") is not None


@pytest.fixture(params=["calamine", "openpyxl"], autouse=True)
def engine(request, monkeypatch):
    """Every Excel test runs with both readers (calamine only where it is installed)."""
    if request.param == "calamine" and not HAS_CALAMINE:
        pytest.skip("python-calamine is not installed")
    monkeypatch.setattr(workbooks, "EXCEL_ENGINE", request.param)
    return request.param


def workbook(path, sheets):
    """sheets: {name: rows}; returns path."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    wb.save(path)
    return path


def tutorial_rows(n=6, d=4):
    X = [[(i * d + j) % 7 / 7 if j % 2 else i + j for j in range(d)] for i in range(n)]
    y = [[10 if i % 3 == 0 else i % 3] for i in range(n)]
    return X, y


def csv_file(path, text, encoding="utf-8"):
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


# --------------------------------------------------------------------------- layouts


@pytest.mark.parametrize("x_name, y_name", [("X", "y"), ("x", "Y"), (" X ", "y")])
def test_tutorial_layout(tmp_path, x_name, y_name):
    X, y = tutorial_rows()
    ds = load_dataset(workbook(tmp_path / "ex4.xlsx", {x_name: X, y_name: y}))
    assert ds.X.shape == (6, 4) and ds.classes == ["1", "2", "10"]
    np.testing.assert_allclose(ds.X, np.array(X, dtype=float))
    assert ds.labels.tolist() == ["10", "1", "2", "10", "1", "2"]
    assert ds.name == "ex4.xlsx" and ds.feature_names is None and ds.notes == []


def test_named_sheets_override(tmp_path):
    X, y = tutorial_rows()
    path = workbook(tmp_path / "b.xlsx", {"notes": [["hi"]], "features": X, "labels": y})
    ds = load_dataset(path, x_sheet="features", y_sheet="labels", name="mine")
    assert ds.X.shape == (6, 4) and ds.name == "mine"


def test_single_sheet_with_header_and_text_labels(tmp_path):
    rows = [["a", "b", "animal"], [1, 2.5, "cat"], [3, 4, "dog"], [5, 6.0, "cat"]]
    ds = load_dataset(workbook(tmp_path / "t.xlsx", {"Sheet1": rows}))
    assert ds.feature_names == ["a", "b"] and ds.classes == ["cat", "dog"]
    assert ds.X.tolist() == [[1, 2.5], [3, 4], [5, 6]]


@pytest.mark.parametrize("label_column, features", [
    ("label", [[2, 3], [5, 6], [8, 9]]), ("LABEL", [[2, 3], [5, 6], [8, 9]]),
    ("1", [[2, 3], [5, 6], [8, 9]]), ("first", [[2, 3], [5, 6], [8, 9]]),
    (-1, [[1, 2], [4, 5], [7, 8]]), ("c", [[1, 2], [4, 5], [7, 8]]),
])
def test_label_column_by_name_or_position(tmp_path, label_column, features):
    rows = [["label", "b", "c"], [1, 2, 3], [4, 5, 6], [7, 8, 9]]
    ds = load_dataset(workbook(tmp_path / "t.xlsx", {"S": rows}), label_column=label_column)
    assert ds.X.tolist() == features


def test_named_single_sheet_without_header(tmp_path):
    path = workbook(tmp_path / "t.xlsx", {"first": [[0]], "data": [[0.5, 1, 3.0], [1, 2, 10]]})
    ds = load_dataset(path, x_sheet="DATA")
    assert ds.classes == ["3", "10"] and ds.feature_names is None


def test_stray_header_in_x_sheet_only(tmp_path):
    X, y = tutorial_rows()
    ds = load_dataset(workbook(tmp_path / "h.xlsx", {"X": [["p1", "p2", "p3", "p4"]] + X,
                                                      "y": y}))
    assert ds.X.shape == (6, 4)
    assert any("dropped a header row" in note for note in ds.notes)


def test_stray_header_in_y_sheet_only(tmp_path):
    X, y = tutorial_rows()
    ds = load_dataset(workbook(tmp_path / "h.xlsx", {"X": X, "y": [["label"]] + y}))
    assert ds.n_samples == 6 and 'Sheet "y": dropped a header row' in ds.notes[0]


def test_text_label_header_in_y_sheet(tmp_path):
    X, _ = tutorial_rows()
    y = [["digit"]] + [["cat" if i % 2 else "dog"] for i in range(6)]
    ds = load_dataset(workbook(tmp_path / "h.xlsx", {"X": X, "y": y}))
    assert ds.classes == ["cat", "dog"] and ds.n_samples == 6


def test_header_in_y_but_one_label_short_is_explained(tmp_path):
    X, y = tutorial_rows()
    path = workbook(tmp_path / "h.xlsx", {"X": X, "y": [["y"]] + y[:-1]})
    with pytest.raises(ValueError, match=r'Sheet "X" has 6 rows but Sheet "y" has 5 labels '
                                         r'\(Sheet "y" had a header row that was dropped\)'):
        load_dataset(path)


def test_real_xlsx_named_xls_is_read(tmp_path):
    X, y = tutorial_rows()
    path = workbook(tmp_path / "a.xlsx", {"X": X, "y": y}).rename(tmp_path / "a.xls")
    assert load_dataset(path).n_samples == 6


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("text", [
    "f1,f2,label\n1,2,a\n3,4.5,b\n5,6,a\n",
    "f1;f2;label\n1;2;a\n3;4,5;b\n5;6;a\n",          # semicolons with a decimal comma
    "f1\tf2\tlabel\n1\t2\ta\n3\t4.5\tb\n5\t6\ta\n",
    "\ufefff1,f2,label\r\n1,2,a\r\n3,4.5,b\r\n5,6,a\r\n",   # BOM, CRLF
    "f1,f2,label\n1,2,a\n\n3,4.5,b\n5,6,a\n\n",       # blank lines
    "f1,f2,label,\n1,2,a,\n3,4.5,b,\n5,6,a\n",          # trailing delimiters, not on all lines
])
def test_csv_layouts(tmp_path, text):
    ds = load_dataset(csv_file(tmp_path / "d.csv", text))
    assert ds.feature_names == ["f1", "f2"] and ds.classes == ["a", "b"]
    assert ds.X.tolist() == [[1, 2], [3, 4.5], [5, 6]]


@pytest.mark.parametrize("text, classes, features", [
    ("label,f1,f2\n3,1,2\n10,3,4\n", ["3", "10"], ["f1", "f2"]),          # Kaggle's MNIST layout
    ("f1,Target,f2\n1,a,2\n3,b,4\n", ["a", "b"], ["f1", "f2"]),
    ("class,f1,target\n1,2,a\n3,4,b\n", ["a", "b"], ["class", "f1"]),   # last column named so
    ("target,f1,CLASS\n1,2,a\n3,4,b\n", ["a", "b"], ["target", "f1"]),
    ("label,target,f1\na,1,2\nb,3,4\n", ["a", "b"], ["target", "f1"]),  # label before target
    ("x,y,fruit\n1,2,a\n3,4,b\n", ["a", "b"], ["x", "y"]),             # "y" beside "x": a coordinate
])
def test_a_column_named_like_a_label_is_the_default_label(tmp_path, text, classes, features):
    ds = load_dataset(csv_file(tmp_path / "d.csv", text))
    assert ds.classes == classes and ds.feature_names == features
    moved = [n for n in ds.notes if "found by its name" in n]
    assert bool(moved) == (not text.split("\n")[0].lower().endswith(("target", "class", "fruit")))


def test_a_named_label_column_still_wins_over_the_default(tmp_path):
    ds = load_dataset(csv_file(tmp_path / "d.csv", "label,f1,f2\n1,2,a\n3,4,b\n"), label_column="f2")
    assert ds.classes == ["a", "b"] and ds.feature_names == ["label", "f1"] and ds.notes == []


def test_a_label_column_found_by_name_in_a_workbook(tmp_path):
    rows = [["Label", "a", "b"], ["cat", 1, 2], ["dog", 3, 4]]
    ds = load_dataset(workbook(tmp_path / "t.xlsx", {"S": rows}))
    assert ds.classes == ["cat", "dog"] and ds.X.tolist() == [[1, 2], [3, 4]]


def test_csv_without_header_numeric_labels(tmp_path):
    ds = load_dataset(csv_file(tmp_path / "d.csv", "1,2,3.0\n3,4,10\n5,6,3\n"))
    assert ds.classes == ["3", "10"] and ds.feature_names is None


def test_csv_in_windows_1252(tmp_path):
    ds = load_dataset(csv_file(tmp_path / "d.csv", "x,y,fruit\n1,2,café\n3,4,pêche\n", "cp1252"))
    assert ds.classes == ["café", "pêche"]
    assert ds.notes == ["The file is not UTF-8; it was read as Windows-1252."]


def test_mixed_ints_and_floats(tmp_path):
    ds = load_dataset(workbook(tmp_path / "m.xlsx", {"S": [[1, 2.5, 1], [2.0, 3, 2]]}))
    assert ds.X.tolist() == [[1, 2.5], [2, 3]]


# --------------------------------------------------------------------------- malformed


def _xlsx(sheets):
    return lambda tmp_path: workbook(tmp_path / "bad.xlsx", sheets)


def _csv(text, name="bad.csv"):
    return lambda tmp_path: csv_file(tmp_path / name, text)


X6, Y6 = tutorial_rows()

MALFORMED = [
    (_csv(""), {}, "The file is empty"),
    (_csv("a,b,label\n"), {}, "header row but no data rows"),
    (_xlsx({"X": X6, "y": Y6[:5]}), {}, 'Sheet "X" has 6 rows but Sheet "y" has 5 labels'),
    (_csv("1,2,a\n3,4,b\n5,abc,a\n"), {}, 'row 3, column 2: "abc" is not a number'),
    (_xlsx({"S": [[1, 2, "a"], [3, "abc", "b"]]}), {},
     r'Sheet "S", row 2, column 2: "abc" is not a number \(cell B2\)'),
    (_csv("1,2,a\n3,inf,b\n"), {}, '"inf" is not a finite number'),
    (_csv("1,2,a\n3,4,\n"), {}, r"only one data row \(1 row without a label dropped\)"),
    (_csv("1,2,a\n3,4,NA\n5,6,a\n"), {}, "every row has the same label"),
    (_csv("1,2,7\n3,4,7\n"), {}, "every row has the same label"),
    (_csv("label\n1\n2\n"), {}, "only one column"),
    (_csv("1,2,a\n"), {}, "only one data row"),
    (_xlsx({"X": X6, "y": Y6}), {"x_sheet": "Z", "y_sheet": "y"},
     'no sheet named "Z". Its sheets are: "X", "y"'),
    (_xlsx({"S": [["a", "b", "label"], [1, 2, 3], [4, 5, 6]]}), {"label_column": "foo"},
     'no column "foo". Its columns are: "a", "b", "label"'),
    (_csv("1,2,3\n4,5,6\n"), {"label_column": "foo"}, "no header row"),
    (_csv("{}", "data.json"), {}, "Unsupported file type .json"),
    (_csv("a,b", "data.ods"), {}, "not a LibreOffice .ods spreadsheet"),
    (_csv("1,2,a\n3,4,b\n5,6\n"), {}, "row 3 has 2 fields but row 1 has 3"),
    (_csv(b"\x89PNG\r\n\x1a\n....."), {}, "not a CSV text file: it looks like a PNG image"),
    (_csv("1,2,a\n3,4,b\n"), {"x_sheet": "X"}, "A CSV file has no sheets"),
    (_xlsx({"X": X6, "y": [[1, 2]] * 6}), {}, 'Sheet "y" has 2 columns'),
    (_xlsx({"X": X6, "y": Y6}), {"y_sheet": "y", "label_column": "a"}, "not both"),
    (_xlsx({"X": [[1], [2]], "y": [[1], [1]]}), {}, "same label"),
    (_xlsx({"S": [[1, 2, 1], [3, "=A2*2", 2]]}), {},
     r"row 2, column 2: the cell holds a formula \(=A2\*2\) with no saved result"),
]


# Blanks used to be refused; a spreadsheet as people have it has them, so they are filled
# (the median of the column), and a third column says which cell was blank.
BLANKS_FILLED = [
    (_csv("1,2,a\n3,,b\n5,6,a\n"), [[1, 2, 0], [3, 4, 1], [5, 6, 0]]),
    (_xlsx({"S": [[1, 2, "a"], [3, None, "b"], [1, 1, "a"]]}), [[1, 2, 0], [3, 1.5, 1], [1, 1, 0]]),
    (_csv("1,2,a\n3,nan,b\n5,4,b\n"), [[1, 2, 0], [3, 3, 1], [5, 4, 0]]),
    (_csv("1,2,a\n3,?,b\n5,4,b\n"), [[1, 2, 0], [3, 3, 1], [5, 4, 0]]),
    (_xlsx({"S": [[1, 2, 1], [3, "#DIV/0!", 2]]}), [[1, 2, 0], [3, 2, 1]]),   # unknown value
]


@pytest.mark.parametrize("make, X", BLANKS_FILLED)
def test_blank_numbers_are_filled_with_the_median(tmp_path, make, X):
    ds = load_dataset(make(tmp_path))
    assert ds.X.tolist() == X
    assert any("Blank numbers filled" in note for note in ds.notes)


@pytest.mark.parametrize("make, kwargs, message", MALFORMED)
def test_malformed(tmp_path, make, kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_dataset(make(tmp_path), **kwargs)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="No such file"):
        load_dataset(tmp_path / "nope.csv")


def test_damaged_xls_is_refused(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    with pytest.raises(ValueError, match="The workbook could not be read"):
        load_dataset(path)


# --------------------------------------------------------------------------- built-in files


@pytest.mark.skipif(not loaders.SAMPLE_PATH.with_name("digits_tutorial.xlsx").exists(),
                    reason="data/digits_tutorial.xlsx not built")
@pytest.mark.slow
def test_builtin_tutorial_workbook(engine):
    if engine != "calamine":
        pytest.skip("5000x400 through openpyxl takes about 12 s")
    ds = load_dataset(loaders.SAMPLE_PATH.with_name("digits_tutorial.xlsx"))
    assert ds.X.shape == (5000, 400)
    assert ds.classes == [str(k) for k in range(1, 11)]
    assert (ds.image.height, ds.image.width, ds.image.order) == (20, 20, "F")
    assert 0 <= ds.X.min() and ds.X.max() <= 1


# --------------------------------------------------------------------------- rows to predict


@pytest.mark.parametrize("text, labels", [
    ("1,2\n3,4\n", None),
    ("a,b\n1,2\n3,4\n", None),
    ("1,2,x\n3,4,y\n", ["x", "y"]),
    ("a,b,label\n1,2,3.0\n3,4,10\n", ["3", "10"]),
    ("label,a,b\n3.0,1,2\n10,3,4\n", ["3", "10"]),       # as training found it: by name
])
def test_load_features_csv(tmp_path, text, labels):
    X, got = loaders.load_features(csv_file(tmp_path / "p.csv", text), n_features=2)
    assert X.tolist() == [[1, 2], [3, 4]] and got == labels


def test_load_features_tutorial_layout(tmp_path):
    X, y = tutorial_rows()
    path = workbook(tmp_path / "p.xlsx", {"X": X, "y": y})
    features, labels = loaders.load_features(path, n_features=4)
    assert features.shape == (6, 4) and labels[:3] == ["10", "1", "2"]
    features, labels = loaders.load_features(workbook(tmp_path / "q.xlsx", {"X": X}),
                                             n_features=4)
    assert labels is None


def test_load_features_wrong_width(tmp_path):
    with pytest.raises(ValueError, match="expects 3 features per row"):
        loaders.load_features(csv_file(tmp_path / "p.csv", "1,2\n3,4\n"), n_features=3)


# --------------------------------------------------------------------------- picture settings


def sixteen_features(tmp_path, width=16):
    rows = "\n".join(",".join(str((i * 7 + j) % 256) for j in range(width)) + f",{i % 2}"
                     for i in range(6))
    return csv_file(tmp_path / "p.csv", rows + "\n")


def test_picture_settings_override_detection(tmp_path):
    path = sixteen_features(tmp_path)
    assert load_dataset(path, image=None).image is None
    geometry = load_dataset(path, image={"order": "F", "vmin": 0, "vmax": 255}).image
    assert geometry == loaders.ImageGeometry(4, 4, "F", 0.0, 255.0)    # square when undetected
    assert load_dataset(path, image={"height": 2, "width": 8}).image.width == 8
    given = loaders.ImageGeometry(8, 2, "C", 0, 10)
    assert load_dataset(path, image=given).image == given


@pytest.mark.parametrize("image, width, message", [
    (loaders.ImageGeometry(3, 3), 16, "a 3x3 picture has 9 pixels, but the rows have 16 features"),
    ({"order": "F"}, 15, "15 features do not make a square picture: give the image's height"),
    ({"colour": "red"}, 16, "image: unknown field 'colour'"),
    ({"order": "Z"}, 16, "image order must be one of"),
    ({"vmin": 5, "vmax": 1}, 16, "image value range needs vmin < vmax"),
    ("yes", 16, "image must be 'auto', None, a dict or an ImageGeometry"),
])
def test_picture_settings_that_cannot_fit_are_refused(tmp_path, image, width, message):
    with pytest.raises(ValueError, match=message):
        load_dataset(sixteen_features(tmp_path, width), image=image)
