// The checklist export: the level rules (one table), each item's evidence on a
// small hand-built ledger, the message table, and escaping of hostile wire
// strings in JSON, CSV, HTML and the embedded SVG.
#include "inventory/report/checklist.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "inventory/policy/evidence.hpp"
#include "inventory/report/eos_table.hpp"
#include "inventory/render/export.hpp"
#include "inventory/text/text_escape.hpp"
#include "unit/english_text.hpp"

namespace mieruka::inventory {
namespace {

MacAddr mac(std::string_view s) { return *MacAddr::parse(s); }
IpAddr ip(std::string_view s) { return *IpAddr::parse(s); }
constexpr std::int64_t kT0 = 1'700'000'000'000'000LL;
constexpr std::int64_t kHour = 3'600'000'000LL;

// --- level rules ---------------------------------------------------------------

ItemStats stats(bool has_data, bool has_policy, std::uint64_t open, std::size_t snapshots, bool live,
                std::uint64_t count = 5, bool applicable = true) {
  ItemStats s;
  s.applicable = applicable;
  s.has_data = has_data;
  s.has_policy = has_policy;
  s.count = count;
  s.open = open;
  s.snapshots = snapshots;
  s.live = live;
  s.periodic = snapshots >= 2;  // here: stands for a schedule that ran and whose diffs were delivered
  s.continuous = live && s.periodic;
  return s;
}

struct RuleCase {
  const char* item;
  ItemStats s;
  std::optional<int> level;
  const char* rule;
};

TEST(ChecklistRules, EachItemGivesTheLevelItsRuleSays) {
  const std::vector<RuleCase> cases = {
      {"2-6", stats(false, false, 0, 0, false), 1, "2-6.empty"},
      {"2-6", stats(true, false, 0, 5, true), 2, "2-6.no_list"},
      {"2-6", stats(true, true, 4, 5, true), 3, "2-6.ledger"},  // open devices keep it at 3
      {"2-6", stats(true, true, 0, 1, false), 3, "2-6.ledger"},  // one snapshot is not periodic
      {"2-6", stats(true, true, 0, 2, false), 4, "2-6.periodic"},
      {"2-6", stats(true, true, 0, 2, true), 5, "2-6.continuous"},
      {"2-7", stats(true, true, 0, 0, false, 0, false), std::nullopt, "2-7.na"},
      {"2-7", stats(true, false, 0, 0, false), 1, "2-7.no_list"},
      {"2-7", stats(true, true, 2, 9, true), 2, "2-7.violations"},
      {"2-7", stats(true, true, 0, 0, false), 3, "2-7.clean"},
      {"2-7", stats(true, true, 0, 3, false), 4, "2-7.periodic"},
      {"2-7", stats(true, true, 0, 3, true), 5, "2-7.continuous"},
      {"3-5", stats(true, false, 0, 0, false, 1), 1, "3-5.flat"},
      {"3-5", stats(true, false, 0, 0, false, 3), 2, "3-5.no_zones"},
      {"3-5", stats(true, true, 1, 9, true), 2, "3-5.crossing"},
      {"3-5", stats(true, true, 0, 0, false), 3, "3-5.clean"},
      {"3-5", stats(true, true, 0, 2, true), 5, "3-5.continuous"},
      {"3-6", stats(true, true, 0, 0, false, 0, false), std::nullopt, "3-6.na"},
      {"3-6", stats(true, true, 1, 9, true), 2, "3-6.undeclared"},
      {"3-6", stats(true, true, 0, 9, true), 3, "3-6.declared"},  // capped: 2FA is not observable
      {"3-7", stats(false, false, 0, 0, false), 1, "3-7.none"},
      {"3-7", stats(true, false, 0, 9, false), 2, "3-7.offline"},
      {"3-7", stats(true, false, 3, 0, true), 3, "3-7.live"},
      {"3-7", stats(true, false, 3, 2, true), 4, "3-7.periodic"},
      {"3-7", stats(true, false, 0, 2, true), 5, "3-7.continuous"},
      {"2-3", stats(false, false, 0, 0, false), std::nullopt, "2-3.no_ot"},
      {"2-3", stats(true, false, 1, 0, false), 2, "2-3.violations"},
      {"2-3", stats(true, false, 0, 0, false), 3, "2-3.clean"},
      {"2-3", stats(true, false, 0, 2, false), 4, "2-3.periodic"},
      {"2-12", stats(false, true, 0, 0, false, 0), std::nullopt, "2-12.none"},
      {"2-12", stats(true, false, 0, 0, false, 3), std::nullopt, "2-12.no_list"},
      {"2-12", stats(true, true, 1, 0, false, 3), 2, "2-12.unchecked"},
      {"2-12", stats(true, true, 0, 9, true, 3), 3, "2-12.checked"},
      {"3-2", stats(false, false, 0, 0, false), std::nullopt, "3-2.none"},
      {"3-2", stats(true, false, 1, 0, false), 2, "3-2.eos"},
      {"3-2", stats(true, false, 0, 9, true), 3, "3-2.clean"},
      {"3-3", stats(false, false, 0, 0, false), std::nullopt, "3-3.none"},
      {"3-3", stats(true, false, 1, 0, false), 2, "3-3.cleartext"},
      {"3-3", stats(true, false, 0, 9, true), 3, "3-3.minimal"},
      {"4-5", stats(true, true, 0, 9, true), std::nullopt, "4-5.pointer"},
  };
  for (const auto& c : cases) {
    const LevelRule& r = apply_level_rules(c.item, c.s);
    EXPECT_EQ(r.level, c.level) << c.item << " " << c.rule;
    EXPECT_EQ(r.id, c.rule) << c.item;
  }
}

TEST(ChecklistRules, EveryItemEndsWithARuleThatAlwaysHoldsAndEveryRuleHasBothTexts) {
  std::map<std::string, const LevelRule*> last;
  for (const auto& r : level_rules()) {
    last[std::string(r.item)] = &r;
    const std::string key = "rule." + std::string(r.id);
    EXPECT_TRUE(has_msg(key)) << key;
    EXPECT_NE(msg(Lang::ja, key), msg(Lang::en, key)) << key;
    if (r.level) {
      EXPECT_TRUE(*r.level >= 1 && *r.level <= 5) << key;
    }
  }
  EXPECT_EQ(last.size(), 12U);
  ItemStats nothing;
  nothing.applicable = true;
  for (const auto& [item, r] : last) {
    EXPECT_TRUE(r->when(nothing)) << item;
    EXPECT_TRUE(has_msg("item." + item)) << item;
  }
}

TEST(Messages, EveryKeyHasJapaneseAndEnglishAndUnknownKeysShowThemselves) {
  std::set<std::string_view> keys;
  for (auto k : msg_keys()) {
    EXPECT_TRUE(keys.insert(k).second) << "duplicate " << k;
    EXPECT_FALSE(msg(Lang::ja, k).empty()) << k;
    EXPECT_FALSE(msg(Lang::en, k).empty()) << k;
    EXPECT_TRUE(sanitize_utf8(msg(Lang::ja, k)) == msg(Lang::ja, k)) << k;
  }
  EXPECT_EQ(msg(Lang::en, "no.such.key"), "no.such.key");
  EXPECT_EQ(msg(Lang::ja, "level.1"), "1：未実施");
  // The device classes are the evidence catalog's one table (evidence.hpp).
  for (const auto& c : class_names()) {
    const std::string key = "class." + std::string(c.code);
    EXPECT_TRUE(keys.count(key)) << key;
    EXPECT_EQ(msg(Lang::ja, key), c.ja);
    EXPECT_EQ(msg(Lang::en, key), c.en);
  }
  EXPECT_EQ(msg(Lang::ja, "class.no_such_class"), "class.no_such_class");
  // A baseline in the report's language: English as given, Japanese from the table.
  for (const char* b : {"snapshot a", "snapshot a (newest at or before 2026-11-20)", "last 30 days", "since 2026-11-20",
                        "--since 2026-11-20T09:00:00+09:00", "something else"})
    EXPECT_EQ(basis_text(b, Lang::en), b);
  EXPECT_EQ(basis_text("snapshot a", Lang::ja), "スナップショット a");
  EXPECT_EQ(basis_text("snapshot a (newest at or before 2026-11-20)", Lang::ja), "スナップショット a（2026-11-20 以前で最新）");
  EXPECT_EQ(basis_text("last 30 days", Lang::ja), "直近 30 日");
  EXPECT_EQ(basis_text("last x days", Lang::ja), "last x days");
  EXPECT_EQ(basis_text("since 2026-11-20", Lang::ja), "2026-11-20 以降");
  EXPECT_EQ(basis_text("--since 2026-11-20T09:00:00+09:00", Lang::ja), "2026-11-20T09:00:00+09:00 以降");
  EXPECT_EQ(basis_text("snapshot ", Lang::ja), "snapshot ");
  EXPECT_EQ(parse_lang("en"), Lang::en);
  EXPECT_FALSE(parse_lang("fr"));
}

TEST(EndOfSupport, MatchesCitedRowsOnlyAndHonoursExclusions) {
  Ledger led;
  auto a = led.station(mac("00:11:22:33:44:55"), kT0);
  led.add_fact(a, "os", "Microsoft Windows XP Professional SP3", "smb", kT0);
  auto b = led.station(mac("00:11:22:33:44:56"), kT0);
  led.add_fact(b, "os", "Windows 10 Enterprise LTSC 2019", "smb", kT0);
  auto c = led.station(mac("00:11:22:33:44:57"), kT0);
  led.add_fact(c, "product", "6ES7 315-2EH14-0AB0", "s7comm_szl", kT0);
  const auto ma = end_of_support_matches(led.assets()[a]);
  ASSERT_EQ(ma.size(), 1U);
  EXPECT_EQ(ma[0].row->label, "Windows XP");
  EXPECT_TRUE(end_of_support_matches(led.assets()[b]).empty());
  ASSERT_EQ(end_of_support_matches(led.assets()[c]).size(), 1U);
  for (const auto& r : end_of_support_table()) EXPECT_FALSE(r.source.empty()) << r.label;
}

// --- evidence on a small plant ----------------------------------------------------

struct Plant {
  Ledger led{"unit"};
  AssetIndex plc, hmi, pi, office, ap, cloud;
  std::optional<ApprovedList> approved;
  std::optional<WirelessAllowList> wireless;
  ZonePolicy zones;
  std::vector<Finding> findings;

