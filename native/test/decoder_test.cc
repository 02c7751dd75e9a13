// Unit test of the header-only BidOfferV3 decoder on the public vectors plus
// hand-made edge cases and a seeded mutation sweep. Built plain and with
// -fsanitize=address,undefined (scripts/test-cpp.sh): every payload is copied
// into a heap buffer of exactly its size so that any over-read is caught.
//
// Usage: decoder_test [VECTORS_DIR]   (else $SETTRADE_VECTORS_DIR, else test/fixtures/vectors)
// Exits non-zero on any mismatch.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "settrade/bidoffer_decoder.h"

namespace {

using settrade::DecodeStatus;
namespace L = settrade::layout;

int failures = 0;
int checks = 0;

#define CHECK(cond, ...)                                     \
  do {                                                       \
    ++checks;                                                \
    if (!(cond)) {                                           \
      ++failures;                                            \
      std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      std::fprintf(stderr, __VA_ARGS__);                     \
      std::fprintf(stderr, "\n");                            \
    }                                                        \
  } while (0)

using Bytes = std::vector<std::uint8_t>;

Bytes from_hex(const std::string& h) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

struct Slot {
  alignas(64) std::uint8_t b[L::kFullBidOfferSlotSize];
  Slot() { std::memset(b, 0xab, sizeof b); }
  double f64(std::size_t off) const { double v; std::memcpy(&v, b + off, 8); return v; }
  std::int64_t i64(std::size_t off) const { std::int64_t v; std::memcpy(&v, b + off, 8); return v; }
  std::int32_t i32(std::size_t off) const { std::int32_t v; std::memcpy(&v, b + off, 4); return v; }
  std::string symbol() const { return std::string(reinterpret_cast<const char*>(b + L::kSymbolOffset), b[L::kSymbolLengthOffset]); }
};

// The variant every check below runs with (main() runs them all per variant).
settrade::DecoderVariant g_variant = settrade::DecoderVariant::kPortable;

// The reference for the fast paths: the generic field loop alone, from the first byte.
DecodeStatus decode_generic(bool full, const std::uint8_t* data, std::size_t len, Slot& slot) {
  return settrade::bidoffer_detail::decode_generic(full, data, len, slot.b);
}

// Decodes from an exact-size heap copy so ASan sees any read past the end.
DecodeStatus decode_as(settrade::DecoderVariant v, bool full, const Bytes& payload, Slot& slot) {
  std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[payload.size() ? payload.size() : 1]);
  if (!payload.empty()) std::memcpy(copy.get(), payload.data(), payload.size());
  return full ? settrade::decode_full_bid_offer(v, copy.get(), payload.size(), slot.b)
              : settrade::decode_best_bid_ask(v, copy.get(), payload.size(), slot.b);
}

DecodeStatus decode(bool full, const Bytes& payload, Slot& slot) { return decode_as(g_variant, full, payload, slot); }

// ---- minimal JSONL field extraction (the vector files are flat and regular) ----
std::string json_string(const std::string& line, const std::string& key) {
  std::size_t k = line.find("\"" + key + "\": \"");
  if (k == std::string::npos) return {};
  std::string out;
  for (std::size_t i = k + key.size() + 5; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) ++i;
    out.push_back(line[i]);
  }
  return out;
}
std::vector<double> json_numbers(const std::string& line, const std::string& key) {
  std::vector<double> out;
  std::size_t k = line.find("\"" + key + "\": [");
  if (k == std::string::npos) return out;
  const char* p = line.c_str() + k + key.size() + 5;
  while (*p && *p != ']') {
    char* e;
    out.push_back(std::strtod(p, &e));
    p = e;
    while (*p == ',' || *p == ' ') ++p;
  }
  return out;
}
long long json_int(const std::string& line, const std::string& key) {
  std::size_t k = line.find("\"" + key + "\": ");
  return k == std::string::npos ? -999 : std::strtoll(line.c_str() + k + key.size() + 4, nullptr, 10);
}

bool same_double(double a, double b) { return std::memcmp(&a, &b, 8) == 0; }

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) if (!l.empty()) lines.push_back(l);
  return lines;
}

// Bytes the decoder must never write: the receive metadata, and BestBidAsk padding.
bool meta_untouched(const Slot& s, bool full) {
  for (std::size_t i = 0; i < 16; ++i) if (s.b[i] != 0xab) return false;
  for (std::size_t i = 24; i < 28; ++i) if (s.b[i] != 0xab) return false;
  if (!full) for (std::size_t i = 96; i < L::kFullBidOfferSlotSize; ++i) if (s.b[i] != 0xab) return false;
  return true;
}
bool all_untouched(const Slot& s) {
  for (std::uint8_t c : s.b) if (c != 0xab) return false;
  return true;
}

