"""Writing rows into an Excel sheet safely: the one place exports clean what people typed.

A workbook is mailed around and opened by staff, so everything a resident typed goes in as a
value, never as a formula ("=HYPERLINK(…)" stays text), and control characters, which openpyxl
refuses outright, are dropped so one odd title cannot break an export.
"""

from collections.abc import Iterable, Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def clean_value(value: object) -> object:
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append_rows(sheet: Worksheet, rows: Iterable[Sequence[object]]) -> None:
    """Append each row as plain values: cleaned, and a leading "=" kept as text."""
    for row in rows:
        sheet.append([clean_value(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # openpyxl reads any leading "=" as a formula
                cell.data_type = "s"


def set_column_widths(sheet: Worksheet, widths: Iterable[float]) -> None:
    """Widths in characters, from column A on."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
