#!/usr/bin/env python3
"""Cuts Noto Sans CJK SC Regular down to the characters facebench prints.

Keeps Basic Latin, Latin-1, Greek, general punctuation and the symbols the reports use,
GB2312 (symbol rows and level-1 hanzi, the 3755 most common characters) and every non-ASCII
character of the shipped plans, catalog, answers, units and sources, so any name or criterion
we ship renders. Needs fontTools (`pip install fonttools`) and the Debian font package
fonts-noto-cjk (or pass the .ttc/.otf path as the first argument).

    python3 assets/fonts/make-cjk-subset.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]
"""

import pathlib
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "Noto Sans CJK SC"
OUTPUT = HERE / "NotoSansCJKsc-subset.otf"

LATIN_AND_SYMBOLS = (
    list(range(0x20, 0x7F))
    + list(range(0xA0, 0x100))
    + list(range(0x391, 0x3CA))
    + list(range(0x2010, 0x2040))
    + list(range(0x2100, 0x2200))
    + list(range(0x2190, 0x2200))
    + list(range(0x2200, 0x2300))
    + list(range(0x2460, 0x24FF))
    + list(range(0x25A0, 0x2600))
    + list(range(0x3000, 0x3040))
    + list(range(0xFF01, 0xFF5F))
    + [0xFFFD]
)


def gb2312() -> set[int]:
    """Symbol rows 1-9 and level-1 hanzi (rows 16-55) of GB2312."""
    chars = set()
    for high in list(range(0xA1, 0xAA)) + list(range(0xB0, 0xD8)):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def shipped() -> set[int]:
    """Every non-ASCII character of the repository's text files."""
    chars = set()
    for folder in ["testplans", "src", "rigs", "tests", "examples"]:
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".toml", ".rs", ".md", ".csv", ".json", ".txt"} and path.is_file():
                chars.update(ord(c) for c in path.read_text(encoding="utf-8", errors="ignore") if ord(c) > 0x7F)
    return chars


def main() -> None:
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    if source.endswith(".ttc"):
        fonts = TTCollection(source).fonts
        font = next(f for f in fonts if f["name"].getDebugName(1) == FAMILY)
    else:
        font = TTFont(source)
    wanted = set(LATIN_AND_SYMBOLS) | gb2312() | shipped()
    cmap = font.getBestCmap()
    unicodes = sorted(c for c in wanted if c in cmap)
    options = subset.Options()
    options.layout_features = ["kern", "liga", "vert", "locl"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.save(OUTPUT)
    print(f"{OUTPUT.name}: {len(unicodes)} characters, {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
