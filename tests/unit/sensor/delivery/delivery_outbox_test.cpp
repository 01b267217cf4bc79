// Delivery into the outbox: a diff whose findings carry no MAC or IP renders
// for every channel; a part that fails to render loses only its channels' rows,
// which are queued as failed (reason and channel in last_error, shown by
// `outbox list`) and rendered again from the snapshots at the next attempt;
// an empty diff goes only to channels with send_empty.
#include <gtest/gtest.h>

#include <filesystem>

#include "inventory/store/outbox.hpp"
#include "inventory/store/snapshot.hpp"
#include "inventory/store/store.hpp"
#include "sensor/delivery/delivery.hpp"

namespace mieruka::sensor::delivery {
namespace {

using Json = nlohmann::ordered_json;
constexpr std::int64_t kT0 = 1'795'680'000'000'000;  // 2026-11-26T08:00:00Z
constexpr std::int64_t kHour = 3600LL * 1000000;

std::string temp_db(const char* name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "delivery_outbox_test";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p.string();
}

inventory::SnapshotAsset asset(const std::string& id, std::int64_t last) {
  inventory::SnapshotAsset a;
  a.id = id;
  a.last_us = last;
  a.json = Json{{"id", id}, {"mac", "00:00:bc:00:00:01"}, {"ips", Json::array()}, {"name", nullptr},
                {"class", "plc"}};
  return a;
}

inventory::Snapshot snap(const std::string& name, std::int64_t t, std::vector<inventory::SnapshotAsset> assets) {
  inventory::Snapshot s;
  s.info.name = name;
  s.info.sensor = "line1";
  s.info.taken_us = t;
  s.info.observed_until_us = t;
  s.assets = std::move(assets);
  s.info.assets = s.assets.size();
  return s;
}

Config two_channels() {
  Config c;
  c.sensor_name = "line1";
  ChannelConfig mail;
  mail.name = "it-mail";
  mail.type = "smtp";
  mail.url = "smtp://127.0.0.1:1";  // nothing listens: a send fails at once
  mail.from = "a@b.c";
  mail.to = {"x@y.z"};
  mail.timeout_s = 2;
  ChannelConfig hook;
  hook.name = "hook";
  hook.type = "webhook";
  hook.url = "http://127.0.0.1:1/";
  hook.secret = "k";
  c.delivery.channels = {mail, hook};
  return c;
}

TEST(DiffBundle, FindingsWithoutMacOrIpRenderForEveryChannel) {
  inventory::DiffOptions opt;
  opt.new_findings = [](const inventory::Snapshot&, const inventory::Snapshot&) {
    return Json::array({Json{{"id", "f1"}, {"type", "hidden"}, {"asset", "id01"}, {"mac", nullptr}, {"ip", nullptr},
                             {"evidence", "seen only behind a router"}}});
  };
  const auto d = inventory::diff_snapshots(snap("a", kT0, {}), snap("b", kT0 + kHour, {asset("id01", kT0)}), opt);
  Bundle b;
  ASSERT_NO_THROW(b = diff_bundle(d, "line1", "en", kT0));
  EXPECT_TRUE(b.broken.empty());
  EXPECT_NE(b.csv.find("new_finding,id01,,,,hidden,,seen only behind a router"), std::string::npos) << b.csv;
  for (const auto& ch : two_channels().delivery.channels) {
    const auto m = render(b, ch, "line1");
    EXPECT_TRUE(m.last_error.empty()) << ch.name << ": " << m.last_error;
    EXPECT_FALSE(render_pending(m));
  }
}

TEST(DiffBundle, ABrokenPartFailsOnlyItsChannelsAndIsRenderedAgain) {
  const std::string db = temp_db("broken.db");
  const Config config = two_channels();
  std::string error;
  {
    auto store = inventory::Store::open(db, "line1", error);
    ASSERT_TRUE(store) << error;
    ASSERT_TRUE(inventory::save_snapshot(*store, snap("sched-a", kT0, {})).ok());
    ASSERT_TRUE(inventory::save_snapshot(*store, snap("sched-b", kT0 + kHour, {asset("id01", kT0)})).ok());
  }
  auto store = inventory::Store::open(db, "line1", error);
  ASSERT_TRUE(store) << error;
  auto b = snapshot_diff_bundle(config, *store, "sched-a", "sched-b", kT0 + kHour, error);
  ASSERT_TRUE(b) << error;
  b->broken["mail"] = "type must be string, but is null";  // as the CSV of a null MAC threw

  auto ob = inventory::Outbox::open(db, error);
  ASSERT_TRUE(ob) << error;
  EXPECT_EQ(enqueue_bundle(*ob, *b, config, error), 2u);
  EXPECT_TRUE(error.empty()) << error;
  const auto rows = ob->list(false, 10, error);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& m : rows) {
    if (m.channel == "hook") {
      EXPECT_EQ(Json::parse(m.payload)["to"], "sched-b");
      EXPECT_EQ(m.attempts, 0);
      continue;
    }
    ASSERT_EQ(m.channel, "it-mail");
    EXPECT_TRUE(render_pending(m));
    EXPECT_EQ(m.attempts, 1);
    EXPECT_NE(m.last_error.find("channel `it-mail`: rendering the mail failed (type must be string, but is null)"),
              std::string::npos)
        << m.last_error;
    EXPECT_GT(m.next_attempt_us, kT0 + kHour);  // retried after the backoff, not lost
  }

