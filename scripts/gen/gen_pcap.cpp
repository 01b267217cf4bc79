// mieruka_gen_pcap: writes the project's synthetic captures, reproducibly.
//   mieruka_gen_pcap sample OUT.pcapng   the bundled factory sample (pcaps/)
// Every scenario is a function below; the frames come from frames.hpp.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include <string_view>

#include "frames.hpp"
#include "scenarios.hpp"

using namespace mieruka::gen;

namespace {

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
  if (cannot_write(w, out)) return 1;
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
  return wrote(w, out);
}

// --- melsec_omron: Mitsubishi SLMP/MC and Omron FINS --------------------------------

// SLMP 3E binary request / response (SH-080956ENG §4): little-endian fields, route
// to the own station's CPU (network 0, PC 0xFF, module I/O 0x03FF, station 0).
Buf slmp_3e_req(std::uint16_t cmd, std::uint16_t sub, const Buf& data) {
  Buf b{0x50, 0x00, 0x00, 0xFF};
  put16le(b, 0x03FF);
  put8(b, 0x00);
  put16le(b, static_cast<std::uint32_t>(6 + data.size()));
  put16le(b, 0x0010);  // monitoring timer: 4 s
  put16le(b, cmd);
  put16le(b, sub);
  put_bytes(b, data);
  return b;
}
Buf slmp_3e_resp(std::uint16_t end_code, const Buf& data) {
  Buf b{0xD0, 0x00, 0x00, 0xFF};
  put16le(b, 0x03FF);
  put8(b, 0x00);
  put16le(b, static_cast<std::uint32_t>(2 + data.size()));
  put16le(b, end_code);
  put_bytes(b, data);
  return b;
}
// 4E: subheader 0x5400/0xD400, then a serial number and two fixed zero bytes.
Buf slmp_4e(const Buf& frame3e, std::uint16_t serial) {
  Buf b{frame3e[0] == 0x50 ? std::uint8_t{0x54} : std::uint8_t{0xD4}, 0x00};
  put16le(b, serial);
  put16le(b, 0);
  b.insert(b.end(), frame3e.begin() + 2, frame3e.end());
  return b;
}
// Batch read/write device data (subcommand 0000/0001): number (3 bytes), code, points.
Buf slmp_device(std::uint32_t number, std::uint8_t code, std::uint16_t points) {
  Buf b;
  put16le(b, number & 0xFFFF);
  put8(b, number >> 16);
  put8(b, code);
  put16le(b, points);
  return b;
}
Buf slmp_words(std::uint16_t n, std::uint16_t base) {
  Buf b;
  for (std::uint16_t i = 0; i < n; ++i) put16le(b, base + i);
  return b;
}
Buf as_buf(std::string_view s) { return Buf(s.begin(), s.end()); }

// FINS frame (W342 §3): header, command code, and end code in responses.
struct FinsAddr {
  std::uint8_t net, node, unit;
};
Buf fins_cmd(FinsAddr dst, FinsAddr src, std::uint8_t sid, std::uint16_t code, const Buf& data) {
  Buf b{0x80, 0x00, 0x02, dst.net, dst.node, dst.unit, src.net, src.node, src.unit, sid};
  put16be(b, code);
  put_bytes(b, data);
  return b;
}
Buf fins_resp(FinsAddr dst, FinsAddr src, std::uint8_t sid, std::uint16_t code, std::uint16_t end, const Buf& data) {
  Buf b{0xC0, 0x00, 0x02, dst.net, dst.node, dst.unit, src.net, src.node, src.unit, sid};
  put16be(b, code);
  put16be(b, end);
  put_bytes(b, data);
  return b;
}
// FINS/TCP (W421 §6): "FINS", length, command, error code.
Buf fins_tcp(std::uint32_t command, const Buf& data) {
  Buf b = as_buf("FINS");
  put32be(b, static_cast<std::uint32_t>(8 + data.size()));
  put32be(b, command);
  put32be(b, 0);
  put_bytes(b, data);
  return b;
}
Buf padded(std::string_view s, std::size_t n) {
  Buf b = as_buf(s);
  b.resize(n, ' ');
  return b;
}

void udp_datagram(CaptureWriter& w, std::int64_t& ts, const Host& a, const Host& b, std::uint16_t sport,
                  std::uint16_t dport, const Buf& payload) {
  w.write(ts, ether(a.mac, b.mac, 0x0800, ipv4(a.ip, b.ip, 17, udp(a.ip, b.ip, sport, dport, payload))));
  ts += 2000;
}

