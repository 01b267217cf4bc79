// Delivery: rendering, outbox glue, the worker thread and alert aggregation
// (see delivery.hpp). The channels' transports are in delivery_smtp.cpp,
// delivery_webhook.cpp and delivery_syslog.cpp.
//
// Texts: inventory/report/messages.hpp did not exist when this was written, so the
// few localised strings are the kTexts table below (ja, en).
#include "sensor/delivery/delivery.hpp"

#include "inventory/policy/evidence.hpp"

#include <unistd.h>

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>

#include <spdlog/spdlog.h>

#include "inventory/render/export.hpp"
#include "inventory/render/findings_format.hpp"
#include "inventory/text/text_escape.hpp"
#include "inventory/policy/policy.hpp"
#include "sensor/delivery/findings_inputs.hpp"

namespace mieruka::sensor::delivery {
namespace {

using inventory::OutboxMessage;

// Longest encoded-word line: RFC 2047 §2 (75) and the 76-column line limit.
constexpr std::size_t kMaxHeaderLine = 76;
constexpr std::string_view kWordOpen = "=?UTF-8?B?";
constexpr std::string_view kWordClose = "?=";
// The delivery thread's pace: messages per pass, idle wake-up, purge period.
constexpr std::size_t kWorkerBatch = 32;
constexpr auto kWorkerIdle = std::chrono::seconds(1);
constexpr std::int64_t kPurgeEveryUs = 24LL * 3600 * 1000000;
// Immediate alerts read the stored ledger at most this often.
constexpr std::int64_t kMinAlertCheckUs = 10LL * 1000000;
// RFC 5612 documentation enterprise number, as in RFC 5424's examples.
constexpr std::string_view kSdId = "mieruka@32473";

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

std::tm utc(std::int64_t us) {
  std::time_t t = static_cast<std::time_t>(us / 1000000 - (us % 1000000 < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

// "\n" line ends as CRLF (RFC 2046 §4.1.1 canonical text).
std::string crlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

// A JSON value as text: strings as they are, numbers printed, null/missing empty.
std::string text_of(const nlohmann::ordered_json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return {};
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump();
}
std::string first_ip(const nlohmann::ordered_json& asset) {
  if (asset.contains("ips") && asset["ips"].is_array() && !asset["ips"].empty() && asset["ips"][0].is_string())
    return asset["ips"][0].get<std::string>();
  return {};
}

// The payload of a row whose format failed to render: this, then "\x1f" kind
// "\x1f" key. Never a valid MIME message, JSON document or syslog array.
constexpr std::string_view kRenderPending = "mieruka-render-pending";

// Which part of a bundle channel `ch` sends.
std::string part_of(const ChannelConfig& ch) {
  if (ch.type == "smtp") return "mail";
  if (ch.type == "webhook") return "json";
  return "syslog";
}

// Fills one part of `b`; a throw marks only that part broken.
template <typename F>
void render_part(Bundle& b, const char* part, F&& fill) {
  try {
    fill();
  } catch (const std::exception& e) {
    b.broken[part] = e.what();
  }
}

void render_payload(const Bundle& b, const ChannelConfig& ch, const std::string& sensor, OutboxMessage& m);

// --- localised texts -----------------------------------------------------------------
enum class Text { kDiffSubject, kDiffIntro, kAlertSubject, kAlertIntro, kMore, kTestSubject, kTestBody };
struct Localised {
  Text key;
  std::string_view ja, en;
};
// {sensor}, {n}, {v}, {c}, {nl}, {vl} are replaced.
constexpr Localised kTexts[] = {
    {Text::kDiffSubject, "[Mieruka] {sensor}: ネットワークの変化 新規{n} 消失{v} 変更{c} 新規通信{nl} 途絶{vl}",
     "[Mieruka] {sensor}: network changes: {n} new, {v} vanished, {c} changed, {nl} new links, {vl} vanished links"},
    {Text::kDiffIntro, "センサー {sensor} が前回のスナップショット以降に見た工場ネットワークの変化です。差分はCSVで添付しています。",
     "Changes sensor {sensor} saw on the plant network since the previous snapshot. The diff is attached as CSV."},
    {Text::kAlertSubject, "[Mieruka] {sensor}: 要確認 {n}件", "[Mieruka] {sensor}: alert: {n} finding(s)"},
    {Text::kAlertIntro, "センサー {sensor} が確認の必要な事象を検知しました。",
     "Sensor {sensor} saw findings that need attention."},
    {Text::kMore, "ほか {n} 件", "and {n} more"},
    {Text::kTestSubject, "[Mieruka] {sensor}: テストメッセージ", "[Mieruka] {sensor}: test message"},
    {Text::kTestBody, "Mieruka の配信設定のテストです。このメッセージが届けば、このチャネルは使えます。",
     "A test of Mieruka's delivery settings. If this arrived, the channel works."},
};

std::string tr(Text key, const std::string& lang, std::initializer_list<std::pair<std::string_view, std::string>> vars) {
  std::string s;
  for (const auto& t : kTexts)
    if (t.key == key) s = std::string(lang == "ja" ? t.ja : t.en);
  for (const auto& [name, value] : vars) {
    const std::string pat = "{" + std::string(name) + "}";
    for (auto pos = s.find(pat); pos != std::string::npos; pos = s.find(pat, pos + value.size()))
      s.replace(pos, pat.size(), value);
  }
  return s;
}

std::string html_page(const std::string& intro, const std::string& body) {
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Mieruka</title></head><body>\n<p>" +
         inventory::html_escape(intro) + "</p>\n<pre>" + inventory::html_escape(body) + "</pre>\n</body></html>\n";
}

int facility_code(std::string_view f) {
  if (f == "user") return 1;
  if (f == "daemon") return 3;
  if (f == "auth") return 4;
  if (f.size() == 6 && f.substr(0, 5) == "local" && f[5] >= '0' && f[5] <= '7') return 16 + (f[5] - '0');
  return 16;
}
int severity_of_change(std::string_view kind) {
  return kind == "vanished_asset" || kind == "vanished_link" || kind == "new_finding" ? 4 : 5;  // warning : notice
}
// RFC 5424 §6.2.4 HOSTNAME: printable US-ASCII, at most 255; else "-".
std::string header_token(std::string_view s, std::size_t max) {
  std::string out;
  for (char ch : s.substr(0, max)) out += (ch >= 33 && ch <= 126) ? ch : '_';
  return out.empty() ? "-" : out;
}

}  // namespace

// --- encodings ---------------------------------------------------------------------------
std::string base64(std::string_view data, std::size_t line_len) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4 + (line_len ? data.size() / line_len * 2 : 0));
  std::size_t col = 0;
  auto put = [&](char c) {
    if (line_len > 0 && col == line_len) {
      out += "\r\n";
      col = 0;
    }
    out += c;
    ++col;
  };
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const auto a = static_cast<unsigned char>(data[i]), b = static_cast<unsigned char>(data[i + 1]),
               c = static_cast<unsigned char>(data[i + 2]);
    put(kAlphabet[a >> 2]);
    put(kAlphabet[((a & 3) << 4) | (b >> 4)]);
    put(kAlphabet[((b & 15) << 2) | (c >> 6)]);
    put(kAlphabet[c & 63]);
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    const auto a = static_cast<unsigned char>(data[i]);
    const auto b = rest > 1 ? static_cast<unsigned char>(data[i + 1]) : 0;
    put(kAlphabet[a >> 2]);
    put(kAlphabet[((a & 3) << 4) | (b >> 4)]);
    put(rest > 1 ? kAlphabet[(b & 15) << 2] : '=');
    put('=');
  }
  return out;
}

std::string subject_header(std::string_view utf8) {
  std::string out = "Subject: ";
  std::size_t i = 0;
  bool first = true;
  while (i < utf8.size()) {
    // Room on this line for base64 characters, then whole 3-byte groups of input.
    const std::size_t room = (first ? kMaxHeaderLine - out.size() : kMaxHeaderLine - 1) - kWordOpen.size() -
                             kWordClose.size();
    std::size_t j = std::min(utf8.size(), i + room / 4 * 3);
    // Back off to the start of a UTF-8 sequence (never split a character).
    while (j < utf8.size() && j > i && (static_cast<unsigned char>(utf8[j]) & 0xC0) == 0x80) --j;
    if (j == i) j = i + 1;
    if (!first) out += "\r\n ";
    out += kWordOpen;
    out += base64(utf8.substr(i, j - i));
    out += kWordClose;
    first = false;
    i = j;
  }
  return out;
}

std::string rfc5322_date(std::int64_t us) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::tm tm = utc(us);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string rfc3339_us(std::int64_t us) {
  const std::tm tm = utc(us);
  const auto frac = static_cast<int>(((us % 1000000) + 1000000) % 1000000);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return hex(md, len);
}

std::string message_id(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (auto p : parts) {
    if (!joined.empty()) joined += '\x1f';
    joined += p;
  }
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), md);
  return hex(md, 16);
}

