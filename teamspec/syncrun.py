"""Running a coroutine to completion from synchronous code.

``teamspec.build`` and the Claude planning calls are synchronous entry
points over asyncio. Called from plain code they use :func:`asyncio.run`;
called where an event loop is already running (a Jupyter kernel runs one in
its main thread) they run the coroutine in a thread of their own and wait
for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(make: Callable[[], Awaitable[T]], *, thread_name: str = "teamspec") -> T:
    """The result of the awaitable ``make()`` returns (its exception, raised
    here), made and awaited in a new event loop."""

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(asyncio.run(main()))
        except BaseException as exc:
            box.append(exc)

    t = threading.Thread(target=target, name=thread_name)
    t.start()
    t.join()
    if isinstance(box[0], BaseException):
        raise box[0]
    result: T = box[0]
    return result


__all__ = ["run_sync"]
