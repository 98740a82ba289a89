"""Commands written in a spec (a contract's ``run:`` and ``serve:``) as the
argv to execute, with ``{placeholder}`` values that are never parsed as
shell.

* A command without shell syntax (no ``| & ; < > ( ) $ ` * ? [ ] # ~``, no
  ``VAR=value`` prefix) whose program is found is split with
  :func:`shlex.split` *before* substitution and run directly; each
  placeholder is replaced inside its own argument, so a value is always (part
  of) one argument.
* Any other command runs with ``sh -c``, and each placeholder becomes a
  reference to an environment variable (``{port}`` → ``TEAMSPEC_PORT``)
  written for its quoting context: ``"${TEAMSPEC_X}"`` unquoted,
  ``${TEAMSPEC_X}`` inside double quotes, ``'"${TEAMSPEC_X}"'`` inside single
  quotes. The shell expands a variable's value but never parses it as
  commands, so ``x; touch pwned`` is an argument, not a command. The caller
  sets the variables (:func:`placeholder_env`).

A program that is not found also goes through the shell (shell builtins such
as ``exit`` or ``cd`` work; a missing program exits 127), unless the caller
wants to report it itself (:attr:`Parsed.reason`).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Mapping
from typing import Literal, NamedTuple

SHELL = "/bin/sh"
_SHELL_CHARS = frozenset("|&;<>()$`*?[]#~\n{}")
_ENV_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")

Reason = Literal["", "syntax", "unparsable", "not_found"]


class Parsed(NamedTuple):
    """A command before substitution: ``parts`` (the argv with placeholders
    in place, or ``(sh, -c, script)``), whether it goes through the shell,
    and why (``""``: it does not; ``syntax``: shell syntax; ``unparsable``:
    :func:`shlex.split` refused it; ``not_found``: no such program)."""

    parts: tuple[str, ...]
    via_shell: bool
    reason: Reason


def env_var(name: str) -> str:
    """The environment variable that carries placeholder ``name``."""
    return f"TEAMSPEC_{name.upper()}"


def placeholder_env(values: Mapping[str, str]) -> dict[str, str]:
    """``{TEAMSPEC_NAME: value}`` for every placeholder value."""
    return {env_var(k): v for k, v in values.items()}


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _pattern(names: Iterable[str]) -> re.Pattern[str]:
    key = tuple(sorted(names))
    pat = _PATTERNS.get(key)
    if pat is None:
        alternatives = "|".join(re.escape(n) for n in key) or r"(?!)"
        pat = _PATTERNS[key] = re.compile(r"\{(" + alternatives + r")\}")
    return pat


def _shell_form(template: str, placeholder: re.Pattern[str]) -> str:
    """Rewrite placeholders as environment references fit for their quoting
    context (see the module docstring)."""
    out: list[str] = []
    quote: str | None = None
    i = 0
    n = len(template)
    while i < n:
        ch = template[i]
        if ch == "\\" and quote != "'" and i + 1 < n:
            out.append(template[i : i + 2])
            i += 2
            continue
        if ch == "'" and quote in (None, "'"):
            quote = None if quote == "'" else "'"
        elif ch == '"' and quote in (None, '"'):
            quote = None if quote == '"' else '"'
        elif ch == "{":
            m = placeholder.match(template, i)
            if m:
                var = env_var(m.group(1))
                if quote is None:
                    out.append(f'"${{{var}}}"')
                elif quote == '"':
                    out.append(f"${{{var}}}")
                else:
                    out.append(f"'\"${{{var}}}\"'")
                i = m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


_WHICH: dict[tuple[str, str], str | None] = {}


def which(program: str) -> str | None:
    """:func:`shutil.which`, remembered per ``PATH``."""
    key = (program, os.environ.get("PATH", ""))
    if key not in _WHICH:
        import shutil

        _WHICH[key] = shutil.which(program)
    return _WHICH[key]


_PARSED: dict[tuple[str, str, tuple[str, ...], tuple[tuple[str, str], ...]], Parsed] = {}


def parse(template: str, names: Iterable[str],
          aliases: Mapping[str, str] | None = None) -> Parsed:
    """The command ``template`` with placeholders ``names`` (see the module
    docstring), cached: a build runs the same templates many times.
    ``aliases`` replace a program name before it is looked up (``python`` →
    the running interpreter)."""
    names = tuple(sorted(names))
    alias_key = tuple(sorted((aliases or {}).items()))
    key = (template, os.environ.get("PATH", ""), names, alias_key)
    hit = _PARSED.get(key)
    if hit is not None:
        return hit
    placeholder = _pattern(names)
    bare = placeholder.sub("", template)
    reason: Reason = "syntax" if any(c in _SHELL_CHARS for c in bare) else ""
    parts: tuple[str, ...] = ()
    if not reason:
        try:
            parts = tuple(shlex.split(template))
        except ValueError:
            reason = "unparsable"
        else:
            if parts and aliases and parts[0] in aliases:
                parts = (aliases[parts[0]], *parts[1:])
            if not parts or _ENV_ASSIGN.match(parts[0]):
                reason = "syntax"
            elif which(parts[0]) is None:
                reason = "not_found"
    hit = (Parsed((SHELL, "-c", _shell_form(template, placeholder)), True, reason) if reason
           else Parsed(parts, False, ""))
    if len(_PARSED) < 4096:
        _PARSED[key] = hit
    return hit


def command_argv(template: str, values: Mapping[str, str],
                 aliases: Mapping[str, str] | None = None) -> tuple[list[str], bool]:
    """``(argv, via_shell)`` for ``template`` with ``values`` substituted
    (through the shell: by the shell, from :func:`placeholder_env`)."""
    parts, via_shell, _ = parse(template, values, aliases)
    if via_shell or "{" not in template:
        return list(parts), via_shell
    placeholder = _pattern(values)
    return [placeholder.sub(lambda m: values[m.group(1)], p) for p in parts], False


def program_path(argv: list[str]) -> str | None:
    """The file to execute for ``argv`` (searched on ``PATH`` unless it
    holds a ``/``); None when not found."""
    name = argv[0]
    return name if "/" in name else which(name)


__all__ = ["Parsed", "command_argv", "env_var", "parse", "placeholder_env", "program_path", "which"]