void test_valid(const std::vector<std::string>& lines, std::vector<Bytes>& corpus) {
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    Bytes payload = from_hex(json_string(line, "hex"));
    corpus.push_back(payload);
    const std::string sym = json_string(line, "symbol");
    auto bp = json_numbers(line, "bidPrices"), ap = json_numbers(line, "askPrices");
    auto bv = json_numbers(line, "bidVolumes"), av = json_numbers(line, "askVolumes");
    CHECK(bp.size() == 10 && ap.size() == 10 && bv.size() == 10 && av.size() == 10, "vector %zu: bad expect", n);
    if (bp.size() != 10 || ap.size() != 10 || bv.size() != 10 || av.size() != 10) continue;
    const long long bf = json_int(line, "bidFlag"), af = json_int(line, "askFlag");

    Slot f;
    CHECK(decode(true, payload, f) == DecodeStatus::kOk, "valid vector %zu rejected (full)", n);
    CHECK(f.symbol() == sym, "vector %zu symbol '%s' != '%s'", n, f.symbol().c_str(), sym.c_str());
    CHECK(f.i32(L::kBidFlagOffset) == bf && f.i32(L::kAskFlagOffset) == af, "vector %zu flags", n);
    for (int k = 0; k < 10; ++k) {
      CHECK(same_double(f.f64(L::kFboBidPricesOffset + 8 * k), bp[k]), "vector %zu bid price %d: %.17g != %.17g", n, k,
            f.f64(L::kFboBidPricesOffset + 8 * k), bp[k]);
      CHECK(same_double(f.f64(L::kFboAskPricesOffset + 8 * k), ap[k]), "vector %zu ask price %d", n, k);
      CHECK(f.i64(L::kFboBidVolumesOffset + 8 * k) == static_cast<std::int64_t>(bv[k]), "vector %zu bid vol %d", n, k);
      CHECK(f.i64(L::kFboAskVolumesOffset + 8 * k) == static_cast<std::int64_t>(av[k]), "vector %zu ask vol %d", n, k);
    }
    CHECK(meta_untouched(f, true), "vector %zu: metadata overwritten (full)", n);

    Slot b;
    CHECK(decode(false, payload, b) == DecodeStatus::kOk, "valid vector %zu rejected (bba)", n);
    CHECK(b.symbol() == sym, "vector %zu bba symbol", n);
    CHECK(b.i32(L::kBidFlagOffset) == bf && b.i32(L::kAskFlagOffset) == af, "vector %zu bba flags", n);
    CHECK(same_double(b.f64(L::kBbaBidOffset), bp[0]) && same_double(b.f64(L::kBbaAskOffset), ap[0]), "vector %zu bba prices", n);
    CHECK(b.i64(L::kBbaBidVolOffset) == static_cast<std::int64_t>(bv[0]) &&
              b.i64(L::kBbaAskVolOffset) == static_cast<std::int64_t>(av[0]),
          "vector %zu bba volumes", n);
    CHECK(meta_untouched(b, false), "vector %zu: bytes outside the BestBidAsk book written", n);
  }
}

void test_invalid(const std::vector<std::string>& lines) {
  for (std::size_t n = 0; n < lines.size(); ++n) {
    Bytes payload = from_hex(json_string(lines[n], "hex"));
    Slot f, b;
    const DecodeStatus sf = decode(true, payload, f), sb = decode(false, payload, b);
    CHECK(sf != DecodeStatus::kOk, "invalid vector %zu (%s) accepted", n, json_string(lines[n], "case").c_str());
    CHECK(sf == sb, "invalid vector %zu: full/bba status differ", n);
    CHECK(all_untouched(f) && all_untouched(b), "invalid vector %zu: slot written on error", n);
  }
}

// ---- hand-made cases ----
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
DecodeStatus status_of(const Bytes& p) {
  Slot f, b;
  const DecodeStatus s = decode(true, p, f);
  CHECK(s == decode(false, p, b), "full/bba disagree");
  return s;
}

