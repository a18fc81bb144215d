"""Checks that write nothing, under ``/api/v1``: rules dry-run and mappings check.

They do over HTTP what ``hub rules dry-run`` and ``hub mappings check`` do on the command line,
with the same loaders, and report located problems as data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError

from hub.api.deps import Service, require_admin
from hub.api.errors import ProblemPublic, ProblemsError, error_responses
from hub.config import HubConfig
from hub.errors import ConfigError, Problem
from hub.mapping.loader import load_mapping, vendor_models_of
from hub.mapping.transforms import builtin_registry
from hub.plugins import HubPlugins
from hub.rules.context import RuleContext
from hub.rules.evaluator import evaluate
from hub.rules.replay import context_from_record
from hub.rules.spec import RuleSet
from hub.rules_io import DEFAULT_RULES, load_rules

__all__ = ["router"]

router = APIRouter(
    prefix="/api/v1",
    tags=["checks"],
    dependencies=[Depends(require_admin)],
    responses=error_responses(401, 422),
)

_BODY = "<body>"
_JSONL = ("application/x-ndjson", "application/jsonl", "text/plain")


class MatchPublic(BaseModel):
    """A condition that held, with the value seen (personal values redacted)."""

    condition: str
    field: str
    actual: Any


class DroppedPublic(BaseModel):
    """An action withheld, and why."""

    action: str
    reason: str


class DecisionPublic(BaseModel):
    """One rule's outcome for one event."""

    rule: str
    outcome: str
    reason: str
    detail: str
    matched: list[MatchPublic]
    actions: list[str]
    dropped: list[DroppedPublic]


class DryRunEvent(BaseModel):
    """What the rules would do for one event of the body (``number``: its line or position)."""

    number: int
    object_type: str
    external_id: str
    kind: str
    trigger: str
    fired: list[str]
    decisions: list[DecisionPublic]


class DryRunResult(BaseModel):
    """The dry run of the body's events: nothing was written anywhere."""

    rules_file: str
    events: list[DryRunEvent]
    fired: int


class MappingFileResult(BaseModel):
    """One mapping file and whether it loaded."""

    file: str
    pair: str | None
    key: str | None
    ok: bool
    vendor_checked: bool


class MappingsCheck(BaseModel):
    """Every checked mapping file; ``problems`` holds each located problem found."""

    ok: bool
    files: list[MappingFileResult]
    problems: list[ProblemPublic]


_DRY_RUN_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {"type": "object"},
                "description": "Recorded change events, each a ChangeEvent plus optional state "
                "(person, application, job, crm, ats, previous_status, now, trigger).",
            }
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "description": "The same events, one JSON object a line."}
        },
    },
}


def _config_dir(config: HubConfig) -> Path:
    """Where relative paths of the configuration start (as the sync resolves them)."""
    source = config.source
    return Path(source).parent if source and source != "<defaults>" else Path()


def _rules_path(config: HubConfig, pair: str | None) -> Path:
    if pair is None:
        return DEFAULT_RULES
    if pair not in config.sync_pairs:
        raise HTTPException(404, f"no sync pair named {pair!r}")
    configured = config.sync_pairs[pair].rules
    if configured is None:
        return DEFAULT_RULES
    path = Path(configured)
    return path if path.is_absolute() else _config_dir(config) / path


def _records(body: bytes, content_type: str) -> list[tuple[int, Any]]:
    """The body's events with their numbers: JSON array positions, or JSON Lines line numbers."""
    text = body.decode("utf-8", errors="replace")
    if content_type.split(";")[0].strip().lower() in _JSONL:
        records, problems = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append((number, json.loads(line)))
                except json.JSONDecodeError as exc:
                    problems.append(Problem(f"not valid JSON: {exc.msg}", _BODY, number, exc.colno))
        if problems:
            raise ProblemsError(422, "the events are not valid JSON Lines", problems)
        return records
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(f"not valid JSON: {exc.msg}", _BODY, exc.lineno, exc.colno)
        raise ProblemsError(422, "the body is not valid JSON", [problem]) from None
    if not isinstance(data, list):
        problem = Problem("the body must be a JSON array of events", _BODY, 1, 1)
        raise ProblemsError(422, "the body must be a JSON array of events", [problem])
    return list(enumerate(data, 1))


