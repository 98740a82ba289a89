"""Relational tables (SQLite dialect) from the REST contracts' schemas:
one table per stored entity, a column per property with its SQL type,
NOT NULL from ``required``, CHECK constraints from enums, formats, lengths
and bounds, primary keys from the resource ids, foreign keys from
``<entity>Id`` properties and nested paths."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from teamspec.offline import naming
from teamspec.offline.context import ApiInfo
from teamspec.offline.openapi import Resource
from teamspec.offline.runtime import schema_check


@dataclass(frozen=True)
class Column:
    name: str
    source: str  # the API property ("" for added columns)
    sql_type: str
    not_null: bool
    primary_key: bool = False
    default: str | None = None
    checks: tuple[str, ...] = ()
    references: tuple[str, str] | None = None  # (table, column)
    on_delete: str = ""
    api_type: str = ""
    note: str = ""

    def ddl(self) -> str:
        parts = [self.name, self.sql_type]
        if self.primary_key:
            parts.append("PRIMARY KEY")
        if self.not_null and not (self.primary_key and self.sql_type == "INTEGER"):
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        for check in self.checks:
            parts.append(f"CHECK ({check})")
        if self.references is not None:
            parts.append(f"REFERENCES {self.references[0]} ({self.references[1]})")
            if self.on_delete:
                parts.append(f"ON DELETE {self.on_delete}")
        return " ".join(parts)


@dataclass(frozen=True)
class Table:
    name: str
    entity: str
    contract: str
    columns: tuple[Column, ...]
    indexes: tuple[tuple[str, str], ...] = ()  # (index name, column)
    resource: str = ""
    comments: tuple[str, ...] = field(default=())

    @property
    def primary_key(self) -> Column:
        return next(c for c in self.columns if c.primary_key)


def quote(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _kind(s: Mapping[str, Any]) -> str:
    t = s.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), "string")
    if t is None:
        if s.get("enum"):
            return schema_check.json_type(s["enum"][0])
        return "object" if "properties" in s else "string"
    return str(t)


def _column(name: str, prop: Mapping[str, Any], required: bool, defs: Mapping[str, Any]) -> Column:
    s = schema_check.resolve(prop, defs)
    col = naming.snake(name)
    kind = _kind(s)
    nullable = s.get("nullable") is True or (isinstance(s.get("type"), list) and "null" in s["type"])
    checks: list[str] = []
    sql_type = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "string": "TEXT"}.get(kind, "TEXT")
    fmt = s.get("format")
    if kind == "boolean":
        checks.append(f"{col} IN (0, 1)")
    elif kind in ("object", "array"):
        checks.append(f"json_valid({col})")
        if kind == "array":
            checks.append(f"json_type({col}) = 'array'")
    elif fmt == "date":
        checks.append(f"date({col}, '+0 days') = {col}")
    elif fmt == "date-time":
        checks.append(f"julianday({col}) IS NOT NULL")
        checks.append(f"date({col}, '+0 days') = substr({col}, 1, 10)")
    elif fmt == "email":
        checks.append(f"{col} LIKE '%_@_%._%'")
    elif fmt == "uuid":
        checks.append(f"length({col}) = 36")
    if s.get("enum"):
        values = [v for v in s["enum"] if v is not None]
        checks.append(f"{col} IN ({', '.join(quote(v) for v in values)})")
    if kind == "string":
        if isinstance(s.get("minLength"), int) and s["minLength"] > 0:
            checks.append(f"length({col}) >= {s['minLength']}")
        if isinstance(s.get("maxLength"), int):
            checks.append(f"length({col}) <= {s['maxLength']}")
    if kind in ("integer", "number"):
        for key, op in (("minimum", ">="), ("maximum", "<=")):
            bound = s.get(key)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool):
                strict = s.get("exclusiveMinimum" if key == "minimum" else "exclusiveMaximum") is True
                checks.append(f"{col} {op[0] if strict else op} {bound}")
        for key, op in (("exclusiveMinimum", ">"), ("exclusiveMaximum", "<")):
            bound = s.get(key)
            if isinstance(bound, (int, float)) and not isinstance(bound, bool):
                checks.append(f"{col} {op} {bound}")
    default = s.get("default")
    default_sql = quote(default) if isinstance(default, (str, int, float, bool)) else None
    api_type = kind + (f" ({fmt})" if fmt else "")
    return Column(
        name=col, source=name, sql_type=sql_type, not_null=required and not nullable, default=default_sql,
        checks=tuple(checks), api_type=api_type,
    )


def tables(apis: Sequence[ApiInfo]) -> list[Table]:
    """One table per stored resource (and per other entity schema)."""
    candidates: list[tuple[ApiInfo, str, Mapping[str, Any], Resource | None]] = []
    seen: set[str] = set()
    for info in apis:
        for r in info.model.resources:
            if r.name not in seen and r.item_schema:
                seen.add(r.name)
                candidates.append((info, r.name, r.item_schema, r))
        for name, schema in info.model.entity_schemas.items():
            if name not in seen:
                seen.add(name)
                candidates.append((info, name, schema, None))
    names = {naming.snake(naming.singular(n)): naming.snake(naming.plural(naming.singular(naming.snake(n)))) for _, n, _, _ in candidates}
    built: list[Table] = []
    for info, entity, schema, resource in candidates:
        defs = info.model.defs
        s = schema_check.resolve(schema, defs)
        required = set(s.get("required") or ())
        table = names[naming.snake(naming.singular(entity))]
        columns: list[Column] = []
        id_prop = resource.id_prop if resource is not None else ("id" if "id" in (s.get("properties") or {}) else None)
        for name, prop in (s.get("properties") or {}).items():
            col = _column(name, prop, name in required, defs)
            if name == id_prop:
                col = Column(col.name, col.source, col.sql_type, True, True, None, col.checks, None, "", col.api_type,
                             "primary key")
            else:
                words = naming.words(name)
                target = names.get("_".join(words[:-1])) if len(words) >= 2 and words[-1] == "id" else None
                if target is not None and target != table:
                    col = Column(col.name, col.source, col.sql_type, col.not_null, False, col.default, col.checks,
                                 (target, "id"), "CASCADE" if col.not_null else "SET NULL", col.api_type,
                                 f"refers to {target}")
            columns.append(col)
        if not any(c.primary_key for c in columns):
            columns.insert(0, Column("id", "", "INTEGER", True, True, note="surrogate key (no id in the contract)"))
        if resource is not None:
            for param in resource.parent_params:
                col_name = naming.snake(param)
                if any(c.name == col_name for c in columns):
                    continue
                words = naming.words(param)
                target = names.get("_".join(words[:-1])) if len(words) >= 2 and words[-1] == "id" else None
                columns.append(Column(col_name, "", "TEXT" if target is None else "INTEGER", True,
                                      references=(target, "id") if target else None,
                                      on_delete="CASCADE" if target else "",
                                      note=f"path parameter {param} of {resource.collection_path}"))
        indexes = [(f"idx_{table}_{c.name}", c.name) for c in columns if c.references is not None]
        if resource is not None and resource.op("list") is not None:
            listing = resource.op("list")
            assert listing is not None
            for p in listing.query_params:
                col_name = naming.snake(p.name)
                if any(c.name == col_name and not c.primary_key for c in columns) and all(i[1] != col_name for i in indexes):
                    indexes.append((f"idx_{table}_{col_name}", col_name))
        built.append(Table(table, entity, info.contract.id, tuple(columns), tuple(indexes),
                           resource.collection_path if resource else ""))
    return _ordered(built)


def _ordered(items: list[Table]) -> list[Table]:
    """Referenced tables first (stable otherwise)."""
    done: list[Table] = []
    names = {t.name for t in items}
    pending = list(items)
    while pending:
        for t in pending:
            deps = {c.references[0] for c in t.columns if c.references and c.references[0] in names and c.references[0] != t.name}
            if deps <= {d.name for d in done}:
                done.append(t)
                pending.remove(t)
                break
        else:
            done.extend(pending)
            break
    keys = {t.name: t.primary_key.name for t in done}
    return [
        replace(t, columns=tuple(
            replace(c, references=(c.references[0], keys[c.references[0]]))
            if c.references is not None and c.references[0] in keys else c
            for c in t.columns
        ))
        for t in done
    ]


def sample_row(table: Table, value: Mapping[str, Any]) -> dict[str, Any]:
    """An API value as column values (booleans 0/1, nested values as JSON)."""
    row: dict[str, Any] = {}
    for c in table.columns:
        if not c.source or c.source not in value:
            continue
        v = value[c.source]
        if isinstance(v, bool):
            v = int(v)
        elif isinstance(v, (dict, list)):
            v = json.dumps(v)
        row[c.name] = v
    return row
