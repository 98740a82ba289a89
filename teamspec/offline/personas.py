"""One renderer per persona of the catalog, plus the generic one.

Each takes a :class:`~teamspec.offline.context.Job` and returns
``{relative path: text}``; paths follow :mod:`teamspec.layout`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from teamspec import layout
from teamspec.offline import naming
from teamspec.offline.context import Job
from teamspec.offline.render import render, runtime_source

Renderer = Callable[[Job], dict[str, str]]


def _artifact(persona_id: str, index: int = 0) -> str:
    return layout.PERSONA_ARTIFACTS[persona_id][1][index]


def render_backend(job: Job) -> dict[str, str]:
    """backend_developer, rest_api contract: a runnable standard-library
    server for the contract's OpenAPI document."""
    info = job.api(job.contract.id)
    if info is None:
        return render_generic(job)
    model = info.model
    root = info.root
    ctx = {
        **job.base(),
        "api": info,
        "model": model,
        "root": root,
        "path_width": max((len(op.path) for op in model.operations), default=1),
        "name_width": max((len(op.name) for op in model.operations), default=1),
        "problem_json": any("application/problem+json" in r.media_types for op in model.operations for r in op.responses),
    }
    return {
        f"{root}/app.py": render("backend/app.py.j2", **ctx),
        f"{root}/api_spec.py": render("backend/api_spec.py.j2", **ctx, api_data=model.runtime()),
        f"{root}/server.py": runtime_source("server"),
        f"{root}/schema_check.py": runtime_source("schema_check"),
        f"{root}/README.md": render("backend/README.md.j2", **ctx),
    }


def render_generic(job: Job) -> dict[str, str]:
    """A persona without a dedicated template: a work document for the
    contract (scope, deliverables with their acceptance checklist, the
    interfaces it provides and uses, upstream and downstream contracts)."""
    path = layout.generic_artifacts(job.contract.id)[0]
    provided = job.api(job.contract.id)
    used = [a for a in job.apis if a.contract.id in set(job.contract.uses) | set(job.contract.depends_on)]
    ctx = {
        **job.base(),
        "view": job.view(job.contract.id) if any(v.id == job.contract.id for v in job.views) else None,
        "provided": provided,
        "used": used,
        "interface_summary": _interface_summary(job),
        "upstream": [job.plan.contract(c) for c in (*job.contract.depends_on, *job.contract.uses) if _known(job, c)],
        "downstream": [job.plan.contract(c) for c in job.consumers_of(job.contract.id) if _known(job, c)],
    }
    return {path: render("docs/generic.md.j2", **ctx)}


def _known(job: Job, contract_id: str) -> bool:
    return any(c.id == contract_id for c in job.plan.contracts)


def _interface_summary(job: Job) -> list[str]:
    """Lines describing a non-REST interface (GraphQL types, JSON Schema
    properties, event names)."""
    interface = job.contract.interface
    if interface is None or interface.kind == "openapi":
        return []
    doc = interface.document
    lines: list[str] = []
    if interface.kind == "graphql" and isinstance(doc, str):
        import re

        for kind, name in re.findall(r"^\s*(type|input|interface|enum|union|scalar)\s+(\w+)", doc, re.M):
            lines.append(f"{kind} `{name}`")
    elif isinstance(doc, Mapping):
        props = doc.get("properties")
        if isinstance(props, Mapping):
            required = set(doc.get("required") or ())
            for name, prop in props.items():
                t = prop.get("type", "any") if isinstance(prop, Mapping) else "any"
                lines.append(f"`{name}`: {t}{' (required)' if name in required else ''}")
        for key in ("events", "messages", "channels", "$defs", "definitions"):
            section = doc.get(key)
            if isinstance(section, Mapping):
                lines.extend(f"{naming.humanize(key)[:-1] if key.endswith('s') else key} `{n}`" for n in section)
    return lines


RENDERERS: dict[str, Renderer] = {}


def _register(persona_id: str) -> Callable[[Renderer], Renderer]:
    def wrap(fn: Renderer) -> Renderer:
        RENDERERS[persona_id] = fn
        return fn

    return wrap