def _contexts(records: list[tuple[int, Any]], rules: RuleSet) -> list[tuple[int, RuleContext]]:
    """Every record as a rule context, or every problem at once (as ``hub rules dry-run``)."""
    contexts, problems = [], []
    for number, data in records:
        try:
            if not isinstance(data, dict):
                raise ValueError("each event must be a JSON object")
            contexts.append((number, context_from_record(data, rules=rules, number=number)))
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                path = ".".join(str(p) for p in error["loc"])
                message = "required key is missing" if error["type"] == "missing" else error["msg"]
                problems.append(Problem(message, _BODY, number, 1, path))
        except ValueError as exc:
            problems.append(Problem(str(exc), _BODY, number, 1))
    if problems:
        raise ProblemsError(422, f"{len(problems)} problem(s) in the events", problems)
    return contexts


def _dry_run(config: HubConfig, pair: str | None, body: bytes, content_type: str) -> DryRunResult:
    path = _rules_path(config, pair)
    try:
        rules = load_rules(path)
    except ConfigError as exc:
        raise ProblemsError(422, f"the rules file {path} has problems", exc.problems) from None
    events: list[DryRunEvent] = []
    for number, ctx in _contexts(_records(body, content_type), rules):
        evaluation = evaluate(rules, ctx)
        events.append(
            DryRunEvent(
                number=number,
                object_type=ctx.event.object_type,
                external_id=ctx.event.external_id,
                kind=ctx.event.kind,
                trigger=evaluation.trigger,
                fired=list(evaluation.fired),
                decisions=[
                    DecisionPublic.model_validate(d.log_record()) for d in evaluation.decisions
                ],
            )
        )
    fired = sum(len(e.fired) for e in events)
    return DryRunResult(rules_file=str(path), events=events, fired=fired)


@router.post(
    "/rules/dry-run",
    openapi_extra={"requestBody": _DRY_RUN_BODY},
    responses=error_responses(404, 413),
)
async def rules_dry_run(
    request: Request,
    hub: Service,
    pair: Annotated[
        str | None, Query(description="Use this pair's rules file (default: mappings/rules.yaml).")
    ] = None,
) -> DryRunResult:
    """Replay change events against the transition rules; write nothing.

    The body is a JSON array of recorded events, or the same events as JSON Lines
    (``Content-Type: application/x-ndjson``), as ``hub rules dry-run --events`` reads them.
    Problems in the events or the rules file answer 422 with each problem located.
    """
    limit = hub.config.api.max_body_bytes
    body = await request.body()
    if len(body) > limit:
        raise HTTPException(413, f"body larger than {limit} bytes")
    content_type = request.headers.get("content-type", "application/json")
    return await run_in_threadpool(_dry_run, hub.config, pair, body, content_type)


def _mapping_files(
    config: HubConfig, plugins: HubPlugins, pair: str | None
) -> list[tuple[Path, str | None, str | None]]:
    if pair is not None and pair not in config.sync_pairs:
        raise HTTPException(404, f"no sync pair named {pair!r}")
    names = [pair] if pair is not None else list(config.sync_pairs)
    if names:
        root = _config_dir(config)
        return [
            (Path(path) if Path(path).is_absolute() else root / path, name, key)
            for name in names
            for key, path in config.sync_pairs[name].mappings.items()
        ]
    # no pair configured: what `hub mappings check` checks by default
    installed = set(plugins.connectors)
    found = sorted(
        p for p in Path("mappings").glob("*.yaml") if p.name.split(".", 1)[0] in installed
    )
    return [(path, None, None) for path in found]


def _check_mappings(config: HubConfig, plugins: HubPlugins, pair: str | None) -> MappingsCheck:
    registry = builtin_registry(plugins.transforms)
    models = vendor_models_of(plugins.connectors)
    files: list[MappingFileResult] = []
    problems: list[ProblemPublic] = []
    for path, pair_name, key in _mapping_files(config, plugins, pair):
        try:
            loaded = load_mapping(path, registry=registry, vendor_models=models)
        except ConfigError as exc:
            problems.extend(ProblemPublic.of(p) for p in exc.problems)
            files.append(
                MappingFileResult(
                    file=str(path), pair=pair_name, key=key, ok=False, vendor_checked=False
                )
            )
            continue
        files.append(
            MappingFileResult(
                file=str(path),
                pair=pair_name,
                key=key,
                ok=True,
                vendor_checked=loaded.vendor_checked,
            )
        )
    return MappingsCheck(ok=not problems, files=files, problems=problems)


@router.get("/mappings/check", responses=error_responses(404))
def check_mappings(
    hub: Service,
    pair: Annotated[
        str | None, Query(description="Only this pair's mapping files (default: every pair's).")
    ] = None,
) -> MappingsCheck:
    """Check the configured mapping files as ``hub mappings check`` does; problems are data.

    With no sync pair configured, checks ``mappings/<connector>.*.yaml`` of the installed
    connectors. Always 200: ``ok`` says whether every file loaded.
    """
    return _check_mappings(hub.config, hub.plugins, pair)
