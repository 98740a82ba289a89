"""The ``teamspec`` command line. The only module that prints or exits.

Every command is a function ``cmd_X(args, out, err) -> int`` returning the
exit code: 0 success; 1 the build finished but something failed or quality
is below the threshold; 2 the spec or the command line is invalid; 130
interrupted. Heavy modules are imported inside the command that needs them so
``teamspec --version`` and ``teamspec validate`` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from teamspec import __version__
from teamspec.errors import TeamspecError, UsageError

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


def _use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _workers(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of workers, found {value!r}") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"expected 1 to 64 workers, found {n}")
    return n


def _positive_float(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, found {value!r}") from None
    if not f > 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, found {value}")
    return f


def _port(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, found {value!r}") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, found {n}")
    return n


# --------------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Write a commented starter spec that validates as written."""
    import re
    from importlib.resources import files
    from string import Template

    name: str = args.name
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name):
        raise UsageError(
            f"invalid project name {name!r}: use a lowercase slug of letters, digits and "
            "single dashes, starting with a letter (e.g. 'my-api')"
        )
    path = Path(args.output) if args.output else Path("specs") / f"{name}.yaml"
    if path.exists() and not args.force:
        raise UsageError(f"{path} already exists; choose another name, pass -o PATH, or --force to overwrite it")
    template = Template(files("teamspec").joinpath("data/starter.yaml").read_text("utf-8"))
    text = template.substitute(name=name, path=path.as_posix())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}", file=out)
    print(f"next: teamspec validate {path} && teamspec plan {path}", file=out)
    return EXIT_OK


# ----------------------------------------------------------------- validate


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate spec files: every problem at once, gcc style."""
    from teamspec.spec import check_spec

    status = EXIT_OK
    for path in args.specs:
        spec, diags = check_spec(path, strict=args.strict)
        for d in diags:
            print(d.format(), file=err)
        errors = sum(1 for d in diags if d.severity == "error")
        warnings = len(diags) - errors
        if spec is None or errors:
            status = EXIT_INVALID
            print(f"{path}: {errors} error(s), {warnings} warning(s)", file=err)
        else:
            notes = []
            if spec.contracts:
                notes.append(f"{len(spec.contracts)} hand-written contract(s)")
            if warnings:
                notes.append(f"{warnings} warning(s)")
            print(f"{path}: ok" + (f" ({', '.join(notes)})" if notes else ""), file=out)
    return status


# --------------------------------------------------------------------- plan


def cmd_plan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Analyse, choose a blueprint, design contracts and schedule them."""
    from teamspec.planning import make_plan
    from teamspec.spec import load_spec

    spec = load_spec(args.spec, strict=args.strict)
    for w in spec.warnings:
        print(w.format(), file=err)
    from teamspec.claude.client import api_key_from_env

    if spec.executor == "claude" and api_key_from_env() is not None:
        from teamspec.claude.analysis import plan_with_claude

        plan = plan_with_claude(spec, workers=args.jobs)
    else:
        plan = make_plan(spec, workers=args.jobs)
    if args.png:
        from teamspec.viz import plan_png

        plan_png(plan, Path(args.png))
        print(f"wrote {args.png}", file=err)
    from teamspec import render_plan

    fmt = args.format
    if fmt == "json":
        print(json.dumps(render_plan.plan_to_dict(plan), indent=2), file=out)
    elif fmt == "mermaid":
        print(render_plan.render_mermaid(plan), file=out, end="")
    elif fmt == "dot":
        print(render_plan.render_dot(plan), file=out, end="")
    else:
        print(render_plan.render_text(plan, color=_use_color(out)), file=out, end="")
    return EXIT_OK


# -------------------------------------------------------------------- build


