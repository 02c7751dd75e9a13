// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78; init and final XOR
// 0xFFFFFFFF; check value 0xE3069283 for "123456789"), the checksum of every
// record of a recording (docs/recording-format.md). Two variants with
// identical results: SSE4.2's crc32 instruction (x86-64, chosen at run time
// when the CPU has it) and a portable slicing-by-8.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define SETTRADE_HAVE_SSE42_CRC 1
#include <nmmintrin.h>
#else
#define SETTRADE_HAVE_SSE42_CRC 0
#endif

namespace settrade {
namespace crc32c_detail {

using Tables = std::array<std::uint32_t, 8 * 256>;

inline const Tables& tables() noexcept {
  static const Tables t = [] {
    Tables r{};
    for (std::uint32_t n = 0; n < 256; n++) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      r[n] = c;
    }
    for (std::uint32_t n = 0; n < 256; n++) {
      std::uint32_t c = r[n];
      for (int k = 1; k < 8; k++) {
        c = r[c & 0xFF] ^ (c >> 8);
        r[k * 256 + n] = c;
      }
    }
    return r;
  }();
  return t;
}

#if SETTRADE_HAVE_SSE42_CRC
#if defined(__x86_64__)
__attribute__((target("sse4.2"))) inline std::uint32_t update_sse42(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept {
  std::uint64_t c = crc;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  auto c32 = static_cast<std::uint32_t>(c);
  for (; n > 0; p++, n--) c32 = _mm_crc32_u8(c32, *p);
  return c32;
}
#else
__attribute__((target("sse4.2"))) inline std::uint32_t update_sse42(std::uint32_t crc, const std::uint8_t* p, std::size_t n) noexcept {
  for (; n >= 4; p += 4, n -= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    crc = _mm_crc32_u32(crc, v);
  }
  for (; n > 0; p++, n--) crc = _mm_crc32_u8(crc, *p);
  return crc;
}
#endif

inline bool cpu_has_sse42() noexcept {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}
#endif

// Slicing-by-8 over the raw (pre-inverted) register value.
inline std::uint32_t update_portable(std::uint32_t c, const std::uint8_t* p, std::size_t n) noexcept {
  const Tables& t = tables();
  for (; n >= 8; p += 8, n -= 8) {
    const std::uint32_t lo = c ^ (static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
                                  static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24);
    c = t[7 * 256 + (lo & 0xFF)] ^ t[6 * 256 + ((lo >> 8) & 0xFF)] ^ t[5 * 256 + ((lo >> 16) & 0xFF)] ^ t[4 * 256 + (lo >> 24)] ^
        t[3 * 256 + p[4]] ^ t[2 * 256 + p[5]] ^ t[256 + p[6]] ^ t[p[7]];
  }
  for (; n > 0; p++, n--) c = t[(c ^ *p) & 0xFF] ^ (c >> 8);
  return c;
}

}  // namespace crc32c_detail

// Whether the SSE4.2 variant runs here.
inline bool crc32c_hardware() noexcept {
#if SETTRADE_HAVE_SSE42_CRC
  return crc32c_detail::cpu_has_sse42();
#else
  return false;
#endif
}

// CRC-32C of p[0, n), continuing from `crc` (a previous result, or 0).
inline std::uint32_t crc32c_portable(const std::uint8_t* p, std::size_t n, std::uint32_t crc = 0) noexcept {
  return ~crc32c_detail::update_portable(~crc, p, n);
}

// The same, with the CPU's crc32 instruction when it has one.
inline std::uint32_t crc32c(const std::uint8_t* p, std::size_t n, std::uint32_t crc = 0) noexcept {
#if SETTRADE_HAVE_SSE42_CRC
  if (crc32c_detail::cpu_has_sse42()) return ~crc32c_detail::update_sse42(~crc, p, n);
#endif
  return crc32c_portable(p, n, crc);
}

}  // namespace settrade
