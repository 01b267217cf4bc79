// Modbus/TCP dissector tests. Vectors are the worked examples of the Modbus
// Application Protocol Specification v1.1b3 ("AP", §6.x) wrapped in an MBAP header
// (TCP/IP Implementation Guide v1.0b §3.1.3), plus malformed twins.
#include "dissectors/modbus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace mieruka::dissectors::modbus {
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
Vec str(std::string_view s) {
  Vec out;
  for (char c : s) out.push_back(static_cast<std::byte>(c));
  return out;
}
Bytes b(const Vec& x) { return {x.data(), x.size()}; }

// MBAP (IG §3.1.3) in front of a PDU: transaction id, protocol id 0, length, unit id.
Vec adu(std::uint16_t tid, std::uint8_t unit, const Vec& pdu) {
  const auto len = static_cast<std::uint16_t>(pdu.size() + 1);
  return cat({v({tid >> 8, tid & 0xff,  // transaction id
                 0x00, 0x00,            // protocol id: Modbus
                 len >> 8, len & 0xff,  // length: unit id + PDU
                 unit}),                // unit id
              pdu});
}

struct Recorded {
  std::vector<std::string> facts;       // "route|field=value|source" with route "S"/"R" + route
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
    if (!f.who.route.empty()) who += "/" + f.who.route;
    r.facts.push_back(who + "|" + std::string(f.field) + "=" + f.value + "|" + std::string(f.source));
  }
  void operation(const Operation& op) noexcept override { r.ops.push_back(op); }
  void anomaly(std::string_view c) noexcept override { r.anomalies.emplace_back(c); }
};

bool same_ops(const std::vector<Operation>& a, const std::vector<Operation>& c) {
  if (a.size() != c.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto &x = a[i], &y = c[i];
    if (x.name != y.name || x.code != y.code || x.is_write != y.is_write || x.is_control != y.is_control ||
        x.is_error != y.is_error || x.is_range != y.is_range || x.range_start != y.range_start ||
        x.range_count != y.range_count)
      return false;
  }
  return true;
}

// A conversation: chunks with their direction.
struct Step {
  Direction dir;
  Vec bytes;
};

Recorded run(const std::vector<Step>& steps) {
  RecordingSink sink;
  auto p = make_stream_parser();
  for (const auto& s : steps) p->on_data(s.dir, b(s.bytes), sink);
  return sink.r;
}

constexpr auto kReq = Direction::to_server;
constexpr auto kResp = Direction::to_client;

// --- per function code: AP §6 examples -------------------------------------------

struct FcCase {
  const char* name;
  Vec request_pdu;
  Vec response_pdu;
  bool is_write;
  bool is_range;
  std::uint32_t start, count;
};

