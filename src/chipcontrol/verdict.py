"""The answer: a Verdict with its outcome, the rules that decided it, their quotes, and advisories."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from typing import Any, Callable

from pydantic import Field, PrivateAttr, computed_field, model_validator

from .conditions import ConditionCheck
from .presentation import render
from .provenance import Confidence, Strict
from .rules import Effect, Kind, Posture, ReviewPolicy, Status
from .sources import Citation


class Outcome(str, Enum):
    """What the law required for the order (design.md section 3)."""

    PERMITTED = "permitted"
    NOTIFICATION_REQUIRED = "notification_required"
    LICENSE_REQUIRED = "license_required"
    PROHIBITED = "prohibited"
    OUT_OF_COVERAGE = "out_of_coverage"
    UNDETERMINED = "undetermined"

    @property
    def permitted(self) -> bool | None:
        """Rule 9: True for permitted and notification_required, False for licence/prohibited, else None."""
        return _PERMITTED[self]

    @classmethod
    def of(cls, effect: Effect) -> Outcome:
        return cls(effect.value)


_PERMITTED = {
    Outcome.PERMITTED: True,
    Outcome.NOTIFICATION_REQUIRED: True,
    Outcome.LICENSE_REQUIRED: False,
    Outcome.PROHIBITED: False,
    Outcome.OUT_OF_COVERAGE: None,
    Outcome.UNDETERMINED: None,
}


class Role(str, Enum):
    """What a rule did for this order."""

    DECIDING = "deciding"  # fired, and its effect is the outcome
    CONTRIBUTING = "contributing"  # fired, with a weaker effect than the outcome
    SUPPRESSED = "suppressed"  # fired, but an exception that also fired suppressed it
    REVIEW = "review"  # a review rule that set the review policy of a deciding licence requirement
    IDLE_EXCEPTION = "idle_exception"  # an exception (or review rule) that fired with nothing to act on
    UNDETERMINED = "undetermined"  # a fact it needs is unknown
    NOT_FIRED = "not_fired"  # applicable, checked, did not fire


class LegalBasisView(Strict):
    provision: str
    instrument: str = Field(description="Official citation of the instrument, e.g. '88 FR 73458'.")
    source_id: str
    title: str
    note: str | None = None


class Finding(Strict):
    """One rule's part in the verdict: what it did, why (conditions with actual values), on what authority.

    `checks` is derived from the rule's condition and the order's facts when first read (and in every
    dump), so evaluating many orders does not pay for explanations nobody reads.
    """

    rule_id: str
    title: str
    effect: Effect | None = Field(description="What the rule requires; null for a review rule.")
    role: Role
    explanation: str
    citations: list[Citation]
    legal_basis: LegalBasisView
    effective: dt.date
    until: dt.date | None
    exempts: list[str] = Field(default_factory=list)
    suppressed_by: list[str] = Field(default_factory=list)
    missing_facts: list[str] = Field(default_factory=list, description="Unknown facts the rule needed.")
    review_policy: ReviewPolicy | None = Field(
        default=None,
        description="A deciding licence requirement: how an application under it would be reviewed for this order "
        "(null: unknown). A review rule: the policy it sets.",
    )
    confidence: Confidence
    note: str | None = None

    _explain: Callable[[], list[ConditionCheck]] | None = PrivateAttr(default=None)
    _checks: list[ConditionCheck] | None = PrivateAttr(default=None)

    @computed_field(description="Each test that decided the rule, with the order's actual value and its result.")  # type: ignore[prop-decorator]
    @property
    def checks(self) -> list[ConditionCheck]:
        if self._checks is None:
            self._checks = self._explain() if self._explain is not None else []
        return self._checks

    @model_validator(mode="wrap")
    @classmethod
    def _accept_checks(cls, data: Any, handler: Callable[[Any], Finding]) -> Finding:
        """A finding read back from JSON carries its checks."""
        checks = None
        if isinstance(data, dict) and "checks" in data:
            data = dict(data)
            checks = data.pop("checks")
        finding = handler(data)
        if checks is not None:
            finding._checks = [ConditionCheck.model_validate(c) for c in checks]
        return finding

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]


class AdvisoryKind(str, Enum):
    REPORTED = "reported"  # a measure reported (e.g. by an article) but not in force
    PROPOSED = "proposed"  # a proposed rule
    NOT_EXPORT_CONTROL = "not_export_control"  # a tariff or an uncodified expectation on this order (no outcome)
    DATA_GAP = "data_gap"  # an unknown fact a rule needed
    DISPUTED_FIGURE = "disputed_figure"  # a deciding rule read a figure sources dispute
    DISCREPANCY = "discrepancy"  # an article and the law disagree about a rule of this verdict
    RESOLUTION = "resolution"  # how a name was resolved (an inline chip that is a catalog chip; an ambiguous name)
    UNSCREENED_PARTY = "unscreened_party"  # an inline buyer checked only against the catalog's listed parties
    POSSIBLE_LIST_MATCH = "possible_list_match"  # an inline buyer whose name is like a listed party's
    RED_FLAG = "red_flag"  # a listed owner whose share is unknown (Red Flag 29 of the Affiliates rule)
    POSTURE = "posture"  # codified and enforced law give different outcomes for this order
    CONTESTED = "contested"  # a date the sources dispute; the other reading gives a different outcome
    PROVISIONAL = "provisional"  # the date is past the verified horizon: scheduled, unverified changes
    KNOWN_ON = "known_on"  # answered with what was public on a past day; what was announced since
    NOTE = "note"  # anything else an auditor should know


class Advisory(Strict):
    """Something that does not change the outcome but that a reader should know."""

    kind: AdvisoryKind
    message: str
    rule_id: str | None = None
    status: Status | None = None
    citations: list[Citation] = Field(default_factory=list)


class OrderSummary(Strict):
    """The order as resolved: catalog ids and names, and the destination as the EAR treats it."""

    item_id: str | None
    item_name: str | None
    buyer_id: str
    buyer_name: str
    buyer_headquarters: str | None = Field(default=None, description="ISO alpha-2, as resolved.")
    seller_id: str | None
    destination: str
    ear_destination: str
    origin: str | None = Field(default=None, description="Where it ships from (ISO alpha-2), as resolved.")
    date: dt.date
    kind: Kind
    claims: list[str]
    quantity: int | None = None


class OrderError(Strict):
    """In a batch, an order that could not be evaluated: its position and why (`evaluate_many(errors="collect")`)."""

    index: int = Field(description="Position of the order in the batch, from 0.")
    message: str = Field(description="The InputError's one-line message.")


class Verdict(Strict):
    """Was this order legal? The outcome, the rules that decided it, and the evidence for each."""

    order: OrderSummary
    outcome: Outcome
    review_policy: ReviewPolicy | None = Field(
        default=None,
        description="For a licence-required outcome, how BIS would review the application: the most restrictive "
        "policy among the deciding requirements (design.md §3, rule 11). Null when no licence is required, or unknown.",
    )
    policy_conditions: list[str] = Field(
        default_factory=list, description="What the standing (favourable) review policy depends on, as the rules state it."
    )
    reason: str = Field(description="One sentence: why this outcome.")
    findings: list[Finding] = Field(description="Rules that fired or could not be decided, deciding ones first.")
    checked: list[Finding] = Field(
        default_factory=list, description="Applicable rules that did not fire, with how the order missed them."
    )
    advisories: list[Advisory] = Field(default_factory=list)
    reason_citations: list[Citation] = Field(
        default_factory=list, description="Citations for the reason itself (e.g. why out of coverage)."
    )
    posture: Posture = Field(default=Posture.ENFORCED, description="Which law was applied (design.md §3, rule 13).")
    provisional: bool = Field(
        default=False, description="True when the date is past the rulebook's verified horizon (a best-known answer)."
    )
    known_on: dt.date | None = Field(
        default=None,
        description="Set when answered as it was believed on this day (`evaluate(known_on=...)`): only the rules, "
        "list entries and group memberships public then; null: today's knowledge.",
    )
    rulebook_hash: str
    engine: str
    library_version: str
    _certify: Callable[[], Any] | None = PrivateAttr(default=None)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def permitted(self) -> bool | None:
        return self.outcome.permitted

    @computed_field  # type: ignore[prop-decorator]
    @property
    def deciding_rule_ids(self) -> list[str]:
        """Ids of the rules that decided the outcome (sorted)."""
        roles = (Role.UNDETERMINED,) if self.outcome is Outcome.UNDETERMINED else (Role.DECIDING,)
        return sorted(f.rule_id for f in self.findings if f.role in roles and f.effect is not None)

    def finding(self, rule_id: str) -> Finding:
        """The finding (fired or checked) for one rule id."""
        for f in [*self.findings, *self.checked]:
            if f.rule_id == rule_id:
                return f
        raise KeyError(f"no finding for rule {rule_id!r}")

    def __eq__(self, other: object) -> bool:
        """Two verdicts are equal when their fields are; the private hook behind `certificate()` does not count."""
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def certificate(self):
        """The decision certificate of this verdict (certificate.py): the order as asked, the inputs used, the
        verdict, the rulebook's hash and the cited sources' hashes, under one digest. Only for a verdict that
        `Rulebook.evaluate` returned (it knows the order as asked and the rulebook)."""
        if self._certify is None:
            raise ValueError("this verdict was not returned by Rulebook.evaluate, so it cannot be certified; "
                             "use rb.certificate(order)")
        return self._certify()

    def to_text(self) -> str:
        return render(self, "text")

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return render(self, "html")

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """IPython shows the readable text form, not the model's repr."""
        printer.text(self.to_text())
