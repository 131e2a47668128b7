"""The job queue's schema: procrastinate's own, as the installed release ships it."""

from procrastinate.schema import SchemaManager
from yoyo import step

__depends__ = {"0004_topups_and_webhook_pipeline"}

steps = [step(SchemaManager.get_schema())]