  Plant() {
    plc = host("00:80:f4:0a:0b:0c", "10.10.1.30", kT0);
    hmi = host("00:0e:c6:11:22:33", "10.10.1.50", kT0);
    pi = host("b8:27:eb:01:02:03", "10.10.1.77", kT0 + 10 * kHour);  // new
    office = host("00:15:5d:00:00:01", "192.168.10.5", kT0);
    ap = host("00:0b:86:00:00:01", "10.10.1.200", kT0);
    led.add_protocol(plc, "modbus");
    led.add_protocol(hmi, "modbus");
    led.add_fact(hmi, "class_hint", "hmi", "lldp", kT0);
    led.add_fact(hmi, "os", "Windows 7 Professional", "smb", kT0);
    led.add_fact(plc, "revision", "2.1", "modbus_device_id", kT0);
    led.add_fact(ap, "class_hint", "wireless_ap", "lldp", kT0);
    cloud = led.resolve(std::nullopt, ip("203.0.113.9"), kT0);
    edge(hmi, plc, "modbus", 502);
    edge(office, hmi, "telnet", 23);  // cross-zone and cleartext login on a control host
    edge(pi, cloud, "openvpn", 1194);  // remote access to the internet
    std::string error;
    approved = parse_approved("mac,ip,name\n00:80:f4:0a:0b:0c,,PLC\n00:0e:c6:11:22:33,,HMI\n00:15:5d:00:00:01,,PC\n"
                              "02:00:00:00:00:99,,Spare\n",
                              "ap.csv", error);
    wireless = parse_wireless_allow("mac,ssid\n02:00:00:00:00:aa,plant\n", "wl.csv", error);
    zones.zones.push_back({"office", 4, {*Subnet::parse("192.168.10.0/24")}, {}});
    zones.zones.push_back({"cell-1", 1, {*Subnet::parse("10.10.1.0/24")}, {}});
    FindingsPolicy p;
    p.approved = &*approved;
    p.wireless = &*wireless;
    p.zones = &zones;
    findings = compute_findings(led, p);
  }
  AssetIndex host(std::string_view m, std::string_view a, std::int64_t ts) {
    const auto i = led.station(mac(m), ts);
    led.sent(i, 60, 0, ts);
    led.bind_ip(i, ip(a), "arp", ts);
    return i;
  }
  void edge(AssetIndex f, AssetIndex t, std::string_view proto, std::uint16_t port) {
    const std::int64_t ts = std::max(led.assets()[f].first_us, kT0) + kHour;
    const auto e = led.edge(f, t, proto, "tcp", port, 0, ts);
    led.count_edge(e, 100, ts);
  }
  // Review evidence over the 30 days before generated_us: a daily schedule that
  // ran every day with every diff delivered (periodic), live capture over the
  // whole period without drops and every alert delivered (live).
  static ReviewEvidence review(bool periodic, bool live) {
    ReviewEvidence e;
    e.facts.to_us = kT0 + 20 * kHour;
    e.facts.from_us = e.facts.to_us - 30 * 24 * kHour;
    if (periodic) {
      e.schedule = "daily 07:30";
      e.slots = 30;
      e.facts.scheduled = 30;
      e.facts.diffs_queued = e.facts.diffs_delivered = 12;
      e.channels = 1;
    }
    if (live) {
      e.facts.monitored_us = e.facts.to_us - e.facts.from_us;
      e.facts.packets = 1'000'000;
      e.facts.alerts_queued = e.facts.alerts_delivered = 3;
    }
    return e;
  }
  ChecklistInput input(std::size_t snapshots = 0, bool live = false) const {
    ChecklistInput in;
    in.ledger = &led;
    in.zones = &zones;
    in.approved = &*approved;
    in.wireless = &*wireless;
    in.findings = &findings;
    in.generated_us = kT0 + 20 * kHour;
    in.sensor_name = "unit";
    in.db_path = "unit.db";
    in.new_since_us = kT0 + 5 * kHour;
    in.new_since_basis = "test";
    in.snapshots = snapshots;
    in.review = review(snapshots >= 2, live);
    return in;
  }
  const std::string& id(AssetIndex i) const { return led.assets()[i].id; }
};

const ItemReport& item(const Checklist& c, std::string_view id) {
  for (const auto& r : c.items)
    if (r.id == id) return r;
  ADD_FAILURE() << "no item " << id;
  return c.items.front();
}

bool has_ref(const ItemReport& r, std::string_view kind, std::string_view ref) {
  return std::any_of(r.evidence.begin(), r.evidence.end(),
                     [&](const EvidenceLine& e) { return e.kind == kind && e.ref == ref; });
}

TEST(Checklist, ItemsAreInChecklistOrderWithKinds) {
  Plant p;
  const auto c = build_checklist(p.input());
  std::vector<std::string> ids;
  for (const auto& r : c.items) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"2-3", "2-6", "2-7", "2-8", "2-12", "3-2", "3-3", "3-5", "3-6", "3-7",
                                            "4-3", "4-5"}));
  EXPECT_TRUE(item(c, "2-6").direct);
  EXPECT_FALSE(item(c, "3-2").direct);
}

