"""Render the files an offline persona produces for one contract.

``render_contract(plan, contract_id)`` is a pure function: the same plan
gives the same bytes (no clock, no randomness, no absolute paths; every
iteration is over document order or sorted). Templates live in
``teamspec/templates/offline`` and are rendered by jinja2 with
``StrictUndefined``; HTML templates are autoescaped.

select (persona, contract type) → build the persona's context → render
templates → return ``{relative POSIX path: text}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from teamspec.errors import TeamspecError
from teamspec.model import Contract, Plan
from teamspec.offline import naming
from teamspec.offline.context import Job

Renderer = Callable[[Job], dict[str, str]]


@cache
def environment() -> Any:
    """The jinja2 environment for the offline templates (cached)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("teamspec", "templates/offline"),
        undefined=jinja2.StrictUndefined,
        autoescape=_is_html,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        json=_json,
        json_inline=lambda v: json.dumps(v, ensure_ascii=False),
        pyrepr=_pyrepr,
        cell=_cell,
        first_line=_first_line,
        camel=naming.camel,
        pascal=naming.pascal,
        snake=naming.snake,
        js_ident=naming.js_ident,
        env_name=naming.env_name,
        humanize=naming.humanize,
        plural=naming.plural,
        singular=naming.singular,
        indent_block=_indent_block,
        indent_opts=lambda text: f" {text} " if text else "",
    )
    return env


def _is_html(template_name: str | None) -> bool:
    """Autoescape HTML templates (``*.html.j2``), nothing else."""
    return bool(template_name) and str(template_name).endswith((".html.j2", ".html"))


def _json(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False)


def _pyrepr(value: Any, width: int = 96, indent: int = 0) -> str:
    """A Python literal, laid out like indented JSON: containers that fit
    on one line stay on one line."""
    flat = repr(value)
    if not isinstance(value, (dict, list, tuple)) or len(flat) + indent <= width or not value:
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{k!r}: {_pyrepr(v, width, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
    items = [f"{pad}{_pyrepr(v, width, indent + 4)}," for v in value]
    return open_ + "\n" + "\n".join(items) + "\n" + " " * indent + close


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell."""
    text = " ".join(str(value if value is not None else "").split())
    return text.replace("|", "\\|") or " "


def _first_line(value: Any, limit: int = 120) -> str:
    text = str(value or "").strip().splitlines()
    line = text[0].strip() if text else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _indent_block(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def render(template: str, **context: Any) -> str:
    text: str = environment().get_template(template).render(**context)
    return text if text.endswith("\n") else text + "\n"


def runtime_source(name: str) -> str:
    """The text of a runtime module, as copied into generated projects
    (imports of sibling runtime modules made top-level)."""
    text = resources.files("teamspec.offline.runtime").joinpath(f"{name}.py").read_text("utf-8")
    return text.replace("from teamspec.offline.runtime import schema_check", "import schema_check")


def _renderers() -> Mapping[str, Renderer]:
    from teamspec.offline import personas

    return personas.RENDERERS


def renderer_for(contract: Contract) -> tuple[str, Renderer]:
    """The persona template that renders ``contract``: a ``rest_api``
    contract with an OpenAPI interface is implemented as a backend whoever
    provides it; otherwise the provider's catalog template, or the generic
    work document for personas outside the catalog."""
    from teamspec.offline import personas

    if contract.type == "rest_api" and contract.interface is not None and contract.interface.kind == "openapi":
        return "backend_developer", personas.render_backend
    table = _renderers()
    if contract.provider in table:
        return contract.provider, table[contract.provider]
    return "generic", personas.render_generic


def render_contract(plan: Plan, contract_id: str) -> dict[str, str]:
    """Every file the offline persona of ``contract_id`` writes: relative
    POSIX path → text. Raises ``KeyError`` for an unknown contract id and
    :class:`~teamspec.errors.InterfaceError` when a REST interface is not an
    OpenAPI 3 document (:class:`~teamspec.errors.TeamspecError` if a
    contract id would make a path escape the output directory)."""
    contract = plan.contract(contract_id)
    _, renderer = renderer_for(contract)
    files = renderer(Job(plan, contract))
    for path in files:
        if path.startswith("/") or ".." in path.split("/") or "\\" in path:
            raise TeamspecError(f"contract {contract_id}: refusing to write outside the output directory: {path}")
    return dict(sorted(files.items()))
