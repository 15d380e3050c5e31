"""A journey's flow as a layered graph, for the HTML flow chart (`html_flow.py`): the
ways out of each step with their labels and counts, the layer of each step, and an
order within each layer that keeps arrows from crossing needlessly.

- Ways out: one edge per (step, next step); two ways to the same step (a `wait_for`
  whose event and timeout both lead to `done`) are one arrow with both labels. A split
  branch is labelled with its condition (`condition_text`), not its number.
- Counts: how many moves took each edge. The replay's totals keep, per step, its visits
  and the entries that ended there, not the moves between steps, so the counts are
  solved from those: what leaves a step (visits less endings) is the sum of its
  out-edges, what reaches a step (visits, less the entries starting there) the sum of its
  in-edges. An edge is counted once its equation has no other unknown; an edge the
  totals do not pin down (two steps both splitting to the same two steps) gets no count.
  A customer who entered twice is counted twice, as in a step's visits.
- Layers: loops found by a depth-first walk from the start are drawn around the side;
  the rest is layered by the longest path, so every other arrow points down and the
  exit step sits at the bottom. An edge over several layers passes through a narrow
  placeholder in each, so it goes around the boxes between.
- Order: a few sweeps down and up, each putting a layer's items in the order of the
  mean position of their neighbours in the layer before (the barycentre); the order
  with the fewest crossings is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from cjo_cli.engine.replay_stats import JourneyTotals
from cjo_cli.model import AbStep, Journey, SplitStep, Step, WaitAnyStep, WaitForStep
from cjo_cli.output.condition_text import condition_text, filter_text

SWEEPS = 4


@dataclass(frozen=True)
class FlowEdge:
    source: str
    target: str
    labels: tuple[str, ...] = ()
    """What takes a customer this way: the event, `timeout`, the condition, the variant."""

    @property
    def label(self) -> str:
        return " / ".join(self.labels)


def ways_out(step: Step) -> list[tuple[str, str]]:
    """(target, label) of each way out of a step, in the YAML's order."""
    if isinstance(step, WaitForStep):
        return [(step.next, filter_text(step.event)), (step.on_timeout, "timeout")]
    if isinstance(step, WaitAnyStep):
        return [(p.next, filter_text(p.event)) for p in step.paths] + [(step.else_step, "else")]
    if isinstance(step, SplitStep):
        return [
            (b.next, "else" if b.condition is None else condition_text(b.condition))
            for b in step.branches
        ]
    if isinstance(step, AbStep):
        return [(variant.next, variant.name) for variant in step.variants]
    return [(target, "") for target, _ in step.successors()]


def journey_edges(journey: Journey) -> list[FlowEdge]:
    """One edge per (step, next step) that both exist, labels merged, in step order."""
    merged: dict[tuple[str, str], list[str]] = {}
    for step_id, step in journey.steps.items():
        for target, label in ways_out(step):
            if target in journey.steps:
                labels = merged.setdefault((step_id, target), [])
                if label and label not in labels:
                    labels.append(label)
    return [FlowEdge(s, t, tuple(labels)) for (s, t), labels in merged.items()]


def edge_counts(
    journey: Journey, edges: list[FlowEdge], totals: JourneyTotals
) -> dict[tuple[str, str], int]:
    """The moves along each edge that the totals determine (see the module's notes)."""
    steps = totals.steps
    leaving = {s: steps[s].total - sum(steps[s].left.values()) for s in journey.steps if s in steps}
    arriving = {s: steps[s].total for s in journey.steps if s in steps}
    if journey.start in arriving:
        arriving[journey.start] -= totals.treated.entries
    outs: dict[str, list[tuple[str, str]]] = {}
    ins: dict[str, list[tuple[str, str]]] = {}
    for edge in edges:
        key = (edge.source, edge.target)
        outs.setdefault(edge.source, []).append(key)
        ins.setdefault(edge.target, []).append(key)
    known: dict[tuple[str, str], int] = {}
    equations = [(leaving.get(s), keys) for s, keys in outs.items()]
    equations += [(arriving.get(t), keys) for t, keys in ins.items()]
    progress = True
    while progress:
        progress = False
        for total, keys in equations:
            unknown = [key for key in keys if key not in known]
            if total is None or len(unknown) != 1:
                continue
            found = total - sum(known[key] for key in keys if key in known)
            if found < 0:
                # Totals that do not add up (an entry ended before its first step):
                # better no number than a wrong one.
                continue
            known[unknown[0]] = found
            progress = True
    # An equation that does not hold once all its edges are solved: those counts are
    # not to be trusted either.
    wrong = {
        key
        for total, keys in equations
        if total is not None
        and all(key in known for key in keys)
        and sum(known[key] for key in keys) != total
        for key in keys
    }
    return {key: count for key, count in known.items() if key not in wrong}


@dataclass
class FlowLayout:
    layers: list[list[str]]
    """Per layer, top down, its steps and placeholders from left to right."""
    depth: dict[str, int]
    chains: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """The placeholders a downward edge passes, layer by layer (none between neighbours)."""
    side: list[tuple[str, str]] = field(default_factory=list)
    """Edges drawn around the right side: loops back, and edges within a layer."""

    def is_step(self, item: str) -> bool:
        return not item.startswith("\x00")


