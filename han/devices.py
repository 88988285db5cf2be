"""HAN device identifiers (HAN-1): the EUI-64 MAC address and the ZigBee Smart Energy
installation code. Pure functions, used by the forms, the services and the API alike."""

import re

from django.utils.translation import gettext as _

MAC_HEX_DIGITS = 16  # EUI-64
# ZigBee Smart Energy install codes are 6, 8, 12 or 16 bytes followed by a 2-byte CRC.
INSTALL_CODE_BYTES = (6, 8, 12, 16)
CRC_BYTES = 2
SEPARATORS = re.compile(r"[\s:.\-]")
HEX = re.compile(r"[0-9A-F]*", re.ASCII)


class DeviceIdInvalid(ValueError):
    """The value is not a valid identifier; the message says why, for the form."""


def _hex_digits(value: str) -> str:
    digits = SEPARATORS.sub("", value or "").upper()
    if not HEX.fullmatch(digits):
        raise DeviceIdInvalid(_("Use only the hexadecimal digits 0-9 and A-F."))
    return digits


def mac_address_clean(value: str) -> str:
    """HAN-1: a MAC address is an EUI-64, 16 hex digits, with or without separators
    (`00:0D:6F:...`, `000d-6f00-...`); stored upper-case without them."""
    digits = _hex_digits(value)
    if len(digits) != MAC_HEX_DIGITS:
        raise DeviceIdInvalid(
            _(
                "A HAN device MAC address has %(expected)d hexadecimal digits "
                "(EUI-64); this one has %(found)d."
            )
            % {"expected": MAC_HEX_DIGITS, "found": len(digits)}
        )
    return digits


def mac_address_masked(mac_address: str) -> str:
    """NTF-4: only the last six characters of a MAC address are shown."""
    return "*" * max(len(mac_address) - 6, 0) + mac_address[-6:]


def install_code_crc(code: bytes) -> int:
    """The CRC of a ZigBee installation code: CRC-16/X-25 (polynomial 0x1021 reflected,
    initial value 0xFFFF, final XOR 0xFFFF), as the ZigBee Smart Energy profile defines it."""
    crc = 0xFFFF
    for byte in code:
        crc ^= byte
        for _bit in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc ^ 0xFFFF


def install_code_with_crc(code_hex: str) -> str:
    """The installation code followed by its CRC (low byte first, as printed on devices).
    For the simulated TDSP's demo devices and the tests."""
    code = bytes.fromhex(code_hex)
    return (code + install_code_crc(code).to_bytes(CRC_BYTES, "little")).hex().upper()


def install_code_clean(value: str) -> str:
    """HAN-1: an installation code of 6, 8, 12 or 16 bytes plus its 2-byte CRC, checked as
    the standard defines; stored upper-case hex without separators."""
    digits = _hex_digits(value)
    sizes = [2 * (n + CRC_BYTES) for n in INSTALL_CODE_BYTES]
    if len(digits) not in sizes:
        raise DeviceIdInvalid(
            _(
                "An installation code has 16, 20, 28 or 36 hexadecimal digits "
                "(the code and its 4-digit CRC)."
            )
        )
    raw = bytes.fromhex(digits)
    code, crc = raw[:-CRC_BYTES], raw[-CRC_BYTES:]
    if install_code_crc(code) != int.from_bytes(crc, "little"):
        raise DeviceIdInvalid(
            _(
                "This installation code's check digits (CRC) do not match: please check it "
                "against the label on the device."
            )
        )
    return digits
