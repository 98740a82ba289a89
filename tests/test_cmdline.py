"""teamspec.cmdline: how a spec's run:/serve: command becomes an argv."""

from __future__ import annotations

import sys

import pytest

from teamspec.cmdline import command_argv, parse, placeholder_env

NAMES = ("port", "name")


@pytest.mark.parametrize(("template", "via_shell", "reason"), [
    ("true", False, ""),
    ("python3 app.py --port {port}", False, ""),
    ("echo {name} | cat", True, "syntax"),
    ("A=1 true", True, "syntax"),
    ("exit 3", True, "not_found"),  # a shell builtin: the shell runs it
    ("echo 'unclosed", True, "unparsable"),
    ("echo {other}", True, "syntax"),  # not a placeholder: braces are shell syntax
])
def test_parse_reasons(template: str, via_shell: bool, reason: str) -> None:
    parsed = parse(template, NAMES)
    assert (parsed.via_shell, parsed.reason) == (via_shell, reason)


def test_values_are_one_argument_or_an_environment_reference() -> None:
    values = {"port": "80", "name": "x; touch pwned"}
    assert command_argv("printf %s {name}", values) == (["printf", "%s", "x; touch pwned"], False)
    assert command_argv("printf %s {name} > out", values) == (
        ["/bin/sh", "-c", 'printf %s "${TEAMSPEC_NAME}" > out'], True)
    assert placeholder_env(values) == {"TEAMSPEC_PORT": "80", "TEAMSPEC_NAME": "x; touch pwned"}


def test_aliases_replace_the_program_before_lookup() -> None:
    argv, via_shell = command_argv("python app.py", {}, {"python": sys.executable})
    assert (argv, via_shell) == ([sys.executable, "app.py"], False)