void test_edge_cases() {
  const Bytes sym = {0x0a, 0x03, 'P', 'T', 'T'};
  CHECK(status_of({}) == DecodeStatus::kOk, "empty payload is a valid empty message");
  {
    Slot s;
    CHECK(decode(true, {}, s) == DecodeStatus::kOk && s.symbol().empty() && s.f64(L::kFboBidPricesOffset) == 0.0, "empty → zeros");
  }
  // unknown fields of every wire type, including a group with nested content
  CHECK(status_of(cat({sym, {0xf8, 0x02, 0x05}, {0xf9, 0x02, 1, 2, 3, 4, 5, 6, 7, 8}, {0xfa, 0x02, 0x02, 9, 9},
                       {0xfd, 0x02, 1, 2, 3, 4}, {0xfb, 0x02, 0x08, 0x01, 0x0b, 0x0c, 0xfc, 0x02}})) ==
            DecodeStatus::kOk,
        "unknown fields skipped");
  // groups: mismatched end, stray end, unterminated
  CHECK(status_of({0xfb, 0x02, 0x0c}) == DecodeStatus::kBadGroup, "end-group of another field");
  CHECK(status_of({0x0c}) == DecodeStatus::kBadGroup, "stray end-group");
  CHECK(status_of({0x0b, 0x08, 0x01}) == DecodeStatus::kBadGroup, "unterminated group");
  {
    Bytes deep, deeper;
    for (int i = 0; i < 100; ++i) deep.push_back(0x0b);
    for (int i = 0; i < 100; ++i) deep.push_back(0x0c);
    for (int i = 0; i < 101; ++i) deeper.push_back(0x0b);
    for (int i = 0; i < 101; ++i) deeper.push_back(0x0c);
    CHECK(status_of(deep) == DecodeStatus::kOk, "100 nested groups accepted");
    CHECK(status_of(deeper) == DecodeStatus::kTooDeep, "101 nested groups rejected");
  }
  CHECK(status_of({0x02, 0x00}) == DecodeStatus::kBadFieldNumber, "field number 0");
  CHECK(status_of({0x0e, 0x00}) == DecodeStatus::kBadWireType, "wire type 6");
  CHECK(status_of({0x0f, 0x00}) == DecodeStatus::kBadWireType, "wire type 7");
  CHECK(status_of({0x8a, 0x80, 0x80, 0x80, 0x80, 0x00}) == DecodeStatus::kVarintTooLong, "6-byte tag");
  CHECK(status_of({0xf8, 0xff, 0xff, 0xff, 0x7f, 0x00}) == DecodeStatus::kBadFieldNumber, "tag over 32 bits");
  CHECK(status_of({0x60, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}) == DecodeStatus::kOk,
        "10-byte varint, high bits of the 10th byte dropped");
  CHECK(status_of({0x60, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}) == DecodeStatus::kVarintTooLong,
        "11-byte varint");
  CHECK(status_of({0x60, 0xff}) == DecodeStatus::kTruncated, "truncated varint");
  CHECK(status_of({0x0a, 0x05, 'A'}) == DecodeStatus::kLengthOverflow, "length past the end");
  CHECK(status_of({0x0a, 0xff, 0xff, 0xff, 0xff, 0x07}) == DecodeStatus::kLengthOverflow, "length >= 2^31-1");
  CHECK(status_of({0x0a, 0x02, 0xc3, 0x28}) == DecodeStatus::kBadUtf8, "bad UTF-8 symbol");
  CHECK(status_of({0x0a, 0x03, 0xed, 0xa0, 0x80}) == DecodeStatus::kBadUtf8, "surrogate in symbol");
  CHECK(status_of({0x12, 0x03, 0x0a, 0x01, 0xff}) == DecodeStatus::kBadUtf8, "bad UTF-8 currency_code");
  CHECK(status_of({0x12, 0x02, 0x10}) == DecodeStatus::kLengthOverflow, "Money length past the end");
  CHECK(status_of({0x12, 0x01, 0x10}) == DecodeStatus::kTruncated, "varint cut by the Money boundary");
  CHECK(status_of({0x12, 0x01, 0x14}) == DecodeStatus::kBadGroup, "end-group inside Money");
  {
    Bytes s33 = {0x0a, 33};
    for (int i = 0; i < 33; ++i) s33.push_back('A');
    CHECK(status_of(s33) == DecodeStatus::kSymbolTooLong, "33-byte symbol");
    Bytes s32 = {0x0a, 32};
    for (int i = 0; i < 32; ++i) s32.push_back('B');
    Slot s;
    CHECK(decode(true, s32, s) == DecodeStatus::kOk && s.symbol() == std::string(32, 'B'), "32-byte symbol");
  }
  {
    // Money merge: units from the first occurrence survive a second one with nanos only;
    // the last units wins; unknown + currency inside Money; a mis-typed known field is unknown.
    Bytes p = cat({{0x0a, 0x01, 'X'}, {0x12, 0x02, 0x10, 0x05}, {0x12, 0x05, 0x0a, 0x01, 'T', 0x18, 0x64},
             {0x3a, 0x04, 0x10, 0x07, 0x10, 0x09}, {0x12, 0x04, 0x20, 0x01, 0x18, 0x65}, {0x08, 0x07}, {0x60, 0x01}, {0x60, 0x02}});
    Slot s;
    CHECK(decode(true, p, s) == DecodeStatus::kOk, "merge message accepted");
    CHECK(same_double(s.f64(L::kFboBidPricesOffset), 5.0 + 101.0 * 1e-9), "Money merged: %.17g", s.f64(L::kFboBidPricesOffset));
    CHECK(same_double(s.f64(L::kFboAskPricesOffset), 9.0), "last units wins");
    CHECK(s.i64(L::kFboBidVolumesOffset) == 2, "last volume wins");
    CHECK(s.symbol() == "X", "symbol kept");
  }
  {
    // negative values: int64 units/volumes, int32 nanos and flags from 10-byte varints
    Bytes neg = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};  // -1
    Bytes p = cat({{0xb0, 0x01}, neg, {0x88, 0x01}, neg, {0x3a, 0x16, 0x10}, neg, {0x18}, neg});
    Slot s;
    CHECK(decode(true, p, s) == DecodeStatus::kOk, "negative values accepted");
    CHECK(s.i32(L::kBidFlagOffset) == -1 && s.i64(L::kFboAskVolumesOffset) == -1, "negative flag/volume");
    CHECK(same_double(s.f64(L::kFboAskPricesOffset), -1.0 + -1.0 * 1e-9), "negative price");
  }
}