@_register("backend_developer")
def _backend_developer(job: Job) -> dict[str, str]:
    if job.contract.type == "rest_api":
        return render_backend(job)
    return render_generic(job)


def _docs(job: Job, persona_id: str, template: str, **extra: Any) -> dict[str, str]:
    return {_artifact(persona_id): render(template, **job.base(), **extra)}


def _test_files(job: Job, directory: str, client_module: str, kind: str) -> dict[str, str]:
    """The shared pieces of a generated test directory."""
    apis = job.related_apis
    ctx = {**job.base(), "apis": apis, "test_dir": directory, "client_module": client_module, "kind": kind,
           "env_line": " ".join(f"{a.env}={a.url}" for a in apis)}
    return {
        f"{directory}/conftest.py": render("qa/conftest.py.j2", **ctx),
        f"{directory}/{client_module}.py": render("qa/client.py.j2", **ctx),
        f"{directory}/schema_check.py": runtime_source("schema_check"),
    }


@_register("qa_engineer")
def _qa_engineer(job: Job) -> dict[str, str]:
    """Contract tests (pytest, urllib) for every REST API the contract
    works with; without one, tests of the upstream deliverables."""
    from teamspec.offline.testplan import api_plan

    directory = "tests/contract"
    if not job.related_apis:
        artifacts = sorted(
            (c.id, pattern)
            for c in job.plan.contracts if c.id in job.upstream_ids or not job.upstream_ids
            for d in c.deliverables for pattern in d.artifacts if c.id != job.contract.id
        )
        return {f"{directory}/test_deliverables.py": render("qa/test_deliverables.py.j2", **job.base(), artifacts=artifacts)}
    files = _test_files(job, directory, "contract_client", "contract")
    for a in job.related_apis:
        files[f"{directory}/{a.test_module}"] = render(
            "qa/test_api.py.j2", **job.base(), a=a, tp=api_plan(a.model), client_module="contract_client"
        )
    return files


@_register("frontend_developer")
def _frontend_developer(job: Job) -> dict[str, str]:
    """index.html + app.js (list/create/edit/delete per resource) + api.js
    (one client method per operation, JSDoc types from the schemas)."""
    from teamspec.offline import frontend

    clients = [
        {
            "info": a,
            "typedefs": frontend.typedefs(a.model),
            "functions": [frontend.client_function(op, a.model) for op in a.model.operations],
        }
        for a in job.related_apis
    ]
    resources = [
        frontend.ui_resource(a, r) for a in job.related_apis for r in a.model.resources if r.op("create") or r.op("list")
    ]
    operations = {
        a.contract.id: {op.name: [op.method, op.path] for op in a.model.operations} for a in job.related_apis
    }
    ctx = {**job.base(), "clients": clients, "resources": resources, "operations": operations}
    if not clients:
        ctx["clients"] = []
    html, app, api = layout.PERSONA_ARTIFACTS["frontend_developer"][1]
    return {
        html: render("frontend/index.html.j2", **ctx),
        app: render("frontend/app.js.j2", **ctx),
        api: render("frontend/api.js.j2", **ctx) if clients else render("frontend/api-none.js.j2", **ctx),
    }


@_register("requirement_analyst")
def _requirement_analyst(job: Job) -> dict[str, str]:
    """docs/requirements.md: user stories with Given/When/Then criteria."""
    from teamspec.offline import stories
    from teamspec.offline.context import schema_fields

    requirement = job.plan.spec.requirement
    apis = job.apis
    story_list = stories.api_stories(apis, requirement) if apis else stories.entity_stories(job.plan.analysis.entities, requirement)
    fields = [
        {"name": r.name, "rows": schema_fields(r.input_schema or r.item_schema, a.model.defs, "request")}
        for a in apis for r in a.model.resources
    ]
    questions = []
    for a in apis:
        for op in a.model.operations:
            if not op.error_responses:
                questions.append(f"`{op.label}` ({a.contract.id}) declares no error response: what should a client see when its input is invalid?")
        if a.model.global_security or any(op.security for op in a.model.operations):
            questions.append(f"`{a.contract.id}` declares security requirements: who issues credentials, and which roles may do what?")
    mentioned = {naming.singular(w.lower()) for w in naming.words(requirement)}
    covered = {naming.singular(r.plural) for a in apis for r in a.model.resources}
    for entity in job.plan.analysis.entities:
        if apis and naming.singular(entity) not in covered and naming.singular(entity) in mentioned:
            questions.append(f"The requirement mentions {entity}, but no REST contract manages them: are they in scope?")
    return _docs(job, "requirement_analyst", "docs/requirements.md.j2", stories=story_list, who=stories.role(requirement),
                 from_api=bool(apis), fields=fields, questions=questions)


