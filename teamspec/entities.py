"""The things a requirement manages (its entities: tasks, users, orders...)
and the services it names, found in its tokens."""

from __future__ import annotations

import re
from collections.abc import Sequence

from teamspec.words import BOUNDARY, FEATURE_VERBS, Token, tokenise

__all__ = ["find_entities", "named_services"]


# Nouns that are managed things whenever they appear.
_ENTITY_VOCAB = frozenset("""
task todo user customer product invoice payment comment article author book category tag
note ticket booking reservation appointment patient doctor employee student course lesson
teacher recipe ingredient contact playlist song album movie artist photo vehicle driver
restaurant expense transaction supplier vendor warehouse shipment cart coupon campaign
survey candidate listing hotel flight guest member workout habit meal device sensor
bookmark poll quiz organization company department sprint milestone
""".split())

# Nouns that are managed things only when written in the plural ("orders",
# not "in order"; "posts", not "POST").
_PLURAL_ONLY = frozenset("""
order item event message post review account document job report record project team
channel profile notification image room question answer lead deal goal board card
""".split())

# Never entities: the product itself, its parts, and abstract nouns.
_STOP = frozenset("""
application app api apis system web ui service platform website site backend frontend
server client database data interface endpoint page dashboard tool feature module component
code codebase bug test documentation doc docs thing stuff information info content detail
state memory config configuration dependency package version error exception risk change
release session identity access secret key cache log time way part kind type lot number
end rest crud http json csv sql report user_interface level history list management
tracking tracker manager support use case flow process workflow function method class file
performance security quality scope requirement specification people person one
own new existing various several multiple many all other their our your his her its the
""".split())

_AFTER_USER_NOT_ENTITY = frozenset("""
interface experience story guide manual friendly input research flow acceptance testing test
feedback journey authentication auth login registration signup
""".split())
_AFTER_PRODUCT_NOT_ENTITY = frozenset("owner manager requirement team roadmap backlog".split())
_BEFORE_NOT_ENTITY = {
    "order": frozenset({"in"}),
    "comment": frozenset({"code", "inline"}),
    "review": frozenset({"code", "security", "peer", "design"}),
    "message": frozenset({"error", "commit", "log", "warning"}),
    "job": frozenset({"ci", "cron", "background", "batch", "import", "nightly"}),
    "report": frozenset({"bug", "coverage", "crash", "error", "nightly"}),
    "event": frozenset({"domain"}),
    "card": frozenset({"credit", "debit"}),
    "team": frozenset({"separate", "development", "dev"}),
}
_AFTER_NOT_ENTITY = {
    "event": frozenset({"driven", "stream", "loop", "bus", "sourcing"}),
    "message": frozenset({"queue", "broker", "bus"}),
    "order": frozenset({"to"}),
}

_ALIASES = {"time": "time_entry", "stock": "stock_level"}

_LIST_VERBS = {
    ("manage",), ("managing",), ("manages",), ("track",), ("tracking",), ("tracks",),
    ("crud", "for"), ("crud", "on"), ("crud", "of"), ("crud",), ("list", "of"),
    ("catalog", "of"), ("catalogue", "of"), ("inventory", "of"), ("collection", "of"),
    ("keep", "track", "of"), ("organize",), ("organise",), ("administer",),
    ("microservice",), ("microservice", ":"), ("service", ":"),
}
_HEAD_SUFFIX = frozenset({"management", "tracker", "tracking", "manager"})
_DETERMINERS = frozenset("""
the a an their your our my his her its all own multiple many several various different new
existing personal shared simple basic some any each every two three four five six
""".split())
_LIST_STOPPERS = frozenset("""
with for in on by via using to that which where from as at of per across into through while
so but when who whose like such including include is are be can should must will
""".split())


def _entity_id(word: str) -> str | None:
    w = _ALIASES.get(word, word)
    if not re.fullmatch(r"[a-z][a-z0-9_]{2,40}", w) or w in _STOP or w in _DETERMINERS \
            or w in _LIST_STOPPERS or w in FEATURE_VERBS:
        return None
    return w


def _is_vocab_entity(toks: Sequence[Token], i: int) -> bool:
    t = toks[i]
    w = t.norm
    if w not in _ENTITY_VOCAB and w not in _PLURAL_ONLY:
        return False
    nxt = toks[i + 1].norm if i + 1 < len(toks) else ""
    if w in _PLURAL_ONLY and w not in _ENTITY_VOCAB and not t.plural \
            and nxt not in {"service", "microservice"}:
        return False
    if w == "post" and t.raw.isupper():
        return False
    prev = toks[i - 1].norm if i > 0 else ""
    if w == "user" and nxt in _AFTER_USER_NOT_ENTITY:
        return False
    if w == "product" and nxt in _AFTER_PRODUCT_NOT_ENTITY:
        return False
    if prev in _BEFORE_NOT_ENTITY.get(w, ()):
        return False
    return nxt not in _AFTER_NOT_ENTITY.get(w, ())


