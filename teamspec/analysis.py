"""Requirement analysis: free text → :class:`~teamspec.model.Analysis`.

The offline heuristic, deterministic and fast. Stages:
tokenise (lower case, plural → singular) → match the lexicon (greedy,
longest phrase first, whole words only: "build" never contains "ui") →
score the work types → derive complexity, parallelizability, effort,
expertise, entities and risks.

The value sets are those of :mod:`teamspec.model` (``ANALYSIS_TYPES``,
``COMPLEXITIES``, ``PARALLELIZABILITY``). Tokens and whole-word matching
live in :mod:`teamspec.words`, entities and named services in
:mod:`teamspec.entities`; this module holds the lexicon and the scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from teamspec.entities import find_entities
from teamspec.model import ANALYSIS_TYPES, COMPLEXITIES, PARALLELIZABILITY, Analysis
from teamspec.words import BOUNDARY, FEATURE_VERBS, SENTENCE_END, Token, norm_phrase, tokenise

__all__ = ["EXPERTISE", "analyse"]

# ------------------------------------------------------------------ lexicon
#
# phrase(s) → tags. Tags: ``t:<type>:<weight>`` (work type), ``x:<tag>``
# (expertise), ``c:<component>`` (a part of the product), ``up``/``down``
# (size words, weight after ``:``), ``seq``/``par`` (ordering words),
# ``esc:<type>`` (makes that type of work harder), ``kind:<family>`` (kinds
# of tests, documents or audited areas).

_GROUPS: tuple[tuple[str, str], ...] = (
    # bug fixing
    ("bug, bugfix, bug fix, defect, crash, crashes, crashed, crashing, broken", "t:bug_fix:3 x:debugging"),
    ("fix, fixed, fixing, hotfix, hot fix", "t:bug_fix:3 x:debugging"),
    ("not working, does not work, doesn't work, do not work, stopped working, not being sent, no longer", "t:bug_fix:3 x:debugging"),
    ("fails, failing, failure, glitch, incorrect, wrong, investigate, reproduce, root cause", "t:bug_fix:2 x:debugging"),
    ("error, exception, stack trace, traceback, 500 error, typo, repair", "t:bug_fix:1 x:debugging"),
    ("intermittent, intermittently, race condition, deadlock, memory leak, data corruption, sporadic, heisenbug", "t:bug_fix:2 esc:bug_fix x:debugging"),
    # refactoring
    ("refactor, refactoring, refactored, code smell", "t:refactoring:4 x:refactoring x:code_review"),
    ("technical debt, tech debt, restructure, restructuring, decouple, decoupling, modularize, modularise", "t:refactoring:3 x:refactoring"),
    ("without changing behaviour, without changing behavior, without changing", "t:refactoring:3 x:refactoring"),
    ("clean up, cleanup, duplicate code, duplication, rewrite, maintainability, readability", "t:refactoring:2 x:refactoring"),
    ("monolith, monolithic", "t:refactoring:2 esc:refactoring x:architecture"),
    ("simplify, extract, split, reorganize, reorganise", "t:refactoring:1 x:refactoring"),
    ("rename, tidy, dead code, helper function", "t:refactoring:2 x:refactoring down:1.5"),
    ("entire codebase, whole codebase, across the codebase, legacy", "esc:refactoring esc:maintenance"),
    # performance
    ("performance, slow, slowness, latency, throughput, bottleneck, p95, p99, response time, load time", "t:performance_optimization:3 x:performance"),
    ("optimize, optimise, optimization, optimisation, optimizing, optimising, speed up, speeds up", "t:performance_optimization:3 x:performance"),
    ("faster, profile, profiling, memory usage, cpu usage, reduce, takes too long, timeout, timeouts", "t:performance_optimization:2 x:performance"),
    ("cache, caching", "t:performance_optimization:1 x:performance"),
    ("millions, sharding, horizontal scaling, high traffic", "esc:performance_optimization up:1 x:performance"),
    # security
    ("security, vulnerability, vulnerable, cve, xss, csrf, exploit, attack, security advisory", "t:security_audit:3 x:security"),
    ("audit, security audit, security review, threat model, threat modeling, threat modelling", "t:security_audit:4 x:security x:code_review"),
    ("penetration test, pentest, pen test", "t:security_audit:4 esc:security_audit x:security"),
    ("owasp, owasp top 10, sql injection", "t:security_audit:4 x:security"),
    ("secure, harden, hardening, injection", "t:security_audit:2 x:security"),
    ("compliance, gdpr, hipaa, pci, soc 2, soc2", "t:security_audit:2 esc:security_audit x:security"),
    ("secret, secrets, secrets management, access control, input validation, encryption", "t:security_audit:1 x:security kind:secarea"),
    # testing
    ("test, testing, tested, test suite, test coverage, coverage, tdd", "t:testing:3 x:testing"),
    ("unit test, unit, unit testing", "t:testing:4 x:testing kind:test_unit"),
    ("integration test, integration testing", "t:testing:4 x:testing x:integration kind:test_integration"),
    ("end to end, end to end test, e2e, e2e test, ui test", "t:testing:4 x:testing x:integration kind:test_e2e"),
    ("property based, property based test, hypothesis, fuzzing, fuzz", "t:testing:4 x:testing kind:test_property"),
    ("load test, load testing, stress test, benchmark", "t:testing:3 x:testing x:performance kind:test_load"),
    ("regression test, smoke test, contract test, snapshot test, api test", "t:testing:4 x:testing kind:test_other"),
    ("pytest, jest, cypress, playwright, selenium, flaky, flaky test", "t:testing:3 x:testing"),
    # documentation
    ("documentation, documenting, docs, doc", "t:documentation:4 x:documentation"),
    ("readme", "t:documentation:4 x:documentation kind:doc_readme"),
    ("api reference, api documentation, api doc", "t:documentation:4 x:documentation kind:doc_reference"),
    ("tutorial, getting started, quickstart, how to", "t:documentation:3 x:documentation kind:doc_tutorial"),
    ("guide, user guide, user manual, manual, handbook, onboarding guide, troubleshooting guide", "t:documentation:3 x:documentation kind:doc_guide"),
    ("docstring, jsdoc, javadoc, sphinx, mkdocs, changelog, release note, runbook, adr, faq, wiki", "t:documentation:3 x:documentation kind:doc_other"),
    ("document, translate", "t:documentation:2 x:documentation"),
    # deployment and operations
    ("deploy, deployment, deploying, deployed, deploys, redeploy", "t:deployment:4 x:deployment c:deployment"),
    ("ci, cd, ci cd, continuous integration, continuous delivery, continuous deployment, ci pipeline, ci build, ci cd pipeline, deployment pipeline, build pipeline, github action, gitlab ci, jenkins, circleci", "t:deployment:3 x:ci_cd x:devops"),
    ("docker, dockerfile, docker compose, dockerize, dockerise, containerize, containerise, container, docker image", "t:deployment:3 x:containers x:devops c:deployment"),
    ("kubernetes, k8s, helm, terraform, ansible, multi region, blue green, canary, zero downtime, autoscaling, high availability", "t:deployment:4 esc:deployment x:deployment x:devops"),
    ("aws, gcp, azure, heroku, vercel, netlify, cloud, serverless, fly io, render com", "t:deployment:2 x:cloud x:deployment"),
    ("release, rollback, staging, hosting, host, provision, infrastructure, infrastructure as code, nginx, production", "t:deployment:1 x:devops"),
    ("monitoring, alerting, alert, prometheus, grafana, grafana dashboard, observability, tracing, logging, log aggregation, metric", "t:deployment:2 x:observability c:observability"),
    # maintenance
    ("upgrade, upgrading, upgraded, bump, outdated, deprecated, deprecation, end of life, eol, maintenance, housekeeping, dependabot, renovate", "t:maintenance:3 x:dependency_management"),
    ("dependency, update dependencies, library version, major version, breaking change, compatibility, replace", "t:maintenance:2 x:dependency_management"),
    ("lint, linting, linter, formatter", "t:maintenance:2 x:ci_cd"),
    ("migrate, migrating, migration", "t:maintenance:3 x:dependency_management"),
    ("database migration, schema migration", "t:maintenance:2 x:database c:database"),
    ("angularjs, framework, python 2, jquery", "esc:maintenance"),
    # feature development: verbs and product nouns
    ("build, create, implement, develop, develops, building, implementing", "t:feature_development:3"),
    ("add, introduce, new feature, feature, allow, let user, enable", "t:feature_development:2"),
    ("make, design, support, prototype, mvp, application, app, platform, system, tool, portal, saas, cli, bot, chatbot, product", "t:feature_development:1"),
    # components
    ("ui, web ui, user interface, frontend, front end, web interface, web application, web app, website, dashboard, admin dashboard, admin ui, page, screen, button, form, single page, spa, browser", "c:frontend x:frontend t:feature_development:1"),
    ("react, vue, vuejs, angular, svelte, nextjs, html, css, javascript, typescript", "c:frontend x:frontend"),
    ("mobile, mobile app, ios, android, flutter, react native", "c:frontend x:frontend t:feature_development:1"),
    ("ux, user experience, wireframe, mockup, mock up, design system, responsive, usability, accessibility, a11y, accessible", "x:ui_design x:accessibility"),
    ("api, apis, rest, rest api, restful, http api, json api, public api, endpoint, backend, back end, server, crud, web service", "c:backend x:backend x:rest_api t:feature_development:1"),
    ("fastapi, flask, django, nodejs, node, spring, rails, laravel, go, golang, python, java", "c:backend x:backend"),
    ("graphql, graphql api", "c:backend x:backend x:graphql t:feature_development:1"),
    ("openapi, swagger, api first, contract first", "c:backend x:api_design x:rest_api"),
    ("database, db, sql, postgres, postgresql, mysql, sqlite, mongodb, mongo, persistence, persistent, orm, query, queries, index, indexes, table, stored, storage", "c:database x:database"),
    ("redis, memcached", "c:database x:database x:performance"),
    ("auth, authentication, authorization, authorisation, login, log in, sign up, signup, sign in, password, oauth, oauth2, jwt, sso, single sign on, role based, rbac, permission, session handling, session", "c:auth x:authentication x:security kind:secarea"),
    ("real time, realtime, websocket, web socket, live, live update, push notification, chat, server sent event, sse, subscription", "c:realtime x:realtime"),
    ("payment, checkout, stripe, paypal, billing, invoicing", "c:payment"),
    ("integration, integrate, integrates, third party, external api, webhook, slack, salesforce", "c:integration x:integration"),
    ("search, full text search, elasticsearch, filter, filtering", "c:search x:backend"),
    ("notification, email notification, send email, newsletter, sms, smtp", "c:notification x:integration"),
    ("upload, file upload, attachment, image upload", "c:upload x:backend"),
    ("analytics, reporting, chart, statistics, insight, recommendation", "c:analytics x:data_engineering"),
    ("e commerce, ecommerce, online shop, online store, marketplace", "c:payment up:1"),
    ("etl, elt, ingest, ingests, ingestion, data pipeline, warehouse, data warehouse, data lake, kafka, spark, airflow, stream processing, parquet, transform, aggregate, aggregates", "c:pipeline x:data_engineering"),
    ("csv, pipeline, batch, nightly, cron", "pipeword"),
    ("microservice, microservices, micro service, micro services, service oriented, distributed system, event driven, message queue, message broker, rabbitmq, api gateway, service mesh", "micro x:microservices x:architecture x:integration"),
    ("architecture, scalable, scalability, system design", "x:architecture"),
    ("requirement, user story, acceptance criteria, specification", "x:requirements"),
    ("code review, review, peer review", "x:code_review"),
    # size
    ("simple, minimal, tiny, toy, trivial", "down:1.5"),
    ("small, basic, quick, little, lightweight, single, prototype, mvp, one", "down:1"),
    ("enterprise, large scale, distributed, multi tenant, multitenant, global, high availability, production grade", "up:2"),
    ("large, complex, comprehensive, full featured, robust, production ready, scale", "up:1"),
    ("whole, entire, all service, every service, across all", "up:1 esc:security_audit esc:refactoring"),
    # ordering
    ("then, after, afterwards, finally, before, next", "seq:1"),
    ("step by step, sequential, sequentially, one at a time, in order, in sequence, stage by stage", "seq:2"),
    ("parallel, in parallel, independent, independently, concurrently, simultaneously, separate team", "par:2"),
    ("each service", "par:1"),
    ("its own database, own database", "par:1 c:database x:database"),
    ("all, every", "scope"),
)


@dataclass(frozen=True)
class _Tag:
    kind: str
    name: str = ""
    weight: float = 1.0


def _parse_tag(text: str) -> _Tag:
    parts = text.split(":")
    if parts[0] == "t":
        return _Tag("t", parts[1], float(parts[2]))
    if parts[0] in ("x", "c", "esc", "kind"):
        return _Tag(parts[0], parts[1])
    if parts[0] in ("up", "down", "seq", "par"):
        return _Tag(parts[0], "", float(parts[1]) if len(parts) > 1 else 1.0)
    return _Tag(parts[0])


@lru_cache(maxsize=1)
def _lexicon() -> tuple[dict[tuple[str, ...], tuple[_Tag, ...]], int]:
    lex: dict[tuple[str, ...], tuple[_Tag, ...]] = {}
    longest = 1
    for phrases, tags in _GROUPS:
        parsed = tuple(_parse_tag(t) for t in tags.split())
        for phrase in phrases.split(","):
            key = norm_phrase(phrase.strip())
            if not key:
                continue
            lex[key] = lex.get(key, ()) + parsed
            longest = max(longest, len(key))
    return lex, longest


@dataclass(frozen=True)
class _Hit:
    phrase: str
    pos: int
    first_sentence: bool
    tags: tuple[_Tag, ...]


def _match(toks: Sequence[Token]) -> list[_Hit]:
    """Greedy longest-first matching of the lexicon over whole tokens."""
    lex, longest = _lexicon()
    norms = [t.norm for t in toks]
    end_first = next((i for i, n in enumerate(norms) if n in SENTENCE_END), len(norms))
    hits: list[_Hit] = []
    i = 0
    while i < len(norms):
        for n in range(min(longest, len(norms) - i), 0, -1):
            key = tuple(norms[i : i + n])
            tags = lex.get(key)
            if tags is not None:
                hits.append(_Hit(" ".join(key), i, i < end_first, tags))
                i += n
                break
        else:
            i += 1
    return hits


# ------------------------------------------------------------------ analysis

EXPERTISE: tuple[str, ...] = (
    "requirements", "architecture", "api_design", "microservices", "ui_design", "accessibility",
    "frontend", "backend", "rest_api", "graphql", "authentication", "realtime",
    "data_engineering", "database", "performance", "debugging", "refactoring",
    "dependency_management", "devops", "ci_cd", "containers", "cloud", "observability",
    "deployment", "testing", "integration", "security", "documentation", "code_review",
)
"""Every expertise tag :func:`analyse` can report, in its output order."""

_TYPE_EXPERTISE = {
    "feature_development": ("requirements", "testing"),
    "bug_fix": ("debugging", "testing"),
    "refactoring": ("refactoring", "code_review", "testing"),
    "performance_optimization": ("performance", "testing"),
    "security_audit": ("security", "code_review"),
    "testing": ("testing",),
    "documentation": ("documentation",),
    "deployment": ("deployment", "devops"),
    "maintenance": ("dependency_management", "testing"),
}

_EFFORT_BASE = {"simple": 6.0, "moderate": 20.0, "complex": 48.0, "very_complex": 96.0}
_EFFORT_FACTOR = {
    "feature_development": 1.0, "bug_fix": 0.5, "refactoring": 0.8,
    "performance_optimization": 0.7, "security_audit": 0.6, "testing": 0.6,
    "documentation": 0.4, "deployment": 0.6, "maintenance": 0.5,
}
_FEATURE_COMPONENTS = (
    "frontend", "backend", "database", "auth", "realtime", "payment", "integration",
    "search", "notification", "upload", "analytics", "pipeline", "observability", "deployment",
)


def _round_half(x: float) -> float:
    return max(0.5, round(x * 2) / 2)


@dataclass
class _Signals:
    type_scores: dict[str, float]
    first_pos: dict[str, int]
    expertise: set[str]
    components: set[str]
    escalators: dict[str, int]
    kinds: set[str]
    size: float
    seq: float
    par: float
    micro: bool
    pipewords: int
    deploy_hits: int
    maint_hits: int
    hits: int
    scope: int = 0


def _signals(hits: Sequence[_Hit]) -> _Signals:
    s = _Signals({t: 0.0 for t in ANALYSIS_TYPES}, {}, set(), set(), {}, set(),
                 0.0, 0.0, 0.0, False, 0, 0, 0, 0)
    deploy_phrases: set[str] = set()
    maint_phrases: set[str] = set()
    for hit in hits:
        factor = 1.5 if hit.first_sentence else 1.0
        for tag in hit.tags:
            if tag.kind == "t":
                s.type_scores[tag.name] += tag.weight * factor
                s.first_pos.setdefault(tag.name, hit.pos)
                s.hits += 1
                if tag.name == "deployment":
                    deploy_phrases.add(hit.phrase)
                elif tag.name == "maintenance":
                    maint_phrases.add(hit.phrase)
            elif tag.kind == "x":
                s.expertise.add(tag.name)
            elif tag.kind == "c":
                s.components.add(tag.name)
                if tag.name != "deployment":
                    s.type_scores["feature_development"] += 0.5
            elif tag.kind == "esc":
                s.escalators[tag.name] = s.escalators.get(tag.name, 0) + 1
            elif tag.kind == "kind":
                s.kinds.add(tag.name)
            elif tag.kind == "up":
                s.size += tag.weight
            elif tag.kind == "down":
                s.size -= tag.weight
            elif tag.kind == "seq":
                s.seq += tag.weight
            elif tag.kind == "par":
                s.par += tag.weight
            elif tag.kind == "micro":
                s.micro = True
            elif tag.kind == "pipeword":
                s.pipewords += 1
            elif tag.kind == "scope":
                s.scope += 1
    s.deploy_hits = len(deploy_phrases)
    s.maint_hits = len(maint_phrases)
    s.size = max(-2.0, min(3.0, s.size))
    return s




def _intent(hits: Sequence[_Hit]) -> str | None:
    """The type the requirement leads with: the first hit that names a type
    or a product part. A leading generic verb ("Build", "Add") takes the
    type of its object: "Add unit tests" is testing, "Add a button" a
    feature."""
    pending_verb = False
    for hit in hits:
        types = [t for t in hit.tags if t.kind == "t"]
        comp = any(t.kind == "c" for t in hit.tags)
        best = max(types, key=lambda t: (t.weight, -ANALYSIS_TYPES.index(t.name))) if types else None
        if hit.phrase in FEATURE_VERBS:
            pending_verb = True
        elif pending_verb and (comp or any(t.name == "feature_development" for t in types)):
            return "feature_development"
        elif best is not None and (pending_verb or best.weight >= 2):
            return best.name
    return "feature_development" if pending_verb else None


def _choose_type(s: _Signals, hits: Sequence[_Hit]) -> tuple[str, float]:
    """The best-scoring type, the type the requirement leads with weighing
    extra; ties go to the type mentioned first. Returns the type and the
    margin over the runner-up (0..1)."""
    scores = dict(s.type_scores)
    intent = _intent(hits)
    if intent is not None:
        scores[intent] += 4.0
    if all(v <= 0 for v in scores.values()):
        return "feature_development", 0.0
    ranked = sorted(
        ANALYSIS_TYPES,
        key=lambda t: (-scores[t], s.first_pos.get(t, 10**9), ANALYSIS_TYPES.index(t)),
    )
    best, second = ranked[0], ranked[1]
    margin = (scores[best] - scores[second]) / scores[best] if scores[best] > 0 else 0.0
    return best, margin


def _complexity(kind: str, s: _Signals, n_entities: int, n_words: int) -> int:
    if kind == "feature_development":
        comps = len(s.components & set(_FEATURE_COMPONENTS))
        points = 1.0 + comps + 0.5 * max(0, n_entities - 1) + s.size
        if s.micro:
            points += 4
        if n_words > 60:
            points += 1
        if n_words > 120:
            points += 1
        if points <= 2:
            return 0
        if points <= 4.5:
            return 1
        if points <= 8:
            return 2
        return 3
    base = {
        "bug_fix": 0, "refactoring": 1, "performance_optimization": 1, "security_audit": 1,
        "testing": 0, "documentation": 0, "deployment": 0, "maintenance": 0,
    }[kind]
    level = base + min(1, s.escalators.get(kind, 0))
    if kind == "testing" and len({k for k in s.kinds if k.startswith("test_")}) >= 2:
        level += 1
    if kind == "documentation" and len({k for k in s.kinds if k.startswith("doc_")}) >= 3:
        level += 1
    if kind == "deployment" and s.deploy_hits >= 3:
        level += 1
    if kind == "maintenance" and not s.escalators.get(kind) and s.scope:
        level += 1
    if kind == "refactoring" and s.size <= -1.5:
        level -= 1
    if s.size >= 2:
        level += 1
    elif s.size <= -2:
        level -= 1
    return max(0, min(3, level))


def _parallelizability(kind: str, s: _Signals, cx: int, n_entities: int) -> int:
    """Index into PARALLELIZABILITY (0 = fully_parallel)."""
    if kind == "feature_development":
        comps = len(s.components & set(_FEATURE_COMPONENTS))
        if s.micro:
            p = 0
        elif "pipeline" in s.components and "frontend" not in s.components:
            p = 2
        elif comps + (1 if n_entities >= 2 else 0) >= 2:
            p = 1
        else:
            p = 2
    elif kind == "bug_fix":
        p = 3 if cx == 0 else 2
    elif kind == "refactoring":
        p = 1 if s.micro else (3 if cx == 0 else 2)
    elif kind == "performance_optimization":
        p = 2
    elif kind == "security_audit":
        # several areas to audit can be reviewed side by side
        areas = ("secarea" in s.kinds) + len(s.components & {"auth", "backend", "database", "frontend"})
        p = 1 if areas >= 2 else 2
    elif kind == "testing":
        p = 1 if len({k for k in s.kinds if k.startswith("test_")}) >= 2 else 2
    elif kind == "documentation":
        p = 1 if len({k for k in s.kinds if k.startswith("doc_")}) >= 2 else 3
    elif kind == "deployment":
        p = 2
    else:  # maintenance
        p = 3 if cx == 0 else 2
    if s.seq >= 2:
        p += 1
    if s.par >= 2:
        p -= 1
    return max(0, min(3, p))


def _expertise(kind: str, s: _Signals, cx: int, n_entities: int) -> tuple[str, ...]:
    tags = set(s.expertise) | set(_TYPE_EXPERTISE[kind])
    if kind == "feature_development":
        if not s.components & {"frontend", "backend", "pipeline"} or n_entities:
            tags.add("backend")
        if n_entities and "frontend" in s.components:
            tags.add("rest_api")
        if "frontend" in s.components and cx >= 1:
            tags.add("ui_design")
        if n_entities and ("backend" in tags or "database" in s.components) and cx >= 1:
            tags.add("database")
        if cx >= 2:
            tags.add("architecture")
        if s.micro:
            tags.update(("api_design", "rest_api"))
    return tuple(t for t in EXPERTISE if t in tags)


def _risks(kind: str, s: _Signals, cx: int, n_words: int) -> tuple[str, ...]:
    risks: list[str] = []
    by_type = {
        "bug_fix": "The root cause may differ from the reported symptom; add a regression test.",
        "refactoring": "Behaviour can change silently without characterisation tests.",
        "performance_optimization": "Optimising without a baseline measurement may not help; measure before and after.",
        "security_audit": "Findings may require changes outside the audited scope.",
        "testing": "Flaky or environment-dependent tests erode trust in the suite.",
        "documentation": "Documentation drifts from the code unless it is checked in CI.",
        "deployment": "Secrets and environment configuration must stay out of the repository.",
        "maintenance": "Upgraded dependencies may bring breaking API changes.",
    }
    if kind in by_type:
        risks.append(by_type[kind])
    if {"frontend", "backend"} <= s.components:
        risks.append("Frontend and backend may drift apart unless both follow the API contract.")
    if "auth" in s.components:
        risks.append("Authentication and authorisation mistakes expose user data.")
    if "payment" in s.components:
        risks.append("Payment handling needs idempotency and careful failure handling.")
    if "realtime" in s.components:
        risks.append("Real-time updates add concurrency and connection-management complexity.")
    if s.micro:
        risks.append("Service boundaries and inter-service contracts can drift; integration needs end-to-end tests.")
    if "pipeline" in s.components:
        risks.append("Bad input data can break downstream stages; validate at each stage.")
    if "database" in s.components and kind in ("maintenance", "deployment", "refactoring"):
        risks.append("Schema migrations can lose or corrupt existing data.")
    if cx >= 3:
        risks.append("Large scope: deliver incrementally and keep contracts versioned.")
    if n_words < 6:
        risks.append("The requirement is short; scope and acceptance criteria may be unclear.")
    if not risks:
        risks.append("Requirements may change during development; keep contracts versioned.")
    return tuple(risks)


def analyse(requirement: str) -> Analysis:
    """Analyse a requirement offline: type, complexity, parallelizability,
    effort hours, expertise, entities, risks and confidence.

    Deterministic: the same text always gives the same :class:`Analysis`.
    """
    toks = tokenise(requirement)
    words = [t for t in toks if t.norm not in BOUNDARY]
    hits = _match(toks)
    s = _signals(hits)
    # a lone "pipeline" (or csv/nightly/batch) is data work only next to other data words
    if s.pipewords and ("pipeline" in s.components or s.pipewords >= 2) and not s.deploy_hits:
        s.components.add("pipeline")
        s.expertise.add("data_engineering")
    kind, margin = _choose_type(s, hits)
    entities = find_entities(toks)
    cx = _complexity(kind, s, len(entities), len(words))
    par = _parallelizability(kind, s, cx, len(entities))
    complexity = COMPLEXITIES[cx]
    effort = _EFFORT_BASE[complexity] * _EFFORT_FACTOR[kind]
    if kind == "feature_development":
        effort += 2.0 * max(0, len(entities) - 1)
    warnings: list[str] = []
    if not words:
        warnings.append("the requirement is empty; assumed a small feature")
    elif s.hits == 0:
        warnings.append("no keyword tells the kind of work; assumed feature_development")
    confidence = 0.35 + 0.1 * min(s.hits, 4) + 0.25 * margin
    confidence = round(max(0.2, min(0.95, confidence)), 2)
    return Analysis(
        type=kind,
        complexity=complexity,
        parallelizability=PARALLELIZABILITY[par],
        effort_hours=_round_half(effort),
        expertise=_expertise(kind, s, cx, len(entities)),
        entities=entities,
        risks=_risks(kind, s, cx, len(words)),
        confidence=confidence,
        source="heuristic",
        warnings=tuple(warnings),
    )
