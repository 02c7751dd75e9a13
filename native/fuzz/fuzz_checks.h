// The properties the fuzz targets check, as plain functions: the libFuzzer
// entry points (fuzz_*.cc) call them on every generated input, and
// fuzz_replay.cc calls them on the files under native/test/regressions/ from
// the ordinary C++ test build (scripts/test-cpp.sh), with or without libFuzzer.
//
// A violated property prints what differs and aborts: libFuzzer (and the
// sanitizers) then save the input as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "settrade/bidoffer_decoder.h"
#include "settrade/crc32c.h"
#include "settrade/record_walk.h"
#include "settrade/slot_layout.h"
#include "settrade/spsc_ring.h"

namespace settrade::fuzz {

[[noreturn]] inline void fail(const char* what, int a = 0, int b = 0) {
  std::fprintf(stderr, "fuzz check failed: %s (%d, %d)\n", what, a, b);
  std::fflush(stderr);
  std::abort();
}

#define SETTRADE_FUZZ_CHECK(cond, ...) \
  do {                                 \
    if (!(cond)) ::settrade::fuzz::fail(__VA_ARGS__); \
  } while (0)

// ---------------------------------------------------------------- decoder

namespace L = settrade::layout;

// Byte pattern a slot holds before a decode: a decode that fails must leave
// all of it; one that succeeds must leave the receive metadata.
constexpr std::uint8_t kSlotPattern = 0xa5;

struct alignas(64) SlotBuf {
  std::uint8_t b[L::kFullBidOfferSlotSize];
  void fill() { std::memset(b, kSlotPattern, sizeof b); }
  bool untouched() const {
    for (std::uint8_t x : b) {
      if (x != kSlotPattern) return false;
    }
    return true;
  }
};

// The reference semantics (the generic field loop alone): bidoffer_detail::decode_generic.
using settrade::bidoffer_detail::decode_generic;

// Bytes a decoder must never write: the receive metadata and epoch, and in a
// BestBidAsk slot everything past its last field (the slot's tail padding and
// the rest of this larger buffer).
inline bool metadata_byte(bool full, std::size_t i) {
  if (i < L::kBidFlagOffset) return true;  // recvTs, recvMonoNs
  if (i >= L::kConnectionEpochOffset && i < L::kConnectionEpochOffset + 4) return true;
  if (!full && i >= L::kBbaAskVolOffset + 8) return true;
  return false;
}

/**
 * One payload through every decoder of one slot kind: the generic loop, the
 * portable variant, and the bmi2 variant when this CPU can run it. All agree
 * on the status and every slot byte; a failed decode leaves the slot exactly
 * as it was; a successful one never touches the receive metadata. The payload
 * is decoded from an exact-size heap copy so ASan catches any over-read.
 */
inline void check_decoder(bool full, const std::uint8_t* data, std::size_t size) {
  // new T[0] is a distinct non-null pointer ASan treats as 0 bytes long.
  std::unique_ptr<std::uint8_t[]> copy(new std::uint8_t[size]);
  if (size != 0) std::memcpy(copy.get(), data, size);
  const std::uint8_t* p = copy.get();

  SlotBuf ref;
  ref.fill();
  const DecodeStatus want = decode_generic(full, p, size, ref.b);
  const int want_i = static_cast<int>(want);
  SETTRADE_FUZZ_CHECK(want_i >= 0 && want_i <= static_cast<int>(DecodeStatus::kTooDeep), "generic: status out of range", want_i);
  if (want != DecodeStatus::kOk) {
    SETTRADE_FUZZ_CHECK(ref.untouched(), "generic: slot written on error", want_i);
  } else {
    for (std::size_t i = 0; i < sizeof ref.b; ++i) {
      SETTRADE_FUZZ_CHECK(!metadata_byte(full, i) || ref.b[i] == kSlotPattern, "generic: wrote a metadata/padding byte",
                          static_cast<int>(i));
    }
  }

  for (auto v : {DecoderVariant::kPortable, DecoderVariant::kBmi2}) {
    if (!decoder_variant_available(v)) continue;
    SlotBuf got;
    got.fill();
    const SlotDecoder dec = full ? full_bid_offer_decoder(v) : best_bid_ask_decoder(v);
    const DecodeStatus st = dec(p, size, got.b);
    SETTRADE_FUZZ_CHECK(st == want, v == DecoderVariant::kBmi2 ? "bmi2: status differs from the generic loop"
                                                              : "portable: status differs from the generic loop",
                        static_cast<int>(st), want_i);
    for (std::size_t i = 0; i < sizeof got.b; ++i) {
      SETTRADE_FUZZ_CHECK(got.b[i] == ref.b[i], v == DecoderVariant::kBmi2 ? "bmi2: slot byte differs from the generic loop"
                                                                           : "portable: slot byte differs from the generic loop",
                          static_cast<int>(i), want_i);
    }
  }
}

// ---------------------------------------------------------------- ring

namespace R = settrade::ring;

// Reads the fuzz input as a stream of bytes; zeros once it runs out.
class ByteStream {
 public:
  ByteStream(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ >= end_; }
  std::uint8_t u8() { return p_ < end_ ? *p_++ : 0; }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(u8()) << (8 * i);
    return v;
  }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

// Every 8-byte word of an event derives from its sequence number, so a slot
// copied from the wrong place or torn shows up, not just a wrong number.
inline std::uint64_t event_word(std::uint64_t seq, std::size_t i) {
  std::uint64_t x = (seq + 1) * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  return x;
}

inline double counter(const std::uint8_t* mem, std::size_t off) { return R::detail::load_counter(mem + off); }

/**
 * A random sequence of single-threaded ring operations against a model (a
 * std::deque of sequence numbers plus the counters and the drop-rate EMA,
 * computed as the producer does). Input layout: one configuration byte
 * (overflow policy, slot kind), the capacity (1..64), the starting index
 * (anywhere in [0, M): indices near the modulus wrap within a few pushes),
 * then one byte per operation: push, poll up to n, clear, or a consumer that
 * announces it sleeps (the next accepted push must ask for a wake-up).
 * After every operation: queue contents and order, slot bytes, counters,
 * pushed - dropped - polled == queueLen, and the EMA bit for bit.
 */
inline void check_ring(const std::uint8_t* data, std::size_t size) {
  ByteStream in(data, size);
  const std::uint8_t config = in.u8();
  const bool reject_newest = (config & 1) != 0;
  const bool full_kind = (config & 2) != 0;
  const std::size_t slot_size = full_kind ? L::kFullBidOfferSlotSize : L::kBestBidAskSlotSize;
  const std::uint32_t capacity = 1 + in.u8() % 64;
  const std::int32_t modulus = R::index_modulus(capacity);
  const double alpha = 0.01 * (1 + (config >> 2));  // 0.01 .. 0.64
  std::vector<std::uint64_t> words((R::ring_bytes(slot_size, capacity) + 7) / 8);
  std::uint8_t* mem = reinterpret_cast<std::uint8_t*>(words.data());
  R::init_header(mem, full_kind ? 1 : 0, static_cast<std::int32_t>(slot_size), capacity,
                 reject_newest ? R::Overflow::kRejectNewest : R::Overflow::kDropOldest, alpha);
  SETTRADE_FUZZ_CHECK(R::validate_header(mem, words.size() * 8) == R::HeaderStatus::kOk, "ring: fresh header invalid");
  // Start anywhere in [0, M): as if the ring had run that many events.
  const std::int32_t start = static_cast<std::int32_t>(in.u32() % static_cast<std::uint32_t>(modulus));
  R::detail::store_relaxed(mem + R::kWriteIndexOffset, start);
  R::detail::store_relaxed(mem + R::kReadIndexOffset, start);

  // The binding keeps one Producer and one Consumer per ring for its whole
  // life, across clear(): so does the model.
  R::Producer producer(mem);
  R::Consumer consumer(mem);

  std::deque<std::uint64_t> queue;
  double pushed = 0, dropped = 0, polled = 0, ema = 0;
  bool sleeping = false;
  std::uint64_t next_seq = 0;
  std::vector<std::uint64_t> event(slot_size / 8);
  std::vector<std::uint64_t> out(64 * slot_size / 8 + 1);
  auto* out_bytes = reinterpret_cast<std::uint8_t*>(out.data());

  int step = 0;
  while (!in.empty()) {
    ++step;
    const std::uint8_t op = in.u8();
    switch (op & 3) {
      case 0:
      case 1: {  // push (twice as likely: the ring fills and evicts)
        const std::uint64_t seq = next_seq++;
        for (std::size_t i = 0; i < event.size(); ++i) event[i] = event_word(seq, i * 8);
        const int res = producer.push(reinterpret_cast<const std::uint8_t*>(event.data()));
        pushed += 1;
        const bool full = queue.size() >= capacity;
        int want = R::kPushAccepted;
        double x = 0.0;
        if (full && reject_newest) {
          want = 0;
          dropped += 1;
          x = 1.0;
        } else {
          if (full) {
            queue.pop_front();
            dropped += 1;
            want |= R::kPushEvicted;
            x = 1.0;
          }
          queue.push_back(seq);
          if (sleeping) {
            want |= R::kPushWake;
            sleeping = false;
          }
        }
        ema = ema + alpha * (x - ema);
        SETTRADE_FUZZ_CHECK(res == want, "ring: push result", res, want);
        break;
      }
      case 2: {  // poll up to 1..64
        const std::size_t max = 1 + (op >> 2) % 64;
        const std::size_t n = consumer.poll(out_bytes, max);
        const std::size_t want = queue.size() < max ? queue.size() : max;
        SETTRADE_FUZZ_CHECK(n == want, "ring: poll count", static_cast<int>(n), static_cast<int>(want));
        for (std::size_t k = 0; k < n; ++k) {
          const std::uint64_t seq = queue.front();
          queue.pop_front();
          for (std::size_t i = 0; i < slot_size; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, out_bytes + k * slot_size + i, 8);
            SETTRADE_FUZZ_CHECK(w == event_word(seq, i), "ring: polled slot bytes", static_cast<int>(k), static_cast<int>(i));
          }
        }
        polled += static_cast<double>(n);
        break;
      }
      default:
        if ((op & 4) != 0) {  // the consumer announces it sleeps (as waitForEvents does)
          R::detail::store_seq_cst(mem + R::kSleepingOffset, 1);
          sleeping = true;
        } else if ((op & 0x38) == 0) {  // clear (rare: it throws the model's state away)
          R::clear(mem);
          queue.clear();
          pushed = dropped = polled = ema = 0;
        } else {  // poll with max = 0: a no-op
          SETTRADE_FUZZ_CHECK(consumer.poll(out_bytes, 0) == 0, "ring: poll(0) returned events");
        }
        break;
    }
    const R::RingStats s = consumer.stats();
    SETTRADE_FUZZ_CHECK(s.queue_len == queue.size(), "ring: queueLen", static_cast<int>(s.queue_len), static_cast<int>(queue.size()));
    SETTRADE_FUZZ_CHECK(s.capacity == capacity, "ring: capacity", static_cast<int>(s.capacity), static_cast<int>(capacity));
    SETTRADE_FUZZ_CHECK(s.total_pushed == pushed, "ring: totalPushed", static_cast<int>(s.total_pushed), step);
    SETTRADE_FUZZ_CHECK(s.total_dropped == dropped, "ring: totalDropped", static_cast<int>(s.total_dropped), step);
    SETTRADE_FUZZ_CHECK(s.total_polled == polled, "ring: totalPolled", static_cast<int>(s.total_polled), step);
    SETTRADE_FUZZ_CHECK(s.total_pushed - s.total_dropped - s.total_polled == static_cast<double>(s.queue_len),
                        "ring: pushed - dropped - polled != queueLen", static_cast<int>(s.queue_len), step);
    const double got_ema = counter(mem, R::kDropRateEmaOffset);
    SETTRADE_FUZZ_CHECK(std::memcmp(&got_ema, &ema, sizeof ema) == 0, "ring: drop-rate EMA", step);
    const std::int32_t w = R::detail::load_relaxed(mem + R::kWriteIndexOffset);
    const std::int32_t r = R::detail::load_relaxed(mem + R::kReadIndexOffset);
    SETTRADE_FUZZ_CHECK(w >= 0 && w < modulus && r >= 0 && r < modulus, "ring: index outside [0, M)", w, r);
    SETTRADE_FUZZ_CHECK(R::detail::load_relaxed(mem + R::kSleepingOffset) == (sleeping ? 1 : 0), "ring: sleeping flag", step);
  }
  SETTRADE_FUZZ_CHECK(R::validate_header(mem, words.size() * 8) == R::HeaderStatus::kOk, "ring: header changed");
}


