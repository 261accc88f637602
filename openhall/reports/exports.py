"""A report as an Excel workbook: one sheet per section, ready to print for the monthly report
to the street office (title and range on top, bold headers repeated on every page, landscape,
fit to the page width). Values are written as values, never as formulas (core.xlsx)."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from openhall.core.xlsx import append_rows, set_column_widths, workbook_bytes


def report_workbook(report: dict, *, title: str) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    period = f"{report['since']:%Y-%m-%d} 至 {report['until']:%Y-%m-%d}"
    names = "、".join(c.name for c in report["centers"])
    for section in report["sections"]:
        sheet = workbook.create_sheet(section.title[:31])
        append_rows(sheet, [[f"{title} · {section.title}"], [f"{period}  {names}"]])
        sheet.append(section.columns)
        append_rows(sheet, section.rows)
        sheet["A1"].font = Font(bold=True, size=14)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="F2F2F2")
            cell.alignment = Alignment(horizontal="center")
        for cells in sheet.iter_rows(min_row=4):
            for cell in cells:
                if cell.column - 1 in section.percent and isinstance(cell.value, float):
                    cell.number_format = "0.0%"
        set_column_widths(
            sheet,
            [
                min(
                    max(
                        [len(str(header)) * 2]
                        + [len(str(r[index])) * 2 for r in section.rows if index < len(r)]
                        + [8]
                    ),
                    40,
                )
                for index, header in enumerate(section.columns)
            ],
        )
        sheet.print_title_rows = "3:3"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.freeze_panes = "A4"
    return workbook_bytes(workbook)