def _noun_list(toks: Sequence[Token], start: int) -> list[tuple[int, str]]:
    """Heads of a list of noun phrases starting at ``start``
    ("their recipes, ingredients and shopping lists")."""
    out: list[tuple[int, str]] = []
    i = start
    current: list[int] = []

    def close() -> None:
        if 0 < len(current) <= 3:
            j = current[-1]
            head = toks[j].norm
            # "order items" → order_item
            if head in {"item", "entry", "line"} and len(current) >= 2:
                head = f"{toks[current[-2]].norm}_{head}"
            ent = _entity_id(head)
            if ent is not None and toks[j].raw.replace("'", "").isalpha():
                out.append((j, ent))
        current.clear()

    while i < len(toks) and len(out) < 6:
        w = toks[i].norm
        if w in _DETERMINERS and not current:
            i += 1
            continue
        if w in {",", "and", "or", "&"}:
            close()
            i += 1
            continue
        if w in BOUNDARY or w in _LIST_STOPPERS or not w.isalpha():
            break
        current.append(i)
        if len(current) > 3:
            current.clear()
            break
        i += 1
    close()
    return out


def find_entities(toks: Sequence[Token]) -> tuple[str, ...]:
    found: list[tuple[int, str]] = []
    norms = [t.norm for t in toks]
    n = len(toks)
    for i in range(n):
        w = norms[i]
        # pattern: "manage X, Y and Z", "CRUD for X", "list of X"
        for verb in _LIST_VERBS:
            k = len(verb)
            if tuple(norms[i : i + k]) == verb:
                found.extend(_noun_list(toks, i + k))
        # pattern: "task management", "issue tracker"
        if w in _HEAD_SUFFIX and i > 0 and norms[i - 1].isalpha():
            ent = _entity_id(norms[i - 1])
            if ent is not None:
                found.append((i - 1, ent))
        # vocabulary; "line items" → line_item
        if w in {"item", "entry"} and toks[i].plural:
            prev = norms[i - 1] if i > 0 else ""
            compound = _entity_id(f"{prev}_{w}") if prev.isalpha() and _entity_id(prev) else None
            found.append((i, compound or w))
        elif _is_vocab_entity(toks, i):
            if i + 1 < n and norms[i + 1] in {"item", "entry"} and toks[i + 1].plural:
                continue
            found.append((i, w))
    seen: dict[str, int] = {}
    for pos, ent in sorted(found):
        seen.setdefault(ent, pos)
    ordered = sorted(seen.items(), key=lambda kv: (kv[1], kv[0]))
    return tuple(e for e, _ in ordered)[:8]


def named_services(requirement: str, entities: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Groups of entities by the services the requirement names.

    "a user service, a product catalog service and an order service" with
    entities ``(user, product, order)`` → ``((user,), (product,), (order,))``.
    An entity no service names joins the service mentioned nearest to it.
    Empty when the requirement names no ``<entity> service``.
    """
    toks = tokenise(requirement)
    norms = [t.norm for t in toks]
    ents = set(entities)
    groups: list[list[str]] = []
    where: list[int] = []  # token index of each group's "service"
    for i, w in enumerate(norms):
        if w not in {"service", "microservice"}:
            continue
        window: list[str] = []
        j = i - 1
        while j >= 0 and i - j <= 3 and norms[j] not in BOUNDARY and norms[j] not in {
            "a", "an", "the", "and", "or", "with", "each", "own", "its", "for"
        }:
            cand = norms[j]
            if cand in ents:
                window.insert(0, cand)
            elif j + 1 < len(norms) and f"{cand}_{norms[j + 1]}" in ents:
                window.insert(0, f"{cand}_{norms[j + 1]}")
            j -= 1
        if window and window not in groups:
            groups.append(window)
            where.append(i)
    if not groups:
        return ()
    named = {e for g in groups for e in g}
    for e in entities:
        if e in named:
            continue
        first = next((i for i, w in enumerate(norms) if w == e or w == e.split("_")[0]), 0)
        nearest = min(range(len(groups)), key=lambda g: (abs(where[g] - first), g))
        groups[nearest].append(e)
    return tuple(tuple(g) for g in groups)
