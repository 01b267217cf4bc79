// Delivery rendering: base64 (RFC 4648 §10 vectors), RFC 2047 subject encoding
// and folding, the MIME layout, RFC 5424 SD-PARAM escaping and frames, CEF
// escaping, HMAC-SHA256 (RFC 4231 case 2), stable ids, alert aggregation and
// the [alerts]/[[channel]] config errors.
#include "sensor/delivery/delivery.hpp"
#include "inventory/policy/evidence.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mieruka::sensor::delivery {
namespace {

std::string unbase64(std::string_view s) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0, val = 0;
  for (char c : s) {
    const auto p = kAlphabet.find(c);
    if (p == std::string::npos) continue;  // '=', CRLF
    val = (val << 6) | static_cast<int>(p);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((val >> bits) & 0xff);
    }
  }
  return out;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto p = s.find("\r\n"); p != std::string::npos; p = s.find("\r\n", start)) {
    out.push_back(s.substr(start, p - start));
    start = p + 2;
  }
  out.push_back(s.substr(start));
  return out;
}

// Decodes a Subject header made of =?UTF-8?B?...?= words.
std::string decode_subject(const std::string& header) {
  std::string out;
  for (auto p = header.find("=?UTF-8?B?"); p != std::string::npos; p = header.find("=?UTF-8?B?", p + 1)) {
    const auto end = header.find("?=", p + 10);
    out += unbase64(header.substr(p + 10, end - p - 10));
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\xff\xfe\x00", 3)), "//4A");
}

TEST(Base64, LinesOf76JoinedByCrlf) {
  const std::string data(200, 'x');
  const std::string enc = base64(data, 76);
  const auto ls = lines(enc);
  ASSERT_EQ(ls.size(), 4u);  // 268 characters
  EXPECT_EQ(ls[0].size(), 76u);
  EXPECT_EQ(ls[3].size(), 268u - 3 * 76);
  EXPECT_EQ(unbase64(enc), data);
}

TEST(Subject, ShortAsciiIsOneWord) {
  EXPECT_EQ(subject_header("Hi"), "Subject: =?UTF-8?B?SGk=?=");
  EXPECT_EQ(subject_header(""), "Subject: ");
}

TEST(Subject, LongJapaneseFoldsAt76WithoutSplittingCharacters) {
  std::string s = "[Mieruka] 第一工場ライン1: ";
  for (int i = 0; i < 20; ++i) s += "ネットワークの変化 新規" + std::to_string(i) + " ";
  const std::string h = subject_header(s);
  const auto ls = lines(h);
  ASSERT_GT(ls.size(), 3u);
  for (std::size_t i = 0; i < ls.size(); ++i) {
    EXPECT_LE(ls[i].size(), 76u) << ls[i];
    if (i > 0) {
      EXPECT_EQ(ls[i].substr(0, 11), " =?UTF-8?B?");
    }
    // Each word decodes to whole characters on its own (RFC 2047 §5 (3)).
    EXPECT_TRUE(valid_utf8(decode_subject(ls[i]))) << i;
  }
  EXPECT_EQ(decode_subject(h), s);
}

TEST(Subject, EveryLengthRoundTrips) {
  std::string s;
  for (int n = 0; n < 120; ++n) {
    s += (n % 3 == 0) ? "あ" : (n % 3 == 1) ? "b" : "😀";
    const std::string h = subject_header(s);
    for (const auto& l : lines(h)) EXPECT_LE(l.size(), 76u);
    EXPECT_EQ(decode_subject(h), s);
  }
}

TEST(Date, Rfc5322AndRfc3339) {
  // 2026-11-26T01:22:15.000123Z, a Thursday.
  const std::int64_t us = 1795656135LL * 1000000 + 123;
  EXPECT_EQ(rfc5322_date(us), "Thu, 26 Nov 2026 01:22:15 +0000");
  EXPECT_EQ(rfc3339_us(us), "2026-11-26T01:22:15.000123Z");
  EXPECT_EQ(rfc3339_us(0), "1970-01-01T00:00:00.000000Z");
}

TEST(Hmac, Rfc4231TestCase2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(MessageId, StableAndDistinct) {
  const auto a = message_id({"s", "diff", "a\x1f" "b", "mail"});
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, message_id({"s", "diff", "a\x1f" "b", "mail"}));
  EXPECT_NE(a, message_id({"s", "diff", "a\x1f" "b", "hook"}));
  EXPECT_NE(message_id({"ab", "c"}), message_id({"a", "bc"}));
}

TEST(SdEscape, QuoteBackslashBracketAndControls) {
  EXPECT_EQ(sd_escape("plain 名前"), "plain 名前");
  EXPECT_EQ(sd_escape(R"(a"b\c]d)"), R"(a\"b\\c\]d)");
  EXPECT_EQ(sd_escape("line\nbreak\x01"), "line\\x0Abreak\\x01");
  EXPECT_EQ(sd_escape("[x=y]"), "[x=y\\]");
  EXPECT_TRUE(valid_utf8(sd_escape("\xff\xfe")));
}

TEST(Cef, Escapes) {
  EXPECT_EQ(cef_escape_value("a=b\\c\nd"), "a\\=b\\\\c\\nd");
  EXPECT_EQ(cef_escape_header("a|b\\c"), "a\\|b\\\\c");
}

Change sample_change() {
  Change c;
  c.kind = "changed_asset";
  c.asset = "a1";
  c.mac = "00:1b:1b:02:9a:c3";
  c.ip = "10.0.0.5";
  c.field = "name";
  c.old_value = "PLC \"1\"";
  c.new_value = "PLC]2";
  c.text = "changed a1 name";
  return c;
}

TEST(Syslog, Rfc5424FrameExact) {
  const std::int64_t us = 1795656135LL * 1000000;
  EXPECT_EQ(syslog_5424(sample_change(), "id-1", "line1 span", "local0", us),
            "<133>1 2026-11-26T01:22:15.000000Z line1_span mieruka - changed_asset [mieruka@32473 id=\"id-1\" "
            "change=\"changed_asset\" asset=\"a1\" mac=\"00:1b:1b:02:9a:c3\" ip=\"10.0.0.5\" field=\"name\" "
            "old=\"PLC \\\"1\\\"\" new=\"PLC\\]2\"] \xEF\xBB\xBF"
            "changed a1 name");
  Change v = sample_change();
  v.kind = "vanished_asset";
  EXPECT_EQ(syslog_5424(v, "x", "", "daemon", us).substr(0, 6), "<28>1 ");  // daemon(3)*8 + warning(4)
  EXPECT_NE(syslog_5424(v, "x", "", "daemon", us).find(" - mieruka - "), std::string::npos);  // empty host: NILVALUE
}

TEST(Syslog, CefInsideRfc5424) {
  const std::string f = syslog_cef(sample_change(), "id-1", "s", "local0", 1000000);
  EXPECT_EQ(f.rfind("<133>1 1970-01-01T00:00:01.000000Z s mieruka - changed_asset - CEF:0|Mieruka|mieruka|", 0), 0u);
  EXPECT_NE(f.find("|changed_asset|changed a1 name|3|rt=1000 dvchost=s externalId=id-1 smac=00:1b:1b:02:9a:c3 "
                   "src=10.0.0.5 cs1Label=asset cs1=a1 cs2Label=field cs2=name cs3Label=old cs3=PLC \"1\" "
                   "cs4Label=new cs4=PLC]2"),
            std::string::npos)
      << f;
}

TEST(Mime, LayoutHeadersAndParts) {
  Mail m;
  m.from = "mieruka@plant.example";
  m.to = {"it@plant.example", "ot@plant.example"};
  m.subject = "変化あり";
  m.text = "一行目\n二行目\n";
  m.html = "<p>x</p>";
  m.attachment = "change,asset\r\nnew_asset,a1\r\n";
  m.attachment_name = "mieruka-diff.csv";
  m.id = "0123456789abcdef0123456789abcdef";
  m.date_us = 1795656135LL * 1000000;
  const std::string msg = build_mime(m);
  const auto ls = lines(msg);
  EXPECT_EQ(ls[0], "From: mieruka@plant.example");
  EXPECT_EQ(ls[1], "To: it@plant.example, ot@plant.example");
  EXPECT_EQ(ls[2], "Subject: " + std::string("=?UTF-8?B?") + base64("変化あり") + "?=");
  EXPECT_EQ(ls[3], "Date: Thu, 26 Nov 2026 01:22:15 +0000");
  EXPECT_EQ(ls[4], "Message-ID: <0123456789abcdef0123456789abcdef@mieruka>");
  EXPECT_EQ(ls[5], "X-Mieruka-Id: 0123456789abcdef0123456789abcdef");
  EXPECT_EQ(ls[6], "MIME-Version: 1.0");
  EXPECT_EQ(ls[7], "Content-Type: multipart/mixed; boundary=\"=_mieruka_mixed_" + m.id + "\"");
  for (const auto& l : ls) {
    EXPECT_LE(l.size(), 998u);
    for (char c : l) EXPECT_TRUE(static_cast<unsigned char>(c) < 0x80) << l;  // 7-bit on the wire
  }
  EXPECT_NE(msg.find(base64("一行目\r\n二行目\r\n", 76)), std::string::npos);  // canonical CRLF text
  EXPECT_NE(msg.find(base64(m.attachment, 76)), std::string::npos);
  EXPECT_NE(msg.find("Content-Disposition: attachment; filename=\"mieruka-diff.csv\""), std::string::npos);
  EXPECT_EQ(msg.substr(msg.size() - 2), "\r\n");
  EXPECT_NE(msg.find("--=_mieruka_alt_" + m.id + "--\r\n--=_mieruka_mixed_" + m.id + "\r\n"), std::string::npos);
}

inventory::Finding finding(std::string id, std::string type) {
  inventory::Finding f;
  f.id = std::move(id);
  f.type = std::move(type);
  f.asset = "asset-" + f.id;
  f.severity = "medium";
  f.evidence = "seen";
  return f;
}

TEST(Alerts, FirstObservationPrimesThenNewOnesAggregatePerWindow) {
  AlertsConfig cfg;
  cfg.immediate = {"unapproved"};
  cfg.aggregate_s = 60;
  AlertAggregator agg(cfg);
  constexpr std::int64_t kS = 1000000;
  agg.observe({finding("old", "unapproved")}, 0);
  EXPECT_TRUE(agg.take_due(1000 * kS).empty());  // open at start: not alerted
  agg.observe({finding("old", "unapproved"), finding("n1", "unapproved"), finding("c1", "control")}, 10 * kS);
  agg.observe({finding("n1", "unapproved"), finding("n2", "unapproved")}, 30 * kS);
  EXPECT_TRUE(agg.take_due(69 * kS).empty());
  const auto due = agg.take_due(70 * kS);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].id, "n1");
  EXPECT_EQ(due[1].id, "n2");
  EXPECT_TRUE(agg.take_due(1000 * kS).empty());
  agg.observe({finding("n1", "unapproved")}, 2000 * kS);  // seen before: never again
  EXPECT_TRUE(agg.take_due(3000 * kS).empty());
}