std::vector<FcCase> fc_cases() {
  return {
      {"read_coils",  // AP §6.1
       v({0x01, 0x00, 0x13, 0x00, 0x13}),    // fc, starting address 19, quantity 19
       v({0x01, 0x03, 0xCD, 0x6B, 0x05}),    // fc, byte count 3, coil status 27..20, 35..28, 38..36
       false, true, 19, 19},
      {"read_discrete_inputs",  // AP §6.2
       v({0x02, 0x00, 0xC4, 0x00, 0x16}),    // fc, starting address 196, quantity 22
       v({0x02, 0x03, 0xAC, 0xDB, 0x35}),    // fc, byte count 3, input status
       false, true, 196, 22},
      {"read_holding_registers",  // AP §6.3
       v({0x03, 0x00, 0x6B, 0x00, 0x03}),    // fc, starting address 107, quantity 3
       v({0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64}),  // fc, byte count 6, registers 108..110
       false, true, 107, 3},
      {"read_input_registers",  // AP §6.4
       v({0x04, 0x00, 0x08, 0x00, 0x01}),    // fc, starting address 8, quantity 1
       v({0x04, 0x02, 0x00, 0x0A}),          // fc, byte count 2, register 9 value 10
       false, true, 8, 1},
      {"write_single_coil",  // AP §6.5
       v({0x05, 0x00, 0xAC, 0xFF, 0x00}),    // fc, output address 172, value ON
       v({0x05, 0x00, 0xAC, 0xFF, 0x00}),    // echo
       true, true, 172, 1},
      {"write_single_register",  // AP §6.6
       v({0x06, 0x00, 0x01, 0x00, 0x03}),    // fc, register address 1, value 3
       v({0x06, 0x00, 0x01, 0x00, 0x03}),    // echo
       true, true, 1, 1},
      {"read_exception_status",  // AP §6.7
       v({0x07}),                            // fc
       v({0x07, 0x6D}),                      // fc, output data
       false, false, 0, 0},
      {"diagnostics",  // AP §6.8 (sub-function 0 return query data)
       v({0x08, 0x00, 0x00, 0xA5, 0x37}),    // fc, sub-function 0, data
       v({0x08, 0x00, 0x00, 0xA5, 0x37}),    // echo
       false, false, 0, 0},
      {"get_comm_event_counter",  // AP §6.9
       v({0x0B}),                            // fc
       v({0x0B, 0xFF, 0xFF, 0x01, 0x08}),    // fc, status busy, event count 264
       false, false, 0, 0},
      {"get_comm_event_log",  // AP §6.10
       v({0x0C}),                            // fc
       v({0x0C, 0x08, 0x00, 0x00, 0x01, 0x08, 0x01, 0x21, 0x20, 0x00}),  // fc, byte count 8, status,
                                             // event count 264, message count 289, events 0x20 0x00
       false, false, 0, 0},
      {"write_multiple_coils",  // AP §6.11
       v({0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01}),  // fc, address 19, quantity 10, byte count 2, values
       v({0x0F, 0x00, 0x13, 0x00, 0x0A}),    // fc, address, quantity
       true, true, 19, 10},
      {"write_multiple_registers",  // AP §6.12
       v({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02}),  // fc, address 1, quantity 2,
                                             // byte count 4, values 0x000A 0x0102
       v({0x10, 0x00, 0x01, 0x00, 0x02}),    // fc, address, quantity
       true, true, 1, 2},
      {"report_server_id",  // AP §6.13 (server id is device specific)
       v({0x11}),                            // fc
       v({0x11, 0x03, 0x41, 0x42, 0xFF}),    // fc, byte count 3, server id "AB", run indicator ON
       false, false, 0, 0},
      {"read_file_record",  // AP §6.14
       v({0x14, 0x0E,                        // fc, byte count 14
          0x06, 0x00, 0x04, 0x00, 0x01, 0x00, 0x02,  // ref type 6, file 4, record 1, length 2
          0x06, 0x00, 0x03, 0x00, 0x09, 0x00, 0x02}),  // ref type 6, file 3, record 9, length 2
       v({0x14, 0x0C,                        // fc, response data length 12
          0x05, 0x06, 0x0D, 0xFE, 0x00, 0x20,  // file resp length 5, ref type 6, data
          0x05, 0x06, 0x33, 0xCD, 0x00, 0x40}),
       false, false, 0, 0},
      {"write_file_record",  // AP §6.15
       v({0x15, 0x0D,                        // fc, request data length 13
          0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x03,  // ref type 6, file 4, record 7, length 3
          0x06, 0xAF, 0x04, 0xBE, 0x10, 0x0D}),      // record data
       v({0x15, 0x0D, 0x06, 0x00, 0x04, 0x00, 0x07, 0x00, 0x03, 0x06, 0xAF, 0x04, 0xBE, 0x10, 0x0D}),  // echo
       true, false, 0, 0},
      {"mask_write_register",  // AP §6.16
       v({0x16, 0x00, 0x04, 0x00, 0xF2, 0x00, 0x25}),  // fc, address 4, AND mask, OR mask
       v({0x16, 0x00, 0x04, 0x00, 0xF2, 0x00, 0x25}),  // echo
       true, true, 4, 1},
      {"read_write_multiple_registers",  // AP §6.17
       v({0x17, 0x00, 0x03, 0x00, 0x06,      // fc, read address 3, read quantity 6
          0x00, 0x0E, 0x00, 0x03,            // write address 14, write quantity 3
          0x06, 0x00, 0xFF, 0x00, 0xFF, 0x00, 0xFF}),  // write byte count 6, values
       v({0x17, 0x0C,                        // fc, byte count 12
          0x00, 0xFE, 0x0A, 0xCD, 0x00, 0x01, 0x00, 0x03, 0x00, 0x0D, 0x00, 0xFF}),
       true, true, 14, 3},
      {"read_fifo_queue",  // AP §6.18
       v({0x18, 0x04, 0xDE}),                // fc, FIFO pointer address 1246
       v({0x18, 0x00, 0x06, 0x00, 0x02, 0x01, 0xB8, 0x12, 0x84}),  // fc, byte count 6, FIFO count 2, values
       false, true, 1246, 1},
      {"canopen_general_reference",  // AP §6.19 (MEI 13, body is CANopen specific)
       v({0x2B, 0x0D, 0x00, 0x01}),          // fc, MEI 13, data
       v({0x2B, 0x0D, 0x00, 0x01}),          // fc, MEI 13, data
       false, false, 0, 0},
      {"read_device_identification",  // AP §6.21
       v({0x2B, 0x0E, 0x01, 0x00}),          // fc, MEI 14, read device id code 1 (basic), object id 0
       v({0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x01,  // fc, MEI, code, conformity, more, next, count 1
          0x00, 0x03, 0x41, 0x43, 0x4D}),    // object 0 VendorName, length 3, "ACM"
       false, false, 0, 0},
  };
}

TEST(ModbusParse, EveryFunctionCodeRequestAndResponse) {
  for (const auto& c : fc_cases()) {
    SCOPED_TRACE(c.name);
    const Vec req = adu(7, 1, c.request_pdu);
    const Vec resp = adu(7, 1, c.response_pdu);
    auto rq = parse_adu(b(req), kReq);
    ASSERT_TRUE(rq.ok());
    EXPECT_EQ(rq->mbap.transaction_id, 7);
    EXPECT_EQ(rq->mbap.protocol_id, 0);
    EXPECT_EQ(rq->mbap.length, c.request_pdu.size() + 1);
    EXPECT_EQ(rq->mbap.unit_id, 1);
    EXPECT_EQ(rq->size, req.size());
    EXPECT_EQ(rq->pdu.function_code, static_cast<std::uint8_t>(c.request_pdu[0]));
    EXPECT_TRUE(rq->pdu.known_function);
    EXPECT_EQ(function_name(rq->pdu.function_code, rq->pdu.sub_function), c.name);
    auto rs = parse_adu(b(resp), kResp, &rq->pdu);
    ASSERT_TRUE(rs.ok());
    EXPECT_TRUE(rs->pdu.is_response);
    EXPECT_FALSE(rs->pdu.is_exception);

    Recorded r = run({{kReq, req}, {kResp, resp}});
    ASSERT_EQ(r.ops.size(), 1u);
    EXPECT_EQ(r.ops[0].protocol, "modbus");
    EXPECT_EQ(r.ops[0].name, c.name);
    EXPECT_EQ(r.ops[0].code, static_cast<std::uint32_t>(c.request_pdu[0]));
    EXPECT_EQ(r.ops[0].is_write, c.is_write);
    EXPECT_FALSE(r.ops[0].is_error);
    EXPECT_EQ(r.ops[0].is_range, c.is_range);
    EXPECT_EQ(r.ops[0].range_start, c.start);
    EXPECT_EQ(r.ops[0].range_count, c.count);
    EXPECT_TRUE(r.anomalies.empty()) << r.anomalies.front();
    EXPECT_TRUE(r.has_fact("S|role=modbus_client|modbus"));
    EXPECT_TRUE(r.has_fact("R|role=modbus_server|modbus"));
  }
}

