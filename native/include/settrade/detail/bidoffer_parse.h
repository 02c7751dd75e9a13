// The BidOfferV3 parser behind settrade/bidoffer_decoder.h: the message is
// read into a Book of locals (the generic field loop for any shape, and the
// canonical fast path compiled once per instruction-set variant), then the
// slot is written from it. Not an interface: include bidoffer_decoder.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#if defined(_MSC_VER) && !defined(__clang__)
#include <intrin.h>
#endif
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

// The BMI2 variant needs GCC/Clang (target pragmas, <cpuid.h>) on x86-64.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SETTRADE_HAVE_BMI2_VARIANT 1
#include <cpuid.h>
#else
#define SETTRADE_HAVE_BMI2_VARIANT 0
#endif

#include "settrade/bidoffer_decoder.h"
#include "settrade/slot_layout.h"

namespace settrade {

namespace bidoffer_detail {

// The hot helpers must be inlined into the straight-line fast path: out of
// line, every field pays a call and its values go through memory.
#if defined(__GNUC__) || defined(__clang__)
#define SETTRADE_HOT inline __attribute__((always_inline))
#define SETTRADE_COLD __attribute__((noinline))
#define SETTRADE_LIKELY(x) __builtin_expect(!!(x), 1)
#define SETTRADE_UNLIKELY(x) __builtin_expect(!!(x), 0)
#elif defined(_MSC_VER)
#define SETTRADE_HOT __forceinline
#define SETTRADE_COLD __declspec(noinline)
#define SETTRADE_LIKELY(x) (x)
#define SETTRADE_UNLIKELY(x) (x)
#else
#define SETTRADE_HOT inline
#define SETTRADE_COLD
#define SETTRADE_LIKELY(x) (x)
#define SETTRADE_UNLIKELY(x) (x)
#endif

constexpr int kMaxDepth = 100;  // Google's default recursion limit
constexpr int kLevels = static_cast<int>(layout::kDepthLevels);

// Parsed message: index k < 10 is bid level k+1, 10 + k is ask level k+1.
struct Book {
  std::int64_t units[2 * kLevels];
  std::int32_t nanos[2 * kLevels];
  std::int64_t vols[2 * kLevels];
  std::int32_t bid_flag;
  std::int32_t ask_flag;
  const std::uint8_t* sym;  // symbol bytes inside the payload
  std::uint32_t sym_len;
  const std::uint8_t* end;  // end of the payload
};

// Helpers take the read position by value and return the new one (nullptr on
// error, the status then in `v`/`status`), so that the position stays in a
// register: a position passed by reference to a function that is not inlined
// (skip_field recurses) would live in memory and put a store-to-load on the
// path of every field.
struct Varint {
  const std::uint8_t* p;  // past the varint, or nullptr
  std::uint64_t v;        // the value, or the DecodeStatus when p is nullptr
};
struct Pos {
  const std::uint8_t* p;  // new position, or nullptr
  DecodeStatus status;
};

inline Varint varint_error(DecodeStatus s) noexcept { return {nullptr, static_cast<std::uint64_t>(s)}; }

// Varint of up to 10 bytes, byte by byte (near the end of the buffer).
SETTRADE_COLD inline Varint varint_slow(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  const std::size_t avail = static_cast<std::size_t>(end - p);
  const std::size_t n = avail < 10 ? avail : 10;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t b = p[i];
    v |= (b & 0x7f) << (7 * i);
    if (b < 0x80) return {p + i + 1, v};
  }
  return varint_error(avail >= 10 ? DecodeStatus::kVarintTooLong : DecodeStatus::kTruncated);
}

// Eight payload bytes as a little-endian word (the caller guarantees 8 bytes).
SETTRADE_HOT std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  x = __builtin_bswap64(x);
#endif
  return x;
}

// Index of the lowest set bit; x != 0.
SETTRADE_HOT int ctz64(std::uint64_t x) noexcept {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long i;
  _BitScanForward64(&i, x);
  return static_cast<int>(i);
#else
  return __builtin_ctzll(x);
#endif
}

