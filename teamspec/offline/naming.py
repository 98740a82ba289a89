"""Identifiers and English word forms for generated code and documents."""

from __future__ import annotations

import keyword
import re

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b|_|$)|[A-Z]?[a-z]+|[A-Z]+|\d+")

JS_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends false "
    "finally for function if import in instanceof new null return super switch this throw true try "
    "typeof var void while with yield let static implements interface package private protected "
    "public await arguments eval".split()
)


def words(text: str) -> list[str]:
    """``"findPetsByID"`` → ``["find", "pets", "by", "id"]``; any separators."""
    return [w.lower() for w in _WORD.findall(text.replace("'", ""))]


def camel(text: str, fallback: str = "value") -> str:
    parts = words(text) or words(fallback)
    out = parts[0] + "".join(p.capitalize() for p in parts[1:])
    return "_" + out if out[0].isdigit() else out


def pascal(text: str, fallback: str = "Value") -> str:
    parts = words(text) or words(fallback)
    out = "".join(p.capitalize() for p in parts)
    return "_" + out if out[0].isdigit() else out


def snake(text: str, fallback: str = "value") -> str:
    out = "_".join(words(text) or words(fallback))
    if out[0].isdigit():
        out = "_" + out
    return out + "_" if keyword.iskeyword(out) else out


def js_ident(text: str, fallback: str = "value") -> str:
    out = camel(text, fallback)
    return out + "_" if out in JS_RESERVED else out


def env_name(text: str) -> str:
    """``task_api`` → ``TASK_API`` (for environment variables)."""
    return "_".join(words(text)).upper() or "API"


def humanize(text: str) -> str:
    """``dueDate`` → ``due date``."""
    return " ".join(words(text)) or text


def singular(word: str) -> str:
    w = word
    low = w.lower()
    if low.endswith("ies") and len(w) > 3:
        return w[:-3] + ("Y" if w[-3:].isupper() else "y")
    if low.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return w[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def plural(word: str) -> str:
    w = word
    low = w.lower()
    if low.endswith("y") and len(w) > 1 and low[-2] not in "aeiou":
        return w[:-1] + "ies"
    if low.endswith(("s", "x", "z", "ch", "sh")):
        return w if low.endswith("s") and singular(w) != w else w + "es"
    return w + "s"


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name2``, ``name3``... whichever is not in ``taken``; adds it."""
    candidate, n = name, 2
    while candidate in taken:
        candidate = f"{name}{n}"
        n += 1
    taken.add(candidate)
    return candidate