TEST(ModbusParse, ReadHoldingRegistersFieldsAndPairing) {
  const Vec req = v({0x00, 0x01,   // transaction id 1
                     0x00, 0x00,   // protocol id
                     0x00, 0x06,   // length 6
                     0x11,         // unit id 17
                     0x03,         // fc read holding registers
                     0x00, 0x6B,   // starting address 107
                     0x00, 0x03}); // quantity 3
  auto rq = parse_adu(b(req));
  ASSERT_TRUE(rq.ok());
  EXPECT_EQ(rq->mbap.unit_id, 0x11);
  EXPECT_EQ(rq->pdu.address, 107);
  EXPECT_EQ(rq->pdu.quantity, 3);
  EXPECT_EQ(rq->pdu.function_class, FunctionClass::read);
  const Vec resp = v({0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x11,  // MBAP, length 9
                      0x03,                                     // fc
                      0x06,                                     // byte count
                      0x02, 0x2B, 0x00, 0x00, 0x00, 0x64});     // 555, 0, 100
  auto rs = parse_adu(b(resp), kResp, &rq->pdu);
  ASSERT_TRUE(rs.ok());
  EXPECT_TRUE(rs->pdu.from_request);
  EXPECT_EQ(rs->pdu.address, 107);
  EXPECT_EQ(rs->pdu.byte_count, 6);
  ASSERT_EQ(rs->pdu.data.size(), 6u);
  EXPECT_EQ(static_cast<int>(rs->pdu.data[1]), 0x2B);
}

TEST(ModbusParse, Names) {
  EXPECT_EQ(exception_name(2), "illegal_data_address");
  EXPECT_EQ(exception_name(0x0B), "gateway_target_device_failed_to_respond");
  EXPECT_EQ(exception_name(0x07), "unknown_exception");
  EXPECT_EQ(function_name(0x5A), "umas");
  EXPECT_EQ(function_name(66), "user_defined");
  EXPECT_EQ(function_name(105), "user_defined");
  EXPECT_EQ(function_name(99), "unknown_function");
  EXPECT_EQ(classify(0x5A), FunctionClass::vendor_specific);
  EXPECT_EQ(classify(0x5B), FunctionClass::vendor_specific);
  EXPECT_EQ(classify(8), FunctionClass::diagnostics);
  EXPECT_EQ(classify(20), FunctionClass::file_record);
  EXPECT_EQ(classify(43), FunctionClass::device_id);
  EXPECT_EQ(classify(16), FunctionClass::write);
  EXPECT_EQ(classify(99), FunctionClass::other);
  EXPECT_EQ(to_string(FunctionClass::file_record), "file_record");
  EXPECT_FALSE(is_known_function(0));
  EXPECT_FALSE(is_known_function(0x83));
}

// --- exceptions (AP §7) --------------------------------------------------------------

TEST(ModbusStream, ExceptionResponseIsErrorOperation) {
  const Vec req = adu(5, 1, v({0x03, 0x00, 0x6B, 0x00, 0x03}));  // read holding registers 107..109
  const Vec resp = adu(5, 1, v({0x83,    // fc 3 | 0x80
                                0x02})); // illegal data address
  auto rs = parse_adu(b(resp), kResp);
  ASSERT_TRUE(rs.ok());
  EXPECT_TRUE(rs->pdu.is_exception);
  EXPECT_EQ(rs->pdu.function_code, 3);
  EXPECT_EQ(rs->pdu.exception_code, 2);
  Recorded r = run({{kReq, req}, {kResp, resp}});
  ASSERT_EQ(r.ops.size(), 2u);
  EXPECT_FALSE(r.ops[0].is_error);
  EXPECT_TRUE(r.ops[1].is_error);
  EXPECT_EQ(r.ops[1].name, "read_holding_registers");
  EXPECT_EQ(r.ops[1].range_start, 107u);  // interpreted with the request
  EXPECT_TRUE(r.anomalies.empty());
}

// A refused write is no write: only the request says a client wrote (new_writer
// counts writes from the request's time, not from an exception's).
TEST(ModbusStream, WriteExceptionIsErrorNotWrite) {
  const Vec req = adu(6, 1, v({0x06,          // write single register
                               0x00, 0x01,    // register address 1
                               0x00, 0x03})); // value 3
  const Vec resp = adu(6, 1, v({0x86,    // fc 6 | 0x80
                                0x02})); // illegal data address
  Recorded r = run({{kReq, req}, {kResp, resp}});
  ASSERT_EQ(r.ops.size(), 2u);
  EXPECT_TRUE(r.ops[0].is_write);
  EXPECT_FALSE(r.ops[0].is_error);
  EXPECT_EQ(r.ops[1].name, "write_single_register");
  EXPECT_TRUE(r.ops[1].is_error);
  EXPECT_FALSE(r.ops[1].is_write);
  // The exception alone (the request before the capture began) claims no write.
  Recorded alone = run({{kResp, resp}});
  for (const auto& op : alone.ops) EXPECT_FALSE(op.is_write);
}

