"""The service's requests and answers as pydantic models: every field described, so the models are the API docs.

The order itself is `chipcontrol.Order`, unchanged: a request holds the same fields with the same validation as
the library and the CLI.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ..certificate import Certificate
from ..order import Order
from ..rules import Effect, Kind, ReviewPolicy, Status
from ..verdict import Outcome, Verdict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorResponse(_Model):
    """Any refusal: bad input (4xx), a limit passed (413, 503), a missing API key (401)."""

    error: str = Field(description="One line: what is wrong, with close matches for an unknown name (as the CLI says it).")


class CheckResponse(_Model):
    """The answer to POST /v1/check."""

    decision_id: str = Field(description="The id under which the decision is in the decision log (also header X-Decision-Id).")
    verdict: Verdict = Field(description="The Verdict, exactly as `rulebook.evaluate(order)` returns it.")
    certificate: Certificate | None = Field(
        default=None, description="With ?certificate=true: the decision certificate (its `digest` is in the decision log)."
    )


class TimelineRequest(_Model):
    """POST /v1/timeline: an order, and the days to follow it over."""

    order: Annotated[dict[str, Any], WithJsonSchema({"allOf": [{"$ref": "#/components/schemas/Order"}]})] = Field(
        description="An Order (schema `Order`); its `date` may be left out: the timeline evaluates every day from "
        "`start` to `end` whatever it is."
    )
    start: dt.date = Field(description="First day, YYYY-MM-DD.")
    end: dt.date = Field(description="Last day (inclusive), YYYY-MM-DD.")


class ScreenRequest(_Model):
    """POST /v1/screen as JSON: the order book's rows."""

    rows: list[dict[str, Any]] = Field(
        description="One object per order with the columns of an order book: item, buyer, destination, date (required); "
        "kind, origin, seller, claims (a list or ';'-separated), quantity; inline chip figures item_vendor, item_tpp, "
        "item_io_bidirectional_gbps, item_die_area_mm2, item_memory_bandwidth_gbps, item_datacenter; inline buyer "
        "buyer_headquarters, buyer_parent_headquarters. Other keys are carried along."
    )


class ScreenRow(_Model):
    """One order's screening result (the columns of `Screening.table`)."""

    row: int = Field(description="Position of the order in the book, from 0.")
    outcome: Outcome | None = Field(description="The outcome; null when the row is in error.")
    permitted: bool | None = Field(description="True, False, or null (cannot say, or in error).")
    review_policy: ReviewPolicy | None = Field(description="For a licence-required outcome, the review policy.")
    deciding_rule_ids: list[str] = Field(description="The rules that decided the outcome.")
    reason: str | None = Field(description="One sentence: why this outcome.")
    advisories: list[str] = Field(description="Kinds of the verdict's advisories, each once.")
    error: str | None = Field(description="Why the row could not be evaluated (one line); null otherwise.")
    decision_id: str | None = Field(description="The row's decision in the decision log; null for a row in error.")


class ScreenResponse(_Model):
    """The answer to POST /v1/screen with format=json."""

    rulebook_hash: str = Field(description="The content hash of the rulebook that decided.")
    summary: dict[str, Any] = Field(description="Counts by outcome and review policy, top deciding rules and restricted "
                                    "buyers and destinations, rows in error (`Screening.summary()`).")
    results: list[ScreenRow] = Field(description="One result per order, in the book's order.")


class CoverageInfo(_Model):
    """What the rulebook speaks for (design.md §3, rule 6)."""

    start: dt.date = Field(description="First day covered.")
    verified_until: dt.date = Field(description="The verified horizon: first day no longer covered (exclusive).")
    provisional_until: dt.date | None = Field(
        description="Scheduled rules are encoded up to this day (exclusive); ?provisional=true answers there."
    )
    kinds: list[Kind] = Field(description="The kinds of transaction covered.")
    excluded_destinations: list[str] = Field(description="Destinations under controls the rulebook does not encode.")


class RuleInfo(_Model):
    """One rule and its dates."""

    id: str = Field(description="The rule's id (as verdicts name it).")
    title: str = Field(description="What the rule is.")
    status: Status = Field(description="in_force, proposed, reported, not_export_control or rescinded.")
    effective: dt.date = Field(description="First day it applies (inclusive).")
    until: dt.date | None = Field(description="First day it no longer applies (exclusive); null: open.")
    kinds: list[Kind] = Field(description="The kinds of transaction it speaks to.")
    effect: Effect | None = Field(description="What it requires when it fires (null for a review rule).")
    review_policy: ReviewPolicy | None = Field(description="For a licence requirement, how applications are reviewed.")


class RulebookInfo(_Model):
    """GET /v1/rulebook: the rulebook the service was started with."""

    name: str = Field(description="The rulebook's name.")
    hash: str = Field(description="Its content hash; every verdict carries it.")
    library_version: str = Field(description="The chipcontrol version serving it.")
    coverage: CoverageInfo = Field(description="Dates, kinds and destinations it speaks for.")
    rules: list[RuleInfo] = Field(description="Every rule with its dates, by effective date then id.")


class Health(_Model):
    """GET /v1/health: the service is up and which rulebook it answers with."""

    status: str = Field(description="'ok'.")
    library_version: str = Field(description="The chipcontrol version.")
    rulebook_hash: str = Field(description="The content hash of the rulebook in use.")
    decision_log: bool = Field(description="Whether decisions are being logged.")
    endpoints: list[str] = Field(description="The endpoints this service offers (those whose modules are installed).")


#: Models whose schemas the OpenAPI document lists as request bodies (read by hand, so FastAPI does not see them).
REQUEST_MODELS = (Order, TimelineRequest, ScreenRequest)
