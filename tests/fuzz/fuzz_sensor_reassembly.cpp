// Fuzzes TcpStream (sensor/flow/tcp_reassembly.hpp) with two directions sharing one
// small budget. Input: chunks split by fuzz_buffer.hpp; per chunk (after the
// direction flag) 4 bytes sequence number (big-endian), 1 byte TCP flags, then
// the payload. A chunk with the ACK flag also feeds its sequence number as the
// other direction's peer ACK, so gaps by ACK are reached. Checks: no crash, no
// leak, buffers within the window and the budget, bytes + gaps account for
// exactly how far each stream advanced, and the budget is empty at the end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz/fuzz_buffer.hpp"
#include "sensor/flow/tcp_reassembly.hpp"

namespace {

using mieruka::sensor::ReassemblyBudget;
using mieruka::sensor::ReassemblyLimits;
using mieruka::sensor::StreamConsumer;
using mieruka::sensor::TcpStream;

class Counting : public StreamConsumer {
 public:
  void on_bytes(std::span<const std::byte> b) noexcept override {
    for (auto x : b) sum_ += static_cast<std::uint8_t>(x);  // touch every byte: ASan sees bad spans
    total += b.size();
  }
  void on_gap(std::size_t lost) noexcept override {
    if (lost == 0) std::abort();
    total += lost;
  }
  std::uint64_t total = 0;

 private:
  std::uint64_t sum_ = 0;
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kWindow = 16 * 1024;
  ReassemblyBudget budget(24 * 1024, ReassemblyLimits{kWindow});
  {
    TcpStream stream[2] = {TcpStream(budget), TcpStream(budget)};
    Counting out[2];
    std::uint32_t first[2] = {0, 0};
    bool started[2] = {false, false};
    for (const auto& chunk : mieruka::fuzz::split_chunks(data, size, 256)) {
      const auto bytes = chunk.bytes();
      if (bytes.size() < 5) continue;
      const int d = chunk.to_client ? 1 : 0;
      const std::uint32_t seq = (std::uint32_t{static_cast<std::uint8_t>(bytes[0])} << 24) |
                                (std::uint32_t{static_cast<std::uint8_t>(bytes[1])} << 16) |
                                (std::uint32_t{static_cast<std::uint8_t>(bytes[2])} << 8) |
                                static_cast<std::uint8_t>(bytes[3]);
      const auto flags = static_cast<std::uint8_t>(bytes[4]);
      if ((flags & 0x10) != 0) stream[1 - d].on_peer_ack(seq, out[1 - d]);
      stream[d].on_segment(seq, bytes.subspan(5), flags, out[d]);
      // Until the first byte or gap comes out, a SYN may still move the start.
      if (stream[d].started() && out[d].total == 0) {
        started[d] = true;
        first[d] = stream[d].next_seq();
      }
      if ((flags & 0x40) != 0) stream[d].flush(out[d]);  // ECE bit: exercise flush mid-stream
      for (int k = 0; k < 2; ++k) {
        check(stream[k].buffered() <= kWindow);
        check(stream[k].memory_bytes() <= kWindow + 1024);
      }
      check(budget.used() <= budget.cap());
    }
    for (int k = 0; k < 2; ++k) {
      stream[k].flush(out[k]);
      check(stream[k].buffered() == 0);
      if (started[k])
        check(static_cast<std::uint32_t>(out[k].total) == static_cast<std::uint32_t>(stream[k].next_seq() - first[k]));
    }
  }
  check(budget.used() == 0);
  return 0;
}
