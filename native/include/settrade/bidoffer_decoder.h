// BidOfferV3 decoder: reads a protobuf payload in place and writes one slot
// (layouts in slot_layout.h). Plain C++17, no N-API, no allocation, no
// exceptions. Every read is bounds-checked against [data, data + len).
//
// Semantics follow Google's protobuf runtime (the oracle of the test vectors):
// fields in any order; unknown fields skipped (including groups, matched by
// field number, nested at most kMaxDepth deep); a field with an unexpected
// wire type is an unknown field; wire types 6/7 and field number 0 are errors;
// tags are at most 5 bytes and 32 bits; varints at most 10 bytes (bits past 64
// in the 10th byte are dropped); lengths below 2^31 - 1; proto3 strings must be
// valid UTF-8; the last scalar wins; a repeated Money is merged (units and
// nanos each last-wins); int32 fields keep the low 32 bits; enums stay raw.
//
// The whole message is decoded into locals and the slot is written only on
// success, so a rejected payload leaves the slot untouched.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "settrade/slot_layout.h"

namespace settrade {

enum class DecodeStatus : std::int32_t {
  kOk = 0,
  kTruncated = 1,       // a varint, fixed field or group ran past the end of its message
  kVarintTooLong = 2,   // a varint over 10 bytes, or a tag over 5 bytes
  kBadWireType = 3,     // wire type 6 or 7
  kLengthOverflow = 4,  // a length prefix past the end of its message (or >= 2^31 - 1)
  kSymbolTooLong = 5,   // symbol over layout::kSymbolCapacity bytes
  kBadFieldNumber = 6,  // field number 0, or a tag over 32 bits
  kBadGroup = 7,        // end-group without a matching start-group, or an unterminated group
  kBadUtf8 = 8,         // a string field that is not valid UTF-8
  kTooDeep = 9,         // groups/sub-messages nested deeper than kMaxDepth
};

namespace bidoffer_detail {

constexpr int kMaxDepth = 100;  // Google's default recursion limit
constexpr int kLevels = static_cast<int>(layout::kDepthLevels);

// Parsed message: index k < 10 is bid level k+1, 10 + k is ask level k+1.
struct Book {
  std::int64_t units[2 * kLevels];
  std::int32_t nanos[2 * kLevels];
  std::int64_t vols[2 * kLevels];
  std::int32_t bid_flag;
  std::int32_t ask_flag;
  const std::uint8_t* sym;
  std::uint32_t sym_len;
};

// Varint of up to 10 bytes; the caller has handled the one-byte case.
inline DecodeStatus varint_slow(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& out) noexcept {
  const std::size_t avail = static_cast<std::size_t>(end - p);
  std::uint64_t v = 0;
  if (avail >= 10) {
    // No bounds check per byte: all 10 candidate bytes are inside the buffer.
    for (int i = 0; i < 10; ++i) {
      const std::uint64_t b = p[i];
      v |= (b & 0x7f) << (7 * i);
      if (b < 0x80) {
        p += i + 1;
        out = v;
        return DecodeStatus::kOk;
      }
    }
    return DecodeStatus::kVarintTooLong;
  }
  for (std::size_t i = 0; i < avail; ++i) {
    const std::uint64_t b = p[i];
    v |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      p += i + 1;
      out = v;
      return DecodeStatus::kOk;
    }
  }
  return DecodeStatus::kTruncated;
}

inline DecodeStatus varint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& out) noexcept {
  if (p < end && *p < 0x80) {
    out = *p++;
    return DecodeStatus::kOk;
  }
  return varint_slow(p, end, out);
}

// Tag: Google accepts at most 5 bytes and a value that fits 32 bits.
inline DecodeStatus tag_slow(const std::uint8_t*& p, const std::uint8_t* end, std::uint32_t& tag) noexcept {
  const std::uint8_t* start = p;
  std::uint64_t v;
  DecodeStatus st = varint_slow(p, end, v);
  if (st != DecodeStatus::kOk) return st;
  if (p - start > 5) return DecodeStatus::kVarintTooLong;
  if (v > 0xffffffffu) return DecodeStatus::kBadFieldNumber;
  tag = static_cast<std::uint32_t>(v);
  return DecodeStatus::kOk;
}