def _entities(job: Job) -> list[dict[str, Any]]:
    from teamspec.offline.context import schema_fields

    out = []
    seen: set[str] = set()
    for a in job.apis:
        for name, schema in a.model.entity_schemas.items():
            if name in seen:
                continue
            seen.add(name)
            out.append({"name": name, "api": a.contract.id, "schema": schema, "defs": a.model.defs,
                        "rows": schema_fields(schema, a.model.defs), "model": a.model})
    return out


def _relations(entities: list[dict[str, Any]]) -> list[dict[str, str]]:
    """``ownerId`` / ``user_id`` style properties that name another entity."""
    names = {naming.snake(naming.singular(e["name"])): e["name"] for e in entities}
    out = []
    for e in entities:
        for row in e["rows"]:
            words = naming.words(row["name"])
            if len(words) >= 2 and words[-1] == "id":
                target = names.get("_".join(words[:-1]))
                if target and target != e["name"]:
                    out.append({"source": e["name"], "field": row["name"], "target": target})
    return out


def _derived_risks(job: Job) -> list[str]:
    risks = list(job.plan.analysis.risks)
    if job.plan.critical_path:
        risks.append(
            f"The critical path ({' → '.join(job.plan.critical_path)}, {job.plan.critical_path_hours:.1f} h) "
            "sets the build time: a delay on it delays everything."
        )
    for a in job.apis:
        bare = [op.label for op in a.model.operations if not op.error_responses]
        if bare:
            risks.append(f"`{a.contract.id}`: {', '.join(bare)} declare{'s' if len(bare) == 1 else ''} no error response, so invalid input cannot be refused conformingly.")
        if a.model.global_security or any(op.security for op in a.model.operations):
            risks.append(f"`{a.contract.id}` declares security, which the offline backend does not enforce.")
    free = sum(1 for c in job.plan.contracts for d in c.deliverables for i in d.acceptance if not i.is_machine_check)
    if free:
        risks.append(f"{free} acceptance criteria are free text: offline they are reported as unverified, not passed.")
    return risks


@_register("solution_architect")
def _solution_architect(job: Job) -> dict[str, str]:
    """docs/architecture.md: components, graph, interfaces, data model, risks."""
    needs = {
        c.id: ", ".join([*(f"{d} (done)" for d in c.depends_on), *(f"{u} (interface)" for u in c.uses)]) or "—"
        for c in job.plan.contracts
    }
    other = [c for c in job.plan.contracts if c.interface is not None and job.api(c.id) is None]
    entities = _entities(job)
    mocked = [c.id for c in job.plan.contracts if c.mock]
    early = sorted({c.id for c in job.plan.contracts if any(u in mocked for u in c.uses)})
    return _docs(job, "solution_architect", "docs/architecture.md.j2", needs=needs, other_interfaces=other,
                 entities=entities, relations=_relations(entities), mocked=mocked, early=early,
                 risks=_derived_risks(job))


CONTROLS = {
    "text": "text input", "textarea": "multi-line text", "number": "number input", "checkbox": "checkbox",
    "select": "drop-down", "date": "date picker", "datetime-local": "date and time picker", "email": "email input",
    "url": "URL input", "json": "JSON text area",
}


def _rules(field: Mapping[str, Any]) -> str:
    parts = []
    if field.get("required"):
        parts.append("must not be empty")
    if "minLength" in field:
        parts.append(f"at least {field['minLength']} characters")
    if "maxLength" in field:
        parts.append(f"at most {field['maxLength']} characters")
    if "minimum" in field:
        parts.append(f"≥ {field['minimum']}")
    if "maximum" in field:
        parts.append(f"≤ {field['maximum']}")
    if "pattern" in field:
        parts.append(f"matches `{field['pattern']}`")
    if field.get("input") in ("email", "date", "datetime-local", "url"):
        parts.append(f"a valid {field['input'].replace('-local', '')}")
    if field.get("integer"):
        parts.append("whole number")
    return ", ".join(parts) or "—"


