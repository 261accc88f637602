"""Every Excel export writes what people typed as text: never a formula, never a broken file."""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook, load_workbook

from openhall import factories
from openhall.access.models import AccessEvent
from openhall.core.xlsx import append_rows, set_column_widths, workbook_bytes

FORMULA = '=HYPERLINK("http://example.com","点此领奖")'


def written(rows):
    workbook = Workbook()
    append_rows(workbook.active, rows)
    return load_workbook(BytesIO(workbook_bytes(workbook))).active


def test_a_value_that_looks_like_a_formula_is_saved_as_text():
    cell = written([["读书会", FORMULA]])["B1"]
    assert cell.data_type == "s"
    assert cell.value == FORMULA


def test_control_characters_are_dropped_instead_of_breaking_the_file():
    assert written([["读书\x07会\x1b"]])["A1"].value == "读书会"


def test_numbers_stay_numbers():
    sheet = written([[3, 0.5, None]])
    assert (sheet["A1"].value, sheet["B1"].value, sheet["C1"].value) == (3, 0.5, None)


def test_widths_are_set_from_column_a_on():
    workbook = Workbook()
    set_column_widths(workbook.active, [12, 30])
    assert workbook.active.column_dimensions["B"].width == 30


def test_the_access_log_export_keeps_a_typed_name_and_detail_as_text(client, center_a, olivia):
    person = factories.UserFactory(real_name=FORMULA)
    door = factories.door(center_a)
    AccessEvent.objects.create(
        door=door,
        center=center_a,
        user=person,
        method="pin",
        opened=False,
        at=timezone.now(),
        detail="=1+1\x07",
    )
    client.force_login(olivia)
    response = client.get(f"/console/c/{center_a.pk}/access-log/export/")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    name, detail = sheet["E2"], sheet["H2"]
    assert (name.value, name.data_type) == (FORMULA, "s")
    assert (detail.value, detail.data_type) == ("=1+1", "s")
