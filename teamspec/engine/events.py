"""Build events: what the engine tells a progress view while it runs.

``build(on_event=...)`` calls the callback synchronously, in the engine's
thread, for every event; the callback must be quick and must not raise.

Kinds (``BuildEvent.kind``):

``build_started``     ``total`` contracts, ``workers``, ``message`` = output dir
``contract_started``  ``contract``, ``attempt``, ``message`` = executor name
``contract_retry``    ``contract``, ``attempt`` (the one that failed), ``delay_s``,
                      ``message`` = why
``contract_finished`` ``contract``, ``status`` (succeeded, failed, error,
                      blocked, up_to_date), ``reason``, ``duration_s``, ``attempt``
``tick``              periodic (every 0.5 s while contracts run), for live views
``build_finished``    ``status`` = ``ok``, ``failed`` or ``interrupted``,
                      ``duration_s`` = wall time, ``counts``
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

EventKind = Literal[
    "build_started", "contract_started", "contract_retry", "contract_finished", "tick",
    "build_finished",
]


@dataclass(frozen=True)
class BuildEvent:
    kind: EventKind
    time_s: float  # seconds since the build started
    contract: str | None = None
    status: str | None = None
    reason: str = ""
    attempt: int = 0
    duration_s: float = 0.0
    delay_s: float = 0.0
    message: str = ""
    total: int = 0
    workers: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)


EventCallback = Callable[[BuildEvent], None]
