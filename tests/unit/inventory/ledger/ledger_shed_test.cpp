// Ledger::memory_bytes and Ledger::shed (inventory/ledger/ledger_memory.cpp): under a
// MAC flood the ledger gives up one-packet stations first and keeps every asset
// with identity, an edge, a router role or a child.
#include <gtest/gtest.h>

#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {
namespace {

MacAddr flood_mac(std::uint32_t i) {
  // Locally administered unicast: no OUI vendor fact.
  return MacAddr{{0x02, 0x42, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                  static_cast<std::uint8_t>(i), 0x01}};
}

struct Plant {
  Ledger ledger{"test"};
  AssetIndex plc, hmi, idle_identity, parent;
  std::string plc_id, hmi_id, idle_id, parent_id, child_id, chatty_id;

  Plant() {
    plc = ledger.station(*MacAddr::parse("00:00:bc:12:34:56"), 1);
    hmi = ledger.station(*MacAddr::parse("00:0e:c6:11:22:33"), 1);
    const EdgeIndex e = ledger.edge(hmi, plc, "enip", "tcp", 44818, 0, 1);
    ledger.count_edge(e, 100, 1);
    // Identity but no conversation: a device that only answered a broadcast.
    idle_identity = ledger.station(flood_mac(0xfffff0), 1);
    ledger.add_fact(idle_identity, field::product, "1756-EN2T", "enip_list_identity", 1);
    parent = ledger.station(flood_mac(0xfffff1), 1);
    const AssetIndex child = ledger.child(parent, "1/3", 1);
    plc_id = ledger.assets()[plc].id;
    hmi_id = ledger.assets()[hmi].id;
    idle_id = ledger.assets()[idle_identity].id;
    parent_id = ledger.assets()[parent].id;
    child_id = ledger.assets()[child].id;
    // A station with many frames but no identity or edge: shed after the one-packet ones.
    const AssetIndex chatty = ledger.station(flood_mac(0xfffff2), 1);
    for (int i = 0; i < 50; ++i) ledger.sent(chatty, 60, 0, 2);
    chatty_id = ledger.assets()[chatty].id;
  }
  void flood(std::uint32_t n) {
    for (std::uint32_t i = 0; i < n; ++i) {
      const AssetIndex a = ledger.station(flood_mac(i), 10 + i);
      ledger.sent(a, 60, 0, 10 + i);
    }
  }
  void expect_real_devices_kept() const {
    for (const auto& id : {plc_id, hmi_id, idle_id, parent_id, child_id})
      EXPECT_NE(ledger.index_of(id), kNoAsset) << id;
  }
};

TEST(LedgerShedTest, MemoryGrowsWithAssets) {
  Plant p;
  const std::size_t before = p.ledger.memory_bytes();
  p.flood(1000);
  const std::size_t after = p.ledger.memory_bytes();
  EXPECT_GE(after - before, 1000 * sizeof(Asset));
  EXPECT_LE(after - before, 1000 * (sizeof(Asset) + 1024));
}

TEST(LedgerShedTest, UnderTargetShedsNothing) {
  Plant p;
  p.flood(100);
  const std::size_t n = p.ledger.assets().size();
  EXPECT_EQ(p.ledger.shed(p.ledger.memory_bytes()), 0u);
  EXPECT_EQ(p.ledger.assets().size(), n);
  EXPECT_EQ(p.ledger.assets_shed(), 0u);
}

TEST(LedgerShedTest, FloodShedsOnePacketStationsFirstAndKeepsRealDevices) {
  Plant p;
  p.flood(20000);
  const std::size_t full = p.ledger.memory_bytes();
  const std::size_t n_before = p.ledger.assets().size();
  std::vector<AssetIndex> remap;
  const std::size_t shed = p.ledger.shed(full / 2, &remap);
  EXPECT_GT(shed, 5000u);
  EXPECT_LT(shed, 20000u);  // only as much as the target needs
  EXPECT_EQ(p.ledger.assets_shed(), shed);
  EXPECT_EQ(p.ledger.assets().size(), n_before - shed);
  EXPECT_LE(p.ledger.memory_bytes(), full / 2 + full / 20);
  p.expect_real_devices_kept();
  EXPECT_NE(p.ledger.index_of(p.chatty_id), kNoAsset) << "a 50-packet station outlives one-packet ones";
  // The oldest one-packet stations went first.
  EXPECT_EQ(p.ledger.find(flood_mac(0).to_string()), nullptr);
  EXPECT_NE(p.ledger.find(flood_mac(19999).to_string()), nullptr);

  // Indices: the remap agrees with the new positions, and the maps follow.
  ASSERT_EQ(remap.size(), n_before);
  EXPECT_EQ(remap[p.plc], p.ledger.index_of(p.plc_id));
  const AssetIndex again = p.ledger.station(*MacAddr::parse("00:00:bc:12:34:56"), 99);
  EXPECT_EQ(again, p.ledger.index_of(p.plc_id));
  EXPECT_EQ(p.ledger.assets().size(), n_before - shed) << "a known MAC is not re-created";
  // Edges still resolve by their (moved) endpoint indices: no duplicate edge.
  const std::size_t edges = p.ledger.edges().size();
  const EdgeIndex e = p.ledger.edge(p.ledger.index_of(p.hmi_id), again, "enip", "tcp", 44818, 0, 99);
  EXPECT_EQ(p.ledger.edges().size(), edges);
  p.ledger.count_edge(e, 10, 99);
  EXPECT_EQ(p.ledger.edges()[e].packets, 2u);
  // A shed station seen again comes back as new.
  const AssetIndex back = p.ledger.station(flood_mac(0), 100);
  EXPECT_EQ(back, p.ledger.assets().size() - 1);
}

TEST(LedgerShedTest, ShedsEverythingSheddableButNeverRealDevices) {
  Plant p;
  p.flood(5000);
  p.ledger.shed(0);
  p.expect_real_devices_kept();
  EXPECT_EQ(p.ledger.index_of(p.chatty_id), kNoAsset);
  EXPECT_EQ(p.ledger.assets().size(), 5u);  // plc, hmi, identity, parent, child
  EXPECT_EQ(p.ledger.assets_shed(), 5001u);
}

// Spoofed senders, one bare UDP datagram each to the PLC: their one-packet
// edges do not make them conversations. They go, with their edges; a sender
// whose edge has a confirmed protocol, an operation or more than
// kWeakEdgePackets packets stays.
TEST(LedgerShedTest, SpoofedSendersGoWithTheirOnePacketEdges) {
  Plant p;
  const std::size_t edges_before = p.ledger.edges().size();
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const AssetIndex a = p.ledger.station(flood_mac(i), 10 + i);
    p.ledger.sent(a, 60, 0, 10 + i);
    const EdgeIndex e = p.ledger.edge(a, p.ledger.index_of(p.plc_id), "udp", "udp", 2222, 0, 10 + i);
    p.ledger.count_edge(e, 60, 10 + i);
  }
  // A real poller that sent three datagrams, and one that wrote once.
  const AssetIndex steady = p.ledger.station(flood_mac(0xfffff3), 1);
  const EdgeIndex se = p.ledger.edge(steady, p.ledger.index_of(p.plc_id), "udp", "udp", 2222, 0, 1);
  for (int k = 0; k < 3; ++k) p.ledger.count_edge(se, 60, 1 + k);
  const AssetIndex writer = p.ledger.station(flood_mac(0xfffff4), 1);
  const EdgeIndex we = p.ledger.edge(writer, p.ledger.index_of(p.plc_id), "modbus", "tcp", 502, 0, 1);
  p.ledger.count_edge(we, 60, 1);
  Operation op;
  op.protocol = "modbus";
  op.name = "write_single_register";
  op.code = 6;
  op.is_write = true;
  ASSERT_TRUE(p.ledger.add_op(we, op, 1));
  const std::string steady_id = p.ledger.assets()[steady].id, writer_id = p.ledger.assets()[writer].id;

