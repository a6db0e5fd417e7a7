#!/usr/bin/env python3
"""Shrinks a screenshot PNG in place, with the standard library only.

Cuts the plain background below the content (keeping a margin), then, when the image has more
than 256 colours, reduces it to a 256-colour palette (median cut, nearest colour, no
dithering; invisible on flat charts and anti-aliased text) and re-encodes it with zlib level 9.

    scripts/png-shrink.py docs/cv-report.png [--margin 24]

Reads 8-bit RGB or RGBA, non-interlaced PNGs (what Chromium writes).
"""

import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(SIGNATURE):
        sys.exit(f"{path}: not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        sys.exit(f"{path}: only 8-bit RGB/RGBA non-interlaced PNGs are supported")
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        if bpp == 4:
            # Drop alpha (screenshots are opaque).
            rgb = bytearray(width * 3)
            rgb[0::3], rgb[1::3], rgb[2::3] = line[0::4], line[1::4], line[2::4]
            rows.append(bytes(rgb))
        else:
            rows.append(bytes(line))
        prev = line
    return width, rows


def crop_bottom(rows, margin):
    background = rows[-1]
    last = len(rows) - 1
    while last > 0 and rows[last] == background:
        last -= 1
    return rows[: min(len(rows), last + 1 + margin)]


def median_cut(histogram, n_colours):
    """Palette of at most n_colours from {(r, g, b): count}."""

    def box_of(items):
        # A box: (split priority, channel with the widest range, colours).
        if len(items) < 2:
            return (0, 0, items)
        ranges = [max(c[0][ch] for c in items) - min(c[0][ch] for c in items) for ch in range(3)]
        channel = max(range(3), key=lambda ch: ranges[ch])
        return (ranges[channel] * sum(c[1] for c in items), channel, items)

    boxes = [box_of(list(histogram.items()))]
    while len(boxes) < n_colours:
        best = max(range(len(boxes)), key=lambda i: boxes[i][0])
        score, channel, items = boxes[best]
        if score == 0:
            break
        boxes.pop(best)
        items = sorted(items, key=lambda c: c[0][channel])
        half, running, cut = sum(c[1] for c in items) / 2, 0, 1
        for i, (_, count) in enumerate(items):
            running += count
            if running >= half:
                cut = max(1, min(len(items) - 1, i + 1))
                break
        boxes += [box_of(items[:cut]), box_of(items[cut:])]
    palette = []
    for _, _, items in boxes:
        total = sum(c[1] for c in items)
        palette.append(tuple(round(sum(c[0][ch] * c[1] for c in items) / total) for ch in range(3)))
    return palette


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def write_png(path, width, rows):
    histogram = {}
    for row in rows:
        for i in range(0, len(row), 3):
            key = row[i : i + 3]
            histogram[key] = histogram.get(key, 0) + 1
    if len(histogram) <= 256:
        palette = [tuple(c) for c in histogram]
    else:
        palette = median_cut({tuple(k): v for k, v in histogram.items()}, 256)
    nearest = {}
    for key in histogram:
        r, g, b = key
        nearest[key] = min(
            range(len(palette)),
            key=lambda j: (palette[j][0] - r) ** 2 + (palette[j][1] - g) ** 2 + (palette[j][2] - b) ** 2,
        )
    raw = bytearray()
    for row in rows:
        raw.append(0)
        raw += bytes(nearest[row[i : i + 3]] for i in range(0, len(row), 3))
    header = struct.pack(">IIBBBBB", width, len(rows), 8, 3, 0, 0, 0)
    plte = b"".join(bytes(c) for c in palette)
    out = SIGNATURE + chunk(b"IHDR", header) + chunk(b"PLTE", plte)
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(out)


def main():
    args = sys.argv[1:]
    margin = 24
    if "--margin" in args:
        i = args.index("--margin")
        margin = int(args[i + 1])
        del args[i : i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    width, rows = read_png(args[0])
    write_png(args[0], width, crop_bottom(rows, margin))


if __name__ == "__main__":
    main()