// A GOT HMI polls an iQ-R PLC over SLMP (3E binary on a user-set TCP port, 3E ASCII
// on another, 4E binary over UDP 5000), an engineering PC sends a remote STOP, and a
// SCADA PC talks FINS to an Omron CJ2M over UDP 9600 and FINS/TCP 9600.
int write_melsec_omron(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1763625600LL * 1000000;  // 2025-11-20T08:00:00Z
  const Host plc{mac("00:26:92:aa:bb:cc"), ip4("192.168.3.39")};
  const Host got{mac("00:26:92:10:20:30"), ip4("192.168.3.18")};
  const Host ews{mac("00:14:22:01:02:03"), ip4("192.168.3.100")};
  const Host omron{mac("00:00:0a:12:34:56"), ip4("192.168.250.1")};
  const Host scada{mac("00:0c:29:aa:00:01"), ip4("192.168.250.10")};

  // GOT -> PLC, SLMP 3E binary on TCP 5002: Read Type Name, then D100-D109 polling.
  {
    TcpSession s(w, got, plc, 50100, 5002);
    s.handshake(ts);
    s.data(ts, true, slmp_3e_req(0x0101, 0x0000, {}));
    Buf type_name = padded("R04ENCPU", 16);
    put16le(type_name, 0x4805);  // model code
    s.data(ts, false, slmp_3e_resp(0, type_name));
    for (int i = 0; i < 5; ++i) {
      s.data(ts, true, slmp_3e_req(0x0401, 0x0000, slmp_device(100, 0xA8, 10)));
      s.data(ts, false, slmp_3e_resp(0, slmp_words(10, static_cast<std::uint16_t>(i))));
      ts += 100000;
    }
    Buf write = slmp_device(200, 0xA8, 2);
    put_bytes(write, slmp_words(2, 7));
    s.data(ts, true, slmp_3e_req(0x1401, 0x0000, write));
    s.data(ts, false, slmp_3e_resp(0, {}));
    s.close(ts);
  }
  // GOT -> PLC, SLMP 3E ASCII on TCP 5003: batch read D300-D303.
  {
    TcpSession s(w, got, plc, 50101, 5003);
    s.handshake(ts);
    s.data(ts, true, as_buf("500000FF03FF00" "0018" "0010" "0401" "0000" "D*" "000300" "0004"));
    s.data(ts, false, as_buf("D00000FF03FF00" "0014" "0000" "0001000200030004"));
    s.close(ts);
  }
  // GOT -> PLC, SLMP 4E binary over UDP 5000: batch read M0-M15 (bit units).
  udp_datagram(w, ts, got, plc, 50102, 5000, slmp_4e(slmp_3e_req(0x0401, 0x0001, slmp_device(0, 0x90, 16)), 1));
  udp_datagram(w, ts, plc, got, 5000, 50102, slmp_4e(slmp_3e_resp(0, Buf(8, 0x10)), 1));
  // Engineering PC -> PLC: remote STOP (1002) on TCP 5004.
  {
    TcpSession s(w, ews, plc, 50200, 5004);
    s.handshake(ts);
    s.data(ts, true, slmp_3e_req(0x1002, 0x0000, Buf{0x01, 0x00}));
    s.data(ts, false, slmp_3e_resp(0, {}));
    s.close(ts);
  }
  // SCADA -> Omron CJ2M over FINS/UDP 9600 (SCADA node 10, PLC node 1).
  const FinsAddr plc_node{0, 1, 0}, scada_node{0, 10, 0};
  {
    // W342 Controller Data Read response (request data omitted): model (20),
    // version (20), system use (40), area data (12).
    Buf cd = padded("CJ2M-CPU31", 20);
    put_bytes(cd, padded("02.01", 20));
    cd.resize(cd.size() + 40, 0x00);
    put_bytes(cd, Buf{0x00, 0x3C, 0x17, 0x80, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
    udp_datagram(w, ts, scada, omron, 9600, 9600, fins_cmd(plc_node, scada_node, 1, 0x0501, {}));
    udp_datagram(w, ts, omron, scada, 9600, 9600, fins_resp(scada_node, plc_node, 1, 0x0501, 0, cd));
    const Buf read_dm{0x82, 0x00, 0x64, 0x00, 0x00, 0x0A};  // DM100, 10 words
    udp_datagram(w, ts, scada, omron, 9600, 9600, fins_cmd(plc_node, scada_node, 2, 0x0101, read_dm));
    udp_datagram(w, ts, omron, scada, 9600, 9600, fins_resp(scada_node, plc_node, 2, 0x0101, 0, Buf(20, 0x01)));
    udp_datagram(w, ts, scada, omron, 9600, 9600, fins_cmd(plc_node, scada_node, 3, 0x0402, Buf{0xFF, 0xFF}));
    udp_datagram(w, ts, omron, scada, 9600, 9600, fins_resp(scada_node, plc_node, 3, 0x0402, 0, {}));
    udp_datagram(w, ts, scada, omron, 9600, 9600, fins_cmd(plc_node, scada_node, 4, 0x0401, Buf{0xFF, 0xFF, 0x04}));
    udp_datagram(w, ts, omron, scada, 9600, 9600, fins_resp(scada_node, plc_node, 4, 0x0401, 0, {}));
  }
  // SCADA -> Omron over FINS/TCP 9600: node address handshake, then a CIO read.
  {
    TcpSession s(w, scada, omron, 50300, 9600);
    s.handshake(ts);
    s.data(ts, true, fins_tcp(0, Buf{0, 0, 0, 0}));                // client node: auto
    s.data(ts, false, fins_tcp(1, Buf{0, 0, 0, 0x0B, 0, 0, 0, 0x01}));  // client 11, server 1
    const FinsAddr tcp_client{0, 11, 0};
    const Buf read_cio{0xB0, 0x00, 0x00, 0x00, 0x00, 0x04};       // CIO 0, 4 words
    s.data(ts, true, fins_tcp(2, fins_cmd(plc_node, tcp_client, 5, 0x0101, read_cio)));
    s.data(ts, false, fins_tcp(2, fins_resp(tcp_client, plc_node, 5, 0x0101, 0, Buf(8, 0x00))));
    s.close(ts);
  }
  return wrote(w, out);
}

// --- l2_identity: LLDP, CDP and PROFINET DCP -------------------------------------

// One LLDP TLV (IEEE 802.1AB-2016 §8.4.1): 7-bit type, 9-bit length.
Buf lldp_tlv(std::uint32_t type, const Buf& value) {
  Buf b;
  put16be(b, (type << 9) | static_cast<std::uint32_t>(value.size()));
  put_bytes(b, value);
  return b;
}
Buf lldp_str(std::uint32_t type, std::string_view s) {
  Buf v;
  put_str(v, s);
  return lldp_tlv(type, v);
}

// One CDP TLV: type, length including the 4-byte header, value.
Buf cdp_tlv(std::uint32_t type, const Buf& value) {
  Buf b;
  put16be(b, type);
  put16be(b, static_cast<std::uint32_t>(value.size() + 4));
  put_bytes(b, value);
  return b;
}
Buf cdp_str(std::uint32_t type, std::string_view s) {
  Buf v;
  put_str(v, s);
  return cdp_tlv(type, v);
}

// 802.3 frame with LLC/SNAP (AA AA 03, OUI, pid), padded to the Ethernet minimum.
Buf snap_frame(const Mac& src, const Mac& dst, std::uint32_t oui, std::uint16_t pid, const Buf& payload) {
  Buf b;
  put_mac(b, dst);
  put_mac(b, src);
  put16be(b, static_cast<std::uint32_t>(8 + payload.size()));
  put8(b, 0xaa);
  put8(b, 0xaa);
  put8(b, 0x03);
  put8(b, oui >> 16);
  put16be(b, oui & 0xffff);
  put16be(b, pid);
  put_bytes(b, payload);
  while (b.size() < 60) b.push_back(0);
  return b;
}

// One PROFINET DCP block: option, suboption, length, value, padding to even.
Buf dcp_block(std::uint32_t option, std::uint32_t suboption, const Buf& value) {
  Buf b;
  put8(b, option);
  put8(b, suboption);
  put16be(b, static_cast<std::uint32_t>(value.size()));
  put_bytes(b, value);
  if (value.size() % 2 == 1) put8(b, 0);
  return b;
}
// FrameID, ServiceID, ServiceType, Xid, ResponseDelay, DCPDataLength, blocks.
Buf dcp_frame(std::uint16_t frame_id, std::uint8_t service, std::uint8_t type, std::uint32_t xid, const Buf& blocks) {
  Buf b;
  put16be(b, frame_id);
  put8(b, service);
  put8(b, type);
  put32be(b, xid);
  put16be(b, type == 0 ? 1 : 0);
  put16be(b, static_cast<std::uint32_t>(blocks.size()));
  put_bytes(b, blocks);
  return b;
}

// A cell's layer-2 neighbours: a Siemens SCALANCE switch announcing LLDP, a Cisco
// switch announcing CDP v2, and an IO controller finding a PROFINET IO device
// with DCP Identify (All selector), which answers with its NameOfStation,
// DeviceVendorValue, Device ID, role and IP.
int write_l2_identity(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1763625600LL * 1000000;  // 2025-11-20T08:00:00Z
  const Mac scalance = mac("00:1b:1b:aa:00:01");
  const Mac cisco = mac("00:19:06:aa:bb:01");
  const Mac controller = mac("00:1b:1b:aa:00:10");
  const Mac io_device = mac("00:1b:1b:aa:00:20");
  const Mac lldp_multicast = mac("01:80:c2:00:00:0e");
  const Mac cdp_multicast = mac("01:00:0c:cc:cc:cc");
  const Mac dcp_multicast = mac("01:0e:cf:00:00:00");

  {  // LLDP from the SCALANCE: chassis MAC, port, TTL, name, description, caps, mgmt IP, End.
    Buf p;
    Buf chassis{4};
    put_mac(chassis, scalance);
    put_bytes(p, lldp_tlv(1, chassis));
    put_bytes(p, lldp_str(2, std::string("\x07") + "P1"));  // locally assigned port id
    put_bytes(p, lldp_tlv(3, Buf{0x00, 0x78}));             // TTL 120 s
    put_bytes(p, lldp_str(4, "Port 1"));
    put_bytes(p, lldp_str(5, "sw-cell1"));
    put_bytes(p, lldp_str(6, "Siemens, SIMATIC NET, SCALANCE X208, 6GK5 208-0BA00-2AA3, HW: 7, FW: V4.1.0"));
    put_bytes(p, lldp_tlv(7, Buf{0x00, 0x04, 0x00, 0x04}));  // bridge capable, bridge enabled
    put_bytes(p, lldp_tlv(8, Buf{5, 1, 10, 10, 1, 2, 2, 0, 0, 0, 1, 0}));  // IPv4 10.10.1.2, ifIndex 1
    put_bytes(p, lldp_tlv(0, {}));
    for (int i = 0; i < 3; ++i) {
      w.write(ts, ether(scalance, lldp_multicast, 0x88cc, p));
      ts += 30'000'000;
    }
  }
  {  // CDP v2 from the Cisco switch.
    Buf p{2, 180, 0, 0};  // version, TTL, checksum (filled in below)
    put_bytes(p, cdp_str(0x0001, "core-sw"));
    put_bytes(p, cdp_tlv(0x0002, Buf{0, 0, 0, 1, 1, 1, 0xcc, 0, 4, 10, 10, 1, 3}));  // NLPID IPv4 10.10.1.3
    put_bytes(p, cdp_str(0x0003, "GigabitEthernet0/1"));
    put_bytes(p, cdp_tlv(0x0004, Buf{0, 0, 0, 0x28}));  // switch, IGMP
    put_bytes(p, cdp_str(0x0005,
                         "Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE "
                         "(fc3)"));
    put_bytes(p, cdp_str(0x0006, "cisco WS-C2960-24TT-L"));
    put_bytes(p, cdp_str(0x0009, "plant"));
    put_bytes(p, cdp_tlv(0x000a, Buf{0, 1}));  // native VLAN 1
    put_bytes(p, cdp_tlv(0x000b, Buf{1}));     // full duplex
    // Internet checksum over the PDU (even length here, so Cisco's odd-byte quirk does not apply).
    const std::uint16_t sum = inet_checksum(p.data(), p.size());
    p[2] = static_cast<std::uint8_t>(sum >> 8);
    p[3] = static_cast<std::uint8_t>(sum);
    w.write(ts, snap_frame(cisco, cdp_multicast, 0x00000c, 0x2000, p));
    ts += 60'000'000;
  }
  {  // DCP Identify All from the controller, the IO device answers.
    w.write(ts, ether(controller, dcp_multicast, 0x8892, dcp_frame(0xfefe, 5, 0, 0x1234, dcp_block(0xff, 0xff, {}))));
    ts += 2000;
    Buf b;
    Buf vendor{0, 0};
    put_str(vendor, "ET 200SP");
    put_bytes(b, dcp_block(2, 1, vendor));
    Buf name{0, 0};
    put_str(name, "et200sp-1");
    put_bytes(b, dcp_block(2, 2, name));
    put_bytes(b, dcp_block(2, 3, Buf{0, 0, 0x00, 0x2a, 0x03, 0x13}));  // VendorID 0x002a, DeviceID 0x0313
    put_bytes(b, dcp_block(2, 4, Buf{0, 0, 0x01, 0x00}));              // IO-Device
    put_bytes(b, dcp_block(1, 2, Buf{0, 1, 10, 10, 1, 60, 255, 255, 255, 0, 10, 10, 1, 1}));  // IP set
    w.write(ts, ether(io_device, controller, 0x8892, dcp_frame(0xfeff, 5, 1, 0x1234, b)));
    ts += 1000;
  }
  return wrote(w, out);
}

// --- jp_controllers: Keyence KV host link, Panasonic MEWTOCOL, S7comm, CCIEFB -----

// MEWTOCOL-COM frame: text, BCC (XOR of every character, two hex digits), CR.
Buf mewtocol(std::string_view text) {
  std::uint8_t x = 0;
  for (char c : text) x = static_cast<std::uint8_t>(x ^ static_cast<std::uint8_t>(c));
  char bcc[3];
  std::snprintf(bcc, sizeof bcc, "%02X", x);
  Buf b = as_buf(text);
  put_str(b, bcc);
  put8(b, '\r');
  return b;
}

// TPKT (RFC 1006) around a COTP DT (class 0, EOT) around an S7 PDU.
Buf s7_dt(const Buf& pdu) {
  Buf b;
  put8(b, 3);
  put8(b, 0);
  put16be(b, static_cast<std::uint32_t>(pdu.size() + 7));
  put8(b, 2);
  put8(b, 0xF0);
  put8(b, 0x80);
  put_bytes(b, pdu);
  return b;
}
// S7 header (protocol id 0x32; error class/code for ack_data), parameter, data.
Buf s7_pdu(std::uint8_t rosctr, std::uint16_t ref, const Buf& param, const Buf& data) {
  Buf b{0x32, rosctr, 0x00, 0x00};
  put16be(b, ref);
  put16be(b, static_cast<std::uint32_t>(param.size()));
  put16be(b, static_cast<std::uint32_t>(data.size()));
  if (rosctr == 3) put16be(b, 0);
  put_bytes(b, param);
  put_bytes(b, data);
  return b;
}
// Userdata SZL read: request (type 4) or response (type 8), CPU functions, read SZL.
Buf s7_szl(bool response, std::uint16_t ref, const Buf& payload) {
  Buf param{0x00, 0x01, 0x12, static_cast<std::uint8_t>(response ? 0x08 : 0x04),
            static_cast<std::uint8_t>(response ? 0x12 : 0x11), static_cast<std::uint8_t>(response ? 0x84 : 0x44),
            0x01, static_cast<std::uint8_t>(response ? 0x01 : 0x00)};
  if (response) put_bytes(param, Buf{0x00, 0x00, 0x00, 0x00});
  Buf data{0xFF, 0x09};
  put16be(data, static_cast<std::uint32_t>(payload.size()));
  put_bytes(data, payload);
  return s7_pdu(7, ref, param, data);
}
Buf szl_id(std::uint16_t id, std::uint16_t index) {
  Buf b;
  put16be(b, id);
  put16be(b, index);
  return b;
}
// SZL 0x0011 record: index, MLFB (20), BGTyp, Ausbg, Ausbe.
void szl11_rec(Buf& b, std::uint16_t index, std::string_view mlfb, std::uint16_t ausbg, std::uint16_t ausbe) {
  put16be(b, index);
  put_bytes(b, padded(mlfb, 20));
  put16be(b, 0);
  put16be(b, ausbg);
  put16be(b, ausbe);
}
// SZL 0x001C record: index and 32 bytes of NUL-padded text.
void szl1c_rec(Buf& b, std::uint16_t index, std::string_view text) {
  put16be(b, index);
  Buf t = as_buf(text);
  t.resize(32, 0);
  put_bytes(b, t);
}

// CC-Link IE Field Basic common header (0x5000 request / 0xD000 response).
Buf cciefb_head(std::uint16_t sub, std::size_t dl) {
  Buf b;
  put16be(b, sub);
  put8(b, 0x00);
  put8(b, 0xFF);
  put16le(b, 0x03FF);
  put8(b, 0x00);
  put16le(b, static_cast<std::uint32_t>(dl));
  return b;
}
Buf cciefb_request(std::uint32_t master, const std::vector<std::uint32_t>& slaves, std::uint16_t seq,
                   std::uint64_t clock_ms) {
  Buf body;
  put16le(body, 0);       // reserved
  put16le(body, 0x0E70);  // cyclic data
  put16le(body, 0);       // subcommand
  put16le(body, 2);       // protocol version
  put16le(body, 0);
  put16le(body, 36);      // cyclic information offset
  body.resize(body.size() + 14, 0);
  put16le(body, 1);       // master running
  put16le(body, 0);
  put64le(body, clock_ms);
  put32le(body, master);
  put8(body, 1);          // group 1
  put8(body, 0);
  put16le(body, seq);
  put16le(body, 500);     // timeout ms
  put16le(body, 3);       // parallel off timeout count
  put16le(body, 1);       // parameter number
  put16le(body, static_cast<std::uint32_t>(slaves.size()));
  put16le(body, 0x0003);  // cyclic transmission state: both slaves
  put16le(body, 0);
  for (auto s : slaves) put32le(body, s);
  body.resize(body.size() + slaves.size() * (64 + 8), 0);  // RWw, RY
  Buf b = cciefb_head(0x5000, body.size());
  put_bytes(b, body);
  return b;
}
Buf cciefb_response(std::uint32_t slave, std::uint16_t vendor, std::uint32_t model, std::uint16_t version,
                    std::uint16_t seq) {
  Buf body;
  put16le(body, 0);
  put16le(body, 2);       // protocol version
  put16le(body, 0);       // end code
  put16le(body, 40);      // cyclic information offset
  body.resize(body.size() + 14, 0);
  put16le(body, vendor);
  put16le(body, 0);
  put32le(body, model);
  put16le(body, version);
  put16le(body, 0);
  put16le(body, 1);       // slave running
  put16le(body, 0);
  put32le(body, 0);
  put32le(body, slave);
  put8(body, 1);
  put8(body, 0);
  put16le(body, seq);
  body.resize(body.size() + 64 + 8, 0);  // RWr, RX
  Buf b = cciefb_head(0xD000, body.size());
  put_bytes(b, body);
  return b;
}

// SLMP Node Search (0E30) on UDP 61451, 4E binary (rtlabs-com/c-link cl_types.h
// cl_slmp_node_search_request / _resp): MAC addresses in reverse byte order, IPv4
// addresses as little-endian words, each after an address size byte (4).
void put_mac_reversed(Buf& b, const Mac& m) {
  for (std::size_t i = 0; i < 6; ++i) put8(b, m[5 - i]);
}
Buf node_search_req(const Host& client, std::uint16_t serial) {
  Buf data;
  put_mac_reversed(data, client.mac);
  put8(data, 4);
  put32le(data, client.ip);
  return slmp_4e(slmp_3e_req(0x0E30, 0x0000, data), serial);
}
Buf node_search_resp(const Host& client, const Host& node, std::uint16_t vendor, std::uint32_t model,
                     std::uint16_t version, std::uint16_t serial) {
  Buf data;
  put_mac_reversed(data, client.mac);
  put8(data, 4);
  put32le(data, client.ip);
  put_mac_reversed(data, node.mac);
  put8(data, 4);
  put32le(data, node.ip);
  put32le(data, 0xFFFFFF00);  // subnet mask 255.255.255.0
  put32le(data, 0xFFFFFFFF);  // default gateway: none
  put8(data, 0);              // host name size
  put16le(data, vendor);
  put32le(data, model);
  put16le(data, version);
  put8(data, 4);              // target IP address size
  put32le(data, 0xFFFFFFFF);  // target IP
  put16le(data, 0xFFFF);      // target port
  put16le(data, 0x0000);      // server status: normal
  put16le(data, 61451);       // server port
  put8(data, 0x01);           // protocol: UDP
  return slmp_4e(slmp_3e_resp(0, data), serial);
}

// A PC polls a Keyence KV-8000 over host link (TCP 8501) and switches it to
// PROGRAM and back to RUN; a touch panel reads a Panasonic FP0H over MEWTOCOL-COM
// (TCP 9094); an engineering PC identifies a Siemens S7-1500 (SZL 0x0011 and
// 0x001C), reads and writes variables, stops the CPU and downloads a block; a
// CC-Link IE Field Basic master finds two slaves by SLMP node search (UDP 61451)
// and cycles them. Code values the sources do not tie to a model (KV ?K, MEWTOCOL
// RT, CCIEFB and node search vendor/model) are illustrative.
int write_jp_controllers(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1763640000LL * 1000000;  // 2025-11-20T12:00:00Z
  const Host kv{mac("00:01:fc:12:34:56"), ip4("192.168.10.10")};
  const Host kv_pc{mac("00:0c:29:10:10:64"), ip4("192.168.10.100")};
  const Host fp{mac("00:c0:8f:22:33:44"), ip4("192.168.11.5")};
  const Host panel{mac("00:0c:29:11:11:32"), ip4("192.168.11.50")};
  const Host s7{mac("28:63:36:aa:bb:01"), ip4("192.168.12.1")};
  const Host ews{mac("00:0c:29:12:12:64"), ip4("192.168.12.100")};
  const Host master{mac("00:26:92:30:00:01"), ip4("192.168.13.1")};
  const Host slave1{mac("00:26:92:30:00:02"), ip4("192.168.13.2")};
  const Host slave2{mac("00:26:92:30:00:03"), ip4("192.168.13.3")};
  const Host bcast{mac("ff:ff:ff:ff:ff:ff"), ip4("192.168.13.255")};

  // Keyence host link: commands end CR, responses CR LF.
  {
    TcpSession s(w, kv_pc, kv, 50500, 8501);
    s.handshake(ts);
    const std::pair<std::string_view, std::string_view> lines[] = {
        {"?K\r", "55\r\n"},
        {"?M\r", "1\r\n"},
        {"RDS DM100 4\r", "00012 00034 00056 00078\r\n"},
        {"RD MR0\r", "1\r\n"},
        {"WR DM200 1234\r", "OK\r\n"},
        {"WRS DM300 3 1 2 3\r", "OK\r\n"},
        {"M0\r", "OK\r\n"},
        {"M1\r", "OK\r\n"},
        {"RD DM65535\r", "E0\r\n"},
    };
    for (const auto& [cmd, resp] : lines) {
      s.data(ts, true, as_buf(cmd));
      s.data(ts, false, as_buf(resp));
      ts += 20000;
    }
    s.close(ts);
  }
  // Panasonic MEWTOCOL-COM: RT status, DT100-DT109 read, DT200 write.
  {
    TcpSession s(w, panel, fp, 50600, 9094);
    s.handshake(ts);
    s.data(ts, true, mewtocol("%01#RT"));
    s.data(ts, false, mewtocol("%01$RT2012328100000000"));
    s.data(ts, true, mewtocol("%01#RDD0010000109"));
    s.data(ts, false, mewtocol("%01$RD0100020003000400050006000700080009000A00"));
    s.data(ts, true, mewtocol("%01#WDD00200002003412"));
    s.data(ts, false, mewtocol("%01$WD"));
    s.close(ts);
  }
  // Siemens S7-1500 over ISO-on-TCP 102.
  {
    TcpSession s(w, ews, s7, 50700, 102);
    s.handshake(ts);
    // COTP CR: dst ref 0, src ref 1, class 0, TPDU size 1024, calling 0x0100,
    // called 0x0101 (PG, rack 0, slot 1); the CC mirrors it.
    s.data(ts, true, Buf{0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0A, 0xC1,
                         0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01});
    s.data(ts, false, Buf{0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x02, 0x00, 0xC0, 0x01, 0x0A, 0xC1,
                          0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01});
    const Buf setup{0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0};  // AmQ 1/1, PDU 480
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0100, setup, {})));
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0100, setup, {})));
    // SZL 0x0011: module, basic hardware, basic firmware V2.8.0.
    s.data(ts, true, s7_dt(s7_szl(false, 0x0200, szl_id(0x0011, 0x0000))));
    Buf l11 = szl_id(0x0011, 0x0000);
    put16be(l11, 28);
    put16be(l11, 3);
    szl11_rec(l11, 0x0001, "6ES7 516-3AN01-0AB0", 0x0000, 0x0001);
    szl11_rec(l11, 0x0006, "6ES7 516-3AN01-0AB0", 0x0000, 0x0001);
    szl11_rec(l11, 0x0007, "", 0x5602, 0x0800);
    s.data(ts, false, s7_dt(s7_szl(true, 0x0200, l11)));
    // SZL 0x001C: component identification.
    s.data(ts, true, s7_dt(s7_szl(false, 0x0300, szl_id(0x001C, 0x0000))));
    Buf l1c = szl_id(0x001C, 0x0000);
    put16be(l1c, 34);
    put16be(l1c, 6);
    szl1c_rec(l1c, 0x0001, "PLC_PRESS_LINE1");
    szl1c_rec(l1c, 0x0002, "PLC_1");
    szl1c_rec(l1c, 0x0003, "LINE1-PRESS");
    szl1c_rec(l1c, 0x0004, "Original Siemens Equipment");
    szl1c_rec(l1c, 0x0005, "S C-X4U421302015");
    szl1c_rec(l1c, 0x0007, "CPU 1516-3 PN/DP");
    s.data(ts, false, s7_dt(s7_szl(true, 0x0300, l1c)));
    // Read var DB1.DBB0, 10 bytes; write var MB20, 2 bytes.
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0400,
                                  Buf{0x04, 0x01, 0x12, 0x0A, 0x10, 0x02, 0x00, 0x0A, 0x00, 0x01, 0x84, 0x00, 0x00,
                                      0x00},
                                  {})));
    Buf rd{0xFF, 0x04, 0x00, 0x50};
    rd.resize(rd.size() + 10, 0x11);
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0400, Buf{0x04, 0x01}, rd)));
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0500,
                                  Buf{0x05, 0x01, 0x12, 0x0A, 0x10, 0x02, 0x00, 0x02, 0x00, 0x00, 0x83, 0x00, 0x00,
                                      0xA0},
                                  Buf{0x00, 0x04, 0x00, 0x10, 0x12, 0x34})));
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0500, Buf{0x05, 0x01}, Buf{0xFF})));
    // PLC stop.
    Buf stop{0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09};
    put_str(stop, "P_PROGRAM");
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0600, stop, {})));
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0600, Buf{0x29}, {})));
    // Block download of OB1: request download (PG), download block and download
    // ended (the CPU asks the PG), then PI "_INSE".
    Buf req{0x1A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09};
    put_str(req, "_0800001P");
    put8(req, 0x0D);
    put_str(req, "1000268000010");
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0700, req, {})));
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0700, Buf{0x1A}, {})));
    Buf blk{0x1B, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09};
    put_str(blk, "_0800001P");
    s.data(ts, false, s7_dt(s7_pdu(1, 0x0800, blk, {})));
    Buf code{0x00, 0x00, 0x00, 0x20};
    code.resize(code.size() + 32, 0x70);
    s.data(ts, true, s7_dt(s7_pdu(3, 0x0800, Buf{0x1B, 0x00}, code)));
    Buf ended{0x1C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09};
    put_str(ended, "_0800001P");
    s.data(ts, false, s7_dt(s7_pdu(1, 0x0900, ended, {})));
    s.data(ts, true, s7_dt(s7_pdu(3, 0x0900, Buf{0x1C}, {})));
    Buf insert{0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFD, 0x00, 0x0A, 0x01, 0x00};
    put_str(insert, "0800001P");
    put8(insert, 0x05);
    put_str(insert, "_INSE");
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0A00, insert, {})));
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0A00, Buf{0x28}, {})));
    s.close(ts);
  }
  // SLMP node search: the master looks for its slaves before cycling; each answers
  // with the vendor code, model code and equipment version of its cyclic frames.
  udp_datagram(w, ts, master, bcast, 61451, 61451, node_search_req(master, 1));
  udp_datagram(w, ts, slave1, master, 61451, 61451, node_search_resp(master, slave1, 0x0123, 0x00004567, 0x0001, 1));
  udp_datagram(w, ts, slave2, master, 61451, 61451, node_search_resp(master, slave2, 0x0123, 0x00004568, 0x0002, 1));
  // CC-Link IE Field Basic: the master broadcasts, each slave answers.
  const std::vector<std::uint32_t> slaves = {ip4("192.168.13.2"), ip4("192.168.13.3")};
  for (std::uint16_t seq = 0; seq < 3; ++seq) {
    udp_datagram(w, ts, master, bcast, 61450, 61450,
                 cciefb_request(ip4("192.168.13.1"), slaves, seq, 1763640000000ULL + seq * 10ULL));
    udp_datagram(w, ts, slave1, master, 61450, 61450, cciefb_response(slaves[0], 0x0123, 0x00004567, 0x0001, seq));
    udp_datagram(w, ts, slave2, master, 61450, 61450, cciefb_response(slaves[1], 0x0123, 0x00004568, 0x0002, seq));
  }
  return wrote(w, out);
}

