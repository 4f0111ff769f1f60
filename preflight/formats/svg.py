"""The architecture diagram as an inline SVG picture, laid out by our own code (no script, no network).

It draws the same graph as the Mermaid flowchart (`mermaid.build`): VNets holding their subnets and the
private endpoints and compute in them, each workspace's managed network with its outbound rules, the
workspace, identities, key vaults, keys, storage, registry and monitoring, and the edges between them.

Layout, deterministic and small enough to read with a pen: every top-level box (a VNet, a managed network, a
resource outside any box) is a *block*; blocks are put in columns left to right by the longest path of
edges between them (cycles broken in declaration order, undirected `---` links only where they agree),
ordered inside a column by the mean row of their predecessors, and stacked. Inside a box, resources sit in a
grid and nested boxes (subnets) below it. Edges run from side to side as curves whose ends are spread along
each side; edges between the same two resources are drawn once with their labels joined. Text widths are
estimated from character counts (no font metrics), so the same graph gives byte-identical SVG everywhere.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape

from ..report import PreflightResult
from .mermaid import build

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
_LINE = 15  # line height of node text
_PAD = 8  # padding inside a node
_GROUP_PAD = 12  # padding inside a box
_CELL_GAP = 10  # gap between resources in a box's grid
_ROW_GAP = 22  # gap between blocks in a column
_COL_GAP = 150  # gap between columns (room for edge labels)
_BAND_GAP = 40  # gap between the bands of unconnected parts
_MIN_W, _MAX_W = 120, 300  # node width bounds; longer lines are cut with an ellipsis
_MAX_GRID_COLS = 3

# Fill and stroke per diagram kind, and the legend's name for it.
_STYLE = {
    "pe": ("#e3eefb", "#3f72af", "private endpoint"),
    "workspace": ("#dff3e4", "#2f7d4a", "ML workspace"),
    "compute": ("#fff1db", "#b26b00", "compute"),
    "rule": ("#f2f2f2", "#767676", "outbound rule"),
    "identity": ("#fff8c5", "#9a7d00", "managed identity"),
    "principal": ("#fffbe6", "#9a7d00", "principal"),
    "vault": ("#fbe4e1", "#b3412f", "key vault"),
    "key": ("#fbe4e1", "#b3412f", "key"),
    "storage": ("#e6f4ea", "#3b7d4f", "storage account"),
    "registry": ("#e6f4ea", "#3b7d4f", "container registry"),
    "appinsights": ("#f0e6fa", "#7a4aa8", "Application Insights"),
    "loganalytics": ("#f0e6fa", "#7a4aa8", "Log Analytics"),
    "aiservices": ("#fde8f3", "#a8326e", "AI Services account"),
}
_DEFAULT_STYLE = ("#ffffff", "#57606a", "resource")
_GROUP_STYLE = {
    "vnet": ("#f3f8ff", "#3f72af"),
    "snet": ("#e9f2fd", "#6b93c4"),
    "mnet": ("#f5f2fc", "#7a4aa8"),
}
_VIOLATION = {"mandatory": ("#d1242f", 3.0, ""), "advisory": ("#bf8700", 2.5, "5 3")}


# Advance widths of DejaVu Sans in em (Chromium's default sans-serif on Debian), by character class, rounded
# up; bold is about 14% wider. The estimate errs wide: a cut line is better than text over a box's border.
_EM = [
    ("ijlI.,:;|!'` ", 0.32),
    ("ftr-()[]/", 0.42),
    ("mMW", 1.0),
    ("wBCDGHKNOQRUVX", 0.82),
    ("0123456789", 0.64),
    ("abcdeghknopqsuvxyzJLSTYZ", 0.64),
    ("AEFP", 0.72),
]
_BOLD = 1.14


def _char_em(ch: str) -> float:
    for chars, em in _EM:
        if ch in chars:
            return em
    return 0.8  # anything else (symbols, other scripts): wide


def _text_width(text: str, bold: bool = False, size: float = 11) -> float:
    """Estimated width in pixels at a font size (11px for nodes, 10px for edge labels)."""
    return sum(_char_em(ch) for ch in text) * size * (_BOLD if bold else 1.0)


def _cut(text: str, width: float, bold: bool = False, size: float = 11) -> str:
    """`text`, cut with an ellipsis so that it fits `width` pixels by the estimate above."""
    if _text_width(text, bold, size) <= width:
        return text
    while text and _text_width(text + "…", bold, size) > width:
        text = text[:-1]
    return text + "…"


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two rectangles (x, y, w, h) overlap."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@dataclass
class _Box:
    """A laid-out rectangle (a node or a group) at its position relative to its parent, then absolute."""

    key: str
    w: float = 0.0
    h: float = 0.0
    x: float = 0.0
    y: float = 0.0
    children: list[_Box] = field(default_factory=list)


def _node_size(lines: tuple[str, ...]) -> tuple[float, float]:
    widest = max([_text_width(lines[0], True) if lines else 0.0] + [_text_width(t) for t in lines[1:]])
    w = min(_MAX_W, max(_MIN_W, widest + 2 * _PAD))
    return math.ceil(w), _PAD * 2 + _LINE * max(1, len(lines))


class _Layout:
    """Positions of every node and group of a `mermaid._Diagram`, then the SVG text."""

    def __init__(self, result: PreflightResult) -> None:
        d = build(result)
        self.d = d
        self.kind = {n: kind for n, (kind, _) in d.node_lines.items()}
        self.lines = {n: lines for n, (_, lines) in d.node_lines.items()}
        self.level = {n: cls for cls, ids in d.classes.items() for n in ids}
        self.members = {g: list(ids) for g, ids in d.members.items()}
        self.subgroups: dict[str, list[str]] = defaultdict(list)
        for g in d.groups:
            self.subgroups[d.group_parent.get(g, "")].append(g)
        self.parent: dict[str, str] = {}  # node or group -> its group
        for g, ids in self.members.items():
            for n in ids:
                self.parent[n] = g
        for g, p in d.group_parent.items():
            self.parent[g] = p
        self.pos: dict[str, tuple[float, float, float, float]] = {}  # node or group -> x, y, w, h

    def block_of(self, item: str) -> str:
        """The top-level box an item is drawn in (itself when outside any box)."""
        while item in self.parent:
            item = self.parent[item]
        return item

    def group_box(self, g: str) -> _Box:
        """A group's size, with its grid of members and its nested groups below, positions relative to it."""
        box = _Box(g)
        title = self.d.group_lines.get(g, ())
        top = _GROUP_PAD + _LINE * len(title) + 4
        members = self.members.get(g, [])
        sizes = [_node_size(self.lines[n]) for n in members]
        width: float = max(
            [_text_width(title[0], True) if title else 0.0] + [_text_width(t) for t in title[1:]]
        )
        y: float = top
        if members:
            cols = min(_MAX_GRID_COLS, max(1, math.ceil(math.sqrt(len(members) / 2))), len(members))
            cell_w = max(w for w, _ in sizes)
            rows = math.ceil(len(members) / cols)
            for r in range(rows):
                row = list(zip(members, sizes, strict=True))[r * cols : (r + 1) * cols]
                row_h = max(h for _, (_, h) in row)
                for c, (n, (_, h)) in enumerate(row):
                    box.children.append(_Box(n, cell_w, h, _GROUP_PAD + c * (cell_w + _CELL_GAP), y))
                y += row_h + _CELL_GAP
            width = max(width, cols * cell_w + (cols - 1) * _CELL_GAP)
        for sub in self.subgroups.get(g, []):
            child = self.group_box(sub)
            child.x, child.y = _GROUP_PAD, y
            box.children.append(child)
            y += child.h + _CELL_GAP
            width = max(width, child.w)
        box.w = math.ceil(width + 2 * _GROUP_PAD)
        box.h = round(max(y, top + _LINE) + _GROUP_PAD - (_CELL_GAP if y > top else 0))
        return box

    def columns(self, blocks: list[str]) -> list[list[str]]:
        """Blocks in columns: longest path over the edges between blocks, then ordered by predecessors."""
        order = {b: i for i, b in enumerate(blocks)}
        strong: dict[str, list[str]] = defaultdict(list)
        weak: list[tuple[str, str]] = []
        for a, arrow, b, _ in self.d.edge_list:
            ba, bb = self.block_of(a), self.block_of(b)
            if ba == bb or ba not in order or bb not in order:
                continue
            if arrow == "---":
                weak.append((ba, bb))
            elif bb not in strong[ba]:
                strong[ba].append(bb)
        # Break cycles: depth-first in declaration order, dropping edges back into the current path.
        dag: dict[str, list[str]] = defaultdict(list)
        state: dict[str, int] = {}

        def visit(b: str) -> None:
            state[b] = 1
            for nxt in strong.get(b, []):
                if state.get(nxt) == 1:
                    continue
                dag[b].append(nxt)
                if nxt not in state:
                    visit(nxt)
            state[b] = 2

        for b in blocks:
            if b not in state:
                visit(b)

        def reaches(src: str, dst: str) -> bool:
            seen, todo = {src}, [src]
            while todo:
                cur = todo.pop()
                if cur == dst:
                    return True
                for nxt in dag.get(cur, []):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            return False

        for a, b in weak:
            if not reaches(b, a) and b not in dag[a]:
                dag[a].append(b)
        layer: dict[str, int] = {}

        def depth(b: str) -> int:
            if b not in layer:
                preds = [p for p in blocks if b in dag.get(p, [])]
                layer[b] = 1 + max((depth(p) for p in preds), default=-1)
            return layer[b]

        for b in blocks:
            depth(b)
        cols: list[list[str]] = [[] for _ in range(max(layer.values(), default=0) + 1)]
        for b in blocks:
            cols[layer[b]].append(b)
        preds = {b: [p for p in blocks if b in dag.get(p, [])] for b in blocks}
        for _ in range(2):
            rank = {b: i for col in cols for i, b in enumerate(col)}
            for col in cols[1:]:
                col.sort(
                    key=lambda b: (
                        sum(rank[p] for p in preds[b]) / len(preds[b]) if preds[b] else rank[b],
                        order[b],
                    )
                )
        return cols

    def bands(self, blocks: list[str]) -> list[list[str]]:
        """Blocks split into bands, one per connected part of the graph (one platform of an estate each).

        Principals do not join parts (one group may hold roles on every platform): each goes to the part of
        the first resource it points at. Blocks joined to nothing share the last band.
        """
        root = {b: b for b in blocks}

        def find(b: str) -> str:
            while root[b] != b:
                root[b] = root[root[b]]
                b = root[b]
            return b

        linked: dict[str, list[str]] = defaultdict(list)
        for a, _, b, _ in self.d.edge_list:
            ba, bb = self.block_of(a), self.block_of(b)
            if ba == bb or ba not in root or bb not in root:
                continue
            linked[ba].append(bb)
            linked[bb].append(ba)
            if self.kind.get(ba) != "principal" and self.kind.get(bb) != "principal":
                ra, rb = find(ba), find(bb)
                if ra != rb:
                    root[max(ra, rb, key=blocks.index)] = min(ra, rb, key=blocks.index)
        for b in blocks:
            if self.kind.get(b) == "principal" and linked[b]:
                root[b] = find(linked[b][0])
        parts: dict[str, list[str]] = {}
        alone: list[str] = []
        for b in blocks:
            if not linked[b]:
                alone.append(b)
            else:
                parts.setdefault(find(b), []).append(b)
        return [*parts.values(), *([alone] if alone else [])]

    def place(self) -> tuple[float, float]:
        """Positions of every node and group (absolute); returns the drawing's width and height."""
        blocks = list(self.subgroups.get("", [])) + [n for n in self.d.nodes if n not in self.d.placed]
        boxes = {
            b: (self.group_box(b) if b in self.d.groups else _Box(b, *_node_size(self.lines[b])))
            for b in blocks
        }
        top, right = 20.0, 0.0
        for band in self.bands(blocks):
            cols = self.columns(band)
            heights = [sum(boxes[b].h for b in col) + _ROW_GAP * (len(col) - 1) for col in cols]
            band_h = max(heights, default=0.0)
            x = 20.0
            for col, col_h in zip(cols, heights, strict=True):
                col_w = max(boxes[b].w for b in col)
                y = top + (band_h - col_h) / 2
                for b in col:
                    self._absolute(boxes[b], x + (col_w - boxes[b].w) / 2, y)
                    y += boxes[b].h + _ROW_GAP
                x += col_w + _COL_GAP
            right = max(right, x - _COL_GAP)
            top += band_h + _BAND_GAP
        return round(right + 20), round(top - _BAND_GAP + 20)

    def _absolute(self, box: _Box, x: float, y: float) -> None:
        self.pos[box.key] = (round(x), round(y), box.w, box.h)
        for child in box.children:
            self._absolute(child, x + child.x, y + child.y)

    def edges(self) -> list[tuple[str, str, str, list[str]]]:
        """Edges merged per (from, to, arrow), labels joined in the order they were added."""
        merged: dict[tuple[str, str, str], list[str]] = {}
        for a, arrow, b, text in self.d.edge_list:
            if a not in self.pos or b not in self.pos:
                continue
            labels = merged.setdefault((a, b, arrow), [])
            if text and text not in labels:
                labels.append(text)
        return [(a, arrow, b, labels) for (a, b, arrow), labels in merged.items()]

    def legend(self, width: float, top: float) -> tuple[list[str], float, float]:
        """A key to the colours and outlines in use, in rows under the drawing; returns it, its width and
        its bottom."""
        entries = []  # fill, stroke, dash pattern, stroke width, text
        kinds = set(self.kind.values())
        for kind, (fill, stroke, name) in _STYLE.items():
            if kind in kinds:
                entries.append((fill, stroke, "", 1.2, name))
        levels = set(self.level.values())
        for level, (stroke, stroke_w, pattern) in _VIOLATION.items():
            if level in levels:
                entries.append(("#ffffff", stroke, pattern, stroke_w, f"{level} finding"))
        limit = max(width, 480.0)
        x, y, right = 20.0, top, 0.0
        out = ['<g class="legend">']
        for fill, stroke, pattern, stroke_w, text in entries:
            step = math.ceil(_text_width(text) + 40)
            if x > 20 and x + step > limit - 20:
                x, y = 20.0, y + 22
            dash = f' stroke-dasharray="{pattern}"' if pattern else ""
            out.append(
                f'<rect x="{x:.0f}" y="{y + 3:.0f}" width="20" height="12" rx="3" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="{stroke_w}"{dash}/><text x="{x + 26:.0f}" y="{y + 13:.0f}" fill="#1f2328">'
                f"{escape(text)}</text>"
            )
            x += step
            right = max(right, x)
        out.append("</g>")
        return out, max(width, right + 20), y + 22

    def render(self, title: str) -> str:
        width, height = self.place()
        legend, width, height = self.legend(width, height)
        height = math.ceil(height + 10)
        edges = self.edges()
        # Which side of each box an edge leaves or enters, then the ends spread along each side.
        sides: dict[tuple[str, str], list[tuple[float, int, bool]]] = defaultdict(list)
        plan = []
        for i, (a, arrow, b, labels) in enumerate(edges):
            ax, ay, aw, ah = self.pos[a]
            bx, by, bw, bh = self.pos[b]
            if bx >= ax + aw:
                sa, sb = "r", "l"
            elif bx + bw <= ax:
                sa, sb = "l", "r"
            else:
                sa, sb = "r", "r"
            sides[(a, sa)].append((by + bh / 2, i, True))
            sides[(b, sb)].append((ay + ah / 2, i, False))
            plan.append((a, sa, b, sb, arrow, labels))
        ends: dict[tuple[int, bool], tuple[float, float]] = {}
        for (item, side), items in sides.items():
            x, y, w, h = self.pos[item]
            items.sort()
            for k, (_, i, is_start) in enumerate(items):
                ey = y + h * (k + 1) / (len(items) + 1)
                ends[(i, is_start)] = (x + w if side == "r" else x, ey)
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="architecture" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            f'font-family="{FONT}" font-size="11">',
            f"<title>{escape(title)}</title>",
            "<defs>"
            '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
            'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker>'
            "</defs>",
            '<rect width="100%" height="100%" fill="#ffffff"/>',
        ]
        out += self._groups("")
        # Edges under the resources they join, labels on top of everything, each label at the first point
        # along its curve where it covers no resource and no label placed before it.
        obstacles = [self.pos[n] for n in self.d.nodes if n in self.pos]
        label_parts: list[str] = []
        for i, (_a, sa, _b, sb, arrow, labels) in enumerate(plan):
            x1, y1 = ends[(i, True)]
            x2, y2 = ends[(i, False)]
            if sa == sb:
                dx1 = dx2 = 60 + abs(y2 - y1) / 4
            else:
                span = max(50.0, abs(x2 - x1) / 2)
                dx1 = span if sa == "r" else -span
                dx2 = span if sb == "r" else -span
            c1, c2 = (x1 + dx1, y1), (x2 + dx2, y2)
            path = f"M{x1:.0f},{y1:.0f} C{c1[0]:.0f},{c1[1]:.0f} {c2[0]:.0f},{c2[1]:.0f} {x2:.0f},{y2:.0f}"
            dash = ' stroke-dasharray="5 4"' if arrow.startswith("-.") else ""
            head = ' marker-end="url(#arrow)"' if arrow.endswith(">") else ""
            out.append(
                f'<path class="edge" d="{path}" fill="none" stroke="#57606a" stroke-width="1.2"{dash}{head}/>'
            )
            if not labels:
                continue
            text = ", ".join(labels)
            shown = _cut(text, _COL_GAP - 10, size=10)
            w = _text_width(shown, size=10) + 8
            best: tuple[int, float, float] | None = None
            for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85):
                u = 1 - t
                mx = u**3 * x1 + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * x2
                my = u**3 * y1 + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * y2
                rect = (mx - w / 2, my - 8, w, 15.0)
                hits = sum(_overlap(rect, o) for o in obstacles)
                if best is None or hits < best[0]:
                    best = (hits, mx, my)
                if hits == 0:
                    break
            assert best is not None
            _, mx, my = best
            obstacles.append((mx - w / 2, my - 8, w, 15.0))
            label_parts.append(
                f'<g class="edge-label"><title>{escape(text)}</title>'
                f'<rect x="{mx - w / 2:.0f}" y="{my - 8:.0f}" width="{w:.0f}" height="15" rx="3" '
                f'fill="#ffffff" fill-opacity="0.9"/>'
                f'<text x="{mx:.0f}" y="{my + 3:.0f}" text-anchor="middle" font-size="10" fill="#1f2328">'
                f"{escape(shown)}</text></g>"
            )
        for n in self.d.nodes:
            if n in self.pos:
                out.append(self._node(n))
        out += label_parts
        out += legend
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _groups(self, parent: str) -> list[str]:
        out = []
        for g in self.subgroups.get(parent, []):
            x, y, w, h = self.pos[g]
            fill, stroke = _GROUP_STYLE.get(g.split("_", 1)[0], ("#f6f8fa", "#8c959f"))
            title = self.d.group_lines.get(g, ())
            out.append(
                f'<g class="group" id="{escape(g)}"><title>{escape(" / ".join(title))}</title>'
                f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="1.2"/>'
            )
            for k, line in enumerate(title):
                weight = ' font-weight="bold"' if k == 0 else ""
                shown = _cut(line, w - 2 * _GROUP_PAD, k == 0)
                out.append(
                    f'<text x="{x + _GROUP_PAD}" y="{y + _GROUP_PAD + 10 + k * _LINE}"{weight} fill="#1f2328">'
                    f"{escape(shown)}</text>"
                )
            out.append("</g>")
            out += self._groups(g)
        return out

    def _node(self, n: str) -> str:
        x, y, w, h = self.pos[n]
        kind = self.kind.get(n, "")
        fill, stroke, _ = _STYLE.get(kind, _DEFAULT_STYLE)
        width, dash = 1.2, ""
        level = self.level.get(n)
        if level in _VIOLATION:
            stroke, width, pattern = _VIOLATION[level]
            dash = f' stroke-dasharray="{pattern}"' if pattern else ""
        lines = self.lines.get(n, ())
        radius = 14 if kind in ("pe", "principal") else 4
        # The level goes in a data attribute, not a class: the report's own `.mandatory` style would apply.
        found = f' data-finding="{level}"' if level else ""
        parts = [
            f'<g class="node {escape(kind)}" id="{escape(n)}"{found}><title>{escape(" / ".join(lines))}</title>',
            f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{radius}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{width}"{dash}/>',
        ]
        for k, line in enumerate(lines):
            weight = ' font-weight="bold"' if k == 0 else ""
            shown = _cut(line, w - 2 * _PAD, k == 0)
            parts.append(
                f'<text x="{x + _PAD}" y="{y + _PAD + 11 + k * _LINE}"{weight} fill="#1f2328">{escape(shown)}</text>'
            )
        parts.append("</g>")
        return "".join(parts)


def render_svg(result: PreflightResult) -> str:
    """The architecture diagram as one `<svg>` element, byte-identical for the same result."""
    rec = result.recording
    return _Layout(result).render(f"Architecture of {rec.project}/{rec.stack} ({rec.mode} mode)")