// ---------------------------------------------------------------- targets

/** The fuzz targets by name (the names of the binaries and of the regression directories). */
struct Target {
  const char* name;
  void (*check)(const std::uint8_t*, std::size_t);
};

inline void check_best_bid_ask(const std::uint8_t* d, std::size_t n) { check_decoder(false, d, n); }
inline void check_full_bid_offer(const std::uint8_t* d, std::size_t n) { check_decoder(true, d, n); }

// ---------------------------------------------------------------- record walks

namespace W = settrade::record_walk;

// The reference walks: one record at a time, the portable CRC.
inline std::int32_t reference_fill(std::uint8_t* d, std::size_t start, std::size_t end) {
  std::int32_t n = 0;
  for (std::size_t pos = start; pos < end; n++) {
    if (end - pos < W::kPrefixBytes) return -1;
    const std::uint32_t len = W::load_le32(d + pos);
    if (len > end - pos - W::kPrefixBytes) return -1;
    W::store_le32(d + pos + 4, settrade::crc32c_portable(d + pos + W::kPrefixBytes, len));
    pos += W::kPrefixBytes + len;
  }
  return n;
}

inline std::size_t reference_verified_end(const std::uint8_t* d, std::size_t start, std::size_t end, std::uint32_t min_body,
                                          std::uint32_t max_body) {
  std::size_t pos = start;
  while (end - pos >= W::kPrefixBytes) {
    const std::uint32_t len = W::load_le32(d + pos);
    if (len < min_body || len > max_body || len > end - pos - W::kPrefixBytes) break;
    if (settrade::crc32c_portable(d + pos + W::kPrefixBytes, len) != W::load_le32(d + pos + 4)) break;
    pos += W::kPrefixBytes + len;
  }
  return pos;
}