TEST(Checklist, LedgerItemCountsUnapprovedAndApprovedNeverSeen) {
  Plant p;
  const auto c = build_checklist(p.input());
  const auto& r = item(c, "2-6");
  EXPECT_EQ(r.level, 3);
  EXPECT_EQ(r.rule, "2-6.ledger");
  EXPECT_EQ(r.stats.count, 5U);  // the cloud peer is not plant equipment
  // The Raspberry Pi and the access point are not approved.
  EXPECT_EQ(r.stats.open, 2U);
  EXPECT_TRUE(has_ref(r, "approved_unseen", "line 5")) << "the spare on line 5 was never seen";
  // The row is named in the report's language; the diagram's grouping too.
  const auto in = p.input();
  const std::string ja = checklist_html(c, in, Lang::ja, "", "");
  EXPECT_NE(ja.find("<td>5 行目</td>"), std::string::npos);
  EXPECT_EQ(ja.find("line 5"), std::string::npos);
  EXPECT_EQ(ja.find("グループ分け zones"), std::string::npos);
  EXPECT_EQ(ja.find("グループ分け vlan_subnet"), std::string::npos);
  EXPECT_NE(checklist_html(c, in, Lang::en, "", "").find("<td>line 5</td>"), std::string::npos);
  EXPECT_NE(rule_text(Lang::en, r).find("2 unapproved or hidden devices remain open"), std::string::npos);
  EXPECT_NE(rule_text(Lang::ja, r).find("2 台未対応"), std::string::npos);
  // Snapshots and live capture raise the level only when nothing is open.
  EXPECT_EQ(item(build_checklist(p.input(3, true)), "2-6").level, 3);
}

TEST(Checklist, WirelessSegmentsRemoteAndDetection) {
  Plant p;
  const auto c = build_checklist(p.input());
  const auto& w = item(c, "2-7");
  EXPECT_EQ(w.level, 2);
  EXPECT_TRUE(has_ref(w, "wireless_unlisted", p.id(p.ap)));
  EXPECT_TRUE(has_ref(w, "wireless_unseen", "line 2"));
  const auto& z = item(c, "3-5");
  EXPECT_EQ(z.level, 2);
  EXPECT_EQ(z.rule, "3-5.crossing");
  EXPECT_TRUE(has_ref(z, "segment", p.id(p.office)));
  const auto& ra = item(c, "3-6");
  EXPECT_EQ(ra.level, 2);
  EXPECT_EQ(std::count_if(ra.evidence.begin(), ra.evidence.end(), [](const EvidenceLine& e) { return e.kind == "remote"; }),
            1);
  const auto& d = item(c, "3-7");
  EXPECT_EQ(d.level, 2);  // offline only
  EXPECT_EQ(item(build_checklist(p.input(0, true)), "3-7").level, 3);
}

