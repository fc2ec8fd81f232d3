"""Work that runs in a thread while the build writes its stores.

Oxigraph's bulk loader and query evaluation release the GIL, so Python work that the next stages do not
need (the modelling check: warnings only) can run meanwhile and cost the build little wall time. Its
result, or its error, is handed over where it is needed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Background(Generic[T]):
    """`work()` started in a daemon thread; `result()` waits for it and returns its value or raises its error."""

    def __init__(self, work: Callable[[], T], name: str = "kg-background") -> None:
        self._work = work
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # handed to the thread that asks for the result
            self._error = exc

    def result(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


__all__ = ["Background"]