// Reads the tag at p (p < end). One- and two-byte tags cover every known field.
inline DecodeStatus read_tag(const std::uint8_t*& p, const std::uint8_t* end, std::uint32_t& tag) noexcept {
  const std::uint32_t b0 = p[0];
  if (b0 < 0x80) {
    tag = b0;
    p += 1;
    return DecodeStatus::kOk;
  }
  if (end - p >= 2 && p[1] < 0x80) {
    tag = (b0 & 0x7f) | (static_cast<std::uint32_t>(p[1]) << 7);
    p += 2;
    return DecodeStatus::kOk;
  }
  return tag_slow(p, end, tag);
}

// Length prefix of a length-delimited field; p ends at the payload start.
inline DecodeStatus read_length(const std::uint8_t*& p, const std::uint8_t* end, std::size_t& len) noexcept {
  std::uint64_t v;
  DecodeStatus st = varint(p, end, v);
  if (st != DecodeStatus::kOk) return st;
  if (v >= 0x7fffffffu || v > static_cast<std::uint64_t>(end - p)) return DecodeStatus::kLengthOverflow;
  len = static_cast<std::size_t>(v);
  return DecodeStatus::kOk;
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

inline DecodeStatus skip_field(std::uint32_t tag, const std::uint8_t*& p, const std::uint8_t* end, int depth) noexcept;

// Skips a group body up to its end-group tag; `field` is the group's number.
inline DecodeStatus skip_group(std::uint32_t field, const std::uint8_t*& p, const std::uint8_t* end, int depth) noexcept {
  if (depth > kMaxDepth) return DecodeStatus::kTooDeep;
  while (p < end) {
    std::uint32_t tag;
    DecodeStatus st = read_tag(p, end, tag);
    if (st != DecodeStatus::kOk) return st;
    if ((tag & 7) == 4 && (tag >> 3) != 0) {
      return (tag >> 3) == field ? DecodeStatus::kOk : DecodeStatus::kBadGroup;
    }
    st = skip_field(tag, p, end, depth);
    if (st != DecodeStatus::kOk) return st;
  }
  return DecodeStatus::kBadGroup;  // the message ended inside the group
}

// Skips one unknown field whose tag has been read. `depth` is the nesting
// level of the message that contains the field (0 = top level).
inline DecodeStatus skip_field(std::uint32_t tag, const std::uint8_t*& p, const std::uint8_t* end, int depth) noexcept {
  const std::uint32_t wt = tag & 7;
  if (wt >= 6) return DecodeStatus::kBadWireType;
  if ((tag >> 3) == 0) return DecodeStatus::kBadFieldNumber;
  switch (wt) {
    case 0: {
      std::uint64_t v;
      return varint(p, end, v);
    }
    case 1:
      if (end - p < 8) return DecodeStatus::kTruncated;
      p += 8;
      return DecodeStatus::kOk;
    case 2: {
      std::size_t len;
      DecodeStatus st = read_length(p, end, len);
      if (st != DecodeStatus::kOk) return st;
      p += len;
      return DecodeStatus::kOk;
    }
    case 3:
      return skip_group(tag >> 3, p, end, depth + 1);
    case 4:
      return DecodeStatus::kBadGroup;  // end-group outside any group
    default:  // 5
      if (end - p < 4) return DecodeStatus::kTruncated;
      p += 4;
      return DecodeStatus::kOk;
  }
}

// Merges one Money sub-message [p, end) into units/nanos (each last-wins).
inline DecodeStatus parse_money(const std::uint8_t* p, const std::uint8_t* end, std::int64_t& units,
                                std::int32_t& nanos) noexcept {
  while (p < end) {
    std::uint32_t tag;
    DecodeStatus st;
    if (*p < 0x80) {
      tag = *p++;
    } else {
      st = read_tag(p, end, tag);
      if (st != DecodeStatus::kOk) return st;
    }
    std::uint64_t v;
    switch (tag) {
      case 0x10:  // units
        st = varint(p, end, v);
        if (st != DecodeStatus::kOk) return st;
        units = static_cast<std::int64_t>(v);
        break;
      case 0x18:  // nanos
        st = varint(p, end, v);
        if (st != DecodeStatus::kOk) return st;
        nanos = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        break;
      case 0x0a: {  // currency_code: validated, not kept
        std::size_t len;
        st = read_length(p, end, len);
        if (st != DecodeStatus::kOk) return st;
        if (!valid_utf8(p, len)) return DecodeStatus::kBadUtf8;
        p += len;
        break;
      }
      default:
        st = skip_field(tag, p, end, 1);
        if (st != DecodeStatus::kOk) return st;
    }
  }
  return DecodeStatus::kOk;
}

// Field tags of BidOfferV3 (field << 3 | wire type), grouped so that the
// switch in parse_book maps each one straight to its book index.
#define SETTRADE_MONEY_CASES(X)                                                                        \
  X(0x12, 0) X(0x1a, 1) X(0x22, 2) X(0x2a, 3) X(0x32, 4)                 /* bid_price1-5, fields 2-6 */ \
  X(0x3a, 10) X(0x42, 11) X(0x4a, 12) X(0x52, 13) X(0x5a, 14)           /* ask_price1-5, 7-11 */       \
  X(0xc2, 5) X(0xca, 6) X(0xd2, 7) X(0xda, 8) X(0xe2, 9)                /* bid_price6-10, 24-28 */     \
  X(0xea, 15) X(0xf2, 16) X(0xfa, 17) X(0x102, 18) X(0x10a, 19)         /* ask_price6-10, 29-33 */
#define SETTRADE_VOLUME_CASES(X)                                                                       \
  X(0x60, 0) X(0x68, 1) X(0x70, 2) X(0x78, 3) X(0x80, 4)                /* bid_volume1-5, 12-16 */     \
  X(0x88, 10) X(0x90, 11) X(0x98, 12) X(0xa0, 13) X(0xa8, 14)           /* ask_volume1-5, 17-21 */     \
  X(0x110, 5) X(0x118, 6) X(0x120, 7) X(0x128, 8) X(0x130, 9)           /* bid_volume6-10, 34-38 */    \
  X(0x138, 15) X(0x140, 16) X(0x148, 17) X(0x150, 18) X(0x158, 19)      /* ask_volume6-10, 39-43 */

inline DecodeStatus parse_book(const std::uint8_t* p, const std::uint8_t* end, Book& b) noexcept {
  while (p < end) {
    std::uint32_t tag;
    DecodeStatus st = read_tag(p, end, tag);
    if (st != DecodeStatus::kOk) return st;
    std::uint64_t v;
    int idx;
    switch (tag) {
      case 0x0a: {  // symbol
        std::size_t len;
        st = read_length(p, end, len);
        if (st != DecodeStatus::kOk) return st;
        if (len > layout::kSymbolCapacity) return DecodeStatus::kSymbolTooLong;
        if (!valid_utf8(p, len)) return DecodeStatus::kBadUtf8;
        b.sym = p;
        b.sym_len = static_cast<std::uint32_t>(len);
        p += len;
        continue;
      }
#define SETTRADE_CASE(t, i) \
  case t:                   \
    idx = i;                \
    goto money;
        SETTRADE_MONEY_CASES(SETTRADE_CASE)
#undef SETTRADE_CASE
#define SETTRADE_CASE(t, i) \
  case t:                   \
    idx = i;                \
    goto volume;
        SETTRADE_VOLUME_CASES(SETTRADE_CASE)
#undef SETTRADE_CASE
      case 0xb0:  // bid_flag
        st = varint(p, end, v);
        if (st != DecodeStatus::kOk) return st;
        b.bid_flag = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        continue;
      case 0xb8:  // ask_flag
        st = varint(p, end, v);
        if (st != DecodeStatus::kOk) return st;
        b.ask_flag = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        continue;
      default:
        st = skip_field(tag, p, end, 0);
        if (st != DecodeStatus::kOk) return st;
        continue;
    }
  money : {
    std::size_t len;
    if (p < end && *p < 0x80 && static_cast<std::size_t>(*p) < static_cast<std::size_t>(end - p)) {
      len = *p++;
    } else {
      st = read_length(p, end, len);
      if (st != DecodeStatus::kOk) return st;
    }
    const std::uint8_t* sub_end = p + len;
    // Canonical shape `10 <units> 18 <nanos>` with one- to few-byte varints.
    if (len >= 2 && p[0] == 0x10) {
      const std::uint8_t* q = p + 1;
      if (q < sub_end && *q < 0x80) {
        v = *q++;
      } else {
        st = varint_slow(q, sub_end, v);
        if (st != DecodeStatus::kOk) return st;
      }
      b.units[idx] = static_cast<std::int64_t>(v);
      p = q;
      if (sub_end - p > 1 && p[0] == 0x18) {
        q = p + 1;
        if (*q < 0x80) {
          v = *q++;
        } else {
          st = varint_slow(q, sub_end, v);
          if (st != DecodeStatus::kOk) return st;
        }
        b.nanos[idx] = static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
        p = q;
      }
    }
    if (p != sub_end) {
      st = parse_money(p, sub_end, b.units[idx], b.nanos[idx]);
      if (st != DecodeStatus::kOk) return st;
    }
    p = sub_end;
    continue;
  }
  volume:
    if (p < end && *p < 0x80) {
      v = *p++;
    } else {
      st = varint_slow(p, end, v);
      if (st != DecodeStatus::kOk) return st;
    }
    b.vols[idx] = static_cast<std::int64_t>(v);
  }
  return DecodeStatus::kOk;
}
#undef SETTRADE_MONEY_CASES
#undef SETTRADE_VOLUME_CASES

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

inline void store_header(const Book& b, std::uint8_t* slot) noexcept {
  store_i32(slot + layout::kBidFlagOffset, b.bid_flag);
  store_i32(slot + layout::kAskFlagOffset, b.ask_flag);
  // Length as a 32-bit word: the three padding bytes after it become zero.
  store_i32(slot + layout::kSymbolLengthOffset, static_cast<std::int32_t>(b.sym_len));
  std::uint8_t sym[layout::kSymbolCapacity] = {};
  if (b.sym_len != 0) std::memcpy(sym, b.sym, b.sym_len);
  std::memcpy(slot + layout::kSymbolOffset, sym, layout::kSymbolCapacity);
}

inline DecodeStatus decode(const std::uint8_t* data, std::size_t len, Book& b) noexcept {
  std::memset(&b, 0, sizeof b);
  if (len == 0) return DecodeStatus::kOk;
  return parse_book(data, data + len, b);
}

}  // namespace bidoffer_detail