TEST(Alerts, AFloodIsOneMessageWithACappedList) {
  std::vector<inventory::Finding> flood;
  for (int i = 0; i < 4371; ++i) flood.push_back(finding("f" + std::to_string(i), "unapproved"));
  const Bundle en = alert_bundle(flood, "s", "en", 50, 1);
  EXPECT_EQ(en.changes.size(), 50u);
  EXPECT_NE(en.text.find("and 4321 more"), std::string::npos);
  EXPECT_EQ(en.json["count"], 4371);
  EXPECT_EQ(en.json["more"], 4321);
  EXPECT_EQ(en.json["findings"].size(), 50u);
  const Bundle ja = alert_bundle(flood, "s", "ja", 50, 1);
  EXPECT_NE(ja.text.find("ほか 4321 件"), std::string::npos);
  EXPECT_EQ(ja.subject, "[Mieruka] s: 要確認 4371件");
  // The same findings in another order are the same alert (same id).
  std::vector<inventory::Finding> rev(flood.rbegin(), flood.rend());
  ChannelConfig ch;
  ch.name = "hook";
  ch.type = "webhook";
  EXPECT_EQ(render(en, ch, "s").id, render(alert_bundle(rev, "s", "en", 50, 99), ch, "s").id);
}

TEST(Alerts, NameTheDeviceByThePlantsName) {
  std::vector<inventory::Finding> two = {finding("a", "control"), finding("b", "unapproved")};
  two[0].plant_name = "成形機PLC 2号";
  const Bundle b = alert_bundle(two, "s", "ja", 50, 1);
  EXPECT_NE(b.text.find(" (成形機PLC 2号): "), std::string::npos) << b.text;
  EXPECT_EQ(b.text.find("成形機"), b.text.rfind("成形機"));  // on its own line only
  ASSERT_EQ(b.changes.size(), 2u);
  EXPECT_NE(b.changes[0].text.find("(成形機PLC 2号)"), std::string::npos);
  EXPECT_EQ(b.json["findings"][0]["plant_name"], "成形機PLC 2号");
  EXPECT_FALSE(b.json["findings"][1].contains("plant_name"));
}

