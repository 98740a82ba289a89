"""Claude personas: the ``claude`` executor and AI analysis and design.

Modules, one concern each:

* :mod:`.client` -- the ``LLMClient`` protocol and ``AnthropicClient`` over
  the official ``anthropic`` SDK (async, 2.x): retries, timeouts, usage and
  cost per call, budget, record/replay;
* :mod:`.prices` (+ ``prices.json``) -- the price table;
* :mod:`.budget` -- ``budget_usd`` enforcement;
* :mod:`.recording` -- ``--record`` / ``--replay`` at the HTTP transport;
* :mod:`.tools` -- the file tools, confined to the workspace;
* :mod:`.prompts` -- the prompt, laid out for prompt caching;
* :mod:`.executor` -- the tool-use loop (registered as ``claude``);
* :mod:`.judge` -- free-text acceptance criteria judged with a rationale;
* :mod:`.analysis` -- requirement analysis and contract design with
  structured output, falling back to the heuristic.

Nothing here imports ``anthropic`` at package import time.
"""

from __future__ import annotations

DEFAULT_MODEL = "claude-sonnet-5-5"

__all__ = ["DEFAULT_MODEL"]