std::string sd_escape(std::string_view value) {
  const std::string s = inventory::sanitize_utf8(value);
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\' || ch == ']') {
      out += '\\';
      out += ch;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string cef_escape_value(std::string_view value) {
  std::string out;
  for (char ch : inventory::sanitize_utf8(value)) {
    if (ch == '\\' || ch == '=') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    if (ch == '\r') {
      out += "\\r";
      continue;
    }
    out += ch;
  }
  return out;
}

std::string cef_escape_header(std::string_view value) {
  std::string out;
  for (char ch : inventory::sanitize_utf8(value)) {
    if (ch == '\\' || ch == '|') out += '\\';
    out += (ch == '\n' || ch == '\r') ? ' ' : ch;
  }
  return out;
}

// --- e-mail ----------------------------------------------------------------------------------
std::string build_mime(const Mail& m) {
  // Boundaries start with "=_", which base64 bodies never contain.
  const std::string mixed = "=_mieruka_mixed_" + m.id;
  const std::string alt = "=_mieruka_alt_" + m.id;
  std::string to;
  for (const auto& a : m.to) to += (to.empty() ? "" : ", ") + a;
  std::string out;
  out += "From: " + m.from + "\r\n";
  out += "To: " + to + "\r\n";
  out += subject_header(inventory::sanitize_utf8(m.subject)) + "\r\n";
  out += "Date: " + rfc5322_date(m.date_us) + "\r\n";
  out += "Message-ID: <" + m.id + "@mieruka>\r\n";
  out += "X-Mieruka-Id: " + m.id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  out += "Content-Type: multipart/mixed; boundary=\"" + mixed + "\"\r\n\r\n";
  out += "--" + mixed + "\r\n";
  out += "Content-Type: multipart/alternative; boundary=\"" + alt + "\"\r\n\r\n";
  out += "--" + alt + "\r\n";
  out += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64(crlf(inventory::sanitize_utf8(m.text)), 76) + "\r\n";
  out += "--" + alt + "\r\n";
  out += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  out += base64(crlf(inventory::sanitize_utf8(m.html)), 76) + "\r\n";
  out += "--" + alt + "--\r\n";
  if (!m.attachment_name.empty()) {
    out += "--" + mixed + "\r\n";
    out += "Content-Type: text/csv; charset=UTF-8; name=\"" + m.attachment_name + "\"\r\n";
    out += "Content-Disposition: attachment; filename=\"" + m.attachment_name + "\"\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64(m.attachment, 76) + "\r\n";
  }
  out += "--" + mixed + "--\r\n";
  return out;
}