TEST(Alerts, EvidenceTimesInThePlantsZoneDataInUtc) {
  std::vector<inventory::Finding> one = {finding("a", "control")};
  one[0].evidence_kind = "control";
  one[0].set_evidence_values({{"protocol", "s7comm"}, {"operation", "stop"}, {"code", "0x29"}, {"server", "10.0.0.9"},
                              {"count", 2}, {"first", "2026-12-07T05:03:10Z"}, {"last", "2026-12-07T06:00:00Z"}});
  one[0].evidence = inventory::render_evidence("control", one[0].evidence_values(), "en");
  for (const char* lang : {"ja", "en"}) {
    const Bundle b = alert_bundle(one, "s", lang, 50, 1, "Asia/Tokyo");
    EXPECT_NE(b.text.find("2026-12-07 14:03 JST"), std::string::npos) << b.text;
    EXPECT_NE(b.text.find("2026-12-07 15:00 JST"), std::string::npos) << b.text;
    EXPECT_EQ(b.text.find("2026-12-07T05:03:10Z"), std::string::npos) << b.text;
    EXPECT_EQ(b.json["findings"][0]["evidence_values"]["first"], "2026-12-07T05:03:10Z");
  }
  // Without a zone (a caller that names none): as stored.
  EXPECT_NE(alert_bundle(one, "s", "en", 50, 1).text.find("2026-12-07T05:03:10Z"), std::string::npos);
}

