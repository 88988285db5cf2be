"""Every stylesheet is whole (UX-1, UX-2): a stray or missing brace silently drops the rules
after it — once it put the desktop's side menu above the page instead of beside it."""

import re
from pathlib import Path

import pytest
import tinycss2

STATIC_CSS = sorted((Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"))


def braces_balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r"/\*.*?\*/", "", text, flags=re.S):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def test_the_check_finds_a_stray_and_a_missing_brace():
    assert braces_balanced("@media (max-width: 1px) { a { color: red; } }")
    assert not braces_balanced("@media (max-width: 1px) { a { color: red; } } }")
    assert not braces_balanced("@media (max-width: 1px) { a { color: red; }")


@pytest.mark.parametrize("path", STATIC_CSS, ids=lambda p: p.name)
def test_each_stylesheet_parses_without_errors(path):
    text = path.read_text()
    assert braces_balanced(text), f"{path.name}: unbalanced braces"
    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    errors = [rule for rule in rules if rule.type == "error"]
    assert not errors, f"{path.name}: {[(e.source_line, e.message) for e in errors]}"