// --- changes and syslog --------------------------------------------------------------------------
std::vector<Change> diff_changes(const inventory::Diff& d) {
  std::vector<Change> out;
  auto asset = [&](const nlohmann::ordered_json& a, const char* kind) {
    Change c;
    c.kind = kind;
    c.asset = text_of(a, "id");
    c.mac = text_of(a, "mac");
    c.ip = first_ip(a);
    c.field = "asset";
    c.new_value = text_of(a, "name");
    if (c.new_value.empty()) c.new_value = text_of(a, "vendor");
    c.text = std::string(kind) + " " + c.asset + (c.ip.empty() ? "" : " " + c.ip) +
             (c.new_value.empty() ? "" : " (" + c.new_value + ")");
    out.push_back(std::move(c));
  };
  auto link = [&](const nlohmann::ordered_json& l, const char* kind) {
    Change c;
    c.kind = kind;
    c.asset = text_of(l, "from");
    c.mac = text_of(l, "from_mac");
    c.ip = text_of(l, "from_ip");
    c.field = text_of(l, "protocol");
    c.new_value = text_of(l, "to");
    const std::string port = text_of(l, "port");
    c.text = std::string(kind) + " " + c.asset + " -> " + c.new_value + " " + c.field + (port.empty() ? "" : "/" + port);
    out.push_back(std::move(c));
  };
  for (const auto& a : d.new_assets) asset(a, "new_asset");
  for (const auto& a : d.vanished_assets) asset(a, "vanished_asset");
  for (const auto& ch : d.changed_assets) {
    Change c;
    c.kind = "changed_asset";
    c.asset = ch.asset;
    c.mac = ch.mac.value_or("");
    c.field = ch.field;
    c.old_value = ch.old_value.value_or("");
    c.new_value = ch.new_value.value_or("");
    if (ch.field == "ip") c.ip = !c.new_value.empty() ? c.new_value : c.old_value;
    c.text = "changed " + c.asset + " " + c.field + ": " + (ch.old_value ? c.old_value : "-") + " -> " +
             (ch.new_value ? c.new_value : "-");
    out.push_back(std::move(c));
  }
  for (const auto& l : d.new_links) link(l, "new_link");
  for (const auto& l : d.vanished_links) link(l, "vanished_link");
  if (d.new_findings.is_array()) {
    for (const auto& f : d.new_findings) {
      Change c;
      c.kind = "new_finding";
      c.asset = text_of(f, "asset");
      c.mac = text_of(f, "mac");
      c.ip = text_of(f, "ip");
      c.field = text_of(f, "type");
      c.new_value = text_of(f, "evidence");
      c.text = "finding " + c.field + " " + c.asset + ": " + c.new_value;
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<Change> finding_changes(const std::vector<inventory::Finding>& findings) {
  std::vector<Change> out;
  for (const auto& f : findings) {
    Change c;
    c.kind = "new_finding";
    c.asset = f.asset;
    c.mac = f.mac;
    c.ip = f.ip;
    c.field = f.type;
    c.new_value = f.evidence;
    c.text = "finding " + f.type + " " + f.asset + (f.ip.empty() ? "" : " " + f.ip) +
             (f.plant_name.empty() ? "" : " (" + f.plant_name + ")") + ": " + f.evidence;
    out.push_back(std::move(c));
  }
  return out;
}

std::string syslog_5424(const Change& c, std::string_view id, std::string_view sensor, std::string_view facility,
                        std::int64_t time_us) {
  const int pri = facility_code(facility) * 8 + severity_of_change(c.kind);
  std::string out = "<" + std::to_string(pri) + ">1 " + rfc3339_us(time_us) + " " + header_token(sensor, 255) +
                    " mieruka - " + header_token(c.kind, 32) + " [" + std::string(kSdId);
  auto param = [&](const char* name, std::string_view v, bool always = false) {
    if (v.empty() && !always) return;
    out += " ";
    out += name;
    out += "=\"" + sd_escape(v) + "\"";
  };
  param("id", id, true);
  param("change", c.kind, true);
  param("asset", c.asset);
  param("mac", c.mac);
  param("ip", c.ip);
  param("field", c.field);
  param("old", c.old_value);
  param("new", c.new_value);
  out += "] \xEF\xBB\xBF";  // BOM: the MSG is UTF-8 (RFC 5424 §6.4)
  for (char ch : inventory::sanitize_utf8(c.text)) out += (ch == '\n' || ch == '\r') ? ' ' : ch;
  return out;
}

std::string syslog_cef(const Change& c, std::string_view id, std::string_view sensor, std::string_view facility,
                       std::int64_t time_us) {
  const int sev = severity_of_change(c.kind);
  const int pri = facility_code(facility) * 8 + sev;
  std::string out = "<" + std::to_string(pri) + ">1 " + rfc3339_us(time_us) + " " + header_token(sensor, 255) +
                    " mieruka - " + header_token(c.kind, 32) + " - ";
  out += "CEF:0|Mieruka|mieruka|" + cef_escape_header(MIERUKA_VERSION) + "|" + cef_escape_header(c.kind) + "|" +
         cef_escape_header(c.text) + "|" + (sev == 4 ? "6" : "3") + "|";
  std::string ext = "rt=" + std::to_string(time_us / 1000) + " dvchost=" + cef_escape_value(sensor) +
                    " externalId=" + cef_escape_value(id);
  auto kv = [&](const char* k, const std::string& v) {
    if (!v.empty()) ext += std::string(" ") + k + "=" + cef_escape_value(v);
  };
  kv("smac", c.mac);
  kv("src", c.ip);
  if (!c.asset.empty()) ext += " cs1Label=asset cs1=" + cef_escape_value(c.asset);
  if (!c.field.empty()) ext += " cs2Label=field cs2=" + cef_escape_value(c.field);
  if (!c.old_value.empty()) ext += " cs3Label=old cs3=" + cef_escape_value(c.old_value);
  if (!c.new_value.empty()) ext += " cs4Label=new cs4=" + cef_escape_value(c.new_value);
  return out + ext;
}

// --- bundles -------------------------------------------------------------------------------------
Bundle diff_bundle(const inventory::Diff& d, const std::string& sensor, const std::string& lang, std::int64_t now_us) {
  Bundle b;
  b.kind = "diff";
  b.key = d.from.name + '\x1f' + d.to.name;
  b.created_us = now_us;
  b.subject = tr(Text::kDiffSubject, lang,
                 {{"sensor", sensor},
                  {"n", std::to_string(d.new_assets.size())},
                  {"v", std::to_string(d.vanished_assets.size())},
                  {"c", std::to_string(d.changed_assets.size())},
                  {"nl", std::to_string(d.new_links.size())},
                  {"vl", std::to_string(d.vanished_links.size())}});
  b.empty = d.new_assets.empty() && d.vanished_assets.empty() && d.changed_assets.empty() && d.new_links.empty() &&
            d.vanished_links.empty() && d.new_findings.empty();
  const std::string intro = tr(Text::kDiffIntro, lang, {{"sensor", sensor}});
  render_part(b, "mail", [&] {
    const std::string body = inventory::diff_text(d);
    b.text = intro + "\n\n" + body;
    b.html = html_page(intro, body);
    b.csv = inventory::diff_csv(d);
    b.csv_name = "mieruka-diff.csv";
  });
  render_part(b, "json", [&] { b.json = inventory::diff_json(d); });
  render_part(b, "syslog", [&] { b.changes = diff_changes(d); });
  return b;
}

Bundle alert_bundle(const std::vector<inventory::Finding>& findings, const std::string& sensor,
                    const std::string& lang, std::size_t max_listed, std::int64_t now_us, const std::string& zone) {
  Bundle b;
  b.kind = "alert";
  b.created_us = now_us;
  std::vector<std::string> ids;
  for (const auto& f : findings) ids.push_back(f.id);
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) b.key += id + ",";
  const std::size_t shown = std::min(max_listed, findings.size());
  const std::vector<inventory::Finding> listed(findings.begin(), findings.begin() + static_cast<std::ptrdiff_t>(shown));
  b.subject = tr(Text::kAlertSubject, lang, {{"sensor", sensor}, {"n", std::to_string(findings.size())}});
  const std::string intro = tr(Text::kAlertIntro, lang, {{"sensor", sensor}});
  render_part(b, "mail", [&] {
    std::string body;
    for (const auto& f : listed) {
      // The type's name and the evidence in the receiver's language (the one catalog,
      // evidence.hpp), and the plant's own name of the device when its approved list names it.
      body += "- [" + std::string(inventory::finding_type_name(f.type, lang)) + "/" + f.severity + "] " + f.asset +
              (f.mac.empty() ? "" : " " + f.mac) + (f.ip.empty() ? "" : " " + f.ip) +
              (f.plant_name.empty() ? "" : " (" + f.plant_name + ")") + ": " + inventory::evidence_text(f, lang, zone) + "\n";
    }
    if (findings.size() > shown)
      body += tr(Text::kMore, lang, {{"n", std::to_string(findings.size() - shown)}}) + "\n";
    b.text = intro + "\n\n" + body;
    b.html = html_page(intro, body);
    b.csv = inventory::findings_csv(findings);
    b.csv_name = "mieruka-findings.csv";
  });
  render_part(b, "json", [&] {
    b.json = nlohmann::ordered_json::object();
    b.json["kind"] = "alert";
    b.json["sensor"] = inventory::sanitize_utf8(sensor);
    b.json["time"] = rfc3339_us(now_us);
    b.json["count"] = findings.size();
    b.json["findings"] = inventory::findings_json(listed);
    b.json["more"] = findings.size() - shown;
  });
  render_part(b, "syslog", [&] { b.changes = finding_changes(listed); });
  return b;
}

Bundle test_bundle(const std::string& sensor, const std::string& lang, std::int64_t now_us) {
  Bundle b;
  b.kind = "test";
  b.key = std::to_string(now_us);
  b.created_us = now_us;
  b.subject = tr(Text::kTestSubject, lang, {{"sensor", sensor}});
  b.text = tr(Text::kTestBody, lang, {});
  b.html = html_page(b.text, "");
  b.json = nlohmann::ordered_json::object();
  b.json["kind"] = "test";
  b.json["sensor"] = inventory::sanitize_utf8(sensor);
  b.json["time"] = rfc3339_us(now_us);
  Change c;
  c.kind = "test";
  c.text = b.text;
  b.changes.push_back(c);
  return b;
}

OutboxMessage render(const Bundle& b, const ChannelConfig& ch, const std::string& sensor) {
  OutboxMessage m;
  m.id = message_id({sensor, b.kind, b.key, ch.name});
  m.channel = ch.name;
  m.kind = b.kind;
  m.subject = b.subject;
  m.created_us = b.created_us;
  const std::string part = part_of(ch);
  auto pending = [&](const std::string& why) {
    m.payload = std::string(kRenderPending) + '\x1f' + b.kind + '\x1f' + b.key;
    m.last_error = "channel `" + ch.name + "`: rendering the " + part + " failed (" + why +
                   "); kept and rendered again at the next attempt";
    return m;
  };
  if (auto it = b.broken.find(part); it != b.broken.end()) return pending(it->second);
  try {
    render_payload(b, ch, sensor, m);
  } catch (const std::exception& e) {
    return pending(e.what());
  }
  return m;
}

bool render_pending(const OutboxMessage& m) { return m.payload.starts_with(kRenderPending); }

namespace {

void render_payload(const Bundle& b, const ChannelConfig& ch, const std::string& sensor, OutboxMessage& m) {
  if (ch.type == "smtp") {
    Mail mail{ch.from, ch.to, b.subject, b.text, b.html, b.csv, b.csv.empty() ? "" : b.csv_name, m.id, b.created_us};
    m.payload = build_mime(mail);
  } else if (ch.type == "webhook") {
    m.payload = b.json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  } else {
    nlohmann::ordered_json frames = nlohmann::ordered_json::array();
    int n = 0;
    for (const auto& c : b.changes) {
      // Each frame's id is the message id and its position, so a receiver can drop repeats.
      const std::string fid = m.id + "-" + std::to_string(++n);
      frames.push_back(ch.format == "cef" ? syslog_cef(c, fid, sensor, ch.facility, b.created_us)
                                          : syslog_5424(c, fid, sensor, ch.facility, b.created_us));
    }
    m.payload = frames.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }
}

}  // namespace

std::size_t enqueue_bundle(inventory::Outbox& outbox, const Bundle& b, const Config& config, std::string& error) {
  std::vector<OutboxMessage> rows;
  for (const auto& ch : config.delivery.channels) {
    if (std::find(ch.kinds.begin(), ch.kinds.end(), b.kind) == ch.kinds.end()) continue;
    if (b.kind == "diff" && b.empty && !ch.send_empty) continue;
    rows.push_back(render(b, ch, config.sensor_name));
  }
  if (rows.empty()) return 0;
  // One transaction: a crash queues the message for every channel or for none,
  // so "is this diff queued" has one answer (the catch-up at start relies on it).
  if (auto st = outbox.begin(); !st) {
    error = st.error;
    return 0;
  }
  std::size_t added_count = 0;
  for (const OutboxMessage& m : rows) {
    bool added = false;
    auto st = outbox.enqueue(m, b.created_us, &added);
    if (st && added && !m.last_error.empty()) st = outbox.mark_failed(m.id, m.last_error, b.created_us);
    if (!st) {
      error = st.error;
      outbox.rollback();
      return 0;
    }
    added_count += added ? 1 : 0;
  }
  if (auto st = outbox.commit(); !st) {
    error = st.error;
    outbox.rollback();
    return 0;
  }
  for (const OutboxMessage& m : rows)
    if (!m.last_error.empty()) spdlog::error("outbox: {} {}: {}", m.kind, m.id, m.last_error);
  return added_count;
}

std::optional<Bundle> snapshot_diff_bundle(const Config& config, inventory::Store& store, const std::string& from,
                                           const std::string& to, std::int64_t now_us, std::string& error) {
  auto a = inventory::load_snapshot(store, from, error);
  auto b = a ? inventory::load_snapshot(store, to, error) : std::nullopt;
  if (!a || !b) return std::nullopt;
  const inventory::DiffOptions opt = diff_options(config, store, *a, *b);
  const inventory::Diff d = inventory::diff_snapshots(*a, *b, opt);
  return diff_bundle(d, config.sensor_name, config.delivery.alerts.lang, now_us);
}

std::optional<std::string> rerender(const Config& config, const std::string& db_path, const OutboxMessage& m,
                                    std::string& error) {
  const std::string_view rest = std::string_view(m.payload).substr(kRenderPending.size());
  const ChannelConfig* ch = config.delivery.channel(m.channel);
  if (ch == nullptr) {
    error = "channel `" + m.channel + "` is not in the config any more";
    return std::nullopt;
  }
  // "\x1fdiff\x1f<from>\x1f<to>": a diff is rendered again from its two snapshots.
  const std::string diff_prefix = "\x1f" "diff" "\x1f";
  const auto sep = rest.starts_with(diff_prefix) ? rest.find('\x1f', diff_prefix.size()) : std::string_view::npos;
  if (sep == std::string_view::npos) {
    error = "channel `" + m.channel + "`: this " + m.kind +
            " failed to render when it was queued and only a diff can be rendered again; "
            "`mieruka findings` lists what it was about";
    return std::nullopt;
  }
  const std::string from(rest.substr(diff_prefix.size(), sep - diff_prefix.size()));
  const std::string to(rest.substr(sep + 1));
  auto store = inventory::Store::open(db_path, config.sensor_name, error, false);
  if (!store) return std::nullopt;
  auto b = snapshot_diff_bundle(config, *store, from, to, m.created_us, error);
  if (!b) return std::nullopt;
  OutboxMessage again = render(*b, *ch, config.sensor_name);
  if (!again.last_error.empty()) {
    error = again.last_error;
    return std::nullopt;
  }
  return again.payload;
}

bool enqueue_snapshot_diff(const Config& config, const std::string& db_path, const std::string& from,
                           const std::string& to) {
  if (config.delivery.channels.empty()) return true;
  static std::atomic<bool> failpoint_fired{false};
  if (const char* fp = std::getenv("MIERUKA_FAILPOINT");
      fp != nullptr && std::string_view(fp) == "queue_diff_once" && !failpoint_fired.exchange(true)) {
    spdlog::error("diff {} -> {} not queued: database is locked (MIERUKA_FAILPOINT)", from, to);
    return false;
  }
  std::string error;
  auto outbox = inventory::Outbox::open(db_path, error);
  if (!outbox) {
    spdlog::error("diff {} -> {} not queued: {}", from, to, error);
    return false;
  }
  // A diff's rows are queued in one transaction, so one row of it means all:
  // queued before (the catch-up at start asks again), and a channel added
  // since does not get an old diff.
  const std::string key = from + '\x1f' + to;
  for (const auto& ch : config.delivery.channels) {
    if (outbox->get(message_id({config.sensor_name, "diff", key, ch.name}), error)) return true;
    if (!error.empty()) {
      spdlog::error("diff {} -> {} not queued: {}", from, to, error);
      return false;
    }
  }
  auto store = inventory::Store::open(db_path, config.sensor_name, error, false);
  if (!store) {
    spdlog::error("diff {} -> {} not queued: {}", from, to, error);
    return false;
  }
  auto b = snapshot_diff_bundle(config, *store, from, to, wall_us(), error);
  if (!b) {
    spdlog::error("diff {} -> {} not queued: {}", from, to, error);
    return false;
  }
  const auto n = enqueue_bundle(*outbox, *b, config, error);
  if (!error.empty()) {
    spdlog::error("diff {} -> {} not queued: {}", from, to, error);
    return false;
  }
  if (b->empty)
    spdlog::info("diff {} -> {}: no changes; queued for {} channel(s) asking for empty reports", from, to, n);
  else
    spdlog::info("diff {} -> {} queued for {} channel(s)", from, to, n);
  return true;
}

// --- sending ---------------------------------------------------------------------------------------
std::string redacted_url(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return "***";
  std::string_view rest = url.substr(sep + 3);
  const auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string out(url.substr(0, sep + 3));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    out += "***@";
    authority.remove_prefix(at + 1);
  }
  out += authority;
  if (end != std::string_view::npos && rest.substr(end) != "/") out += "/***";
  return out;
}

namespace {
void replace_all(std::string& text, std::string_view secret, std::string_view with = "***") {
  if (secret.size() < 4 || secret == with) return;  // "/" or a one-letter password would blank the message
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + with.size()))
    text.replace(at, secret.size(), with);
}
}  // namespace