TEST(Render, SyslogPayloadIsOneFramePerChangeWithDistinctIds) {
  ChannelConfig ch;
  ch.name = "siem";
  ch.type = "syslog";
  std::vector<inventory::Finding> two = {finding("a", "unapproved"), finding("b", "unapproved")};
  const auto m = render(alert_bundle(two, "s", "en", 50, 1), ch, "s");
  const auto frames = nlohmann::json::parse(m.payload);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_NE(frames[0].get<std::string>().find("id=\"" + m.id + "-1\""), std::string::npos);
  EXPECT_NE(frames[1].get<std::string>().find("id=\"" + m.id + "-2\""), std::string::npos);
}

// --- config ------------------------------------------------------------------------------
std::string config_error(const std::string& body) {
  const auto path = (std::filesystem::path(::testing::TempDir()) / "delivery_cfg.toml").string();
  std::ofstream(path) << body;
  std::string error;
  auto c = load_config(path, error);
  return c ? "" : error.substr(error.find("delivery_cfg.toml"));
}

TEST(Config, GoodChannelsParse) {
  const auto path = (std::filesystem::path(::testing::TempDir()) / "delivery_ok.toml").string();
  std::ofstream(path) << "[alerts]\nlang = \"ja\"\nimmediate = [\"unapproved\", \"control\"]\naggregate_s = 30\n"
                         "[[channel]]\nname = \"m\"\ntype = \"smtp\"\nurl = \"smtps://mail:465\"\n"
                         "from = \"a@b.c\"\nto = [\"x@y.z\"]\n"
                         "send_empty = true\n"
                         "[[channel]]\nname = \"s\"\ntype = \"syslog\"\nurl = \"udp://10.0.0.1:514\"\nformat = \"cef\"\n";
  std::string error;
  auto c = load_config(path, error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->delivery.alerts.lang, "ja");
  EXPECT_EQ(c->delivery.alerts.immediate.size(), 2u);
  EXPECT_EQ(c->delivery.alerts.aggregate_s, 30);
  ASSERT_EQ(c->delivery.channels.size(), 2u);
  EXPECT_EQ(c->delivery.channel("m")->starttls, "required");
  EXPECT_EQ(c->delivery.channel("s")->format, "cef");
  EXPECT_TRUE(c->delivery.channel("m")->send_empty);
  EXPECT_FALSE(c->delivery.channel("s")->send_empty);
}

