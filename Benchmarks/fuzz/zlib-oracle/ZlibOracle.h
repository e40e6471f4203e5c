// zlib as the reference the gzip fuzz target compares driftwatch's decoder with.
// Used only by Benchmarks/fuzz/GzipFuzz.swift (a test oracle); the package itself
// links no zlib. Needs zlib1g-dev.
#ifndef ZLIB_ORACLE_H
#define ZLIB_ORACLE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

enum {
    ORACLE_OK = 0,        // decoded; *out_len bytes in out
    ORACLE_ERROR = 1,     // malformed or truncated
    ORACLE_TOO_LARGE = 2, // more than `limit` bytes of output
    ORACLE_TRAILING = 3,  // bytes after the stream that are not another gzip member
};

// Decodes `in` as raw DEFLATE (gzip == 0) or as gzip members (gzip != 0), with the
// same policy as GzipDecoder: members are concatenated, anything after the last one
// that does not start with 1f 8b is trailing data, and output is capped at `limit`.
// `out` must hold limit + 1 bytes: filling it is how a passed limit is seen.
static inline int oracle_inflate(const uint8_t *in, size_t in_len, int gzip,
                                 uint8_t *out, size_t limit, size_t *out_len) {
    size_t total = 0, pos = 0;
    *out_len = 0;
    for (;;) {
        z_stream s;
        memset(&s, 0, sizeof s);
        if (inflateInit2(&s, gzip ? 15 + 16 : -15) != Z_OK) return -1;
        s.next_in = (Bytef *)(in + pos);
        s.avail_in = (uInt)(in_len - pos);
        s.next_out = out + total;
        s.avail_out = (uInt)(limit + 1 - total);
        int r = inflate(&s, Z_FINISH);
        total += s.total_out;
        pos += s.total_in;
        inflateEnd(&s);
        *out_len = total;
        if (total > limit) return ORACLE_TOO_LARGE;
        if (r != Z_STREAM_END) return ORACLE_ERROR;
        if (pos == in_len) return ORACLE_OK;
        if (!gzip) return ORACLE_TRAILING;
        if (in_len - pos >= 2 && in[pos] == 0x1f && in[pos + 1] == 0x8b) continue;
        return ORACLE_TRAILING;
    }
}

#endif
