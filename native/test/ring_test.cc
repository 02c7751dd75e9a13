// Tests of the SPSC ring core (native/include/settrade/spsc_ring.h): a
// single-threaded functional test, then a two-thread stress per overflow
// policy. Built by native/CMakeLists.txt plain, with ThreadSanitizer and with
// ASan/UBSan (scripts/test-cpp.sh). Exit status != 0 on any failure.
//
// Usage: ring_test [events-per-policy]   (default 2,000,000; RING_TEST_EVENTS too)
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "settrade/pretouch.h"
#include "settrade/slot_layout.h"
#include "settrade/spsc_ring.h"

namespace {

namespace R = settrade::ring;
namespace L = settrade::layout;

int failures = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                                \
    }                                                                            \
  } while (0)

constexpr std::size_t kSlot = L::kBestBidAskSlotSize;

// Every 8-byte word of an event is derived from its sequence number, so a
// torn copy (words from two different events) is detected, not just a wrong seq.
std::uint64_t word(std::uint64_t seq, std::size_t i) {
  std::uint64_t x = seq * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;
  x ^= x >> 31;
  return x;
}

void make_event(std::uint8_t* slot, std::uint64_t seq) {
  for (std::size_t i = 0; i < kSlot; i += 8) {
    std::uint64_t v = word(seq, i);
    std::memcpy(slot + i, &v, 8);
  }
  std::memcpy(slot + L::kBbaBidVolOffset, &seq, 8);  // seq where the JS tests keep it too
}

bool event_intact(const std::uint8_t* slot, std::uint64_t* seq_out) {
  std::uint64_t seq;
  std::memcpy(&seq, slot + L::kBbaBidVolOffset, 8);
  for (std::size_t i = 0; i < kSlot; i += 8) {
    if (i == L::kBbaBidVolOffset) continue;
    std::uint64_t v;
    std::memcpy(&v, slot + i, 8);
    if (v != word(seq, i)) return false;
  }
  *seq_out = seq;
  return true;
}

struct AlignedBuffer {
  explicit AlignedBuffer(std::size_t n) : words(n / 8 + 1) {}
  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(words.data()); }
  std::vector<std::uint64_t> words;
};

std::unique_ptr<AlignedBuffer> make_ring(std::uint32_t capacity, R::Overflow overflow) {
  auto buf = std::make_unique<AlignedBuffer>(R::ring_bytes(kSlot, capacity));
  R::init_header(buf->data(), 0, static_cast<std::int32_t>(kSlot), capacity, overflow);
  return buf;
}

void test_single_thread() {
  // Header validation.
  {
    auto buf = make_ring(4, R::Overflow::kDropOldest);
    CHECK(R::validate_header(buf->data(), R::ring_bytes(kSlot, 4)) == R::HeaderStatus::kOk);
    CHECK(R::validate_header(buf->data(), R::ring_bytes(kSlot, 4) - 1) == R::HeaderStatus::kTooSmall);
    CHECK(R::validate_header(buf->data(), 100) == R::HeaderStatus::kTooSmall);
    buf->data()[0] ^= 1;
    CHECK(R::validate_header(buf->data(), R::ring_bytes(kSlot, 4)) == R::HeaderStatus::kBadMagic);
    CHECK(R::index_modulus(3) == (1 << 30) / 3 * 3);
    CHECK(R::index_modulus(1u << 24) == 1 << 30);
  }
  // Drop-oldest: FIFO, eviction of exactly the oldest, counters, wrap-around.
  {
    auto buf = make_ring(4, R::Overflow::kDropOldest);
    R::Producer p(buf->data());
    R::Consumer c(buf->data());
    AlignedBuffer ev(kSlot), out(8 * kSlot);
    std::uint64_t seq = 0;
    for (std::uint64_t i = 0; i < 6; ++i) {
      make_event(ev.data(), i);
      int res = p.push(ev.data());
      CHECK((res & R::kPushAccepted) != 0);
      CHECK(((res & R::kPushEvicted) != 0) == (i >= 4));
    }
    auto s = p.stats();
    CHECK(s.total_pushed == 6 && s.total_dropped == 2 && s.total_polled == 0 && s.queue_len == 4);
    std::size_t n = c.poll(out.data(), 8);
    CHECK(n == 4);
    for (std::size_t k = 0; k < n; ++k) {
      CHECK(event_intact(out.data() + k * kSlot, &seq));
      CHECK(seq == 2 + k);
    }
    s = c.stats();
    CHECK(s.total_pushed - s.total_dropped - s.total_polled == s.queue_len && s.queue_len == 0);
    CHECK(c.poll(out.data(), 8) == 0);
    // Many laps around the ring, polling one at a time.
    for (std::uint64_t i = 100; i < 1000; ++i) {
      make_event(ev.data(), i);
      CHECK(p.push(ev.data()) == R::kPushAccepted);
      CHECK(c.poll(out.data(), 1) == 1);
      CHECK(event_intact(out.data(), &seq) && seq == i);
    }
    R::clear(buf->data());
    s = c.stats();
    CHECK(s.total_pushed == 0 && s.total_dropped == 0 && s.total_polled == 0 && s.queue_len == 0);
  }
  // Reject-newest: refuses when full, counts it, keeps the oldest.
  {
    auto buf = make_ring(3, R::Overflow::kRejectNewest);
    R::Producer p(buf->data());
    R::Consumer c(buf->data());
    AlignedBuffer ev(kSlot), out(8 * kSlot);
    for (std::uint64_t i = 0; i < 5; ++i) {
      make_event(ev.data(), i);
      CHECK(p.push(ev.data()) == (i < 3 ? R::kPushAccepted : 0));
    }
    auto s = p.stats();
    CHECK(s.total_pushed == 5 && s.total_dropped == 2 && s.queue_len == 3);
    CHECK(c.poll(out.data(), 2) == 2);
    std::uint64_t seq = 99;
    CHECK(event_intact(out.data() + kSlot, &seq) && seq == 1);
    s = c.stats();
    CHECK(s.total_pushed - s.total_dropped - s.total_polled == s.queue_len && s.queue_len == 1);
  }
  // The wake bit follows the sleeping flag.
  {
    auto buf = make_ring(2, R::Overflow::kDropOldest);
    R::Producer p(buf->data());
    AlignedBuffer ev(kSlot);
    make_event(ev.data(), 1);
    CHECK((p.push(ev.data()) & R::kPushWake) == 0);
    R::detail::store_seq_cst(buf->data() + R::kSleepingOffset, 1);
    CHECK((p.push(ev.data()) & R::kPushWake) != 0);
  }
}

