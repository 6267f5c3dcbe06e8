"""What parts a drawing into regions: its confident lines, with small gaps closed. Hatching shades
a region and faint guides only show how it was built: neither is a wall."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintsundo.coloring.procedural.hatching import find_hatching
from paintsundo.coloring.procedural.lines import LineArt
from paintsundo.coloring.procedural.regions import boundaries, gap_for, split_regions, touching_border

WALLED_SHARE = 0.5  # of a boundary: two regions parted by less confident line than this are one
ENCLOSED_SHARE = 0.75  # of its whole boundary: a region this much within confident lines is closed
MIN_SCRIBBLE_PIXELS = 4  # of a scribble in a region: fewer, and it only grazes it


@dataclass(frozen=True)
class Walls:
    barrier: np.ndarray  # h w bool: the lines a colour stops at (hatching shades, it is none)
    confident: np.ndarray  # h w bool: those of them drawn firmly
    line_width: float  # pixels


def walls_of(lines: LineArt) -> Walls:
    """The drawing's walls: its barrier less the strokes of its hatching that end in the open, its
    confident lines less all of its hatching. A stroke that runs from line to line (across a leg,
    say) stays in the barrier: it may be the contour itself (the leg's foot, below the last stroke);
    the regions between such strokes are made one by `merge_unwalled`."""
    hatching = find_hatching(lines.barrier, gap_for(lines.barrier.shape))
    return Walls(lines.barrier & ~hatching.loose, lines.confident & ~hatching.strokes, hatching.line_width)


def regions_between(walls: Walls, scribbles: np.ndarray | None = None) -> np.ndarray:
    """Regions between the walls, gaps closed (h w int32, 1..n; see `regions.split_regions`), those
    that only faint lines, hatching or a closed gap part made one again (see `merge_unwalled`).
    `scribbles` (h w bool) are where the colour hints lie, if any."""
    labels = split_regions(walls.barrier, gap_for(walls.barrier.shape))
    return merge_unwalled(labels, walls.confident, scribbles)


def merge_unwalled(
    labels: np.ndarray, confident: np.ndarray, scribbles: np.ndarray | None = None
) -> np.ndarray:
    """Neighbouring regions made one where less than WALLED_SHARE of the boundary between them runs
    along a confident line: a head that a faint construction circle cut in two, the strips between
    strokes of hatching, the two sides of a narrow waist. Where a confident line has a small gap,
    the line still runs along most of the boundary, and the gap stays closed. Two closed regions
    (each mostly within confident lines) that a confident line parts are never joined by a way round
    (strips of hatching that reach both), and a scribbled region is not joined to the unscribbled
    paper around the drawing (a shape drawn faintly, and coloured, keeps its colour in). Joined in
    order of the least confident boundary first; labels renumbered 1..m."""
    # Closed, so that grainy pencil, its pixels not all past the confident level, is a line throughout.
    solid = cv2.morphologyEx(confident.view(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).view(bool)
    pairs, lengths, walled = boundaries(labels, solid)
    share = walled / np.maximum(lengths, 1)
    joins = np.flatnonzero(share < WALLED_SHARE)
    if len(joins) == 0:
        return labels
    count = int(labels.max()) + 1
    around = np.bincount(pairs.ravel(), weights=np.repeat(lengths, 2), minlength=count)
    within = np.bincount(pairs.ravel(), weights=np.repeat(walled, 2), minlength=count)
    closed = within >= ENCLOSED_SHARE * around
    apart = (share >= WALLED_SHARE) & (lengths >= gap_for(labels.shape)) & closed[pairs].all(axis=1)
    scribbled = np.zeros(count, bool)
    if scribbles is not None:
        scribbled = np.bincount(labels[scribbles], minlength=count) >= MIN_SCRIBBLE_PIXELS
    groups = _Groups(pairs[apart], scribbled, touching_border(labels))
    for first, second in pairs[joins[np.argsort(share[joins], kind="stable")]].tolist():
        groups.join(first, second)
    root = np.array([groups.find(label) for label in range(count)])
    _, renumbered = np.unique(root[1:], return_inverse=True)
    return np.concatenate([[0], renumbered + 1]).astype(np.int32)[labels]


class _Groups:
    """Regions joined into groups (union-find, Tarjan 1975), each group's foes, whether it holds a
    scribble and whether it reaches the picture's border kept by its root label."""

    def __init__(self, apart: np.ndarray, scribbled: np.ndarray, border: np.ndarray) -> None:
        self.root = np.arange(len(scribbled))
        self.scribbled, self.border = scribbled.copy(), border.copy()
        self.foes: dict[int, set[int]] = {}
        for first, second in apart.tolist():
            self.foes.setdefault(first, set()).add(second)
            self.foes.setdefault(second, set()).add(first)

    def find(self, label: int) -> int:
        while self.root[label] != label:
            self.root[label] = self.root[self.root[label]]
            label = int(self.root[label])
        return label

    def join(self, first: int, second: int) -> None:
        """One group of the two labels' groups, unless they are foes or one would colour the other."""
        kept, joined = self.find(first), self.find(second)
        if kept == joined or joined in self.foes.get(kept, ()):
            return
        for inside, outside in ((kept, joined), (joined, kept)):
            if self.scribbled[inside] and self.border[outside] and not self.scribbled[outside]:
                return
        if len(self.foes.get(kept, ())) < len(self.foes.get(joined, ())):
            kept, joined = joined, kept
        self.root[joined] = kept
        self.scribbled[kept] |= self.scribbled[joined]
        self.border[kept] |= self.border[joined]
        for foe in self.foes.pop(joined, set()):
            self.foes[foe].discard(joined)
            self.foes[foe].add(kept)
            self.foes.setdefault(kept, set()).add(foe)
