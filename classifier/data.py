"""Labelled examples: reading train.jsonl-format files.

One JSON object a line: id, source, lang, title, text, url, relevant, purpose,
themes, kind (see /work/shared/data/labels/README.txt). A malformed line or an
unknown slug is an error that names the file and the line: a silently skipped
label would bias the model without anyone noticing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from classifier.taxonomy import KIND_SLUGS, PURPOSE_SLUGS, THEME_SLUGS


@dataclass(frozen=True)
class Example:
    id: str
    title: str
    text: str
    relevant: bool
    purpose: str | None
    themes: tuple[str, ...]
    kind: str
    lang: str | None = None
    source: str | None = None  # never a model feature: only to balance class weights (heads._strata)
    summary: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict, compare=False)
    # Dimensions whose label here is not gold (a staff review that settled
    # relevance only): left out of training and measurement for that row.
    unknown: frozenset[str] = frozenset()


def load_examples(path: str | Path) -> list[Example]:
    """Read a train.jsonl-format file; ValueError naming the file and line on any defect."""
    path = Path(path)
    examples = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                examples.append(_parse(line))
            except (ValueError, TypeError, KeyError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
    return examples


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def examples_sha256(examples: list[Example]) -> str:
    """A checksum of the labelled content, for models trained from memory rather than a file."""
    digest = hashlib.sha256()
    for ex in examples:
        row = [ex.id, ex.title, ex.summary, ex.text, ex.relevant, ex.purpose, list(ex.themes), ex.kind]
        if ex.unknown:  # only gold labels have some: the checksums of labelled files stay as they were
            row.append(sorted(ex.unknown))
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def _parse(line: str) -> Example:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg})") from None
    return parse_row(row)


def parse_row(row: dict, unknown: frozenset[str] = frozenset()) -> Example:
    """One labelled item from its JSON object; ValueError on any defect."""
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    for key in ("id", "title", "relevant", "kind"):
        if key not in row:
            raise ValueError(f"missing field {key!r}")
    relevant = row["relevant"]
    if not isinstance(relevant, bool):
        raise ValueError(f"'relevant' must be true or false, not {relevant!r}")
    purpose = row.get("purpose")
    themes = row.get("themes") or []
    if not isinstance(themes, list):
        raise ValueError(f"'themes' must be a list, not {themes!r}")
    _check_slugs(purpose, themes, row["kind"], relevant and "purpose" not in unknown)
    return Example(
        id=str(row["id"]),
        title=_text(row, "title"),
        text=_text(row, "text"),
        summary=_text(row, "summary"),
        relevant=relevant,
        purpose=purpose,
        themes=tuple(themes),
        kind=row["kind"],
        lang=row.get("lang"),
        source=row.get("source"),
        url=row.get("url") or "",
        unknown=unknown,
    )


def _check_slugs(purpose, themes: list, kind, needs_purpose: bool) -> None:
    if purpose is not None and purpose not in PURPOSE_SLUGS:
        raise ValueError(f"unknown purpose slug {purpose!r}")
    if needs_purpose and purpose is None:
        raise ValueError("a relevant item needs a purpose")
    for theme in themes:
        if theme not in THEME_SLUGS:
            raise ValueError(f"unknown theme slug {theme!r}")
    if kind not in KIND_SLUGS:
        raise ValueError(f"unknown kind slug {kind!r}")


def _text(row: dict, key: str) -> str:
    value = row.get(key) or ""
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value
