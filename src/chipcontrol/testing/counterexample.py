"""An order as the YAML of a rule-file example (files.RuleExample), with the answer the rulebook gives now:
what a failing property prints, so a shrunk counterexample becomes a reviewed example by pasting it."""

from __future__ import annotations

import yaml

from ..chips import slug
from ..errors import InputError
from ..order import Order


def order_data(order: Order) -> dict:
    """The order as a rule file writes it: only what was given, dates as ISO text."""
    data = order.model_dump(mode="json", exclude_defaults=True)
    for key in ("item", "buyer", "seller"):
        value = getattr(order, key)
        if hasattr(value, "model_dump"):  # an inline chip or party: what it states, not what is derived
            data[key] = value.model_dump(mode="json", exclude_none=True, include=value.model_fields_set | {"name"})
            if data[key].get("id") == slug(value.name):
                del data[key]["id"]  # derived from the name
    return data


def example_yaml(rulebook, order: Order, engine: str | None = None, indent: int = 4) -> str:
    """`- name: ...` with the order and the rulebook's current answer to it, indented for a rule's `examples:`."""
    example: dict = {"name": "TODO: say in a sentence what this order shows", "order": order_data(order)}
    try:
        verdict = rulebook.evaluate(order, engine=engine)
        example["outcome"] = verdict.outcome.value
        if verdict.review_policy is not None:
            example["review_policy"] = verdict.review_policy.value
        example["deciding"] = list(verdict.deciding_rule_ids)
    except InputError as exc:
        example["refused"] = str(exc)
    text = yaml.safe_dump([example], allow_unicode=True, sort_keys=False, width=110)
    return "\n".join(" " * indent + line for line in text.splitlines())
