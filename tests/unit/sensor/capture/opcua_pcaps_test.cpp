// The OPC UA dissector over the public icsnpp-opcua captures, compared with the
// identities tshark found (MANIFEST.json). Frames are decoded with
// dissectors::decode, TCP payload is fed in sequence order per direction (a
// minimal stand-in for the sensor's reassembly), and flows on other ports are
// claimed with opcua::probe as the pipeline would.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dissectors/opcua.hpp"
#include "dissectors/opcua_types.hpp"
#include "dissectors/packet.hpp"

namespace mieruka::dissectors {
namespace {

const std::string kDir = MIERUKA_SHARED_PCAPS;

struct Collect final : Sink {
  std::map<std::string, std::set<std::string>> values;  // field -> values
  std::set<std::string> ops;
  void fact(const Fact& f) noexcept override {
    values[std::string(f.field)].insert(f.value);
    values[std::string(f.field) + "@" + std::string(f.source)].insert(f.value);
  }
  void operation(const Operation& op) noexcept override { ops.insert(std::string(op.name)); }
  void anomaly(std::string_view) noexcept override {}
};

struct Flow {
  std::unique_ptr<StreamParser> parser;
  IpAddr client_ip;
  std::uint16_t client_port = 0;
  bool decided = false;
  bool have_next[2] = {false, false};
  std::uint32_t next[2] = {0, 0};
};

Collect run_file(const std::string& name) {
  Collect sink;
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* pc = pcap_open_offline((kDir + "/" + name).c_str(), err);
  EXPECT_NE(pc, nullptr) << err;
  if (pc == nullptr) return sink;
  const auto link = static_cast<LinkType>(pcap_datalink(pc) == 12 ? 101 : pcap_datalink(pc));
  std::map<std::tuple<IpAddr, std::uint16_t, IpAddr, std::uint16_t>, Flow> flows;
  NullSink quiet;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(pc, &h, &data) == 1) {
    DecodedPacket p;
    Bytes frame(reinterpret_cast<const std::byte*>(data), h->caplen);
    if (!decode(link, frame, p, quiet).ok() || p.l4 != L4::tcp || p.payload.empty()) continue;
    const bool a_first = std::tie(p.src_ip, p.src_port) < std::tie(p.dst_ip, p.dst_port);
    auto key = a_first ? std::make_tuple(p.src_ip, p.src_port, p.dst_ip, p.dst_port)
                       : std::make_tuple(p.dst_ip, p.dst_port, p.src_ip, p.src_port);
    Flow& f = flows[key];
    if (!f.decided) {
      const bool hello = opcua::probe(p.payload, Direction::to_server);
      if (hello || p.dst_port == opcua::kDefaultPort) {
        f.client_ip = p.src_ip;
        f.client_port = p.src_port;
      } else if (p.src_port == opcua::kDefaultPort) {
        f.client_ip = p.dst_ip;
        f.client_port = p.dst_port;
      } else {
        continue;  // not ours (yet)
      }
      f.decided = true;
      f.parser = opcua::make_stream_parser();
    }
    const bool to_server = p.src_ip == f.client_ip && p.src_port == f.client_port;
    const Direction dir = to_server ? Direction::to_server : Direction::to_client;
    const int d = to_server ? 0 : 1;
    Bytes pl = p.payload;
    std::uint32_t seq = p.seq;
    if (f.have_next[d]) {
      const auto ahead = static_cast<std::int32_t>(seq - f.next[d]);
      if (ahead < 0) {  // retransmission or overlap: drop what was fed already
        const auto old = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
        if (old >= pl.size()) continue;
        pl = pl.subspan(old);
        seq = f.next[d];
      } else if (ahead > 0) {
        f.parser->on_gap(dir, static_cast<std::size_t>(ahead), sink);
      }
    }
    f.parser->on_data(dir, pl, sink);
    f.have_next[d] = true;
    f.next[d] = seq + static_cast<std::uint32_t>(pl.size());
  }
  pcap_close(pc);
  return sink;
}

nlohmann::json manifest_identity(const std::string& name) {
  std::ifstream in(kDir + "/MANIFEST.json");
  auto m = nlohmann::json::parse(in);
  for (const auto& f : m["files"])
    if (f["file"] == name) return f["identities"].value("opcua", nlohmann::json::object());
  return nlohmann::json::object();
}

std::set<std::string> strings(const nlohmann::json& j, const char* key) {
  std::set<std::string> out;
  if (j.contains(key))
    for (const auto& v : j[key]) out.insert(v.get<std::string>());
  return out;
}

std::set<std::string> urls_of(const Collect& c) {
  std::set<std::string> out;
  auto it = c.values.find("service");
  if (it == c.values.end()) return out;
  for (const auto& v : it->second)
    if (v.rfind("opcua:", 0) == 0) out.insert(v.substr(6));
  return out;
}

const std::set<std::string>& field(const Collect& c, const std::string& f) {
  static const std::set<std::string> kEmpty;
  auto it = c.values.find(f);
  return it == c.values.end() ? kEmpty : it->second;
}

void check_against_manifest(const std::string& name, bool exact = true) {
  SCOPED_TRACE(name);
  auto sink = run_file(name);
  auto id = manifest_identity(name);
  ASSERT_FALSE(id.empty());
  // Every endpoint URL we report is one tshark saw, and we report every URL tshark saw
  // in a HEL or an EndpointDescription.
  auto ours = urls_of(sink);
  auto theirs = strings(id, "endpoint_urls");
  for (const auto& u : strings(id, "hello_endpoint_urls")) theirs.insert(u);
  for (const auto& u : ours) EXPECT_TRUE(theirs.count(u)) << "extra url " << u;
  for (const auto& u : theirs) EXPECT_TRUE(ours.count(u)) << "missing url " << u;
  // Application and product URIs from ApplicationDescriptions must equal tshark's
  // (certificates and BuildInfo values, which tshark does not field, may add more).
  for (const auto& [ours_key, theirs_key] : {std::pair{"application_uri@opcua_application", "application_uris"},
                                             std::pair{"opcua_product_uri@opcua_application", "product_uris"}}) {
    const auto& got = field(sink, ours_key);
    const auto want = strings(id, theirs_key);
    if (exact) {
      EXPECT_EQ(got, want) << ours_key;
      continue;
    }
    for (const auto& w : want) EXPECT_TRUE(got.count(w)) << ours_key << " missing " << w;
  }
  // Security policies offered/used, as security facts.
  const auto& sec = field(sink, "security");
  for (const auto& uri : strings(id, "security_policy_uris")) {
    const auto dep = opcua::deprecated_policy(uri);
    if (uri == opcua::kPolicyNone) {
      EXPECT_TRUE(sec.count("policy_none_offered") || sec.count("policy_none_used")) << uri;
    } else if (!dep.empty()) {
      EXPECT_TRUE(sec.count("deprecated_policy_offered:" + std::string(dep)) ||
                  sec.count("deprecated_policy_used:" + std::string(dep)))
          << uri;
    }
  }
  // Every request service tshark named is an operation we saw.
  for (const auto& s : strings(id, "services")) {
    if (s.size() < 7 || s.compare(s.size() - 7, 7, "Request") != 0) continue;
    for (std::uint32_t tid = 1; tid < 20000; ++tid) {
      const auto* svc = opcua::find_service(tid);
      if (svc == nullptr || svc->ua_name != s) continue;
      EXPECT_TRUE(sink.ops.count(std::string(svc->op_name))) << s;
      break;
    }
  }
}

TEST(OpcUaPcaps, GetEndpointsLoopback) { check_against_manifest("icsnpp-opcua__open62541_client-server-getEndpoints.pcap"); }
TEST(OpcUaPcaps, PythonMinimal) { check_against_manifest("icsnpp-opcua__python_opcua-client-server_minimal.pcap"); }
TEST(OpcUaPcaps, Encrypted) { check_against_manifest("icsnpp-opcua__open62541_client-server_encrypted.pcap"); }
// tshark gives up on the Softing gateway's multi-segment GetEndpointsResponse in
// stream 0 (a segment is missing further on); we decode its chunks before the gap,
// so we know more application/product URIs than tshark (e.g. urn:Softing:...).
TEST(OpcUaPcaps, WithGap) { check_against_manifest("icsnpp-opcua__opcua_with-gap_with-handshake.pcap", false); }
TEST(OpcUaPcaps, PendingOverflow) { check_against_manifest("icsnpp-opcua__pending_overflow.pcap"); }

TEST(OpcUaPcaps, NonStandardPortClaimedByProbe) {
  auto sink = run_file("icsnpp-opcua__open62541_client-server_mainloop-not-localhost-non-standard-port.pcap");
  // Expected values from `tshark -d tcp.port==48010,opcua` (MANIFEST has none: no decode-as there).
  EXPECT_TRUE(field(sink, "role").count("opcua_server"));
  EXPECT_EQ(urls_of(sink), std::set<std::string>{"opc.tcp://192.168.224.102:4840"});
  EXPECT_EQ(field(sink, "application_uri@opcua_application"),
            (std::set<std::string>{"urn:open62541.server.application", "urn:unconfigured:application"}));
  EXPECT_EQ(field(sink, "opcua_product_uri@opcua_application"), std::set<std::string>{"http://open62541.org"});
  EXPECT_TRUE(field(sink, "security").count("policy_none_used"));
}

}  // namespace
}  // namespace mieruka::dissectors
