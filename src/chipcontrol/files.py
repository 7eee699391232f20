"""The file formats of rulesets/: one pydantic model per file, so their JSON Schema documents them."""

from __future__ import annotations

import datetime as dt


from pydantic import Field, model_validator

from .chips import ChipRecord, SystemRecord
from .countries import Country, CountryGroup
from .parties import PartyRecord
from .provenance import Fraction, IsoDate, Strict
from .order import Order
from .rules import Kind, Posture, ReviewPolicy, Rule, Term
from .sources import CitationSpec, Source
from .verdict import Outcome


class ExcludedDestinations(Strict):
    """Destinations under broad controls this rulebook does not encode: orders there are out of coverage."""

    countries: list[str] = Field(min_length=1)
    reason: str
    citations: list[CitationSpec] = Field(min_length=1)


class NotEncoded(Strict):
    """An instrument or measure the rulebook deliberately does not encode, and why."""

    what: str
    reason: str
    citations: list[CitationSpec] = Field(min_length=1)


class Coverage(Strict):
    """The dates, kinds and destinations the rulebook speaks for."""

    start: IsoDate
    until: IsoDate = Field(description="First day no longer covered (exclusive): the verified horizon.")
    provisional_until: IsoDate | None = Field(
        default=None,
        description="Rules scheduled beyond the verified horizon are encoded up to this day (exclusive); "
        "evaluate(..., provisional=True) answers there, marked provisional. Null: no provisional answers.",
    )
    kinds: list[Kind] = Field(min_length=1)
    excluded_destinations: list[ExcludedDestinations] = Field(default_factory=list)
    not_encoded: list[NotEncoded] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Coverage:
        if self.until <= self.start:
            raise ValueError("coverage `until` must be after `start`")
        if self.provisional_until is not None and self.provisional_until <= self.until:
            raise ValueError("coverage `provisional_until` must be after `until`")
        return self

    @property
    def last_encoded(self) -> dt.date:
        """The first day no rule speaks for, provisionally or not."""
        return self.provisional_until or self.until


class Presumptions(Strict):
    """What the rulebook presumes about inline items when the order does not say."""

    subject_to_ear_vendor_headquarters: list[str] = Field(
        default_factory=list,
        description="An inline chip whose vendor is a catalog party headquartered in one of these countries is "
        "presumed subject to the EAR unless the chip says otherwise.",
    )
    note: str | None = None


class AffiliatesThreshold(Strict):
    """The ownership share at which a party counts as an affiliate of listed owners (the 50 % rule): it decides
    whose stakes count indirectly in `buyer.listed_owner_share` (ownership.py)."""

    share: Fraction = Field(description="0.5 for 'owned 50 % or more'.")
    citation: CitationSpec
    note: str | None = None


class RulebookFile(Strict):
    """rulesets/rulebook.yaml: the rulebook's name, declared coverage and presumptions."""

    name: str
    coverage: Coverage
    presumptions: Presumptions = Field(default_factory=Presumptions)
    affiliates: AffiliatesThreshold | None = Field(
        default=None,
        description="Null: only direct stakes of listed owners count in buyer.listed_owner_share (no indirect chain).",
    )


class Discrepancy(Strict):
    """Where an article and the law disagree (a date, a scope): shown in verdicts that involve its rules."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    article: CitationSpec = Field(description="The article's words (a checked quote).")
    article_says: str
    law_says: str
    law_citations: list[CitationSpec] = Field(min_length=1)
    rule_ids: list[str] = Field(min_length=1, description="Rules whose verdicts should show it.")
    article_date: IsoDate | None = Field(default=None, description="The date the article gives, if the dispute is a date.")
    law_date: IsoDate | None = Field(default=None, description="The date the law gives.")


class DiscrepanciesFile(Strict):
    """rulesets/discrepancies.yaml: article-versus-law discrepancies, as data."""

    discrepancies: list[Discrepancy]


class SourcesFile(Strict):
    """rulesets/catalog/sources.yaml."""

    sources: list[Source]


class ChipsFile(Strict):
    """rulesets/catalog/chips.yaml."""

    chips: list[ChipRecord]
    systems: list[SystemRecord] = Field(default_factory=list, description="Boards, servers, superchips.")


class PartiesFile(Strict):
    """rulesets/catalog/parties.yaml."""

    parties: list[PartyRecord]


class CountriesFile(Strict):
    """rulesets/catalog/countries.yaml: ISO 3166 countries and EAR country groups."""

    countries: list[Country]
    groups: list[CountryGroup]


class RuleExample(Strict):
    """An order written beside the rules with what the rulebook must answer for it: a test the reviewer reads
    with the rule (`chipcontrol test` and the test suite check it; rule_examples.py).

    Examples are not part of the rulebook's content hash: the hash identifies the law a verdict applied, and an
    example is a claim about that law, so adding or fixing one changes no verdict's hash.
    """

    name: str = Field(
        min_length=10,
        description="The example as a sentence that says why: 'an A800 to ByteDance in June 2023 was permitted: its "
        "I/O is under 600 GB/s'.",
    )
    citation: CitationSpec | None = Field(
        default=None, description="Where the claim comes from (an article quote is checked against the article)."
    )
    order: Order = Field(description="The order, as cc.Order takes it (names, or inline chip and buyer mappings).")
    outcome: Outcome
    review_policy: ReviewPolicy | None = Field(
        default=None, description="The verdict's review policy (null: none, or not known); always compared."
    )
    deciding: list[str] = Field(description="Ids of the rules that decide the outcome (verdict.deciding_rule_ids).")
    advisories: list[str] = Field(
        default_factory=list,
        description="Ids of the proposed, reported and not-export-control rules the verdict shows as advisories: all of "
        "them (none when empty).",
    )
    posture: Posture = Posture.ENFORCED
    provisional: bool = Field(default=False, description="Evaluate with provisional=True (past the verified horizon).")


class RuleWithExamples(Rule):
    """A rule as a rule file writes it: the rule, then its examples (kept apart from the Rule once loaded)."""

    examples: list[RuleExample] = Field(default_factory=list, description="Orders this rule decides or misses.")


class RuleFile(Strict):
    """rulesets/rules/<instrument>.yaml: the rules one instrument made, with the terms they use."""

    title: str
    about: str | None = Field(default=None, description="A paragraph on the instrument, for the reviewer.")
    terms: list[Term] = Field(default_factory=list)
    rules: list[RuleWithExamples] = Field(default_factory=list)
    examples: list[RuleExample] = Field(
        default_factory=list, description="Examples about several rules of the file (or of other files)."
    )
