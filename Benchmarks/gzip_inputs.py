#!/usr/bin/env python3
"""Inputs for `DriftwatchBench gunzip` (the Content-Encoding: gzip decoder's speed).

usage: python3 Benchmarks/gzip_inputs.py OUTDIR [EVENTS.ndjson]

Writes, each about 10 MB (10^7 bytes) before compression:
  ndjson.gz              the first 10 MB of EVENTS.ndjson (e.g. from `DriftwatchBench generate`),
                         gzip level 6 — what a client would send
  mixed.gz               random runs, repeats and words (make_fixtures.py's generator), level 6
  random.gz              incompressible bytes: zlib stores them, so this is copy + CRC speed
  zeros.gz               one byte repeated: 258-byte matches at distance 1, level 9
  tiny-dynamic-blocks.gz 10 MB of *compressed* input made only of empty dynamic blocks whose
                         literal/length code is 10 bits deep: every 18 bytes the decoder builds
                         a 1,024-entry table and writes nothing. The worst case for work per
                         input byte; the output is empty.
"""
import gzip
import os
import random
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "DriftwatchHTTPTests", "Fixtures", "gzip"))
import make_fixtures  # noqa: E402  (the vectors' data generator)

SIZE = 10_000_000


class Bits:
    def __init__(self):
        self.bits = []

    def put(self, value, n):  # least significant bit first
        self.bits += [(value >> i) & 1 for i in range(n)]

    def code(self, code, n):  # Huffman codes: most significant bit first
        self.bits += [(code >> i) & 1 for i in reversed(range(n))]

    def bytes(self):
        bits = self.bits + [0] * (-len(self.bits) % 8)
        return bytes(sum(bits[i + j] << j for j in range(8)) for i in range(0, len(bits), 8))


def canonical(lengths):
    count = [0] * 16
    for n in lengths:
        if n:
            count[n] += 1
    code, nxt = 0, [0] * 16
    for bits in range(1, 16):
        code = (code + count[bits - 1]) << 1
        nxt[bits] = code
    out = []
    for n in lengths:
        out.append(nxt[n] if n else 0)
        if n:
            nxt[n] += 1
    return out


ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]


def empty_dynamic_block(w, final):
    """Literal/length lengths 1..10 for symbols 0..9 and 10 for end of block (complete),
    one 1-bit distance code; the block holds only its end-of-block code."""
    lit = [0] * 257
    for s in range(10):
        lit[s] = s + 1
    lit[256] = 10
    # Code-length code over 0..10 and 18: four 3-bit codes, eight 4-bit codes (complete).
    cl = [0] * 19
    for s, n in zip([0, 1, 18, 2] + list(range(3, 11)), [3] * 4 + [4] * 8):
        cl[s] = n
    cl_codes = canonical(cl)
    w.put(1 if final else 0, 1)
    w.put(2, 2)
    w.put(0, 5)            # HLIT: 257
    w.put(0, 5)            # HDIST: 1
    w.put(18 - 4, 4)       # HCLEN: up to symbol 1 in ORDER
    for s in ORDER[:18]:
        w.put(cl[s], 3)
    for s in range(10):
        w.code(cl_codes[lit[s]], cl[lit[s]])
    w.code(cl_codes[18], cl[18]); w.put(138 - 11, 7)
    w.code(cl_codes[18], cl[18]); w.put(108 - 11, 7)
    w.code(cl_codes[10], cl[10])   # symbol 256
    w.code(cl_codes[1], cl[1])     # the one distance code
    w.code(canonical(lit)[256], 10)


def tiny_dynamic_blocks(size):
    one = Bits()
    empty_dynamic_block(one, final=False)
    per_block = len(one.bits)
    blocks = size * 8 // per_block
    w = Bits()
    w.bits = one.bits * (blocks - 1)
    empty_dynamic_block(w, final=True)
    raw = w.bytes()
    assert zlib.decompress(raw, -15) == b""
    return raw, per_block


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "rb") as f:
            data = f.read(SIZE)
        data = data[:data.rfind(b"\n") + 1]
        open(os.path.join(out, "ndjson.gz"), "wb").write(gzip.compress(data, 6, mtime=0))
    open(os.path.join(out, "mixed.gz"), "wb").write(gzip.compress(make_fixtures.sample("mixed", SIZE, 1), 6, mtime=0))
    open(os.path.join(out, "random.gz"), "wb").write(gzip.compress(random.Random(1).randbytes(SIZE), 6, mtime=0))
    open(os.path.join(out, "zeros.gz"), "wb").write(gzip.compress(bytes(SIZE), 9, mtime=0))
    raw, bits = tiny_dynamic_blocks(SIZE)
    member = (bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]) + raw + zlib.crc32(b"").to_bytes(4, "little")
              + (0).to_bytes(4, "little"))
    open(os.path.join(out, "tiny-dynamic-blocks.gz"), "wb").write(member)
    print(f"tiny-dynamic-blocks: {bits} bits per block")
    for name in sorted(os.listdir(out)):
        print(name, os.path.getsize(os.path.join(out, name)))


if __name__ == "__main__":
    main()
