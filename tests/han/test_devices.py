"""HAN device identifiers (HAN-1): the EUI-64 MAC address and the ZigBee Smart Energy
installation code with its CRC. Pure functions, no database."""

import pytest

from han.devices import (
    DeviceIdInvalid,
    install_code_clean,
    install_code_crc,
    install_code_with_crc,
    mac_address_clean,
)

CANONICAL_MAC = "000D6F0000123456"
NOT_HEX = "Use only the hexadecimal digits 0-9 and A-F."
CODE_LENGTH = (
    "An installation code has 16, 20, 28 or 36 hexadecimal digits (the code and its 4-digit CRC)."
)
WRONG_CRC = (
    "This installation code's check digits (CRC) do not match: please check it "
    "against the label on the device."
)
# The ZigBee Smart Energy profile's own example: a 16-byte code and its CRC, as printed.
SPEC_CODE = "83FED3407A939723A5C639B26916D505"
SPEC_CRC = "C3B5"


def mac_length_message(digits: int) -> str:
    return f"A HAN device MAC address has 16 hexadecimal digits (EUI-64); this one has {digits}."


# --- MAC addresses (HAN-1: EUI-64, 16 hex digits) ----------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "000D6F0000123456",
        "000d6f0000123456",  # lower case
        "00:0D:6F:00:00:12:34:56",  # colons, as devices print it
        "00:0d:6f:00:00:12:34:56",
        "00-0D-6F-00-00-12-34-56",  # hyphens
        "000D.6F00.0012.3456",  # dots
        "00 0D 6F 00 00 12 34 56",  # spaces
        "  000D6F0000123456\n",  # pasted with blanks around it
        "000d-6f00:0012 3456",  # a mix
    ],
)
def test_a_mac_address_is_accepted_with_or_without_separators_and_stored_canonical(typed):
    # HAN-1
    assert mac_address_clean(typed) == CANONICAL_MAC


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("000D6F000012345", 15),  # one short
        ("00:0D:6F:00:00:12:34:5", 15),
        ("000D6F00001234567", 17),  # one too many
        ("00-0D-6F-00-00-12-34-56-7", 17),
        ("000D6F00", 8),  # an EUI-48-sized half
        ("", 0),
    ],
)
def test_a_mac_address_of_other_than_16_digits_is_refused_with_the_count(typed, digits):
    # HAN-1
    with pytest.raises(DeviceIdInvalid) as refused:
        mac_address_clean(typed)
    assert str(refused.value) == mac_length_message(digits)


@pytest.mark.parametrize(
    "typed",
    [
        "000D6F000012345G",  # G is no hex digit
        "000D6F00001234_6",  # an underscore is no separator
        "000D6F0000１２３４56",  # full-width digits are not ASCII hex
        "0x0D6F0000123456",
    ],
)
def test_a_mac_address_with_a_non_hex_character_is_refused(typed):  # HAN-1
    with pytest.raises(DeviceIdInvalid) as refused:
        mac_address_clean(typed)
    assert str(refused.value) == NOT_HEX


def test_exactly_16_digits_is_the_boundary():  # HAN-1: both sides
    assert mac_address_clean("F" * 16) == "F" * 16
    for digits in (15, 17):
        with pytest.raises(DeviceIdInvalid):
            mac_address_clean("F" * digits)


# --- installation codes (HAN-1: 6/8/12/16 bytes + CRC-16) --------------------------------------


def test_the_zigbee_smart_energy_example_code_is_accepted():  # HAN-1
    typed = SPEC_CODE + SPEC_CRC
    assert install_code_clean(typed) == typed
    assert install_code_clean(typed.lower()) == typed
    assert install_code_with_crc(SPEC_CODE) == typed
    assert install_code_crc(bytes.fromhex(SPEC_CODE)) == 0xB5C3  # low byte printed first


@pytest.mark.parametrize("size", [6, 8, 12, 16])
def test_codes_of_6_8_12_and_16_bytes_with_their_crc_are_accepted(size):  # HAN-1
    code = install_code_with_crc(bytes(range(0x10, 0x10 + size)).hex())
    assert len(code) == 2 * (size + 2)
    assert install_code_clean(code) == code
    spaced = " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    assert install_code_clean(spaced) == code  # as printed on a label, in groups


@pytest.mark.parametrize("size", [6, 8, 12, 16])
def test_a_code_whose_crc_does_not_match_is_refused(size):  # HAN-1
    code = install_code_with_crc(bytes(range(0x10, 0x10 + size)).hex())
    last = code[-1]
    tampered = code[:-1] + ("0" if last != "0" else "1")
    with pytest.raises(DeviceIdInvalid) as refused:
        install_code_clean(tampered)
    assert str(refused.value) == WRONG_CRC
    swapped = code[:-4] + code[-2:] + code[-4:-2]  # CRC bytes in the wrong order
    with pytest.raises(DeviceIdInvalid):
        install_code_clean(swapped)


@pytest.mark.parametrize("size", [0, 1, 5, 7, 9, 10, 11, 13, 15, 17, 32])
def test_a_code_of_any_other_length_is_refused_even_with_a_good_crc(size):  # HAN-1
    code = install_code_with_crc(bytes(range(size)).hex())
    with pytest.raises(DeviceIdInvalid) as refused:
        install_code_clean(code)
    assert str(refused.value) == CODE_LENGTH


def test_an_odd_number_of_digits_is_a_length_error():  # HAN-1
    with pytest.raises(DeviceIdInvalid) as refused:
        install_code_clean(SPEC_CODE + SPEC_CRC + "0")
    assert str(refused.value) == CODE_LENGTH


def test_a_code_with_a_non_hex_character_is_refused():  # HAN-1
    with pytest.raises(DeviceIdInvalid) as refused:
        install_code_clean(SPEC_CODE[:-1] + "Z" + SPEC_CRC)
    assert str(refused.value) == NOT_HEX
