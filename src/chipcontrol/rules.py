"""Rules as written in rulesets/rules/*.yaml: what a rule says, when, about what, and on whose authority."""

from __future__ import annotations

import datetime as dt
from enum import Enum

from pydantic import Field, model_validator

from .provenance import IsoDate, Confidence, Strict
from .sources import Announcement, CitationSpec


class Kind(str, Enum):
    """What kind of transaction an order is."""

    EXPORT = "export"
    REEXPORT = "reexport"
    IN_COUNTRY_TRANSFER = "in_country_transfer"
    CLOUD_ACCESS = "cloud_access"
    INVESTMENT = "investment"


class Status(str, Enum):
    """Only `in_force` rules decide outcomes; `proposed`, `reported` and `not_export_control` ones become advisories."""

    IN_FORCE = "in_force"
    PROPOSED = "proposed"
    REPORTED = "reported"
    NOT_EXPORT_CONTROL = "not_export_control"  # in force, but another law (a tariff) or an uncodified expectation
    RESCINDED = "rescinded"


class Posture(str, Enum):
    """Which law a verdict applies where codified and enforced law differ (design.md §3, rule 13)."""

    ENFORCED = "enforced"  # what the agency enforces (the default)
    CODIFIED = "codified"  # the text as codified, enforced or not


#: Statuses whose rules are shown as advisories when they fire, never deciding (design.md §3, rule 8).
ADVISORY_STATUSES = (Status.PROPOSED, Status.REPORTED, Status.NOT_EXPORT_CONTROL)


class Effect(str, Enum):
    """What a firing rule requires, least to most restrictive (design.md section 3, rule 4)."""

    PERMITTED = "permitted"
    NOTIFICATION_REQUIRED = "notification_required"
    LICENSE_REQUIRED = "license_required"
    PROHIBITED = "prohibited"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Effect.PERMITTED: 0, Effect.NOTIFICATION_REQUIRED: 1, Effect.LICENSE_REQUIRED: 2, Effect.PROHIBITED: 3}

EXPORT_KINDS = (Kind.EXPORT, Kind.REEXPORT, Kind.IN_COUNTRY_TRANSFER)


class ReviewPolicy(str, Enum):
    """How BIS reviews an application for a licence a rule requires (design.md §3, rule 11)."""

    PRESUMPTION_OF_APPROVAL = "presumption_of_approval"
    CASE_BY_CASE = "case_by_case"
    PRESUMPTION_OF_DENIAL = "presumption_of_denial"

    @property
    def rank(self) -> int:
        """Higher is more restrictive."""
        return _POLICY_RANK[self]


_POLICY_RANK = {ReviewPolicy.PRESUMPTION_OF_APPROVAL: 0, ReviewPolicy.CASE_BY_CASE: 1, ReviewPolicy.PRESUMPTION_OF_DENIAL: 2}


class LegalBasis(Strict):
    """The provision a rule implements, in the instrument that made it law."""

    source: str = Field(description="Id of an instrument in sources.yaml.")
    provision: str = Field(description="e.g. '15 CFR 742.6(a)(6); ECCN 3A090.a'.")
    note: str | None = None


class Term(Strict):
    """A named condition (e.g. the 2023 3A090.a test) that rules use as term(\"name\")."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.:\-]+$")
    when: str = Field(description="Condition expression.")
    citations: list[CitationSpec] = Field(min_length=1)
    note: str | None = None


class Rule(Strict):
    """One dated rule. Reads top to bottom as a review: what it is, when, its sources, then its test."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    title: str
    status: Status = Status.IN_FORCE
    series: str | None = Field(
        default=None,
        description="Rules that are versions of one another share a series; their validities must tile time.",
    )
    effective: IsoDate = Field(description="First day the rule applies (inclusive).")
    until: IsoDate | None = Field(default=None, description="First day it no longer applies (exclusive); null: open.")
    announced: Announcement | None = Field(
        default=None,
        description="When the rule became public (on or before `effective`); null: public on `effective`. "
        "`evaluate(known_on=K)` leaves out a rule not public on K.",
    )
    until_announced: Announcement | None = Field(
        default=None,
        description="When the end date `until` became public, if later than the rule (an end set by another "
        "instrument). Null: public when the rule that follows it in its `series` is; else with the rule itself.",
    )
    kinds: list[Kind] = Field(default_factory=lambda: list(EXPORT_KINDS), min_length=1)
    effect: Effect | None = Field(
        default=None,
        description="What the rule requires when it fires; absent only for a review rule (`reviews`) and a measure "
        "that is not an export control (status not_export_control).",
    )
    review_policy: ReviewPolicy | None = Field(
        default=None,
        description="For a licence requirement: how applications under it are reviewed (null: not known). For a "
        "review rule: the policy it sets.",
    )
    reviews: list[str] = Field(
        default_factory=list,
        description="A review rule: the licence requirements whose review policy it sets when it fires with them. "
        "It never changes the outcome (design.md §3, rule 11).",
    )
    policy_conditions: list[str] = Field(
        default_factory=list,
        description="A review rule: what its (favourable) policy depends on, e.g. the certifications it requires; "
        "listed in every verdict whose policy it sets.",
    )
    exempts: list[str] = Field(
        default_factory=list,
        description="Rule ids this rule suppresses when it fires (an exception). Never adds a restriction.",
    )
    claim: str | None = Field(
        default=None,
        description="For an authorisation the exporter must invoke: the name an Order lists in `claims`.",
    )
    enforced: bool = Field(
        default=True,
        description="False for a rule on the books that the agency does not enforce: it decides only with "
        "posture='codified', and otherwise shows as a `posture` advisory where it would change the outcome.",
    )
    legal_basis: LegalBasis
    citations: list[CitationSpec] = Field(min_length=1, description="At least one; article quotes are checked.")
    explanation: str = Field(description="Why the rule decides what it decides, in a sentence for the verdict.")
    when: str = Field(description="Condition over the order's facts (see conditions.py); 'true' for always.")
    confidence: Confidence = Confidence.SECONDARY
    note: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Rule:
        if self.until is not None and self.until <= self.effective:
            raise ValueError(f"until {self.until} is not after effective {self.effective} (empty validity)")
        return self

    @model_validator(mode="after")
    def _requirement_or_review(self) -> Rule:
        if self.reviews:
            if self.effect is not None or self.exempts or self.claim:
                raise ValueError("a review rule (`reviews`) sets a review policy only: no effect, exempts or claim")
            if self.review_policy is None:
                raise ValueError("a review rule (`reviews`) needs the `review_policy` it sets")
        elif self.status is Status.NOT_EXPORT_CONTROL:
            if self.effect is not None or self.exempts or self.claim or self.review_policy is not None:
                raise ValueError("a not_export_control measure is an advisory only: no effect, exempts, claim or review_policy")
        else:
            if self.effect is None:
                raise ValueError("`effect` is required (only a review rule, with `reviews`, or a not_export_control "
                                 "measure has none)")
            if self.review_policy is not None and self.effect is not Effect.LICENSE_REQUIRED:
                raise ValueError("`review_policy` belongs to a licence requirement (effect license_required)")
            if self.policy_conditions:
                raise ValueError("`policy_conditions` belong to a review rule (`reviews`)")
        return self

    def valid_on(self, day: dt.date) -> bool:
        """Half-open validity [effective, until) (design.md section 3, rule 1)."""
        return self.effective <= day and (self.until is None or day < self.until)

    @property
    def is_exception(self) -> bool:
        return bool(self.exempts)

    @property
    def is_review(self) -> bool:
        """A rule that sets the review policy of other rules and never changes the outcome."""
        return bool(self.reviews)
