"""Hostile and broken uploads are refused before (and, for entities, also by) the parser."""
import io
import zipfile

import openpyxl
import pytest

from nncore.data import safety, workbooks
from nncore.data.loaders import load_dataset
from tests.hostile_xml import EXTERNAL, LAUGHS, ROWS

SHEET = "xl/worksheets/sheet1.xml"
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def small_workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    for k in range(6):
        ws.append([k, k * 2, k % 2])
    wb.save(path)
    return path


def replace_member(path, member, data: bytes, compresslevel=9):
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts[member] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as dst:
        for name, content in parts.items():
            dst.writestr(name, content)
    return path


def sheet_xml(body, prolog=""):
    return (prolog + HEAD + body + "</worksheet>").encode()




def test_a_good_workbook_passes(tmp_path):
    safety.check_xlsx(small_workbook(tmp_path / "ok.xlsx"))


def test_zip_bomb(tmp_path):
    rows = "<row/>" * (6 * 2**20)                      # ~36 MB that deflates ~1000-fold
    path = replace_member(small_workbook(tmp_path / "bomb.xlsx"), SHEET,
                          sheet_xml(f"<sheetData>{rows}</sheetData>"))
    assert path.stat().st_size < 200_000
    with pytest.raises(ValueError, match="zip bomb"):
        load_dataset(path)


def test_total_size_cap(tmp_path):
    with pytest.raises(ValueError, match="unpacks to more than"):
        safety.check_xlsx(small_workbook(tmp_path / "a.xlsx"), max_total_bytes=1000)


@pytest.mark.parametrize("prolog, body", [
    (LAUGHS, "<sheetData><row><c><v>&lol9;</v></c></row></sheetData>"),
    (EXTERNAL, "<sheetData><row><c t=\"inlineStr\"><is><t>&ext;</t></is></c></row></sheetData>"),
    ("<?xml version=\"1.0\"?>" + "<!-- padding -->" * 400 + EXTERNAL[21:], "<sheetData/>"),
])
def test_entities_are_refused(tmp_path, prolog, body):
    path = replace_member(small_workbook(tmp_path / "dtd.xlsx"), SHEET,
                          (prolog + HEAD[38:] + body + "</worksheet>").encode())
    with pytest.raises(ValueError, match="DTD|spreadsheet part"):
        load_dataset(path)


@pytest.mark.parametrize("prolog", [LAUGHS, EXTERNAL])
def test_openpyxl_itself_parses_with_defusedxml(tmp_path, prolog):
    """Second line of defence: even past safety.py, openpyxl refuses entity definitions."""
    body = "<sheetData><row><c><v>&lol9;</v></c></row></sheetData>" if prolog is LAUGHS else (
        '<sheetData><row><c t="inlineStr"><is><t>&ext;</t></is></c></row></sheetData>')
    path = replace_member(small_workbook(tmp_path / "dtd.xlsx"), SHEET,
                          (prolog + HEAD[38:] + body + "</worksheet>").encode())
    assert openpyxl.DEFUSEDXML
    with pytest.raises(ValueError, match="entity definitions"):
        workbooks._OpenpyxlBook(path).rows("data")


@pytest.mark.parametrize("dimension, message", [
    ("A1:ZZZ1000000", "18,278 columns"),
    ("A1:Z1000000", "26,000,000 cells"),
])
def test_huge_declared_dimension(tmp_path, dimension, message):
    body = f'<dimension ref="{dimension}"/><sheetData>{ROWS}</sheetData>'
    path = replace_member(small_workbook(tmp_path / "dim.xlsx"), SHEET, sheet_xml(body))
    with pytest.raises(ValueError, match=message):
        load_dataset(path)


def test_far_cell_reference_without_dimension(tmp_path):
    body = f'<sheetData>{ROWS}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    path = replace_member(small_workbook(tmp_path / "far.xlsx"), SHEET, sheet_xml(body))
    with pytest.raises(ValueError, match="1,048,576 rows x 16,384 columns"):
        load_dataset(path)


def test_reference_extent_parses_rows_and_columns():
    xml = b'<row r="12"><c r="AB12" s="1"><v>1</v></c><c t="n" r="Z99"/><c r="C7"/></row>'
    assert safety._reference_extent(xml) == (99, 28, 3)


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG image"),
    (b"%PDF-1.4 ...", "PDF document"),
    (b"hello, world\n", "not an Excel .xlsx workbook"),
    (safety.OLE_MAGIC + bytes(500) + "EncryptedPackage".encode("utf-16-le"), "password-protected"),
    (safety.OLE_MAGIC + bytes(500), "The workbook could not be read"),   # a broken .xls
])
def test_not_a_workbook(tmp_path, content, message):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        load_dataset(path)


def test_truncated_workbook(tmp_path):
    data = small_workbook(tmp_path / "full.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="damaged or incomplete"):
        load_dataset(path)


def test_zip_that_is_not_a_workbook(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", "<w/>")
    path = tmp_path / "doc.xlsx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="not an Excel .xlsx workbook"):
        load_dataset(path)


def test_too_many_members(tmp_path):
    with pytest.raises(ValueError, match="at most 3"):
        safety.check_xlsx(small_workbook(tmp_path / "a.xlsx"), max_members=3)


def test_cells_without_references_are_bounded_per_row(tmp_path):
    """r is optional: 300 rows of 120 reference-less cells (36,000 cells) are 120 columns wide,
    and load; one row of 20,000 such cells is too wide."""
    rows = "".join("<row>" + "<c><v>1</v></c>" * 119 + f"<c><v>{r % 2}</v></c></row>"
                   for r in range(300))
    path = replace_member(small_workbook(tmp_path / "no-refs.xlsx"), SHEET,
                          sheet_xml(f"<sheetData>{rows}</sheetData>"))
    safety.check_xlsx(path)
    dataset = load_dataset(path)
    assert dataset.X.shape == (300, 119) and dataset.classes == ["0", "1"]

    wide = "<row>" + "<c><v>1</v></c>" * 20_000 + "</row>"
    path = replace_member(small_workbook(tmp_path / "wide.xlsx"), SHEET,
                          sheet_xml(f"<sheetData>{wide}</sheetData>"))
    with pytest.raises(ValueError, match="uses 20,000 columns; at most 16,384"):
        safety.check_xlsx(path)