def _spec_executor(path: str) -> str | None:
    """The spec's ``executor:`` without a full load (the plan cache decides
    whether a load is needed)."""
    import re

    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    m = re.search(r"^executor:[ \t]*['\"]?([a-z_]+)", text, re.MULTILINE)
    return m.group(1) if m else None


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Execute the plan: mocks first, then contracts on a list scheduler."""
    from teamspec.engine.plancache import load_plan
    from teamspec.engine.progress import ProgressView
    from teamspec.engine.runner import build
    from teamspec.errors import SpecError

    record = Path(args.record) if args.record else None
    replay = Path(args.replay) if args.replay else None
    if args.executor == "claude" or (args.executor is None and _spec_executor(args.spec) == "claude"):
        # Claude analyses the requirement and refines the design (falls back to
        # the heuristic with a warning); no key and no replay: exit 2 here,
        # before anything is written
        from teamspec.claude.analysis import plan_with_claude
        from teamspec.spec import load_spec

        plan = plan_with_claude(load_spec(args.spec, strict=args.strict), workers=args.jobs,
                                record=record, replay=replay)
    else:
        # the plan cache (keyed by content hashes) makes an up-to-date rebuild
        # skip spec parsing and planning
        plan, _ = load_plan(args.spec, args.jobs)
    warnings = list(plan.spec.warnings)
    if args.strict and warnings:
        raise SpecError(f"{args.spec}: warnings with --strict", [w.as_error() for w in warnings])
    for w in warnings:
        print(w.format(), file=err)
    view = ProgressView(out, is_tty=bool(out.isatty()), color=_use_color(out))
    options: dict[str, Any] = {}
    if record:
        options["record"] = record
    if replay:
        options["replay"] = replay
    result = build(
        plan,
        out=Path(args.output) if args.output else None,
        workers=args.jobs,
        executor=args.executor,
        time_scale=args.time_scale,
        force=args.force,
        only=tuple(args.only or ()),
        dry_run=args.dry_run,
        fail_fast=args.fail_fast,
        on_event=view.handle,
        **options,
    )
    view.close()
    print(view.summary(result), file=out)
    return int(result.exit_code)


# ------------------------------------------------------------------ catalog


def cmd_personas(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List the persona catalog (and the spec's own personas with --spec)."""
    from teamspec.catalog import load_catalog
    from teamspec.model import Persona

    extra: tuple[Persona, ...] = ()
    if args.spec:
        from teamspec.spec import load_spec

        extra = load_spec(args.spec).personas
    catalog = load_catalog(extra)
    personas = list(catalog.personas.values())
    if args.format == "json":
        rows = [
            {"id": p.id, "name": p.name, "role": p.role, "expertise": list(p.expertise),
             "responsibilities": list(p.responsibilities), "source": p.source,
             "deliverables": [d.name for d in p.deliverables]}
            for p in personas
        ]
        print(json.dumps(rows, indent=2), file=out)
        return EXIT_OK
    width = max(len(p.id) for p in personas)
    for p in personas:
        print(f"{p.id:<{width}}  {p.name}: {p.role}", file=out)
        if p.expertise:
            print(f"{'':<{width}}  expertise: {', '.join(p.expertise)}", file=out)
    return EXIT_OK


