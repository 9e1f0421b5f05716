"""Tiny valid media made with the standard library, so a real browser loads them when CORS allows:
a TrueType font, a PNG image and a WAV sound (Chromium plays WAV in a <video> element)."""

import io
import struct
import wave
import zlib


def _checksum(data):
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def truetype_font(family="PopsimTest"):
    """A two-glyph TrueType font (.notdef and a triangle for 'A') that passes Chromium's sanitizer."""
    glyph = struct.pack(">hhhhhHH", 1, 0, 0, 500, 700, 2, 0)          # 1 contour, bbox, endPts [2], no instructions
    glyph += bytes([0x01, 0x01, 0x01])                                 # three on-curve points, 16-bit deltas
    glyph += struct.pack(">hhh", 0, 500, -250) + struct.pack(">hhh", 0, 0, 700)
    glyph += b"\0" * (len(glyph) % 2)
    tables = {}
    tables[b"glyf"] = glyph
    tables[b"loca"] = struct.pack(">HHH", 0, 0, len(glyph) // 2)
    tables[b"head"] = struct.pack(">IIIIHHqqhhhhHHhhh", 0x00010000, 0x00010000, 0, 0x5F0F3CF5, 0x0003, 1000,
                                  0, 0, 0, 0, 500, 700, 0, 8, 2, 0, 0)
    tables[b"hhea"] = struct.pack(">IhhhHhhhhhhhhhhhH", 0x00010000, 800, -200, 0, 500, 0, 0, 500, 1, 0, 0,
                                  0, 0, 0, 0, 0, 2)
    tables[b"maxp"] = struct.pack(">IHHHHHHHHHHHHHH", 0x00010000, 2, 3, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)
    tables[b"hmtx"] = struct.pack(">HhHh", 500, 0, 500, 0)
    seg = struct.pack(">HHHHHHH", 4, 32, 0, 4, 4, 1, 0)                  # format 4, length, language, segCountX2, ...
    seg += struct.pack(">HH", 0x41, 0xFFFF) + b"\0\0" + struct.pack(">HH", 0x41, 0xFFFF)
    seg += struct.pack(">hh", 1 - 0x41, 1) + struct.pack(">HH", 0, 0)
    tables[b"cmap"] = struct.pack(">HHHHI", 0, 1, 3, 1, 12) + seg
    names = {1: family, 2: "Regular", 3: family + "-Regular", 4: family, 5: "Version 1.0", 6: family}
    records, strings = b"", b""
    for nid, text in names.items():
        raw = text.encode("utf-16-be")
        records += struct.pack(">HHHHHH", 3, 1, 0x409, nid, len(raw), len(strings))
        strings += raw
    tables[b"name"] = struct.pack(">HHH", 0, len(names), 6 + len(records)) + records + strings
    tables[b"OS/2"] = (struct.pack(">HhHHH", 4, 500, 400, 5, 0)
                       + struct.pack(">hhhhhhhhhhh", 650, 600, 0, 75, 650, 600, 0, 350, 50, 250, 0)
                       + bytes(10) + struct.pack(">IIII", 1, 0, 0, 0) + b"NONE"
                       + struct.pack(">HHH", 0x40, 0x41, 0x41) + struct.pack(">hhh", 800, -200, 0)
                       + struct.pack(">HH", 800, 200) + struct.pack(">II", 1, 0)
                       + struct.pack(">hhHHH", 500, 700, 0, 0x20, 1))
    tables[b"post"] = struct.pack(">IIhhIIIII", 0x00030000, 0, -100, 50, 0, 0, 0, 0, 0)

    tags = sorted(tables)
    n = len(tags)
    power = 1
    while power * 2 <= n:
        power *= 2
    entry_selector = power.bit_length() - 1
    header = struct.pack(">IHHHH", 0x00010000, n, power * 16, entry_selector, n * 16 - power * 16)
    offset = 12 + 16 * n
    directory, body = b"", b""
    for tag in tags:
        data = tables[tag]
        directory += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(header + directory + body)
    adjustment = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    head_offset = 12 + 16 * n + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in tags[:tags.index(b"head")])
    struct.pack_into(">I", font, head_offset + 8, adjustment)
    return bytes(font)


def png_image():
    """A 1×1 opaque PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"\x00\x20\x80\xc0\xff"   # filter 0, one RGBA pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def wav_sound():
    """0.1 s of 8 kHz 8-bit mono silence."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(b"\x80" * 800)
    return buf.getvalue()
