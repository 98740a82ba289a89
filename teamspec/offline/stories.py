"""User stories and Given/When/Then acceptance criteria, derived from the
requirement (roles), the REST contracts (operations, fields, constraints,
declared statuses) and, without a contract, the analysis entities."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from teamspec.offline import naming, samples
from teamspec.offline.context import ApiInfo
from teamspec.offline.openapi import Operation, Resource
from teamspec.offline.runtime import schema_check

ROLES: tuple[tuple[str, str], ...] = (
    ("administrator", r"\badmins?\b|\badministrators?\b"),
    ("customer", r"\bcustomers?\b|\bshoppers?\b|\bbuyers?\b"),
    ("staff member", r"\bstaff\b|\bemployees?\b"),
    ("manager", r"\bmanagers?\b"),
    ("team member", r"\bteams?\b|\bmembers?\b"),
    ("developer", r"\bdevelopers?\b|\bintegrators?\b"),
    ("user", r"\busers?\b"),
)


@dataclass(frozen=True)
class Criterion:
    given: str
    when: str
    then: str


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    text: str
    criteria: tuple[Criterion, ...]
    operation: str = ""  # "POST /tasks"
    contract: str = ""
    tags: tuple[str, ...] = field(default=())


def role(requirement: str) -> str:
    text = requirement.lower()
    for name, pattern in ROLES:
        if re.search(pattern, text):
            return name
    return "user"


def _code(value: Any) -> str:
    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def _fields(schema: Mapping[str, Any] | None, defs: Mapping[str, Any]) -> tuple[list[str], Mapping[str, Any]]:
    s = schema_check.resolve(schema or {}, defs)
    props: Mapping[str, Any] = s.get("properties") or {}
    required = [n for n in s.get("required") or () if not schema_check.resolve(props.get(n), defs).get("readOnly")]
    return required, props


def _status_text(op: Operation, status: int) -> str:
    r = op.response(status)
    media = f" ({r.media_type})" if r is not None and r.media_type else ""
    return f"{status}{media}"


def _validation_criteria(op: Operation, r: Resource, defs: Mapping[str, Any], who: str) -> list[Criterion]:
    status = op.refusal_status("invalid")
    if status is None or op.body_schema is None:
        return []
    required, props = _fields(op.body_schema, defs)
    out: list[Criterion] = []
    when = f"{who} sends `{op.method} {op.path}`"
    for name in required:
        out.append(Criterion(
            f"a {r.label} without `{name}`", when,
            f"the answer is {_status_text(op, status)} naming `{name}`, and nothing is stored",
        ))
    for name, prop in props.items():
        p = schema_check.resolve(prop, defs)
        if p.get("readOnly"):
            continue
        if p.get("enum"):
            out.append(Criterion(
                f"a {r.label} whose `{name}` is not one of {', '.join(_code(e) for e in p['enum'])}", when,
                f"the answer is {_status_text(op, status)}",
            ))
        elif p.get("format") in ("date", "date-time", "email", "uuid", "uri"):
            out.append(Criterion(
                f"a {r.label} whose `{name}` is not a valid {p['format']}", when, f"the answer is {_status_text(op, status)}",
            ))
        elif isinstance(p.get("maxLength"), int):
            out.append(Criterion(
                f"a {r.label} whose `{name}` is longer than {p['maxLength']} characters", when,
                f"the answer is {_status_text(op, status)}",
            ))
        elif isinstance(p.get("minimum"), (int, float)) or isinstance(p.get("maximum"), (int, float)):
            bounds = " and ".join(
                f"{label} {p[key]}" for key, label in (("minimum", "at least"), ("maximum", "at most")) if key in p
            )
            out.append(Criterion(
                f"a {r.label} whose `{name}` is not {bounds}", when, f"the answer is {_status_text(op, status)}",
            ))
    return out


def resource_stories(info: ApiInfo, r: Resource, who: str, counter: list[int]) -> list[Story]:
    defs = info.model.defs
    stories: list[Story] = []
    item = f"a {r.label}"
    id_text = f"`{r.id_param}`" if r.id_param else "its id"

    def add(op: Operation, title: str, text: str, criteria: Sequence[Criterion]) -> None:
        counter[0] += 1
        stories.append(Story(f"US-{counter[0]:02d}", title, text, tuple(criteria), op.label, info.contract.id))

    create = r.op("create")
    if create is not None:
        required, _ = _fields(create.body_schema, defs)
        example = samples.example(create.body_schema, defs, "request") if create.body_schema else {}
        if create.has_body_example and create.body_schema and not schema_check.validate(
            create.body_example, create.body_schema, defs, "request"
        ):
            example = create.body_example
        with_fields = f" with its {', '.join(f'`{n}`' for n in required)}" if required else ""
        criteria = [Criterion(
            f"a valid {r.label} such as {_code(example)}", f"the {who} sends `{create.label}`",
            f"the answer is {_status_text(create, create.success_status)} with the stored {r.label}"
            + (f" including its new `{r.id_prop}`" if r.id_prop else "")
            + (" and a `Location` header" if create.success_status == 201 and r.item_path else ""),
        )]
        criteria += _validation_criteria(create, r, defs, f"the {who}")
        malformed = create.refusal_status("malformed")
        if malformed is not None:
            criteria.append(Criterion("a request body that is not valid JSON", f"the {who} sends `{create.label}`",
                                      f"the answer is {_status_text(create, malformed)}, never a server error"))
        add(create, f"Create {item}", f"As a {who}, I want to add {item}{with_fields}, so that it is recorded and others can see it.", criteria)
    listing = r.op("list")
    if listing is not None:
        criteria = [Criterion(
            f"{r.plural_label} have been created", f"the {who} sends `{listing.label}`",
            f"the answer is {_status_text(listing, listing.success_status)} with every one of them",
        )]
        for p in listing.query_params:
            ps = schema_check.resolve(p.schema, defs)
            if p.name.lower() in ("limit", "pagesize", "page_size", "per_page", "size") and ps.get("type") == "integer":
                criteria.append(Criterion(f"more than one {r.label} exists", f"the {who} asks for `{p.name}=1`",
                                          f"exactly one {r.label} is returned"))
                bad = listing.refusal_status("invalid")
                if bad is not None:
                    criteria.append(Criterion(f"any {r.plural_label}", f"the {who} sends `{p.name}=many`",
                                              f"the answer is {_status_text(listing, bad)}"))
            elif p.name in (schema_check.resolve(r.item_schema, defs).get("properties") or {}):
                value = samples.example(p.schema, defs, "request", name=p.name)
                criteria.append(Criterion(f"{r.plural_label} with different `{p.name}` values",
                                          f"the {who} asks for `{p.name}={value}`",
                                          f"only {r.plural_label} whose `{p.name}` is {_code(value)} are returned"))
        filters = [p.name for p in listing.query_params]
        by = f", filtered by {', '.join(f'`{f}`' for f in filters)}" if filters else ""
        add(listing, f"List {r.plural_label}", f"As a {who}, I want to see all {r.plural_label}{by}, so that I know what exists and can pick one to work on.", criteria)
    read = r.op("read")
    if read is not None:
        criteria = [Criterion(f"{item} exists", f"the {who} sends `{read.label}` with its {id_text}",
                              f"the answer is {_status_text(read, read.success_status)} with that {r.label}")]
        if read.refusal_status("not_found") is not None:
            criteria.append(Criterion(f"no {r.label} has the {id_text} asked for", f"the {who} sends `{read.label}`",
                                      f"the answer is {_status_text(read, 404)}"))
        add(read, f"View {item}", f"As a {who}, I want to open a single {r.label} by {id_text}, so that I can see all its details.", criteria)
    for kind in ("update", "patch"):
        update = r.op(kind)
        if update is None:
            continue
        _, props = _fields(update.body_schema, defs)
        names = [n for n, p in props.items() if not schema_check.resolve(p, defs).get("readOnly")][:4]
        what = ", ".join(f"`{n}`" for n in names) or "details"
        criteria = [Criterion(f"{item} exists", f"the {who} sends `{update.label}` with new values",
                              f"the answer is {_status_text(update, update.success_status)} and reading it again shows the new values; its {id_text} is unchanged")]
        if update.refusal_status("not_found") is not None:
            criteria.append(Criterion(f"no {r.label} has the {id_text} given", f"the {who} sends `{update.label}`",
                                      f"the answer is {_status_text(update, 404)}"))
        criteria += _validation_criteria(update, r, defs, f"the {who}")
        verb = "change" if kind == "update" else "change some of"
        add(update, f"{'Edit' if kind == 'update' else 'Partly edit'} {item}", f"As a {who}, I want to {verb} a {r.label}'s {what}, so that it stays accurate.", criteria)
    delete = r.op("delete")
    if delete is not None:
        criteria = [Criterion(f"{item} exists", f"the {who} sends `{delete.label}`",
                              f"the answer is {_status_text(delete, delete.success_status)}"
                              + (f" and `{read.label}` then answers 404" if read is not None else ""))]
        if delete.refusal_status("not_found") is not None:
            criteria.append(Criterion(f"the {r.label} was already deleted", f"the {who} sends `{delete.label}` again",
                                      f"the answer is {_status_text(delete, 404)}"))
        add(delete, f"Delete {item}", f"As a {who}, I want to remove a {r.label} I no longer need, so that the list stays relevant.", criteria)
    return stories


def action_story(info: ApiInfo, op: Operation, who: str, counter: list[int]) -> Story:
    counter[0] += 1
    what = op.summary or naming.humanize(op.operation_id or op.name)
    what = what[0].lower() + what[1:] if what else op.label
    success = op.success
    outcome = (success.description if success is not None and success.description else "the documented result").rstrip(".")
    required = [p.name for p in op.parameters if p.required]
    given = f"the required parameters {', '.join(f'`{n}`' for n in required)}" if required else "a valid request"
    criteria = [Criterion(given, f"the {who} sends `{op.label}`", f"the answer is {_status_text(op, op.success_status)}: {outcome}")]
    bad = op.refusal_status("invalid")
    if bad is not None and (required or op.body_required):
        criteria.append(Criterion("a request missing a required parameter or with an invalid body",
                                  f"the {who} sends `{op.label}`", f"the answer is {_status_text(op, bad)}"))
    return Story(f"US-{counter[0]:02d}", what[0].upper() + what[1:], f"As a {who}, I want to {what.rstrip('.')}, so that I get {outcome[0].lower() + outcome[1:] if outcome else 'the result'}.", tuple(criteria), op.label, info.contract.id)


def api_stories(apis: Sequence[ApiInfo], requirement: str) -> list[Story]:
    who = role(requirement)
    counter = [0]
    out: list[Story] = []
    for info in apis:
        for r in info.model.resources:
            out.extend(resource_stories(info, r, who, counter))
        for op in info.model.actions:
            out.append(action_story(info, op, who, counter))
    return out


def entity_stories(entities: Sequence[str], requirement: str) -> list[Story]:
    """Stories for the analysis entities when no REST contract describes them."""
    who = role(requirement)
    out: list[Story] = []
    n = 0
    for entity in entities:
        one = naming.humanize(naming.singular(entity))
        many = naming.humanize(naming.plural(naming.singular(entity)))
        for title, text, criteria in (
            (f"Create a {one}", f"As a {who}, I want to add a {one}, so that it is recorded.",
             (Criterion(f"the details of a new {one}", f"the {who} saves it", f"the {one} appears in the list of {many}"),
              Criterion(f"a {one} with a required detail missing", f"the {who} saves it", "it is refused with a message naming the missing detail"))),
            (f"List {many}", f"As a {who}, I want to see all {many}, so that I know what exists.",
             (Criterion(f"{many} exist", f"the {who} opens the list", f"every {one} is shown"),)),
            (f"Edit a {one}", f"As a {who}, I want to change a {one}, so that it stays accurate.",
             (Criterion(f"a {one} exists", f"the {who} changes and saves it", "the new values are shown"),)),
            (f"Delete a {one}", f"As a {who}, I want to remove a {one}, so that the list stays relevant.",
             (Criterion(f"a {one} exists", f"the {who} deletes it", "it is no longer listed and opening it reports that it does not exist"),)),
        ):
            n += 1
            out.append(Story(f"US-{n:02d}", title, text, criteria))
    return out
