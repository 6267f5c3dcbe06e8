"""The Paints-UNDO networks, architecture only: module attributes follow the released tensor names.

Nothing here loads weights, picks devices or samples; see `paintsundo.weights` and the samplers.
"""