def cmd_blueprints(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """List the team blueprints; with a spec, show how each one scores."""
    from teamspec.catalog import load_catalog

    catalog = load_catalog()
    blueprints = list(catalog.blueprints.values())
    if args.format == "json":
        rows = [
            {"id": b.id, "name": b.name, "category": b.category, "description": b.description,
             "personas": list(b.personas)}
            for b in blueprints
        ]
        print(json.dumps(rows, indent=2), file=out)
        return EXIT_OK
    width = max(len(b.id) for b in blueprints)
    for b in blueprints:
        print(f"{b.id:<{width}}  [{b.category}] {b.name}", file=out)
        print(f"{'':<{width}}  {b.description}", file=out)
        print(f"{'':<{width}}  team: {', '.join(b.personas)}", file=out)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print a JSON Schema shipped with teamspec (for editors and CI)."""
    from importlib.resources import files

    name = "teamspec.schema.json" if args.which == "spec" else "report.schema.json"
    print(files("teamspec").joinpath(f"schemas/{name}").read_text("utf-8"), file=out, end="")
    return EXIT_OK


# --------------------------------------------------------------- contracts


def cmd_mock_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Serve a contract's mock on 127.0.0.1 until Ctrl-C."""
    from teamspec.contracts.mockserver import load_contract_openapi, make_server

    document = load_contract_openapi(Path(args.out_dir), args.contract)
    server = make_server(document, host=args.host, port=args.port, stateful=args.stateful)
    mode = "stateful" if args.stateful else "stateless"
    print(f"serving the {mode} mock of {args.contract} on {server.url} (Ctrl-C stops)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Check a live server (or the provider started with `serve`) against
    the contract."""
    from teamspec.contracts.verify import verify

    result = verify(Path(args.out_dir), args.contract, url=args.url, timeout_s=args.timeout)
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2), file=out)
    else:
        for f in result.findings:
            where = f" {f.operation}" if f.operation else ""
            print(f"{f.severity}: {f.check}{where}: {f.message}", file=out)
            if f.curl:
                print(f"    reproduce: {f.curl}", file=out)
        verdict = "conforms" if result.passed else f"{len(result.findings)} finding(s)"
        print(f"{args.contract} at {result.url}: {verdict}", file=out)
    return EXIT_OK if result.passed else EXIT_FAILED


def cmd_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Show the report of a finished build."""
    from teamspec.viz import load_report

    report = load_report(Path(args.out_dir))
    if args.png:
        from teamspec.viz import report_png

        report_png(report, Path(args.png))
        print(f"wrote {args.png}", file=err)
    if args.format == "json":
        print(json.dumps(report, indent=2), file=out)
    else:
        md = Path(args.out_dir) / ".teamspec" / "report.md"
        if md.is_file():
            print(md.read_text("utf-8"), file=out, end="")
        else:
            from teamspec.engine.report import render_markdown

            print(render_markdown(report), file=out, end="")
    return EXIT_OK if report.get("quality", {}).get("passed", True) else EXIT_FAILED


# ------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="teamspec",
        description="Turn a committed YAML team spec into working software.",
        epilog="Exit codes: 0 success, 1 build failed or quality below threshold, "
        "2 invalid spec or command line, 130 interrupted.",
    )
    p.add_argument("--version", action="version", version=f"teamspec {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("init", help="write a commented starter spec", description=cmd_init.__doc__)
    s.add_argument("name", help="project name, a lowercase slug (e.g. my-api)")
    s.add_argument("-o", "--output", help="where to write it (default specs/NAME.yaml)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("validate", help="check spec files", description=cmd_validate.__doc__)
    s.add_argument("specs", nargs="+", metavar="SPEC", help="spec files")
    s.add_argument("--strict", action="store_true", help="treat warnings as errors")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("plan", help="show the team, contracts and schedule", description=cmd_plan.__doc__)
    s.add_argument("spec", metavar="SPEC")
    s.add_argument("-j", "--jobs", type=_workers, help="workers (default: constraints.max_workers)")
    s.add_argument("--format", choices=["text", "json", "mermaid", "dot"], default="text")
    s.add_argument("--png", metavar="FILE", help="also draw the DAG and savings to a PNG file")
    s.add_argument("--strict", action="store_true", help="treat warnings as errors")
    s.set_defaults(func=cmd_plan)

    s = sub.add_parser("build", help="build the project", description=cmd_build.__doc__)
    s.add_argument("spec", metavar="SPEC")
    s.add_argument("-o", "--output", metavar="DIR", help="output directory (default: the spec's output)")
    s.add_argument("-j", "--jobs", type=_workers, help="workers (default: constraints.max_workers)")
    s.add_argument("--executor", choices=["offline", "claude", "command", "simulate"],
                   help="executor for contracts without their own (default: the spec's)")
    s.add_argument("--time-scale", type=_positive_float, default=0.01,
                   help="simulate executor: seconds per effort hour (default 0.01)")
    s.add_argument("--force", action="store_true", help="rebuild everything, overwriting hand edits")
    s.add_argument("--only", action="append", metavar="ID", help="build this contract and what it needs (repeatable)")
    s.add_argument("--dry-run", action="store_true", help="show what would run and why; write nothing")
    mode = s.add_mutually_exclusive_group()
    mode.add_argument("--keep-going", dest="fail_fast", action="store_false",
                      help="on a failure, finish independent contracts (default)")
    mode.add_argument("--fail-fast", dest="fail_fast", action="store_true", help="stop at the first failure")
    s.add_argument("--record", metavar="DIR", help="claude executor: save every API request and response")
    s.add_argument("--replay", metavar="DIR", help="claude executor: replay recorded responses (offline)")
    s.add_argument("--strict", action="store_true", help="treat spec warnings as errors")
    s.set_defaults(func=cmd_build, fail_fast=False)

    s = sub.add_parser("personas", help="list the persona catalog", description=cmd_personas.__doc__)
    s.add_argument("--spec", help="include this spec's own personas")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_personas)

    s = sub.add_parser("blueprints", help="list the team blueprints", description=cmd_blueprints.__doc__)
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_blueprints)

    s = sub.add_parser("schema", help="print a JSON Schema", description=cmd_schema.__doc__)
    s.add_argument("which", nargs="?", choices=["spec", "report"], default="spec")
    s.set_defaults(func=cmd_schema)

    s = sub.add_parser("mock", help="contract mocks", description="Contract mocks.")
    msub = s.add_subparsers(dest="mock_command", metavar="ACTION")
    msub.required = True
    m = msub.add_parser("serve", help="serve a contract's mock", description=cmd_mock_serve.__doc__)
    m.add_argument("out_dir", metavar="OUT", help="a build's output directory")
    m.add_argument("contract", metavar="CONTRACT", help="contract id")
    m.add_argument("--port", type=_port, default=3001, help="port (default 3001, like the node mock; 0 picks a free one)")
    m.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    m.add_argument("--stateful", action="store_true", help="remember created resources (CRUD)")
    m.set_defaults(func=cmd_mock_serve)

    s = sub.add_parser("verify", help="check a live server against a contract", description=cmd_verify.__doc__)
    s.add_argument("out_dir", metavar="OUT", help="a build's output directory")
    s.add_argument("contract", metavar="CONTRACT", help="contract id")
    s.add_argument("--url", help="base URL of a running server (default: start the provider with `serve`)")
    s.add_argument("--timeout", type=_positive_float, default=60.0, help="seconds (default 60)")
    s.add_argument("--format", choices=["text", "json"], default="text")
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("report", help="show a build's report", description=cmd_report.__doc__)
    s.add_argument("out_dir", metavar="OUT", help="a build's output directory")
    s.add_argument("--format", choices=["md", "json"], default="md")
    s.add_argument("--png", metavar="FILE", help="also draw Gantt, savings and quality to a PNG file")
    s.set_defaults(func=cmd_report)
    return p


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the CLI; returns the exit code (``sys.exit(main())``)."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help / --version (0) or a usage error (2)
        return int(e.code or 0)
    func: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.func
    try:
        return func(args, out, err)
    except TeamspecError as e:
        for line in e.lines():
            print(line, file=err)
        return e.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=err)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
