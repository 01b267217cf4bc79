// CC-Link IE Field Basic tests: a cyclic request and response laid out as CLPA
// BAP-C2010ENG-001 specifies them (structures as in rt-labs c-link
// src/common/cl_types.h), plus malformed twins: cut at every field boundary,
// wrong fixed fields, a data length too high or too low, occupied stations at
// cap + 1 and beyond the data, another command.
#include "dissectors/cclink_iefb.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mieruka::dissectors::cclink_iefb {
namespace {

using Vec = std::vector<std::byte>;

Vec v(std::initializer_list<int> xs) {
  Vec out;
  for (int x : xs) out.push_back(static_cast<std::byte>(x));
  return out;
}
Vec cat(std::initializer_list<Vec> parts) {
  Vec out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Vec le16(unsigned x) { return v({int(x & 0xff), int((x >> 8) & 0xff)}); }
Vec le32(std::uint32_t x) { return cat({le16(x & 0xffff), le16(x >> 16)}); }
Bytes b(const Vec& x) { return {x.data(), x.size()}; }

// Header up to the data length; `dl` counts the bytes after it.
Vec head(int sub_hi, std::size_t dl) {
  return cat({v({sub_hi, 0x00,   // subheader 0x5000 / 0xD000 (big-endian)
                 0x00,           // network number
                 0xFF}),         // station number
              le16(0x03FF),      // module I/O number
              v({0x00}),         // multidrop station number
              le16(unsigned(dl))});  // data length
}

Vec request(std::uint16_t occupied, std::size_t ids_present) {
  Vec body = cat({le16(0x0000),       // reserved (monitoring timer)
                  le16(0x0E70),       // command: cyclic data
                  le16(0x0000),       // subcommand
                  le16(0x0002),       // protocol version
                  le16(0x0000),       // reserved
                  le16(36),           // cyclic information offset
                  Vec(14, std::byte{0}),  // reserved
                  le16(0x0001),       // master local unit info: running
                  le16(0x0000),       // reserved
                  le32(0x9C400000), le32(0x00000193),  // clock info (ms)
                  le32(0xC0A80301),   // master ID 192.168.3.1
                  v({0x01,            // group number
                     0x00}),          // reserved
                  le16(0x0102),       // frame sequence number
                  le16(500),          // timeout (ms)
                  le16(3),            // parallel off timeout count
                  le16(1),            // parameter number
                  le16(occupied),     // slaves' total occupied stations
                  le16(0x0003),       // cyclic transmission state
                  le16(0x0000)});     // reserved
  for (std::size_t i = 0; i < ids_present; ++i) body = cat({body, le32(0xC0A80302 + std::uint32_t(i))});
  body = cat({body, Vec(ids_present * (64 + 8), std::byte{0})});  // RWw and RY per station
  return cat({head(0x50, body.size()), body});
}

Vec response(std::uint16_t end_code) {
  Vec body = cat({le16(0x0000),       // reserved
                  le16(0x0002),       // protocol version
                  le16(end_code),     // end code
                  le16(40),           // cyclic information offset
                  Vec(14, std::byte{0}),
                  le16(0x0123),       // vendor code
                  le16(0x0000),       // reserved
                  le32(0x00004567),   // model code
                  le16(0x0003),       // equipment version
                  le16(0x0000),       // reserved
                  le16(0x0001),       // slave local unit info: running
                  le16(0x0000),       // slave error code
                  le32(0x00000000),   // local management info
                  le32(0xC0A80302),   // slave ID 192.168.3.2
                  v({0x01, 0x00}),    // group, reserved
                  le16(0x0102),       // frame sequence number
                  Vec(64 + 8, std::byte{0})});  // RWr and RX
  return cat({head(0xD0, body.size()), body});
}

struct Recorded {
  std::vector<std::string> facts;
  std::vector<Operation> ops;
  std::vector<std::string> anomalies;
  [[nodiscard]] bool has_fact(const std::string& f) const {
    return std::find(facts.begin(), facts.end(), f) != facts.end();
  }
  [[nodiscard]] int count_anomaly(std::string_view a) const {
    return static_cast<int>(std::count(anomalies.begin(), anomalies.end(), std::string(a)));
  }
};
class RecordingSink final : public Sink {
 public:
  Recorded r;
  void fact(const Fact& f) noexcept override {
    std::string who = f.who.kind == AssetRef::Kind::sender ? "S" : "R";
    r.facts.push_back(who + "|" + std::string(f.field) + "=" + f.value + "|" + std::string(f.source));
  }
  void operation(const Operation& op) noexcept override { r.ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { r.anomalies.emplace_back(c); }
};

TEST(CcIefb, Request) {
  const Vec m = request(2, 2);
  auto q = parse_request(b(m));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->protocol_version, 2);
  EXPECT_EQ(q->master_local_unit_info, 1);
  EXPECT_EQ(q->master_id, 0xC0A80301u);
  EXPECT_EQ(q->group, 1);
  EXPECT_EQ(q->frame_sequence, 0x0102);
  EXPECT_EQ(q->timeout_ms, 500);
  EXPECT_EQ(q->occupied_stations, 2);
  EXPECT_EQ(q->slave_ids.size(), 8u);
  RecordingSink sink;
  on_datagram({}, b(m), sink);
  EXPECT_TRUE(sink.r.has_fact("S|role=cclink_master|cclink_iefb"));
  EXPECT_TRUE(sink.r.has_fact("S|cclink_group=1|cclink_iefb"));
  EXPECT_TRUE(sink.r.has_fact("S|cclink_occupied_stations=2|cclink_iefb"));
  ASSERT_EQ(sink.r.ops.size(), 1u);
  EXPECT_EQ(sink.r.ops[0].protocol, "cclink_iefb");
  EXPECT_EQ(sink.r.ops[0].name, "cyclic");
  EXPECT_EQ(sink.r.ops[0].code, 0x0E70u);
  EXPECT_TRUE(sink.r.anomalies.empty());
}

TEST(CcIefb, Response) {
  const Vec m = response(0);
  auto s = parse_response(b(m));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->vendor_code, 0x0123);
  EXPECT_EQ(s->model_code, 0x4567u);
  EXPECT_EQ(s->equipment_version, 3);
  EXPECT_EQ(s->slave_id, 0xC0A80302u);
  RecordingSink sink;
  on_datagram({}, b(m), sink);
  EXPECT_TRUE(sink.r.has_fact("S|role=cclink_slave|cclink_iefb"));
  EXPECT_TRUE(sink.r.has_fact("S|cclink_vendor_code=0x0123|cclink_iefb"));
  EXPECT_TRUE(sink.r.has_fact("S|cclink_model_code=0x00004567|cclink_iefb"));
  EXPECT_TRUE(sink.r.has_fact("S|cclink_device_version=0x0003|cclink_iefb"));
  ASSERT_EQ(sink.r.ops.size(), 1u);
  EXPECT_FALSE(sink.r.ops[0].is_error);
  RecordingSink err;
  on_datagram({}, b(response(0xCFE0)), err);  // master duplication
  ASSERT_EQ(err.r.ops.size(), 1u);
  EXPECT_TRUE(err.r.ops[0].is_error);
}

TEST(CcIefb, CutAtEveryFieldBoundary) {
  // Every cut of the fixed part fails (the data length no longer fits).
  const Vec q = request(2, 2);
  const std::size_t fixed_q = kLengthOffset + 2 + 4 + 20 + 12 + 20 + 8;
  for (std::size_t cut = 0; cut < fixed_q; ++cut)
    EXPECT_FALSE(parse_request(Bytes(q.data(), cut)).ok()) << cut;
  const Vec s = response(0);
  for (std::size_t cut = 0; cut < kLengthOffset + 2 + 20 + 20 + 8; ++cut)
    EXPECT_FALSE(parse_response(Bytes(s.data(), cut)).ok()) << cut;
}

TEST(CcIefb, LyingLengthsAndFixedFields) {
  Vec high = request(2, 2);
  high[7] = std::byte{0xFF};  // data length beyond the datagram
  EXPECT_EQ(parse_request(b(high)).error(), ParseError::malformed);
  Vec low = request(2, 2);
  low[7] = std::byte{30};  // data length too low for the headers
  low[8] = std::byte{0};
  EXPECT_EQ(parse_request(b(low)).error(), ParseError::malformed);
  Vec station = request(2, 2);
  station[3] = std::byte{0x01};
  EXPECT_EQ(parse_request(b(station)).error(), ParseError::malformed);
  Vec cmd = request(2, 2);
  cmd[11] = std::byte{0x01};  // command 0x0E01
  EXPECT_EQ(parse_request(b(cmd)).error(), ParseError::unsupported);
  EXPECT_EQ(parse_request(b(response(0))).error(), ParseError::malformed);  // wrong subheader
  EXPECT_EQ(parse_response(b(request(2, 2))).error(), ParseError::malformed);
}

TEST(CcIefb, OccupiedStationsCap) {
  EXPECT_TRUE(parse_request(b(request(kMaxOccupiedPerGroup, kMaxOccupiedPerGroup))).ok());
  EXPECT_EQ(parse_request(b(request(kMaxOccupiedPerGroup + 1, kMaxOccupiedPerGroup + 1))).error(),
            ParseError::limit_exceeded);
  // 3 stations claimed, 0 IDs or data present.
  Vec beyond = request(3, 0);
  EXPECT_EQ(parse_request(b(beyond)).error(), ParseError::malformed);
  RecordingSink sink;
  on_datagram({}, b(request(kMaxOccupiedPerGroup + 1, kMaxOccupiedPerGroup + 1)), sink);
  EXPECT_EQ(sink.r.count_anomaly("cclink_iefb.occupied_over_cap"), 1);
  EXPECT_EQ(sink.r.ops.size(), 1u);  // still counted as a cyclic frame
  EXPECT_TRUE(sink.r.facts.empty());
}

TEST(CcIefb, UnknownAndShort) {
  RecordingSink sink;
  on_datagram({}, b(v({0x12})), sink);
  on_datagram({}, b(v({0x12, 0x34, 0x00})), sink);
  EXPECT_EQ(sink.r.count_anomaly("cclink_iefb.short"), 1);
  EXPECT_EQ(sink.r.count_anomaly("cclink_iefb.unknown_subheader"), 1);
  EXPECT_EQ(sink.r.ops.size(), 1u);
  EXPECT_EQ(parse_request(b(Vec(kMaxFrame + 1, std::byte{0x50}))).error(), ParseError::malformed);
}

}  // namespace
}  // namespace mieruka::dissectors::cclink_iefb