// --- advisory_plant: devices that published advisories affect -------------------
// Identities chosen from CISA advisories (cisagov/CSAF, ../shared/advisories), in
// range, just outside it, and without a firmware version:
//   MELSEC iQ-R R08CPU, SLMP Read Type Name only (no firmware): iQ-R CPU advisories
//     can only be possible;
//   Omron CJ2M-CPU33, FINS Controller Data Read, version 02.00 (CJ2M < 2.1 in
//     ICSA-22-179-02, <= 2.0 in ICSA-23-262-05: FINS's two-digit minor against
//     Omron's one-digit one cannot be ordered, so possible; every version in
//     ICSA-23-073-01 and ICSA-23-108-01) and a CP1L-EM40DT-D at 01.10 (CP1L
//     < 1.10 in ICSA-22-179-02: just outside);
//   Siemens S7-200 SMART SR20 (6ES7 288-1SR20-0AA1, every version in
//     ICSA-24-261-01) and an S7-1500 no advisory of the set names, over S7comm SZL;
//   Moxa MGate MB3180 at 2.1 (<= 2.2 in ICSA-21-357-01, <= 2.0 in ICSA-20-056-01)
//     and MB3480 at 3.3 (<= 3.2 and <= 3.0: outside both), Modbus 43/14;
//   Rockwell ControlLogix 1756-L83E/B at 33.017 (ListIdentity): fixed in
//     ICSA-24-284-20 (< V33.017), not in ICSA-24-256-18 (v.32.011).
int write_advisory_plant(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1763712000LL * 1000000;  // 2025-11-21T08:00:00Z
  const Host melsec{mac("00:26:92:40:00:01"), ip4("10.30.1.10")};
  const Host got{mac("00:26:92:40:00:02"), ip4("10.30.1.50")};
  const Host cj2m{mac("00:00:0a:40:00:03"), ip4("10.30.1.20")};
  const Host cp1l{mac("00:00:0a:40:00:04"), ip4("10.30.1.21")};
  const Host scada{mac("00:0c:29:40:00:05"), ip4("10.30.1.100")};
  const Host smart{mac("28:63:36:40:00:06"), ip4("10.30.1.30")};
  const Host s1500{mac("28:63:36:40:00:07"), ip4("10.30.1.31")};
  const Host mb3180{mac("00:90:e8:40:00:08"), ip4("10.30.1.40")};
  const Host mb3480{mac("00:90:e8:40:00:09"), ip4("10.30.1.41")};
  const Host logix{mac("00:00:bc:40:00:0a"), ip4("10.30.1.60")};

  for (const Host* h : {&melsec, &got, &cj2m, &cp1l, &scada, &smart, &s1500, &mb3180, &mb3480, &logix})
    gratuitous_arp(w, ts, *h);

  // GOT -> iQ-R: Read Type Name, then a D register poll.
  {
    TcpSession s(w, got, melsec, 50110, 5007);
    s.handshake(ts);
    s.data(ts, true, slmp_3e_req(0x0101, 0x0000, {}));
    Buf type_name = padded("R08CPU", 16);
    put16le(type_name, 0x4801);  // model code
    s.data(ts, false, slmp_3e_resp(0, type_name));
    s.data(ts, true, slmp_3e_req(0x0401, 0x0000, slmp_device(100, 0xA8, 4)));
    s.data(ts, false, slmp_3e_resp(0, slmp_words(4, 1)));
    s.close(ts);
  }
  // SCADA -> the two Omron PLCs: Controller Data Read over FINS/UDP 9600.
  const FinsAddr scada_node{0, 100, 0};
  std::uint8_t sid = 1;
  for (const auto& [plc, node, model, version] :
       {std::tuple<Host, std::uint8_t, std::string_view, std::string_view>{cj2m, 20, "CJ2M-CPU33", "02.00"},
        {cp1l, 21, "CP1L-EM40DT-D", "01.10"}}) {
    const FinsAddr plc_node{0, node, 0};
    Buf cd = padded(model, 20);
    put_bytes(cd, padded(version, 20));
    cd.resize(cd.size() + 40, 0x00);
    put_bytes(cd, Buf{0x00, 0x3C, 0x17, 0x80, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00});
    udp_datagram(w, ts, scada, plc, 9600, 9600, fins_cmd(plc_node, scada_node, sid, 0x0501, {}));
    udp_datagram(w, ts, plc, scada, 9600, 9600, fins_resp(scada_node, plc_node, sid, 0x0501, 0, cd));
    ++sid;
  }
  // SCADA -> the two Siemens CPUs: SZL 0x0011 (order number, firmware).
  std::uint16_t port = 50710;
  for (const auto& [cpu, mlfb, fw_major, fw_minor] :
       {std::tuple<Host, std::string_view, std::uint16_t, std::uint16_t>{smart, "6ES7 288-1SR20-0AA1", 0x5602, 0x0800},
        {s1500, "6ES7 516-3AN02-0AB0", 0x5603, 0x0000}}) {
    TcpSession s(w, scada, cpu, port++, 102);
    s.handshake(ts);
    s.data(ts, true, Buf{0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0A, 0xC1,
                         0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01});
    s.data(ts, false, Buf{0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x02, 0x00, 0xC0, 0x01, 0x0A, 0xC1,
                          0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01});
    const Buf setup{0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0};
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0100, setup, {})));
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0100, setup, {})));
    s.data(ts, true, s7_dt(s7_szl(false, 0x0200, szl_id(0x0011, 0x0000))));
    Buf l11 = szl_id(0x0011, 0x0000);
    put16be(l11, 28);
    put16be(l11, 2);
    szl11_rec(l11, 0x0001, mlfb, 0x0000, 0x0001);
    szl11_rec(l11, 0x0007, "", fw_major, fw_minor);
    s.data(ts, false, s7_dt(s7_szl(true, 0x0200, l11)));
    s.close(ts);
  }
  // SCADA -> the two Moxa gateways: Read Device Identification.
  port = 50810;
  for (const auto& [gw, product, revision] :
       {std::tuple<Host, std::string_view, std::string_view>{mb3180, "MGate MB3180", "2.1"},
        {mb3480, "MGate MB3480", "3.3"}}) {
    TcpSession s(w, scada, gw, port++, 502);
    s.handshake(ts);
    s.data(ts, true, modbus_adu(1, 1, device_id_req()));
    s.data(ts, false, modbus_adu(1, 1, device_id_resp({{0, "Moxa"}, {1, std::string(product.substr(6))},
                                                       {2, std::string(revision)}, {4, std::string(product)}})));
    s.close(ts);
  }
  // SCADA -> ControlLogix: ListIdentity over TCP 44818.
  {
    TcpSession s(w, scada, logix, 50910, 44818);
    s.handshake(ts);
    s.data(ts, true, enip(0x63, {}));
    const Identity id{1, 14, 168, 33, 17, 0x3160, 0x00c0ffee, "1756-L83E/B ControlLogix5583E"};
    s.data(ts, false, list_identity_resp(id, logix.ip));
    s.close(ts);
  }
  return wrote(w, out);
}

}  // namespace

