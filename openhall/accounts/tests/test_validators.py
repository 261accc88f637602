import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from openhall.accounts.validators import (
    ID_CHECK,
    USCC_ALPHABET,
    id_check_char,
    normalize_mobile,
    uscc_check_char,
    validate_id_number,
    validate_mobile,
    validate_uscc,
)

uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)
birthdays = st.dates(
    min_value=__import__("datetime").date(1900, 1, 1),
    max_value=__import__("datetime").date(2026, 1, 1),
)


def test_it_accepts_a_published_credit_code():
    validate_uscc("91350100M000100Y43")  # a code printed on a real business licence sample


@given(uscc_bodies)
def test_any_code_with_its_check_character_is_valid(body):
    validate_uscc(body + uscc_check_char(body))


@given(uscc_bodies, st.sampled_from(USCC_ALPHABET))
def test_a_wrong_check_character_is_refused(body, wrong):
    if wrong == uscc_check_char(body):
        wrong = USCC_ALPHABET[(USCC_ALPHABET.index(wrong) + 1) % 31]
    with pytest.raises(ValidationError):
        validate_uscc(body + wrong)


@pytest.mark.parametrize(
    "code", ["", "123", "91350100M000100Y4", "91350100M000100Y43X", "91350100I000100Y43"]
)
def test_malformed_codes_are_refused(code):
    with pytest.raises(ValidationError):
        validate_uscc(code)


def test_it_accepts_the_standard_example_id_number():
    validate_id_number("11010519491231002X")  # the example in GB 11643-1999


@given(st.from_regex(r"\A[1-6]\d{5}\Z"), birthdays, st.from_regex(r"\A\d{3}\Z"))
def test_any_id_with_a_real_birthday_and_its_check_is_valid(region, birthday, sequence):
    first17 = f"{region}{birthday:%Y%m%d}{sequence}"
    validate_id_number(first17 + id_check_char(first17))


@given(
    st.from_regex(r"\A[1-6]\d{5}\Z"),
    birthdays,
    st.from_regex(r"\A\d{3}\Z"),
    st.sampled_from(ID_CHECK),
)
def test_an_id_with_a_wrong_check_is_refused(region, birthday, sequence, check):
    first17 = f"{region}{birthday:%Y%m%d}{sequence}"
    if check == id_check_char(first17):
        return
    with pytest.raises(ValidationError):
        validate_id_number(first17 + check)


def test_an_id_with_an_impossible_birthday_is_refused():
    first17 = "11010519490231002"  # 31 February
    with pytest.raises(ValidationError):
        validate_id_number(first17 + id_check_char(first17))


@pytest.mark.parametrize("raw", ["13812345678", "+86 138 1234 5678", "138-1234-5678"])
def test_mobile_numbers_are_normalized_and_accepted(raw):
    validate_mobile(normalize_mobile(raw))


@pytest.mark.parametrize(
    "raw", ["", "1381234567", "12812345678", "23812345678", "138123456789", "abcdefghijk"]
)
def test_non_mainland_mobile_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        validate_mobile(normalize_mobile(raw))
