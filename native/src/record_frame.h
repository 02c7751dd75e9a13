// The recording's MESSAGE record framed inside the native push
// (src/record/native-frame.ts is the JS side): the payload is in cache and
// the stamps are known there, so the live path's JS does nothing per message
// but arm the cell. The bytes are exactly those of src/record/format.ts
// (encodeRecordFrame): test/record-native-frame.test.ts compares the two.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace settrade::binding {

// Words of the record cell (a Uint32Array shared with JS; host byte order).
// The JS side arms it (topic id, epoch, payload length) before handing a
// message to the listeners; the push frames the record and disarms it.
enum RecordCellWord : std::size_t {
  kRecordTopic = 0,    // topic id of the armed message; 0 = disarmed
  kRecordEpoch = 1,    // its connection epoch
  kRecordLength = 2,   // its payload length (a push of any other payload is not it)
  kRecordOffset = 3,   // where the next record goes in the bound chunk
  kRecordLimit = 4,    // the end records may reach (room, pending-bytes and file-size bounds)
  kRecordFramed = 5,   // records framed here since the JS side last took them over
  kRecordCellWords = 6,
};

// Length and CRC, then type, reserved, topic id, epoch, wall ns, mono ns.
constexpr std::size_t kRecordPrefixBytes = 8;
constexpr std::size_t kRecordBodyHeaderBytes = 24;
constexpr std::size_t kMaxRecordBodyBytes = 16 * 1024 * 1024;
constexpr std::uint8_t kRecordTypeMessage = 1;

inline void store_le32(std::uint8_t* p, std::uint32_t v) {
  for (int k = 0; k < 4; k++) p[k] = static_cast<std::uint8_t>(v >> (8 * k));
}
inline void store_le64(std::uint8_t* p, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int k = 0; k < 8; k++) p[k] = static_cast<std::uint8_t>(u >> (8 * k));
}

// Frames `payload` as the armed MESSAGE record at the cell's offset in
// `chunk` and disarms the cell; does nothing (cell untouched) when it is not
// armed for this payload or the record would pass the limit or the chunk.
// True when it framed.
inline bool frame_armed_message(std::uint32_t* cell, std::uint8_t* chunk, std::size_t chunk_len, const std::uint8_t* payload,
                                std::size_t len, std::int64_t wall_ns, std::int64_t mono_ns) noexcept {
  const std::uint32_t topic = cell[kRecordTopic];
  if (topic == 0 || topic > 0xffff || cell[kRecordLength] != len) return false;
  const std::size_t body_len = kRecordBodyHeaderBytes + len;
  if (body_len > kMaxRecordBodyBytes) return false;
  const std::size_t off = cell[kRecordOffset];
  const std::size_t limit = cell[kRecordLimit] < chunk_len ? cell[kRecordLimit] : chunk_len;
  const std::size_t need = kRecordPrefixBytes + body_len;
  if (off > limit || limit - off < need) return false;
  std::uint8_t* rec = chunk + off;
  std::uint8_t* body = rec + kRecordPrefixBytes;
  store_le32(rec, static_cast<std::uint32_t>(body_len));
  body[0] = kRecordTypeMessage;
  body[1] = 0;
  body[2] = static_cast<std::uint8_t>(topic);
  body[3] = static_cast<std::uint8_t>(topic >> 8);
  store_le32(body + 4, cell[kRecordEpoch]);
  store_le64(body + 8, wall_ns);
  store_le64(body + 16, mono_ns);
  if (len != 0) std::memcpy(body + kRecordBodyHeaderBytes, payload, len);
  // The CRC is left 0 (as the JS framing leaves it): the writer fills a
  // whole chunk's CRCs when it seals it (crc32cRecords), which measured
  // faster than one serial crc32 chain per record here (docs/performance.md).
  store_le32(rec + 4, 0);
  cell[kRecordOffset] = static_cast<std::uint32_t>(off + need);
  cell[kRecordFramed] += 1;
  cell[kRecordTopic] = 0;
  return true;
}

}  // namespace settrade::binding