@_register("ui_ux_designer")
def _ui_ux_designer(job: Job) -> dict[str, str]:
    """design/ui-spec.md (screens, fields, states) + design/wireframe.html."""
    from teamspec.offline import frontend, samples

    screens = []
    for a in job.related_apis:
        for r in a.model.resources:
            ui = frontend.ui_resource(a, r)
            for f in ui["fields"]:
                f["rules"] = _rules(f)
            errors: list[dict[str, Any]] = []
            create = r.op("create")
            for op in (create, r.op("update") or r.op("patch")):
                if op is None:
                    continue
                for reason, text in (("invalid", "the form shows the contract's field errors next to the fields and keeps the input"),
                                     ("malformed", "\"Something went wrong sending the form\" and keeps the input")):
                    status = op.refusal_status(reason)
                    if status is not None and all(e["status"] != status for e in errors):
                        errors.append({"status": status, "text": text})
            read = r.op("read") or r.op("delete")
            if read is not None and read.refusal_status("not_found") is not None:
                errors.append({"status": 404, "text": f"\"This {r.label} no longer exists\"; the list reloads"})
            rows = [
                {k: (v if not isinstance(v, (dict, list)) else str(v)) for k, v in samples.example(r.item_schema, a.model.defs, "response", variant=i).items()}
                for i in range(2)
            ] if isinstance(samples.example(r.item_schema, a.model.defs, "response"), dict) else []
            update = r.op("update") or r.op("patch")
            screens.append({
                "ui": ui, "rows": rows, "errors": errors,
                "list_label": r.op("list").label if r.op("list") else "",  # type: ignore[union-attr]
                "create_label": create.label if create else "—",
                "update_label": update.label if update else "",
                "delete_label": r.op("delete").label if r.op("delete") else "",  # type: ignore[union-attr]
            })
    spec_path, wire_path = layout.PERSONA_ARTIFACTS["ui_ux_designer"][1]
    ctx = {**job.base(), "screens": screens, "controls": CONTROLS}
    return {spec_path: render("design/ui-spec.md.j2", **ctx), wire_path: render("design/wireframe.html.j2", **ctx)}


@_register("database_specialist")
def _database_specialist(job: Job) -> dict[str, str]:
    """db/schema.sql (SQLite) + db/README.md from the contracts' schemas."""
    from teamspec.offline import sql

    ctx = {**job.base(), "tables": sql.tables(job.related_apis)}
    schema_path, readme_path = layout.PERSONA_ARTIFACTS["database_specialist"][1]
    return {schema_path: render("db/schema.sql.j2", **ctx), readme_path: render("db/README.md.j2", **ctx)}


def _smoke(job: Job) -> tuple[dict[str, str], dict[str, int]]:
    """Per API a request that proves the service runs: the first GET without
    parameters (its success status), else an unknown path (404)."""
    paths: dict[str, str] = {}
    statuses: dict[str, int] = {}
    for a in job.apis:
        op = next((o for o in a.model.operations if o.method == "GET" and not o.path_params
                   and not any(p.required for p in o.parameters)), None)
        paths[a.contract.id] = op.path if op is not None else "/teamspec-smoke-test"
        statuses[a.contract.id] = op.success_status if op is not None else 404
    return paths, statuses


@_register("devops_engineer")
def _devops_engineer(job: Job) -> dict[str, str]:
    """Dockerfile for the backend(s) + a CI workflow running the generated
    tests against the started backends."""
    smoke, smoke_status = _smoke(job)
    ctx = {
        **job.base(),
        "has_contract_tests": job.has("qa_engineer"),
        "has_integration_tests": job.has("integration_tester"),
        "has_database": job.has("database_specialist"),
        "has_frontend": job.has("frontend_developer"),
        "smoke": smoke,
        "smoke_status": smoke_status,
    }
    dockerfile, workflow = layout.PERSONA_ARTIFACTS["devops_engineer"][1]
    return {dockerfile: render("devops/Dockerfile.j2", **ctx), workflow: render("devops/ci.yml.j2", **ctx)}


