"""The HTML report's architecture picture: an inline SVG laid out by our code, checked as a drawing.

The layout tests read the SVG as XML (every resource drawn once, none overlapping another, each inside its
box, identical bytes on every render). The browser tests open the report in headless Chromium (Debian's
`chromium`; skipped with the reason where it is absent): the laid-out SVG has a size, every label fits its
box with the fonts the browser really uses, and the screenshot shows the boxes' colours.
"""

from __future__ import annotations

import copy
import json
import re
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from preflight.cli import Options, run_preflight
from preflight.formats.html import render_html
from preflight.formats.mermaid import build
from preflight.formats.svg import render_svg
from preflight.model import RecordedResource, Violation
from preflight.program import Recording
from preflight.report import PreflightResult

from .conftest import FIXTURES

NETWORK = FIXTURES / "network"
PACK = FIXTURES / "report-pack"
SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = Path("/usr/bin/chromium")
WORKSPACE_FILL = (0xDF, 0xF3, 0xE4)  # svg._STYLE["workspace"]
ENDPOINT_FILL = (0xE3, 0xEE, 0xFB)  # svg._STYLE["pe"]

Rect = tuple[float, float, float, float]


@pytest.fixture(scope="module")
def result() -> PreflightResult:
    """The network fixture previewed with report-pack (a VNet, subnets, endpoints, a workspace, findings)."""
    return run_preflight(Options(stack="dev", cwd=NETWORK.resolve(), policy_packs=[PACK.resolve()]))


def rects(svg: ET.Element, cls: str) -> dict[str, Rect]:
    """The rectangle of every `<g class="<cls> ...">` by its id."""
    out = {}
    for g in svg.iter(f"{SVG}g"):
        if g.get("class", "").split(" ")[0] == cls:
            r = g.find(f"{SVG}rect")
            assert r is not None
            out[g.get("id", "")] = tuple(float(r.get(k, "0")) for k in ("x", "y", "width", "height"))
    return out  # type: ignore[return-value]


def inside(a: Rect, b: Rect) -> bool:
    return b[0] <= a[0] and b[1] <= a[1] and a[0] + a[2] <= b[0] + b[2] and a[1] + a[3] <= b[1] + b[3]


def overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_every_resource_is_drawn_once_apart_and_inside_its_box(result: PreflightResult) -> None:
    """The picture holds every node and box of the diagram model; no two resources overlap, each resource
    and each nested box lies inside the box that holds it, and everything lies inside the drawing."""
    d = build(result)
    svg = ET.fromstring(render_svg(result))
    nodes, groups = rects(svg, "node"), rects(svg, "group")
    assert set(nodes) == set(d.nodes) and set(groups) == set(d.groups)
    assert {"ws_net_ws", "pe_net_pe_ws", "kv_net_kv", "key_net_cmk", "id_net_id"} <= set(nodes)
    names = sorted(nodes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not overlap(nodes[a], nodes[b]), (a, b)
    for group, members in d.members.items():
        for n in members:
            assert inside(nodes[n], groups[group]), (n, group)
    for child, parent in d.group_parent.items():
        assert inside(groups[child], groups[parent]), (child, parent)
    width, height = float(svg.get("width", "0")), float(svg.get("height", "0"))
    assert svg.get("viewBox") == f"0 0 {width:.0f} {height:.0f}"
    for r in [*nodes.values(), *groups.values()]:
        assert inside(r, (0, 0, width, height))


def test_edges_are_drawn_once_per_pair_with_their_labels(result: PreflightResult) -> None:
    """One curve per (from, to, style): the private endpoint's arrow to the workspace carries its group ID,
    dotted role edges are dashed; the Mermaid text's edges and the picture's agree."""
    d = build(result)
    page = render_svg(result)
    pairs = {(a, arrow, b) for a, arrow, b, _ in d.edge_list}
    assert page.count('<path class="edge"') == len(pairs)
    assert '<g class="edge-label"><title>amlworkspace</title>' in page
    assert page.count('stroke-dasharray="5 4"') == len({p for p in pairs if p[1].startswith("-.")})


def test_violations_outline_their_resources(result: PreflightResult) -> None:
    """The compute instance with a public IP (mandatory finding) is outlined red, as in the Mermaid text."""
    page = render_svg(result)
    compute = re.search(
        r'<g class="node compute" id="compute_net_ci" data-finding="mandatory">.*?<rect [^>]*>', page
    )
    assert compute is not None and 'stroke="#d1242f" stroke-width="3.0"' in compute.group(0)


def test_the_picture_is_byte_identical_on_every_render(result: PreflightResult) -> None:
    """The same result gives the same bytes (the report's tests and users' diffs rely on it)."""
    first = render_html(result, NETWORK)
    assert render_html(copy.deepcopy(result), NETWORK) == first
    assert render_svg(result) in first


def test_names_are_escaped_and_long_lines_cut() -> None:
    """A name with markup stays text; a label longer than a box is cut with an ellipsis, whole in its
    tooltip."""
    long_name = "st" + "x" * 80
    evil = RecordedResource(
        urn="urn:pulumi:dev::p::azure-native:storage:StorageAccount::<img src=x>",
        type="azure-native:storage:StorageAccount",
        name="<img src=x>",
        custom=True,
    )
    big = RecordedResource(
        urn=f"urn:pulumi:dev::p::azure-native:storage:StorageAccount::{long_name}",
        type="azure-native:storage:StorageAccount",
        name=long_name,
        custom=True,
    )
    rec = Recording(project="p", stack="dev", mode="preview", root_urn="", resources=[evil, big])
    bad = Violation("x", "p1", "advisory", "no", evil.urn, "", "")
    svg = render_svg(PreflightResult(recording=rec, packs=[], violations=[bad]))
    root = ET.fromstring(svg)  # well-formed XML despite the markup in the name
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "<img src=x>" in texts and "<img src=x>" not in svg
    cut = next(t for t in texts if t.startswith("stxxx"))
    assert cut.endswith("…") and len(cut) < len(long_name)
    assert f"<title>{long_name} / storage account</title>" in svg
    assert 'class="node storage" id="st__img_src_x" data-finding="advisory"' in svg


# -- in a browser ---------------------------------------------------------------------------------

_MEASURE = """<script>
const svg = document.querySelector("div.diagram svg");
const box = svg.getBoundingClientRect();
const nodes = [...svg.querySelectorAll("g.node")].map(g => {
  const r = g.querySelector("rect").getBBox();
  const widest = Math.max(...[...g.querySelectorAll("text")].map(t => t.getComputedTextLength()));
  return {id: g.id, w: r.width, h: r.height, text: widest};
});
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify({width: box.width, height: box.height, nodes});
document.body.appendChild(out);
</script>
"""


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with no network features, a throwaway profile, and a time limit."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian package `chromium`; .ci/run installs it)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    return subprocess.run(
        [str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=True
    )


def test_chromium_lays_out_the_svg_and_every_label_fits(result: PreflightResult, tmp_path: Path) -> None:
    """In the browser the diagram has the size the SVG declares, every resource box has a size, and the
    widest line of every box fits inside it with the font Chromium actually uses (the layout estimates text
    widths from character counts)."""
    page = render_html(result, NETWORK).replace("</body>", _MEASURE + "</body>")
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", html.as_uri()).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, flags=re.S)
    assert found is not None, dom[-2000:]
    measured = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    svg = ET.fromstring(render_svg(result))
    assert (measured["width"], measured["height"]) == (
        float(svg.get("width", "")),
        float(svg.get("height", "")),
    )
    assert {n["id"] for n in measured["nodes"]} == set(build(result).nodes)
    for n in measured["nodes"]:
        assert n["w"] > 0 and n["h"] > 0, n
        assert 0 < n["text"] <= n["w"] - 2 * 8 + 1, n  # 8: svg._PAD on each side


def png_rgb(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, prev, strict=True))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        prev = line
        rows.append(bytes(line) if bpp == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
    return width, height, rows


def colour_count(rows: list[bytes], rgb: tuple[int, int, int]) -> int:
    """How many times the colour occurs in the rows (as a byte sequence: a lower bound's worth of pixels)."""
    return sum(row.count(bytes(rgb)) for row in rows)


def test_chromium_screenshot_shows_the_diagram(result: PreflightResult, tmp_path: Path) -> None:
    """The report rendered to a PNG is not blank, and it shows the workspace's and the private endpoints'
    box colours, which only the SVG uses: the picture was drawn, not left as text."""
    html = tmp_path / "report.html"
    html.write_text(render_html(result, NETWORK), encoding="utf-8")
    png = tmp_path / "report.png"
    chromium(tmp_path, f"--screenshot={png}", "--window-size=1200,1400", html.as_uri())
    width, height, rows = png_rgb(png.read_bytes())
    assert (width, height) == (1200, 1400)
    non_white = sum(len(row) // 3 - row.count(b"\xff\xff\xff") for row in rows)
    assert non_white > width * height // 50
    assert colour_count(rows, WORKSPACE_FILL) > 500
    assert colour_count(rows, ENDPOINT_FILL) > 500


def test_skip_reason_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without the browser the Chromium tests skip, saying what to install (they never pass silently)."""
    monkeypatch.setattr(f"{__name__}.CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(pytest.skip.Exception, match="Debian package `chromium`"):
        chromium(tmp_path, "--version")


def test_role_edges_are_named_as_the_components_grant_them() -> None:
    """Every role the diagram names has the GUID the components grant it by (components/roles.py, from
    Microsoft Learn "Azure built-in roles"), and every role the components grant is named in the diagram."""
    from components.roles import ROLE_IDS
    from preflight.formats.mermaid import ROLE_NAMES

    by_name = {name: guid for guid, name in ROLE_NAMES.items()}
    assert len(by_name) == len(ROLE_NAMES)
    for name, guid in ROLE_IDS.items():
        assert by_name.get(name) == guid, name