std::string without_secrets(std::string text, const ChannelConfig& ch) {
  replace_all(text, ch.url, redacted_url(ch.url));
  if (const auto sep = ch.url.find("://"); sep != std::string::npos) {
    const auto path = ch.url.find_first_of("/?#", sep + 3);
    if (path != std::string::npos) replace_all(text, std::string_view(ch.url).substr(path + 1));
    const auto at = ch.url.rfind('@', path);
    if (at != std::string::npos && at > sep) {
      const std::string_view info = std::string_view(ch.url).substr(sep + 3, at - sep - 3);
      replace_all(text, info);
      if (const auto colon = info.find(':'); colon != std::string_view::npos) replace_all(text, info.substr(colon + 1));
    }
  }
  replace_all(text, ch.password);
  replace_all(text, ch.secret);
  return text;
}

SendResult send(const ChannelConfig& ch, const OutboxMessage& m) {
  SendResult r{false, "channel `" + ch.name + "` has unknown type `" + ch.type + "`"};
  if (ch.type == "smtp") r = send_smtp(ch, m);
  if (ch.type == "webhook") r = send_webhook(ch, m);
  if (ch.type == "syslog") r = send_syslog(ch, m);
  if (!r.ok) r.error = without_secrets(std::move(r.error), ch);
  return r;
}