TEST(ChecklistReview, LevelsFourAndFiveNeedTheirEvidenceOverThePeriod) {
  const ReviewEvidence full = Plant::review(true, true);
  EXPECT_TRUE(periodic_review(full));
  EXPECT_TRUE(continuous_monitoring(full));
  EXPECT_EQ(review_shortfall(full, Lang::en), "");

  struct Case {
    const char* what;
    void (*change)(ReviewEvidence&);
    bool periodic, continuous;
    const char* shortfall;  // part of the English text
  };
  const std::vector<Case> cases = {
      {"manual snapshots only: no schedule", [](ReviewEvidence& e) { e.schedule.clear(); e.slots = 0; }, false, false,
       "configure a [snapshots] schedule"},
      {"a schedule with one slot in the period", [](ReviewEvidence& e) { e.slots = 1; e.facts.scheduled = 1; }, false,
       false, "fewer than two slots"},
      {"27 of 30 slots is enough", [](ReviewEvidence& e) { e.facts.scheduled = 27; }, true, true, ""},
      {"26 of 30 slots is not", [](ReviewEvidence& e) { e.facts.scheduled = 26; }, false, false,
       "only 26 of the schedule's 30 snapshots"},
      {"no channel", [](ReviewEvidence& e) { e.channels = 0; }, false, false, "no delivery channel"},
      {"a diff not delivered", [](ReviewEvidence& e) { e.facts.diffs_delivered = 11; }, false, false,
       "only 11 of 12 diffs"},
      {"capture 95% of the period is enough",
       [](ReviewEvidence& e) { e.facts.monitored_us = (e.facts.to_us - e.facts.from_us) * 95 / 100; }, true, true, ""},
      {"capture 94% is not",
       [](ReviewEvidence& e) { e.facts.monitored_us = (e.facts.to_us - e.facts.from_us) * 94 / 100; }, true, false,
       "covered only 94.0% of the period"},
      {"0.1% dropped is allowed", [](ReviewEvidence& e) { e.facts.packets = 999'000; e.facts.drops = 1'000; }, true,
       true, ""},
      {"0.2% dropped is not", [](ReviewEvidence& e) { e.facts.packets = 998'000; e.facts.drops = 2'000; }, true, false,
       "0.200% of packets were dropped"},
      {"an alert not delivered", [](ReviewEvidence& e) { e.facts.alerts_delivered = 2; }, true, false,
       "only 2 of 3 alerts"},
      {"no live capture: periodic only", [](ReviewEvidence& e) { e.facts.monitored_us = 0; }, true, false,
       "covered only 0.0%"},
  };
  for (const auto& c : cases) {
    ReviewEvidence e = full;
    c.change(e);
    EXPECT_EQ(periodic_review(e), c.periodic) << c.what;
    EXPECT_EQ(continuous_monitoring(e), c.continuous) << c.what;
    const std::string why = review_shortfall(e, Lang::en);
    if (*c.shortfall == 0) EXPECT_EQ(why, "") << c.what;
    else EXPECT_NE(why.find(c.shortfall), std::string::npos) << c.what << ": " << why;
    EXPECT_EQ(review_shortfall(e, Lang::ja).empty(), why.empty()) << c.what;
  }
}

TEST(ChecklistReview, TheLevelTextStatesThePeriodAndTheFacts) {
  Plant p;
  // Nothing open in 2-3 (no OT host reaches the internet) in the plant above:
  // with the evidence it reaches 5, and its text says on what.
  const auto c = build_checklist(p.input(2, true));
  const auto& r = item(c, "2-3");
  ASSERT_EQ(r.level, 5);
  const std::string en = rule_text(Lang::en, r);
  EXPECT_NE(en.find("live capture covered 100.0% of the period"), std::string::npos) << en;
  EXPECT_NE(en.find("3 of 3 alerts delivered"), std::string::npos) << en;
  const std::string ja = rule_text(Lang::ja, r);
  EXPECT_NE(ja.find("アラート 3 件中 3 件を配信"), std::string::npos) << ja;
  const auto c4 = build_checklist(p.input(2, false));
  const auto& r4 = item(c4, "2-3");
  ASSERT_EQ(r4.level, 4);
  const std::string en4 = rule_text(Lang::en, r4);
  EXPECT_NE(en4.find("30 of 30 snapshots taken in "), std::string::npos) << en4;
  EXPECT_NE(en4.find("12 of 12 diffs delivered"), std::string::npos) << en4;
  EXPECT_NE(en4.find("(daily 07:30)"), std::string::npos) << en4;
  // Two manual snapshots and a moment of capture are level 3 evidence only.
  Plant q;
  ChecklistInput in = q.input(2, false);
  in.review = ReviewEvidence{};
  in.review.facts.to_us = kT0 + 20 * kHour;
  in.review.facts.from_us = in.review.facts.to_us - 30 * 24 * kHour;
  in.review.facts.monitored_us = 200'000;
  const auto c3 = build_checklist(in);
  EXPECT_EQ(item(c3, "2-3").level, 3);
  EXPECT_EQ(item(c3, "3-7").rule, "3-7.live");
}

TEST(Checklist, SupportingItems) {
  Plant p;
  const auto c = build_checklist(p.input());
  const auto& n = item(c, "2-12");
  EXPECT_EQ(n.stats.count, 1U);  // only the Pi was first seen after new_since
  EXPECT_TRUE(has_ref(n, "new_device", p.id(p.pi)));
  EXPECT_EQ(n.level, 2);
  const auto& v = item(c, "3-2");
  EXPECT_EQ(v.level, 2);
  EXPECT_TRUE(has_ref(v, "eos", p.id(p.hmi)));
  EXPECT_TRUE(has_ref(v, "version", p.id(p.plc)));
  const auto& s = item(c, "3-3");
  EXPECT_EQ(s.level, 2);
  EXPECT_TRUE(has_ref(s, "service", p.id(p.hmi)));
  const auto& a = item(c, "4-5");
  EXPECT_FALSE(a.level);
  EXPECT_EQ(a.counts.front().second, 1U);
}

