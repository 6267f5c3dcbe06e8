"""The one exception type that means "the user asked for something we cannot do"."""


class PaintsUndoError(Exception):
    """A problem with the user's input or environment, worded as one line that says what to do.

    The CLI prints it without a traceback and exits with status 2. Anything else that escapes is a
    bug in paintsundo and keeps its traceback.
    """
