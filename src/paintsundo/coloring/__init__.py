"""Forwards: a line drawing and colour scribbles in, a coloured illustration (and a video of it
being coloured) out.

`api` chooses the colourist and writes the results; `procedural` colours on the CPU from the
scribbles; `neural` and `controlnet` run ControlNet's lineart_anime through diffusers.
"""