TEST(Checklist, JsonCarriesSchemaItemsLedgerAndTopology) {
  Plant p;
  const auto in = p.input();
  const auto j = checklist_json(build_checklist(in), in, Lang::en);
  EXPECT_EQ(j["schema"], "mieruka.checklist/1");
  EXPECT_EQ(j["items"].size(), 12U);
  EXPECT_EQ(j["items"][1]["id"], "2-6");
  EXPECT_EQ(j["items"][1]["level"], 3);
  EXPECT_TRUE(j["items"][2]["text"]["ja"].get<std::string>().find("無線") != std::string::npos);
  EXPECT_EQ(j["assets"].size(), p.led.assets().size());
  EXPECT_TRUE(j["topology"].contains("nodes"));
  EXPECT_TRUE(j["items"][0]["level"].is_number() || j["items"][0]["level"].is_null());
}

// --- escaping ------------------------------------------------------------------------

TEST(ChecklistEscaping, HostileNameIsInertInEveryFormat) {
  Plant p;
  const std::string hostile = "<script>alert(1)</script>\"'&=cmd|' /C calc'!A0\xff\xfe";
  p.led.add_fact(p.pi, "name", hostile, "nbns", kT0 + 10 * kHour);
  p.led.add_fact(p.pi, "os", "=cmd|' /C calc'!A0 Windows XP", "smb", kT0 + 10 * kHour);
  const auto in = p.input();
  const auto c = build_checklist(in);

  const std::string js = checklist_json(c, in, Lang::ja).dump();
  EXPECT_EQ(sanitize_utf8(js), js);
  EXPECT_NE(js.find("\xEF\xBF\xBD"), std::string::npos) << "invalid bytes replaced with U+FFFD";

  const std::string csv = checklist_csv(c, in, Lang::ja);
  EXPECT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0U) << "BOM";
  EXPECT_EQ(sanitize_utf8(csv), csv);
  EXPECT_EQ(csv.find(",=cmd"), std::string::npos);
  EXPECT_EQ(csv.find(",\"=cmd"), std::string::npos);
  EXPECT_EQ(csv.find("\n=cmd"), std::string::npos);
  EXPECT_NE(csv.find("=cmd"), std::string::npos) << "the payload is kept as text inside a cell";
  // No cell starts with a formula trigger unless neutralised by an apostrophe.
  for (std::size_t i = 0; i + 1 < csv.size(); ++i) {
    if (csv[i] != ',' && csv[i] != '\n') continue;
    const char n = csv[i + 1];
    EXPECT_TRUE(n != '=' && n != '+' && n != '-' && n != '@') << csv.substr(i, 40);
  }

  std::string svg;
  if (svg_available()) {
    std::string error;
    auto r = render_svg(topology_dot(c.topology), error);
    ASSERT_TRUE(r) << error;
    svg = *r;
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_FALSE(inline_svg(svg).empty()) << "Graphviz output is inlined";
  }
  const std::string html = checklist_html(c, in, Lang::ja, svg);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(sanitize_utf8(html), html);
  for (const char* id : {"id=\"summary\"", "id=\"items\"", "id=\"findings\"", "id=\"ledger\"", "id=\"topology\""})
    EXPECT_NE(html.find(id), std::string::npos) << id;
  if (svg_available()) {
    EXPECT_NE(html.find("<svg"), std::string::npos);
  }
  EXPECT_NE(checklist_html(c, in, Lang::en, svg).find("Checklist items and evidence"), std::string::npos);
  // The ledger names each class in the report's language, the code as the tooltip.
  for (const auto& a : in.ledger->assets()) {
    const std::string cls = asset_json(*in.ledger, a)["class"].get<std::string>();
    EXPECT_NE(html.find("<td title=\"" + cls + "\">" + std::string(msg(Lang::ja, "class." + cls)) + "</td>"),
              std::string::npos) << cls;
  }
}

// The printable report: the opening (levels, top findings, changes, zones)
// comes before the appendix; every item's title and level are in the opening;
// long evidence groups are cut with a count; devices link to the console.
TEST(ChecklistHtml, OpeningThenAppendixGroupedAndLinked) {
  Plant p;
  for (int k = 0; k < static_cast<int>(kHtmlGroupLines) + 7; ++k)
    p.host(fmt::format("00:80:f4:00:10:{:02x}", k), fmt::format("10.10.1.{}", 100 + k), kT0);
  FindingsPolicy fp;
  fp.approved = &*p.approved;
  fp.wireless = &*p.wireless;
  fp.zones = &p.zones;
  p.findings = compute_findings(p.led, fp);
  auto in = p.input();
  in.asset_link = "/#/asset/";
  ChecklistInput::Changes ch;
  ch.basis = "snapshot base";
  ch.new_assets = 12;
  ch.new_devices = {{p.led.assets()[p.pi].id, "pi"}};
  in.changes = ch;
  const auto c = build_checklist(in);
  const std::string html = checklist_html(c, in, Lang::ja, "", "");
  const std::size_t appendix = html.find("id=\"appendix\"");
  ASSERT_NE(appendix, std::string::npos);
  const std::string opening = html.substr(0, appendix);
  for (const auto& r : c.items) {
    EXPECT_NE(opening.find(html_escape(msg(Lang::ja, "item." + r.id))), std::string::npos) << r.id;
    EXPECT_NE(opening.find(html_escape(msg(Lang::ja, r.level ? "level." + std::to_string(*r.level) : std::string("level.none")))), std::string::npos) << r.id;
    EXPECT_NE(html.find("id=\"item-" + r.id + "\"", appendix), std::string::npos) << r.id;
    for (const auto& [k, v] : r.counts) EXPECT_TRUE(has_msg("count." + k)) << "a label for the count " << k;
  }
  for (const char* id : {"id=\"levels\"", "id=\"top-findings\"", "id=\"changes\"", "id=\"zones\""})
    EXPECT_NE(opening.find(id), std::string::npos) << id;
  EXPECT_NE(opening.find("スナップショット base"), std::string::npos);  // the baseline in the report's language
  EXPECT_EQ(html.find("snapshot base"), std::string::npos);
  EXPECT_NE(opening.find("href=\"/#/asset/" + p.led.assets()[p.pi].id + "\""), std::string::npos);
  // Without a zone diagram, the zones as a table.
  EXPECT_NE(opening.find(">cell-1<"), std::string::npos);
  // At most kHtmlTopFindings ranked findings, no more than two of a type.
  const std::size_t tf = opening.find("id=\"top-findings\""), tf_end = opening.find("</section>", tf);
  std::size_t rows = 0;
  for (std::size_t q = opening.find("<td class=\"num\">", tf); q < tf_end; q = opening.find("<td class=\"num\">", q + 1)) ++rows;
  EXPECT_GE(rows, 1U);
  EXPECT_LE(rows, kHtmlTopFindings);
  // 2-6's unapproved devices: one group, counted, cut after kHtmlGroupLines lines.
  const std::size_t more = html.find("ほか ", appendix);
  EXPECT_NE(more, std::string::npos) << "a long group ends with a count of the rest";
  EXPECT_NE(html.find("@page{size:A4"), std::string::npos);
  EXPECT_NE(html.find(".appendix{break-before:page}"), std::string::npos);
  // Evidence lines link to their devices.
  EXPECT_NE(html.find("<td><a href=\"/#/asset/", appendix), std::string::npos);
  // Without asset_link, no links at all.
  in.asset_link.clear();
  EXPECT_EQ(checklist_html(c, in, Lang::en, "", "").find("href=\"/#/asset/"), std::string::npos);
  // No baseline: the changes section says how to record one.
  in.changes.reset();
  EXPECT_NE(checklist_html(c, in, Lang::en, "", "").find("mieruka snapshot"), std::string::npos);
}