TEST(ModbusParse, ExceptionBitOnRequestIsMalformed) {
  const Vec req = adu(5, 1, v({0x83, 0x02}));
  EXPECT_FALSE(parse_adu(b(req), kReq).ok());
}

TEST(ModbusStream, GatewayExceptionHintsGatewayAndNoUnitFact) {
  const Vec req1 = adu(1, 3, v({0x03, 0x00, 0x00, 0x00, 0x01}));
  const Vec resp1 = adu(1, 3, v({0x83, 0x0B}));  // gateway target failed to respond
  const Vec req2 = adu(2, 4, v({0x03, 0x00, 0x00, 0x00, 0x01}));
  const Vec resp2 = adu(2, 4, v({0x83, 0x0A}));  // gateway path unavailable
  Recorded r = run({{kReq, req1}, {kResp, resp1}, {kReq, req2}, {kResp, resp2}});
  EXPECT_TRUE(r.has_fact("S|class_hint=protocol_gateway|modbus"));
  for (const auto& f : r.facts) EXPECT_EQ(f.find("unit:"), std::string::npos) << f;
}

// --- gateway rule ----------------------------------------------------------------

TEST(ModbusStream, UnitsBehindGateway) {
  auto rd = [](std::uint16_t tid, std::uint8_t unit) { return adu(tid, unit, v({0x04, 0x00, 0x08, 0x00, 0x01})); };
  auto ok = [](std::uint16_t tid, std::uint8_t unit) { return adu(tid, unit, v({0x04, 0x02, 0x00, 0x0A})); };
  // One unit only: the server is the device itself.
  Recorded one = run({{kReq, rd(1, 3)}, {kResp, ok(1, 3)}, {kReq, rd(2, 3)}, {kResp, ok(2, 3)}});
  for (const auto& f : one.facts) EXPECT_EQ(f.find("unit:"), std::string::npos) << f;
  // Units 3 and 7 answered, unit 9 raised an exception, unit 255 is the gateway itself.
  Recorded r = run({{kReq, rd(1, 3)}, {kResp, ok(1, 3)},
                    {kReq, rd(2, 7)}, {kResp, ok(2, 7)},
                    {kReq, rd(3, 9)}, {kResp, adu(3, 9, v({0x84, 0x0B}))},
                    {kReq, rd(4, 255)}, {kResp, ok(4, 255)},
                    {kReq, rd(5, 7)}, {kResp, ok(5, 7)}});
  EXPECT_TRUE(r.has_fact("S/unit:3|role=modbus_server|modbus"));
  EXPECT_TRUE(r.has_fact("S/unit:7|role=modbus_server|modbus"));
  EXPECT_FALSE(r.has_fact("S/unit:9|role=modbus_server|modbus"));
  EXPECT_FALSE(r.has_fact("S/unit:255|role=modbus_server|modbus"));
  EXPECT_EQ(std::count(r.facts.begin(), r.facts.end(), "S/unit:7|role=modbus_server|modbus"), 1);
}

// --- 43/14 Read Device Identification (AP §6.21) -------------------------------------

Vec device_id_all_objects(std::uint8_t more, std::uint8_t next) {
  return cat({v({0x2B,        // fc 43
                 0x0E,        // MEI type 14
                 0x02,        // read device id code: regular
                 0x82,        // conformity level: regular, individual access
                 more,        // more follows
                 next,        // next object id
                 0x07}),      // number of objects
              v({0x00, 0x06}), str("Vendor"),       // VendorName
              v({0x01, 0x04}), str("P-01"),         // ProductCode
              v({0x02, 0x05}), str("V2.11"),        // MajorMinorRevision
              v({0x03, 0x0B}), str("example.com"),  // VendorUrl
              v({0x04, 0x04}), str("Prod"),         // ProductName
              v({0x05, 0x05}), str("Model"),        // ModelName
              v({0x06, 0x03}), str("App")});        // UserApplicationName
}

