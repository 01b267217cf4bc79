// A port chooses which dissector to try; only a valid message confirms the
// protocol (pcaps/port_claims.pcapng, scripts/gen/gen_port_claims.cpp): a port
// scan answered by RST states nothing, MMS on 102 breaks s7comm and is left as
// tcp/102, Modbus on 502 confirms at its first request.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>

#include "inventory/ledger.hpp"
#include "sensor/capture_source.hpp"
#include "sensor/pipeline.hpp"

namespace mieruka::sensor {
namespace {

const std::filesystem::path kSource = MIERUKA_SOURCE_DIR;

std::vector<std::string> roles(const inventory::Asset& a) {
  std::vector<std::string> out;
  for (const auto& f : a.facts)
    if (f.field == "role") out.push_back(f.value);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ProtocolConfirmation, PortScanMmsAndModbus) {
  std::string error;
  auto src = FileSource::open({(kSource / "pcaps/port_claims.pcapng").string()}, error);
  ASSERT_TRUE(src) << error;
  inventory::Ledger ledger("t");
  Pipeline pipeline(ledger);
  RawPacket pkt;
  while (src->next(pkt)) pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
  pipeline.finish();

  for (const char* m : {"02:50:00:00:00:66", "02:50:00:00:00:20", "02:50:00:00:00:31", "02:50:00:00:00:30"}) {
    const auto* a = ledger.find(m);
    ASSERT_NE(a, nullptr) << m;
    EXPECT_TRUE(a->protocols.empty()) << m << ": " << ::testing::PrintToString(a->protocols);
    EXPECT_TRUE(roles(*a).empty()) << m << ": " << ::testing::PrintToString(roles(*a));
  }
  const auto* client = ledger.find("02:50:00:00:00:40");
  const auto* server = ledger.find("02:50:00:00:00:41");
  ASSERT_TRUE(client && server);
  EXPECT_EQ(client->protocols, std::vector<std::string>{"modbus"});
  EXPECT_EQ(server->protocols, std::vector<std::string>{"modbus"});
  EXPECT_EQ(roles(*client), std::vector<std::string>{"modbus_client"});
  EXPECT_EQ(roles(*server), std::vector<std::string>{"modbus_server"});

  std::map<std::string, std::string> edges;  // "from>to:port" -> protocol
  for (const auto& e : ledger.edges()) {
    if (e.merged_into != inventory::kNoEdge) continue;
    edges[e.from_id + ">" + e.to_id + ":" + std::to_string(e.port)] = e.protocol;
  }
  const auto id = [&](const char* m) { return ledger.find(m)->id; };
  EXPECT_EQ(edges[id("02:50:00:00:00:66") + ">" + id("02:50:00:00:00:20") + ":502"], "tcp");
  EXPECT_EQ(edges[id("02:50:00:00:00:66") + ">" + id("02:50:00:00:00:20") + ":102"], "tcp");
  EXPECT_EQ(edges[id("02:50:00:00:00:66") + ">" + id("02:50:00:00:00:20") + ":44818"], "tcp");
  EXPECT_EQ(edges[id("02:50:00:00:00:31") + ">" + id("02:50:00:00:00:30") + ":102"], "tcp");
  EXPECT_EQ(edges[client->id + ">" + server->id + ":502"], "modbus");

  // The MMS association broke s7comm once, and the flow was not parsed again.
  const auto c = pipeline.counters();
  EXPECT_EQ(c.count("flow.protocol_violation") ? c.at("flow.protocol_violation") : 0U, 1U);
  EXPECT_EQ(c.count("s7comm.unknown_protocol_id") ? c.at("s7comm.unknown_protocol_id") : 0U, 1U);
}

}  // namespace
}  // namespace mieruka::sensor