// --- a fleet: several sensors' review evidence, the weakest deciding ------------

// A message's {sensor} filled in, as the report fills it.
std::string fill_for_test(std::string_view text, std::string_view sensor) {
  std::string t(text);
  if (const auto at = t.find("{sensor}"); at != std::string::npos) t.replace(at, 8, sensor);
  return t;
}

ChecklistInput::SensorReview sensor_review(const char* name, ReviewEvidence e, std::size_t snapshots,
                                           std::int64_t last_snapshot_us) {
  ChecklistInput::SensorReview sr;
  sr.sensor = name;
  sr.review = std::move(e);
  sr.snapshots = snapshots;
  sr.last_snapshot_us = last_snapshot_us;
  sr.time_zone = "Asia/Tokyo";
  return sr;
}

TEST(ChecklistFleet, TheWeakestSensorDecidesLevelsFourAndFive) {
  Plant p;
  // Both sensors reviewed and monitored: the fleet reaches 5 where one sensor does.
  ChecklistInput both = p.input(2, true);
  both.fleet = {sensor_review("line2", Plant::review(true, true), 3, kT0 + kHour),
                sensor_review("line1", Plant::review(true, true), 2, kT0 + 2 * kHour)};
  set_fleet_review(both);
  ASSERT_EQ(both.fleet.size(), 2U);
  EXPECT_EQ(both.fleet[0].sensor, "line1");  // in name order
  EXPECT_EQ(both.weakest, "line1");          // equals: the first
  EXPECT_EQ(both.snapshots, 5U);
  EXPECT_EQ(both.last_snapshot_us, kT0 + 2 * kHour);
  EXPECT_EQ(item(build_checklist(both), "2-3").level, 5);

  // line2 has no schedule: the fleet stops at 3 where line1 alone reaches 5,
  // and the rule's figures are line2's.
  ChecklistInput in = p.input(2, true);
  in.fleet = {sensor_review("line1", Plant::review(true, true), 2, kT0),
              sensor_review("line2", Plant::review(false, true), 0, 0)};
  set_fleet_review(in);
  EXPECT_EQ(in.weakest, "line2");
  EXPECT_TRUE(in.review.schedule.empty());
  const auto c = build_checklist(in);
  EXPECT_EQ(item(c, "2-3").level, 3);
  EXPECT_EQ(item(c, "3-7").rule, "3-7.live");
  // 3-7 states each sensor's capture, named, and no unnamed line.
  EXPECT_TRUE(has_ref(item(c, "3-7"), "detection", "line1"));
  EXPECT_TRUE(has_ref(item(c, "3-7"), "detection", "line2"));
  EXPECT_FALSE(has_ref(item(c, "3-7"), "detection", ""));

  // Live capture is every sensor's too: line1 reviewed without live capture,
  // line2 live without a schedule. The weakest is line2 (periodic weighs
  // more), yet the fleet has no live capture over its whole extent: 3-7 is 2.
  ChecklistInput mixed = p.input(2, true);
  mixed.fleet = {sensor_review("line1", Plant::review(true, false), 2, kT0),
                 sensor_review("line2", Plant::review(false, true), 0, 0)};
  set_fleet_review(mixed);
  EXPECT_EQ(mixed.weakest, "line2");
  EXPECT_EQ(item(build_checklist(mixed), "3-7").rule, "3-7.offline");
}