TEST(ModbusDeviceId, AllSevenObjects) {
  const Vec req = adu(9, 1, v({0x2B, 0x0E,   // fc 43, MEI 14
                               0x02,         // regular
                               0x00}));      // from object 0
  const Vec resp = adu(9, 1, device_id_all_objects(0x00, 0x00));
  auto rq = parse_adu(b(req));
  ASSERT_TRUE(rq.ok());
  ASSERT_TRUE(rq->pdu.device_id.has_value());
  EXPECT_EQ(rq->pdu.device_id->read_device_id_code, 2);
  auto rs = parse_adu(b(resp), kResp, &rq->pdu);
  ASSERT_TRUE(rs.ok());
  ASSERT_TRUE(rs->pdu.device_id.has_value());
  const auto& d = *rs->pdu.device_id;
  EXPECT_EQ(d.conformity_level, 0x82);
  EXPECT_FALSE(d.more_follows);
  EXPECT_EQ(d.number_of_objects, 7);
  ASSERT_EQ(d.objects.size(), 7u);
  EXPECT_EQ(as_chars(d.objects[3].value), "example.com");

  Recorded r = run({{kReq, req}, {kResp, resp}});
  EXPECT_TRUE(r.has_fact("S|vendor=Vendor|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|product_code=P-01|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|revision=V2.11|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|vendor_url=example.com|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|product=Prod|modbus_device_id"));
  EXPECT_FALSE(r.has_fact("S|product=Model|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|model=Model|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|user_application_name=App|modbus_device_id"));
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops[0].name, "read_device_identification");
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(ModbusDeviceId, MoreFollowsAndContinuation) {
  // First response: basic objects, more follows, next object id 3.
  const Vec resp1 = adu(1, 1, cat({v({0x2B, 0x0E, 0x01, 0x81,  // fc, MEI, basic, conformity
                                      0xFF,                    // more follows
                                      0x03,                    // next object id
                                      0x01}),                  // one object
                                   v({0x00, 0x03}), str("ACM")}));
  // Continuation: object 5 only (no ProductName, so ModelName is the product),
  // and an extended binary object 0x80.
  const Vec resp2 = adu(2, 1, cat({v({0x2B, 0x0E, 0x03, 0x83, 0x00, 0x00, 0x02}),
                                   v({0x05, 0x02}), str("M1"),
                                   v({0x80, 0x02, 0x01, 0xFE})}));
  auto rs = parse_adu(b(resp1), kResp);
  ASSERT_TRUE(rs.ok());
  EXPECT_TRUE(rs->pdu.device_id->more_follows);
  EXPECT_EQ(rs->pdu.device_id->next_object_id, 3);
  Recorded r = run({{kReq, adu(1, 1, v({0x2B, 0x0E, 0x01, 0x00}))}, {kResp, resp1},
                    {kReq, adu(2, 1, v({0x2B, 0x0E, 0x03, 0x03}))}, {kResp, resp2}});
  EXPECT_TRUE(r.has_fact("S|vendor=ACM|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|product=M1|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|model=M1|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|modbus_object_80=01fe|modbus_device_id"));
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(ModbusDeviceId, ObjectLengthPastEnd) {
  const Vec resp = adu(1, 1, cat({v({0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00, 0x02}),
                                  v({0x00, 0x03}), str("ACM"),  // fits
                                  v({0x01, 0x09}), str("P1")}));  // says 9, has 2
  auto rs = parse_adu(b(resp), kResp);
  ASSERT_TRUE(rs.ok());
  EXPECT_TRUE(rs->pdu.device_id->objects_truncated);
  EXPECT_EQ(rs->pdu.device_id->objects.size(), 1u);
  Recorded r = run({{kReq, adu(1, 1, v({0x2B, 0x0E, 0x01, 0x00}))}, {kResp, resp}});
  EXPECT_TRUE(r.has_fact("S|vendor=ACM|modbus_device_id"));
  EXPECT_EQ(r.count_anomaly("modbus.object_past_end"), 1);
  for (const auto& f : r.facts) EXPECT_EQ(f.find("product_code"), std::string::npos);
}

TEST(ModbusDeviceId, ObjectCount255WithFewBytes) {
  const Vec resp = adu(1, 1, cat({v({0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00,
                                     0xFF}),                        // 255 objects announced
                                  v({0x00, 0x01}), str("A")}));    // one present
  auto rs = parse_adu(b(resp), kResp);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->pdu.device_id->objects.size(), 1u);
  // Read in place from the PDU: nothing is reserved for the 255 announced.
  EXPECT_EQ(rs->pdu.device_id->objects[0].id, 0x00);
  EXPECT_EQ(as_chars(rs->pdu.device_id->objects[0].value), "A");
  EXPECT_TRUE(rs->pdu.device_id->objects_truncated);
}

// The view keeps whole objects only, whatever the lengths claim.
TEST(ModbusDeviceId, ObjectsViewKeepsWholeObjectsOnly) {
  const Vec raw = v({0x00, 0x02, 'A', 'B', 0x01, 0x00, 0x02, 0x05, 'x'});  // AB, empty, then 5 claimed, 1 there
  bool truncated = false;
  const auto all = DeviceIdObjects::read(b(raw), 10, truncated);
  EXPECT_TRUE(truncated);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(as_chars(all[0].value), "AB");
  EXPECT_EQ(all[1].id, 0x01);
  EXPECT_TRUE(all[1].value.empty());
  const auto two = DeviceIdObjects::read(b(raw), 2, truncated);  // stops where asked
  EXPECT_FALSE(truncated);
  EXPECT_EQ(two.size(), 2u);
  const auto none = DeviceIdObjects::read(b(raw), 0, truncated);
  EXPECT_FALSE(truncated);
  EXPECT_TRUE(none.empty());
  for (std::size_t cut = 0; cut < raw.size(); ++cut) {  // every cut: only whole objects, never past the end
    const auto part = DeviceIdObjects::read(Bytes(raw.data(), cut), 10, truncated);
    EXPECT_TRUE(truncated);
    std::size_t n = 0;
    for (const auto& o : part) {
      EXPECT_LE(o.value.data() + o.value.size(), raw.data() + cut);
      ++n;
    }
    EXPECT_EQ(n, cut < 4 ? 0u : cut < 6 ? 1u : 2u) << "cut " << cut;
  }
}

