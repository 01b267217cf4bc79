// Every public capture in shared/pcaps through the whole pipeline (FileSource,
// decode, flows, reassembly, dissectors, ledger): no crash, and the ledger's
// addresses agree with tshark's view in MANIFEST.json:
//  - the stations that sent frames (assets with a MAC and packets_sent > 0) are
//    exactly tshark's source MACs (`macs`: eth.src + sll.src.eth);
//  - every source IPv4 tshark lists (`ipv4s`, ip.src) is held by an asset
//    (bound to its MAC or as an IP-keyed asset), except 0.0.0.0 and broadcasts,
//    which are nobody's address;
//  - every IPv4 the ledger learnt from IP headers (source "ip") was on the wire
//    as a source or destination; addresses a device announces in a protocol
//    (LLDP/CDP management address, PROFINET DCP IP parameter, ENIP ListIdentity
//    socket address) are bindings of their own and need not be.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "inventory/ledger/ledger.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/pipeline/pipeline.hpp"

namespace mieruka::sensor {
namespace {

const std::filesystem::path kPcaps = MIERUKA_SHARED_PCAPS;

nlohmann::json manifest() {
  std::ifstream in(kPcaps / "MANIFEST.json");
  return nlohmann::json::parse(in);
}

struct Wire {
  std::set<std::string> ipv4s;  // sources and destinations
};

// Reads `file` through FileSource and the whole pipeline into `ledger`; `each`
// sees every record too.
void read_capture(const std::filesystem::path& file, inventory::Ledger& ledger,
                  const std::function<void(const RawPacket&)>& each = {}) {
  std::string error;
  auto src = FileSource::open({file.string()}, error);
  ASSERT_TRUE(src) << error;
  Pipeline pipeline(ledger);
  RawPacket pkt;
  while (src->next(pkt)) {
    pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
    if (each) each(pkt);
  }
  pipeline.finish();
}

TEST(LedgerPcaps, AddressesMatchTshark) {
  const auto m = manifest();
  ASSERT_TRUE(m.contains("files"));
  std::size_t checked = 0;
  for (const auto& entry : m.at("files")) {
    const std::string name = entry.at("file");
    SCOPED_TRACE(name);
    inventory::Ledger ledger("test");
    Wire wire;
    ASSERT_NO_FATAL_FAILURE(read_capture(kPcaps / name, ledger, [&wire](const RawPacket& pkt) {
      dissectors::DecodedPacket d;
      NullSink sink;
      (void)dissectors::decode(pkt.link, pkt.data, d, sink);
      if (d.l3 == dissectors::L3::ipv4) {
        wire.ipv4s.insert(d.src_ip.to_string());
        wire.ipv4s.insert(d.dst_ip.to_string());
      }
      if (d.l3 == dissectors::L3::arp) {
        if (d.arp.spa.valid()) wire.ipv4s.insert(d.arp.spa.to_string());
        if (d.arp.tpa.valid()) wire.ipv4s.insert(d.arp.tpa.to_string());
      }
    }));

    std::set<std::string> senders, held, from_headers;
    for (const auto& a : ledger.assets()) {
      if (a.mac && a.packets_sent > 0) senders.insert(a.mac->to_string());
      for (const auto& r : a.ips) {
        if (!r.ip.is_v4()) continue;
        held.insert(r.ip.to_string());
        if (r.source == "ip") from_headers.insert(r.ip.to_string());
      }
      if (a.key_ip && a.key_ip->is_v4()) {
        held.insert(a.key_ip->to_string());
        from_headers.insert(a.key_ip->to_string());
      }
    }
    std::set<std::string> want_macs;
    for (const auto& x : entry.at("macs")) {
      auto mac = MacAddr::parse(x.get<std::string>());
      if (mac && mac->is_unicast()) want_macs.insert(mac->to_string());
    }
    EXPECT_EQ(senders, want_macs);
    for (const auto& x : entry.at("ipv4s")) {
      const std::string ip = x.get<std::string>();
      auto parsed = IpAddr::parse(ip);
      if (!parsed || parsed->is_unspecified() || parsed->is_broadcast() || parsed->is_multicast()) continue;
      EXPECT_TRUE(held.count(ip)) << "source IPv4 " << ip << " is held by no asset";
    }
    for (const auto& ip : from_headers)
      EXPECT_TRUE(wire.ipv4s.count(ip)) << "ledger holds " << ip << " from IP headers, never on the wire";
    ++checked;
  }
  EXPECT_GE(checked, 30U);
}

// A protocol that an operation names (CIP inside EtherNet/IP, ...) is listed by
// both ends of the edge that carries it, though the pipeline states it only
// with the edge's first operation of each kind.
TEST(LedgerPcaps, OperationProtocolsListedByBothEnds) {
  const auto m = manifest();
  std::size_t checked = 0;
  for (const auto& entry : m.at("files")) {
    const std::string name = entry.at("file");
    SCOPED_TRACE(name);
    inventory::Ledger ledger("test");
    ASSERT_NO_FATAL_FAILURE(read_capture(kPcaps / name, ledger));
    for (const auto& e : ledger.edges()) {
      if (e.merged_into != inventory::kNoEdge) continue;
      for (const auto& op : e.ops) {
        if (op.protocol.empty() || op.protocol == e.protocol) continue;
        for (const std::string& end : {e.from_id, e.to_id}) {
          const inventory::Asset* asset = ledger.find(end);
          ASSERT_NE(asset, nullptr) << end;
          const auto& protocols = asset->protocols;
          EXPECT_TRUE(std::binary_search(protocols.begin(), protocols.end(), op.protocol))
              << end << " lacks " << op.protocol << " (edge " << e.protocol << ", op " << op.name << ")";
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 0U);  // the EtherNet/IP captures carry CIP operations
}

}  // namespace
}  // namespace mieruka::sensor
