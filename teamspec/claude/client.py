"""The model behind a small protocol: :class:`LLMClient`.

:class:`AnthropicClient` is the implementation over the official SDK
(``anthropic`` 2.x, async client on httpx2):

* ``create(request)`` sends ``messages.create(**request)`` and returns an
  :class:`LLMResponse`: the content blocks as API-shaped dicts (ready to be
  sent back as the assistant turn), the stop reason and its details, and the
  usage of the call (input, output, cache-write and cache-read tokens) with
  its cost from the price table (:mod:`teamspec.claude.prices`);
* retries are the SDK's (``max_retries``): 408, 409, 429, 5xx and 529, and
  connection errors and timeouts, waiting what ``retry-after`` /
  ``retry-after-ms`` says, else exponential backoff. What still fails is
  raised as :class:`LLMError`, ``transient`` when trying the contract again
  later may succeed (the engine's contract-level retries);
* the request timeout is ``timeout_s`` per HTTP attempt;
* a :class:`~teamspec.claude.budget.Budget` is consulted before every call
  (:class:`LLMError` ``budget_exhausted`` when the call could exceed it) and
  charged after it;
* ``record`` / ``replay`` put a recording or replaying transport under the
  SDK (:mod:`teamspec.claude.recording`).

The API key is only ever handed to the SDK; it is not kept in any message,
log or record (the recording transport drops the auth headers and scrubs the
key from what it writes).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from teamspec.claude import DEFAULT_MODEL
from teamspec.claude.budget import Budget, BudgetExhausted, TokenEstimator
from teamspec.claude.prices import Price, price_for
from teamspec.errors import ConfigurationError

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

API_KEY_ENV = "ANTHROPIC_API_KEY"
BASE_URL_ENV = "ANTHROPIC_BASE_URL"


@dataclass(frozen=True)
class ClientSettings:
    """How the SDK client is made. ``base_url`` None: the SDK reads
    ``ANTHROPIC_BASE_URL``, else the public API."""

    model: str = DEFAULT_MODEL
    max_retries: int = 4
    timeout_s: float = 600.0
    base_url: str | None = None


@dataclass(frozen=True)
class CallUsage:
    """Token counts of one call, as the API reported them."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def total_input(self) -> int:
        """Every input token of the request: uncached + cache writes + cache reads."""
        return self.input_tokens + self.cache_write_tokens + self.cache_read_tokens


@dataclass(frozen=True)
class LLMResponse:
    """One answer of the model."""

    id: str
    model: str
    content: tuple[Mapping[str, Any], ...]
    stop_reason: str | None
    usage: CallUsage
    cost_usd: float
    stop_details: Mapping[str, Any] | None = None
    request_bytes: int = 0

    def text(self) -> str:
        return "".join(str(b.get("text", "")) for b in self.content if b.get("type") == "text")

    def tool_uses(self) -> list[Mapping[str, Any]]:
        return [b for b in self.content if b.get("type") == "tool_use"]


