"""`with thing:` for everything that holds a device, a file or a model."""

from __future__ import annotations

from types import TracebackType
from typing import TypeVar

_T = TypeVar("_T", bound="Closing")


class Closing:
    """A resource released by close(); `with` calls close() however the block ends."""

    def close(self) -> None:
        """Release what is held (subclasses say what)."""

    def __enter__(self: _T) -> _T:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
