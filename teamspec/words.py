"""Words of a requirement: tokens (lower case, plural → singular), and
whole-word phrase matching ("build" never contains "ui")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BOUNDARY", "FEATURE_VERBS", "SENTENCE_END", "Token", "keyword_hits", "norm_phrase", "singular",
    "tokenise", "tokens",
]


_IRREGULAR = {
    "people": "person", "children": "child", "men": "man", "women": "woman",
    "data": "data", "criteria": "criterion", "indices": "index", "analyses": "analysis",
    "statuses": "status", "addresses": "address", "aliases": "alias", "buses": "bus",
    "series": "series", "species": "species", "news": "news", "caches": "cache",
    "movies": "movie", "cookies": "cookie", "calories": "calorie", "processes": "process",
    "classes": "class", "viruses": "virus", "canvases": "canvas", "kubernetes": "kubernetes",
    "analytics": "analytics", "metrics": "metric", "utils": "utils", "aws": "aws",
    "sms": "sms", "https": "https", "postgres": "postgres", "redis": "redis", "express": "express",
    "jenkins": "jenkins", "kubernete": "kubernetes", "ios": "ios", "canvas": "canvas",
}


def singular(word: str) -> str:
    """The singular of an English noun, by rule (``tasks`` → ``task``,
    ``categories`` → ``category``, ``addresses`` → ``address``). Words that
    are not plural come back unchanged."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith(("ss", "us", "is", "ous")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s"):
        return w[:-1]
    return w


_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[,.;:!?()]")
_RAW_RE = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?|[,.;:!?()]")
_JOIN_DOTS = re.compile(r"(?<=[A-Za-z0-9])\.(?=[A-Za-z0-9])")
BOUNDARY = frozenset(",.;:!?()")
SENTENCE_END = frozenset(".!?")


@dataclass(frozen=True)
class Token:
    norm: str  # lower case, singular
    raw: str  # as written
    plural: bool  # written in a plural form


def tokens(text: str) -> tuple[str, ...]:
    """Normalised words and punctuation of ``text``: lower case, singular,
    ``node.js`` → ``nodejs``, hyphens and slashes split words."""
    return tuple(t.norm for t in tokenise(text))


def tokenise(text: str) -> list[Token]:
    joined = _JOIN_DOTS.sub("", text)
    out: list[Token] = []
    for raw in _RAW_RE.findall(joined):
        low = raw.lower()
        if low.endswith("'s"):
            low = low[:-2]
        elif "'" in low:
            low = low.replace("'", "")
        norm = singular(low)
        out.append(Token(norm, raw, norm != low))
    return out


def norm_phrase(phrase: str) -> tuple[str, ...]:
    return tuple(t.norm for t in tokenise(phrase) if t.norm not in BOUNDARY)


def keyword_hits(text: str, phrases: Iterable[str]) -> tuple[str, ...]:
    """The phrases that occur in ``text`` as whole words (plural aware), in
    the order given. ``keyword_hits("Rebuild the guide", ["ui", "build"])``
    is empty; ``keyword_hits("manage tasks", ["task"])`` is ``("task",)``."""
    toks = tokens(text)
    found: list[str] = []
    for phrase in phrases:
        p = norm_phrase(phrase)
        if not p:
            continue
        n = len(p)
        if any(toks[i : i + n] == p for i in range(len(toks) - n + 1)):
            found.append(phrase)
    return tuple(found)


# Verbs that introduce the work to do ("build a ...").
FEATURE_VERBS = frozenset({"build", "create", "implement", "develop", "add", "introduce",
                            "make", "design", "building", "implementing", "develops"})
