#!/usr/bin/env python3
"""Writes the gzip / raw DEFLATE test vectors beside this script.

Run from anywhere: python3 make_fixtures.py. Every vector is produced by Python's
zlib (CPython's binding to zlib 1.2.x/1.3.x) or, for the few shapes zlib never emits,
by the tiny fixed-Huffman writer below, and each is checked here with zlib before it is
written. The tests regenerate the uncompressed data with the same generator
(GzipVectorData.swift, xorshift64*), so only compressed bytes are stored.

Output: <name>.gz (gzip) or <name>.deflate (raw DEFLATE), and manifest.txt with one line
per vector: name, data spec, uncompressed size, CRC-32 (for a quick eyeball check).
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
MASK = (1 << 64) - 1

WORDS = [b"the", b"agent", b"called", b"tool", b"sql.query", b"with", b"arguments", b"and", b"received",
         b"an", b"error", b"retry", b"session", b"billing", b"refund", b"{\"agent\":", b"\"ts\":", b"0123456789",
         b"span", b"trace_id", b"\n"]


class XorShift:
    """xorshift64* (Vigna 2014); GzipVectorData.swift has the same generator."""

    def __init__(self, seed):
        self.state = (seed * 0x9E3779B97F4A7C15 + 1) & MASK

    def next(self):
        s = self.state
        s ^= s >> 12
        s ^= (s << 25) & MASK
        s ^= s >> 27
        self.state = s
        return (s * 0x2545F4914F6CDD1D) & MASK


def sample(kind, n, seed):
    """Deterministic test data; the Swift side must produce the same bytes."""
    rng = XorShift(seed)
    out = bytearray()
    if kind == "text":
        while len(out) < n:
            out += WORDS[rng.next() % len(WORDS)] + b" "
    elif kind == "random":
        while len(out) < n:
            out.append(rng.next() >> 56)
    elif kind == "periodic":
        # Short periods make matches that overlap their own output (distance < length).
        while len(out) < n:
            r = rng.next()
            period = 1 + r % 9
            unit = bytes((rng.next() >> 56) for _ in range(period))
            count = 1 + (r >> 8) % 600
            out += (unit * (count // period + 1))[:count]
    elif kind == "mixed":
        while len(out) < n:
            r = rng.next()
            choice = r % 5
            size = 1 + (r >> 8) % 3000
            if choice == 0:
                for _ in range(size):
                    out.append(rng.next() >> 56)
            elif choice == 1:
                out += bytes([(r >> 24) & 0xFF]) * size
            elif choice == 2 and out:
                distance = 1 + (r >> 32) % min(len(out), 40000)
                for _ in range(size):
                    out.append(out[-distance])
            else:
                while size > 0:
                    word = WORDS[rng.next() % len(WORDS)] + b" "
                    out += word
                    size -= len(word)
    else:
        raise ValueError(kind)
    return bytes(out[:n])


def deflate_raw(data, level=6, strategy=zlib.Z_DEFAULT_STRATEGY, flush_every=None):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    out = b""
    if flush_every:
        for i in range(0, len(data), flush_every):
            out += c.compress(data[i:i + flush_every])
            out += c.flush(zlib.Z_SYNC_FLUSH if (i // flush_every) % 2 == 0 else zlib.Z_FULL_FLUSH)
    else:
        out += c.compress(data)
    return out + c.flush()


def gzip_member(raw_deflate, data, flags=0, extra=b"", name=b"", comment=b"", mtime=0):
    header = bytes([0x1F, 0x8B, 8, flags]) + struct.pack("<I", mtime) + bytes([0, 255])
    if flags & 0x04:
        header += struct.pack("<H", len(extra)) + extra
    if flags & 0x08:
        header += name + b"\0"
    if flags & 0x10:
        header += comment + b"\0"
    if flags & 0x02:
        header += struct.pack("<H", zlib.crc32(header) & 0xFFFF)
    return header + raw_deflate + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


class FixedWriter:
    """Emits one fixed-Huffman block (RFC 1951 §3.2.6) from literals and matches."""

    LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
                   131, 163, 195, 227, 258]
    LENGTH_EXTRA = [0] * 8 + [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4 + [5] * 4 + [0]
    DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]

    def __init__(self):
        self.bits = []

    def put(self, value, n):
        for i in range(n):
            self.bits.append((value >> i) & 1)

    def code(self, code, n):  # Huffman codes go most significant bit first
        for i in reversed(range(n)):
            self.bits.append((code >> i) & 1)

    def symbol(self, s):
        if s < 144:
            self.code(0x30 + s, 8)
        elif s < 256:
            self.code(0x190 + s - 144, 9)
        elif s < 280:
            self.code(s - 256, 7)
        else:
            self.code(0xC0 + s - 280, 8)

    def header(self, final=True):
        self.put(1 if final else 0, 1)
        self.put(1, 2)

    def literal(self, byte):
        self.symbol(byte)

    def match(self, length, distance):
        i = max(k for k in range(29) if self.LENGTH_BASE[k] <= length)
        if length == 258:
            i = 28
        self.symbol(257 + i)
        self.put(length - self.LENGTH_BASE[i], self.LENGTH_EXTRA[i])
        d = max(k for k in range(30) if self.DIST_BASE[k] <= distance)
        self.code(d, 5)
        self.put(distance - self.DIST_BASE[d], self.DIST_EXTRA[d])

    def end(self):
        self.symbol(256)

    def bytes(self):
        bits = self.bits + [0] * (-len(self.bits) % 8)
        return bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))


def far_matches():
    """32,768 bytes of data, then matches at the largest distance (32768) and length 258,
    which zlib's encoder never emits (its window stops 262 bytes short)."""
    data = sample("random", 32768, 7)
    w = FixedWriter()
    w.header()
    for b in data:
        w.literal(b)
    out = bytearray(data)
    for length in (258, 258, 3, 100):
        w.match(length, 32768)
        for _ in range(length):
            out.append(out[-32768])
    w.match(258, 1)
    for _ in range(258):
        out.append(out[-1])
    w.end()
    return w.bytes(), bytes(out)


