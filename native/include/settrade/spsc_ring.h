// Single-producer single-consumer ring of fixed-size event slots over raw
// memory (in the addon: the backing store of a SharedArrayBuffer). No N-API
// here: the binding (native/src/ring_binding.cc) and the C++ stress test
// (native/test/ring_test.cc) both use this header, and src/dispatcher/js-ring.ts
// implements the same protocol on the same bytes with Atomics.
//
// The protocol, the memory-ordering argument and the header layout are in
// docs/ring-protocol.md; the comments here only say why the code is shaped
// the way it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(_MSC_VER) && !defined(__clang__)
#include <atomic>
#endif

namespace settrade::ring {

// ---- header layout (byte offsets; mirrored in src/dispatcher/ring-layout.ts) ----
// Line 0 holds the immutable configuration; the mutable words sit on cache
// lines of their own by writer, so the producer and the consumer never
// false-share (the producer-only EMA and warned flag share one line).
constexpr std::size_t kMagicOffset = 0;         // uint32 kMagic
constexpr std::size_t kVersionOffset = 4;       // int32 kVersion
constexpr std::size_t kKindOffset = 8;          // int32 0 = bestBidAsk, 1 = fullBidOffer
constexpr std::size_t kSlotSizeOffset = 12;     // int32 bytes a slot (multiple of 64)
constexpr std::size_t kCapacityOffset = 16;     // int32 slots (maxSize)
constexpr std::size_t kOverflowOffset = 20;     // int32 0 = drop-oldest, 1 = reject-newest
constexpr std::size_t kModulusOffset = 24;      // int32 M: indices live in [0, M)
constexpr std::size_t kHeaderBytesOffset = 28;  // int32 where slot 0 starts
constexpr std::size_t kEmaAlphaOffset = 32;     // float64 smoothing factor of the drop-rate EMA
constexpr std::size_t kWriteIndexOffset = 64;   // int32, stored by the producer only
constexpr std::size_t kReadIndexOffset = 128;   // int32, CAS'd by both sides
constexpr std::size_t kSleepingOffset = 192;    // int32, 1 while the consumer waits
constexpr std::size_t kPushedOffset = 256;      // float64, producer only
constexpr std::size_t kDroppedOffset = 320;     // float64, producer only
constexpr std::size_t kPolledOffset = 384;      // float64, consumer only
constexpr std::size_t kDropRateEmaOffset = 448; // float64, producer only
constexpr std::size_t kDropWarnedOffset = 456;  // int32, producer only (JS wrapper logs)
constexpr std::size_t kClosedOffset = 460;      // int32, 1 once the ring is closed for good (JS Dispatcher.close)
constexpr std::size_t kHeaderBytes = 512;

constexpr std::uint32_t kMagic = 0x47525453;  // "STRG" little-endian
constexpr std::int32_t kVersion = 1;
constexpr std::uint32_t kMaxCapacity = 1u << 24;
constexpr std::int64_t kIndexLimit = std::int64_t{1} << 30;

enum class Overflow : std::int32_t { kDropOldest = 0, kRejectNewest = 1 };

// push() result bits. The native producer cannot call Atomics.notify, so it
// reports kPushWake and the JS wrapper notifies.
constexpr int kPushAccepted = 1;  // the event is in the ring
constexpr int kPushEvicted = 2;   // drop-oldest evicted the oldest event (counted)
constexpr int kPushWake = 4;      // the consumer sleeps: notify writeIndex

enum class HeaderStatus : int { kOk = 0, kTooSmall, kBadMagic, kBadVersion, kBadConfig, kMisaligned };

// ---- atomics on raw memory ----
// std::atomic_ref is C++20; the GCC/Clang builtins give the same guarantees on
// plain memory and ThreadSanitizer understands them.
namespace detail {
#if defined(_MSC_VER) && !defined(__clang__)
template <typename T> inline std::atomic<T>* as_atomic(void* p) { return reinterpret_cast<std::atomic<T>*>(p); }
inline std::int32_t load_acquire(const std::uint8_t* p) { return as_atomic<std::int32_t>(const_cast<std::uint8_t*>(p))->load(std::memory_order_acquire); }
inline std::int32_t load_relaxed(const std::uint8_t* p) { return as_atomic<std::int32_t>(const_cast<std::uint8_t*>(p))->load(std::memory_order_relaxed); }
inline std::int32_t load_seq_cst(const std::uint8_t* p) { return as_atomic<std::int32_t>(const_cast<std::uint8_t*>(p))->load(std::memory_order_seq_cst); }
inline void store_seq_cst(std::uint8_t* p, std::int32_t v) { as_atomic<std::int32_t>(p)->store(v, std::memory_order_seq_cst); }
inline void store_relaxed(std::uint8_t* p, std::int32_t v) { as_atomic<std::int32_t>(p)->store(v, std::memory_order_relaxed); }
inline std::int32_t exchange_seq_cst(std::uint8_t* p, std::int32_t v) { return as_atomic<std::int32_t>(p)->exchange(v, std::memory_order_seq_cst); }
inline bool cas_acq_rel(std::uint8_t* p, std::int32_t* expected, std::int32_t desired) {
  return as_atomic<std::int32_t>(p)->compare_exchange_strong(*expected, desired, std::memory_order_acq_rel, std::memory_order_acquire);
}
inline std::uint64_t load64_relaxed(const std::uint8_t* p) { return as_atomic<std::uint64_t>(const_cast<std::uint8_t*>(p))->load(std::memory_order_relaxed); }
inline void store64_relaxed(std::uint8_t* p, std::uint64_t v) { as_atomic<std::uint64_t>(p)->store(v, std::memory_order_relaxed); }
#else
inline std::int32_t load_acquire(const std::uint8_t* p) { return __atomic_load_n(reinterpret_cast<const std::int32_t*>(p), __ATOMIC_ACQUIRE); }
inline std::int32_t load_relaxed(const std::uint8_t* p) { return __atomic_load_n(reinterpret_cast<const std::int32_t*>(p), __ATOMIC_RELAXED); }
inline std::int32_t load_seq_cst(const std::uint8_t* p) { return __atomic_load_n(reinterpret_cast<const std::int32_t*>(p), __ATOMIC_SEQ_CST); }
inline void store_seq_cst(std::uint8_t* p, std::int32_t v) { __atomic_store_n(reinterpret_cast<std::int32_t*>(p), v, __ATOMIC_SEQ_CST); }
inline void store_relaxed(std::uint8_t* p, std::int32_t v) { __atomic_store_n(reinterpret_cast<std::int32_t*>(p), v, __ATOMIC_RELAXED); }
inline std::int32_t exchange_seq_cst(std::uint8_t* p, std::int32_t v) { return __atomic_exchange_n(reinterpret_cast<std::int32_t*>(p), v, __ATOMIC_SEQ_CST); }
inline bool cas_acq_rel(std::uint8_t* p, std::int32_t* expected, std::int32_t desired) {
  return __atomic_compare_exchange_n(reinterpret_cast<std::int32_t*>(p), expected, desired, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
inline std::uint64_t load64_relaxed(const std::uint8_t* p) { return __atomic_load_n(reinterpret_cast<const std::uint64_t*>(p), __ATOMIC_RELAXED); }
inline void store64_relaxed(std::uint8_t* p, std::uint64_t v) { __atomic_store_n(reinterpret_cast<std::uint64_t*>(p), v, __ATOMIC_RELAXED); }
#endif

// Counters are float64 (exact to 2^53) so JS reads them with one Float64Array
// element; each has exactly one writer, so read-modify-write needs no RMW op.
inline double load_counter(const std::uint8_t* p) {
  std::uint64_t bits = load64_relaxed(p);
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
inline void store_counter(std::uint8_t* p, double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  store64_relaxed(p, bits);
}
inline std::int32_t read_i32(const std::uint8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void write_i32(std::uint8_t* p, std::int32_t v) { std::memcpy(p, &v, sizeof v); }
}  // namespace detail

/** Largest multiple of capacity that is <= 2^30 (indices fit an Int32Array). */
constexpr std::int32_t index_modulus(std::uint32_t capacity) {
  return static_cast<std::int32_t>((kIndexLimit / capacity) * capacity);
}

/** Bytes a ring of `capacity` slots of `slot_size` bytes occupies. */
constexpr std::size_t ring_bytes(std::size_t slot_size, std::size_t capacity) {
  return kHeaderBytes + slot_size * capacity;
}

/** Writes the header of a fresh ring (before any other thread sees it). */
inline void init_header(std::uint8_t* mem, std::int32_t kind, std::int32_t slot_size, std::uint32_t capacity,
                        Overflow overflow, double ema_alpha = 0.01) noexcept {
  std::memset(mem, 0, kHeaderBytes);
  detail::write_i32(mem + kMagicOffset, static_cast<std::int32_t>(kMagic));
  detail::write_i32(mem + kVersionOffset, kVersion);
  detail::write_i32(mem + kKindOffset, kind);
  detail::write_i32(mem + kSlotSizeOffset, slot_size);
  detail::write_i32(mem + kCapacityOffset, static_cast<std::int32_t>(capacity));
  detail::write_i32(mem + kOverflowOffset, static_cast<std::int32_t>(overflow));
  detail::write_i32(mem + kModulusOffset, index_modulus(capacity));
  detail::write_i32(mem + kHeaderBytesOffset, static_cast<std::int32_t>(kHeaderBytes));
  std::memcpy(mem + kEmaAlphaOffset, &ema_alpha, sizeof ema_alpha);
}

/** Checks that `mem[0, len)` holds a ring this code understands, fully in bounds. */
inline HeaderStatus validate_header(const std::uint8_t* mem, std::size_t len) noexcept {
  if (len < kHeaderBytes) return HeaderStatus::kTooSmall;
  if (reinterpret_cast<std::uintptr_t>(mem) % 8 != 0) return HeaderStatus::kMisaligned;
  if (static_cast<std::uint32_t>(detail::read_i32(mem + kMagicOffset)) != kMagic) return HeaderStatus::kBadMagic;
  if (detail::read_i32(mem + kVersionOffset) != kVersion) return HeaderStatus::kBadVersion;
  const std::int32_t slot = detail::read_i32(mem + kSlotSizeOffset);
  const std::int32_t cap = detail::read_i32(mem + kCapacityOffset);
  const std::int32_t overflow = detail::read_i32(mem + kOverflowOffset);
  if (slot <= 0 || slot % 64 != 0 || cap <= 0 || static_cast<std::uint32_t>(cap) > kMaxCapacity) return HeaderStatus::kBadConfig;
  if (overflow != 0 && overflow != 1) return HeaderStatus::kBadConfig;
  if (detail::read_i32(mem + kModulusOffset) != index_modulus(static_cast<std::uint32_t>(cap))) return HeaderStatus::kBadConfig;
  if (detail::read_i32(mem + kHeaderBytesOffset) != static_cast<std::int32_t>(kHeaderBytes)) return HeaderStatus::kBadConfig;
  double alpha;
  std::memcpy(&alpha, mem + kEmaAlphaOffset, sizeof alpha);
  if (!(alpha > 0.0 && alpha <= 1.0)) return HeaderStatus::kBadConfig;
  if (len < ring_bytes(static_cast<std::size_t>(slot), static_cast<std::size_t>(cap))) return HeaderStatus::kTooSmall;
  return HeaderStatus::kOk;
}

/** Counters and queue length as one snapshot (exact when both sides are at rest). */
struct RingStats {
  double total_pushed;
  double total_dropped;
  double total_polled;
  std::uint32_t queue_len;
  std::uint32_t capacity;
};

/** Immutable geometry read once from a validated header. */
class RingView {
 public:
  explicit RingView(std::uint8_t* mem) noexcept
      : mem_(mem),
        slots_(mem + kHeaderBytes),
        slot_size_(static_cast<std::size_t>(detail::read_i32(mem + kSlotSizeOffset))),
        capacity_(detail::read_i32(mem + kCapacityOffset)),
        modulus_(detail::read_i32(mem + kModulusOffset)),
        reject_newest_(detail::read_i32(mem + kOverflowOffset) == static_cast<std::int32_t>(Overflow::kRejectNewest)) {
    std::memcpy(&ema_alpha_, mem + kEmaAlphaOffset, sizeof ema_alpha_);
  }

  std::size_t slot_size() const noexcept { return slot_size_; }
  std::int32_t capacity() const noexcept { return capacity_; }
  std::int32_t modulus() const noexcept { return modulus_; }
  bool reject_newest() const noexcept { return reject_newest_; }

  /** Queue length between two indices (r is never ahead of w by the protocol). */
  std::int32_t distance(std::int32_t w, std::int32_t r) const noexcept {
    std::int32_t d = w - r;
    return d < 0 ? d + modulus_ : d;
  }
  std::int32_t advance(std::int32_t i, std::int32_t n) const noexcept {
    std::int32_t j = i + n;  // i < 2^30 and n <= 2^24: no overflow
    return j >= modulus_ ? j - modulus_ : j;
  }
  std::uint8_t* slot(std::int32_t index) const noexcept {
    return slots_ + static_cast<std::size_t>(index % capacity_) * slot_size_;
  }

  RingStats stats() const noexcept {
    const std::int32_t r = detail::load_acquire(mem_ + kReadIndexOffset);
    const std::int32_t w = detail::load_acquire(mem_ + kWriteIndexOffset);
    std::int32_t len = distance(w, r);
    if (len > capacity_) len = capacity_;
    return RingStats{detail::load_counter(mem_ + kPushedOffset), detail::load_counter(mem_ + kDroppedOffset),
                     detail::load_counter(mem_ + kPolledOffset), static_cast<std::uint32_t>(len),
                     static_cast<std::uint32_t>(capacity_)};
  }

 protected:
  std::uint8_t* mem_;
  std::uint8_t* slots_;
  std::size_t slot_size_;
  std::int32_t capacity_;
  std::int32_t modulus_;
  bool reject_newest_;
  double ema_alpha_;
};

/**
 * The producer side. One instance per producer thread; it caches the read
 * index (rigtorp-style) and reloads it only when the cache says "full": the
 * consumer only ever moves it forward, so a stale cache can only overstate
 * the queue length.
 */
class Producer : public RingView {
 public:
  explicit Producer(std::uint8_t* mem) noexcept : RingView(mem), read_cache_(detail::load_acquire(mem + kReadIndexOffset)) {}

  /**
   * Copies one slot (slot_size() bytes, 8-byte aligned, NOT in the ring) into
   * the ring. Returns kPush* bits; 0 means reject-newest refused it (counted).
   */
  [[nodiscard]] int push(const std::uint8_t* src) noexcept {
    const std::int32_t w = detail::load_relaxed(mem_ + kWriteIndexOffset);
    int result = kPushAccepted;
    bump(kPushedOffset, 1);
    while (distance(w, read_cache_) >= capacity_) {
      std::int32_t r = detail::load_acquire(mem_ + kReadIndexOffset);
      read_cache_ = r;
      if (distance(w, r) < capacity_) break;
      if (reject_newest_) {
        bump(kDroppedOffset, 1);
        update_ema(1.0);
        return 0;
      }
      // Evict without waiting for the consumer; only a won CAS counts a drop,
      // so an event the consumer took meanwhile is never counted twice.
      if (detail::cas_acq_rel(mem_ + kReadIndexOffset, &r, advance(r, 1))) {
        read_cache_ = advance(r, 1);
        bump(kDroppedOffset, 1);
        result |= kPushEvicted;
        break;
      }
      read_cache_ = r;
    }
    // Relaxed 8-byte stores: a consumer may be copying this slot right now
    // (only when it was just evicted; that copy is discarded), and a data race
    // on plain bytes would be undefined behaviour.
    std::uint8_t* dst = slot(w);
    for (std::size_t i = 0; i < slot_size_; i += 8) {
      std::uint64_t v;
      std::memcpy(&v, src + i, 8);
      detail::store64_relaxed(dst + i, v);
    }
    // seq_cst store then seq_cst load: with the consumer's "sleeping = 1; re-check
    // writeIndex" (also seq_cst) at least one side sees the other (no lost wake-up).
    detail::store_seq_cst(mem_ + kWriteIndexOffset, advance(w, 1));
    update_ema((result & kPushEvicted) != 0 ? 1.0 : 0.0);
    // One wake per sleep: the first push that sees the flag takes it (exchange),
    // the pushes after it see 0 and do not ask for another notify.
    if (detail::load_seq_cst(mem_ + kSleepingOffset) != 0 && detail::exchange_seq_cst(mem_ + kSleepingOffset, 0) != 0) {
      result |= kPushWake;
    }
    return result;
  }

 private:
  // Per push attempt: x = 1 when it dropped an event (evicted or refused).
  // Written in this exact form in js-ring.ts too, so both backends agree bit for bit.
  void update_ema(double x) noexcept {
    const double ema = detail::load_counter(mem_ + kDropRateEmaOffset);
    detail::store_counter(mem_ + kDropRateEmaOffset, ema + ema_alpha_ * (x - ema));
  }
  void bump(std::size_t offset, double n) noexcept {
    detail::store_counter(mem_ + offset, detail::load_counter(mem_ + offset) + n);
  }
  std::int32_t read_cache_;
};

/** The consumer side: batch copy-out, then commit with a CAS. */
class Consumer : public RingView {
 public:
  explicit Consumer(std::uint8_t* mem) noexcept : RingView(mem) {}

  /**
   * Copies up to `max` events into `out` (room for max * slot_size() bytes,
   * 8-byte aligned, not in the ring), oldest first, and removes them from the
   * ring. Every returned event is intact: events the producer evicted while
   * they were being copied are discarded (the producer counted them).
   */
  [[nodiscard]] std::size_t poll(std::uint8_t* out, std::size_t max) noexcept {
    if (max == 0) return 0;
    for (;;) {
      const std::int32_t r = detail::load_acquire(mem_ + kReadIndexOffset);
      const std::int32_t w = detail::load_acquire(mem_ + kWriteIndexOffset);
      std::int32_t avail = distance(w, r);
      if (avail == 0) return 0;
      if (avail > capacity_) avail = capacity_;  // r was evicted past between the two loads
      const std::int32_t n = static_cast<std::int32_t>(static_cast<std::size_t>(avail) < max ? static_cast<std::size_t>(avail) : max);
      for (std::int32_t k = 0; k < n; ++k) {
        const std::uint8_t* src = slot(advance(r, k));
        std::uint8_t* dst = out + static_cast<std::size_t>(k) * slot_size_;
        for (std::size_t i = 0; i < slot_size_; i += 8) {
          const std::uint64_t v = detail::load64_relaxed(src + i);
          std::memcpy(dst + i, &v, 8);
        }
      }
      const std::int32_t end = advance(r, n);
      std::int32_t expected = r;
      // acq_rel: the copies above happen-before any producer CAS that reads our
      // commit, hence before it may overwrite those slots.
      while (!detail::cas_acq_rel(mem_ + kReadIndexOffset, &expected, end)) {
        // The producer evicted [r, expected). Slots [expected, end) could not be
        // overwritten before readIndex passed them, which it has not: keep them.
        if (distance(expected, r) >= n) break;
      }
      const std::int32_t skipped = distance(expected, r);
      if (skipped >= n) continue;  // everything copied was evicted: start over
      const std::int32_t kept = n - skipped;
      if (skipped > 0) {
        std::memmove(out, out + static_cast<std::size_t>(skipped) * slot_size_, static_cast<std::size_t>(kept) * slot_size_);
      }
      detail::store_counter(mem_ + kPolledOffset, detail::load_counter(mem_ + kPolledOffset) + kept);
      return static_cast<std::size_t>(kept);
    }
  }
};

/** Empties the ring and zeroes the counters. Only while neither side runs. */
inline void clear(std::uint8_t* mem) noexcept {
  detail::store_relaxed(mem + kWriteIndexOffset, 0);
  detail::store_relaxed(mem + kReadIndexOffset, 0);
  detail::store_counter(mem + kPushedOffset, 0);
  detail::store_counter(mem + kDroppedOffset, 0);
  detail::store_counter(mem + kPolledOffset, 0);
  detail::store_counter(mem + kDropRateEmaOffset, 0);
  detail::store_relaxed(mem + kDropWarnedOffset, 0);
}

}  // namespace settrade::ring
