""".xls, .xlsb and .ods: round trips (each written here with a library or by hand) and the
pre-parse bounds on what their few bytes can declare."""
import io
import zipfile

import numpy as np
import pytest

from nncore.data import format_checks, safety
from nncore.data.loaders import load_dataset

ROWS = [["f1", "f2", "label"], [1, 2.5, "cat"], [3, 4, "dog"], [5, 6.25, "cat"], [7, 8, "dog"]]


def write_xls(path, rows):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    buffer = io.BytesIO()       # (saving to a name, xlwt leaves the file open)
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def write_xlsb(path, rows):
    pyxlsbwriter = pytest.importorskip("pyxlsbwriter")
    with pyxlsbwriter.XlsbWriter(str(path)) as book:
        book.add_sheet("Data")
        book.write_sheet(rows)
    return path


def ods_cell(value, repeat=None):
    attr = f' table:number-columns-repeated="{repeat}"' if repeat else ""
    if value is None:
        return f"<table:table-cell{attr}/>"
    if isinstance(value, str):
        return (f'<table:table-cell{attr} office:value-type="string"><text:p>{value}</text:p>'
                "</table:table-cell>")
    return (f'<table:table-cell{attr} office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>")


def ods_row(cells, repeat=None):
    attr = f' table:number-rows-repeated="{repeat}"' if repeat else ""
    return f"<table:table-row{attr}>{''.join(cells)}</table:table-row>"


def write_ods(path, rows_xml, mimetype="application/vnd.oasis.opendocument.spreadsheet"):
    """An .ods as LibreOffice lays it out: mimetype, content.xml, manifest."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="Data">'
               f"{rows_xml}</table:table></office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


def ods_table(rows):
    return "".join(ods_row([ods_cell(v) for v in row]) for row in rows)


def check_round_trip(dataset):
    assert dataset.classes == ["cat", "dog"]
    assert dataset.feature_names == ["f1", "f2"]
    assert np.array_equal(dataset.X, [[1, 2.5], [3, 4], [5, 6.25], [7, 8]])
    assert dataset.y.tolist() == [0, 1, 0, 1]


def test_xls_round_trip(tmp_path):
    check_round_trip(load_dataset(write_xls(tmp_path / "old.xls", ROWS)))


def test_xlsb_round_trip(tmp_path):
    check_round_trip(load_dataset(write_xlsb(tmp_path / "binary.xlsb", ROWS)))


def test_ods_round_trip(tmp_path):
    check_round_trip(load_dataset(write_ods(tmp_path / "office.ods", ods_table(ROWS))))


def test_an_xls_under_an_xlsx_name_is_read_by_its_bytes(tmp_path):
    path = write_xls(tmp_path / "old.xls", ROWS).rename(tmp_path / "renamed.xlsx")
    check_round_trip(load_dataset(path))


def test_ods_padding_that_spreadsheet_programs_write_is_accepted(tmp_path):
    # LibreOffice fills the grid: empty cells to the end of each row, empty rows to the end.
    padded = "".join(ods_row([ods_cell(v) for v in row] + [ods_cell(None, 16_381)])
                     for row in ROWS)
    padded += ods_row([ods_cell(None, 16_384)], repeat=1_048_571)
    check_round_trip(load_dataset(write_ods(tmp_path / "padded.ods", padded)))


@pytest.mark.parametrize("rows_xml, message", [
    (ods_table(ROWS[:2]) + ods_row([ods_cell(1), ods_cell(7, 10 ** 9), ods_cell("cat")]),
     "declares 1,000,000,002 columns"),
    (ods_table(ROWS[:2]) + ods_row([ods_cell(1), ods_cell(None, 10 ** 9), ods_cell("cat")]),
     "declares 1,000,000,002 columns"),
    (ods_table(ROWS) + ods_row([ods_cell(1), ods_cell(2), ods_cell("cat")], repeat=10 ** 9),
     "rows x 3 columns"),
])
def test_ods_repetitions_are_bounded_before_parsing(tmp_path, rows_xml, message):
    path = write_ods(tmp_path / "bomb.ods", rows_xml)
    assert path.stat().st_size < 2000
    with pytest.raises(ValueError, match=message):
        load_dataset(path)


def test_an_ods_that_is_not_a_spreadsheet_is_refused(tmp_path):
    path = write_ods(tmp_path / "letter.ods", "", mimetype="application/vnd.oasis.opendocument.text")
    with pytest.raises(ValueError, match="not a spreadsheet"):
        load_dataset(path)


def biff12(kind, body):
    """One .xlsb record: its type and size as 7-bit groups, then the body."""
    head = bytes([kind & 0x7F | 0x80, kind >> 7]) if kind >= 0x80 else bytes([kind])
    size, sized = len(body), b""
    while True:
        sized += bytes([size & 0x7F | (0x80 if size >> 7 else 0)])
        size >>= 7
        if not size:
            return head + sized + body


def u32(*values):
    return b"".join(v.to_bytes(4, "little") for v in values)


def test_xlsb_far_cells_are_bounded_from_the_records():
    near = biff12(0x0000, u32(0)) + biff12(0x0002, u32(0, 0, 0))
    far = near + biff12(0x0000, u32(1_048_575)) + biff12(0x0002, u32(16_000, 0, 0))
    format_checks._check_xlsb_sheet("sheet1.bin", near, safety.MAX_CELLS, safety.MAX_COLUMNS)
    with pytest.raises(ValueError, match="1,048,576 rows x 16,001 columns"):
        format_checks._check_xlsb_sheet("sheet1.bin", far, safety.MAX_CELLS, safety.MAX_COLUMNS)
    declared = biff12(0x0094, u32(0, 9, 0, 999_999))
    with pytest.raises(ValueError, match="declares 10 rows x 1,000,000 columns"):
        format_checks._check_xlsb_sheet("sheet1.bin", declared, safety.MAX_CELLS, safety.MAX_COLUMNS)


def test_a_written_xlsb_passes_its_checks(tmp_path):
    format_checks.check_xlsb(write_xlsb(tmp_path / "ok.xlsb", ROWS))
