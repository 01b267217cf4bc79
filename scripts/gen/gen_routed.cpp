// Routed plant networks as one mirror port sees them:
//   l3_core     an L3 core switch routing between an office VLAN, an operations
//               VLAN and twenty cell VLANs, every VLAN copied to the mirror port,
//               so a routed packet appears twice: as its sender put it on its
//               VLAN (to the core's MAC) and as the core put it on the
//               receiver's VLAN (from the core's MAC, TTL one less, same IP id).
//   dual_homed  a historian with one NIC in the operations VLAN and one in a
//               cell, announcing the same NetBIOS name on both.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "frames.hpp"
#include "scenarios.hpp"

using namespace mieruka::gen;

namespace {

// A host beyond the core whose segment the mirror does not copy (the internet,
// a subnet behind another router): only the copy on the other side is seen.
constexpr std::uint16_t kBeyond = 0xffff;

Buf tagged(const Mac& src, const Mac& dst, std::uint16_t vlan, const Buf& ip) {
  if (vlan == 0) return ether(src, dst, 0x0800, ip);
  return ether(src, dst, 0x0800, ip, {vlan});
}

// What the mirror port copies of one IP packet from `a` to `b`. Hosts on one
// VLAN talk directly; otherwise the packet goes through the core.
class Mirror {
 public:
  Mirror(CaptureWriter& w, const Mac& core) : w_(w), core_(core) {}

  void packet(std::int64_t& ts, const Host& a, const Host& b, std::uint8_t proto, const Buf& l4) {
    const std::uint16_t id = ipid_++;
    if (a.vlan == b.vlan && a.vlan != kBeyond) {
      w_.write(ts, tagged(a.mac, b.mac, a.vlan, ipv4(a.ip, b.ip, proto, l4, 64, id)));
    } else {
      if (a.vlan != kBeyond) w_.write(ts, tagged(a.mac, core_, a.vlan, ipv4(a.ip, b.ip, proto, l4, 64, id)));
      if (b.vlan != kBeyond) w_.write(ts + 30, tagged(core_, b.mac, b.vlan, ipv4(a.ip, b.ip, proto, l4, 63, id)));
    }
    ts += 200;
  }
  // A TCP connection through the mirror, both copies of every routed segment.
  TcpSession tcp_session(const Host& c, const Host& s, std::uint16_t cport, std::uint16_t sport) {
    return TcpSession([this](std::int64_t& ts, const Host& a, const Host& b, const Buf& seg) { packet(ts, a, b, 6, seg); },
                      c, s, cport, sport, 7000, 90000);
  }
  void arp_for(std::int64_t& ts, const Host& asker, const Mac& owner, std::uint32_t owner_ip) {
    w_.write(ts, ether(asker.mac, kBroadcast, 0x0806, arp(1, asker.mac, asker.ip, Mac{}, owner_ip), {asker.vlan}));
    ts += 300;
    w_.write(ts, ether(owner, asker.mac, 0x0806, arp(2, owner, owner_ip, asker.mac, asker.ip), {asker.vlan}));
    ts += 300;
  }
  void gratuitous(std::int64_t& ts, const Host& h) {
    w_.write(ts, ether(h.mac, kBroadcast, 0x0806, arp(1, h.mac, h.ip, Mac{}, h.ip), {h.vlan}));
    ts += 300;
  }
  CaptureWriter& writer() { return w_; }

