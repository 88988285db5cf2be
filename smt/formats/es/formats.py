"""Spanish date, time and number formats (UX-3); see the English module for the rule.

Texas Spanish follows Mexican usage (es-MX): day first, a 24-hour clock, and a decimal
point, so a kWh figure reads the same in both languages (docs/decisions.md).
"""

DATE_FORMAT = "l, d/m/Y"  # viernes, 04/12/2026
SHORT_DATE_FORMAT = "d/m/Y"  # 04/12/2026
TIME_FORMAT = "H:i"  # 14:30
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATETIME_FORMAT = "d/m/Y H:i:s"
MONTH_DAY_FORMAT = "d/m"
YEAR_MONTH_FORMAT = "M Y"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# What a date field accepts (UX-3): ISO first (<input type="date">), then day first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M",
]