// Decode a BidOfferV3 payload into a slot: writes the book, the flags, the
// symbol length and bytes; leaves recvTs, recvMonoNs and connectionEpoch alone.
// Never reads outside [data, data + len) and never writes outside the slot
// (layout::kFullBidOfferSlotSize bytes). On error the slot is not modified.
inline DecodeStatus decode_full_bid_offer(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  namespace d = bidoffer_detail;
  d::Book b;
  const DecodeStatus st = d::decode(data, len, b);
  if (st != DecodeStatus::kOk) return st;
  d::store_header(b, slot);
  for (int k = 0; k < d::kLevels; ++k) {
    d::store_f64(slot + layout::kFboBidPricesOffset + 8 * k, d::price(b.units[k], b.nanos[k]));
    d::store_f64(slot + layout::kFboAskPricesOffset + 8 * k, d::price(b.units[10 + k], b.nanos[10 + k]));
  }
  std::memcpy(slot + layout::kFboBidVolumesOffset, &b.vols[0], 8 * layout::kDepthLevels);
  std::memcpy(slot + layout::kFboAskVolumesOffset, &b.vols[10], 8 * layout::kDepthLevels);
  return DecodeStatus::kOk;
}

// Same validation as decode_full_bid_offer (same accept/reject and status);
// writes level 1 only (layout::kBestBidAskSlotSize bytes).
inline DecodeStatus decode_best_bid_ask(const std::uint8_t* data, std::size_t len, std::uint8_t* slot) noexcept {
  namespace d = bidoffer_detail;
  d::Book b;
  const DecodeStatus st = d::decode(data, len, b);
  if (st != DecodeStatus::kOk) return st;
  d::store_header(b, slot);
  d::store_f64(slot + layout::kBbaBidOffset, d::price(b.units[0], b.nanos[0]));
  d::store_f64(slot + layout::kBbaAskOffset, d::price(b.units[10], b.nanos[10]));
  d::store_i64(slot + layout::kBbaBidVolOffset, b.vols[0]);
  d::store_i64(slot + layout::kBbaAskVolOffset, b.vols[10]);
  return DecodeStatus::kOk;
}

// Name of a status, for messages ("TRUNCATED", ...); matches the TS ParseError codes.
inline const char* decode_status_name(DecodeStatus s) noexcept {
  switch (s) {
    case DecodeStatus::kOk: return "OK";
    case DecodeStatus::kTruncated: return "TRUNCATED";
    case DecodeStatus::kVarintTooLong: return "VARINT_TOO_LONG";
    case DecodeStatus::kBadWireType: return "BAD_WIRE_TYPE";
    case DecodeStatus::kLengthOverflow: return "LENGTH_OVERFLOW";
    case DecodeStatus::kSymbolTooLong: return "SYMBOL_TOO_LONG";
    case DecodeStatus::kBadFieldNumber: return "BAD_FIELD_NUMBER";
    case DecodeStatus::kBadGroup: return "BAD_GROUP";
    case DecodeStatus::kBadUtf8: return "BAD_UTF8";
    case DecodeStatus::kTooDeep: return "TOO_DEEP";
  }
  return "UNKNOWN";
}

}  // namespace settrade
