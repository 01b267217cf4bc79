// mieruka_gen_pcap: writes the project's synthetic captures, reproducibly.
//   mieruka_gen_pcap sample OUT.pcapng   the bundled factory sample (pcaps/)
// Every scenario is a function below; the frames come from frames.hpp.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "frames.hpp"

using namespace mieruka::gen;

namespace {

// Modbus/TCP ADU (MBAP + PDU).
Buf modbus_adu(std::uint16_t tid, std::uint8_t unit, const Buf& pdu) {
  Buf b;
  put16be(b, tid);
  put16be(b, 0);
  put16be(b, static_cast<std::uint32_t>(pdu.size() + 1));
  put8(b, unit);
  put_bytes(b, pdu);
  return b;
}

Buf read_holding_req(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 3);
  put16be(p, addr);
  put16be(p, qty);
  return p;
}

Buf read_holding_resp(std::uint16_t qty, std::uint16_t base) {
  Buf p;
  put8(p, 3);
  put8(p, qty * 2);
  for (std::uint16_t i = 0; i < qty; ++i) put16be(p, base + i);
  return p;
}

Buf write_multiple_req(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 16);
  put16be(p, addr);
  put16be(p, qty);
  put8(p, qty * 2);
  for (std::uint16_t i = 0; i < qty; ++i) put16be(p, 100 + i);
  return p;
}

Buf write_multiple_resp(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 16);
  put16be(p, addr);
  put16be(p, qty);
  return p;
}

// 43/14 Read Device Identification, basic+regular objects in one response.
Buf device_id_req() { return Buf{0x2b, 0x0e, 0x02, 0x00}; }
Buf device_id_resp(const std::map<std::uint8_t, std::string>& objects) {
  Buf p{0x2b, 0x0e, 0x02, 0x02, 0x00, 0x00};
  put8(p, static_cast<std::uint32_t>(objects.size()));
  for (const auto& [id, v] : objects) {
    put8(p, id);
    put8(p, static_cast<std::uint32_t>(v.size()));
    put_str(p, v);
  }
  return p;
}

// EtherNet/IP encapsulation header + body.
Buf enip(std::uint16_t command, const Buf& body, std::uint32_t session = 0) {
  Buf b;
  put16le(b, command);
  put16le(b, static_cast<std::uint32_t>(body.size()));
  put32le(b, session);
  put32le(b, 0);
  put64le(b, 0x0102030405060708ULL);
  put32le(b, 0);
  put_bytes(b, body);
  return b;
}

struct Identity {
  std::uint16_t vendor, device_type, product_code;
  std::uint8_t major, minor;
  std::uint16_t status;
  std::uint32_t serial;
  std::string name;
};

Buf list_identity_resp(const Identity& id, std::uint32_t ip) {
  Buf item;
  put16le(item, 1);          // encapsulation protocol version
  put16be(item, 2);          // sin_family (big-endian)
  put16be(item, 44818);      // sin_port
  put32be(item, ip);         // sin_addr
  for (int i = 0; i < 8; ++i) put8(item, 0);
  put16le(item, id.vendor);
  put16le(item, id.device_type);
  put16le(item, id.product_code);
  put8(item, id.major);
  put8(item, id.minor);
  put16le(item, id.status);
  put32le(item, id.serial);
  put8(item, static_cast<std::uint32_t>(id.name.size()));
  put_str(item, id.name);
  put8(item, 3);             // state
  Buf body;
  put16le(body, 1);          // item count
  put16le(body, 0x000c);     // CIP Identity item
  put16le(body, static_cast<std::uint32_t>(item.size()));
  put_bytes(body, item);
  return enip(0x63, body);
}

void gratuitous_arp(CaptureWriter& w, std::int64_t& ts, const Host& h) {
  const Buf a = arp(1, h.mac, h.ip, Mac{}, h.ip);
  w.write(ts, h.vlan ? ether(h.mac, kBroadcast, 0x0806, a, {h.vlan}) : ether(h.mac, kBroadcast, 0x0806, a));
  ts += 1000;
}

void arp_exchange(CaptureWriter& w, std::int64_t& ts, const Host& asker, const Host& target) {
  const Buf req = arp(1, asker.mac, asker.ip, Mac{}, target.ip);
  w.write(ts, ether(asker.mac, kBroadcast, 0x0806, req));
  ts += 200;
  const Buf rep = arp(2, target.mac, target.ip, asker.mac, asker.ip);
  w.write(ts, ether(target.mac, asker.mac, 0x0806, rep));
  ts += 800;
}

