// mieruka_gen_factory: writes a synthetic factory capture for the benchmarks
// (the mix is described in factory_mix.hpp).
//
//   mieruka_gen_factory [options] OUT.pcap
//     --packets N     base mix packets (default 1000000)
//     --seed S        random seed (default 1)
//     --mac-flood M   also M frames from M random source MACs, interleaved
//     --spoof-flood M also M UDP datagrams to a PLC, each from a new random MAC and address
//     --tcp-storm C   also C short TCP connections (7 frames each), interleaved
//     --hostile PCT   also PCT% hostile frames (cut, lying lengths, garbage)
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/factory_mix.hpp"

using namespace mieruka::gen;
using mieruka::gen::factory::Factory;

namespace {

bool parse_u64(const char* s, std::uint64_t& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtoull(s, &end, 10);
  return errno == 0 && end != s && *end == '\0';
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t packets = 1000000, seed = 1, flood = 0, spoof = 0, storm = 0, hostile_pct = 0;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    std::uint64_t* target = nullptr;
    if (a == "--packets") target = &packets;
    else if (a == "--seed") target = &seed;
    else if (a == "--mac-flood") target = &flood;
    else if (a == "--spoof-flood") target = &spoof;
    else if (a == "--tcp-storm") target = &storm;
    else if (a == "--hostile") target = &hostile_pct;
    if (target != nullptr) {
      if (i + 1 >= argc || !parse_u64(argv[++i], *target)) {
        std::fprintf(stderr, "mieruka_gen_factory: %s needs a number\n", a.c_str());
        return 2;
      }
      continue;
    }
    if (!out.empty() || a.starts_with("-")) {
      std::fprintf(stderr,
                   "usage: mieruka_gen_factory [--packets N] [--seed S] [--mac-flood M] [--spoof-flood M] [--tcp-storm C] "
                   "[--hostile PCT] OUT.pcap\n");
      return 2;
    }
    out = a;
  }
  if (out.empty() || hostile_pct > 50) {
    std::fprintf(stderr, "mieruka_gen_factory: give OUT.pcap (and --hostile at most 50)\n");
    return 2;
  }
  CaptureWriter w(out, false);
  if (!w.ok()) {
    std::fprintf(stderr, "mieruka_gen_factory: %s: cannot write (%s)\n", out.c_str(), std::strerror(errno));
    return 1;
  }
  Factory f(w, seed);
  f.open();
  // --packets counts base-mix frames; extra frames are spread evenly through
  // them (Bresenham-style, per base call).
  const std::uint64_t hostile = packets * hostile_pct / 100;
  std::uint64_t base = 0, acc_flood = 0, acc_spoof = 0, acc_storm = 0, acc_hostile = 0;
  while (base < packets) {
    const std::uint64_t before = w.packets();
    f.base_packet();
    const std::uint64_t wrote = w.packets() - before;
    base += wrote;
    for (acc_flood += flood * wrote; acc_flood >= packets; acc_flood -= packets) f.mac_flood_packet();
    for (acc_spoof += spoof * wrote; acc_spoof >= packets; acc_spoof -= packets) f.spoof_flood_packet();
    for (acc_storm += storm * wrote; acc_storm >= packets; acc_storm -= packets) f.tcp_storm_connection();
    for (acc_hostile += hostile * wrote; acc_hostile >= packets; acc_hostile -= packets) f.hostile_packet();
  }
  std::fprintf(stderr, "mieruka_gen_factory: wrote %llu packets to %s\n",
               static_cast<unsigned long long>(w.packets()), out.c_str());
  return 0;
}