std::uint64_t rng_state = 0x9e3779b97f4a7c15ull;
std::uint64_t next_rand() {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

// Truncations of every vector and random mutations: never a crash or an
// over-read (sanitizers), full and bba always agree, errors never write.
void same_as_generic(const Bytes& m, const char* what, int r);

void test_mutations(const std::vector<Bytes>& corpus, int rounds) {
  for (const Bytes& v : corpus) {
    for (std::size_t n = 0; n < v.size(); ++n) status_of(Bytes(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)));
  }
  for (int r = 0; r < rounds; ++r) {
    Bytes m = corpus[next_rand() % corpus.size()];
    const int edits = 1 + static_cast<int>(next_rand() % 4);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      const std::size_t at = next_rand() % m.size();
      switch (next_rand() % 4) {
        case 0: m[at] = static_cast<std::uint8_t>(next_rand()); break;
        case 1: m[at] ^= static_cast<std::uint8_t>(1u << (next_rand() % 8)); break;
        case 2: m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(next_rand())); break;
        default: m.resize(at); break;
      }
    }
    Slot f;
    const DecodeStatus s = decode(true, m, f);
    if (s != DecodeStatus::kOk) CHECK(all_untouched(f), "mutation %d: slot written on error", r);
    status_of(m);
    same_as_generic(m, "mutation", r);
  }
}

