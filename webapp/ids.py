"""Ids as the database holds them: whole numbers from 0 to 2**63 - 1 (SQLite's INTEGER).

A larger number cannot name a row, and handing it to sqlite3 raises ``OverflowError``; so an
id beyond the range is answered like any id that does not exist (404), in the one place each
kind of id enters:

- path segments: :class:`IdConverter` serves as ``<int:...>`` in every route (``create_app``
  installs it before the blueprints). Its pattern matches only numbers up to ``MAX_ID``, so
  ``/api/runs/99999999999999999999999`` matches no route at all, like ``/api/runs/abc``: 404
  for every method (a range check after matching would let werkzeug answer 405 when another
  method's rule has the same path);
- ids in a JSON body or query string: :func:`whole_number` reads the text, :func:`check_id`
  refuses what the range cannot hold.
"""
import sys

from werkzeug.routing import IntegerConverter

from webapp.errors import NotFound

MAX_ID = 2**63 - 1


def at_most(number):
    """A regular expression for the decimal numbers from 0 to ``number`` (leading zeros allowed).

    The numbers below ``number`` with as many digits share its first ``i`` digits and have a
    smaller digit at position ``i`` (any digits after it); shorter numbers are all smaller.
    """
    digits = str(number)
    choices = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            choices.append(f"{digits[:i]}[0-{int(digit) - 1}][0-9]{{{len(digits) - i - 1}}}")
    choices.append(digits)
    return "0*(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """werkzeug's ``int`` converter bounded to SQLite's range: ASCII digits up to ``MAX_ID``."""

    regex = at_most(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(text):
    """A query-string value of ASCII digits -> int; ``None`` for anything else.

    ``str.isdigit`` alone lets "²" through, which ``int()`` refuses, and so are texts longer
    than Python converts (``sys.get_int_max_str_digits()``, as JSON numbers are).
    """
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() \
            or len(text) > sys.get_int_max_str_digits():
        return None
    return int(text)


def check_id(value, what):
    """``value`` (an int) when the database can hold it, else 404 "<what> <value> not found",
    the answer for an id that does not exist."""
    if not 0 <= value <= MAX_ID:
        raise NotFound(f"{what} {value} not found")
    return value