// --- multi_protocol: one device described by several protocols -----------------
// A Siemens S7-1500 that announces itself over LLDP, answers a PROFINET DCP
// Identify, gives its module and component identification over S7comm (SZL
// 0x0011 / 0x001C) and serves a web page with a Server header; the merged ledger
// view must take each field from the best source and list it.
int write_multi_protocol(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1763625600LL * 1000000;  // 2025-11-20T08:00:00Z
  const Host plc{mac("00:1b:1b:5a:00:01"), ip4("10.10.3.20")};
  const Host ews{mac("00:15:5d:00:30:50"), ip4("10.10.3.50")};
  const Mac lldp_multicast = mac("01:80:c2:00:00:0e");
  const Mac dcp_multicast = mac("01:0e:cf:00:00:00");
  gratuitous_arp(w, ts, plc);
  gratuitous_arp(w, ts, ews);
  {  // LLDP: chassis MAC, port, TTL, system name and description, management IP.
    Buf p;
    Buf chassis{4};
    put_mac(chassis, plc.mac);
    put_bytes(p, lldp_tlv(1, chassis));
    put_bytes(p, lldp_str(2, std::string("\x07") + "port-001"));
    put_bytes(p, lldp_tlv(3, Buf{0x00, 0x14}));
    put_bytes(p, lldp_str(5, "plc-press-1"));
    put_bytes(p, lldp_str(6, "Siemens, SIMATIC S7, CPU 1516-3 PN/DP, 6ES7 516-3AN01-0AB0, HW: 3, FW: V2.8.0"));
    put_bytes(p, lldp_tlv(7, Buf{0x00, 0x80, 0x00, 0x80}));  // station only
    put_bytes(p, lldp_tlv(8, Buf{5, 1, 10, 10, 3, 20, 2, 0, 0, 0, 1, 0}));
    put_bytes(p, lldp_tlv(0, {}));
    w.write(ts, ether(plc.mac, lldp_multicast, 0x88cc, p));
    ts += 1'000'000;
  }
  {  // DCP Identify All from the engineering station; the PLC answers as IO-Controller.
    w.write(ts, ether(ews.mac, dcp_multicast, 0x8892, dcp_frame(0xfefe, 5, 0, 0x4242, dcp_block(0xff, 0xff, {}))));
    ts += 2000;
    Buf b;
    Buf vendor{0, 0};
    put_str(vendor, "S7-1500");
    put_bytes(b, dcp_block(2, 1, vendor));
    Buf name{0, 0};
    put_str(name, "plc-press-1");
    put_bytes(b, dcp_block(2, 2, name));
    put_bytes(b, dcp_block(2, 3, Buf{0, 0, 0x00, 0x2a, 0x01, 0x0e}));  // VendorID 0x002a, DeviceID 0x010e
    put_bytes(b, dcp_block(2, 4, Buf{0, 0, 0x02, 0x00}));              // IO-Controller
    put_bytes(b, dcp_block(1, 2, Buf{0, 1, 10, 10, 3, 20, 255, 255, 255, 0, 10, 10, 3, 1}));
    w.write(ts, ether(plc.mac, ews.mac, 0x8892, dcp_frame(0xfeff, 5, 1, 0x4242, b)));
    ts += 1'000'000;
  }
  {  // S7comm: setup, SZL 0x0011 and 0x001C.
    TcpSession s(w, ews, plc, 50800, 102);
    s.handshake(ts);
    s.data(ts, true, Buf{0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0A, 0xC1,
                         0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01});
    s.data(ts, false, Buf{0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x02, 0x00, 0xC0, 0x01, 0x0A, 0xC1,
                          0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01});
    const Buf setup{0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0};
    s.data(ts, true, s7_dt(s7_pdu(1, 0x0100, setup, {})));
    s.data(ts, false, s7_dt(s7_pdu(3, 0x0100, setup, {})));
    s.data(ts, true, s7_dt(s7_szl(false, 0x0200, szl_id(0x0011, 0x0000))));
    Buf l11 = szl_id(0x0011, 0x0000);
    put16be(l11, 28);
    put16be(l11, 3);
    szl11_rec(l11, 0x0001, "6ES7 516-3AN01-0AB0", 0x0000, 0x0001);
    szl11_rec(l11, 0x0006, "6ES7 516-3AN01-0AB0", 0x0000, 0x0001);
    szl11_rec(l11, 0x0007, "", 0x5602, 0x0800);
    s.data(ts, false, s7_dt(s7_szl(true, 0x0200, l11)));
    s.data(ts, true, s7_dt(s7_szl(false, 0x0300, szl_id(0x001C, 0x0000))));
    Buf l1c = szl_id(0x001C, 0x0000);
    put16be(l1c, 34);
    put16be(l1c, 3);
    szl1c_rec(l1c, 0x0001, "PLC_PRESS_LINE1");
    szl1c_rec(l1c, 0x0005, "S C-X4U421302015");
    szl1c_rec(l1c, 0x0007, "CPU 1516-3 PN/DP");
    s.data(ts, false, s7_dt(s7_szl(true, 0x0300, l1c)));
    s.close(ts);
  }
  {  // The PLC's web server.
    TcpSession s(w, ews, plc, 50900, 80);
    s.handshake(ts);
    s.data(ts, true, as_buf("GET / HTTP/1.1\r\nHost: 10.10.3.20\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)\r\n\r\n"));
    s.data(ts, false, as_buf("HTTP/1.1 200 OK\r\nServer: Siemens PLC Webserver\r\nContent-Length: 0\r\n\r\n"));
    s.close(ts);
  }
  return wrote(w, out);
}

