"""Moved to `paintsundo.undo.settings` (import `Settings` from `paintsundo`); this alias stays for
one release."""

import warnings

from paintsundo.undo.settings import Settings

warnings.warn("paintsundo.settings moved: import Settings from paintsundo", DeprecationWarning, stacklevel=2)

__all__ = ["Settings"]
