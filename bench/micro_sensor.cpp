// Google Benchmark micro-benchmarks of the sensor and ledger hot path: flow
// table lookup, in-order TCP reassembly, ledger updates, and the whole
// Pipeline::on_packet on the factory mix held in memory.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/factory_mix.hpp"
#include "inventory/ledger/ledger.hpp"
#include "sensor/flow/flow_table.hpp"
#include "sensor/pipeline/pipeline.hpp"
#include "sensor/flow/tcp_reassembly.hpp"

namespace {

using namespace mieruka;
using namespace mieruka::gen;

std::vector<std::byte> bytes(const Buf& b) {
  std::vector<std::byte> v(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) v[i] = std::byte{b[i]};
  return v;
}

// 1,000 live UDP flows, looked up round robin.
void BM_FlowTable_Lookup(benchmark::State& st) {
  sensor::ReassemblyBudget budget;
  sensor::FlowTable table({}, budget);
  std::vector<std::vector<std::byte>> frames;
  std::vector<dissectors::DecodedPacket> pkts(1000);
  NullSink sink;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    const Host a{mac("00:00:bc:00:04:00"), ip4("10.10.2.10") + i % 30};
    const Host b{mac("00:1d:9c:00:05:00"), ip4("10.10.3.10") + i};
    frames.push_back(bytes(factory::udp_frame(a, b, 2222, 2222, factory::io_datagram(i, 1, 32), 1)));
  }
  for (std::size_t i = 0; i < frames.size(); ++i)
    (void)dissectors::decode(dissectors::LinkType::ethernet, frames[i], pkts[i], sink);
  std::int64_t now = 1'000'000;
  std::size_t i = 0;
  for (auto _ : st) {
    std::uint8_t side = 0;
    bool created = false;
    auto* f = table.lookup(pkts[i], ++now, side, created);
    benchmark::DoNotOptimize(f);
    if (++i == pkts.size()) i = 0;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_FlowTable_Lookup);

class CountingConsumer final : public sensor::StreamConsumer {
 public:
  void on_bytes(std::span<const std::byte> b) noexcept override { n_ += b.size(); }
  void on_gap(std::size_t) noexcept override {}
  std::size_t n_ = 0;
};

void BM_Reassembly_InOrder(benchmark::State& st) {
  sensor::ReassemblyBudget budget;
  sensor::TcpStream s(budget);
  CountingConsumer out;
  const std::vector<std::byte> seg(static_cast<std::size_t>(st.range(0)), std::byte{0x41});
  std::uint32_t seq = 1000;
  s.on_segment(seq - 1, {}, dissectors::tcp_flag::syn, out);
  for (auto _ : st) {
    s.on_segment(seq, seg, dissectors::tcp_flag::ack | dissectors::tcp_flag::psh, out);
    seq += static_cast<std::uint32_t>(seg.size());
  }
  st.SetItemsProcessed(st.iterations());
  st.SetBytesProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_Reassembly_InOrder)->Arg(12)->Arg(45)->Arg(1460);

void BM_Ledger_SentAndCountEdge(benchmark::State& st) {
  inventory::Ledger l("bench");
  std::vector<inventory::AssetIndex> a;
  for (std::uint32_t i = 0; i < 500; ++i) {
    auto m = MacAddr::parse("00:80:f4:00:00:00");
    m->b[4] = static_cast<std::uint8_t>(i >> 8);
    m->b[5] = static_cast<std::uint8_t>(i);
    a.push_back(l.station(*m, 1));
  }
  std::vector<inventory::EdgeIndex> e;
  for (std::uint32_t i = 1; i < 500; ++i) e.push_back(l.edge(a[0], a[i], "modbus", "tcp", 502, 0, 1));
  std::size_t i = 0;
  std::int64_t now = 2;
  for (auto _ : st) {
    l.sent(a[i + 1], 90, 0, ++now);
    l.count_edge(e[i], 90, now);
    if (++i == e.size()) i = 0;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Ledger_SentAndCountEdge);

void BM_Ledger_Station(benchmark::State& st) {
  inventory::Ledger l("bench");
  std::vector<MacAddr> macs;
  for (std::uint32_t i = 0; i < 500; ++i) {
    auto m = MacAddr::parse("00:80:f4:00:00:00");
    m->b[4] = static_cast<std::uint8_t>(i >> 8);
    m->b[5] = static_cast<std::uint8_t>(i);
    macs.push_back(*m);
    (void)l.station(*m, 1);
  }
  std::size_t i = 0;
  for (auto _ : st) {
    benchmark::DoNotOptimize(l.station(macs[i], 2));
    if (++i == macs.size()) i = 0;
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Ledger_Station);

// The whole packet loop body on 200k packets of the steady factory mix held in
// memory (after one warm-up pass over the first half).
void BM_Pipeline_FactoryMix(benchmark::State& st) {
  const std::string path = "/tmp/mieruka_bench_micro.pcap";
  {
    CaptureWriter w(path, false);
    factory::Factory f(w, 7);
    f.steady = true;
    f.open();
    while (w.packets() < 200000) f.base_packet();
  }
  struct Frame {
    std::int64_t ts;
    std::vector<std::byte> data;
  };
  std::vector<Frame> frames;
  {
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    std::uint8_t hdr[24];
    if (fp == nullptr || std::fread(hdr, 1, 24, fp) != 24) {
      st.SkipWithError("cannot read the generated capture");
      return;
    }
    std::uint8_t rec[16];
    while (std::fread(rec, 1, 16, fp) == 16) {
      auto u32 = [&rec](int o) {
        return std::uint32_t{rec[o]} | std::uint32_t{rec[o + 1]} << 8 | std::uint32_t{rec[o + 2]} << 16 |
               std::uint32_t{rec[o + 3]} << 24;
      };
      Frame fr{std::int64_t{u32(0)} * 1000000 + u32(4), std::vector<std::byte>(u32(8))};
      if (std::fread(fr.data.data(), 1, fr.data.size(), fp) != fr.data.size()) break;
      frames.push_back(std::move(fr));
    }
    std::fclose(fp);
    std::remove(path.c_str());
  }
  inventory::Ledger ledger("bench");
  sensor::Pipeline pl(ledger);
  const std::size_t half = frames.size() / 2;
  for (std::size_t i = 0; i < half; ++i)
    pl.on_packet(dissectors::LinkType::ethernet, frames[i].ts, frames[i].data,
                 static_cast<std::uint32_t>(frames[i].data.size()));
  std::size_t i = half;
  std::int64_t shift = 0;
  for (auto _ : st) {
    const auto& f = frames[i];
    pl.on_packet(dissectors::LinkType::ethernet, f.ts + shift, f.data, static_cast<std::uint32_t>(f.data.size()));
    if (++i == frames.size()) {
      i = half;  // replays: TCP data repeats as retransmissions from here on
      shift += frames.back().ts - frames[half].ts + 1;
    }
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Pipeline_FactoryMix)->Iterations(100000);

}  // namespace