// The 7-bit groups of the bytes of x up to the stop byte (lowest set bit of
// `stop`, a 0x80-per-byte mask of bytes without continuation), packed in
// three log steps: 16-bit lanes, 32-bit lanes, then the whole word.
SETTRADE_HOT std::uint64_t gather7(std::uint64_t x, std::uint64_t stop) noexcept {
  x &= (stop ^ (stop - 1)) & 0x7f7f7f7f7f7f7f7full;
  x = (x & 0x007f007f007f007full) | ((x >> 1) & 0x3f803f803f803f80ull);
  x = (x & 0x00003fff00003fffull) | ((x >> 2) & 0x0fffc0000fffc000ull);
  return (x & 0x000000000fffffffull) | ((x >> 4) & 0x00fffffff0000000ull);
}

// Multi-byte varint without a per-byte loop: one 8-byte load, the stop byte
// found by its clear high bit, the 7-bit groups gathered by shifts. Varint
// lengths vary from field to field, so a byte loop mispredicts its exit.
SETTRADE_HOT Varint varint_multi(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  if (end - p >= 8) {
    std::uint64_t x = load_le64(p);
    const std::uint64_t stop = ~x & 0x8080808080808080ull;
    if (stop != 0) {
      return {p + (ctz64(stop) >> 3) + 1, gather7(x, stop)};
    }
  }
  return varint_slow(p, end);
}

SETTRADE_HOT Varint varint(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  if (p < end && *p < 0x80) return {p + 1, *p};
  return varint_multi(p, end);
}

// Branch-free varint for the canonical fast path: the 8-byte load may look
// past `limit` (the end of a Money sub-message) but never past `buf_end`; a
// varint that does not end by `limit` goes the exact byte-by-byte way.
SETTRADE_HOT Varint varint_within(const std::uint8_t* p, const std::uint8_t* limit, const std::uint8_t* buf_end) noexcept {
  if (buf_end - p >= 8) {
    std::uint64_t x = load_le64(p);
    const std::uint64_t stop = ~x & 0x8080808080808080ull;
    const std::uint8_t* next = p + (stop != 0 ? (ctz64(stop) >> 3) + 1 : 9);
    if (stop != 0 && next <= limit) {
      return {next, gather7(x, stop)};
    }
  }
  return varint_slow(p, limit);
}

// Tag of three bytes or more: Google accepts at most 5 bytes and 32 bits.
inline Varint tag_slow(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  const Varint r = varint_slow(p, end);
  if (r.p == nullptr) return r;
  if (r.p - p > 5) return varint_error(DecodeStatus::kVarintTooLong);
  if (r.v > 0xffffffffu) return varint_error(DecodeStatus::kBadFieldNumber);
  return r;
}

// Reads the tag at p (p < end). One- and two-byte tags cover every known field.
SETTRADE_HOT Varint read_tag(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  const std::uint32_t b0 = p[0];
  if (b0 < 0x80) return {p + 1, b0};
  if (end - p >= 2 && p[1] < 0x80) return {p + 2, (b0 & 0x7f) | (static_cast<std::uint32_t>(p[1]) << 7)};
  return tag_slow(p, end);
}

// Length prefix of a length-delimited field: {payload start, length}.
SETTRADE_HOT Varint read_length(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  const Varint r = varint(p, end);
  if (r.p == nullptr) return r;
  if (r.v >= 0x7fffffffu || r.v > static_cast<std::uint64_t>(end - r.p)) return varint_error(DecodeStatus::kLengthOverflow);
  return r;
}

// Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
inline bool valid_utf8(const std::uint8_t* s, std::size_t n) noexcept {
  std::size_t i = 0;
  while (i < n) {
    const std::uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t need;
    std::uint8_t lo = 0x80, hi = 0xbf;
    if (c < 0xc2) return false;
    if (c < 0xe0) {
      need = 1;
    } else if (c < 0xf0) {
      need = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c < 0xf5) {
      need = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (n - i - 1 < need) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (std::size_t k = 2; k <= need; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
    }
    i += need + 1;
  }
  return true;
}

inline Pos skip_field(std::uint32_t tag, const std::uint8_t* p, const std::uint8_t* end, int depth) noexcept;

inline Pos pos_of(const Varint& r) noexcept {
  return r.p ? Pos{r.p, DecodeStatus::kOk} : Pos{nullptr, static_cast<DecodeStatus>(r.v)};
}

// Skips a group body up to its end-group tag; `field` is the group's number.
inline Pos skip_group(std::uint32_t field, const std::uint8_t* p, const std::uint8_t* end, int depth) noexcept {
  if (depth > kMaxDepth) return {nullptr, DecodeStatus::kTooDeep};
  while (p < end) {
    const Varint t = read_tag(p, end);
    if (t.p == nullptr) return pos_of(t);
    const std::uint32_t tag = static_cast<std::uint32_t>(t.v);
    if ((tag & 7) == 4 && (tag >> 3) != 0) {
      return (tag >> 3) == field ? Pos{t.p, DecodeStatus::kOk} : Pos{nullptr, DecodeStatus::kBadGroup};
    }
    const Pos r = skip_field(tag, t.p, end, depth);
    if (r.p == nullptr) return r;
    p = r.p;
  }
  return {nullptr, DecodeStatus::kBadGroup};  // the message ended inside the group
}

// Skips one unknown field whose tag has been read. `depth` is the nesting
// level of the message that contains the field (0 = top level).
inline Pos skip_field(std::uint32_t tag, const std::uint8_t* p, const std::uint8_t* end, int depth) noexcept {
  const std::uint32_t wt = tag & 7;
  if (wt >= 6) return {nullptr, DecodeStatus::kBadWireType};
  if ((tag >> 3) == 0) return {nullptr, DecodeStatus::kBadFieldNumber};
  switch (wt) {
    case 0:
      return pos_of(varint(p, end));
    case 1:
      if (end - p < 8) return {nullptr, DecodeStatus::kTruncated};
      return {p + 8, DecodeStatus::kOk};
    case 2: {
      const Varint r = read_length(p, end);
      if (r.p == nullptr) return pos_of(r);
      return {r.p + r.v, DecodeStatus::kOk};
    }
    case 3:
      return skip_group(tag >> 3, p, end, depth + 1);
    case 4:
      return {nullptr, DecodeStatus::kBadGroup};  // end-group outside any group
    default:  // 5
      if (end - p < 4) return {nullptr, DecodeStatus::kTruncated};
      return {p + 4, DecodeStatus::kOk};
  }
}

// Merges one Money sub-message [p, end) into units/nanos (each last-wins).
SETTRADE_COLD inline DecodeStatus parse_money(const std::uint8_t* p, const std::uint8_t* end, std::int64_t& units,
                                std::int32_t& nanos) noexcept {
  while (p < end) {
    const Varint t = read_tag(p, end);
    if (t.p == nullptr) return static_cast<DecodeStatus>(t.v);
    p = t.p;
    const std::uint32_t tag = static_cast<std::uint32_t>(t.v);
    if (tag == 0x10 || tag == 0x18) {  // units, nanos
      const Varint r = varint(p, end);
      if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
      p = r.p;
      if (tag == 0x10) {
        units = static_cast<std::int64_t>(r.v);
      } else {
        nanos = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.v));
      }
    } else if (tag == 0x0a) {  // currency_code: validated, not kept
      const Varint r = read_length(p, end);
      if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
      if (!valid_utf8(r.p, r.v)) return DecodeStatus::kBadUtf8;
      p = r.p + r.v;
    } else {
      const Pos r = skip_field(tag, p, end, 1);
      if (r.p == nullptr) return r.status;
      p = r.p;
    }
  }
  return DecodeStatus::kOk;
}

// What each known tag (field << 3 | wire type) is, and its book index. A
// table lookup plus a few well-predicted conditional branches beats a switch:
// the switch compiles to an indirect jump that mispredicts on almost every
// field, while canonical messages come as runs of the same field type.
enum TagType : std::uint8_t { kOther = 0, kMoney, kVolume, kSymbol, kBidFlag, kAskFlag };
constexpr std::uint32_t kTagLimit = 0x160;  // past the highest known tag (43 << 3)

