// The identity bar, through the whole pipeline: for every public capture with
// Modbus, EtherNet/IP, CIP or OPC UA, the identity tshark decodes (MANIFEST.json
// `identities`) is in the LEDGER, on the right asset, with the same value:
//  - ENIP ListIdentity: product name, serial, revision (tshark's M.mm from the raw
//    word), product code, vendor id, on the asset holding the source IP;
//  - CIP identity replies: product name, serial, revision major.minor, on the
//    source's asset or a module behind it (a route through the backplane);
//  - Modbus 43/14: vendor name, product code, revision on the server's asset;
//    function codes: every code tshark saw is an operation on a Modbus edge;
//  - OPC UA: endpoint URLs, application and product URIs, security policy URIs.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "inventory/ledger/ledger.hpp"
#include "sensor/capture/capture_source.hpp"
#include "sensor/pipeline/pipeline.hpp"

namespace mieruka::sensor {
namespace {

using inventory::Asset;
using inventory::Ledger;
using nlohmann::json;
const std::filesystem::path kPcaps = MIERUKA_SHARED_PCAPS;

struct Read {
  Ledger ledger{"test"};
};

std::unique_ptr<Read> read_capture(const std::string& name) {
  auto out = std::make_unique<Read>();
  std::string error;
  auto src = FileSource::open({(kPcaps / name).string()}, error);
  EXPECT_TRUE(src) << error;
  if (!src) return out;
  Pipeline pipeline(out->ledger);
  RawPacket pkt;
  while (src->next(pkt)) pipeline.on_packet(pkt.link, pkt.ts_us, pkt.data, pkt.wire_len);
  pipeline.finish();
  return out;
}

bool has_fact(const Asset& a, std::string_view field, std::string_view value) {
  for (const auto& f : a.facts)
    if (f.field == field && f.value == value) return true;
  return false;
}

bool holds(const Asset& a, const std::string& ip) {
  for (const auto& r : a.ips)
    if (r.ip.to_string() == ip) return true;
  return a.key_ip && a.key_ip->to_string() == ip;
}

// The assets an identity from `ip` may sit on: the holder and what is behind it.
std::vector<const Asset*> at_ip(const Ledger& l, const std::string& ip) {
  std::vector<const Asset*> out;
  std::set<std::string> ids;
  for (const auto& a : l.assets())
    if (holds(a, ip)) {
      out.push_back(&a);
      ids.insert(a.id);
    }
  for (const auto& a : l.assets())
    if (!a.parent_id.empty() && ids.count(a.parent_id)) out.push_back(&a);
  return out;
}

bool any_fact(const std::vector<const Asset*>& as, std::string_view field, std::string_view value) {
  for (const auto* a : as)
    if (has_fact(*a, field, value)) return true;
  return false;
}

bool anywhere(const Ledger& l, std::string_view field, std::string_view value) {
  for (const auto& a : l.assets())
    if (has_fact(a, field, value)) return true;
  return false;
}

std::string hex_to_dec(const std::string& s) { return std::to_string(std::stoul(s, nullptr, 0)); }

TEST(IdentityPcaps, LedgerHoldsWhatTsharkDecodes) {
  std::ifstream in(kPcaps / "MANIFEST.json");
  const json m = json::parse(in);
  std::size_t identities = 0;
  for (const auto& entry : m.at("files")) {
    const json ids = entry.value("identities", json::object());
    if (!ids.contains("enip") && !ids.contains("cip_identity") && !ids.contains("modbus") && !ids.contains("opcua"))
      continue;
    const std::string name = entry.at("file");
    SCOPED_TRACE(name);
    auto r = read_capture(name);
    const Ledger& l = r->ledger;

    for (const auto& li : ids.value("enip", json::object()).value("list_identity", json::array())) {
      const auto on = at_ip(l, li.at("src_ip"));
      ASSERT_FALSE(on.empty()) << "no asset holds " << li.at("src_ip");
      const unsigned raw = static_cast<unsigned>(std::stoul(li.at("revision").get<std::string>()));
      char rev[16];
      // tshark shows the two revision bytes (major, minor) as one big-endian word.
      std::snprintf(rev, sizeof rev, "%u.%02u", raw >> 8, raw & 0xff);
      EXPECT_TRUE(any_fact(on, "product", li.at("product_name").get<std::string>()));
      EXPECT_TRUE(any_fact(on, "serial", li.at("serial").get<std::string>()));
      EXPECT_TRUE(any_fact(on, "revision", rev)) << "revision " << rev;
      EXPECT_TRUE(any_fact(on, "product_code", li.at("product_code").get<std::string>()));
      EXPECT_TRUE(any_fact(on, "vendor_id", hex_to_dec(li.at("vendor_id"))));
      ++identities;
    }
    for (const auto& ci : ids.value("cip_identity", json::array())) {
      const auto on = at_ip(l, ci.at("src_ip"));
      ASSERT_FALSE(on.empty()) << "no asset holds " << ci.at("src_ip");
      if (!ci.contains("product_name")) continue;  // a status-only reply
      char rev[16];
      std::snprintf(rev, sizeof rev, "%s.%02u", ci.at("major_rev").get<std::string>().c_str(),
                    static_cast<unsigned>(std::stoul(ci.at("minor_rev").get<std::string>())));
      EXPECT_TRUE(any_fact(on, "product", ci.at("product_name").get<std::string>()));
      EXPECT_TRUE(any_fact(on, "serial", ci.at("serial").get<std::string>()));
      EXPECT_TRUE(any_fact(on, "revision", rev)) << "revision " << rev;
      ++identities;
    }
    if (ids.contains("modbus")) {
      const json& mb = ids["modbus"];
      for (const auto& rd : mb.value("read_device_identification", json::array())) {
        const auto on = at_ip(l, rd.at("src_ip"));
        ASSERT_FALSE(on.empty());
        const json obj = rd.value("objects", json::object());
        if (obj.contains("VendorName")) {
          EXPECT_TRUE(any_fact(on, "vendor", obj["VendorName"].get<std::string>()));
        }
        if (obj.contains("ProductCode")) {
          EXPECT_TRUE(any_fact(on, "product_code", obj["ProductCode"].get<std::string>()));
        }
        if (obj.contains("MajorMinorRevision")) {
          EXPECT_TRUE(any_fact(on, "revision", obj["MajorMinorRevision"].get<std::string>()));
        }
        ++identities;
      }
      std::set<unsigned> codes;
      for (const auto& e : l.edges())
        for (const auto& op : e.ops)
          if (op.protocol == "modbus") codes.insert(op.code);
      for (const auto& fc : mb.value("function_codes", json::array()))
        EXPECT_TRUE(codes.count(fc.get<unsigned>())) << "function code " << fc << " on no Modbus edge";
    }
    if (ids.contains("opcua")) {
      const json& ua = ids["opcua"];
      for (const auto& u : ua.value("endpoint_urls", json::array()))
        EXPECT_TRUE(anywhere(l, "service", "opcua:" + u.get<std::string>())) << u;
      for (const auto& u : ua.value("application_uris", json::array()))
        EXPECT_TRUE(anywhere(l, "application_uri", u.get<std::string>())) << u;
      for (const auto& u : ua.value("product_uris", json::array()))
        EXPECT_TRUE(anywhere(l, "opcua_product_uri", u.get<std::string>())) << u;
      for (const auto& u : ua.value("security_policy_uris", json::array()))
        EXPECT_TRUE(anywhere(l, "opcua_security_policy", u.get<std::string>()) ||
                    anywhere(l, "opcua_security_policy_used", u.get<std::string>()))
            << u;
      ++identities;
    }
  }
  EXPECT_GE(identities, 9U);  // 2 ListIdentity, 1 CIP, 1 Modbus 43/14, 5 OPC UA captures
}

}  // namespace
}  // namespace mieruka::sensor