DeliverStats deliver_due(inventory::Outbox& outbox, const DeliveryConfig& config, std::int64_t now_us,
                         std::size_t limit, std::string& error, const Rerender& again) {
  DeliverStats stats;
  for (auto& m : outbox.due(now_us, limit, error)) {
    const ChannelConfig* ch = config.channel(m.channel);
    SendResult r{false, "channel `" + m.channel + "` is not in the config any more"};
    if (ch != nullptr && render_pending(m)) {
      std::string why = "channel `" + m.channel + "`: the " + m.kind + " is still to be rendered";
      auto payload = again ? again(m, why) : std::nullopt;
      if (payload) {
        if (auto st = outbox.set_payload(m.id, *payload); !st) {
          error = st.error;
          continue;  // stays pending; the next pass renders it again
        }
        m.payload = std::move(*payload);
        spdlog::info("outbox: {} {} for {} rendered again", m.kind, m.id, m.channel);
      } else {
        r.error = why;
        ch = nullptr;
      }
    }
    if (ch != nullptr) r = send(*ch, m);
    const std::int64_t t = wall_us();
    if (r.ok) {
      ++stats.sent;
      if (auto st = outbox.mark_sent(m.id, t); !st) error = st.error;
      spdlog::info("outbox: {} {} delivered to {}", m.kind, m.id, m.channel);
      continue;
    }
    ++stats.failed;
    if (auto st = outbox.mark_failed(m.id, r.error, t); !st) error = st.error;
    spdlog::warn("outbox: {} {} to {} failed (attempt {}): {}; retrying in {} s", m.kind, m.id, m.channel,
                 m.attempts + 1, r.error, inventory::outbox_backoff_us(m.attempts + 1) / 1000000);
  }
  return stats;
}

