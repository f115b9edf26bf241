"""Makes the CJK fonts bundled in ``libs/qingling/fonts/`` (used by ``qingling.documents``): the
Simplified Chinese faces of Noto Serif CJK (SIL OFL 1.1), cut down to GB 2312 — its 6,763 hanzi
and 682 symbols — plus ASCII, the fullwidth forms, CJK punctuation and the few marks official
documents use beyond GB 2312 (〔〕 are in it already). A document's text outside the set is
drawn as 〓 (the GB 2312 geta mark) by the renderer, never dropped silently.

Reproducible from Debian's ``fonts-noto-cjk`` (``apt-get install fonts-noto-cjk``)::

    python scripts/subset_cjk_font.py /usr/share/fonts/opentype/noto libs/qingling/fonts

The outlines are converted from CFF to TrueType quadratics (fontTools' cu2qu, within 1 unit of the
1000-unit em): fpdf2 embeds a CID-keyed CFF font with its widths keyed by the old CIDs, so a text
extractor spaces every character apart; TrueType outlines it embeds exactly. Hinting and layout
tables (fpdf2 places glyphs by their advance widths, no shaping) are dropped to keep the files small."""

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

# (collection file, face) → bundled file; face 2 of Noto's .ttc is the SC (Simplified Chinese) one.
FACES = {
    "NotoSerifCJK-Regular.ttc": "NotoSerifCJKsc-Regular-GB2312.ttf",
    "NotoSerifCJK-Bold.ttc": "NotoSerifCJKsc-Bold-GB2312.ttf",
}
SC_FACE = 2
MAX_ERROR = 1.0  # font units: how far a quadratic outline may stray from the cubic one


def gb2312() -> set[int]:
    """Every character GB 2312 encodes (rows 1–9 symbols, 16–87 hanzi)."""
    characters = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                characters.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return characters


def wanted() -> set[int]:
    characters = gb2312()
    characters |= set(range(0x20, 0x7F))  # ASCII
    characters |= set(range(0xFF01, 0xFF5F))  # fullwidth forms
    characters |= set(range(0x3000, 0x3020))  # CJK punctuation: 、。〈〉《》「」『』【】〔〕〖〗〓 …
    characters |= {ord(c) for c in "—–―‐‑·•…‘’“”×÷±≤≥℃°№‰※○●□■△▲◇◆☆★→←↑↓"}
    characters |= set(range(0x2460, 0x2474))  # ①…⑳, numbered items
    characters |= set(range(0x2160, 0x216C))  # Ⅰ…Ⅻ
    characters |= {0xA0, 0x3000}  # no-break and ideographic space
    return characters


def make(source: Path, target: Path) -> None:
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.desubroutinize = False
    options.name_IDs = ["*"]  # keep the copyright, licence and trademark notices
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["DSIG", "VORG", "vhea", "vmtx"]
    font = TTCollection(str(source)).fonts[SC_FACE]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    to_truetype(font)
    font.save(str(target))


def to_truetype(font: TTFont) -> None:
    """CFF outlines → glyf/loca (as fontTools' otf2ttf snippet does), glyph names dropped (post 3)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"], font["glyf"] = newTable("loca"), glyf
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.maxStackElements = maxp.maxSizeOfInstructions = maxp.maxComponentElements = 0
    font["post"].formatType = 3.0
    del font["CFF "]
    font.sfntVersion = "\x00\x01\x00\x00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="folder holding Noto's NotoSerifCJK-*.ttc")
    parser.add_argument("target", type=Path, help="libs/qingling/fonts")
    args = parser.parse_args()
    args.target.mkdir(parents=True, exist_ok=True)
    for collection, bundled in FACES.items():
        make(args.source / collection, args.target / bundled)
        print(bundled, (args.target / bundled).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
