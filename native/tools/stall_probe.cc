// The machine's own stalls, without Node: one thread spins on the monotonic
// clock for N seconds and records every gap > 5 us (time its CPU was taken
// away: hypervisor, interrupts, other threads). bench/dispatcher.ts runs the
// same probe in JS next to its latency runs; this one shows the stalls are
// not the runtime's. Built with the C++ tests (scripts/test-cpp.sh, variant
// plain): build-cpp/plain/stall_probe [seconds]
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace {
double now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}
}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  if (!(seconds > 0 && seconds <= 3600)) {
    std::fprintf(stderr, "usage: stall_probe [seconds in (0, 3600]]\n");
    return 2;
  }
  constexpr double kBounds[] = {10e3, 20e3, 50e3, 100e3, 1e6};
  long hist[6] = {0, 0, 0, 0, 0, 0};
  long stalls = 0;
  double lost = 0, beyond10us = 0, max_gap = 0;
  const double start = now_ns();
  const double end = start + seconds * 1e9;
  double prev = start;
  for (;;) {
    const double t = now_ns();
    const double gap = t - prev;
    prev = t;
    if (gap > 5e3) {
      ++stalls;
      lost += gap;
      if (gap > 10e3) beyond10us += gap - 10e3;
      if (gap > max_gap) max_gap = gap;
      int b = 0;
      while (b < 5 && gap >= kBounds[b]) ++b;
      ++hist[b];
    }
    if (t >= end) break;
  }
  const double wall = prev - start;
  std::printf(
      "stalls > 5 us: %.0f/s, %.2f%% of the time lost, %.2f%% of the time more than 10 us into a stall, max %.1f us\n"
      "  5-10 us %ld, 10-20 us %ld, 20-50 us %ld, 50-100 us %ld, 0.1-1 ms %ld, > 1 ms %ld\n",
      static_cast<double>(stalls) / (wall / 1e9), 100 * lost / wall, 100 * beyond10us / wall, max_gap / 1e3, hist[0], hist[1],
      hist[2], hist[3], hist[4], hist[5]);
  return 0;
}
