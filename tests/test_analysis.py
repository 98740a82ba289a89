"""Requirement analysis: a table of realistic requirements, whole-word
matching, entities and determinism."""

from __future__ import annotations

import pytest

from teamspec.analysis import EXPERTISE, analyse
from teamspec.entities import named_services
from teamspec.model import ANALYSIS_TYPES, COMPLEXITIES, PARALLELIZABILITY
from teamspec.words import keyword_hits, singular

# requirement, type, complexity, parallelizability
TABLE: list[tuple[str, str, str, str]] = [
    # REST + UI applications
    ("Build a task management web application with a REST API and a web UI.",
     "feature_development", "moderate", "partially_parallel"),
    ("Build a simple REST API for personal notes.",
     "feature_development", "simple", "mostly_sequential"),
    ("Create a blog platform where authors write posts, readers leave comments and posts "
     "have tags. Users log in with email and password.",
     "feature_development", "moderate", "partially_parallel"),
    ("Build a real-time chat application with a React frontend, a Node.js backend using "
     "WebSockets, user authentication and message history stored in MongoDB.",
     "feature_development", "complex", "partially_parallel"),
    ("Create an inventory management system for a small shop: products, suppliers and stock "
     "levels, with a simple admin dashboard.",
     "feature_development", "simple", "partially_parallel"),
    ("Build a mobile app and REST backend for booking fitness classes, with payments via "
     "Stripe and push notifications.",
     "feature_development", "complex", "partially_parallel"),
    ("Add a CSV export button to the existing reports page.",
     "feature_development", "simple", "mostly_sequential"),
    ("Add GraphQL subscriptions for live order updates to the existing API.",
     "feature_development", "moderate", "partially_parallel"),
    ("Build an analytics dashboard that shows sales charts from our existing orders API.",
     "feature_development", "moderate", "partially_parallel"),
    ("Build a REST API with FastAPI for a library: books, authors and loans, with JWT "
     "authentication, PostgreSQL, Docker deployment and full test coverage.",
     "feature_development", "complex", "partially_parallel"),
    ("Implement rate limiting on the public API to stop abuse.",
     "feature_development", "simple", "mostly_sequential"),
    ("Design and build a multi-tenant SaaS project management platform with teams, projects, "
     "tasks, time tracking, invoicing, role-based permissions, an admin UI, a public REST API, "
     "SSO, audit logs and Kubernetes deployment.",
     "feature_development", "very_complex", "partially_parallel"),
    # microservices
    ("Build an e-commerce platform as microservices: a user service, a product catalog "
     "service and an order service, each with its own database, plus an API gateway.",
     "feature_development", "very_complex", "fully_parallel"),
    ("Create a food delivery backend of microservices for restaurants, orders, drivers and "
     "payments that communicate through a message queue.",
     "feature_development", "very_complex", "fully_parallel"),
    # data pipelines
    ("Build a data pipeline that ingests CSV sales files every night, cleans and aggregates "
     "them, and loads the results into a PostgreSQL warehouse.",
     "feature_development", "moderate", "mostly_sequential"),
    ("Create an ETL job that pulls events from Kafka, transforms them step by step and "
     "writes daily aggregates to a data warehouse.",
     "feature_development", "moderate", "fully_sequential"),
    # bug fixes
    ("Fix the bug where the order total is wrong when a discount coupon is applied.",
     "bug_fix", "simple", "fully_sequential"),
    ("Users report an intermittent crash when two people edit the same document at once; "
     "find the race condition and fix it.",
     "bug_fix", "moderate", "mostly_sequential"),
    ("Hotfix: production checkout is down with a 500 error after the last release; fix it ASAP.",
     "bug_fix", "simple", "fully_sequential"),
    ("Investigate why the nightly report emails are not being sent and fix the SMTP "
     "configuration.",
     "bug_fix", "simple", "fully_sequential"),
    # refactoring
    ("Refactor the monolithic billing module into smaller, well-tested modules without "
     "changing behaviour.",
     "refactoring", "complex", "mostly_sequential"),
    ("Rename the confusing helper functions in utils.py and remove dead code.",
     "refactoring", "simple", "fully_sequential"),
    ("Split the monolith into three microservices - accounts, billing and notifications - "
     "communicating over a message queue.",
     "refactoring", "complex", "partially_parallel"),
    # performance
    ("The search endpoint is slow: p95 latency is 3 seconds. Profile it, add database indexes "
     "and caching to bring it under 300 ms.",
     "performance_optimization", "moderate", "mostly_sequential"),
    ("Optimize the data import job that takes 6 hours; it must process millions of rows in "
     "under 30 minutes.",
     "performance_optimization", "complex", "mostly_sequential"),
    ("Reduce the Docker image size and speed up CI builds from 20 minutes to under 5.",
     "performance_optimization", "moderate", "mostly_sequential"),
    # security
    ("Perform a security audit of the authentication and session handling against the OWASP "
     "Top 10.",
     "security_audit", "moderate", "partially_parallel"),
    ("Run a full penetration test and GDPR compliance review of the whole platform, including "
     "the API, infrastructure and secrets management.",
     "security_audit", "complex", "partially_parallel"),
    # testing
    ("Write unit tests for the payment service to raise coverage above 90%.",
     "testing", "simple", "mostly_sequential"),
    ("Add unit, integration and end-to-end tests for the checkout flow, and run them in CI.",
     "testing", "moderate", "partially_parallel"),
    ("Write property-based tests with Hypothesis for the date parsing library.",
     "testing", "simple", "mostly_sequential"),
    # documentation only
    ("Write a README for the project.",
     "documentation", "simple", "fully_sequential"),
    ("Document the public REST API: write an API reference, a getting-started tutorial and a "
     "troubleshooting guide.",
     "documentation", "moderate", "partially_parallel"),
    # deployment / CI
    ("Set up a CI/CD pipeline with GitHub Actions that runs the tests and deploys the app to "
     "Kubernetes.",
     "deployment", "complex", "mostly_sequential"),
    ("Containerize the Flask application with a Dockerfile and docker-compose for local "
     "development.",
     "deployment", "moderate", "mostly_sequential"),
    ("Deploy the existing Django app to AWS with Terraform, blue-green releases and "
     "zero-downtime database migrations.",
     "deployment", "complex", "mostly_sequential"),
    ("Set up Prometheus metrics, Grafana dashboards and alerting for all services.",
     "deployment", "moderate", "mostly_sequential"),
    # maintenance / upgrades
    ("Upgrade the project from Python 3.8 to Python 3.12 and update all outdated dependencies.",
     "maintenance", "moderate", "mostly_sequential"),
    ("Bump the lodash dependency to fix the security advisory.",
     "maintenance", "simple", "fully_sequential"),
    ("Migrate the frontend from AngularJS to React.",
     "maintenance", "moderate", "mostly_sequential"),
    ("Replace the deprecated payment SDK calls before the vendor shuts down the old API in "
     "March.",
     "maintenance", "simple", "fully_sequential"),
]