TEST(ModbusDeviceId, CountZeroWithTrailingBytes) {
  // zeek modbus-eit.pcap frame 2: objects count 0 with trailing bytes; nothing emitted.
  const Vec resp = adu(0, 0, v({0x2B, 0x0E, 0x01, 0x00, 0x4D, 0xB7, 0x00, 0x01, 0x02, 0x03, 0x04}));
  auto rs = parse_adu(b(resp), kResp);
  ASSERT_TRUE(rs.ok());
  EXPECT_TRUE(rs->pdu.device_id->objects.empty());
  EXPECT_FALSE(rs->pdu.device_id->more_follows);
}

// --- 17 Report Server ID (AP §6.13) ---------------------------------------------------

TEST(ModbusServerId, PrintableAndBinary) {
  const Vec req = adu(1, 1, v({0x11}));
  const Vec text = adu(1, 1, cat({v({0x11,       // fc 17
                                     0x05}),     // byte count
                                  str("PLC1"),   // server id
                                  v({0xFF})}));  // run indicator ON
  Recorded r = run({{kReq, req}, {kResp, text}});
  EXPECT_TRUE(r.has_fact("S|modbus_server_id=PLC1|modbus_device_id"));
  EXPECT_TRUE(r.has_fact("S|run_status=on|modbus_device_id"));
  const Vec bin = adu(2, 1, v({0x11, 0x03, 0x00, 0x9A, 0x00}));  // server id 00 9a, run OFF
  Recorded r2 = run({{kReq, adu(2, 1, v({0x11}))}, {kResp, bin}});
  EXPECT_TRUE(r2.has_fact("S|modbus_server_id=009a|modbus_device_id"));
  EXPECT_TRUE(r2.has_fact("S|run_status=off|modbus_device_id"));
  const Vec lying = adu(3, 1, v({0x11, 0x09, 0x41}));  // byte count 9, one byte
  EXPECT_FALSE(parse_adu(b(lying), kResp).ok());
}

// --- UMAS (0x5A) ------------------------------------------------------------------------

TEST(ModbusUmas, ControlSubFunctions) {
  auto umas = [](std::uint16_t tid, std::uint8_t sub) {
    return adu(tid, 0, v({0x5A,     // fc UMAS
                          0x00,     // pairing key
                          sub}));   // UMAS function code
  };
  Recorded r = run({{kReq, umas(1, 0x40)}, {kReq, umas(2, 0x41)}, {kReq, umas(3, 0x31)},
                    {kReq, umas(4, 0x02)}, {kReq, umas(5, 0x23)}});
  ASSERT_EQ(r.ops.size(), 5u);
  EXPECT_EQ(r.ops[0].name, "umas_start_plc");
  EXPECT_TRUE(r.ops[0].is_control);
  EXPECT_EQ(r.ops[1].name, "umas_stop_plc");
  EXPECT_TRUE(r.ops[1].is_control);
  EXPECT_EQ(r.ops[2].name, "umas_upload_block");
  EXPECT_TRUE(r.ops[2].is_control);
  EXPECT_EQ(r.ops[3].name, "umas_read_id");
  EXPECT_FALSE(r.ops[3].is_control);
  EXPECT_TRUE(r.ops[4].is_write);
  EXPECT_EQ(r.ops[4].code, 0x5Au);
}

TEST(ModbusStream, DiagnosticsForceListenOnlyIsControl) {
  Recorded r = run({{kReq, adu(1, 1, v({0x08, 0x00, 0x04, 0x00, 0x00}))}});  // sub-function 4
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_TRUE(r.ops[0].is_control);
}

TEST(ModbusStream, UnknownFunctionCounted) {
  Recorded r = run({{kReq, adu(1, 1, v({0x63, 0x01}))}});  // fc 99: not public
  EXPECT_EQ(r.count_anomaly("modbus.unknown_function"), 1);
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops[0].name, "unknown_function");
}

// --- framing ---------------------------------------------------------------------------

std::vector<Step> sample_steps() {
  return {
      {kReq, cat({adu(1, 1, v({0x03, 0x00, 0x6B, 0x00, 0x03})),    // two requests in one chunk
                  adu(2, 1, v({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02}))})},
      {kResp, cat({adu(1, 1, v({0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64})),
                   adu(2, 1, v({0x90, 0x02}))})},
      {kReq, adu(3, 1, v({0x2B, 0x0E, 0x01, 0x00}))},
      {kResp, adu(3, 1, device_id_all_objects(0, 0))},
  };
}

TEST(ModbusStream, TwoAdusInOneChunk) {
  Recorded r = run(sample_steps());
  ASSERT_EQ(r.ops.size(), 4u);  // 3 requests + 1 exception
  EXPECT_EQ(r.ops[0].name, "read_holding_registers");
  EXPECT_EQ(r.ops[1].name, "write_multiple_registers");
  EXPECT_TRUE(r.ops[2].is_error);
  EXPECT_EQ(r.ops[2].name, "write_multiple_registers");
  EXPECT_TRUE(r.anomalies.empty());
}

TEST(ModbusStream, EverySplitPointGivesTheSameObservations) {
  const auto steps = sample_steps();
  const Recorded whole = run(steps);
  for (std::size_t si = 0; si < steps.size(); ++si) {
    for (std::size_t cut = 1; cut < steps[si].bytes.size(); ++cut) {
      std::vector<Step> split;
      for (std::size_t j = 0; j < steps.size(); ++j) {
        if (j != si) { split.push_back(steps[j]); continue; }
        split.push_back({steps[j].dir, Vec(steps[j].bytes.begin(), steps[j].bytes.begin() + cut)});
        split.push_back({steps[j].dir, Vec(steps[j].bytes.begin() + cut, steps[j].bytes.end())});
      }
      Recorded r = run(split);
      ASSERT_EQ(r.facts, whole.facts) << "step " << si << " cut " << cut;
      ASSERT_TRUE(same_ops(r.ops, whole.ops)) << "step " << si << " cut " << cut;
      ASSERT_EQ(r.anomalies, whole.anomalies) << "step " << si << " cut " << cut;
    }
  }
  // Byte by byte, too.
  std::vector<Step> bytes;
  for (const auto& s : steps)
    for (auto x : s.bytes) bytes.push_back({s.dir, Vec{x}});
  Recorded r = run(bytes);
  EXPECT_EQ(r.facts, whole.facts);
  EXPECT_TRUE(same_ops(r.ops, whole.ops));
}