// Device names carrying HTML and script payloads, for the web console's escaping
// tests (tests/e2e/web_browser.sh): an LLDP system name, a DHCP host name, an
// NBNS registration and a Modbus 43/14 vendor name. Shown anywhere, they must
// stay text; run, they would set window.__pwned or document.title.
int write_hostile_names(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1763625600LL * 1000000;  // 2025-11-20T08:00:00Z
  const Host sw{mac("00:1b:1b:ee:00:01"), ip4("10.10.9.2")};
  const Host laptop{mac("00:0c:29:ee:00:02"), ip4("10.10.9.50")};
  const Host pc{mac("00:0c:29:ee:00:03"), ip4("10.10.9.51")};
  const Host plc{mac("00:80:f4:ee:00:04"), ip4("10.10.9.10")};
  const Host scada{mac("00:0c:29:ee:00:05"), ip4("10.10.9.100")};
  {  // LLDP: chassis MAC, port, TTL, system name (payload), description, End.
    Buf p;
    Buf chassis{4};
    put_mac(chassis, sw.mac);
    put_bytes(p, lldp_tlv(1, chassis));
    put_bytes(p, lldp_str(2, std::string("\x07") + "P1"));
    put_bytes(p, lldp_tlv(3, Buf{0x00, 0x78}));
    put_bytes(p, lldp_str(5, "<img src=x onerror=\"window.__pwned=1;document.title='PWNED'\">"));
    put_bytes(p, lldp_str(6, "<script>window.__pwned=2</script> switch"));
    put_bytes(p, lldp_tlv(0, {}));
    w.write(ts, ether(sw.mac, mac("01:80:c2:00:00:0e"), 0x88cc, p));
    ts += 1'000'000;
  }
  {  // DHCP REQUEST (RFC 2131 §4.3.2) with option 12, the host name (payload).
    Buf b{1, 1, 6, 0};              // op BOOTREQUEST, htype Ethernet, hlen 6, hops
    put32be(b, 0x3903f326);         // xid
    put16be(b, 0);                  // secs
    put16be(b, 0);                  // flags
    for (int i = 0; i < 4; ++i) put32be(b, 0);  // ciaddr yiaddr siaddr giaddr
    put_mac(b, laptop.mac);         // chaddr
    b.resize(b.size() + 10 + 64 + 128, 0);       // chaddr padding, sname, file
    put32be(b, 0x63825363);         // magic cookie
    put_bytes(b, Buf{53, 1, 3});    // DHCPREQUEST
    put_bytes(b, Buf{50, 4, 10, 10, 9, 50});     // requested IP
    const std::string host = "<script>window.__pwned=3</script>";
    put8(b, 12);
    put8(b, static_cast<std::uint32_t>(host.size()));
    put_str(b, host);
    put8(b, 255);
    w.write(ts, ether(laptop.mac, kBroadcast, 0x0800, ipv4(0, 0xffffffff, 17, udp(0, 0xffffffff, 68, 67, b))));
    ts += 1'000'000;
  }
  {  // NBNS name registration (RFC 1002 §4.2.2) of a 15-byte payload name.
    Buf b;
    put16be(b, 0x1234);             // transaction id
    put16be(b, 0x2910);             // registration request, RD, broadcast
    put16be(b, 1);                  // QDCOUNT
    put16be(b, 0);                  // ANCOUNT
    put16be(b, 0);                  // NSCOUNT
    put16be(b, 1);                  // ARCOUNT
    std::string name = "<b>x</b><i>y</i>";
    name.resize(15, ' ');
    put8(b, 32);                    // first-level encoded name: 16 bytes -> 32
    for (unsigned char c : name + std::string(1, '\x00')) {
      put8(b, 'A' + (c >> 4));
      put8(b, 'A' + (c & 0x0f));
    }
    put8(b, 0);
    put16be(b, 0x0020);             // NB
    put16be(b, 0x0001);             // IN
    put16be(b, 0xc00c);             // additional record: pointer to the name
    put16be(b, 0x0020);
    put16be(b, 0x0001);
    put32be(b, 300000);             // TTL
    put16be(b, 6);                  // RDLENGTH
    put16be(b, 0x0000);             // NB flags: B node, unique
    put32be(b, pc.ip);
    w.write(ts, ether(pc.mac, kBroadcast, 0x0800, ipv4(pc.ip, ip4("10.10.9.255"), 17, udp(pc.ip, ip4("10.10.9.255"), 137, 137, b))));
    ts += 1'000'000;
  }
  {  // Modbus 43/14 with a vendor name (payload).
    TcpSession s(w, scada, plc, 49200, 502);
    s.handshake(ts);
    s.data(ts, true, modbus_adu(1, 1, device_id_req()));
    s.data(ts, false, modbus_adu(1, 1, device_id_resp({{0, "<img src=x onerror=alert(1)>"}, {1, "<svg onload=alert(2)>"},
                                                        {2, "v1.0"}})));
    s.close(ts);
  }
  return wrote(w, out);
}