// ---- fast paths vs the generic loop on encoder-shaped books ----
void put_varint(Bytes& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_tag(Bytes& out, std::uint32_t field, std::uint32_t wire) { put_varint(out, field << 3 | wire); }

// A value of a random size class: zero, small, typical, large, or negative (10-byte varint).
std::int64_t random_value(std::int64_t typical) {
  switch (next_rand() % 8) {
    case 0: return 0;
    case 1: return static_cast<std::int64_t>(next_rand() % 128);
    case 2: return static_cast<std::int64_t>(next_rand() % (1ull << 49));
    case 3: return -static_cast<std::int64_t>(1 + next_rand() % 1000);
    default: return static_cast<std::int64_t>(next_rand() % static_cast<std::uint64_t>(typical));
  }
}

// A BidOfferV3 as protobuf encoders write it (field order, defaults omitted),
// with random absent fields, value sizes and signs.
Bytes random_book() {
  Bytes out;
  const std::size_t sym_len = next_rand() % 12;
  if (sym_len) {
    put_tag(out, 1, 2);
    put_varint(out, sym_len);
    for (std::size_t i = 0; i < sym_len; ++i) out.push_back(static_cast<std::uint8_t>('A' + next_rand() % 26));
  }
  auto money = [&](std::uint32_t field) {
    if (next_rand() % 16 == 0) return;  // absent
    Bytes m;
    const std::int64_t units = random_value(400);
    const std::int64_t nanos = next_rand() % 4 == 0 ? random_value(1000000000) : static_cast<std::int64_t>(next_rand() % 100) * 10000000;
    if (units) { put_tag(m, 2, 0); put_varint(m, static_cast<std::uint64_t>(units)); }
    if (static_cast<std::int32_t>(nanos)) { put_tag(m, 3, 0); put_varint(m, static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(nanos)))); }
    put_tag(out, field, 2);
    put_varint(out, m.size());
    out.insert(out.end(), m.begin(), m.end());
  };
  auto scalar = [&](std::uint32_t field, std::int64_t typical) {
    const std::int64_t v = random_value(typical);
    if (v == 0) return;
    put_tag(out, field, 0);
    put_varint(out, static_cast<std::uint64_t>(v));
  };
  for (std::uint32_t f = 2; f <= 11; ++f) money(f);
  for (std::uint32_t f = 12; f <= 21; ++f) scalar(f, 10000000);
  scalar(22, 4);
  scalar(23, 4);
  for (std::uint32_t f = 24; f <= 33; ++f) money(f);
  for (std::uint32_t f = 34; f <= 43; ++f) scalar(f, 10000000);
  return out;
}

// Every variant and the generic loop give the same status and the same slot bytes.
void same_as_generic(const Bytes& m, const char* what, int r) {
  for (bool full : {true, false}) {
    Slot ref;
    std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[m.size() ? m.size() : 1]);
    if (!m.empty()) std::memcpy(copy.get(), m.data(), m.size());
    const DecodeStatus want = decode_generic(full, copy.get(), m.size(), ref);
    for (auto v : {settrade::DecoderVariant::kPortable, settrade::DecoderVariant::kBmi2}) {
      if (!settrade::decoder_variant_available(v)) continue;
      Slot got;
      const DecodeStatus st = decode_as(v, full, m, got);
      CHECK(st == want, "%s %d (%s, %s): status %d, generic loop %d", what, r, settrade::decoder_variant_name(v),
            full ? "full" : "bba", static_cast<int>(st), static_cast<int>(want));
      CHECK(std::memcmp(got.b, ref.b, sizeof got.b) == 0, "%s %d (%s, %s): slot differs from the generic loop", what, r,
            settrade::decoder_variant_name(v), full ? "full" : "bba");
    }
  }
}

void test_books_vs_generic(int rounds) {
  for (int r = 0; r < rounds; ++r) {
    Bytes m = random_book();
    same_as_generic(m, "book", r);
    for (std::size_t n = 0; n < m.size(); n += 1 + next_rand() % 16) same_as_generic(Bytes(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n)), "truncated book", r);
    const std::size_t at = m.empty() ? 0 : next_rand() % m.size();
    if (!m.empty()) m[at] = static_cast<std::uint8_t>(next_rand());
    same_as_generic(m, "mutated book", r);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : (std::getenv("SETTRADE_VECTORS_DIR") ? std::getenv("SETTRADE_VECTORS_DIR") : "test/fixtures/vectors");
  const auto valid = read_lines(dir + "/bidofferv3-valid.jsonl");
  const auto invalid = read_lines(dir + "/bidofferv3-invalid.jsonl");
  if (valid.empty() || invalid.empty()) {
    std::fprintf(stderr, "decoder_test: no vectors in %s (pass the directory as argv[1] or SETTRADE_VECTORS_DIR)\n", dir.c_str());
    return 2;
  }
  int variants = 0;
  for (auto v : {settrade::DecoderVariant::kPortable, settrade::DecoderVariant::kBmi2}) {
    if (!settrade::decoder_variant_available(v)) {
      std::printf("decoder_test: variant %s not available on this CPU, skipped\n", settrade::decoder_variant_name(v));
      continue;
    }
    g_variant = v;
    ++variants;
    std::vector<Bytes> corpus;
    test_valid(valid, corpus);
    test_invalid(invalid);
    test_edge_cases();
    test_mutations(corpus, 100000);
  }
  test_books_vs_generic(100000);
  std::printf("decoder_test: %d variant(s) (default %s); %zu valid, %zu invalid vectors; %d checks, %d failures\n", variants,
              settrade::decoder_variant_name(settrade::best_decoder_variant()), valid.size(), invalid.size(), checks, failures);
  return failures == 0 ? 0 : 1;
}