  std::vector<AssetIndex> remap;
  std::vector<EdgeIndex> edge_remap;
  p.ledger.shed(0, &remap, &edge_remap);
  p.expect_real_devices_kept();
  EXPECT_NE(p.ledger.index_of(steady_id), kNoAsset) << "three datagrams are a conversation";
  EXPECT_NE(p.ledger.index_of(writer_id), kNoAsset) << "a write is a conversation";
  EXPECT_EQ(p.ledger.find(flood_mac(0).to_string()), nullptr);
  EXPECT_EQ(p.ledger.find(flood_mac(4999).to_string()), nullptr);
  EXPECT_EQ(p.ledger.edges_shed(), 5000u);
  EXPECT_EQ(p.ledger.edges().size(), edges_before + 2);
  // Every kept edge is found by its id and its key at its new index.
  ASSERT_EQ(edge_remap.size(), edges_before + 5002);
  for (EdgeIndex e = 0; e < p.ledger.edges().size(); ++e) {
    const Edge& ed = p.ledger.edges()[e];
    EXPECT_NE(p.ledger.index_of(ed.from_id), kNoAsset) << ed.id;
    EXPECT_NE(p.ledger.index_of(ed.to_id), kNoAsset) << ed.id;
  }
  EXPECT_EQ(edge_remap[edges_before + 5000], edges_before);      // the poller's edge moved down
  EXPECT_EQ(edge_remap[edges_before], kNoEdge);                  // the first spoof's edge went
  const EdgeIndex again = p.ledger.edge(p.ledger.index_of(steady_id), p.ledger.index_of(p.plc_id), "udp", "udp",
                                        2222, 0, 99);
  EXPECT_EQ(again, edges_before) << "the kept edge is found again, not duplicated";
  p.ledger.count_edge(again, 60, 99);
  EXPECT_EQ(p.ledger.edges()[again].packets, 4u);
}

TEST(LedgerShedTest, OuiFactIsNotIdentity) {
  Ledger l("t");
  const AssetIndex a = l.station(*MacAddr::parse("00:00:bc:00:00:01"), 1);  // Rockwell OUI
  ASSERT_FALSE(l.assets()[a].facts.empty());
  l.shed(0);
  EXPECT_TRUE(l.assets().empty());
}

}  // namespace
}  // namespace mieruka::inventory
