"""Screen a Dask DataFrame on a cluster: `chipcontrol.dask.screen(ddf)`, partition by partition on the workers.

    import dask.dataframe as dd
    from chipcontrol.dask import screen
    orders = dd.read_parquet("orders/*.parquet")        # columns as for rb.screen: item, buyer, destination, date, ...
    verdicts = screen(orders)                           # lazy: outcome, permitted, review_policy, deciding_rule_ids, ...
    verdicts.outcome.value_counts().compute()

Each worker process loads the rulebook once (cached per process and rulesets folder) and checks that its
content hash is the one the client loaded: workers that see other rule files raise `RulebookMismatchError`
rather than answer under another law. The rulesets folder must be readable at the same path on the workers
(the bundled rulesets always are). Needs the `dask` extra: `pip install 'chipcontrol[dask]'`; `import chipcontrol`
never imports dask.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ChipControlError, InputError
from .rulebook import Rulebook, load_rulebook

if TYPE_CHECKING:
    import pandas as pd

#: This process's rulebooks, by rulesets folder (None: the bundled one).
_RULEBOOKS: dict[str | None, Rulebook] = {}
#: How many times this process loaded a rulebook, and screened a partition (see `worker_state`).
_STATE = {"loads": 0, "partitions": 0}


class RulebookMismatchError(ChipControlError):
    """A worker's rulebook is not the client's (other rule files at the same path)."""


def screen(
    ddf: Any,
    rulesets: str | Path | Rulebook | None = None,
    *,
    engine: str | None = None,
    posture: str = "enforced",
    provisional: bool = False,
    with_input: bool = False,
) -> Any:
    """Screen every row of the Dask DataFrame `ddf` with `Rulebook.screen`, on the workers.

    Returns a lazy Dask DataFrame with the partitions and index of `ddf` and the screening columns (outcome,
    permitted, review_policy, deciding_rule_ids, reason, advisories, error), as pyarrow-backed pandas dtypes;
    with `with_input=True`, the input's columns first. `rulesets`: a rulesets folder or a loaded Rulebook
    (default: the bundled rulesets). A missing column is an InputError here, before anything runs.
    """
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:
        raise ImportError("chipcontrol.dask needs dask: pip install 'chipcontrol[dask]'") from None
    from .screen import RESULT_COLUMNS

    clash = [c for c in RESULT_COLUMNS if c in ddf.columns] if with_input else []
    if clash:
        raise InputError(f"with_input=True: the DataFrame already has column(s) {', '.join(clash)}, which the screening adds")
    folder, rulebook = _client_rulebook(rulesets)
    options = {"engine": engine, "posture": posture, "provisional": provisional}
    rulebook.engine(engine)  # an unknown engine or a missing column fails here, once, not on every worker
    meta = _screen_frame(rulebook, ddf._meta, options, with_input)
    return ddf.map_partitions(
        _screen_partition,
        folder=folder,
        expected_hash=rulebook.hash,
        options=options,
        with_input=with_input,
        meta=meta,
    )


def worker_state() -> dict[str, int]:
    """How many times this process loaded a rulebook and screened a partition (for `client.run`)."""
    return dict(_STATE)


def forget() -> None:
    """Drop this process's cached rulebooks (and reset `worker_state`)."""
    _RULEBOOKS.clear()
    _STATE.update(loads=0, partitions=0)


def _client_rulebook(rulesets: str | Path | Rulebook | None) -> tuple[str | None, Rulebook]:
    """The rulesets folder as the workers will be told it (absolute), and the client's rulebook."""
    if isinstance(rulesets, Rulebook):
        return str(rulesets.root.resolve()), rulesets
    folder = None if rulesets is None else str(Path(rulesets).resolve())
    return folder, _rulebook(folder, None)


def _rulebook(folder: str | None, expected_hash: str | None) -> Rulebook:
    """This process's rulebook for `folder`, loaded once; reloaded when the files changed since (the hash
    differs), and a RulebookMismatchError when they still differ from `expected_hash`."""
    rulebook = _RULEBOOKS.get(folder)
    if rulebook is None or (expected_hash is not None and rulebook.hash != expected_hash):
        rulebook = _RULEBOOKS[folder] = load_rulebook(folder)
        _STATE["loads"] += 1
    if expected_hash is not None and rulebook.hash != expected_hash:
        where = folder or "the bundled rulesets"
        raise RulebookMismatchError(
            f"worker process {os.getpid()} loaded {where} with content hash {rulebook.hash[:12]}, but the client's "
            f"rulebook has {expected_hash[:12]}: give the workers the same rule files (or re-run with the current ones)"
        )
    return rulebook


def _screen_partition(frame: pd.DataFrame, folder: str | None, expected_hash: str, options: dict, with_input: bool) -> pd.DataFrame:
    """One partition's screening columns, with the partition's index (runs on a worker)."""
    rulebook = _rulebook(folder, expected_hash)
    _STATE["partitions"] += 1
    return _screen_frame(rulebook, frame, options, with_input)


def _screen_frame(rulebook: Rulebook, frame: pd.DataFrame, options: dict, with_input: bool) -> pd.DataFrame:
    import pandas as pd

    from .screen import result_schema

    screening = rulebook.screen(frame.reset_index(drop=True), **options)
    out = screening.table.cast(result_schema()).to_pandas(types_mapper=pd.ArrowDtype)
    out.index = frame.index
    return pd.concat([frame, out], axis=1) if with_input else out
