"""Backwards: a finished picture in, a video of it being drawn out.

Two engines draw it: the procedural engine (`procedural`, no weights, the CPU) and Paints-UNDO's
neural pipeline (`pipeline`, with the machinery that places, compiles and prepares its models in
`runtime`). `api` chooses between them and writes the video; `settings` and `manifest` describe a run.
"""