TEST(ChecklistFleet, EachFormatStatesEverySensorsEvidenceAndTheZone) {
  Plant p;
  ChecklistInput in = p.input(2, true);
  in.sensor_name = "line1, line2";
  in.time_zone = "Asia/Tokyo";
  in.time_zone_from_config = true;
  in.fleet = {sensor_review("line1", Plant::review(true, true), 2, kT0),
              sensor_review("line2", Plant::review(false, true), 0, 0)};
  in.fleet[1].time_zone = "Europe/Berlin";
  set_fleet_review(in);
  const auto c = build_checklist(in);

  const auto j = checklist_json(c, in, Lang::en);
  EXPECT_EQ(j["sensor_name"], "line1, line2");
  EXPECT_EQ(j["review"]["sensor"], "line2");
  EXPECT_EQ(j["review"]["periodic"], false);
  ASSERT_EQ(j["fleet"]["sensors"].size(), 2U);
  EXPECT_EQ(j["fleet"]["sensors"][0]["name"], "line1");
  EXPECT_EQ(j["fleet"]["sensors"][0]["review"]["continuous"], true);
  EXPECT_EQ(j["fleet"]["sensors"][1]["name"], "line2");
  EXPECT_EQ(j["fleet"]["sensors"][1]["time_zone"], "Europe/Berlin");
  EXPECT_EQ(j["fleet"]["sensors"][1]["review"]["shortfall"], review_shortfall(in.fleet[1].review, Lang::en));
  EXPECT_EQ(j["fleet"]["weakest"], "line2");
  EXPECT_EQ(j["fleet"]["time_zone_basis"], "config");
  EXPECT_EQ(j["db"]["snapshots"], 2);

  const std::string csv = checklist_csv(c, in, Lang::en);
  EXPECT_NE(csv.find(",,,sensor_review,line1,"), std::string::npos);
  EXPECT_NE(csv.find(",,,sensor_review,line2,"), std::string::npos);
  EXPECT_NE(csv.find(",,,weakest_sensor,line2,"), std::string::npos);
  EXPECT_NE(csv.find("the sensors' time zones differ"), std::string::npos);

  for (Lang lang : {Lang::en, Lang::ja}) {
    const std::string html = checklist_html(c, in, lang, "", "");
    const std::size_t at = html.find("id=\"fleet-review\""), end = html.find("</div>", at);
    ASSERT_NE(at, std::string::npos);
    const std::string part = html.substr(at, end - at);
    EXPECT_NE(part.find("<td>line1</td>"), std::string::npos);
    EXPECT_NE(part.find("<td>line2</td>"), std::string::npos);
    EXPECT_NE(part.find(html_escape(fill_for_test(msg(lang, "fleet.weakest"), "line2"))), std::string::npos);
    // No common snapshot: the changes section says what new means instead.
    EXPECT_NE(html.find(html_escape(std::string(msg(lang, "fleet.no_baseline")).substr(0, 21))), std::string::npos);
    if (lang == Lang::ja) {
      // No English sentence in what the fleet's report adds, data aside.
      const std::vector<std::string> data = {"line1", "line2", "daily 07:30", "Asia/Tokyo", "timezone"};
      const auto text = [](const std::string& h) { return std::regex_replace(h, std::regex("<[^>]*>"), " "); };
      EXPECT_EQ(test::english_run(text(part), data), "") << part;
      const std::string zone = html.substr(html.find(html_escape(msg(lang, "fleet.time_zone"))), 400);
      EXPECT_EQ(test::english_run(text(zone.substr(0, zone.find("</tr>"))), data), "");
      const std::string jcsv = checklist_csv(c, in, lang);
      for (std::size_t q = jcsv.find(",,,"); q != std::string::npos; q = jcsv.find(",,,", q + 1))
        EXPECT_EQ(test::english_run(jcsv.substr(q, jcsv.find("\r\n", q) - q), data), "");
    }
  }

  // One sensor's report is as it was: no fleet key, no named review.
  ChecklistInput one = p.input(2, true);
  const auto oj = checklist_json(build_checklist(one), one, Lang::en);
  EXPECT_FALSE(oj.contains("fleet"));
  EXPECT_FALSE(oj["review"].contains("sensor"));
  EXPECT_EQ(checklist_html(build_checklist(one), one, Lang::en, "", "").find("fleet-review"), std::string::npos);
}

TEST(ChecklistHtml, ZoneDiagramEscapesAndAggregates) {
  Topology t;
  t.clusters.push_back({"zone:a\"]; x [label=\"", "a\"]; x [label=\"", "zone", 1, {"n1", "n2"}});
  t.clusters.push_back({"zone:b", "b", "zone", 3, {"n3"}});
  for (const char* n : {"n1", "n2"}) t.nodes.push_back(TopoNode{n, n, "", "", "", "", "", {}, "", "", "zone:a\"]; x [label=\"", {}, false, {}});
  t.nodes.push_back(TopoNode{"n3", "n3", "", "", "", "", "", {}, "", "", "zone:b", {}, false, {}});
  t.edges.push_back({"n1", "n3", "modbus", {502}, 1, 1});
  t.edges.push_back({"n2", "n3", "modbus", {502}, 1, 1});
  t.edges.push_back({"n1", "n2", "s7comm", {102}, 1, 1});  // inside a zone: not drawn
  const std::string d = checklist_zone_dot(t, Lang::en);
  EXPECT_NE(d.find("modbus ×2"), std::string::npos) << d;
  EXPECT_EQ(d.find("s7comm"), std::string::npos) << d;
  EXPECT_EQ(d.find("a\"]"), std::string::npos) << "quotes escaped: " << d;
  EXPECT_NE(d.find("2 devices (L1)"), std::string::npos) << d;
  EXPECT_NE(checklist_zone_dot(t, Lang::ja).find("2 台 (L1)"), std::string::npos);
  for (int k = 0; k < static_cast<int>(kHtmlMaxDiagramZones); ++k)
    t.clusters.push_back({"zone:z" + std::to_string(k), "z", "zone", 2, {}});
  EXPECT_EQ(checklist_zone_dot(t, Lang::en), "") << "too many zones: a table instead";
  EXPECT_NE(checklist_zone_dot(t, Lang::en, t.clusters.size()), "") << "any number when asked for";
  if (svg_available()) {
    std::string error;
    const auto svg = render_svg(d, error);
    ASSERT_TRUE(svg) << error;
    EXPECT_FALSE(inline_svg(*svg).empty());
  }
}

// A plant of 24 zones on three levels (1, 2 and 4) talking across them.
Topology zones_on_three_levels() {
  Topology t;
  t.grouping = "zones";
  for (int z = 0; z < 24; ++z) {
    const std::string id = "zone:z" + std::to_string(z), node = "n" + std::to_string(z);
    t.clusters.push_back({id, "z" + std::to_string(z), "zone", z < 22 ? 1 + z % 2 : 4, {node}});
    t.nodes.push_back(TopoNode{node, node, "", "", "", "", "", {}, "", "", id, {}, false, {}});
  }
  for (int a = 0; a < 24; ++a)
    for (int b = 0; b < 24; ++b)
      if (a != b && (a + b) % 5 != 0)
        t.edges.push_back({"n" + std::to_string(a), "n" + std::to_string(b), (a + b) % 2 ? "dns" : "smb", {53}, 1, 1});
  return t;
}

// The edges between zones of one level are flat in Graphviz's ranks and
// labelled outside the edge (a labelled flat edge among many corrupts Graphviz
// 2.42's heap).
TEST(ChecklistHtml, ZoneDiagramOfManyZonesOnOneLevel) {
  const Topology t = zones_on_three_levels();
  const std::string d = checklist_zone_dot(t, Lang::en, t.clusters.size());
  EXPECT_NE(d.find("\"zone:z0\" -> \"zone:z2\" [xlabel="), std::string::npos) << "same level: flat";
  EXPECT_NE(d.find("\"zone:z0\" -> \"zone:z1\" [label="), std::string::npos) << "levels 1 and 2";
  if (svg_available()) {
    std::string error;
    const auto svg = render_svg(d, error);
    ASSERT_TRUE(svg) << error;
    EXPECT_NE(svg->find("z23"), std::string::npos);
  }
}