// --- hidden_equipment: what a machine builder left behind ----------------------------
// An approved cell (SCADA, a PLC, a Modbus TCP-to-serial gateway, the router) and
// four things nobody listed: a Raspberry Pi polling the PLC over Modbus/TCP, two
// serial meters behind the gateway (unit ids 3 and 7), a device at 10.30.1.77
// that the PLC keeps asking for by ARP and that never answers, and a box that
// looks up the eWON Talk2M broker (a remote-maintenance path).
Buf dns_query(std::uint16_t id, std::string_view name) {
  Buf b;
  put16be(b, id);
  put16be(b, 0x0100);  // standard query, recursion desired
  put16be(b, 1);       // QDCOUNT
  put16be(b, 0);
  put16be(b, 0);
  put16be(b, 0);
  std::size_t start = 0;
  while (start < name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    put8(b, static_cast<std::uint32_t>(dot - start));
    put_str(b, name.substr(start, dot - start));
    start = dot + 1;
  }
  put8(b, 0);
  put16be(b, 1);  // QTYPE A
  put16be(b, 1);  // QCLASS IN
  return b;
}

int write_hidden_equipment(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764230400LL * 1000000;  // 2025-11-27T08:00:00Z
  const Host router{mac("00:1b:54:10:00:01"), ip4("10.30.1.1")};
  const Host scada{mac("00:15:5d:10:00:10"), ip4("10.30.1.10")};
  const Host plc{mac("00:80:f4:10:00:20"), ip4("10.30.1.20")};
  const Host gateway{mac("00:80:f4:10:00:30"), ip4("10.30.1.30")};
  const Host pi{mac("b8:27:eb:10:00:40"), ip4("10.30.1.40")};
  const Host remote_box{mac("02:42:ac:10:00:50"), ip4("10.30.1.50")};
  const std::uint32_t missing_ip = ip4("10.30.1.77");

  for (const Host* h : {&router, &scada, &plc, &gateway, &pi, &remote_box}) gratuitous_arp(w, ts, *h);
  arp_exchange(w, ts, scada, plc);
  arp_exchange(w, ts, scada, gateway);
  arp_exchange(w, ts, pi, plc);
  arp_exchange(w, ts, remote_box, router);
  // SCADA polls the PLC, and two serial meters through the gateway.
  {
    TcpSession s(w, scada, plc, 49152, 502);
    s.handshake(ts);
    for (std::uint16_t tid = 1; tid <= 10; ++tid) {
      s.data(ts, true, modbus_adu(tid, 1, read_holding_req(0, 4)));
      s.data(ts, false, modbus_adu(tid, 1, read_holding_resp(4, tid)));
      ts += 500000;
    }
    s.close(ts);
  }
  {
    TcpSession s(w, scada, gateway, 49160, 502);
    s.handshake(ts);
    std::uint16_t tid = 1;
    for (int i = 0; i < 5; ++i) {
      for (std::uint8_t unit : {3, 7}) {
        s.data(ts, true, modbus_adu(tid, unit, read_holding_req(3000, 2)));
        s.data(ts, false, modbus_adu(tid++, unit, read_holding_resp(2, unit)));
        ts += 200000;
      }
    }
    s.close(ts);
  }
  // The Raspberry Pi a machine builder left to log the PLC's registers.
  {
    TcpSession s(w, pi, plc, 40000, 502);
    s.handshake(ts);
    for (std::uint16_t tid = 1; tid <= 6; ++tid) {
      s.data(ts, true, modbus_adu(tid, 1, read_holding_req(100, 8)));
      s.data(ts, false, modbus_adu(tid, 1, read_holding_resp(8, tid)));
      ts += 1000000;
    }
    s.close(ts);
  }
  // The PLC keeps asking for 10.30.1.77 (configured as a peer, never answering).
  for (int i = 0; i < 4; ++i) {
    const Buf req = arp(1, plc.mac, plc.ip, Mac{}, missing_ip);
    w.write(ts, ether(plc.mac, kBroadcast, 0x0806, req));
    ts += 30'000'000;
  }
  // The unlisted box resolves the Talk2M broker through the router (DNS).
  for (std::uint16_t id = 1; id <= 2; ++id) {
    udp_datagram(w, ts, remote_box, router, static_cast<std::uint16_t>(50000 + id), 53, dns_query(id, "eu2.talk2m.com"));
    ts += 10'000'000;
  }
  return wrote(w, out);
}