TEST(ModbusStream, GapThenResync) {
  RecordingSink sink;
  auto p = make_stream_parser();
  const Vec req1 = adu(1, 1, v({0x03, 0x00, 0x6B, 0x00, 0x03}));
  p->on_data(kReq, Bytes(req1.data(), 5), sink);  // half an ADU
  EXPECT_EQ(p->buffered_bytes(), 5u);
  p->on_gap(kReq, 100, sink);
  EXPECT_EQ(p->buffered_bytes(), 0u);
  // The tail of some register data, then a real request.
  const Vec after = cat({v({0x12, 0x34, 0x00, 0x00, 0x99, 0x01, 0xFF}),
                         adu(2, 1, v({0x04, 0x00, 0x08, 0x00, 0x01}))});
  p->on_data(kReq, b(after), sink);
  ASSERT_EQ(sink.r.ops.size(), 1u);
  EXPECT_EQ(sink.r.ops[0].name, "read_input_registers");
  EXPECT_EQ(sink.r.ops[0].range_start, 8u);
  EXPECT_EQ(sink.r.count_anomaly("modbus.resync"), 1);
  EXPECT_EQ(sink.r.count_anomaly("modbus.bad_protocol_id"), 0);  // resync does not trust garbage
}

TEST(ModbusStream, GapResyncAcrossChunks) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_gap(kReq, 10, sink);
  const Vec next = adu(2, 1, v({0x06, 0x00, 0x01, 0x00, 0x03}));
  const Vec all = cat({v({0xAA, 0xBB, 0xCC}), next});
  for (auto x : all) p->on_data(kReq, Bytes(&x, 1), sink);
  ASSERT_EQ(sink.r.ops.size(), 1u);
  EXPECT_EQ(sink.r.ops[0].name, "write_single_register");
}

TEST(ModbusStream, BadProtocolIdResyncs) {
  Vec bad = adu(1, 1, v({0x03, 0x00, 0x6B, 0x00, 0x03}));
  bad[3] = std::byte{0x01};  // protocol id 1
  auto res = parse_adu(b(bad));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error(), ParseError::malformed);
  Recorded r = run({{kReq, cat({bad, adu(2, 1, v({0x01, 0x00, 0x00, 0x00, 0x08}))})}});
  EXPECT_EQ(r.count_anomaly("modbus.bad_protocol_id"), 1);
  EXPECT_EQ(r.count_anomaly("modbus.resync"), 1);
  ASSERT_EQ(r.ops.size(), 1u);
  EXPECT_EQ(r.ops[0].name, "read_coils");
}

TEST(ModbusParse, BadLengths) {
  for (int len : {0, 1, 255, 65535}) {
    SCOPED_TRACE(len);
    const Vec bad = v({0x00, 0x01, 0x00, 0x00,          // tid, protocol
                       len >> 8, len & 0xff,            // length
                       0x01, 0x03, 0x00, 0x00, 0x00, 0x01});
    auto res = parse_adu(b(bad));
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.error(), ParseError::malformed);
    Recorded r = run({{kReq, bad}});
    EXPECT_GE(r.count_anomaly("modbus.bad_length"), 1);
    EXPECT_TRUE(r.ops.empty());
    EXPECT_FALSE(probe(b(bad), kReq));
  }
}

TEST(ModbusParse, LengthShorterThanThePduNeeds) {
  // Length 4: unit + fc + 2 bytes: a read request needs 4 bytes of body.
  const Vec bad = v({0x00, 0x01, 0x00, 0x00, 0x00, 0x04, 0x01, 0x03, 0x00, 0x00});
  auto res = parse_adu(b(bad));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error(), ParseError::malformed);
  Recorded r = run({{kReq, bad}, {kResp, adu(1, 1, v({0x83, 0x03}))}});
  EXPECT_EQ(r.count_anomaly("modbus.malformed_request"), 1);
  ASSERT_EQ(r.ops.size(), 2u);  // still counted, and the exception pairs with it
  EXPECT_EQ(r.ops[0].name, "read_holding_registers");
  EXPECT_FALSE(r.ops[0].is_range);
  EXPECT_EQ(r.count_anomaly("modbus.unpaired_response"), 0);
}

TEST(ModbusStream, ResyncRejectsFalseHeaders) {
  RecordingSink sink;
  auto p = make_stream_parser();
  p->on_gap(kReq, 10, sink);
  // Looks like an MBAP for a read (fc 3) but with Length 7 instead of 6, then a real one.
  const Vec data = cat({v({0x00, 0x05, 0x00, 0x00, 0x00, 0x07, 0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00}),
                        adu(2, 1, v({0x01, 0x00, 0x00, 0x00, 0x08}))});
  p->on_data(kReq, b(data), sink);
  ASSERT_EQ(sink.r.ops.size(), 1u);
  EXPECT_EQ(sink.r.ops[0].name, "read_coils");
}