class LLMError(Exception):
    """A call that did not produce an answer. ``kind``: ``rate_limited``,
    ``overloaded``, ``server_error``, ``timeout``, ``connection``,
    ``authentication``, ``permission``, ``bad_request``, ``not_found``,
    ``api_error``, ``replay_miss`` or ``budget_exhausted``."""

    def __init__(self, kind: str, message: str, *, transient: bool,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.transient = transient
        self.status = status


class LLMClient(Protocol):
    """What the executor, the analysis and the judge need from a model."""

    model: str
    price: Price
    budget: Budget

    async def create(self, request: Mapping[str, Any]) -> LLMResponse: ...

    async def aclose(self) -> None: ...


def api_key_from_env(env: Mapping[str, str] | None = None) -> str | None:
    value = (os.environ if env is None else env).get(API_KEY_ENV, "")
    return value.strip() or None


def require_api_key(env: Mapping[str, str] | None = None) -> str:
    """The API key from ``ANTHROPIC_API_KEY``, or ConfigurationError (exit 2)
    naming the variable and the offline alternative."""
    key = api_key_from_env(env)
    if key is None:
        raise ConfigurationError(
            f"the claude executor needs an Anthropic API key: set {API_KEY_ENV} "
            f"(export {API_KEY_ENV}=...), or build without Claude: --executor offline "
            "(or replay a recorded build with --replay DIR)"
        )
    return key


def _block_dict(block: Any) -> dict[str, Any]:
    """A response content block as it is sent back in a request."""
    exclude = getattr(block, "__api_exclude__", None)
    return cast(dict[str, Any], block.model_dump(mode="json", exclude_unset=True, by_alias=True,
                                                 exclude=exclude))


def _request_bytes(request: Mapping[str, Any]) -> int:
    return len(json.dumps(request, ensure_ascii=False, separators=(",", ":"), default=str)
               .encode("utf-8"))


class AnthropicClient:
    """:class:`LLMClient` over ``anthropic.AsyncAnthropic`` (see the module
    docstring). Usable from several event loops one after the other (the SDK
    client is made per loop); :meth:`aclose` closes the current one."""

    def __init__(
        self,
        *,
        api_key: str,
        settings: ClientSettings | None = None,
        price: Price | None = None,
        budget: Budget | None = None,
        record: Path | None = None,
        replay: Path | None = None,
        label: str = "build",
    ) -> None:
        self.settings = settings or ClientSettings()
        self.model = self.settings.model
        self.price = price or price_for(self.model)
        self.budget = budget or Budget(None)
        self.estimator = TokenEstimator()
        self._api_key = api_key
        self._record = record
        self._replay = replay
        self._sink: Any = None
        self._store: Any = None
        if record is not None:
            from teamspec.claude.recording import RecordSink

            self._sink = RecordSink(record, label, secrets=(api_key,))
        if replay is not None:
            from teamspec.claude.recording import ReplayStore

            try:
                self._store = ReplayStore(replay)
            except ValueError as exc:
                raise ConfigurationError(f"--replay {replay}: {exc}") from None
            if self._store.total == 0:
                raise ConfigurationError(
                    f"--replay {replay}: no recorded exchanges (*.jsonl) in that directory; "
                    "record a build first with --record DIR")
        self._sdk_client: AsyncAnthropic | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.calls = 0

    def __repr__(self) -> str:  # never show the key
        return f"AnthropicClient(model={self.model!r})"

    # -- SDK client --------------------------------------------------------
    def _make_sdk(self) -> AsyncAnthropic:
        import httpx2
        from anthropic import AsyncAnthropic

        http_client: httpx2.AsyncClient | None = None
        if self._store is not None:
            from teamspec.claude.recording import ReplayTransport

            http_client = httpx2.AsyncClient(transport=ReplayTransport(self._store),
                                             timeout=self.settings.timeout_s)
        elif self._sink is not None:
            from teamspec.claude.recording import RecordingTransport

            http_client = httpx2.AsyncClient(
                transport=RecordingTransport(httpx2.AsyncHTTPTransport(), self._sink),
                timeout=self.settings.timeout_s, follow_redirects=True)
        return AsyncAnthropic(
            api_key=self._api_key,
            base_url=self.settings.base_url,
            max_retries=self.settings.max_retries,
            timeout=self.settings.timeout_s,
            http_client=http_client,
        )

    def _sdk(self) -> AsyncAnthropic:
        loop = asyncio.get_running_loop()
        if self._sdk_client is None or self._loop is not loop:
            self._sdk_client = self._make_sdk()
            self._loop = loop
        return self._sdk_client

    async def aclose(self) -> None:
        sdk, self._sdk_client, self._loop = self._sdk_client, None, None
        if sdk is not None:
            await sdk.close()

    # -- calls -------------------------------------------------------------
    async def create(self, request: Mapping[str, Any]) -> LLMResponse:
        """Send one Messages API request (the keyword arguments of
        ``messages.create``); see the module docstring."""
        import anthropic

        from teamspec.claude.recording import ReplayMissError

        size = _request_bytes(request)
        max_tokens = int(request.get("max_tokens", 0))
        try:
            reservation = self.budget.reserve(
                self.budget.worst_case(self.price, self.estimator.estimate(size), max_tokens))
        except BudgetExhausted as exc:
            raise LLMError("budget_exhausted", str(exc), transient=False) from None
        cost = 0.0
        attempts = self.settings.max_retries + 1
        try:
            sdk = self._sdk()
            message = await cast(Any, sdk.messages).create(**request)
            u = message.usage
            usage = CallUsage(
                input_tokens=int(u.input_tokens or 0),
                output_tokens=int(u.output_tokens or 0),
                cache_write_tokens=int(u.cache_creation_input_tokens or 0),
                cache_read_tokens=int(u.cache_read_input_tokens or 0),
            )
            cost = self.price.cost(usage.input_tokens, usage.output_tokens,
                                   usage.cache_write_tokens, usage.cache_read_tokens)
        except ReplayMissError as exc:
            raise LLMError("replay_miss", str(exc), transient=False) from None
        except anthropic.APITimeoutError:
            raise LLMError("timeout", f"the API did not answer within {self.settings.timeout_s:g} s "
                           f"({attempts} attempt(s))", transient=True) from None
        except anthropic.APIConnectionError as exc:
            raise LLMError("connection", f"cannot reach the API ({attempts} attempt(s)): "
                           f"{_cause(exc)}", transient=True) from None
        except anthropic.APIStatusError as exc:
            raise _status_error(exc, attempts) from None
        except anthropic.AnthropicError as exc:
            raise LLMError("api_error", f"{type(exc).__name__}: {exc}", transient=False) from None
        finally:
            self.budget.settle(reservation, cost)
        self.calls += 1
        self.estimator.observe(size, usage.total_input)
        stop_details = message.stop_details
        return LLMResponse(
            id=str(message.id),
            model=str(message.model),
            content=tuple(_block_dict(b) for b in message.content),
            stop_reason=message.stop_reason,
            usage=usage,
            cost_usd=cost,
            stop_details=None if stop_details is None else stop_details.model_dump(mode="json"),
            request_bytes=size,
        )


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__
    if cause is not None and str(cause):
        return f"{type(cause).__name__}: {cause}"
    return str(exc)


_STATUS_KINDS: dict[int, tuple[str, bool]] = {
    400: ("bad_request", False),
    401: ("authentication", False),
    403: ("permission", False),
    404: ("not_found", False),
    408: ("timeout", True),
    409: ("conflict", True),
    413: ("request_too_large", False),
    429: ("rate_limited", True),
    529: ("overloaded", True),
}


def _status_error(exc: Any, attempts: int) -> LLMError:
    status = int(exc.status_code)
    kind, transient = _STATUS_KINDS.get(status, ("server_error", True) if status >= 500
                                        else ("api_error", False))
    detail = exc.api_message or ""
    etype = exc.type or ""
    what = f"{status} {etype}".strip()
    tail = f": {detail}" if detail else ""
    after = f" after {attempts} attempt(s)" if transient else ""
    hint = ""
    if status == 401:
        hint = f"; check {API_KEY_ENV}"
    return LLMError(kind, f"the API answered {what}{after}{tail}{hint}", transient=transient,
                    status=status)


@dataclass
class ClientFactory:
    """Makes clients for one build (the executor) or one planning run."""

    settings: ClientSettings = field(default_factory=ClientSettings)
    record: Path | None = None
    replay: Path | None = None

    def make(self, *, budget: Budget | None = None, label: str = "build",
             env: Mapping[str, str] | None = None) -> AnthropicClient:
        """A client; raises ConfigurationError without a key (except when
        replaying, which needs none) or for a model without a price."""
        price = price_for(self.settings.model)
        if self.replay is not None:
            key = api_key_from_env(env) or "replay-without-key"
        else:
            key = require_api_key(env)
        return AnthropicClient(api_key=key, settings=self.settings, price=price, budget=budget,
                               record=self.record, replay=self.replay, label=label)


__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_MODEL",
    "AnthropicClient",
    "CallUsage",
    "ClientFactory",
    "ClientSettings",
    "LLMClient",
    "LLMError",
    "LLMResponse",
    "api_key_from_env",
    "require_api_key",
]
