// The EtherNet/IP + CIP dissectors over public captures (../shared/pcaps),
// checked against tshark's ground truth in MANIFEST.json ("identities"."enip":
// ListIdentity replies and CIP service codes; "cip_identity": Identity object
// replies). The test does its own minimal Ethernet/IPv4/TCP/UDP decoding and
// in-order segment delivery (enough for these captures): it tests the
// dissectors, not the sensor's reassembly.
#include <pcap/pcap.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dissectors/cip.hpp"
#include "dissectors/cip_tables.hpp"
#include "dissectors/enip.hpp"

namespace mieruka::dissectors::enip {
namespace {

const std::filesystem::path kPcaps = MIERUKA_SHARED_PCAPS;

class CollectingSink final : public Sink {
 public:
  std::string src_ip;  // of the packet being fed
  // (source, sender ip, route) -> field -> value
  std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, std::string>> ids;
  std::set<std::uint32_t> cip_codes;
  std::size_t io_ops = 0;
  std::map<std::string, std::size_t> anomalies;
  void fact(const Fact& f) noexcept override {
    if (f.who.kind != AssetRef::Kind::sender || f.field == field::role) return;
    ids[{std::string(f.source), src_ip, f.who.route}][std::string(f.field)] = f.value;
  }
  void operation(const Operation& op) noexcept override {
    if (op.protocol == "cip" && !op.is_error) cip_codes.insert(op.code);
    if (op.protocol == "cip_io") ++io_ops;
  }
  void anomaly(std::string_view c) noexcept override { ++anomalies[std::string(c)]; }
};

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct Flow {
  std::unique_ptr<dissectors::StreamParser> parser = make_stream_parser();
  bool have_seq[2] = {false, false};
  std::uint32_t next_seq[2] = {0, 0};
};

void feed_file(const std::filesystem::path& file, CollectingSink& sink) {
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* pc = pcap_open_offline(file.c_str(), err);
  ASSERT_NE(pc, nullptr) << err;
  ASSERT_EQ(pcap_datalink(pc), DLT_EN10MB);
  std::map<std::tuple<std::uint32_t, std::uint16_t, std::uint32_t, std::uint16_t>, Flow> flows;
  pcap_pkthdr* h = nullptr;
  const u_char* d = nullptr;
  while (pcap_next_ex(pc, &h, &d) == 1) {
    std::size_t off = 14;
    if (h->caplen < off) continue;
    std::uint16_t ethertype = be16(d + 12);
    while (ethertype == 0x8100 && h->caplen >= off + 4) {
      ethertype = be16(d + off + 2);
      off += 4;
    }
    if (ethertype != 0x0800 || h->caplen < off + 20) continue;
    const std::uint8_t* ip = d + off;
    const std::size_t ihl = (ip[0] & 0x0f) * 4u;
    std::size_t total = be16(ip + 2);
    if (ihl < 20 || total < ihl) continue;
    if (h->caplen < off + total) total = h->caplen - off;  // snaplen: keep what was captured
    const std::uint32_t src = be32(ip + 12), dst = be32(ip + 16);
    sink.src_ip = IpAddr::v4(src).to_string();
    const std::uint8_t* l4 = ip + ihl;
    if (ip[9] == 17 && total >= ihl + 8) {
      DecodedPacket pkt;
      pkt.l4 = L4::udp;
      pkt.src_ip = IpAddr::v4(src);
      pkt.dst_ip = IpAddr::v4(dst);
      pkt.src_port = be16(l4);
      pkt.dst_port = be16(l4 + 2);
      const Bytes payload(reinterpret_cast<const std::byte*>(l4 + 8), total - ihl - 8);
      if (pkt.src_port == kPort || pkt.dst_port == kPort) on_datagram(pkt, payload, sink);
      else if (pkt.src_port == kIoPort || pkt.dst_port == kIoPort) on_io_datagram(pkt, payload, sink);
      continue;
    }
    if (ip[9] != 6 || total < ihl + 20) continue;
    const std::size_t thl = (l4[12] >> 4) * 4u;
    if (thl < 20 || total < ihl + thl) continue;
    const std::uint16_t sport = be16(l4), dport = be16(l4 + 2);
    if (sport != kPort && dport != kPort) continue;
    const Direction dir = dport == kPort ? Direction::to_server : Direction::to_client;
    const auto key = dir == Direction::to_server ? std::make_tuple(src, sport, dst, dport)
                                                 : std::make_tuple(dst, dport, src, sport);
    Flow& f = flows[key];
    const int di = static_cast<int>(dir);
    std::uint32_t seq = be32(l4 + 4);
    if ((l4[13] & 0x02) != 0) {  // SYN takes one sequence number
      f.have_seq[di] = true;
      f.next_seq[di] = seq + 1;
      continue;
    }
    const std::uint8_t* payload = l4 + thl;
    std::size_t len = total - ihl - thl;
    if (len == 0) continue;
    if (!f.have_seq[di]) {
      f.have_seq[di] = true;
      f.next_seq[di] = seq;
    }
    const auto ahead = static_cast<std::int32_t>(seq - f.next_seq[di]);
    if (ahead < 0) {  // retransmission (maybe overlapping new bytes)
      const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
      if (old >= len) continue;
      payload += old;
      len -= old;
      seq = f.next_seq[di];
    } else if (ahead > 0) {
      f.parser->on_gap(dir, static_cast<std::size_t>(ahead), sink);
    }
    f.parser->on_data(dir, Bytes(reinterpret_cast<const std::byte*>(payload), len), sink);
    f.next_seq[di] = seq + static_cast<std::uint32_t>(len);
  }
  pcap_close(pc);
}

nlohmann::json manifest_entry(const std::string& file) {
  std::ifstream in(kPcaps / "MANIFEST.json");
  if (!in) return {};
  const auto m = nlohmann::json::parse(in, nullptr, false);
  if (m.is_discarded()) return {};
  for (const auto& f : m["files"])
    if (f.value("file", "") == file) return f["identities"];
  return {};
}

unsigned num(const nlohmann::json& v) { return static_cast<unsigned>(std::stoul(v.get<std::string>(), nullptr, 0)); }

// Facts of `source` sent from `ip` (any route), or null.
const std::map<std::string, std::string>* find_ids(const CollectingSink& sink, const std::string& source,
                                                   const std::string& ip, std::string* route = nullptr) {
  for (const auto& [k, v] : sink.ids)
    if (std::get<0>(k) == source && std::get<1>(k) == ip) {
      if (route) *route = std::get<2>(k);
      return &v;
    }
  return nullptr;
}

class EnipPcap : public ::testing::TestWithParam<const char*> {};

TEST_P(EnipPcap, MatchesTshark) {
  const std::string file = GetParam();
  if (!std::filesystem::exists(kPcaps / file)) GTEST_SKIP() << "no " << file;
  const auto truth = manifest_entry(file);
  ASSERT_FALSE(truth.is_null()) << file << " not in MANIFEST.json";
  CollectingSink sink;
  feed_file(kPcaps / file, sink);
  if (std::getenv("ENIP_DUMP")) for (const auto& [k, v] : sink.ids) { std::printf("  %s %s [%s]:", std::get<0>(k).c_str(), std::get<1>(k).c_str(), std::get<2>(k).c_str()); for (const auto& [f, x] : v) std::printf(" %s=%s", f.c_str(), x.c_str()); std::printf("\n"); }
  for (const auto& [name, n] : sink.anomalies) std::printf("  %s: %s x%zu\n", file.c_str(), name.c_str(), n);

  const auto enip = truth.value("enip", nlohmann::json::object());
  if (enip.contains("cip_service_codes")) {
    std::set<std::uint32_t> want;
    for (const auto& c : enip["cip_service_codes"]) want.insert(num(c));
    EXPECT_EQ(sink.cip_codes, want);
  }
  std::size_t list_identities = 0;
  for (const auto& li : enip.value("list_identity", nlohmann::json::array())) {
    ++list_identities;
    const auto* got = find_ids(sink, "enip_list_identity", li["src_ip"]);
    ASSERT_NE(got, nullptr) << li.dump();
    EXPECT_EQ(got->at("vendor_id"), std::to_string(num(li["vendor_id"])));
    EXPECT_EQ(got->at("vendor"), cip::vendor_name(static_cast<std::uint16_t>(num(li["vendor_id"]))));
    EXPECT_EQ(got->at("device_type"), cip::device_type_name(static_cast<std::uint16_t>(num(li["device_type"]))));
    EXPECT_EQ(got->at("product_code"), li["product_code"].get<std::string>());
    // tshark's enip.lir.revision is the two bytes read big-endian: major << 8 | minor.
    const unsigned rev = num(li["revision"]);
    EXPECT_EQ(got->at("revision"), cip::format_revision(static_cast<std::uint8_t>(rev >> 8),
                                                         static_cast<std::uint8_t>(rev & 0xFF)));
    EXPECT_EQ(got->at("serial"), li["serial"].get<std::string>());
    EXPECT_EQ(got->at("product"), li["product_name"].get<std::string>());
    EXPECT_EQ(got->at("enip_status"), li["status"].get<std::string>());
    EXPECT_EQ(got->at("enip_state"), li["state"].get<std::string>());
    EXPECT_EQ(got->at("ip"), li["socket_ip"].get<std::string>());
  }
  std::size_t ours = 0;
  for (const auto& [k, v] : sink.ids) ours += std::get<0>(k) == "enip_list_identity";
  EXPECT_GE(ours, list_identities > 0 ? 1u : 0u);
  if (list_identities == 0) {
    EXPECT_EQ(ours, 0u);
  }

  for (const auto& ci : truth.value("cip_identity", nlohmann::json::array())) {
    std::string route;
    const auto* got = find_ids(sink, "cip_identity", ci["src_ip"], &route);
    ASSERT_NE(got, nullptr) << ci.dump();
    std::printf("  %s: cip_identity from %s route '%s'\n", file.c_str(), ci["src_ip"].get<std::string>().c_str(),
                route.c_str());
    EXPECT_EQ(got->at("vendor_id"), std::to_string(num(ci["vendor_id"])));
    EXPECT_EQ(got->at("device_type"), cip::device_type_name(static_cast<std::uint16_t>(num(ci["device_type"]))));
    EXPECT_EQ(got->at("product_code"), ci["product_code"].get<std::string>());
    EXPECT_EQ(got->at("revision"), cip::format_revision(static_cast<std::uint8_t>(num(ci["major_rev"])),
                                                         static_cast<std::uint8_t>(num(ci["minor_rev"]))));
    EXPECT_EQ(got->at("serial"), ci["serial"].get<std::string>());
    EXPECT_EQ(got->at("product"), ci["product_name"].get<std::string>());
    EXPECT_EQ(got->at("cip_status"), ci["status"].get<std::string>());
  }
  // tshark lists an identity when it saw a vendor id; replies with other
  // attributes only (status, via Get_Attribute_List) are ours alone.
  std::size_t with_vendor = 0;
  for (const auto& [k, v] : sink.ids) with_vendor += std::get<0>(k) == "cip_identity" && v.count("vendor_id") > 0;
  EXPECT_EQ(with_vendor > 0, truth.contains("cip_identity"));
}

INSTANTIATE_TEST_SUITE_P(Public, EnipPcap,
                         ::testing::Values("ITI__EthernetIP-CIP.pcap", "ITI__enip_test.pcap",
                                           "icsnpp-enip__enip_cip_example.pcap",
                                           "icsnpp-enip__multiple_service_packet_cip.pcapng",
                                           "ndpi__ethernetIP.pcap", "ndpi__cip_io.pcap",
                                           "ITI__EIP-SoftwareUpload.pcap", "ITI__EIP-SoftwareUploadFailure.pcap"));

TEST(EnipPcapIo, EveryClass1DatagramCounted) {
  if (!std::filesystem::exists(kPcaps / "ndpi__cip_io.pcap")) GTEST_SKIP();
  CollectingSink sink;
  feed_file(kPcaps / "ndpi__cip_io.pcap", sink);
  EXPECT_EQ(sink.io_ops, 4u);  // tshark: 4 cipio packets
  EXPECT_TRUE(sink.anomalies.empty());
}

}  // namespace
}  // namespace mieruka::dissectors::enip