struct TagTable {
  std::uint8_t type[kTagLimit];
  std::uint8_t index[kTagLimit];
  constexpr TagTable() : type(), index() {
    auto set = [this](std::uint32_t field, std::uint32_t wire, TagType t, int i) {
      type[field << 3 | wire] = t;
      index[field << 3 | wire] = static_cast<std::uint8_t>(i);
    };
    set(1, 2, kSymbol, 0);
    for (int k = 0; k < 5; ++k) {
      set(2 + k, 2, kMoney, k);         // bid_price1-5
      set(7 + k, 2, kMoney, 10 + k);    // ask_price1-5
      set(12 + k, 0, kVolume, k);       // bid_volume1-5
      set(17 + k, 0, kVolume, 10 + k);  // ask_volume1-5
      set(24 + k, 2, kMoney, 5 + k);    // bid_price6-10
      set(29 + k, 2, kMoney, 15 + k);   // ask_price6-10
      set(34 + k, 0, kVolume, 5 + k);   // bid_volume6-10
      set(39 + k, 0, kVolume, 15 + k);  // ask_volume6-10
    }
    set(22, 0, kBidFlag, 0);
    set(23, 0, kAskFlag, 0);
  }
};
inline constexpr TagTable kTags{};

// One Money field's bytes [p, sub_end): the canonical `10 <units> 18 <nanos>`
// inline, anything else through parse_money (merging into the same entry).
SETTRADE_HOT DecodeStatus money_field(const std::uint8_t* p, const std::uint8_t* sub_end, const std::uint8_t* buf_end,
                                std::int64_t& units, std::int32_t& nanos) noexcept {
  if (sub_end - p >= 2 && p[0] == 0x10) {
    Varint r = varint_within(p + 1, sub_end, buf_end);
    if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
    units = static_cast<std::int64_t>(r.v);
    p = r.p;
    if (sub_end - p > 1 && p[0] == 0x18) {
      r = varint_within(p + 1, sub_end, buf_end);
      if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
      nanos = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.v));
      p = r.p;
    }
  }
  if (p == sub_end) return DecodeStatus::kOk;
  return parse_money(p, sub_end, units, nanos);
}

// Tag bytes of a known field, as they appear on the wire (little-endian).
template <std::uint32_t Field, std::uint32_t Wire>
struct TagCode {
  static constexpr std::uint32_t tag = Field << 3 | Wire;
  static constexpr int size = tag < 0x80 ? 1 : 2;
  static constexpr std::uint32_t bytes = tag < 0x80 ? tag : ((tag & 0x7f) | 0x80) | ((tag >> 7) << 8);
};

template <std::uint32_t Field, std::uint32_t Wire>
SETTRADE_HOT bool next_tag_is(const std::uint8_t* p, const std::uint8_t* end) noexcept {
  using T = TagCode<Field, Wire>;
  if constexpr (T::size == 1) {
    return p < end && *p == T::bytes;
  } else {
    return end - p >= 2 && (static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8) == T::bytes;
  }
}

inline DecodeStatus parse_book(const std::uint8_t* p, const std::uint8_t* end, Book& b) noexcept {
  while (p < end) {
    const Varint t = read_tag(p, end);
    if (t.p == nullptr) return static_cast<DecodeStatus>(t.v);
    p = t.p;
    const std::uint32_t tag = static_cast<std::uint32_t>(t.v);
    const std::uint32_t type = tag < kTagLimit ? kTags.type[tag] : std::uint32_t{kOther};
    const std::uint32_t idx = tag < kTagLimit ? kTags.index[tag] : 0;
    if (type == kMoney) {
      std::size_t len;
      if (p < end && *p < 0x80 && static_cast<std::size_t>(*p) < static_cast<std::size_t>(end - p)) {
        len = *p++;
      } else {
        const Varint r = read_length(p, end);
        if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
        p = r.p;
        len = static_cast<std::size_t>(r.v);
      }
      const DecodeStatus st = money_field(p, p + len, end, b.units[idx], b.nanos[idx]);
      if (st != DecodeStatus::kOk) return st;
      p += len;
    } else if (type == kVolume) {
      const Varint r = varint(p, end);
      if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
      p = r.p;
      b.vols[idx] = static_cast<std::int64_t>(r.v);
    } else if (type == kSymbol) {
      const Varint r = read_length(p, end);
      if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
      if (r.v > layout::kSymbolCapacity) return DecodeStatus::kSymbolTooLong;
      if (!valid_utf8(r.p, r.v)) return DecodeStatus::kBadUtf8;
      b.sym = r.p;
      b.sym_len = static_cast<std::uint32_t>(r.v);
      p = r.p + r.v;
    } else if (type == kBidFlag || type == kAskFlag) {
      const Varint r = varint(p, end);
      if (r.p == nullptr) return static_cast<DecodeStatus>(r.v);
      p = r.p;
      (type == kBidFlag ? b.bid_flag : b.ask_flag) = static_cast<std::int32_t>(static_cast<std::uint32_t>(r.v));
    } else {
      const Pos r = skip_field(tag, p, end, 0);
      if (r.p == nullptr) return r.status;
      p = r.p;
    }
  }
  return DecodeStatus::kOk;
}