 private:
  CaptureWriter& w_;
  Mac core_;
  std::uint16_t ipid_ = 0x100;
};

void modbus_polls(Mirror& m, std::int64_t& ts, const Host& client, const Host& server, std::uint16_t cport, int polls) {
  TcpSession s = m.tcp_session(client, server, cport, 502);
  s.handshake(ts);
  for (int i = 1; i <= polls; ++i) {
    const auto tid = static_cast<std::uint16_t>(i);
    s.data(ts, true, modbus_adu(tid, 1, read_holding_req(0, 4)));
    s.data(ts, false, modbus_adu(tid, 1, read_holding_resp(4, tid)));
    ts += 100'000;
  }
  s.close(ts);
}

// The core (Cisco) holds x.x.x.1 on every VLAN. Office VLAN 10 (192.168.10.0/24),
// operations VLAN 20 (10.20.0.0/24), cell n on VLAN 100+n (10.1.n.0/24), with a
// PLC at .10 (makers in turn: Mitsubishi, Omron, Keyence, Siemens, Rockwell) and an
// HMI at .20 polling it on the cell VLAN. The SCADA server polls every PLC through
// the core; an office laptop writes registers of cell 3's PLC; an office PC opens
// HTTPS to a public address; SCADA polls a Modbus device in a subnet the mirror
// does not copy (10.99.0.0/24). Only cells 1-10's PLCs ever send an ARP, and
// SCADA's first polls of cells 11-20 come before anyone on those VLANs ARPs.
int write_l3_core(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764835200LL * 1000000;  // 2025-12-04T08:00:00Z
  const Mac core = mac("00:1e:f7:c0:00:01");
  Mirror m(w, core);
  auto gw = [&](std::uint16_t vlan, std::uint32_t net) { return Host{core, net | 1U, vlan}; };
  const Host scada{mac("00:15:5d:20:00:10"), ip4("10.20.0.10"), 20};
  const Host laptop{mac("3c:52:82:10:00:55"), ip4("192.168.10.55"), 10};
  const Host office_pc{mac("3c:52:82:10:00:60"), ip4("192.168.10.60"), 10};
  const Host web{mac("00:00:00:00:00:00"), ip4("93.184.216.34"), kBeyond};
  const Host remote_meter{mac("00:00:00:00:00:00"), ip4("10.99.0.5"), kBeyond};
  static const char* const kMakers[] = {"38:e0:8e", "3c:f7:d1", "00:01:fc", "00:1b:1b", "00:00:bc"};
  std::vector<Host> plcs, hmis;
  for (int n = 1; n <= 20; ++n) {
    const auto vlan = static_cast<std::uint16_t>(100 + n);
    char plc_mac[32], hmi_mac[32], plc_ip[32], hmi_ip[32];
    std::snprintf(plc_mac, sizeof plc_mac, "%s:01:%02x:10", kMakers[(n - 1) % 5], n);
    std::snprintf(hmi_mac, sizeof hmi_mac, "00:15:5d:01:%02x:20", n);
    std::snprintf(plc_ip, sizeof plc_ip, "10.1.%d.10", n);
    std::snprintf(hmi_ip, sizeof hmi_ip, "10.1.%d.20", n);
    plcs.push_back(Host{mac(plc_mac), ip4(plc_ip), vlan});
    hmis.push_back(Host{mac(hmi_mac), ip4(hmi_ip), vlan});
  }

  // Before anyone on cells 11-20 has ARPed: SCADA's first round to those PLCs.
  m.arp_for(ts, scada, core, ip4("10.20.0.1"));
  for (int n = 11; n <= 20; ++n) modbus_polls(m, ts, scada, plcs[n - 1], static_cast<std::uint16_t>(50000 + n), 2);
  // The office and the cells ARP for their gateway; cells 1-10's PLCs announce
  // themselves, and each HMI asks for its PLC (only cells 1-10 answer that way:
  // the rest are known from the frames they send).
  m.arp_for(ts, laptop, core, ip4("192.168.10.1"));
  m.arp_for(ts, office_pc, core, ip4("192.168.10.1"));
  for (int n = 1; n <= 20; ++n) {
    const Host& plc = plcs[n - 1];
    const Host& hmi = hmis[n - 1];
    m.arp_for(ts, hmi, core, gw(hmi.vlan, hmi.ip & 0xffffff00U).ip);
    if (n <= 10) {
      m.gratuitous(ts, plc);
      m.arp_for(ts, hmi, plc.mac, plc.ip);
    }
  }
  for (int round = 0; round < 2; ++round) {
    for (int n = 1; n <= 20; ++n) {
      modbus_polls(m, ts, hmis[n - 1], plcs[n - 1], static_cast<std::uint16_t>(40000 + round * 100 + n), 3);
      modbus_polls(m, ts, scada, plcs[n - 1], static_cast<std::uint16_t>(51000 + round * 100 + n), 2);
    }
    ts += 5'000'000;
  }
  // The office laptop writes holding registers of cell 3's PLC through the core.
  {
    TcpSession s = m.tcp_session(laptop, plcs[2], 55123, 502);
    s.handshake(ts);
    for (std::uint16_t tid = 1; tid <= 3; ++tid) {
      s.data(ts, true, modbus_adu(tid, 1, write_multiple_req(200, 2)));
      s.data(ts, false, modbus_adu(tid, 1, write_multiple_resp(200, 2)));
      ts += 1'000'000;
    }
    s.close(ts);
  }
  // SCADA polls a meter gateway in a subnet the mirror does not copy.
  modbus_polls(m, ts, scada, remote_meter, 52001, 3);
  // An office PC opens HTTPS to a public web server (handshake and a close).
  {
    TcpSession s = m.tcp_session(office_pc, web, 61000, 443);
    s.handshake(ts);
    s.close(ts);
  }
  return wrote(w, out);
}

// NetBIOS name registration broadcast (RFC 1002 §4.2.2) of `name` from `h`.
Buf nbns_registration(std::uint16_t id, std::string_view name, std::uint32_t ip) {
  Buf b;
  put16be(b, id);
  put16be(b, 0x2910);  // registration request, RD, broadcast
  put16be(b, 1);       // QDCOUNT
  put16be(b, 0);
  put16be(b, 0);
  put16be(b, 1);       // ARCOUNT
  std::string padded(name);
  padded.resize(15, ' ');
  put8(b, 32);
  for (unsigned char c : padded + std::string(1, '\x00')) {
    put8(b, 'A' + (c >> 4));
    put8(b, 'A' + (c & 0x0f));
  }
  put8(b, 0);
  put16be(b, 0x0020);  // NB
  put16be(b, 0x0001);  // IN
  put16be(b, 0xc00c);
  put16be(b, 0x0020);
  put16be(b, 0x0001);
  put32be(b, 300000);
  put16be(b, 6);
  put16be(b, 0x0000);  // B node, unique
  put32be(b, ip);
  return b;
}

// A historian with one NIC in operations (VLAN 20) and one in cell 1 (VLAN 101),
// both announcing NetBIOS name HIST01: it polls the cell PLC on the cell NIC and
// serves SCADA on the operations NIC, bridging the two zones around the
// firewall. A second PC in operations with a name of its own, and a cell HMI.
int write_dual_homed(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764838800LL * 1000000;  // 2025-12-04T09:00:00Z
  const Mac core = mac("00:1e:f7:c0:00:01");
  Mirror m(w, core);
  const Host hist_ops{mac("00:1b:21:aa:00:01"), ip4("10.20.0.30"), 20};
  const Host hist_cell{mac("00:1b:21:aa:00:02"), ip4("10.1.1.30"), 101};
  const Host scada{mac("00:15:5d:20:00:10"), ip4("10.20.0.10"), 20};
  const Host eng{mac("00:15:5d:20:00:11"), ip4("10.20.0.11"), 20};
  const Host plc{mac("38:e0:8e:01:01:10"), ip4("10.1.1.10"), 101};
  const Host hmi{mac("00:15:5d:01:01:20"), ip4("10.1.1.20"), 101};
  for (const Host* h : {&hist_ops, &hist_cell, &scada, &eng, &plc, &hmi}) m.gratuitous(ts, *h);
  std::uint16_t id = 0x4000;
  for (int i = 0; i < 2; ++i) {
    for (const auto& [h, name] : {std::pair{&hist_ops, "HIST01"}, std::pair{&hist_cell, "HIST01"},
                                  std::pair{&scada, "SCADA01"}, std::pair{&eng, "ENG-PC2"}}) {
      const std::uint32_t bcast = h->ip | 0xffU;
      const Buf frame = ether(h->mac, kBroadcast, 0x0800,
                              ipv4(h->ip, bcast, 17, udp(h->ip, bcast, 137, 137, nbns_registration(id++, name, h->ip))),
                              {h->vlan});
      w.write(ts, frame);
      ts += 500'000;
    }
  }
  modbus_polls(m, ts, hist_cell, plc, 45000, 4);
  modbus_polls(m, ts, hmi, plc, 45001, 4);
  {  // SCADA reads the historian's web API on its operations NIC.
    TcpSession s = m.tcp_session(scada, hist_ops, 46000, 8080);
    s.handshake(ts);
    s.close(ts);
  }
  return wrote(w, out);
}

const Scenario kL3Core{"l3_core", write_l3_core};
const Scenario kDualHomed{"dual_homed", write_dual_homed};

}  // namespace
