// The small shared helpers of the hot path: PendingTable (request/response
// pairing) and short_words/equal_text (short strings without library calls).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "dissectors/fixed_text.hpp"
#include "dissectors/net.hpp"
#include "dissectors/pending_table.hpp"
#include "dissectors/short_bytes.hpp"

namespace mieruka::dissectors {
namespace {

struct Req {
  std::uint16_t id = 0;
  int payload = 0;
};

auto by_id(std::uint16_t id) {
  return [id](const Req& r) { return r.id == id; };
}

TEST(PendingTable, PairsByIdAndForgetsAnswered) {
  PendingTable<Req, 4> t;
  bool overflow = true;
  t.slot(by_id(7), overflow) = {7, 70};
  EXPECT_FALSE(overflow);
  t.slot(by_id(8), overflow) = {8, 80};
  ASSERT_EQ(t.size(), 2U);
  Req* r = t.find(by_id(7));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->payload, 70);
  t.erase(*r);
  EXPECT_EQ(t.size(), 1U);
  EXPECT_EQ(t.find(by_id(7)), nullptr);
  ASSERT_NE(t.find(by_id(8)), nullptr);  // the survivor moved into the freed place
  EXPECT_EQ(t.find(by_id(8))->payload, 80);
}

TEST(PendingTable, ReusedIdOverwritesItsEntry) {
  PendingTable<Req, 4> t;
  bool overflow = false;
  t.slot(by_id(1), overflow) = {1, 10};
  t.slot(by_id(1), overflow) = {1, 11};
  EXPECT_FALSE(overflow);
  EXPECT_EQ(t.size(), 1U);
  EXPECT_EQ(t.find(by_id(1))->payload, 11);
}

TEST(PendingTable, FullTableReplacesTheOldest) {
  PendingTable<Req, 3> t;
  bool overflow = false;
  for (std::uint16_t id = 1; id <= 3; ++id) t.slot(by_id(id), overflow) = {id, id * 10};
  EXPECT_FALSE(overflow);
  t.slot(by_id(1), overflow) = {1, 11};  // id 1 restated: now the newest, 2 the oldest
  t.slot(by_id(4), overflow) = {4, 40};
  EXPECT_TRUE(overflow);
  EXPECT_EQ(t.size(), 3U);
  EXPECT_EQ(t.find(by_id(2)), nullptr);
  EXPECT_NE(t.find(by_id(1)), nullptr);
  EXPECT_NE(t.find(by_id(3)), nullptr);
  EXPECT_NE(t.find(by_id(4)), nullptr);
  // Ages survive an erase that moves the last entry: 3 is now the oldest.
  t.erase(*t.find(by_id(1)));
  t.slot(by_id(5), overflow) = {5, 50};
  EXPECT_FALSE(overflow);
  t.slot(by_id(6), overflow) = {6, 60};
  EXPECT_TRUE(overflow);
  EXPECT_EQ(t.find(by_id(3)), nullptr);
  EXPECT_NE(t.find(by_id(4)), nullptr);
}

TEST(PendingTable, EraseOfAForeignReferenceIsIgnored) {
  PendingTable<Req, 2> t;
  bool overflow = false;
  t.slot(by_id(1), overflow) = {1, 1};
  Req other;
  t.erase(other);
  EXPECT_EQ(t.size(), 1U);
  t.clear();
  EXPECT_EQ(t.size(), 0U);
  EXPECT_EQ(t.find(by_id(1)), nullptr);
}

}  // namespace
}  // namespace mieruka::dissectors

namespace mieruka {
namespace {

TEST(ShortWords, DetermineEveryByteUpToSixteen) {
  // Every length 0..16: changing any one byte changes the words.
  for (std::size_t n = 0; n <= 16; ++n) {
    const std::string base(n, 'a');
    const TwoWords w = short_words(base.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      std::string changed = base;
      changed[i] = 'b';
      EXPECT_NE(short_words(changed.data(), n), w) << "length " << n << " byte " << i;
    }
  }
}

TEST(EqualText, AgreesWithStringCompare) {
  const std::string samples[] = {"", "a", "ab", "abc", "abcd", "modbus", "modbus_client", "modbus_server",
                                 "enip_list_identity_x", "Rockwell Automation/Allen-Bradley",
                                 "Rockwell Automation/Allen-Bradlez"};
  for (const auto& a : samples)
    for (const auto& b : samples) EXPECT_EQ(equal_text(a, b), a == b) << a << " vs " << b;
}

}  // namespace
}  // namespace mieruka

namespace mieruka::dissectors {
namespace {

TEST(FixedText, AppendsWhatFitsAndRefusesTheRest) {
  FixedText<8> t;
  EXPECT_TRUE(t.empty());
  EXPECT_TRUE(t.append("abc"));
  EXPECT_TRUE(t.append("defgh"));
  EXPECT_EQ(t, "abcdefgh");
  EXPECT_FALSE(t.append("i"));  // full: nothing appended
  EXPECT_EQ(t.size(), 8u);
  FixedText<8> copy = t;
  EXPECT_TRUE(t.assign(t.view().substr(2, 3)));  // from its own bytes
  EXPECT_EQ(t, "cde");
  EXPECT_EQ(copy, "abcdefgh");
  EXPECT_FALSE(copy.assign("123456789"));
  EXPECT_TRUE(copy.empty());
  copy = t;
  EXPECT_EQ(copy.str(), "cde");
}

TEST(FixedList, HoldsAtMostItsCapacity) {
  FixedList<int, 3> l;
  EXPECT_TRUE(l.push_back(1));
  EXPECT_TRUE(l.push_back(2));
  EXPECT_TRUE(l.push_back(3));
  EXPECT_TRUE(l.full());
  EXPECT_FALSE(l.push_back(4));
  int sum = 0;
  for (int v : l) sum += v;
  EXPECT_EQ(sum, 6);
  l.clear();
  EXPECT_TRUE(l.empty());
  EXPECT_EQ(l.begin(), l.end());
}

// format() writes the text to_string() returns, for every shape of address.
TEST(AddressText, FormatMatchesToString) {
  for (const char* s : {"0.0.0.0", "10.1.22.255", "192.168.100.7", "::", "fe80::1", "2001:db8::ff00:42:8329",
                        "::ffff:10.0.0.1"}) {
    const auto ip = IpAddr::parse(s);
    ASSERT_TRUE(ip) << s;
    IpAddr::TextBuffer buf;
    EXPECT_EQ(ip->format(buf), ip->to_string());
    EXPECT_EQ(ip->to_string(), s);
  }
  IpAddr::TextBuffer buf;
  EXPECT_EQ(IpAddr{}.format(buf), "");
  const MacAddr mac{{0x00, 0x1b, 0x1b, 0x02, 0x9a, 0xc3}};
  MacAddr::TextBuffer mbuf;
  EXPECT_EQ(mac.format(mbuf), "00:1b:1b:02:9a:c3");
  EXPECT_EQ(mac.to_string(), "00:1b:1b:02:9a:c3");
}

}  // namespace
}  // namespace mieruka::dissectors
