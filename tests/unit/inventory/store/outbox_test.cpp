// The durable outbox: backoff arithmetic, idempotent enqueue, due/sent/failed
// bookkeeping, survival across a reopen, purge.
#include "inventory/store/outbox.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace mieruka::inventory {
namespace {

constexpr std::int64_t kS = 1000000;

std::string temp_db(const char* name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "outbox_test";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
  return p.string();
}

OutboxMessage msg(std::string id, std::string channel = "it-mail") {
  OutboxMessage m;
  m.id = std::move(id);
  m.channel = std::move(channel);
  m.kind = "diff";
  m.subject = "件名 subject";
  m.payload = std::string("body\0with nul", 13);
  return m;
}

TEST(OutboxBackoff, DoublesFromThirtySecondsToAnHourCap) {
  EXPECT_EQ(outbox_backoff_us(0), 0);
  EXPECT_EQ(outbox_backoff_us(-3), 0);
  EXPECT_EQ(outbox_backoff_us(1), 30 * kS);
  EXPECT_EQ(outbox_backoff_us(2), 60 * kS);
  EXPECT_EQ(outbox_backoff_us(3), 120 * kS);
  EXPECT_EQ(outbox_backoff_us(7), 1920 * kS);
  EXPECT_EQ(outbox_backoff_us(8), 3600 * kS);  // 3840 s capped
  EXPECT_EQ(outbox_backoff_us(1000), 3600 * kS);
  EXPECT_EQ(outbox_backoff_us(std::numeric_limits<int>::max()), 3600 * kS);
}

TEST(Outbox, EnqueueIsIdempotentByIdAndKeepsBytes) {
  std::string error;
  auto ob = Outbox::open(temp_db("idem.db"), error);
  ASSERT_TRUE(ob) << error;
  bool added = false;
  ASSERT_TRUE(ob->enqueue(msg("a"), 100 * kS, &added));
  EXPECT_TRUE(added);
  auto again = msg("a");
  again.payload = "different";
  ASSERT_TRUE(ob->enqueue(again, 200 * kS, &added));
  EXPECT_FALSE(added);
  EXPECT_EQ(ob->pending(error), 1u);
  auto got = ob->get("a", error);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, std::string("body\0with nul", 13));
  EXPECT_EQ(got->subject, "件名 subject");
  EXPECT_EQ(got->created_us, 100 * kS);
  EXPECT_EQ(got->next_attempt_us, 100 * kS);
  EXPECT_FALSE(got->sent_us);
}

TEST(Outbox, FailedMessagesWaitTheirBackoffAndSentOnesAreNotDue) {
  std::string error;
  auto ob = Outbox::open(temp_db("due.db"), error);
  ASSERT_TRUE(ob) << error;
  ASSERT_TRUE(ob->enqueue(msg("a"), 10 * kS));
  ASSERT_TRUE(ob->enqueue(msg("b"), 11 * kS));
  EXPECT_TRUE(ob->due(9 * kS, 10, error).empty());
  auto d = ob->due(20 * kS, 10, error);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].id, "a");  // oldest first
  EXPECT_EQ(ob->due(20 * kS, 1, error).size(), 1u);

  ASSERT_TRUE(ob->mark_failed("a", "connection refused", 20 * kS));
  ASSERT_TRUE(ob->mark_sent("b", 20 * kS));
  EXPECT_TRUE(ob->due(49 * kS, 10, error).empty());
  d = ob->due(50 * kS, 10, error);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].attempts, 1);
  EXPECT_EQ(d[0].last_error, "connection refused");
  ASSERT_TRUE(ob->mark_failed("a", "again", 50 * kS));
  EXPECT_EQ(ob->get("a", error)->next_attempt_us, 110 * kS);  // 60 s after the second failure
  // A sent message is never sent again, even when marked failed late.
  ASSERT_TRUE(ob->mark_failed("b", "late", 60 * kS));
  EXPECT_TRUE(ob->get("b", error)->sent_us);
  EXPECT_EQ(ob->pending(error), 1u);
  ASSERT_TRUE(ob->retry_now(60 * kS));
  EXPECT_EQ(ob->due(60 * kS, 10, error).size(), 1u);
  EXPECT_FALSE(ob->mark_failed("nope", "x", 1).ok());
}

TEST(Outbox, SurvivesReopenAndRetryNowByChannel) {
  const auto path = temp_db("durable.db");
  std::string error;
  {
    auto ob = Outbox::open(path, error);
    ASSERT_TRUE(ob) << error;
    ASSERT_TRUE(ob->enqueue(msg("m1", "mail"), 1 * kS));
    ASSERT_TRUE(ob->enqueue(msg("w1", "hook"), 1 * kS));
    ASSERT_TRUE(ob->mark_failed("m1", "down", 2 * kS));
    ASSERT_TRUE(ob->mark_failed("w1", "down", 2 * kS));
  }
  auto ob = Outbox::open(path, error);
  ASSERT_TRUE(ob) << error;
  EXPECT_EQ(ob->pending(error), 2u);
  ASSERT_TRUE(ob->retry_now(3 * kS, "hook"));
  auto d = ob->due(3 * kS, 10, error);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].id, "w1");
  EXPECT_EQ(ob->list(false, 10, error).size(), 2u);
}

TEST(Outbox, PurgeDeletesOnlyOldSentMessages) {
  std::string error;
  auto ob = Outbox::open(temp_db("purge.db"), error);
  ASSERT_TRUE(ob) << error;
  ASSERT_TRUE(ob->enqueue(msg("old"), 1 * kS));
  ASSERT_TRUE(ob->enqueue(msg("new"), 1 * kS));
  ASSERT_TRUE(ob->enqueue(msg("unsent"), 1 * kS));
  ASSERT_TRUE(ob->mark_sent("old", 10 * kS));
  ASSERT_TRUE(ob->mark_sent("new", 100 * kS));
  std::uint64_t n = 0;
  ASSERT_TRUE(ob->purge_sent(50 * kS, &n));
  EXPECT_EQ(n, 1u);
  EXPECT_FALSE(ob->get("old", error));
  EXPECT_TRUE(ob->get("new", error));
  EXPECT_TRUE(ob->get("unsent", error));
  EXPECT_EQ(ob->list(true, 10, error).size(), 2u);
}

TEST(Outbox, OpenOnAnUnwritablePathIsOneLine) {
  std::string error;
  EXPECT_FALSE(Outbox::open("/nonexistent-dir/x/outbox.db", error));
  EXPECT_NE(error.find("/nonexistent-dir/x/outbox.db"), std::string::npos);
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace mieruka::inventory
