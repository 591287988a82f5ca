"""The classifier's model versions: where each lives, how it measured, which one serves.

One row per trained model (`veille classifier train`, each retrain that got
as far as training). `promoted` is true for the one model that serves, so
promoting a model clears the flag on every other row in the same
transaction. `report` keeps the retrain's report as it was printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.engine import Engine

from store.db import transaction
from store.reviews import STAFF_MODEL  # a classification written by a correction
from store.schema import Classification, Item, ModelVersion
from store.timeutil import aware


@dataclass(frozen=True)
class ModelVersionView:
    version: str
    path: str
    created_at: datetime
    promoted: bool
    metrics: dict
    report: dict


def record_version(engine: Engine, version: str, path: str, *, metrics: dict, report: dict,
                   promoted: bool) -> None:
    """Add (or update) a model's row; a promoted one becomes the only row marked as serving."""
    with transaction(engine) as session:
        if promoted:
            session.execute(update(ModelVersion).where(ModelVersion.version != version).values(promoted=False))
        row = session.scalar(select(ModelVersion).where(ModelVersion.version == version))
        if row is None:
            row = ModelVersion(version=version)
            session.add(row)
        row.path, row.metrics, row.report, row.promoted = path, metrics, report, promoted


def list_versions(engine: Engine, limit: int = 20) -> list[ModelVersionView]:
    """The newest model versions first."""
    stmt = select(ModelVersion).order_by(ModelVersion.id.desc()).limit(limit)
    with transaction(engine) as session:
        return [_view(m) for m in session.scalars(stmt)]


def serving(engine: Engine) -> ModelVersionView | None:
    """The model marked as serving (None: no model was promoted; the shipped one serves)."""
    with transaction(engine) as session:
        row = session.scalar(select(ModelVersion).where(ModelVersion.promoted.is_(True)))
        return _view(row) if row else None


def retire_predictions(engine: Engine, keep_version: str) -> int:
    """Make the predictions of items still waiting for review no longer current, so they are re-tagged.

    After a promotion the queue should show the new model's tags; staff
    corrections and the items already decided keep theirs. Returns how many
    items will be classified again.
    """
    waiting = select(Item.id).where(Item.status == "new")
    stmt = (
        update(Classification)
        .where(and_(Classification.current.is_(True), Classification.item_id.in_(waiting),
                    Classification.model_version.not_in([keep_version, STAFF_MODEL])))
        .values(current=False)
    )
    with transaction(engine) as session:
        return session.execute(stmt).rowcount or 0


def _view(m: ModelVersion) -> ModelVersionView:
    return ModelVersionView(m.version, m.path, aware(m.created_at), bool(m.promoted), dict(m.metrics or {}),
                            dict(m.report or {}))