// Exactly `units + nanos * 1e-9` in double arithmetic: the JS decoder computes
// the same expression, and the build disables FMA contraction, so the two
// backends agree bit for bit.
inline double price(std::int64_t units, std::int32_t nanos) noexcept {
  const double scaled = static_cast<double>(nanos) * 1e-9;
  return static_cast<double>(units) + scaled;
}

inline void store_f64(std::uint8_t* dst, double v) noexcept { std::memcpy(dst, &v, 8); }
inline void store_i64(std::uint8_t* dst, std::int64_t v) noexcept { std::memcpy(dst, &v, 8); }
inline void store_i32(std::uint8_t* dst, std::int32_t v) noexcept { std::memcpy(dst, &v, 4); }

// Bytes kept of a 32-byte symbol window: kSymbolKeep[32 - len + i] is 0xff for i < len.
alignas(64) inline constexpr std::uint8_t kSymbolKeep[64] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

inline void store_header(const Book& b, std::uint8_t* slot) noexcept {
  store_i32(slot + layout::kBidFlagOffset, b.bid_flag);
  store_i32(slot + layout::kAskFlagOffset, b.ask_flag);
  // Length as a 32-bit word: the three padding bytes after it become zero.
  store_i32(slot + layout::kSymbolLengthOffset, static_cast<std::int32_t>(b.sym_len));
  std::uint8_t sym[layout::kSymbolCapacity];
  if (b.end - b.sym >= static_cast<std::ptrdiff_t>(layout::kSymbolCapacity)) {
    // Fixed-size copy of the whole window, then the bytes past the symbol
    // masked off: no variable-length memcpy call on the hot path.
    std::memcpy(sym, b.sym, layout::kSymbolCapacity);
    const std::uint8_t* keep = kSymbolKeep + (layout::kSymbolCapacity - b.sym_len);
    for (std::size_t i = 0; i < layout::kSymbolCapacity; ++i) sym[i] &= keep[i];
  } else {
    for (std::size_t i = 0; i < layout::kSymbolCapacity; ++i) sym[i] = i < b.sym_len ? b.sym[i] : 0;
  }
  std::memcpy(slot + layout::kSymbolOffset, sym, layout::kSymbolCapacity);
}

// Clears `bytes` bytes at p (a multiple of 16) with unrolled 16-byte stores.
// Written as a pack expansion, not a loop or memset: GCC turns both into
// `rep stos` at these sizes, and its start-up cost was ~10% of a whole decode.
template <std::size_t... I>
SETTRADE_HOT void zero16(void* p, std::index_sequence<I...>) noexcept {
#if defined(__x86_64__) || defined(_M_X64)
  const __m128i z = _mm_setzero_si128();
  (_mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<char*>(p) + 16 * I), z), ...);
#else
  std::memset(p, 0, 16 * sizeof...(I));
#endif
}

SETTRADE_HOT void zero_book(Book& b) noexcept {
  static_assert(sizeof b.units % 16 == 0 && sizeof b.nanos % 16 == 0 && sizeof b.vols % 16 == 0, "16-byte multiples");
  zero16(b.units, std::make_index_sequence<sizeof b.units / 16>{});
  zero16(b.nanos, std::make_index_sequence<sizeof b.nanos / 16>{});
  zero16(b.vols, std::make_index_sequence<sizeof b.vols / 16>{});
  b.bid_flag = 0;
  b.ask_flag = 0;
}

