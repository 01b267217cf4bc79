// The acceptance report (item 4-5): time arguments, which devices count as new
// (by time and by a snapshot baseline), their peers, services and external
// connections, and escaping of hostile names in text, JSON and HTML.
#include "inventory/report/acceptance.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "inventory/report/checklist.hpp"
#include "inventory/render/export.hpp"

namespace mieruka::inventory {
namespace {

MacAddr mac(std::string_view s) { return *MacAddr::parse(s); }
IpAddr ip(std::string_view s) { return *IpAddr::parse(s); }
constexpr std::int64_t kT0 = 1'763'625'600'000'000LL;  // 2025-11-20T08:00:00Z
constexpr std::int64_t kHour = 3'600'000'000LL;

std::int64_t jst(std::int64_t) { return 9 * 3600; }

TEST(AcceptanceTime, ParsesIso8601WithAndWithoutZone) {
  EXPECT_EQ(parse_time_arg("2025-11-20T08:00:00Z", nullptr), kT0);
  EXPECT_EQ(parse_time_arg("2025-11-20T17:00:00+09:00", nullptr), kT0);
  EXPECT_EQ(parse_time_arg("2025-11-20T17:00+0900", nullptr), kT0);
  EXPECT_EQ(parse_time_arg("2025-11-20 03:00:00-05:00", nullptr), kT0);
  EXPECT_EQ(parse_time_arg("2025-11-20T08:00:00.25Z", nullptr), kT0 + 250'000);
  EXPECT_EQ(parse_time_arg("2025-11-20T17:00:00", &jst), kT0);  // no zone: local (JST here)
  EXPECT_EQ(parse_time_arg("2025-11-20", &jst), kT0 - 17 * kHour);  // local midnight
  EXPECT_EQ(parse_time_arg("1970-01-01T00:00:00Z", nullptr), 0);
  EXPECT_EQ(parse_time_arg("2024-02-29", nullptr), 1'709'164'800'000'000LL);
}

TEST(AcceptanceTime, RejectsWhatIsNotATime) {
  for (const char* bad : {"", "yesterday", "2025-13-01", "2025-02-29", "2025-04-31", "2025-11-20T25:00",
                          "2025-11-20T08:00:00Zjunk", "2025-11-20T08", "2025-11-20T08:00:00+9", "2025-11-20T08:00:00.Z",
                          "20251120", "2025-11-2"})
    EXPECT_FALSE(parse_time_arg(bad, nullptr)) << bad;
}

struct Line {
  Ledger led{"unit"};
  AssetIndex plc, hmi, robot, rtr, cloud, stray;
  ZonePolicy zones;
  Line() {
    plc = host("00:80:f4:0a:0b:0c", "10.10.1.30", kT0);
    hmi = host("00:0e:c6:11:22:33", "10.10.1.50", kT0);
    robot = host("00:e0:91:00:00:07", "10.10.1.70", kT0 + 3 * kHour);  // the new machine
    rtr = host("00:1b:54:00:00:01", "10.10.1.1", kT0);
    cloud = led.resolve(std::nullopt, ip("203.0.113.9"), kT0 + 3 * kHour);
    stray = host("00:50:56:00:00:02", "10.99.0.5", kT0);  // in no configured zone
    led.add_fact(robot, "vendor", "FANUC", "enip_list_identity", kT0 + 3 * kHour);
    led.add_fact(robot, "serial", "0x00c0ffee", "enip_list_identity", kT0 + 3 * kHour);
    edge(plc, robot, "enip", 44818, kT0 + 3 * kHour);
    edge(robot, cloud, "https", 443, kT0 + 4 * kHour);
    edge(robot, stray, "ssh", 22, kT0 + 4 * kHour);
    edge(hmi, plc, "modbus", 502, kT0);
    zones.zones.push_back({"cell-1", 1, {*Subnet::parse("10.10.1.0/24")}, {}});
  }
  AssetIndex host(std::string_view m, std::string_view a, std::int64_t ts) {
    const auto i = led.station(mac(m), ts);
    led.sent(i, 60, 0, ts);
    led.bind_ip(i, ip(a), "arp", ts);
    return i;
  }
  void edge(AssetIndex f, AssetIndex t, std::string_view proto, std::uint16_t port, std::int64_t ts) {
    const auto e = led.edge(f, t, proto, "tcp", port, 0, ts);
    led.count_edge(e, 100, ts);
  }
  AcceptanceInput input(const ZonePolicy* z) const {
    AcceptanceInput in;
    in.ledger = &led;
    in.zones = z;
    in.since_us = kT0 + 2 * kHour;
    in.basis = "--since test";
    in.sensor_name = "unit";
    in.generated_us = kT0 + 10 * kHour;
    return in;
  }
  const std::string& id(AssetIndex i) const { return led.assets()[i].id; }
};

TEST(Acceptance, NewDeviceWithIdentityPeersServicesAndExternalConnections) {
  Line l;
  const auto in = l.input(&l.zones);
  const auto r = build_acceptance(in);
  ASSERT_EQ(r.devices.size(), 1U) << "the internet peer is not delivered equipment; old devices are not new";
  const auto& d = r.devices[0];
  EXPECT_EQ(d.asset, l.id(l.robot));
  EXPECT_EQ(d.identity["vendor"], "FANUC");
  EXPECT_EQ(d.identity["serial"], "0x00c0ffee");
  EXPECT_EQ(d.services, (std::vector<std::string>{"enip/tcp 44818"}));
  ASSERT_EQ(d.peers.size(), 3U);
  ASSERT_EQ(r.external.size(), 2U);
  std::set<std::string> reasons;
  for (const auto& [dev, p] : r.external) {
    EXPECT_EQ(dev, l.id(l.robot));
    EXPECT_EQ(p.direction, "out");
    reasons.insert(p.external_reason);
  }
  EXPECT_EQ(reasons, (std::set<std::string>{"public address 203.0.113.9", "outside the configured zones"}));
  // Without zones only the public address is external.
  EXPECT_EQ(build_acceptance(l.input(nullptr)).external.size(), 1U);
  const auto j = acceptance_json(r, in);
  EXPECT_EQ(j["schema"], "mieruka.acceptance/1");
  EXPECT_EQ(j["item"], "4-5");
  EXPECT_EQ(j["counts"]["devices"], 1);
  EXPECT_EQ(j["external_connections"].size(), 2U);
  EXPECT_EQ(j["since"], "2025-11-20T10:00:00Z");
  // In Japanese why a peer is external is Japanese, and the HTML's times are in
  // the configured zone with the zone named; the JSON keeps UTC.
  auto tokyo = in;
  tokyo.time_zone = "Asia/Tokyo";
  const std::string ja = acceptance_html(r, tokyo, Lang::ja);
  EXPECT_NE(ja.find("グローバルアドレス 203.0.113.9"), std::string::npos);
  EXPECT_NE(ja.find("設定したゾーンの外"), std::string::npos);
  EXPECT_EQ(ja.find("outside the configured zones"), std::string::npos);
  EXPECT_NE(ja.find("2025-11-20 19:00 JST"), std::string::npos) << "since, in Tokyo";
  EXPECT_EQ(acceptance_json(r, tokyo)["since"], "2025-11-20T10:00:00Z");
  EXPECT_NE(acceptance_text(r, in, Lang::en).find("outside the configured zones"), std::string::npos);
}

TEST(Acceptance, SnapshotBaselineDecidesWhatIsNew) {
  Line l;
  auto in = l.input(&l.zones);
  std::vector<std::string> base = {l.id(l.plc), l.id(l.hmi), l.id(l.rtr)};
  std::sort(base.begin(), base.end());
  in.baseline_ids = &base;
  const auto r = build_acceptance(in);
  std::set<std::string> ids;
  for (const auto& d : r.devices) ids.insert(d.asset);
  EXPECT_EQ(ids, (std::set<std::string>{l.id(l.robot), l.id(l.stray)}));
}

TEST(Acceptance, NothingNew) {
  Line l;
  auto in = l.input(&l.zones);
  in.since_us = kT0 + 100 * kHour;
  const auto r = build_acceptance(in);
  EXPECT_TRUE(r.devices.empty());
  EXPECT_NE(acceptance_text(r, in, Lang::en).find("No device was first seen"), std::string::npos);
  EXPECT_NE(acceptance_html(r, in, Lang::ja).find("新たに観測された機器はない"), std::string::npos);
}

// The device class by its name in the report's language, never its code.
TEST(Acceptance, ClassesByName) {
  Line l;
  const auto in = l.input(&l.zones);
  const auto r = build_acceptance(in);
  ASSERT_FALSE(r.devices.empty());
  std::set<std::string> classes;
  for (const auto& d : r.devices) classes.insert(d.identity["class"].get<std::string>());
  const std::string ja_html = acceptance_html(r, in, Lang::ja), en_text = acceptance_text(r, in, Lang::en);
  for (const auto& c : classes) {
    EXPECT_NE(ja_html.find("<td>" + std::string(msg(Lang::ja, "class." + c)) + "</td>"), std::string::npos) << c;
    EXPECT_EQ(ja_html.find("<td>" + c + "</td>"), std::string::npos) << c;
    EXPECT_NE(en_text.find(std::string(msg(Lang::en, "class." + c))), std::string::npos) << c;
  }
}

TEST(Acceptance, HostileNamesAreEscaped) {
  Line l;
  l.led.add_fact(l.robot, "name", "<script>alert(1)</script>\x1b[2J\xff", "nbns", kT0 + 3 * kHour);
  const auto in = l.input(&l.zones);
  const auto r = build_acceptance(in);
  const std::string html = acceptance_html(r, in, Lang::en);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(sanitize_utf8(html), html);
  for (const char* sec : {"id=\"summary\"", "id=\"devices\"", "id=\"external\"", "id=\"signoff\""})
    EXPECT_NE(html.find(sec), std::string::npos) << sec;
  const std::string text = acceptance_text(r, in, Lang::ja);
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no terminal escape sequences";
  const std::string js = acceptance_json(r, in).dump();
  EXPECT_EQ(sanitize_utf8(js), js);
}

// A baseline by name, or by time: the newest snapshot taken at or before it (a
// date alone: its whole day). A name wins over a time.
TEST(PickBaseline, NameThenNewestAtOrBefore) {
  auto utc = [](std::int64_t) -> std::int64_t { return 0; };
  const std::int64_t day = 86'400'000'000LL;
  const std::int64_t t0 = *parse_time_arg("2026-11-20T00:00:00Z", utc);
  std::vector<SnapshotInfo> snaps;
  for (const auto& [name, at] : std::vector<std::pair<std::string, std::int64_t>>{
           {"a", t0 + 3600'000'000LL}, {"b", t0 + day + 7200'000'000LL}, {"2026-11-25", t0 + 2 * day}}) {
    SnapshotInfo s;
    s.name = name;
    s.taken_us = at;
    snaps.push_back(s);
  }
  std::string error;
  auto b = pick_baseline(snaps, "a", utc, error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->snapshot.name, "a");
  EXPECT_EQ(b->basis, "snapshot a");
  b = pick_baseline(snaps, "2026-11-20", utc, error);  // the whole day: a (01:00)
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->snapshot.name, "a");
  EXPECT_EQ(b->basis, "snapshot a (newest at or before 2026-11-20)");
  b = pick_baseline(snaps, "2026-11-21T01:59:59Z", utc, error);  // b is at 02:00
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->snapshot.name, "a");
  b = pick_baseline(snaps, "2026-11-21T02:00:00Z", utc, error);
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->snapshot.name, "b");
  b = pick_baseline(snaps, "2026-11-25", utc, error);  // a snapshot's name wins over the date
  ASSERT_TRUE(b) << error;
  EXPECT_EQ(b->snapshot.name, "2026-11-25");
  EXPECT_EQ(b->basis, "snapshot 2026-11-25");
  EXPECT_FALSE(pick_baseline(snaps, "2026-11-19", utc, error));
  EXPECT_NE(error.find("no snapshot was taken at or before"), std::string::npos) << error;
  EXPECT_FALSE(pick_baseline(snaps, "nosuch\xff", utc, error));
  EXPECT_NE(error.find("not a time"), std::string::npos) << error;
  EXPECT_EQ(error.find('\xff'), std::string::npos) << "the name is shown as valid UTF-8";
  EXPECT_FALSE(pick_baseline({}, "2026-11-20", utc, error));
}

}  // namespace
}  // namespace mieruka::inventory