Worker::Worker(std::string db_path, Config config) : db_path_(std::move(db_path)), config_(std::move(config)) {}
Worker::~Worker() { stop(); }

void Worker::start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Worker::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Worker::kick() {
  {
    std::lock_guard lock(mu_);
    kicked_ = true;
  }
  cv_.notify_all();
}

void Worker::set_config(const Config& config) {
  {
    std::lock_guard lock(mu_);
    config_ = config;
  }
  kick();
}

std::vector<inventory::Finding> stored_findings(const Config& config, const std::string& db_path,
                                                std::string& error) {
  auto store = inventory::Store::open(db_path, config.sensor_name, error, false);
  if (!store) return {};
  inventory::Ledger ledger(config.sensor_name);
  if (auto st = store->load(ledger); !st) {
    error = st.error;
    return {};
  }
  FindingsInputs in;
  if (!load_findings_inputs(config, *store, in, error)) return {};
  return inventory::compute_findings(ledger, in.policy(config));
}

void Worker::loop() {
  std::optional<inventory::Outbox> outbox;
  std::int64_t next_purge_us = 0, next_alert_check_us = 0;
  std::string last_error;
  std::optional<AlertAggregator> alerts;
  for (;;) {
    Config config;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, kWorkerIdle, [this] { return stop_ || kicked_; });
      if (stop_) return;
      kicked_ = false;
      config = config_;
    }
    if (::geteuid() == 0 && config.user != "root") continue;  // the daemon has not dropped root yet
    std::string error;
    if (!outbox) outbox = inventory::Outbox::open(db_path_, error);
    const std::int64_t now = wall_us();
    if (outbox && !config.delivery.alerts.immediate.empty() && now >= next_alert_check_us) {
      next_alert_check_us = now + std::max<std::int64_t>(kMinAlertCheckUs, config.flush_interval_s * std::int64_t{1000000});
      if (!alerts) alerts.emplace(config.delivery.alerts);
      alerts->set_config(config.delivery.alerts);
      std::string ferr;
      const auto findings = stored_findings(config, db_path_, ferr);
      if (ferr.empty()) alerts->observe(findings, now);
      else error = ferr;
      if (auto due = alerts->take_due(now); !due.empty()) {
        const Bundle b = alert_bundle(due, config.sensor_name, config.delivery.alerts.lang,
                                      static_cast<std::size_t>(config.delivery.alerts.max_listed), now,
                                      config.snapshots.timezone);
        const auto n = enqueue_bundle(*outbox, b, config, error);
        spdlog::info("alert: {} finding(s) queued for {} channel(s)", due.size(), n);
      }
    }
    if (outbox) {
      (void)deliver_due(*outbox, config.delivery, now, kWorkerBatch, error,
                        [&](const OutboxMessage& m, std::string& why) { return rerender(config, db_path_, m, why); });
      if (now >= next_purge_us) {
        std::uint64_t purged = 0;
        if (auto st = outbox->purge_sent(now - config.delivery.alerts.keep_sent_days * 86400LL * 1000000, &purged);
            !st)
          error = st.error;
        if (purged > 0) spdlog::info("outbox: purged {} sent message(s)", purged);
        next_purge_us = now + kPurgeEveryUs;
      }
    }
    // A failure that repeats is logged once until it changes.
    if (!error.empty() && error != last_error) spdlog::error("delivery: {}", error);
    last_error = error;
  }
}

// --- immediate alerts -----------------------------------------------------------------------------------
void AlertAggregator::observe(const std::vector<inventory::Finding>& findings, std::int64_t now_us) {
  for (const auto& f : findings) {
    if (std::find(config_.immediate.begin(), config_.immediate.end(), f.type) == config_.immediate.end()) continue;
    if (!seen_.insert(f.id).second || !primed_) continue;
    if (pending_.empty()) first_pending_us_ = now_us;
    pending_.push_back(f);
  }
  primed_ = true;
}

std::vector<inventory::Finding> AlertAggregator::take_due(std::int64_t now_us) {
  if (pending_.empty() || now_us - first_pending_us_ < config_.aggregate_s * 1000000LL) return {};
  return std::exchange(pending_, {});
}

}  // namespace mieruka::sensor::delivery
