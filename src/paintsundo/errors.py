"""The one exception type that means "the user asked for something we cannot do"."""

from __future__ import annotations


class PaintsUndoError(Exception):
    """A problem with the user's input or environment, worded as one line that says what to do.

    `setting` names the setting it concerns (as `Settings` and the API spell it), so that a front
    end can point at its own control: the CLI adds the flag. The CLI prints it without a traceback
    and exits with status 2. Anything else that escapes is a bug in paintsundo and keeps its
    traceback.
    """

    def __init__(self, message: str, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting
