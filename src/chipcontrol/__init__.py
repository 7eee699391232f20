"""chipcontrol: US export controls on advanced AI chips as dated, cited rules. Was this order legal?

    import chipcontrol as cc
    rb = cc.load_rulebook()
    v = rb.evaluate(cc.Order(item="A800", buyer="ByteDance", destination="CN", date="2023-08-15"))
    v.outcome, v.permitted, v.deciding_rule_ids
"""

from .version import __version__  # noqa: F401
from .chips import Chip
from .conditions import ConditionCheck
from .counterfactual import Alternative
from .errors import ChipControlError, InputError, RulebookError
from .lint import LintIssue, LintReport, lint, lint_path
from .order import Order
from .parties import Party
from .rulebook import Rulebook, load_rulebook
from .screen import Screening
from .rules import Effect, Kind, Posture, ReviewPolicy, Status
from . import plot, render_html, render_text  # noqa: F401  (the views register themselves: presentation.py)
from .sources import Citation
from .timeline import RuleChange, Segment, Timeline
from .verdict import Advisory, AdvisoryKind, Finding, OrderError, Outcome, Role, Verdict

__all__ = [
    "Advisory",
    "AdvisoryKind",
    "Alternative",
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
    "Screening",
    "Segment",
    "Status",
    "Timeline",
    "Verdict",
    "lint",
    "lint_path",
    "load_rulebook",
]
