// A port chooses which dissector to try; only a valid message confirms the
// protocol (pcaps/port_claims.pcapng, scripts/gen/gen_port_claims.cpp): a port
// scan answered by RST states nothing, MMS on 102 breaks s7comm and is left as
// tcp/102, Modbus on 502 confirms at its first request.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <span>
#include <string>

#include "inventory/ledger/ledger.hpp"
#include "scripts/gen/frames.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/pipeline/pipeline.hpp"

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

// A client's segments to 502: an HTTP request first (not MBAP: protocol id 0x5420), then
// a valid Read Holding Registers request. `with_syn` starts with the handshake.
std::string modbus_after_junk(bool with_syn) {
  namespace g = gen;
  const g::Host c{g::mac("02:70:00:00:00:01"), g::ip4("10.70.1.1")};
  const g::Host s{g::mac("02:70:00:00:00:02"), g::ip4("10.70.1.2")};
  inventory::Ledger ledger("t");
  Pipeline pipeline(ledger);
  std::int64_t ts = 1'700'000'000'000'000LL;
  std::uint32_t cseq = 1000, sseq = 5000;
  auto send = [&](bool from_client, std::uint8_t flags, const g::Buf& payload) {
    const g::Host& a = from_client ? c : s;
    const g::Host& b = from_client ? s : c;
    std::uint32_t& seq = from_client ? cseq : sseq;
    const std::uint32_t ack = from_client ? sseq : cseq;
    const std::uint16_t sport = from_client ? 40000 : 502, dport = from_client ? 502 : 40000;
    const g::Buf seg = g::tcp(a.ip, b.ip, sport, dport, seq, ack, flags, payload);
    const g::Buf f = g::ether(a.mac, b.mac, 0x0800, g::ipv4(a.ip, b.ip, 6, seg));
    pipeline.on_packet(dissectors::LinkType::ethernet, ts += 1000, std::as_bytes(std::span(f)),
                       static_cast<std::uint32_t>(f.size()));
    seq += static_cast<std::uint32_t>(payload.size()) + ((flags & (g::tcpf::syn | g::tcpf::fin)) != 0 ? 1U : 0U);
  };
  if (with_syn) {
    send(true, g::tcpf::syn, {});
    send(false, g::tcpf::syn | g::tcpf::ack, {});
    send(true, g::tcpf::ack, {});
  }
  send(true, g::tcpf::psh | g::tcpf::ack, {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '0'});
  send(true, g::tcpf::psh | g::tcpf::ack, {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x02});
  send(false, g::tcpf::ack, {});
  pipeline.finish();
  for (const auto& e : ledger.edges())
    if (e.merged_into == inventory::kNoEdge && e.port == 502) return e.protocol;
  return "";
}

// Seen from its SYN, a stream whose first bytes break Modbus is not Modbus: the
// dissector is detached and the later request is not parsed. Joined mid-way,
// the same bytes may be the tail of a message: Modbus resyncs and confirms.
TEST(ProtocolConfirmation, ViolationDetachesOnlyFromTheStart) {
  EXPECT_EQ(modbus_after_junk(true), "tcp");
  EXPECT_EQ(modbus_after_junk(false), "modbus");
}

}  // namespace
}  // namespace mieruka::sensor
