// Delivery to plant IT (docs/delivery.md): what a diff or an alert becomes on each
// channel, the outbox around it, and the thread that sends.
//
// A message is rendered for its channel when it is enqueued (the outbox holds
// the exact bytes to send, so a retry sends the same bytes):
//   smtp    RFC 5322 / MIME (RFC 2045-2047): multipart/mixed { multipart/
//           alternative { text/plain, text/html } , text/csv attachment }, UTF-8
//           bodies in base64, the Subject RFC 2047 B-encoded and folded to 76
//           columns, Message-ID <id@mieruka>, Date, X-Mieruka-Id.
//   webhook the contract diff JSON (../shared/INTERFACES.md "A diff"); the
//           headers X-Mieruka-Id and X-Mieruka-Signature: sha256=<HMAC hex> are
//           added at send time.
//   syslog  one RFC 5424 message per change (SD-ID mieruka@32473, MSGID = the
//           change), or CEF in the MSG part; stored as a JSON array of strings.
// The id of a message is a 128-bit hex hash of (sensor, kind, key, channel), so
// the same diff enqueued twice is one row and receivers can drop duplicates.
//
// The channels (delivery_smtp.cpp, delivery_webhook.cpp, delivery_syslog.cpp)
// return success only when the receiver accepted (SMTP 250 after DATA, HTTP
// 2xx, syslog over TCP/TLS fully written; UDP once sent).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/findings.hpp"
#include "inventory/store/outbox.hpp"
#include "inventory/store/snapshot.hpp"
#include "sensor/daemon/config.hpp"