void stress(R::Overflow overflow, std::uint64_t events, std::uint32_t capacity) {
  auto buf = make_ring(capacity, overflow);
  std::uint8_t* mem = buf->data();
  std::uint64_t delivered = 0, bad = 0, out_of_order = 0;
  int ready = 0;  // start barrier: the two sides must really overlap

  std::thread consumer([&] {
    R::Consumer c(mem);
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    AlignedBuffer out(64 * kSlot);
    std::uint64_t last = 0;
    bool first = true;
    std::uint64_t spins = 0;
    for (;;) {
      std::size_t n = c.poll(out.data(), 1 + (spins % 64));
      for (std::size_t k = 0; k < n; ++k) {
        std::uint64_t seq;
        if (!event_intact(out.data() + k * kSlot, &seq)) {
          ++bad;
          continue;
        }
        if (!first && seq <= last) ++out_of_order;
        first = false;
        last = seq;
        ++delivered;
        if (seq == events - 1) return;  // the last event is never dropped by drop-oldest
      }
      ++spins;
      // Slow the consumer down on purpose now and then so the ring overflows.
      if (spins % 256 == 0) {
        for (volatile int i = 0; i < 20000; i = i + 1) {
        }
      }
      if (n == 0) std::this_thread::yield();
      if (overflow == R::Overflow::kRejectNewest) {
        // With reject-newest the final event may be refused: stop once the
        // producer is done and the ring is empty.
        auto s = c.stats();
        if (s.total_pushed == static_cast<double>(events) && s.queue_len == 0 && n == 0) return;
      }
    }
  });

  {
    R::Producer p(mem);
    AlignedBuffer ev(kSlot);
    while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) == 0) std::this_thread::yield();
    for (std::uint64_t i = 0; i < events; ++i) {
      make_event(ev.data(), i);
      (void)p.push(ev.data());
      // Pace the producer a little so the consumer keeps up most of the time
      // and the two sides really interleave (drops come in bursts).
      if (i % 8 == 0) {
        for (volatile int k = 0; k < 200; k = k + 1) {
        }
      }
    }
  }
  consumer.join();

  R::Consumer c(mem);
  AlignedBuffer out(kSlot);
  while (c.poll(out.data(), 1) == 1) ++delivered;  // only reject-newest leaves anything
  const auto s = c.stats();
  std::printf("%s: pushed %.0f dropped %.0f polled %.0f delivered %" PRIu64 " queueLen %u\n",
              overflow == R::Overflow::kDropOldest ? "drop-oldest" : "reject-newest", s.total_pushed,
              s.total_dropped, s.total_polled, delivered, s.queue_len);
  CHECK(bad == 0);
  CHECK(out_of_order == 0);
  CHECK(s.total_pushed == static_cast<double>(events));
  CHECK(s.total_pushed - s.total_dropped - s.total_polled == static_cast<double>(s.queue_len));
  CHECK(s.queue_len == 0);
  CHECK(s.total_polled == static_cast<double>(delivered));
  CHECK(s.total_dropped > 0);  // the slowed consumer must have caused drops
}

}  // namespace

// pre_touch changes no byte (page boundaries, unaligned ends) and reports how it worked.
void test_pre_touch() {
  std::vector<std::uint8_t> buf(3 * 4096 + 1000);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::uint8_t>(i * 37 + 11);
  const std::vector<std::uint8_t> copy = buf;
  // Start 3 bytes in: neither end is page aligned.
  const auto method = settrade::memory::pre_touch(buf.data() + 3, buf.size() - 3);
  CHECK(method == settrade::memory::PreTouchMethod::kMadvise || method == settrade::memory::PreTouchMethod::kTouch);
  CHECK(buf == copy);
  CHECK(settrade::memory::pre_touch(buf.data(), 0) == settrade::memory::PreTouchMethod::kNone);
  CHECK(settrade::memory::pre_touch(nullptr, 10) == settrade::memory::PreTouchMethod::kNone);
}

int main(int argc, char** argv) {
  std::uint64_t events = 2000000;
  if (const char* env = std::getenv("RING_TEST_EVENTS")) events = std::strtoull(env, nullptr, 10);
  if (argc > 1) events = std::strtoull(argv[1], nullptr, 10);
  test_single_thread();
  test_pre_touch();
  auto t0 = std::chrono::steady_clock::now();
  stress(R::Overflow::kDropOldest, events, 64);
  stress(R::Overflow::kRejectNewest, events, 64);
  stress(R::Overflow::kDropOldest, events / 4, 1);  // capacity 1: every push races the consumer
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ring_test: %d failure(s), stress %.2f s\n", failures, secs);
  return failures == 0 ? 0 : 1;
}