def _back_edges(journey: Journey, edges: list[FlowEdge]) -> set[tuple[str, str]]:
    """Edges to a step still open in a depth-first walk (from the start, then from each
    step not yet seen): the loops."""
    nexts: dict[str, list[str]] = {}
    for edge in edges:
        nexts.setdefault(edge.source, []).append(edge.target)
    state: dict[str, int] = {}  # 1 open, 2 done
    back: set[tuple[str, str]] = set()
    for root in [journey.start, *journey.steps]:
        if root in state or root not in journey.steps:
            continue
        stack = [(root, iter(nexts.get(root, [])))]
        state[root] = 1
        while stack:
            node, pending = stack[-1]
            target = next(pending, None)
            if target is None:
                state[node] = 2
                stack.pop()
            elif state.get(target) == 1:
                back.add((node, target))
            elif target not in state:
                state[target] = 1
                stack.append((target, iter(nexts.get(target, []))))
    return back


def _depths(journey: Journey, edges: list[FlowEdge], back: set[tuple[str, str]]) -> dict[str, int]:
    """The longest path from the start over the edges that are not loops; steps the
    start does not reach go in a layer of their own, last."""
    forward = [(e.source, e.target) for e in edges if (e.source, e.target) not in back]
    depth = {journey.start: 0}
    changed = True
    while changed:  # the forward edges form no cycle: this ends within len(steps) rounds
        changed = False
        for source, target in forward:
            if source in depth and depth.get(target, -1) < depth[source] + 1:
                depth[target] = depth[source] + 1
                changed = True
    last = max(depth.values(), default=0) + 1
    for step_id in journey.steps:
        depth.setdefault(step_id, last)
    return depth


def crossings(layers: list[list[str]], links: list[tuple[str, str]]) -> int:
    """Pairs of links between neighbouring layers that cross."""
    where = {
        item: (level, index)
        for level, items in enumerate(layers)
        for index, item in enumerate(items)
    }
    by_level: dict[int, list[tuple[int, int]]] = {}
    for upper, lower in links:
        level, top = where[upper]
        by_level.setdefault(level, []).append((top, where[lower][1]))
    found = 0
    for pairs in by_level.values():
        for index, (a_top, a_low) in enumerate(pairs):
            for b_top, b_low in pairs[index + 1 :]:
                found += (a_top - b_top) * (a_low - b_low) < 0
    return found


def _centre(position: dict[str, int], near: list[str], otherwise: float) -> float:
    """The mean position of an item's neighbours in the reference layer; without any
    there, `otherwise` (its own place, scaled to that layer's width), so that it keeps
    about its place among the items that have some."""
    found = [position[n] for n in near if n in position]
    return sum(found) / len(found) if found else otherwise


def _sweep(layers: list[list[str]], neighbours: dict[str, list[str]], down: bool) -> None:
    order = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
    for level in order:
        ref = layers[level - 1] if down else layers[level + 1]
        position = {item: index for index, item in enumerate(ref)}
        items = layers[level]
        keys = [
            _centre(position, neighbours.get(item, []), index * len(ref) / max(len(items), 1))
            for index, item in enumerate(items)
        ]
        keyed = sorted(range(len(items)), key=lambda index: (keys[index], index))
        layers[level] = [items[index] for index in keyed]


def layout(journey: Journey, edges: list[FlowEdge]) -> FlowLayout:
    """Layers, placeholders and an order with few crossings (see the module's notes)."""
    back = _back_edges(journey, edges)
    depth = _depths(journey, edges, back)
    result = FlowLayout([[] for _ in range(max(depth.values(), default=0) + 1)], depth)
    for step_id in journey.steps:
        result.layers[depth[step_id]].append(step_id)
    links: list[tuple[str, str]] = []
    for edge in edges:
        key = (edge.source, edge.target)
        low, high = depth[edge.source], depth[edge.target]
        if key in back or high <= low:
            result.side.append(key)
            continue
        chain = [f"\x00{edge.source}\x00{edge.target}\x00{level}" for level in range(low + 1, high)]
        for level, item in zip(range(low + 1, high), chain, strict=True):
            result.layers[level].append(item)
        result.chains[key] = chain
        path = [edge.source, *chain, edge.target]
        links += list(pairwise(path))
    up: dict[str, list[str]] = {}
    down: dict[str, list[str]] = {}
    for upper, lower in links:
        up.setdefault(lower, []).append(upper)
        down.setdefault(upper, []).append(lower)
    best = [list(items) for items in result.layers]
    fewest = crossings(best, links)
    current = [list(items) for items in best]
    for _ in range(SWEEPS):
        for is_down in (True, False):
            _sweep(current, up if is_down else down, is_down)
            found = crossings(current, links)
            if found < fewest:
                best, fewest = [list(items) for items in current], found
    result.layers = best
    return result
