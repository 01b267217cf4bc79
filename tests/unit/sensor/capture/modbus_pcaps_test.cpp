// The Modbus stream parser over public captures (../shared/pcaps), checked against
// tshark's ground truth in MANIFEST.json ("identities"."modbus": function codes,
// exception codes, 43/14 objects). The test does its own minimal Ethernet/IPv4/TCP
// decoding and in-order segment delivery (enough for these captures): it tests the
// dissector, not the sensor's reassembly.
#include <pcap/pcap.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dissectors/modbus.hpp"

namespace mieruka::dissectors::modbus {
namespace {

const std::filesystem::path kPcaps = MIERUKA_SHARED_PCAPS;

class CollectingSink final : public Sink {
 public:
  std::set<std::uint32_t> codes;  // function codes of requests and exceptions
  std::size_t errors = 0;
  std::size_t requests = 0;
  std::set<std::string> facts;    // "field=value"
  std::map<std::string, std::size_t> anomalies;
  void fact(const Fact& f) noexcept override { facts.insert(std::string(f.field) + "=" + f.value); }
  void operation(const Operation& op) noexcept override {
    codes.insert(op.code);
    if (op.is_error) {
      ++errors;
    } else {
      ++requests;
    }
  }
  void anomaly(std::string_view c) noexcept override { ++anomalies[std::string(c)]; }
};

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct Flow {
  std::unique_ptr<StreamParser> parser = make_stream_parser();
  bool have_seq[2] = {false, false};
  std::uint32_t next_seq[2] = {0, 0};
};

// Feeds every TCP flow with port 502 on one side to its own stream parser.
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
    const std::size_t total = be16(ip + 2);
    if (ip[9] != 6 || ihl < 20 || total < ihl || h->caplen < off + total) continue;
    const std::uint8_t* tcp = ip + ihl;
    if (total < ihl + 20) continue;
    const std::size_t thl = (tcp[12] >> 4) * 4u;
    if (thl < 20 || total < ihl + thl) continue;
    const std::uint32_t src = be32(ip + 12), dst = be32(ip + 16);
    const std::uint16_t sport = be16(tcp), dport = be16(tcp + 2);
    if (sport != 502 && dport != 502) continue;
    const Direction dir = dport == 502 ? Direction::to_server : Direction::to_client;
    const auto key = dir == Direction::to_server ? std::make_tuple(src, sport, dst, dport)
                                                 : std::make_tuple(dst, dport, src, sport);
    Flow& f = flows[key];
    const int di = static_cast<int>(dir);
    const std::uint8_t flags = tcp[13];
    std::uint32_t seq = be32(tcp + 4);
    if ((flags & 0x02) != 0) {  // SYN takes one sequence number
      f.have_seq[di] = true;
      f.next_seq[di] = seq + 1;
      continue;
    }
    const std::uint8_t* payload = tcp + thl;
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
    if (f.value("file", "") == file) return f["identities"]["modbus"];
  return {};
}

class ModbusPcap : public ::testing::TestWithParam<const char*> {};

TEST_P(ModbusPcap, MatchesTshark) {
  const std::string file = GetParam();
  if (!std::filesystem::exists(kPcaps / file)) GTEST_SKIP() << "no " << file;
  const auto truth = manifest_entry(file);
  ASSERT_FALSE(truth.is_null()) << file << " not in MANIFEST.json";
  CollectingSink sink;
  feed_file(kPcaps / file, sink);

  std::set<std::uint32_t> want(truth["function_codes"].begin(), truth["function_codes"].end());
  EXPECT_EQ(sink.codes, want);
  const bool has_exceptions = truth.contains("exception_codes");
  EXPECT_EQ(sink.errors > 0, has_exceptions);
  if (truth.contains("read_device_identification")) {
    static const std::map<std::string, std::string> kField = {
        {"VendorName", "vendor"}, {"ProductCode", "product_code"}, {"MajorMinorRevision", "revision"},
        {"VendorUrl", "vendor_url"}, {"ProductName", "product"}, {"ModelName", "model"},
        {"UserApplicationName", "user_application_name"}};
    for (const auto& rdi : truth["read_device_identification"]) {
      for (const auto& [name, value] : rdi["objects"].items()) {
        ASSERT_TRUE(kField.count(name)) << name;
        EXPECT_TRUE(sink.facts.count(kField.at(name) + "=" + value.get<std::string>())) << name;
      }
    }
  }
  // Unpaired responses, counted from tshark's transaction ids: ndpi's client repeats
  // transaction id 0 after 255 while its server answers 1, 2, 3, 4.
  EXPECT_EQ(sink.anomalies["modbus.unpaired_response"], file == "ndpi__modbus.pcap" ? 4u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Public, ModbusPcap,
                         ::testing::Values("icsnpp-modbus__modbus_example.pcap", "ndpi__modbus.pcap",
                                           "zeek__modbus-eit.pcap", "zeek__modbusSmall.pcap",
                                           "zeek__modbus-and-non-modbus-p502.pcap",
                                           "zeek__4SICS-GeekLounge-151022-min.pcap",
                                           "ITI__modbus_test_data_part2.pcap"));

}  // namespace
}  // namespace mieruka::dissectors::modbus
