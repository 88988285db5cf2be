"""CSV cells that a spreadsheet will not run (OWASP "CSV Injection").

A spreadsheet opening a CSV file treats a cell that starts with `=`, `+`, `-` or `@` as a
formula (`=HYPERLINK(...)`, `@SUM(1)`, `-2+3`), and a leading tab or carriage return can hide
one. OWASP's advice: put a single quote in front of such a cell, which makes it text; the csv
module then quotes the cell as it needs to. Apply this to text people typed (names, company
names, addresses, meter numbers), never to numbers the portal writes itself: a negative kWh
value must stay a number.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """The cell's text, with a `'` in front when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