/*
 * The record walks (record_walk.h) on arbitrary bytes, against the reference
 * walks. Input: a config byte (bit 0: fill the CRCs first, so that runs of
 * valid records exist; bit 1: then flip one byte), min_body (u8), max_body
 * (u16 LE), start (u16 LE, taken mod the buffer's length + 1), the flip's
 * offset (u16 LE, mod the length), then the buffer. The buffer is an exact
 * heap allocation: a read past its end is a sanitizer report.
 */
inline void check_records(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kHead = 8;
  if (size < kHead) return;
  const std::uint8_t config = data[0];
  const std::uint32_t min_body = data[1];
  const std::uint32_t max_body = static_cast<std::uint32_t>(data[2]) | static_cast<std::uint32_t>(data[3]) << 8;
  const std::size_t n = size - kHead;
  const std::size_t start = (static_cast<std::size_t>(data[4]) | static_cast<std::size_t>(data[5]) << 8) % (n + 1);
  const std::size_t flip = static_cast<std::size_t>(data[6]) | static_cast<std::size_t>(data[7]) << 8;
  std::unique_ptr<std::uint8_t[]> buf(new std::uint8_t[n == 0 ? 1 : n]);
  std::unique_ptr<std::uint8_t[]> ref(new std::uint8_t[n == 0 ? 1 : n]);
  if (n > 0) std::memcpy(buf.get(), data + kHead, n);
  if (n > 0) std::memcpy(ref.get(), data + kHead, n);
  if ((config & 1) != 0) {
    const std::int32_t got = W::fill_crcs(buf.get(), start, n);
    const std::int32_t want = reference_fill(ref.get(), start, n);
    SETTRADE_FUZZ_CHECK(got == want, "fill_crcs count", got, want);
    SETTRADE_FUZZ_CHECK(n == 0 || std::memcmp(buf.get(), ref.get(), n) == 0, "fill_crcs bytes");
    // A whole, exactly framed range verifies to its end with no length bounds.
    if (got >= 0) SETTRADE_FUZZ_CHECK(W::verified_end(buf.get(), start, n, 0, 0xFFFFFFFFu) == n, "filled range verifies");
    if ((config & 2) != 0 && n > 0) {
      buf[flip % n] ^= 0x5a;
      ref[flip % n] ^= 0x5a;
    }
  }
  const std::size_t got = W::verified_end(buf.get(), start, n, min_body, max_body);
  const std::size_t want = reference_verified_end(ref.get(), start, n, min_body, max_body);
  SETTRADE_FUZZ_CHECK(got == want, "verified_end", static_cast<int>(got), static_cast<int>(want));
}

#undef SETTRADE_FUZZ_CHECK

inline constexpr Target kTargets[] = {
    {"fuzz_best_bid_ask", &check_best_bid_ask},
    {"fuzz_full_bid_offer", &check_full_bid_offer},
    {"fuzz_ring", &check_ring},
    {"fuzz_records", &check_records},
};

}  // namespace settrade::fuzz