// The bundled sample: a small cell with a ControlLogix PLC (EtherNet/IP), a
// Schneider M340 (Modbus/TCP with device identification), an HMI and a SCADA
// server, a router with an office host behind it, and SPAN duplicates.
int write_sample(const std::string& out) {
  CaptureWriter w(out, true);
  if (!w.ok()) {
    std::fprintf(stderr, "mieruka_gen_pcap: %s: cannot write (%s)\n", out.c_str(), std::strerror(errno));
    return 1;
  }
  std::int64_t ts = 1763625600LL * 1000000;  // 2025-11-20T08:00:00Z
  const Host plc{mac("00:00:bc:12:34:56"), ip4("10.10.1.20")};
  const Host m340{mac("00:80:f4:0a:0b:0c"), ip4("10.10.1.30")};
  const Host hmi{mac("00:0e:c6:11:22:33"), ip4("10.10.1.50")};
  const Host scada{mac("00:15:5d:44:55:66"), ip4("10.10.1.10")};
  const Host router{mac("00:1b:54:aa:bb:cc"), ip4("10.10.1.1")};
  const Host office_via_router{router.mac, ip4("192.168.10.25")};

  for (const Host* h : {&plc, &m340, &hmi, &scada, &router}) gratuitous_arp(w, ts, *h);
  arp_exchange(w, ts, scada, m340);
  arp_exchange(w, ts, hmi, plc);

  // HMI: ListIdentity broadcast, the PLC answers.
  {
    const Buf req = enip(0x63, {});
    w.write(ts, ether(hmi.mac, kBroadcast, 0x0800, ipv4(hmi.ip, ip4("10.10.1.255"), 17, udp(hmi.ip, ip4("10.10.1.255"), 50000, 44818, req))));
    ts += 2000;
    const Identity id{1, 14, 166, 32, 11, 0x3160, 0x00a1b2c3, "1756-L81E/B ControlLogix5581E"};
    const Buf rsp = list_identity_resp(id, plc.ip);
    w.write(ts, ether(plc.mac, hmi.mac, 0x0800, ipv4(plc.ip, hmi.ip, 17, udp(plc.ip, hmi.ip, 44818, 50000, rsp))));
    ts += 5000;
  }
  // SCADA polls the M340 over Modbus/TCP, asks for its identity, writes a setpoint.
  {
    TcpSession s(w, scada, m340, 49152, 502);
    s.handshake(ts);
    std::uint16_t tid = 1;
    s.data(ts, true, modbus_adu(tid, 1, device_id_req()));
    s.data(ts, false, modbus_adu(tid++, 1, device_id_resp({{0, "Schneider Electric"}, {1, "BMX P34 2020"}, {2, "v3.10"},
                                                           {3, "www.se.com"}, {4, "Modicon M340"}, {5, "BMX P34 2020"}})));
    for (int i = 0; i < 20; ++i) {
      s.data(ts, true, modbus_adu(tid, 1, read_holding_req(100, 10)));
      s.data(ts, false, modbus_adu(tid++, 1, read_holding_resp(10, static_cast<std::uint16_t>(i))));
      ts += 100000;
    }
    s.data(ts, true, modbus_adu(tid, 1, write_multiple_req(200, 2)));
    s.data(ts, false, modbus_adu(tid++, 1, write_multiple_resp(200, 2)));
    s.close(ts);
  }
  // HMI reads the PLC's identity over a TCP session (ListIdentity on 44818/tcp).
  {
    TcpSession s(w, hmi, plc, 49200, 44818);
    s.handshake(ts);
    s.data(ts, true, enip(0x63, {}));
    const Identity id{1, 14, 166, 32, 11, 0x3160, 0x00a1b2c3, "1756-L81E/B ControlLogix5581E"};
    s.data(ts, false, list_identity_resp(id, plc.ip));
    s.close(ts);
  }
  // An office host behind the router opens an HTTPS session to the SCADA server;
  // a mirror port set on two VLANs copies one frame twice (SPAN duplicate).
  {
    TcpSession s(w, office_via_router, scada, 51000, 443);
    s.handshake(ts);
    Buf hello(120, 0x16);
    s.data(ts, true, hello);
    s.close(ts);
    const Buf seg = tcp(ip4("192.168.10.25"), scada.ip, 51001, 443, 7, 0, tcpf::syn, {});
    const Buf pkt = ipv4(ip4("192.168.10.25"), scada.ip, 6, seg, 63, 4242);
    w.write(ts, ether(router.mac, scada.mac, 0x0800, pkt, {10}));
    w.write(ts + 30, ether(router.mac, scada.mac, 0x0800, pkt, {20}));
    ts += 1000;
  }
  std::fprintf(stderr, "mieruka_gen_pcap: wrote %llu packets to %s\n", static_cast<unsigned long long>(w.packets()),
               out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<int(const std::string&)>> scenarios = {
      {"sample", write_sample},
  };
  if (argc != 3 || scenarios.count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: mieruka_gen_pcap SCENARIO OUT\nscenarios:");
    for (const auto& [name, fn] : scenarios) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 1;
  }
  return scenarios.at(argv[1])(argv[2]);
}
