"""Moved to `paintsundo.coloring` (import `colorize` and `make_colorized` from `paintsundo`); this
alias stays for one release."""

import warnings

from paintsundo.coloring.api import ColorizeResult, colorize, make_colorized

warnings.warn(
    "paintsundo.colorize moved: import colorize and make_colorized from paintsundo",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["ColorizeResult", "colorize", "make_colorized"]