// --- wireless_cell: an 802.11 monitor-mode capture (radiotap) ---------------------
// The allowed access point of line 1 and its AGV, plus what the allow-list does
// not know: a maintenance router beaconing its own network and a laptop
// probing for a hotspot. Frames: 802.11-2020 §9.3.3 (management), §9.3.2
// (data); radiotap header of 8 bytes with no fields present.
Buf radiotap(const Buf& frame) {
  Buf b = {0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00};  // version, pad, length 8, present 0
  put_bytes(b, frame);
  return b;
}

Buf wlan_header(std::uint8_t fc0, std::uint8_t fc1, const Mac& a1, const Mac& a2, const Mac& a3, std::uint16_t seq) {
  Buf b;
  put8(b, fc0);
  put8(b, fc1);
  put16le(b, 0);  // duration
  put_mac(b, a1);
  put_mac(b, a2);
  put_mac(b, a3);
  put16le(b, static_cast<std::uint32_t>(seq << 4));
  return b;
}

void wlan_element(Buf& b, std::uint8_t id, std::string_view v) {
  put8(b, id);
  put8(b, static_cast<std::uint32_t>(v.size()));
  put_str(b, v);
}

Buf beacon(const Mac& ap, std::string_view ssid, std::uint16_t seq) {
  Buf b = wlan_header(0x80, 0x00, kBroadcast, ap, ap, seq);  // type 0 subtype 8
  put64le(b, 0x1000ULL * seq);                               // timestamp
  put16le(b, 100);                                           // beacon interval
  put16le(b, 0x0411);                                        // capability: ESS, privacy, short slot
  wlan_element(b, 0, ssid);
  wlan_element(b, 1, "\x82\x84\x8b\x96");
  wlan_element(b, 3, "\x06");
  return radiotap(b);
}