@_register("security_specialist")
def _security_specialist(job: Job) -> dict[str, str]:
    """docs/security-review.md: a checklist per operation, findings, risks."""
    from teamspec.offline import security

    reviews = []
    findings = []
    for a in job.related_apis:
        ops, api_findings = security.review(a)
        reviews.append({"info": a, "ops": ops})
        findings.extend(api_findings)
    order = {"high": 0, "medium": 1, "low": 2}
    findings.sort(key=lambda f: order[f.severity])
    return _docs(job, "security_specialist", "docs/security-review.md.j2", reviews=reviews, findings=findings)


def _api_docs(a: Any) -> dict[str, Any]:
    """The API reference of one REST contract: per operation parameters,
    body fields, examples and a curl line."""
    import json
    import shlex

    from teamspec.offline import samples, testplan
    from teamspec.offline.context import schema_fields, type_text
    from teamspec.offline.runtime import schema_check

    model = a.model
    ops = []
    for op in model.operations:
        body_example = None
        if op.has_body:
            if op.has_body_example and (op.body_schema is None or not schema_check.validate(op.body_example, op.body_schema, model.defs, "request")):
                body_example = op.body_example
            else:
                body_example = samples.example(op.body_schema, model.defs, "request")
        success = op.success
        response_example = None
        if success is not None and success.media_types:
            if success.has_example:
                response_example = success.example
            elif success.schema is not None:
                response_example = samples.example(success.schema, model.defs, "response")
        path = testplan.concrete_path(op, model.defs)
        query = {p.name: samples.example(p.schema, model.defs, "request", name=p.name) for p in op.query_params if p.required}
        url = a.url + path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")
        curl = ["curl", "-i", "-X", op.method, url]
        if op.has_body:
            media = op.body_media_types[0] if op.body_media_types else "application/json"
            curl += ["-H", f"Content-Type: {media}", "-d", json.dumps(body_example)]
        paragraphs = [p.strip() for p in op.description.split("\n\n") if p.strip()]
        ops.append({
            "op": op,
            "anchor": "-".join(naming.words(f"{a.contract.id} {op.method} {op.path}")),
            "description": paragraphs[0] if paragraphs and paragraphs[0] != op.summary else "",
            "params": [
                {"name": p.name, "location": p.location, "type": type_text(p.schema, model.defs),
                 "required": p.required, "description": p.description}
                for p in op.parameters
            ],
            "body_fields": schema_fields(op.body_schema, model.defs, "request") if op.body_schema else [],
            "body_example": body_example,
            "response_example": response_example,
            "curl": " ".join(shlex.quote(x) for x in curl),
        })
    return {"info": a, "ops": ops}


@_register("technical_writer")
def _technical_writer(job: Job) -> dict[str, str]:
    """README.md (project, how to run and test with the real paths,
    endpoints) + docs/api.md (every operation with examples)."""
    contents: list[dict[str, str]] = []
    rows = {
        "backend_developer": [(a.root + "/", f"{a.model.title} server (`python {a.root}/app.py`)") for a in job.apis],
        "frontend_developer": [("frontend/", "web UI: `index.html`, `app.js`, API client `api.js`")],
        "qa_engineer": [("tests/contract/", "contract tests (pytest)")],
        "integration_tester": [("tests/integration/", "integration tests across resources and services")],
        "database_specialist": [("db/", "database schema (`schema.sql`, SQLite)")],
        "devops_engineer": [("Dockerfile", "container image"), (".github/workflows/ci.yml", "CI: starts the backends, runs the tests")],
        "deployment_specialist": [("deploy/", "`compose.yaml` for running the services together")],
        "requirement_analyst": [("docs/requirements.md", "user stories and acceptance criteria")],
        "solution_architect": [("docs/architecture.md", "components, dependency graph, data model")],
        "ui_ux_designer": [("design/", "UI specification and wireframe")],
        "security_specialist": [("docs/security-review.md", "security checklist per operation")],
        "project_reviewer": [("docs/review.md", "review of the plan and its gaps")],
        "technical_writer": [("docs/api.md", "API reference")],
    }
    for pid, items in rows.items():
        if job.has(pid) or (pid == "backend_developer" and job.apis):
            who = job.persona_name(pid) if job.has(pid) else "Backend Developer"
            contents.extend({"path": p, "what": w, "who": who} for p, w in items)
    for c in job.plan.contracts:
        if c.provider not in layout.PERSONA_ARTIFACTS and job.api(c.id) is None:
            contents.append({"path": layout.generic_artifacts(c.id)[0], "what": f"{c.name} work plan", "who": job.persona_name(c.provider)})
    docs = [_api_docs(a) for a in job.related_apis]
    readme, api_md = layout.PERSONA_ARTIFACTS["technical_writer"][1]
    ctx = {**job.base(), "contents": contents, "docs": docs}
    ctx["apis"] = job.apis
    return {readme: render("docs/readme.md.j2", **ctx), api_md: render("docs/api.md.j2", **{**ctx, "apis": job.related_apis})}


