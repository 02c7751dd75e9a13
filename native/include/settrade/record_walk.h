// Walks over a buffer of framed records (docs/recording-format.md: length
// u32 | CRC-32C u32 | body of `length` bytes, little-endian): filling their
// CRCs (the recording writer's seal) and checking them (the replay reader).
// Plain functions over a byte range, no N-API, so fuzz/fuzz_records.cc can
// run them on arbitrary bytes: every read stays inside [start, end).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "settrade/crc32c.h"

namespace settrade::record_walk {

constexpr std::size_t kPrefixBytes = 8;

inline std::uint32_t load_le32(const std::uint8_t* p) noexcept {
  // Assembled byte by byte: the file is little-endian on any host.
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 | static_cast<std::uint32_t>(p[2]) << 16 |
         static_cast<std::uint32_t>(p[3]) << 24;
}

inline void store_le32(std::uint8_t* p, std::uint32_t v) noexcept {
  for (int k = 0; k < 4; k++) p[k] = static_cast<std::uint8_t>(v >> (8 * k));
}

#if SETTRADE_HAVE_SSE42_CRC && defined(__x86_64__)
// The CRC-32C of three bodies at once: the crc32 instruction takes 3 cycles
// but issues every cycle, so three independent chains cost about one (a
// record's chain alone was ~15 ns of the recording's per-message cost).
__attribute__((target("sse4.2"))) inline void crc_three(const std::uint8_t* const body[3], const std::size_t len[3],
                                                         std::uint32_t out[3]) noexcept {
  std::uint64_t c0 = 0xFFFFFFFFu, c1 = 0xFFFFFFFFu, c2 = 0xFFFFFFFFu;
  std::size_t common = len[0] < len[1] ? len[0] : len[1];
  if (len[2] < common) common = len[2];
  for (std::size_t i = 0; i + 8 <= common; i += 8) {
    std::uint64_t v0, v1, v2;
    std::memcpy(&v0, body[0] + i, 8);
    std::memcpy(&v1, body[1] + i, 8);
    std::memcpy(&v2, body[2] + i, 8);
    c0 = _mm_crc32_u64(c0, v0);
    c1 = _mm_crc32_u64(c1, v1);
    c2 = _mm_crc32_u64(c2, v2);
  }
  const std::size_t done = common & ~static_cast<std::size_t>(7);
  namespace d = settrade::crc32c_detail;
  for (int i = 0; i < 3; i++) {
    const std::uint64_t c = i == 0 ? c0 : i == 1 ? c1 : c2;
    out[i] = ~d::update_sse42(static_cast<std::uint32_t>(c), body[i] + done, len[i] - done);
  }
}
#endif

// The CRCs of `count` (at most three) records' bodies; three chains at once with SSE4.2.
inline void body_crcs(const std::uint8_t* const body[3], const std::size_t len[3], int count, std::uint32_t out[3]) noexcept {
#if SETTRADE_HAVE_SSE42_CRC && defined(__x86_64__)
  if (count == 3 && settrade::crc32c_hardware()) {
    crc_three(body, len, out);
    return;
  }
#endif
  for (int i = 0; i < count; i++) out[i] = settrade::crc32c(body[i], len[i]);
}

// Fills the CRC field of every record framed in data[start, end). Returns the
// number of records, or -1 when the framing does not end exactly at `end`
// (the records before the bad one are filled). Needs start <= end.
inline std::int32_t fill_crcs(std::uint8_t* data, std::size_t start, std::size_t end) noexcept {
  std::size_t pos = start;
  std::int32_t n = 0;
  std::uint8_t* prefix[3] = {};
  const std::uint8_t* body[3] = {};
  std::size_t len[3] = {};
  std::uint32_t crcs[3] = {};
  int count = 0;
  bool bad = false;
  while (pos < end) {
    if (end - pos < kPrefixBytes) {
      bad = true;
      break;
    }
    const std::uint32_t body_len = load_le32(data + pos);
    if (body_len > end - pos - kPrefixBytes) {
      bad = true;
      break;
    }
    prefix[count] = data + pos;
    body[count] = data + pos + kPrefixBytes;
    len[count] = body_len;
    count++;
    pos += kPrefixBytes + static_cast<std::size_t>(body_len);
    n++;
    if (count == 3) {
      body_crcs(body, len, 3, crcs);
      for (int i = 0; i < 3; i++) store_le32(prefix[i] + 4, crcs[i]);
      count = 0;
    }
  }
  body_crcs(body, len, count, crcs);
  for (int i = 0; i < count; i++) store_le32(prefix[i] + 4, crcs[i]);
  return bad ? -1 : n;
}

// The offset after the run of records from `start` that are whole before
// `end`, have a body length in [min_body, max_body] and a matching CRC:
// `start` when the first is not. Needs start <= end.
inline std::size_t verified_end(const std::uint8_t* data, std::size_t start, std::size_t end, std::uint32_t min_body,
                                std::uint32_t max_body) noexcept {
  std::size_t verified = start;
  std::size_t pos = start;
  const std::uint8_t* prefix[3] = {};
  const std::uint8_t* body[3] = {};
  std::size_t len[3] = {};
  std::uint32_t crcs[3] = {};
  for (;;) {
    // Frame up to three whole, plausible records ahead, then check them in order.
    int count = 0;
    while (count < 3 && end - pos >= kPrefixBytes) {
      const std::uint32_t body_len = load_le32(data + pos);
      if (body_len < min_body || body_len > max_body || body_len > end - pos - kPrefixBytes) break;
      prefix[count] = data + pos;
      body[count] = data + pos + kPrefixBytes;
      len[count] = body_len;
      count++;
      pos += kPrefixBytes + static_cast<std::size_t>(body_len);
    }
    body_crcs(body, len, count, crcs);
    for (int i = 0; i < count; i++) {
      if (crcs[i] != load_le32(prefix[i] + 4)) return verified;
      verified += kPrefixBytes + len[i];
    }
    if (count < 3) return verified;
  }
}

}  // namespace settrade::record_walk