int write_wireless_cell(const std::string& out) {
  CaptureWriter w(out, true, 127);  // LINKTYPE_IEEE802_11_RADIOTAP
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764316800LL * 1000000;  // 2025-11-28T08:00:00Z
  const Mac ap = mac("00:0c:29:aa:00:01");
  const Mac agv = mac("00:1b:1b:02:9a:c3");
  const Mac rogue_ap = mac("02:11:22:33:44:55");
  const Mac laptop = mac("02:aa:bb:cc:dd:01");
  std::uint16_t seq = 1;
  for (int i = 0; i < 5; ++i) {
    w.write(ts, beacon(ap, "LINE1-AGV", seq++));
    ts += 102'400;
    w.write(ts, beacon(rogue_ap, "Maint-Router", seq++));
    ts += 102'400;
  }
  {  // the AGV joins LINE1-AGV
    Buf req = wlan_header(0x00, 0x00, ap, agv, ap, seq++);  // association request
    put16le(req, 0x0431);                                    // capability
    put16le(req, 10);                                        // listen interval
    wlan_element(req, 0, "LINE1-AGV");
    wlan_element(req, 1, "\x82\x84\x8b\x96");
    w.write(ts, radiotap(req));
    ts += 2000;
    for (int i = 0; i < 3; ++i) {  // null data frames to the AP (to DS)
      w.write(ts, radiotap(wlan_header(0x48, 0x01, ap, agv, ap, seq++)));
      ts += 500'000;
    }
  }
  {  // a laptop looks for a hotspot
    Buf probe = wlan_header(0x40, 0x00, kBroadcast, laptop, kBroadcast, seq++);
    wlan_element(probe, 0, "MAINT-HOTSPOT");
    wlan_element(probe, 1, "\x02\x04\x0b\x16");
    w.write(ts, radiotap(probe));
    ts += 1000;
  }
  return wrote(w, out);
}

// --- new_paths: a client that starts writing, a PLC that reaches out -----------------
// SCADA has polled the PLC for two hours when an engineering laptop, silent on
// Modbus until then, writes holding registers; the PLC looks up pool.ntp.org and
// opens HTTPS to a public address through the router (items 3-7 and 2-3).
int write_new_paths(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764403200LL * 1000000;  // 2025-11-29T08:00:00Z
  const Host router{mac("00:1b:54:40:00:01"), ip4("10.40.1.1")};
  const Host scada{mac("00:15:5d:40:00:10"), ip4("10.40.1.10")};
  const Host plc{mac("00:80:f4:40:00:20"), ip4("10.40.1.20")};
  const Host laptop{mac("00:15:5d:40:00:99"), ip4("10.40.1.99")};
  const Host internet_via_router{router.mac, ip4("203.0.113.10")};
  for (const Host* h : {&router, &scada, &plc, &laptop}) gratuitous_arp(w, ts, *h);
  arp_exchange(w, ts, scada, plc);
  {  // two hours of polling, and the laptop's first reads, all from the start
    TcpSession poll(w, scada, plc, 49152, 502);
    poll.handshake(ts);
    TcpSession eng(w, laptop, plc, 50100, 502);
    eng.handshake(ts);
    std::uint16_t tid = 1;
    for (int minute = 0; minute <= 120; minute += 10) {
      poll.data(ts, true, modbus_adu(tid, 1, read_holding_req(0, 4)));
      poll.data(ts, false, modbus_adu(tid, 1, read_holding_resp(4, tid)));
      eng.data(ts, true, modbus_adu(tid, 1, read_holding_req(100, 2)));
      eng.data(ts, false, modbus_adu(tid, 1, read_holding_resp(2, tid)));
      ++tid;
      ts += 600'000'000;
    }
    // Two hours in, the laptop writes for the first time.
    eng.data(ts, true, modbus_adu(tid, 1, write_multiple_req(200, 2)));
    eng.data(ts, false, modbus_adu(tid, 1, write_multiple_resp(200, 2)));
    poll.close(ts);
    eng.close(ts);
  }
  // The PLC resolves an NTP pool through the router and opens HTTPS to the internet.
  udp_datagram(w, ts, plc, router, 50001, 53, dns_query(7, "pool.ntp.org"));
  {
    TcpSession s(w, plc, internet_via_router, 51000, 443);
    s.handshake(ts);
    s.data(ts, true, Buf(64, 0x16));
    s.close(ts);
  }
  return wrote(w, out);
}

int main(int argc, char** argv) {
  std::map<std::string, ScenarioFn> scenarios = {
      {"l2_identity", write_l2_identity},
      {"sample", write_sample},
      {"jp_controllers", write_jp_controllers},
      {"melsec_omron", write_melsec_omron},
      {"multi_protocol", write_multi_protocol},
      {"hostile_names", write_hostile_names},
      {"hidden_equipment", write_hidden_equipment},
      {"wireless_cell", write_wireless_cell},
      {"new_paths", write_new_paths},
      {"advisory_plant", write_advisory_plant},
  };
  for (const auto& [name, fn] : scenario_registry()) scenarios.emplace(name, fn);
  if (argc != 3 || scenarios.count(argv[1]) == 0) {
    std::fprintf(stderr, "usage: mieruka_gen_pcap SCENARIO OUT\nscenarios:");
    for (const auto& [name, fn] : scenarios) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 1;
  }
  return scenarios.at(argv[1])(argv[2]);
}