TEST(Config, BadValuesNameTheLine) {
  EXPECT_EQ(config_error("[alerts]\nlang = \"fr\"\n"), "delivery_cfg.toml:2: `lang` must be one of \"ja\", \"en\"");
  EXPECT_EQ(config_error("[alerts]\nimmediate = [\"nope\"]\n").substr(0, 28), "delivery_cfg.toml:2: `nope` ");
  EXPECT_EQ(config_error("[alerts]\naggregate_s = -1\n").substr(0, 35), "delivery_cfg.toml:2: `aggregate_s` ");
  EXPECT_EQ(config_error("[[channel]]\ntype = \"smtp\"\n").substr(0, 40), "delivery_cfg.toml:1: every [[channel]] n");
  EXPECT_EQ(config_error("[[channel]]\nname = \"x\"\ntype = \"fax\"\n").substr(0, 30), "delivery_cfg.toml:3: `type` mu");
  EXPECT_EQ(config_error("[[channel]]\nname = \"x\"\ntype = \"smtp\"\nurl = \"http://a\"\n").substr(0, 22),
            "delivery_cfg.toml:4: c");
  EXPECT_NE(config_error("[[channel]]\nname = \"x\"\ntype = \"smtp\"\nurl = \"smtp://a\"\nfrom = \"a@b\"\n"
                         "to = [\"bad\"]\n")
                .find(":6: `bad` is not a mail address"),
            std::string::npos);
  EXPECT_NE(config_error("[[channel]]\nname = \"x\"\ntype = \"syslog\"\nurl = \"tcp://a:1\"\n[[channel]]\n"
                         "name = \"x\"\ntype = \"syslog\"\nurl = \"tcp://a:1\"\n")
                .find(":5: channel `x` is defined twice"),
            std::string::npos);
  EXPECT_NE(config_error("[[channel]]\nname = \"w\"\ntype = \"webhook\"\nurl = \"https://a/\"\n"
                         "secret_file = \"/nonexistent/secret\"\n")
                .find(":5: cannot read `/nonexistent/secret`"),
            std::string::npos);
  EXPECT_NE(config_error("[[channel]]\nname = \"x\"\ntype = \"syslog\"\nurl = \"tcp://a:1\"\nsend_empty = \"yes\"\n")
                .find(":5: `send_empty` must be true or false"),
            std::string::npos);
  EXPECT_NE(config_error("channel = 3\n").find(":1: `channel` must be written as [[channel]]"), std::string::npos);
}

}  // namespace
}  // namespace mieruka::sensor::delivery