// The same diagram with its flat edges labelled on the edge: Graphviz 2.42
// frees a block twice laying it out and aborts. The layout runs in a child
// process, so the picture fails with one line and this process goes on: the
// next picture renders.
TEST(ChecklistHtml, AGraphvizCrashFailsThePictureOnly) {
  if (!svg_available()) GTEST_SKIP() << "built without Graphviz";
  const Topology t = zones_on_three_levels();
  std::string d = checklist_zone_dot(t, Lang::en, t.clusters.size());
  for (std::size_t at = d.find("[xlabel="); at != std::string::npos; at = d.find("[xlabel=", at))
    d.replace(at, 8, "[label=");
  std::string error;
  const auto crashed = render_svg(d, error);
  ASSERT_FALSE(crashed.has_value());
  EXPECT_NE(error.find("graphviz: the layout crashed on this picture (signal"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  error.clear();
  const auto next = render_svg("digraph { after -> crash }", error);
  ASSERT_TRUE(next.has_value()) << error;
  EXPECT_NE(next->find("after"), std::string::npos);
}

TEST(ChecklistEscaping, HtmlEscapeAndSvgGate) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>\x01"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(inline_svg("<?xml version=\"1.0\"?>\n<!-- c --><svg><g><text>ok onload=1</text></g></svg>"),
            "<svg><g><text>ok onload=1</text></g></svg>");
  EXPECT_EQ(inline_svg("<svg><script>alert(1)</script></svg>"), "");
  EXPECT_EQ(inline_svg("<svg onload=\"alert(1)\"></svg>"), "");
  EXPECT_EQ(inline_svg("<svg><a href=\"javascript:alert(1)\"></a></svg>"), "");
  EXPECT_EQ(inline_svg("<svg><foreignObject></foreignObject></svg>"), "");
  EXPECT_EQ(inline_svg("no svg here"), "");
}

// Vulnerable findings (advisories matched to the ledger) with the plant's states.
Finding vulnerable_finding(const Plant& p, AssetIndex a, const std::string& advisory, const std::string& confidence,
                           const std::string& state) {
  Finding f;
  f.type = "vulnerable";
  f.asset = p.id(a);
  f.id = finding_id("vulnerable", f.asset, advisory);
  f.item = "3-2";
  f.severity = "high";
  f.vuln.advisory = advisory;
  f.vuln.title = "Title of " + advisory;
  f.vuln.cves = {"CVE-2099-0001"};
  f.vuln.cvss = 9.8;
  f.vuln.confidence = confidence;
  f.vuln.state = state;
  f.acknowledged = state == "remediated" || state == "not_affected";
  return f;
}

TEST(Checklist, AdvisoryMatchesAndStatesIn32With28And43) {
  Plant p;
  p.findings.push_back(vulnerable_finding(p, p.plc, "ICSA-99-001-01", "confirmed", "open"));
  p.findings.push_back(vulnerable_finding(p, p.plc, "ICSA-99-002-01", "possible", "compensated"));
  p.findings.push_back(vulnerable_finding(p, p.hmi, "ICSA-99-001-01", "confirmed", "remediated"));
  auto in = p.input();
  in.advisories = 7;
  const auto c = build_checklist(in);
  const auto& r = item(c, "3-2");
  auto count = [&](const ItemReport& x, const std::string& k) -> std::uint64_t {
    for (const auto& [key, v] : x.counts)
      if (key == k) return v;
    ADD_FAILURE() << k;
    return 0;
  };
  EXPECT_EQ(count(r, "advisory_matches"), 3U);
  EXPECT_EQ(count(r, "advisory_open"), 1U);
  EXPECT_EQ(count(r, "advisory_compensated"), 1U);
  EXPECT_EQ(count(r, "advisory_remediated"), 1U);
  EXPECT_EQ(r.rule, "3-2.unremediated");
  EXPECT_EQ(r.level, 2);
  EXPECT_TRUE(has_ref(r, "advisory", p.findings[p.findings.size() - 2].id));
  // The open ones are the item's findings; the remediated one is kept as evidence.
  EXPECT_EQ(std::count_if(r.findings.begin(), r.findings.end(), [](const Finding& f) { return f.type == "vulnerable"; }),
            2);
  EXPECT_TRUE(has_ref(r, "advisory", p.findings.back().id));
  const std::string ja = rule_text(Lang::ja, r);
  EXPECT_NE(ja.find("代替策 1 件"), std::string::npos) << ja;
  for (const char* id : {"2-8", "4-3"}) {
    const auto& x = item(c, id);
    EXPECT_FALSE(x.level.has_value()) << id;
    EXPECT_EQ(x.rule, std::string(id) + ".matches");
    EXPECT_EQ(count(x, "advisories_imported"), 7U);
    EXPECT_EQ(count(x, "assets_matched"), 2U);
    EXPECT_EQ(count(x, "matches_confirmed"), 2U);
    EXPECT_EQ(count(x, "matches_possible"), 1U);
    EXPECT_EQ(std::count_if(x.evidence.begin(), x.evidence.end(), [](const EvidenceLine& e) { return e.kind == "advisory"; }),
              3);
  }
  // Once every match is remediated or compensated, the rule falls back to the versions.
  for (auto& f : p.findings)
    if (f.type == "vulnerable" && f.vuln.state == "open") f.vuln.state = "in_progress";
  EXPECT_EQ(item(build_checklist(in), "3-2").rule, "3-2.unremediated");
  for (auto& f : p.findings)
    if (f.type == "vulnerable" && f.vuln.state == "in_progress") f.vuln.state = "compensated";
  EXPECT_NE(item(build_checklist(in), "3-2").rule, "3-2.unremediated");
  // Without imported advisories 2-8 and 4-3 say so.
  in.advisories = 0;
  EXPECT_EQ(item(build_checklist(in), "2-8").rule, "2-8.no_advisories");
}

}  // namespace
}  // namespace mieruka::inventory