@pytest.mark.parametrize(("requirement", "kind", "complexity", "par"), TABLE,
                         ids=[f"{i:02d}-{row[1]}" for i, row in enumerate(TABLE)])
def test_table(requirement: str, kind: str, complexity: str, par: str) -> None:
    a = analyse(requirement)
    assert (a.type, a.complexity, a.parallelizability) == (kind, complexity, par)


def test_table_is_large_and_varied() -> None:
    assert len(TABLE) >= 30
    assert {row[1] for row in TABLE} == set(ANALYSIS_TYPES)
    assert {row[2] for row in TABLE} == set(COMPLEXITIES)
    assert {row[3] for row in TABLE} == set(PARALLELIZABILITY)


@pytest.mark.parametrize("requirement", [row[0] for row in TABLE])
def test_every_field_is_filled_from_the_value_sets(requirement: str) -> None:
    a = analyse(requirement)
    assert a.type in ANALYSIS_TYPES
    assert a.complexity in COMPLEXITIES
    assert a.parallelizability in PARALLELIZABILITY
    assert a.effort_hours >= 0.5 and (a.effort_hours * 2).is_integer()
    assert a.expertise and set(a.expertise) <= set(EXPERTISE)
    assert list(a.expertise) == [t for t in EXPERTISE if t in a.expertise]
    assert a.risks and all(r.endswith(".") and len(r) < 120 for r in a.risks)
    assert 0.0 <= a.confidence <= 1.0
    assert a.source == "heuristic"
    for e in a.entities:
        assert e.isidentifier() and e == e.lower()


def test_deterministic() -> None:
    for requirement, *_ in TABLE:
        assert analyse(requirement) == analyse(requirement)
        assert analyse(requirement).to_dict() == analyse(requirement).to_dict()


# ------------------------------------------------------------------ whole words


def test_keywords_match_whole_words_only() -> None:
    assert keyword_hits("Rebuild the build scripts and update the guide", ["ui", "build"]) == ("build",)
    assert keyword_hits("Rebuild the guide", ["ui", "build"]) == ()
    assert keyword_hits("a new UI for the app", ["ui"]) == ("ui",)
    assert keyword_hits("manage tasks", ["task"]) == ("task",)
    assert keyword_hits("set up CI/CD", ["ci", "cd", "ci cd"]) == ("ci", "cd", "ci cd")
    assert keyword_hits("the front-end", ["front end"]) == ("front end",)