@_register("deployment_specialist")
def _deployment_specialist(job: Job) -> dict[str, str]:
    """deploy/compose.yaml (a service per backend, the web UI) + README."""
    ctx = {**job.base(), "use_build": job.has("devops_engineer") and bool(job.apis),
           "has_frontend": job.has("frontend_developer")}
    compose, readme = layout.PERSONA_ARTIFACTS["deployment_specialist"][1]
    return {compose: render("deploy/compose.yaml.j2", **ctx), readme: render("deploy/README.md.j2", **ctx)}


@_register("integration_tester")
def _integration_tester(job: Job) -> dict[str, str]:
    """tests/integration: flows across resources and services (pytest)."""
    from teamspec.offline.testplan import api_plan

    directory = "tests/integration"
    smoke, smoke_status = _smoke(job)
    services = []
    for a in job.related_apis:
        tp = api_plan(a.model)
        resources = [r for r in tp["resources"] if r["id_source"]]
        probe = next((op for op in a.model.operations if op.method != "GET"), a.model.operations[0] if a.model.operations else None)
        services.append({
            "info": a,
            "tp": tp,
            "resources": resources,
            "prefix": naming.env_name(a.contract.id),
            "fixture": naming.snake(a.contract.id),
            "smoke": smoke[a.contract.id],
            "smoke_status": smoke_status[a.contract.id],
            "probe_path": tp["resources"][0]["collection"] if tp["resources"] else (probe.path if probe else "/"),
            "probe_method": probe.method if probe else "GET",
        })
    files = _test_files(job, directory, "integration_client", "integration")
    files[f"{directory}/test_integration.py"] = render(
        "integration/test_integration.py.j2", **job.base(), services=services, has_frontend=job.has("frontend_developer")
    )
    return files


