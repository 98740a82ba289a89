"""A deterministic string that matches a regular expression.

Walks the parse tree of Python's own regex parser (``re._parser``): first
alternative, first character of a class, the fewest repetitions that the
length bounds allow. Every candidate is checked with ``re.search`` before it
is returned; ``None`` when no candidate matches (look-arounds, back-references
to optional groups, contradictory bounds).
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python >= 3.11
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover - older interpreters
    import sre_constants as _c
    import sre_parse as _p

_CATEGORY_CHARS: dict[Any, str] = {
    _c.CATEGORY_DIGIT: "0123456789",
    _c.CATEGORY_NOT_DIGIT: "abcdefghij",
    _c.CATEGORY_WORD: "abcdefghij",
    _c.CATEGORY_NOT_WORD: "-.:;!@#$%^",
    _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_SPACE: "abcdefghij",
}
_PREFERRED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_. "


class _Gen:
    def __init__(self, extra: int, variant: int) -> None:
        self.extra = extra
        self.variant = variant
        self.groups: dict[int, str] = {}

    def pick(self, choices: str) -> str:
        """The variant-th choice (variant applies to the first choice only)."""
        idx = self.variant % len(choices) if choices else 0
        self.variant = 0
        return choices[idx] if choices else "a"

    def seq(self, items: Any) -> str:
        return "".join(self.one(op, av) for op, av in items)

    def one(self, op: Any, av: Any) -> str:
        if op is _c.LITERAL:
            return chr(av)
        if op is _c.NOT_LITERAL:
            return "b" if chr(av) == "a" else "a"
        if op is _c.ANY:
            return self.pick("abcdefghij")
        if op is _c.IN:
            return self.pick(self.in_choices(av))
        if op is _c.CATEGORY:
            return self.pick(_CATEGORY_CHARS.get(av, "a"))
        if op is _c.BRANCH:
            alts = av[1]
            idx = self.variant % len(alts)
            self.variant = 0
            return self.seq(alts[idx])
        if op is _c.SUBPATTERN:
            group, _add, _del, sub = av
            text = self.seq(sub)
            if group is not None:
                self.groups[group] = text
            return text
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT) or op is getattr(_c, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = av
            count = lo + self.extra
            if hi is not _c.MAXREPEAT:
                count = min(count, hi)
            return "".join(self.seq(sub) for _ in range(count))
        if op is getattr(_c, "ATOMIC_GROUP", None):
            return self.seq(av)
        if op is _c.GROUPREF:
            return self.groups.get(av, "")
        if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            return ""
        return ""

    def in_choices(self, items: Any) -> str:
        negate = bool(items) and items[0][0] is _c.NEGATE
        members = items[1:] if negate else items
        chars: list[str] = []
        for op, av in members:
            if op is _c.LITERAL:
                chars.append(chr(av))
            elif op is _c.RANGE:
                lo, hi = av
                chars.extend(chr(c) for c in range(lo, min(hi, lo + 9) + 1))
            elif op is _c.CATEGORY:
                chars.extend(_CATEGORY_CHARS.get(av, ""))
        if negate:
            excluded = set(chars)
            for op, av in members:
                if op is _c.RANGE:
                    excluded.update(chr(c) for c in range(av[0], av[1] + 1) if c < 0x250)
            return "".join(ch for ch in _PREFERRED if ch not in excluded) or "~"
        return "".join(dict.fromkeys(chars)) or "a"


def string_for_pattern(
    pattern: str, *, min_length: int = 0, max_length: int | None = None, variant: int = 0
) -> str | None:
    """A string ``re.search(pattern, s)`` accepts, within the length bounds."""
    try:
        parsed = _p.parse(pattern)
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    tried: list[str] = []
    for extra in (0, 1, 2, 3, 5, 8, 13, 21, 34, 64):
        for v in (variant, 0) if variant else (0,):
            text = _Gen(extra, v).seq(parsed)
            tried.append(text)
            if _fits(text, min_length, max_length) and compiled.search(text):
                return text
    # An unanchored pattern may be padded to reach min_length.
    for text in tried:
        if compiled.search(text) and len(text) < min_length:
            padded = text + "a" * (min_length - len(text))
            if _fits(padded, min_length, max_length) and compiled.search(padded):
                return padded
    return None


def _fits(text: str, min_length: int, max_length: int | None) -> bool:
    return len(text) >= min_length and (max_length is None or len(text) <= max_length)
