"""Evaluation: the one pipeline every entry point shares (design.md §1).

resolve (resolution.py: names -> catalog records, countries -> ISO codes) -> facts (facts.py) -> conditions
(engines.py: true/false/unknown per rule) -> decide (decision.py: exceptions, precedence, unknowns, review
policy) -> verdict. `pipeline` runs it for one order (`evaluate`, `evaluate_many`), `timeline` over a period,
`columnar` over an order book. These modules read a `RulebookData` and never import the `Rulebook` facade or
any view.
"""