# Also written as raw DEFLATE, for the inflater on its own.
RAW_TOO = {"empty", "fixed", "dynamic", "rle", "flushed"}


def write(name, payload, data, spec):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(payload)
    return f"{name} {spec} {len(data)} {zlib.crc32(data):08x}"


def main():
    manifest = []
    vectors = [
        # name, data spec (kind, size, seed), level, strategy, flush_every
        ("empty", ("text", 0, 1), 6, zlib.Z_DEFAULT_STRATEGY, None),
        ("text-small", ("text", 100, 1), 6, zlib.Z_DEFAULT_STRATEGY, None),
        ("stored", ("text", 70000, 2), 0, zlib.Z_DEFAULT_STRATEGY, None),
        ("fixed", ("text", 5000, 3), 6, zlib.Z_FIXED, None),
        ("dynamic", ("text", 100000, 4), 9, zlib.Z_DEFAULT_STRATEGY, None),
        ("huffman-only", ("text", 20000, 5), 6, zlib.Z_HUFFMAN_ONLY, None),
        ("rle", ("periodic", 50000, 6), 6, zlib.Z_RLE, None),
        ("periodic", ("periodic", 200000, 7), 9, zlib.Z_DEFAULT_STRATEGY, None),
        ("random", ("random", 30000, 8), 6, zlib.Z_DEFAULT_STRATEGY, None),
        ("flushed", ("mixed", 120000, 9), 6, zlib.Z_DEFAULT_STRATEGY, 7000),
        ("mixed-large", ("mixed", 1_000_000, 10), 6, zlib.Z_DEFAULT_STRATEGY, None),
        ("mixed-level1", ("mixed", 300000, 11), 1, zlib.Z_DEFAULT_STRATEGY, None),
    ]
    for name, (kind, size, seed), level, strategy, flush_every in vectors:
        data = sample(kind, size, seed)
        raw = deflate_raw(data, level, strategy, flush_every)
        assert zlib.decompress(raw, -15) == data
        spec = f"{kind}:{size}:{seed}"
        manifest.append(write(name + ".gz", gzip_member(raw, data), data, spec))
        if name in RAW_TOO:
            manifest.append(write(name + ".deflate", raw, data, spec))

    # Header fields: FEXTRA, FNAME, FCOMMENT and FHCRC all set, and a non-zero MTIME.
    data = sample("text", 3000, 12)
    member = gzip_member(deflate_raw(data), data, flags=0x1E, extra=b"AB\x02\x00hi", name=b"events.ndjson",
                         comment=b"a comment", mtime=1_700_000_000)
    assert zlib.decompress(member, 31) == data
    manifest.append(write("header-fields.gz", member, data, "text:3000:12"))

    # Two members, as `cat a.gz b.gz` makes; the second is empty, the third stored.
    a, b = sample("text", 4000, 13), sample("mixed", 9000, 14)
    multi = gzip_member(deflate_raw(a), a) + gzip_member(deflate_raw(b""), b"") + gzip_member(deflate_raw(b, 0), b)
    d = zlib.decompressobj(31)
    assert d.decompress(multi) == a and d.unused_data
    manifest.append(write("multi-member.gz", multi, a + b, "text:4000:13+mixed:9000:14"))

    raw, data = far_matches()
    assert zlib.decompress(raw, -15) == data
    manifest.append(write("far-matches.deflate", raw, data, "far-matches"))

    with open(os.path.join(HERE, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print("\n".join(manifest))


if __name__ == "__main__":
    main()
