"""English date, time and number formats (UX-3): the one place they are written.

Templates and Python code use the setting names (``|date:"SHORT_DATE_FORMAT"``,
``formats.date_format(day, "SHORT_DATE_FORMAT")``), never a literal pattern, so each
language has exactly one format for each kind of value. Machine files (CSV, XML, APIs)
keep their own fixed formats and do not use these.
"""

DATE_FORMAT = "l, m/d/Y"  # a day named in a heading: "Friday, 12/04/2026"
SHORT_DATE_FORMAT = "m/d/Y"  # 12/04/2026
TIME_FORMAT = "g:i A"  # 2:30 PM
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"  # 12/04/2026 2:30 PM
DATETIME_FORMAT = "m/d/Y g:i:s A"  # with seconds, where the moment matters
MONTH_DAY_FORMAT = "m/d"  # chart labels
YEAR_MONTH_FORMAT = "M Y"  # Dec 2026
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# What a date field accepts (UX-3). ISO comes first: Django writes a date field's value with
# the first format, and an <input type="date"> takes only ISO (the browser shows it in the
# reader's own format); the language's written form is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
]
