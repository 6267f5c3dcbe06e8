"""Paints-UNDO's neural pipeline: the tagger's prompt, keyframes from the single-frame model, and the
video between them from the multi-frame model, as the reference app runs them."""