  // The next attempt renders the mail from the two snapshots, stores it, then sends.
  const DeliveryConfig only_mail{config.delivery.alerts, {config.delivery.channels[0]}};
  const auto stats = deliver_due(*ob, only_mail, kT0 + 2 * kHour, 10, error,
                                 [&](const inventory::OutboxMessage& m, std::string& why) {
                                   return rerender(config, db, m, why);
                                 });
  EXPECT_EQ(stats.failed, 2u);  // nothing listens on port 1; "hook" is not in only_mail
  const auto ids = ob->list(false, 10, error);
  for (const auto& m : ids) {
    if (m.channel != "it-mail") continue;
    EXPECT_FALSE(render_pending(m));
    EXPECT_NE(m.payload.find("Content-Type: multipart/mixed"), std::string::npos);
    EXPECT_NE(m.payload.find("X-Mieruka-Id: " + m.id), std::string::npos);
    EXPECT_EQ(m.payload.find("mieruka-render-pending"), std::string::npos);
  }
}

TEST(DiffBundle, AnEmptyDiffGoesOnlyToChannelsAskingForIt) {
  const std::string db = temp_db("empty.db");
  Config config = two_channels();
  std::string error;
  auto ob = inventory::Outbox::open(db, error);
  ASSERT_TRUE(ob) << error;
  const auto same = inventory::diff_snapshots(snap("a", kT0, {asset("id01", kT0)}),
                                              snap("b", kT0 + kHour, {asset("id01", kT0)}), {});
  const Bundle b = diff_bundle(same, "line1", "en", kT0);
  EXPECT_TRUE(b.empty);
  EXPECT_EQ(enqueue_bundle(*ob, b, config, error), 0u);
  EXPECT_EQ(ob->pending(error), 0u);
  config.delivery.channels[0].send_empty = true;
  EXPECT_EQ(enqueue_bundle(*ob, b, config, error), 1u);
  const auto rows = ob->list(false, 10, error);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].channel, "it-mail");

  const auto changed = inventory::diff_snapshots(snap("a", kT0, {}), snap("c", kT0 + kHour, {asset("id01", kT0)}), {});
  EXPECT_FALSE(diff_bundle(changed, "line1", "en", kT0).empty);
}

}  // namespace
}  // namespace mieruka::sensor::delivery