namespace mieruka::sensor::delivery {

// --- encodings (pure) -------------------------------------------------------------
// RFC 4648 base64; with `line_len` > 0, lines of that many characters joined by CRLF.
[[nodiscard]] std::string base64(std::string_view data, std::size_t line_len = 0);
// "Subject: =?UTF-8?B?...?=" folded ("\r\n " between encoded words) so that no
// line exceeds 76 characters; never splits a UTF-8 sequence. No trailing CRLF.
[[nodiscard]] std::string subject_header(std::string_view utf8);
// RFC 5322 date-time in UTC: "Thu, 26 Nov 2026 01:22:15 +0000".
[[nodiscard]] std::string rfc5322_date(std::int64_t us);
// RFC 3339 with microseconds, UTC: "2026-11-26T01:22:15.000000Z".
[[nodiscard]] std::string rfc3339_us(std::int64_t us);
// Lower-case hex of HMAC-SHA256(key, data).
[[nodiscard]] std::string hmac_sha256_hex(std::string_view key, std::string_view data);
// 32 lower-case hex digits: SHA-256 of the parts joined by '\x1f', truncated.
[[nodiscard]] std::string message_id(std::initializer_list<std::string_view> parts);
// RFC 5424 §6.3.3 PARAM-VALUE: '"', '\' and ']' escaped with '\'; invalid UTF-8
// replaced (U+FFFD) and control characters shown as \xNN so a frame stays one line.
[[nodiscard]] std::string sd_escape(std::string_view value);
// CEF extension value: '\', '=' escaped, newlines as \n; header field: '\', '|'.
[[nodiscard]] std::string cef_escape_value(std::string_view value);
[[nodiscard]] std::string cef_escape_header(std::string_view value);

// --- e-mail -------------------------------------------------------------------------
struct Mail {
  std::string from;
  std::vector<std::string> to;
  std::string subject, text, html;
  std::string attachment, attachment_name;  // empty: no attachment
  std::string id;                            // outbox id
  std::int64_t date_us = 0;
};
[[nodiscard]] std::string build_mime(const Mail& m);

// --- changes and syslog ---------------------------------------------------------------
// One change of a diff or one alerted finding, as syslog carries it.
struct Change {
  std::string kind;  // new_asset, vanished_asset, changed_asset, new_link, vanished_link, new_finding
  std::string asset, mac, ip, field, old_value, new_value;
  std::string text;  // one human line
};
[[nodiscard]] std::vector<Change> diff_changes(const inventory::Diff& d);
[[nodiscard]] std::vector<Change> finding_changes(const std::vector<inventory::Finding>& f);
// One RFC 5424 message (no framing): <PRI>1 TIMESTAMP HOST mieruka - MSGID [SD] BOM text.
[[nodiscard]] std::string syslog_5424(const Change& c, std::string_view id, std::string_view sensor,
                                      std::string_view facility, std::int64_t time_us);
// The same change as CEF:0|Mieruka|mieruka|VERSION|kind|name|severity|extension,
// carried as the MSG of an RFC 5424 message with no SD.
[[nodiscard]] std::string syslog_cef(const Change& c, std::string_view id, std::string_view sensor,
                                     std::string_view facility, std::int64_t time_us);

// --- what is sent ---------------------------------------------------------------------
// A diff, an alert or a test before it is rendered for a channel.
struct Bundle {
  std::string kind;  // diff | alert | test
  std::string key;   // with sensor, kind and channel: the id ("from\x1fto" for a diff)
  std::string subject, text, html, csv, csv_name;
  nlohmann::ordered_json json;
  std::vector<Change> changes;
  std::int64_t created_us = 0;
  bool empty = false;  // a diff with no change at all (sent only to channels with send_empty)
  // Parts that failed to render ("mail", "json", "syslog") and why: only the
  // channels needing that part fail, the others get theirs.
  std::map<std::string, std::string> broken;
};
// Localised texts ("ja" or "en").
[[nodiscard]] Bundle diff_bundle(const inventory::Diff& d, const std::string& sensor, const std::string& lang,
                                 std::int64_t now_us);
// An immediate alert listing up to `max_listed` findings ("and N more"), the
// times of their evidence in the IANA zone `zone` (the config's `timezone`;
// empty: ISO UTC). Its JSON and CSV keep ISO UTC times.
[[nodiscard]] Bundle alert_bundle(const std::vector<inventory::Finding>& findings, const std::string& sensor,
                                  const std::string& lang, std::size_t max_listed, std::int64_t now_us,
                                  const std::string& zone = {});
[[nodiscard]] Bundle test_bundle(const std::string& sensor, const std::string& lang, std::int64_t now_us);
// The outbox row of `b` for `ch`. Never throws: when the channel's format cannot
// be rendered, the row's payload is a placeholder (render_pending()) naming what
// to render again, and its last_error says which channel and why.
[[nodiscard]] inventory::OutboxMessage render(const Bundle& b, const ChannelConfig& ch, const std::string& sensor);
// True for a row whose payload is still to be rendered (see render()).
[[nodiscard]] bool render_pending(const inventory::OutboxMessage& m);
// Enqueues `b` for every channel taking its kind, all rows in one transaction;
// returns how many were new. A row that failed to render is queued too, as
// failed with its reason, so that it is retried and shown by `outbox list`.
std::size_t enqueue_bundle(inventory::Outbox& outbox, const Bundle& b, const Config& config, std::string& error);

// The diff bundle from snapshot `from` to `to` ("" for the first: an empty
// snapshot) as stored in `store`; nullopt with `error` set when one is missing.
[[nodiscard]] std::optional<Bundle> snapshot_diff_bundle(const Config& config, inventory::Store& store,
                                                         const std::string& from, const std::string& to,
                                                         std::int64_t now_us, std::string& error);
// Renders a placeholder row (render_pending) again from the snapshots it names.
// nullopt with `error` set when that still fails.
[[nodiscard]] std::optional<std::string> rerender(const Config& config, const std::string& db_path,
                                                  const inventory::OutboxMessage& m, std::string& error);

// The hook `DaemonOptions::on_snapshot` calls after a scheduled snapshot: the
// diff from `from` to `to` (snapshot names of this sensor), enqueued for every
// channel. Errors are logged (never thrown). Nothing is done when the diff is
// already in the outbox (sent or not), so calling it again is safe. Returns
// false when the diff could not be queued (the caller asks again later): true
// when it is queued now or was before, or there is no channel to queue it for.
// For tests only: MIERUKA_FAILPOINT=queue_diff_once in the environment makes
// the first call of the process fail as a busy or full database would.
bool enqueue_snapshot_diff(const Config& config, const std::string& db_path, const std::string& from,
                           const std::string& to);

// --- sending ----------------------------------------------------------------------------
struct SendResult {
  bool ok = false;
  std::string error;  // one line when !ok
};
// The channel's functions below name it by redacted_url(ch.url); send(), the
// one way in, also scrubs the whole URL, its path and the password from
// whatever the server or the library said, before the error reaches the log or
// outbox.last_error (without_secrets).
[[nodiscard]] SendResult send_smtp(const ChannelConfig& ch, const inventory::OutboxMessage& m);
[[nodiscard]] SendResult send_webhook(const ChannelConfig& ch, const inventory::OutboxMessage& m);
[[nodiscard]] SendResult send_syslog(const ChannelConfig& ch, const inventory::OutboxMessage& m);
[[nodiscard]] SendResult send(const ChannelConfig& ch, const inventory::OutboxMessage& m);

// How a channel's address appears in errors, the log and the database: scheme,
// host and port. A webhook's path (Teams and Slack put the token there), a
// query and user info ("user:password@") are replaced by "***".
[[nodiscard]] std::string redacted_url(std::string_view url);
// `text` with every occurrence of the channel's secrets replaced by "***": the
// URL as written, its path and query, user info, the SMTP password, the
// webhook's HMAC key.
[[nodiscard]] std::string without_secrets(std::string text, const ChannelConfig& ch);

struct DeliverStats {
  std::size_t sent = 0, failed = 0;
};
// Renders a pending row's payload again (see rerender()).
using Rerender = std::function<std::optional<std::string>(const inventory::OutboxMessage&, std::string&)>;
// Sends every due message (up to `limit`) and marks it; returns what happened.
// A row still to be rendered is rendered through `again` first (stored, then
// sent); without `again`, or when it fails, the attempt counts as failed.
DeliverStats deliver_due(inventory::Outbox& outbox, const DeliveryConfig& config, std::int64_t now_us,
                         std::size_t limit, std::string& error, const Rerender& again = {});

// The delivery thread: its own outbox connection; wakes every second (or when
// kicked), sends what is due, purges old sent rows daily. With [alerts]
// immediate set, it also reads the flushed ledger every max(flush interval,
// 10 s), computes the findings and queues aggregated alerts (AlertAggregator).
// It never blocks the packet loop: the daemon only flushes and enqueues.
// Started before the daemon drops root, it opens the database only once the
// process no longer runs as root, so the files belong to the daemon's user.
class Worker {
 public:
  Worker(std::string db_path, Config config);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  void start();
  void stop();
  void kick();
  // New channels and alert settings (SIGHUP).
  void set_config(const Config& config);

 private:
  void loop();
  std::string db_path_;
  Config config_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false, kicked_ = false;
  std::thread thread_;
};

// The findings of the ledger as last flushed to `db_path` (for immediate alerts).
[[nodiscard]] std::vector<inventory::Finding> stored_findings(const Config& config, const std::string& db_path,
                                                              std::string& error);

// Immediate alerts: fed the findings after each flush; findings of the chosen
// types not seen before are collected, and once `aggregate_s` has passed since
// the first of them, one alert bundle takes them all.
class AlertAggregator {
 public:
  explicit AlertAggregator(AlertsConfig config) : config_(std::move(config)) {}
  // The first call only learns what is already open (no alert at start-up).
  void observe(const std::vector<inventory::Finding>& findings, std::int64_t now_us);
  // The pending findings once the window has passed; empty otherwise.
  [[nodiscard]] std::vector<inventory::Finding> take_due(std::int64_t now_us);
  void set_config(AlertsConfig config) { config_ = std::move(config); }

 private:
  AlertsConfig config_;
  bool primed_ = false;
  std::set<std::string> seen_;
  std::vector<inventory::Finding> pending_;
  std::int64_t first_pending_us_ = 0;
};

}  // namespace mieruka::sensor::delivery
