"""How far a reader's pass over its export has got: for the dry run's estimate of the time left."""

from __future__ import annotations


class ReadPosition:
    """The share of the export's bytes a pass has read (``Reader.progress``); 1.0 once it has read them
    all. A reader makes one for each pass, and the code that reads the bytes moves it on."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = 0.0