// Writes a decoded book into a FullBidOffer slot (everything but the timestamps).
inline void write_full(const Book& b, std::uint8_t* slot) noexcept {
  store_header(b, slot);
  for (int k = 0; k < kLevels; ++k) {
    store_f64(slot + layout::kFboBidPricesOffset + 8 * k, price(b.units[k], b.nanos[k]));
    store_f64(slot + layout::kFboAskPricesOffset + 8 * k, price(b.units[10 + k], b.nanos[10 + k]));
  }
  std::memcpy(slot + layout::kFboBidVolumesOffset, &b.vols[0], 8 * layout::kDepthLevels);
  std::memcpy(slot + layout::kFboAskVolumesOffset, &b.vols[10], 8 * layout::kDepthLevels);
}

// Writes level 1 of a decoded book into a BestBidAsk slot.
inline void write_best(const Book& b, std::uint8_t* slot) noexcept {
  store_header(b, slot);
  store_f64(slot + layout::kBbaBidOffset, price(b.units[0], b.nanos[0]));
  store_f64(slot + layout::kBbaAskOffset, price(b.units[10], b.nanos[10]));
  store_i64(slot + layout::kBbaBidVolOffset, b.vols[0]);
  store_i64(slot + layout::kBbaAskVolOffset, b.vols[10]);
}

// The reference semantics: the generic field loop alone from the first byte
// (no fast path), writing a FullBidOffer (`full`) or BestBidAsk slot. Every
// variant must reproduce it exactly; the C++ tests and the fuzz targets
// compare against it.
inline DecodeStatus decode_generic(bool full, const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  Book b;
  zero_book(b);
  b.sym = data;
  b.sym_len = 0;
  b.end = data + len;
  const DecodeStatus st = parse_book(data, data + len, b);
  if (st != DecodeStatus::kOk) return st;
  full ? write_full(b, slot) : write_best(b, slot);
  return st;
}

constexpr std::uint64_t kHigh = 0x8080808080808080ull;  // the continuation bit of each byte

// ---- the canonical fast path, compiled once per instruction-set variant ----
namespace portable {
#define SETTRADE_FAST_BMI2 0
#include "settrade/detail/bidoffer_fast_path.inc"
#undef SETTRADE_FAST_BMI2
}  // namespace portable

#if SETTRADE_HAVE_BMI2_VARIANT
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("bmi,bmi2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("bmi,bmi2")
#endif
namespace bmi2 {
#define SETTRADE_FAST_BMI2 1
#include "settrade/detail/bidoffer_fast_path.inc"
#undef SETTRADE_FAST_BMI2
}  // namespace bmi2
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

// Whether this CPU has BMI1+BMI2 with a fast PEXT. AMD before Zen 3 (family
// 0x19) implements PEXT in microcode, tens to hundreds of cycles, so those
// CPUs (and Hygon's Zen 1 derivative) take the portable variant.
inline bool cpu_has_fast_pext() noexcept {
#if SETTRADE_HAVE_BMI2_VARIANT
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  if ((b & (1u << 3)) == 0 || (b & (1u << 8)) == 0) return false;  // BMI1, BMI2
  if (!__get_cpuid(0, &a, &b, &c, &d)) return false;
  const bool amd = b == 0x68747541u && d == 0x69746e65u && c == 0x444d4163u;    // "AuthenticAMD"
  const bool hygon = b == 0x6f677948u && d == 0x6e65476eu && c == 0x656e6975u;  // "HygonGenuine"
  if (!amd && !hygon) return true;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  unsigned family = (a >> 8) & 0xf;
  if (family == 0xf) family += (a >> 20) & 0xff;
  return amd && family >= 0x19;
#else
  return false;
#endif
}

#undef SETTRADE_HOT
#undef SETTRADE_COLD
#undef SETTRADE_LIKELY
#undef SETTRADE_UNLIKELY
}  // namespace bidoffer_detail

}  // namespace settrade
