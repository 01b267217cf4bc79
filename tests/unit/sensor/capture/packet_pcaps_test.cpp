// Decodes every packet of every public capture in shared/pcaps (libpcap reads
// pcap and pcapng) and checks, per file, that the source MACs (Ethernet and
// Linux cooked) and source IPv4 addresses equal tshark's sets in MANIFEST.json
// (fields `macs` and `ipv4s`: eth.src + sll.src.eth, ip.src).
// Lives with the sensor tests because it needs libpcap and nlohmann_json.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dissectors/packet.hpp"

namespace mieruka::dissectors {
namespace {

const std::filesystem::path kPcaps = MIERUKA_SHARED_PCAPS;

struct PcapCloser {
  void operator()(pcap_t* p) const { pcap_close(p); }
};

struct Seen {
  std::size_t packets = 0;
  std::size_t failures = 0;
  std::set<std::string> macs, ipv4s;
};

Seen decode_file(const std::filesystem::path& file) {
  Seen seen;
  char err[PCAP_ERRBUF_SIZE] = {};
  std::unique_ptr<pcap_t, PcapCloser> p(pcap_open_offline(file.c_str(), err));
  if (!p) {
    ADD_FAILURE() << file << ": " << err;
    return seen;
  }
  const int dlt = pcap_datalink(p.get());
  if (!link_type_supported(dlt)) {
    ADD_FAILURE() << file << ": link type " << dlt << " not supported";
    return seen;
  }
  const auto link = static_cast<LinkType>(dlt);
  NullSink sink;
  DecodedPacket pkt;
  pcap_pkthdr* hdr = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(p.get(), &hdr, &data) == 1) {
    ++seen.packets;
    // Own allocation of exactly caplen bytes, so ASan sees any overread.
    std::vector<std::byte> frame(hdr->caplen);
    if (hdr->caplen != 0) std::memcpy(frame.data(), data, hdr->caplen);
    auto res = decode(link, frame, pkt, sink);
    if (!res.ok()) ++seen.failures;
    if (pkt.has_l2 && !pkt.wireless) seen.macs.insert(pkt.src_mac.to_string());
    if (pkt.l3 == L3::ipv4) seen.ipv4s.insert(pkt.src_ip.to_string());
  }
  return seen;
}

std::set<std::string> as_set(const nlohmann::json& j) {
  std::set<std::string> s;
  if (j.is_array()) {
    for (const auto& v : j) s.insert(v.get<std::string>());
  }
  return s;
}

TEST(PacketPcaps, SourceMacsAndIpv4sMatchTshark) {
  std::ifstream in(kPcaps / "MANIFEST.json");
  if (!in) GTEST_SKIP() << "no " << (kPcaps / "MANIFEST.json");
  const auto manifest = nlohmann::json::parse(in);
  std::size_t files = 0;
  for (const auto& entry : manifest.at("files")) {
    const std::string name = entry.at("file").get<std::string>();
    SCOPED_TRACE(name);
    const Seen seen = decode_file(kPcaps / name);
    const auto& packets = entry.at("packets");  // a number or a decimal string
    EXPECT_EQ(std::to_string(seen.packets),
              packets.is_string() ? packets.get<std::string>() : packets.dump());
    EXPECT_EQ(seen.macs, as_set(entry.at("macs")));
    EXPECT_EQ(seen.ipv4s, as_set(entry.at("ipv4s")));
    ++files;
    std::printf("%-72s %6zu packets %4zu not fully decoded %3zu macs %3zu ipv4s\n", name.c_str(),
                seen.packets, seen.failures, seen.macs.size(), seen.ipv4s.size());
  }
  EXPECT_GT(files, 30U);
}

}  // namespace
}  // namespace mieruka::dissectors
