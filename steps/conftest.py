"""Registers the step modules for the scenarios collected by test_scenarios.py. The drivers the
steps are handed, and the check of the money after every scenario, come from the harness's
pytest plugin (``harness.plugin``)."""

from steps.api_fault_steps import *  # noqa: F403  (step definitions are fixtures: import to register)
from steps.billing_steps import *  # noqa: F403
from steps.concurrency_steps import *  # noqa: F403
from steps.diagnosis_steps import *  # noqa: F403
from steps.forgery_steps import *  # noqa: F403
from steps.isolation_steps import *  # noqa: F403
from steps.ledger_steps import *  # noqa: F403
from steps.payment_steps import *  # noqa: F403
from steps.topup_steps import *  # noqa: F403
from steps.webhook_steps import *  # noqa: F403
from steps.worker_steps import *  # noqa: F403