TEST(ModbusParse, TruncatedEverywhere) {
  for (const auto& c : fc_cases()) {
    SCOPED_TRACE(c.name);
    for (const auto* pdu : {&c.request_pdu, &c.response_pdu}) {
      const Direction dir = pdu == &c.request_pdu ? kReq : kResp;
      const Vec whole = adu(1, 1, *pdu);
      ASSERT_TRUE(parse_adu(b(whole), dir).ok());
      for (std::size_t cut = 0; cut < whole.size(); ++cut) {
        auto res = parse_adu(Bytes(whole.data(), cut), dir);
        ASSERT_FALSE(res.ok()) << cut;
        EXPECT_EQ(res.error(), ParseError::truncated) << cut;
      }
      // The PDU cut with the MBAP length telling the truth: every fixed field is
      // required, so a cut before the last fixed field is malformed. Variable tails
      // (diagnostic data, CANopen data) may legitimately be shorter.
      for (std::size_t keep = 1; keep < pdu->size(); ++keep) {
        const Vec cut = adu(1, 1, Vec(pdu->begin(), pdu->begin() + keep));
        auto res = parse_adu(b(cut), dir);
        if (!res.ok()) {
          EXPECT_EQ(res.error(), ParseError::malformed);
        }
      }
    }
  }
}

TEST(ModbusParse, TrailingBytesAreTheNextAdu) {
  const Vec two = cat({adu(1, 1, v({0x07})), adu(2, 1, v({0x11}))});
  auto res = parse_adu(b(two));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->size, 8u);
  auto second = parse_adu(b(two).subspan(res->size));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->pdu.function_code, 17);
}

// --- pairing -----------------------------------------------------------------------

TEST(ModbusStream, UnpairedAndOverflow) {
  Recorded r = run({{kResp, adu(9, 1, v({0x03, 0x02, 0x00, 0x01}))}});
  EXPECT_EQ(r.count_anomaly("modbus.unpaired_response"), 1);

  RecordingSink sink;
  auto p = make_stream_parser();
  for (std::uint16_t tid = 0; tid <= kMaxPending; ++tid) {  // cap + 1 outstanding
    const Vec req = adu(tid, 1, v({0x03, 0x00, 0x00, 0x00, 0x01}));
    p->on_data(kReq, b(req), sink);
  }
  EXPECT_EQ(sink.r.count_anomaly("modbus.pending_overflow"), 1);
  const Vec oldest = adu(0, 1, v({0x03, 0x02, 0x00, 0x01}));
  p->on_data(kResp, b(oldest), sink);
  EXPECT_EQ(sink.r.count_anomaly("modbus.unpaired_response"), 1);  // it was dropped
  const Vec newest = adu(kMaxPending, 1, v({0x03, 0x02, 0x00, 0x01}));
  p->on_data(kResp, b(newest), sink);
  EXPECT_EQ(sink.r.count_anomaly("modbus.unpaired_response"), 1);
}

TEST(ModbusStream, ByteCountMismatch) {
  Recorded r = run({{kReq, adu(1, 1, v({0x03, 0x00, 0x00, 0x00, 0x02}))},  // 2 registers
                    {kResp, adu(1, 1, v({0x03, 0x02, 0x00, 0x01}))}});     // 1 register back
  EXPECT_EQ(r.count_anomaly("modbus.byte_count_mismatch"), 1);
}

TEST(ModbusStream, EofWithPartialAdu) {
  RecordingSink sink;
  auto p = make_stream_parser();
  const Vec req = adu(1, 1, v({0x03, 0x00, 0x00, 0x00, 0x02}));
  p->on_data(kReq, Bytes(req.data(), 9), sink);
  p->on_eof(kReq, sink);
  EXPECT_EQ(sink.r.count_anomaly("modbus.truncated_adu"), 1);
  EXPECT_EQ(p->buffered_bytes(), 0u);
}

// --- probe ------------------------------------------------------------------------------

TEST(ModbusProbe, StrictHeader) {
  const Vec req = adu(1, 1, v({0x03, 0x00, 0x6B, 0x00, 0x03}));
  EXPECT_TRUE(probe(b(req), kReq));
  EXPECT_TRUE(probe(b(cat({req, adu(2, 1, v({0x07}))})), kReq));
  EXPECT_FALSE(probe(Bytes(req.data(), req.size() - 1), kReq));  // ADU not complete
  Vec proto1 = req;
  proto1[2] = std::byte{0x01};
  EXPECT_FALSE(probe(b(proto1), kReq));
  Vec long_read = adu(1, 1, v({0x03, 0x00, 0x6B, 0x00, 0x03, 0x00}));  // read with a stray byte
  EXPECT_FALSE(probe(b(long_read), kReq));
  EXPECT_FALSE(probe(b(adu(1, 1, v({0x63}))), kReq));  // fc 99
  EXPECT_FALSE(probe(b(adu(1, 1, v({0x83, 0x02}))), kReq));  // exception from a client
  EXPECT_TRUE(probe(b(adu(1, 1, v({0x83, 0x02}))), kResp));
  EXPECT_FALSE(probe(b(str("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), kReq));
  EXPECT_FALSE(probe(b(cat({req, v({0x00, 0x02, 0x47, 0x45})})), kReq));  // next header not Modbus
  EXPECT_FALSE(probe({}, kReq));
}

}  // namespace
}  // namespace mieruka::dissectors::modbus
