"""chipcontrol: US export controls on advanced AI chips as dated, cited rules. Was this order legal?

    import chipcontrol as cc
    rb = cc.load_rulebook()
    v = rb.evaluate(cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2023-08-15"))
    v.outcome, v.permitted, v.deciding_rule_ids
"""

__version__ = "0.1.0"

from .chips import Chip  # noqa: E402
from .conditions import ConditionCheck  # noqa: E402
from .errors import ChipControlError, InputError, RulebookError  # noqa: E402
from .lint import LintIssue, LintReport, lint, lint_path  # noqa: E402
from .order import Order  # noqa: E402
from .parties import Party  # noqa: E402
from .rulebook import Rulebook, load_rulebook  # noqa: E402
from .rules import Effect, Kind, Posture, ReviewPolicy, Status  # noqa: E402
from .sources import Citation  # noqa: E402
from .timeline import RuleChange, Segment, Timeline  # noqa: E402
from .verdict import Advisory, AdvisoryKind, Finding, OrderError, Outcome, Role, Verdict  # noqa: E402

__all__ = [
    "Advisory",
    "AdvisoryKind",
    "ChipControlError",
    "Chip",
    "Citation",
    "ConditionCheck",
    "Effect",
    "Finding",
    "InputError",
    "LintIssue",
    "LintReport",
    "Kind",
    "Order",
    "OrderError",
    "Outcome",
    "Party",
    "Posture",
    "ReviewPolicy",
    "Role",
    "RuleChange",
    "Rulebook",
    "RulebookError",
    "Segment",
    "Status",
    "Timeline",
    "Verdict",
    "lint",
    "lint_path",
    "load_rulebook",
]