@_register("project_reviewer")
def _project_reviewer(job: Job) -> dict[str, str]:
    """docs/review.md: contracts, owners, criteria, gaps, schedule, risks."""
    plan = job.plan
    gaps: list[dict[str, str]] = []

    def gap(severity: str, where: str, text: str) -> None:
        gaps.append({"severity": severity, "where": where, "text": text})

    rows = []
    machine_total = free_total = deliverable_total = 0
    for v in job.views:
        c = v.contract
        machine = sum(1 for d in c.deliverables for i in d.acceptance if i.is_machine_check)
        free = sum(1 for d in c.deliverables for i in d.acceptance if not i.is_machine_check)
        machine_total += machine
        free_total += free
        deliverable_total += len(c.deliverables)
        api = job.api(c.id)
        interface = f"OpenAPI, {len(api.model.operations)} operations" if api else (c.interface.kind if c.interface else "—")
        rows.append({"id": c.id, "owner": v.persona_name, "type": c.type, "deliverables": len(c.deliverables),
                     "machine": machine, "free": free, "interface": interface + (" (mocked)" if c.mock else "")})
        if not c.deliverables:
            gap("high", f"`{c.id}`", "no deliverables: nothing can be validated")
        for d in c.deliverables:
            if not d.artifacts:
                gap("medium", f"`{c.id}` / {d.name}", "no artifact patterns: the files it produces cannot be checked")
            if not d.acceptance:
                gap("medium", f"`{c.id}` / {d.name}", "no acceptance criteria")
            elif not any(i.is_machine_check for i in d.acceptance):
                gap("medium", f"`{c.id}` / {d.name}", "only free-text criteria: offline they stay unverified, so this deliverable cannot pass a machine check")
        if api is not None:
            checks = {i.check for d in c.deliverables for i in d.acceptance}
            if "conforms" not in checks:
                gap("medium", f"`{c.id}`", "no `conforms` check: the provider is never verified against its OpenAPI document")
            elif not c.serve:
                gap("low", f"`{c.id}`", f"`conforms` needs a `serve` command to start the provider (e.g. `python {api.root}/app.py --port {{port}}`)")
            bare = [op.label for op in api.model.operations if not op.error_responses]
            if bare:
                gap("medium", f"`{c.id}`", f"operations without error responses: {', '.join(bare)}")
            unnamed = [op.label for op in api.model.operations if not op.operation_id]
            if unnamed:
                gap("low", f"`{c.id}`", f"operations without operationId (clients get generated names): {', '.join(unnamed)}")
            if not any(op.has_body_example or any(r.has_example for r in op.responses) for op in api.model.operations):
                gap("low", f"`{c.id}`", "no examples in the document: mocks and docs fall back to values derived from the schemas")
            weird = [op.operation_id for op in api.model.operations if op.operation_id and op.operation_id != op.name]
            if weird:
                gap("low", f"`{c.id}`", f"operationIds that are not identifiers ({', '.join(f'`{w}`' for w in weird)}) are renamed in generated clients")
    for c in plan.contracts:
        for consumer in c.consumers:
            consuming = [x for x in plan.contracts if x.provider == consumer and (c.id in x.uses or c.id in x.depends_on)]
            if not consuming and any(x.provider == consumer for x in plan.contracts):
                gap("low", f"`{c.id}`", f"lists {job.persona_name(consumer)} as a consumer, but none of its contracts uses or depends on it")
    team_ids = {p.id for p in plan.team}
    for pid in sorted(team_ids - job.providers):
        gap("high", job.persona_name(pid), "is on the team but provides no contract")
    severity_order = {"high": 0, "medium": 1, "low": 2}
    gaps.sort(key=lambda g: severity_order[g["severity"]])
    critical_owners = ", ".join(f"{cid} ({job.persona_name(plan.contract(cid).provider)})" for cid in plan.critical_path if _known(job, cid))
    high = sum(1 for g in gaps if g["severity"] == "high")
    if high:
        verdict = f"**Not ready**: {high} high-severity gap{'s' if high != 1 else ''} must be fixed first."
    elif gaps:
        verdict = f"**Ready with reservations**: {len(gaps)} gap{'s' if len(gaps) != 1 else ''} below, none blocking."
    else:
        verdict = "**Ready**: every deliverable has artifacts and a machine check."
    recommendations = []
    if free_total:
        recommendations.append(f"Back the {free_total} free-text criteria with machine checks (`command`, `file_contains`, `json_schema`) or run the build with the Claude executor so they are judged.")
    if any("conforms" in g["text"] or "serve" in g["text"] for g in gaps):
        recommendations.append("Give every REST contract a `conforms` check and a `serve` command so its provider is verified against the contract during the build.")
    if any("error responses" in g["text"] for g in gaps):
        recommendations.append("Declare 400/422 and 404 responses on every operation so invalid requests can be refused conformingly.")
    if plan.critical_path and plan.critical_path_hours >= 0.5 * plan.sequential_hours and plan.sequential_hours:
        recommendations.append("The critical path carries half or more of all effort: split its largest contract or let more consumers start on mocks (`uses`).")
    counts: dict[str, int] = {}
    for c in plan.contracts:
        counts[c.type] = counts.get(c.type, 0) + 1
    type_counts = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    return _docs(job, "project_reviewer", "docs/review.md.j2", rows=rows, gaps=gaps, verdict=verdict,
                 totals={"machine": machine_total, "free": free_total, "deliverables": deliverable_total},
                 critical_owners=critical_owners, recommendations=recommendations, type_counts=type_counts)
