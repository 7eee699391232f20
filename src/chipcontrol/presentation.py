"""How models are shown: view modules (render_text, render_html, plot) register their renderers here, so a
model's convenience methods (`Verdict.to_text()`, `Timeline.plot()`) call a view without importing one.

`import chipcontrol` imports the views, so every renderer is registered before any model exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_RENDERERS: dict[tuple[type, str], Callable[..., Any]] = {}


def register(model: type, form: str, renderer: Callable[..., Any]) -> None:
    """Show instances of `model` in `form` ("text", "html", "plot") with `renderer(obj, *args, **kwargs)`."""
    _RENDERERS[(model, form)] = renderer


def render(obj: object, form: str, *args: Any, **kwargs: Any) -> Any:
    """`obj` shown in `form` by the renderer registered for its class (or a base class)."""
    for cls in type(obj).__mro__:
        renderer = _RENDERERS.get((cls, form))
        if renderer is not None:
            return renderer(obj, *args, **kwargs)
    raise LookupError(f"no {form!r} view of {type(obj).__name__} is registered (importing chipcontrol registers them)")