def test_build_does_not_mean_ui() -> None:
    a = analyse("Rebuild the build scripts and update the guide.")
    assert "frontend" not in a.expertise
    assert "ui_design" not in a.expertise
    b = analyse("Build a command line tool that builds release archives.")
    assert "frontend" not in b.expertise


def test_plural_and_stem_awareness() -> None:
    assert singular("tasks") == "task"
    assert singular("categories") == "category"
    assert singular("addresses") == "address"
    assert singular("boxes") == "box"
    assert singular("status") == "status"
    assert singular("analysis") == "analysis"
    assert singular("people") == "person"
    assert singular("this") == "this"
    a = analyse("Fix the crashes in the bugs list")
    assert a.type == "bug_fix"


# ------------------------------------------------------------------ entities


@pytest.mark.parametrize(("requirement", "entities"), [
    ("Build a task management web application with a REST API and a web UI.", ("task",)),
    ("Create a blog platform where authors write posts, readers leave comments and posts have "
     "tags.", ("author", "post", "comment", "tag")),
    ("Build a REST API with CRUD for books and authors.", ("book", "author")),
    ("An app to manage recipes and ingredients.", ("recipe", "ingredient")),
    ("A web app to keep track of expenses by category.", ("expense", "category")),
    ("Manage categories, boxes and addresses.", ("category", "box", "address")),
    ("An issue tracker for open source projects.", ("issue", "project")),
    ("Build an API and a web app for the system.", ()),
    ("Users place orders with line items; customers get invoices.",
     ("user", "order", "line_item", "customer", "invoice")),
    ("Sort the list in order to show the newest first.", ()),
    ("Send a POST request and log the error messages.", ()),
    ("Improve the user interface of the product owner's dashboard.", ()),
    ("A tool for tracking habits and workouts.", ("habit", "workout")),
])
def test_entities(requirement: str, entities: tuple[str, ...]) -> None:
    assert analyse(requirement).entities == entities


def test_entities_exclude_stop_words() -> None:
    stop = {"application", "api", "app", "system", "web", "ui", "service", "platform"}
    for requirement, *_ in TABLE:
        assert not stop & set(analyse(requirement).entities), requirement


def test_named_services_group_entities() -> None:
    text = ("Build an e-commerce platform as microservices: a user service, a product catalog "
            "service and an order service, each with its own database.")
    a = analyse(text)
    assert a.entities == ("user", "product", "order")
    assert named_services(text, a.entities) == (("user",), ("product",), ("order",))
    assert named_services("Manage tasks and users.", ("task", "user")) == ()
    shop = ("Build an online shop as microservices: a users service, a products catalog service "
            "and an orders service, each with its own REST API.")
    assert analyse(shop).entities == ("user", "product", "order")
    assert named_services(shop, analyse(shop).entities) == (("user",), ("product",), ("order",))
    # an entity no service names joins the nearest service
    text = "Microservices: a user service, and an order service that keeps line items and invoices."
    assert analyse(text).entities == ("user", "order", "line_item", "invoice")
    assert named_services(text, analyse(text).entities) == (
        ("user",), ("order", "line_item", "invoice"))


# ------------------------------------------------------------------ other fields


def test_expertise_follows_the_requirement() -> None:
    a = analyse("Build a task management web application with a REST API and a web UI.")
    assert {"frontend", "backend", "rest_api", "testing", "requirements"} <= set(a.expertise)
    doc = analyse("Write a README for the project.")
    assert "documentation" in doc.expertise
    assert "frontend" not in doc.expertise


def test_effort_grows_with_complexity_and_scope() -> None:
    small = analyse("Build a simple REST API for personal notes.")
    big = analyse(TABLE[11][0])
    assert small.effort_hours < big.effort_hours
    bug = analyse("Fix the bug where the order total is wrong when a discount coupon is applied.")
    assert bug.effort_hours < small.effort_hours * 2


def test_risks_name_what_is_risky() -> None:
    a = analyse("Build a shop with user login and Stripe payments, a web UI and a REST API.")
    assert "Authentication and authorisation mistakes expose user data." in a.risks
    assert "Payment handling needs idempotency and careful failure handling." in a.risks
    assert "Frontend and backend may drift apart unless both follow the API contract." in a.risks


def test_empty_and_vague_requirements() -> None:
    a = analyse("")
    assert a.type == "feature_development"
    assert a.warnings == ("the requirement is empty; assumed a small feature",)
    v = analyse("Do the thing.")
    assert v.warnings == ("no keyword tells the kind of work; assumed feature_development",)
    assert "The requirement is short; scope and acceptance criteria may be unclear." in v.risks
    assert v.confidence < analyse(TABLE[0][0]).confidence


def test_confidence_higher_for_clear_requirements() -> None:
    clear = analyse("Fix the crash bug: the app crashes when saving; fix it.")
    mixed = analyse("Tests and docs.")
    assert clear.confidence > mixed.confidence
