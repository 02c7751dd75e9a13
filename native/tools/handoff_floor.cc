// The machine's floor for the worker -> main hand-off latency: a C++ producer
// thread and a C++ consumer thread hand events off through the same ring code
// and memory layout the addon uses (spsc_ring.h: 65,536 slots, drop-oldest,
// pre-touched, as the Dispatcher's defaults), at a paced offered rate. Each
// event carries its send time (CLOCK_MONOTONIC, the clock process.hrtime reads)
// in recvMonoNs; the spinning consumer records now - sent for each one, as
// bench/dispatcher.ts does for the worker -> main run. Whatever latency this
// shows (scheduler and hypervisor stalls included) no JS consumer can beat, so
// bench/dispatcher.ts runs it side by side with its own run and reports ratios.
//
// Usage: handoff_floor RATE COUNT [bestBidAsk|fullBidOffer] [spin|tick] [WARMUP]
//   RATE    events/s offered; COUNT events in all; WARMUP first events not
//   counted (default RATE / 4: a quarter second, as the bench skips).
//   spin: the producer busy-waits for each event's due time; tick: it sleeps
//   to each 0.5 ms tick and pushes that tick's events back to back.
// Prints one JSON object: p50, p99, p999, max in microseconds (nearest rank),
// samples, dropped. Built by native/CMakeLists.txt (not part of the addon).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "settrade/pretouch.h"
#include "settrade/slot_layout.h"
#include "settrade/spsc_ring.h"

namespace {

namespace R = settrade::ring;
namespace L = settrade::layout;

std::int64_t now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
}

void sleep_ns(std::int64_t ns) {
  timespec t{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

double percentile_us(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  const auto n = static_cast<double>(sorted.size());
  const auto i = static_cast<std::size_t>(std::min(n - 1, std::max(0.0, std::ceil(q * n) - 1)));
  return sorted[i] / 1000.0;
}

int usage() {
  std::fprintf(stderr, "usage: handoff_floor RATE COUNT [bestBidAsk|fullBidOffer] [spin|tick] [WARMUP]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const double rate = std::atof(argv[1]);
  const long long count = std::atoll(argv[2]);
  const std::string kind = argc > 3 ? argv[3] : "bestBidAsk";
  const std::string pacing = argc > 4 ? argv[4] : "spin";
  const long long warmup = argc > 5 ? std::atoll(argv[5]) : static_cast<long long>(rate / 4);
  if (!(rate > 0 && rate <= 1e8) || count <= 0 || count > 100000000 || warmup < 0 || warmup >= count) return usage();
  if (kind != "bestBidAsk" && kind != "fullBidOffer") return usage();
  if (pacing != "spin" && pacing != "tick") return usage();

  const bool full = kind == "fullBidOffer";
  const std::size_t slot_size = full ? L::kFullBidOfferSlotSize : L::kBestBidAskSlotSize;
  constexpr std::uint32_t kCapacity = 65536;
  constexpr std::size_t kBatch = 256;  // the Dispatcher's default pollBatchSize
  const std::size_t bytes = R::ring_bytes(slot_size, kCapacity);
  auto* mem = static_cast<std::uint8_t*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096));
  if (mem == nullptr) return 1;
  R::init_header(mem, full ? 1 : 0, static_cast<std::int32_t>(slot_size), kCapacity, R::Overflow::kDropOldest);
  settrade::memory::pre_touch(mem, bytes);

  std::atomic<bool> done{false};
  std::thread producer_thread([&] {
    R::Producer producer(mem);
    alignas(64) std::uint8_t slot[L::kFullBidOfferSlotSize] = {};
    const double interval = 1e9 / rate;
    constexpr std::int64_t kTickNs = 500000;
    const std::int64_t start = now_ns();
    for (long long i = 0; i < count; ++i) {
      const auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * interval);
      std::int64_t t;
      if (pacing == "tick") {
        const std::int64_t ahead = due - now_ns();
        if (ahead > 0) sleep_ns(std::max(ahead, kTickNs));
        t = now_ns();
      } else {
        while ((t = now_ns()) < due) {
        }
      }
      std::memcpy(slot + L::kRecvMonoNsOffset, &t, 8);
      (void)producer.push(slot);
    }
    done.store(true, std::memory_order_release);
  });

  R::Consumer consumer(mem);
  std::vector<std::uint64_t> out(kBatch * slot_size / 8);
  auto* out_bytes = reinterpret_cast<std::uint8_t*>(out.data());
  std::vector<double> lat;
  lat.reserve(static_cast<std::size_t>(count));
  for (;;) {
    const std::size_t n = consumer.poll(out_bytes, kBatch);
    for (std::size_t k = 0; k < n; ++k) {
      std::int64_t sent;
      std::memcpy(&sent, out_bytes + k * slot_size + L::kRecvMonoNsOffset, 8);
      lat.push_back(static_cast<double>(now_ns() - sent));
    }
    if (n == 0 && done.load(std::memory_order_acquire) && consumer.stats().queue_len == 0) break;
  }
  producer_thread.join();
  const double dropped = consumer.stats().total_dropped;
  std::free(mem);

  const auto skip = static_cast<std::size_t>(std::min<long long>(warmup, static_cast<long long>(lat.size())));
  std::vector<double> s(lat.begin() + static_cast<std::ptrdiff_t>(skip), lat.end());
  std::sort(s.begin(), s.end());
  std::printf(
      "{\"kind\": \"%s\", \"pacing\": \"%s\", \"rate\": %.0f, \"p50\": %.2f, \"p99\": %.2f, \"p999\": %.2f, \"max\": %.2f, "
      "\"samples\": %zu, \"dropped\": %.0f}\n",
      kind.c_str(), pacing.c_str(), rate, percentile_us(s, 0.5), percentile_us(s, 0.99), percentile_us(s, 0.999),
      percentile_us(s, 1.0), lat.size(), dropped);
  return 0;
}
