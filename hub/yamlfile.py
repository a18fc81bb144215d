"""YAML files that remember where every key and value came from.

Admins edit YAML by hand, so every error must point at a line and column. :func:`load_yaml` keeps
ruamel.yaml's positions beside plain Python data, and :func:`problems_from_validation` turns a
pydantic ``ValidationError`` into located :class:`~hub.errors.Problem` lines, with a did-you-mean
for unknown keys. Values are never echoed in messages: they may be secrets or personal data.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from hub.errors import ConfigError, Problem

__all__ = ["Loc", "YamlDocument", "load_yaml", "parse_yaml", "problems_from_validation"]

Loc = tuple[str | int, ...]


def _plain(node: Any) -> Any:
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    return node


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document: plain data plus the positions of its keys and values.

    Attributes:
        file: The file name used in problem messages.
        data: The document as plain dicts, lists and scalars.
        root: The ruamel.yaml node tree (keeps positions).
    """

    file: str
    data: Any
    root: Any

    def locate(self, loc: Loc, *, key: bool = False) -> tuple[int, int] | None:
        """1-based (line, column) of the value at ``loc`` (of its key when ``key``).

        Walks as deep as the document goes: a path that leaves the document resolves to the
        deepest node that exists, so missing keys point at the mapping that lacks them.
        """
        node = self.root
        where: tuple[int, int] | None = (1, 1)
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            if isinstance(node, CommentedMap) and part in node:
                pos = node.lc.key(part) if (key and last) else node.lc.value(part)
                where = (pos[0] + 1, pos[1] + 1)
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                pos = node.lc.item(part)
                where = (pos[0] + 1, pos[1] + 1)
                node = node[part]
            else:
                break
        return where

    def problem(self, loc: Loc, message: str, *, key: bool = False) -> Problem:
        """A :class:`Problem` located at ``loc`` in this document."""
        where = self.locate(loc, key=key)
        line, column = where if where else (None, None)
        path = ".".join(str(p) for p in loc)
        return Problem(message, file=self.file, line=line, column=column, path=path)


def parse_yaml(text: str, *, file: str) -> YamlDocument:
    """Parse YAML text; a syntax error becomes a located ConfigError."""
    yaml = YAML(typ="rt")
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([Problem(f"YAML syntax error: {what}", file, line, column)]) from None
    return YamlDocument(file=file, data=_plain(root), root=root)


def load_yaml(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file; unreadable files and syntax errors raise ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([Problem(f"cannot read file: {exc.strerror}", str(path))]) from None
    return parse_yaml(text, file=str(path))


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (through Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None:
        return None
    args = typing.get_args(annotation)
    if origin in (Union, types.UnionType, list, tuple, dict, Sequence) or args:
        for arg in reversed(args) if origin is dict else args:
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _fields_at(model: type[BaseModel] | None, loc: Loc) -> list[str]:
    """Field names of the model that ``loc`` (a parent path) points into."""
    current = model
    for part in loc:
        if current is None:
            return []
        by_key = {(f.alias or name): f for name, f in current.model_fields.items()}
        found = by_key.get(str(part)) or current.model_fields.get(str(part))
        if isinstance(part, int) or found is None:
            # list index or dict key: stay on the current container's item model
            continue
        current = _model_in(found.annotation)
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def problems_from_validation(
    err: ValidationError,
    doc: YamlDocument,
    *,
    model: type[BaseModel] | None = None,
    prefix: Loc = (),
) -> list[Problem]:
    """Turn a pydantic ValidationError into located problems, one per error.

    Args:
        err: The validation error.
        doc: The document that was validated.
        model: The model validated, to suggest field names for unknown keys.
        prefix: Where in ``doc`` the validated data sits, when it was a sub-tree.

    Returns:
        Problems sorted by position.
    """
    problems: list[Problem] = []
    for error in err.errors(include_input=False, include_url=False):
        loc: Loc = prefix + tuple(p for p in error["loc"] if not _is_union_tag(p))
        kind = error["type"]
        if kind == "extra_forbidden":
            name = str(loc[-1])
            known = _fields_at(model, loc[len(prefix) : -1])
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            expected = ""
            if known and not close:
                expected = f" (expected one of: {', '.join(sorted(known))})"
            problems.append(doc.problem(loc, f"unknown key {name!r}{hint}{expected}", key=True))
        elif kind == "missing":
            problems.append(doc.problem(loc, "required key is missing", key=True))
        else:
            problems.append(doc.problem(loc, _message(error["msg"])))
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the member type's name to the loc of errors inside unions/function validators
    return isinstance(part, str) and (part.startswith("function-") or "[" in part)


def _message(msg: str) -> str:
    prefix = "Value error, "
    text = msg[len(prefix) :] if msg.startswith(prefix) else msg
    return text[0].lower() + text[1:] if text else text
