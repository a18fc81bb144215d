"""File edges of the transition rules: load a rules file with located errors, read recorded events.

Kept outside :mod:`hub.rules` so that the rules core stays pure.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from hub.errors import ConfigError, Problem
from hub.rules.checks import check_rules
from hub.rules.context import RuleContext
from hub.rules.replay import context_from_record
from hub.rules.spec import RuleSet
from hub.yamlfile import YamlDocument, load_yaml, parse_yaml, problems_from_validation

__all__ = ["DEFAULT_RULES", "load_rules", "parse_rules", "read_replay"]

DEFAULT_RULES = Path("mappings/rules.yaml")


def load_rules(path: str | Path = DEFAULT_RULES, *, stages: Iterable[str] = ()) -> RuleSet:
    """Load and check a rules file.

    Args:
        path: The YAML file.
        stages: Stage names known besides the file's ``stages:`` list.

    Returns:
        The validated rules.

    Raises:
        ConfigError: With every problem found, each located in the file.
    """
    return _validated(load_yaml(path), stages=stages)


def parse_rules(text: str, *, file: str = "<rules>", stages: Iterable[str] = ()) -> RuleSet:
    """Like :func:`load_rules`, from text."""
    return _validated(parse_yaml(text, file=file), stages=stages)


def _validated(doc: YamlDocument, *, stages: Iterable[str]) -> RuleSet:
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError([doc.problem((), "a rules file must be a mapping with a 'rules' list")])
    try:
        rules = RuleSet.model_validate(data)
    except ValidationError as err:
        problems = problems_from_validation(err, doc, model=RuleSet)
        raise ConfigError([_with_alias_hint(p) for p in problems]) from None
    findings = check_rules(rules, stages=stages)
    problems = [doc.problem(f.loc, f.message, key=f.key) for f in findings]
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return rules


def read_replay(path: str | Path, *, rules: RuleSet) -> Iterator[tuple[int, RuleContext]]:
    """Read recorded events (JSON Lines) as ``(line number, context)`` pairs.

    Every line is checked before any is yielded, so a bad file reports all its problems at once.

    Raises:
        ConfigError: One located problem per bad line.
    """
    file = str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read file: {exc.strerror}", file)]) from None
    contexts: list[tuple[int, RuleContext]] = []
    problems: list[Problem] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("each line must be a JSON object")
            contexts.append((number, context_from_record(data, rules=rules, number=number)))
        except json.JSONDecodeError as exc:
            problems.append(Problem(f"not valid JSON: {exc.msg}", file, number, exc.colno))
        except ValidationError as exc:
            problems += [
                _record_problem(e, file, number=number) for e in exc.errors(include_url=False)
            ]
        except ValueError as exc:
            problems.append(Problem(str(exc), file, number, 1))
    if problems:
        raise ConfigError(problems)
    yield from contexts


def _record_problem(error: ErrorDetails, file: str, *, number: int) -> Problem:
    path = ".".join(str(p) for p in error["loc"])
    msg = "required key is missing" if error["type"] == "missing" else error["msg"]
    return Problem(msg[:1].lower() + msg[1:], file, number, 1, path)


_UNKNOWN_KEY = re.compile(r"^unknown key '([^']*)'")


def _with_alias_hint(problem: Problem) -> Problem:
    """Redo the did-you-mean of an unknown key below an aliased key (``if``, ``any``, ``not``).

    ``problems_from_validation`` walks the schema by field name, so below a key spelt
    differently from its field (``if`` is ``if_``) it suggests keys of the wrong mapping.
    """
    match = _UNKNOWN_KEY.match(problem.message)
    if match is None:
        return problem
    known = _keys_at(RuleSet, problem.path.split(".")[:-1])
    if not known:
        return problem
    close = difflib.get_close_matches(match[1], known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (expected one of: {', '.join(known)})"
    return dataclasses.replace(problem, message=f"unknown key {match[1]!r}{hint}")


def _keys_at(model: type[BaseModel], parts: list[str]) -> list[str]:
    current: type[BaseModel] | None = model
    for part in parts:
        if current is None:
            return []
        by_key = {f.alias or name: f for name, f in current.model_fields.items()}
        if part in by_key:
            current = _model_of(by_key[part].annotation)
    if current is None:
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
