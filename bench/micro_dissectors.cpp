// Google Benchmark micro-benchmarks of the parsing layer: L2-L4 decode and each
// industrial dissector on the messages of the factory mix (bench/factory_mix.hpp),
// so a regression shows where it happens. Items/s = messages per second.
#include <benchmark/benchmark.h>

#include <vector>

#include "bench/factory_mix.hpp"
#include "dissectors/enip.hpp"
#include "dissectors/modbus.hpp"
#include "dissectors/opcua.hpp"
#include "dissectors/packet.hpp"

namespace {

using namespace mieruka;
using namespace mieruka::gen;
using dissectors::Direction;

std::vector<std::byte> bytes(const Buf& b) {
  std::vector<std::byte> v(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) v[i] = std::byte{b[i]};
  return v;
}

const Host kA{mac("00:15:5d:00:01:00"), ip4("10.10.0.10")};
const Host kB{mac("00:80:f4:00:03:00"), ip4("10.10.1.10")};

void BM_Decode_ModbusFrame(benchmark::State& st) {
  const auto f = bytes(factory::frame(kA, kB, 6, tcp(kA.ip, kB.ip, 40000, 502, 1, 1, tcpf::psh | tcpf::ack,
                                                      factory::mbap(1, 1, factory::mb_read_req(3, 100, 16))), 1));
  NullSink sink;
  for (auto _ : st) {
    dissectors::DecodedPacket p;
    auto r = dissectors::decode(dissectors::LinkType::ethernet, f, p, sink);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(p);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Decode_ModbusFrame);

void BM_Modbus_ParseAdu_Fc3Response(benchmark::State& st) {
  const auto req = bytes(factory::mbap(1, 1, factory::mb_read_req(3, 100, 16)));
  const auto rsp = bytes(factory::mbap(1, 1, factory::mb_read_resp(3, 16, 7)));
  auto r0 = dissectors::modbus::parse_adu(req, Direction::to_server);
  for (auto _ : st) {
    auto r = dissectors::modbus::parse_adu(rsp, Direction::to_client, r0 ? &r0->pdu : nullptr);
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Modbus_ParseAdu_Fc3Response);

// A request/response pair through the stream parser (framing, pairing, ops).
void BM_Modbus_Stream_PollPair(benchmark::State& st) {
  auto parser = dissectors::modbus::make_stream_parser();
  const auto req = bytes(factory::mbap(1, 1, factory::mb_read_req(3, 100, 16)));
  const auto rsp = bytes(factory::mbap(1, 1, factory::mb_read_resp(3, 16, 7)));
  NullSink sink;
  for (auto _ : st) {
    parser->on_data(Direction::to_server, req, sink);
    parser->on_data(Direction::to_client, rsp, sink);
  }
  st.SetItemsProcessed(st.iterations() * 2);
}
BENCHMARK(BM_Modbus_Stream_PollPair);

void BM_Enip_IoDatagram(benchmark::State& st) {
  const auto f = bytes(factory::udp_frame(kA, kB, 2222, 2222, factory::io_datagram(0x2001, 5, 32), 1));
  NullSink sink;
  dissectors::DecodedPacket p;
  (void)dissectors::decode(dissectors::LinkType::ethernet, f, p, sink);
  for (auto _ : st) dissectors::enip::on_io_datagram(p, p.payload, sink);
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Enip_IoDatagram);

void BM_Enip_ListIdentityDatagram(benchmark::State& st) {
  const auto f = bytes(factory::udp_frame(kB, kA, 44818, 50000, factory::list_identity_resp(kB.ip, 3), 1));
  NullSink sink;
  dissectors::DecodedPacket p;
  (void)dissectors::decode(dissectors::LinkType::ethernet, f, p, sink);
  for (auto _ : st) dissectors::enip::on_datagram(p, p.payload, sink);
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_Enip_ListIdentityDatagram);

void BM_Enip_Stream_SendRRData(benchmark::State& st) {
  auto parser = dissectors::enip::make_stream_parser();
  const auto req = bytes(factory::send_rr(0x1001, false, 1));
  const auto rsp = bytes(factory::send_rr(0x1001, true, 1));
  NullSink sink;
  for (auto _ : st) {
    parser->on_data(Direction::to_server, req, sink);
    parser->on_data(Direction::to_client, rsp, sink);
  }
  st.SetItemsProcessed(st.iterations() * 2);
}
BENCHMARK(BM_Enip_Stream_SendRRData);

void BM_OpcUa_Stream_ReadPair(benchmark::State& st) {
  auto parser = dissectors::opcua::make_stream_parser();
  NullSink sink;
  parser->on_data(Direction::to_server, bytes(factory::ua_hel("opc.tcp://ua:4840/plant")), sink);
  parser->on_data(Direction::to_client, bytes(factory::ua_ack()), sink);
  parser->on_data(Direction::to_server, bytes(factory::ua_opn(0, false, 1)), sink);
  parser->on_data(Direction::to_client, bytes(factory::ua_opn(0x101, true, 1)), sink);
  const auto req = bytes(factory::ua_read(0x101, 2, false));
  const auto rsp = bytes(factory::ua_read(0x101, 2, true));
  for (auto _ : st) {
    parser->on_data(Direction::to_server, req, sink);
    parser->on_data(Direction::to_client, rsp, sink);
  }
  st.SetItemsProcessed(st.iterations() * 2);
}
BENCHMARK(BM_OpcUa_Stream_ReadPair);

}  // namespace
