// The synthetic factory mix of the benchmarks (bench/gen_factory.cpp writes it
// to a file; tests/unit/sensor/pipeline/alloc_test.cpp feeds it to the pipeline). Seeded
// and reproducible: no clock, one splitmix64 stream.
//
// The base mix, by share of packets: EtherNet/IP class-1 cyclic I/O on UDP 2222
// (~45%), Modbus/TCP polling FC3/FC4 with some FC16 writes and an occasional
// 43/14 device identification (~30%), EtherNet/IP explicit messaging over TCP
// 44818 and ListIdentity on UDP 44818 (~5%), OPC UA sessions HEL/ACK/OPN/MSG
// (~6%), ARP, LLDP, DHCP, DNS (~8%), and IT noise: HTTP and TLS (~6%).
// Hosts: 200 Modbus PLCs, 150 EtherNet/IP adapters under 30 scanner PLCs,
// 8 HMIs, 4 SCADA servers, 4 OPC UA servers, office PCs. Frames are classic pcap
// (Ethernet), built with scripts/gen/frames.hpp so tshark accepts them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scripts/gen/frames.hpp"

namespace mieruka::gen::factory {

struct Rng {
  std::uint64_t s;
  std::uint64_t next() noexcept {
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint32_t below(std::uint32_t n) noexcept { return static_cast<std::uint32_t>(next() % n); }
};

inline Mac make_mac(std::uint32_t oui, std::uint32_t n) {
  return Mac{static_cast<std::uint8_t>(oui >> 16), static_cast<std::uint8_t>(oui >> 8), static_cast<std::uint8_t>(oui),
             static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
}

inline Buf frame(const Host& a, const Host& b, std::uint8_t proto, const Buf& l4, std::uint16_t ipid) {
  return ether(a.mac, b.mac, 0x0800, ipv4(a.ip, b.ip, proto, l4, 64, ipid));
}
inline Buf udp_frame(const Host& a, const Host& b, std::uint16_t sp, std::uint16_t dp, const Buf& payload, std::uint16_t ipid) {
  return frame(a, b, 17, udp(a.ip, b.ip, sp, dp, payload), ipid);
}

// --- Modbus/TCP (MBAP + PDU) ---------------------------------------------------
inline Buf mbap(std::uint16_t tid, std::uint8_t unit, const Buf& pdu) {
  Buf b;
  put16be(b, tid);
  put16be(b, 0);
  put16be(b, static_cast<std::uint32_t>(pdu.size() + 1));
  put8(b, unit);
  put_bytes(b, pdu);
  return b;
}
inline Buf mb_read_req(std::uint8_t fc, std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, fc);
  put16be(p, addr);
  put16be(p, qty);
  return p;
}
inline Buf mb_read_resp(std::uint8_t fc, std::uint16_t qty, std::uint16_t base) {
  Buf p;
  put8(p, fc);
  put8(p, qty * 2u);
  for (std::uint16_t i = 0; i < qty; ++i) put16be(p, static_cast<std::uint16_t>(base + i));
  return p;
}
inline Buf mb_write_req(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 16);
  put16be(p, addr);
  put16be(p, qty);
  put8(p, qty * 2u);
  for (std::uint16_t i = 0; i < qty; ++i) put16be(p, 100u + i);
  return p;
}
inline Buf mb_write_resp(std::uint16_t addr, std::uint16_t qty) {
  Buf p;
  put8(p, 16);
  put16be(p, addr);
  put16be(p, qty);
  return p;
}
inline Buf mb_devid_resp(std::uint32_t n) {
  Buf p{0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 0x03};
  const std::string objs[3] = {"Schneider Electric", "BMX P34 2020", "v3." + std::to_string(n % 20)};
  for (std::uint8_t i = 0; i < 3; ++i) {
    put8(p, i);
    put8(p, static_cast<std::uint32_t>(objs[i].size()));
    put_str(p, objs[i]);
  }
  return p;
}

// --- EtherNet/IP -------------------------------------------------------------------
inline Buf encap(std::uint16_t command, const Buf& body, std::uint32_t session = 0) {
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
inline Buf list_identity_resp(std::uint32_t ip, std::uint32_t n) {
  const std::string name = "1756-L81E/B ControlLogix5581E #" + std::to_string(n);
  Buf item;
  put16le(item, 1);
  put16be(item, 2);
  put16be(item, 44818);
  put32be(item, ip);
  for (int i = 0; i < 8; ++i) put8(item, 0);
  put16le(item, 1);      // vendor: Rockwell
  put16le(item, 14);     // device type: PLC
  put16le(item, 166);    // product code
  put8(item, 32);
  put8(item, 11);
  put16le(item, 0x3160);
  put32le(item, 0x00a10000u + n);
  put8(item, static_cast<std::uint32_t>(name.size()));
  put_str(item, name);
  put8(item, 3);
  Buf body;
  put16le(body, 1);
  put16le(body, 0x000c);
  put16le(body, static_cast<std::uint32_t>(item.size()));
  put_bytes(body, item);
  return encap(0x63, body);
}
// SendRRData with an unconnected CIP request/response (Get_Attribute_Single).
inline Buf send_rr(std::uint32_t session, bool response, std::uint32_t n) {
  Buf cip;
  if (!response) {
    cip = {0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07};  // Get_Attribute_Single Identity/1/7
  } else {
    cip = {0x8e, 0x00, 0x00, 0x00};
    const std::string name = "1756-EN2T/D #" + std::to_string(n % 100);
    put8(cip, static_cast<std::uint32_t>(name.size()));
    put_str(cip, name);
  }
  Buf body;
  put32le(body, 0);      // interface handle
  put16le(body, 10);     // timeout
  put16le(body, 2);      // item count
  put16le(body, 0x0000); // null address item
  put16le(body, 0);
  put16le(body, 0x00b2); // unconnected data item
  put16le(body, static_cast<std::uint32_t>(cip.size()));
  put_bytes(body, cip);
  return encap(0x6f, body, session);
}
inline Buf register_session(std::uint32_t session) {
  Buf body;
  put16le(body, 1);
  put16le(body, 0);
  return encap(0x65, body, session);
}
// Class-1 I/O: CPF with a sequenced address item and a connected data item.
inline Buf io_datagram(std::uint32_t conn_id, std::uint32_t seq, std::uint32_t data_len) {
  Buf b;
  put16le(b, 2);
  put16le(b, 0x8002);
  put16le(b, 8);
  put32le(b, conn_id);
  put32le(b, seq);
  put16le(b, 0x00b1);
  put16le(b, data_len + 2);
  put16le(b, seq & 0xffff);
  for (std::uint32_t i = 0; i < data_len; ++i) put8(b, (seq + i) & 0xff);
  return b;
}

// --- OPC UA binary (Part 6 §7.1) -------------------------------------------------------
inline Buf ua_msg(const char* type, char chunk, const Buf& body) {
  Buf b;
  put_str(b, type);
  put8(b, static_cast<std::uint8_t>(chunk));
  put32le(b, static_cast<std::uint32_t>(8 + body.size()));
  put_bytes(b, body);
  return b;
}
inline void ua_string(Buf& b, std::string_view s) {
  put32le(b, static_cast<std::uint32_t>(s.size()));
  put_str(b, s);
}
inline void ua_request_header(Buf& b, std::uint32_t handle) {
  put8(b, 0x00);            // authentication token: NodeId two-byte 0
  put8(b, 0x00);
  put64le(b, 0);            // timestamp
  put32le(b, handle);       // request handle
  put32le(b, 0);            // return diagnostics
  put32le(b, 0xffffffffu);  // audit entry id: null
  put32le(b, 10000);        // timeout hint
  put8(b, 0x00);            // additional header: null ExtensionObject
  put8(b, 0x00);
  put8(b, 0x00);
}
inline void ua_response_header(Buf& b, std::uint32_t handle) {
  put64le(b, 0);            // timestamp
  put32le(b, handle);       // request handle
  put32le(b, 0);            // service result: Good
  put8(b, 0x00);            // service diagnostics: empty DiagnosticInfo
  put32le(b, 0xffffffffu);  // string table: null
  put8(b, 0x00);            // additional header: null ExtensionObject
  put8(b, 0x00);
  put8(b, 0x00);
}
inline Buf ua_hel(std::string_view url) {
  Buf b;
  put32le(b, 0);
  put32le(b, 65536);
  put32le(b, 65536);
  put32le(b, 0);
  put32le(b, 0);
  ua_string(b, url);
  return ua_msg("HEL", 'F', b);
}
inline Buf ua_ack() {
  Buf b;
  put32le(b, 0);
  put32le(b, 65536);
  put32le(b, 65536);
  put32le(b, 0);
  put32le(b, 0);
  return ua_msg("ACK", 'F', b);
}
inline Buf ua_opn(std::uint32_t channel, bool response, std::uint32_t seq) {
  Buf b;
  put32le(b, channel);
  ua_string(b, "http://opcfoundation.org/UA/SecurityPolicy#None");
  put32le(b, 0xffffffffu);  // sender certificate: null
  put32le(b, 0xffffffffu);  // receiver thumbprint: null
  put32le(b, seq);
  put32le(b, seq);          // request id
  // TypeId: OpenSecureChannelRequest (446) / Response (449), four-byte node id.
  put8(b, 0x01);
  put8(b, 0x00);
  put16le(b, response ? 449 : 446);
  if (response) {
    ua_response_header(b, seq);
    put32le(b, 0);        // server protocol version
    put32le(b, channel);  // security token: channel id
    put32le(b, 1);        //   token id
    put64le(b, 0);        //   created at
    put32le(b, 3600000);  //   revised lifetime
    put32le(b, 0xffffffffu);  // server nonce: null
  } else {
    ua_request_header(b, seq);
    put32le(b, 0);        // client protocol version
    put32le(b, 0);        // request type: issue
    put32le(b, 1);        // security mode: None
    put32le(b, 0xffffffffu);  // client nonce: null
    put32le(b, 3600000);  // requested lifetime
  }
  return ua_msg("OPN", 'F', b);
}
inline Buf ua_read(std::uint32_t channel, std::uint32_t seq, bool response) {
  Buf b;
  put32le(b, channel);
  put32le(b, 1);            // token id
  put32le(b, seq);
  put32le(b, seq);
  put8(b, 0x01);
  put8(b, 0x00);
  put16le(b, response ? 634 : 631);  // ReadResponse / ReadRequest
  if (response) {
    ua_response_header(b, seq);
    put32le(b, 1);        // results: one DataValue
    put8(b, 0x01);        //   mask: value
    put8(b, 0x0b);        //   Variant: Double
    put64le(b, 0x4059000000000000ULL + seq);
    put32le(b, 0xffffffffu);  // diagnostic infos: null
  } else {
    ua_request_header(b, seq);
    put64le(b, 0);        // max age
    put32le(b, 2);        // timestamps to return: both
    put32le(b, 1);        // nodes to read: one ReadValueId
    put8(b, 0x01);        //   NodeId four-byte, ns=2
    put8(b, 0x02);
    put16le(b, static_cast<std::uint16_t>(1000 + seq % 50));
    put32le(b, 13);       //   attribute: Value
    put32le(b, 0xffffffffu);  // index range: null
    put16le(b, 0);        //   data encoding: QualifiedName ns 0
    put32le(b, 0xffffffffu);  // name null
  }
  return ua_msg("MSG", 'F', b);
}

// --- L2 and IT services ------------------------------------------------------------
inline Buf lldp(const Mac& m, std::uint32_t n) {
  Buf b;
  auto tlv = [&b](std::uint8_t type, const Buf& v) {
    put16be(b, (static_cast<std::uint32_t>(type) << 9) | static_cast<std::uint32_t>(v.size()));
    put_bytes(b, v);
  };
  Buf chassis{4};
  chassis.insert(chassis.end(), m.begin(), m.end());
  tlv(1, chassis);
  Buf port{7};
  put_str(port, "Gi1/0/" + std::to_string(n % 48 + 1));
  tlv(2, port);
  tlv(3, Buf{0, 120});
  Buf name;
  put_str(name, "plant-sw-" + std::to_string(n));
  tlv(5, name);
  tlv(0, {});
  return b;
}
inline Buf dhcp_discover(const Mac& m, std::uint32_t xid, std::uint32_t n) {
  Buf b{1, 1, 6, 0};
  put32be(b, xid);
  put16be(b, 0);
  put16be(b, 0x8000);
  for (int i = 0; i < 16; ++i) put8(b, 0);
  put_mac(b, m);
  for (int i = 0; i < 10 + 64 + 128; ++i) put8(b, 0);
  put32be(b, 0x63825363);
  Buf host;
  put_str(host, "hmi-" + std::to_string(n));
  put8(b, 53); put8(b, 1); put8(b, 1);
  put8(b, 12); put8(b, static_cast<std::uint32_t>(host.size())); put_bytes(b, host);
  put8(b, 60); put8(b, 8); put_str(b, "MSFT 5.0");
  put8(b, 255);
  return b;
}
// The office looks up historian0..6.plant.local.
inline constexpr std::uint32_t kDnsNames = 7;
inline Buf dns_query(std::uint16_t id, std::uint32_t n) {
  Buf b;
  put16be(b, id);
  put16be(b, 0x0100);
  put16be(b, 1);
  put16be(b, 0);
  put16be(b, 0);
  put16be(b, 0);
  const std::string labels[3] = {"historian" + std::to_string(n % kDnsNames), "plant", "local"};
  for (const auto& l : labels) {
    put8(b, static_cast<std::uint32_t>(l.size()));
    put_str(b, l);
  }
  put8(b, 0);
  put16be(b, 1);
  put16be(b, 1);
  return b;
}

// A long-lived TCP conversation the mix keeps writing into.
struct Session {
  std::unique_ptr<TcpSession> tcp;
  std::uint32_t n = 0;  // messages so far
  std::uint32_t aux = 0;
};

class Factory {
 public:
  // Steady: after open(), no new connection or flow (DNS from fixed ports, one
  // long HTTP/TLS connection per office host, OPC UA sessions never renewed), so
  // a second stretch of the mix exercises only the steady-state hot path.
  bool steady = false;

  Factory(CaptureWriter& w, std::uint64_t seed) : w_(w), rng_{seed} {
    for (std::uint32_t i = 0; i < 4; ++i) scada_.push_back({make_mac(0x00155d, 0x100 + i), ip4("10.10.0.10") + i});
    for (std::uint32_t i = 0; i < 8; ++i) hmi_.push_back({make_mac(0x000ec6, 0x200 + i), ip4("10.10.0.50") + i});
    for (std::uint32_t i = 0; i < 200; ++i) mb_plc_.push_back({make_mac(0x0080f4, 0x300 + i), ip4("10.10.1.10") + i});
    for (std::uint32_t i = 0; i < 30; ++i) scanner_.push_back({make_mac(0x0000bc, 0x400 + i), ip4("10.10.2.10") + i});
    for (std::uint32_t i = 0; i < 150; ++i) adapter_.push_back({make_mac(0x001d9c, 0x500 + i), ip4("10.10.3.10") + i});
    for (std::uint32_t i = 0; i < 4; ++i) ua_server_.push_back({make_mac(0x0050c2, 0x600 + i), ip4("10.10.4.10") + i});
    for (std::uint32_t i = 0; i < 20; ++i) office_.push_back({make_mac(0x3c52a1, 0x700 + i), ip4("10.20.0.10") + i});
    server_ = {make_mac(0x001b21, 0x800), ip4("10.20.0.2")};
    for (std::uint32_t i = 0; i < 4; ++i) switch_.push_back({make_mac(0x00000c, 0x900 + i), 0});
    // Modbus polling sessions: each SCADA polls 50 PLCs on one connection each.
    for (std::uint32_t i = 0; i < mb_plc_.size(); ++i) {
      Session s;
      s.tcp = std::make_unique<TcpSession>(w_, scada_[i % scada_.size()], mb_plc_[i],
                                           static_cast<std::uint16_t>(40000 + i), 502, 1000 + i, 90000 + i);
      s.aux = i;
      modbus_.push_back(std::move(s));
    }
    // EtherNet/IP explicit sessions: HMIs to scanners.
    for (std::uint32_t i = 0; i < scanner_.size(); ++i) {
      Session s;
      s.tcp = std::make_unique<TcpSession>(w_, hmi_[i % hmi_.size()], scanner_[i],
                                           static_cast<std::uint16_t>(45000 + i), 44818, 7000 + i, 70000 + i);
      s.aux = 0x1000 + i;
      enip_.push_back(std::move(s));
    }
  }

  // Opens every long-lived session (handshakes, identity requests): the start
  // of the capture, as if the sensor started with the plant running.
  void open() {
    for (std::uint32_t i = 0; i < modbus_.size(); ++i) {
      modbus_[i].tcp->handshake(ts_);
      step();
    }
    for (std::uint32_t i = 0; i < enip_.size(); ++i) {
      enip_[i].tcp->handshake(ts_);
      enip_[i].tcp->data(ts_, true, register_session(0));
      enip_[i].tcp->data(ts_, false, register_session(enip_[i].aux));
      step();
    }
    if (steady) {
      // Everything a steady stretch will see once: each poll kind and the
      // identity of every PLC, each explicit exchange, each ListIdentity pair.
      for (auto& s : modbus_)
        for (std::uint32_t r : {0u, 20u, 100u, 700u}) modbus_exchange(s, r);
      for (auto& s : enip_) enip_exchange(s);
      for (std::uint32_t i = 0; i < scanner_.size(); ++i) list_identity_pair(i);
      for (const Host& o : office_)  // every name each host will ask for
        for (std::uint32_t n = 0; n < kDnsNames; ++n) dns_query_from(o, static_cast<std::uint16_t>(rng_.next()), n);
    }
    for (const Host& h : scada_) arp_announce(h);
    for (const Host& h : mb_plc_) arp_announce(h);
    for (const Host& h : scanner_) arp_announce(h);
    for (const Host& h : adapter_) arp_announce(h);
  }

  void base_packet() {
    const std::uint32_t r = rng_.below(1000);
    if (r < 450) return io();
    if (r < 750) return modbus();
    if (r < 780) return enip_explicit();
    if (r < 800) return list_identity();
    if (r < 860) return opcua();
    if (r < 900) return arp_request();
    if (r < 910) return lldp_frame();
    if (r < 920) return dhcp();
    if (r < 940) return dns();
    return it_noise();
  }

  // One frame from a fresh random source MAC (locally administered, unicast):
  // an ARP request or a broadcast IPv4 UDP datagram, as a flooding tool sends.
  void mac_flood_packet() {
    const std::uint64_t v = rng_.next();
    Mac m{};
    for (int i = 0; i < 6; ++i) m[i] = static_cast<std::uint8_t>(v >> (8 * i));
    m[0] = static_cast<std::uint8_t>((m[0] & 0xfe) | 0x02);
    const std::uint32_t ip = ip4("10.99.0.0") | static_cast<std::uint32_t>((v >> 48) & 0xffff);
    if ((v & 1) != 0) {
      w_.write(ts_, ether(m, kBroadcast, 0x0806, arp(1, m, ip, Mac{}, ip4("10.10.0.1"))));
    } else {
      const Host src{m, ip}, dst{kBroadcast, ip4("10.99.255.255")};
      w_.write(ts_, udp_frame(src, dst, 40000, 9, Buf(18, 0), 1));
    }
    step();
  }

  // One UDP datagram to a Modbus PLC from a random (spoofed) MAC and address:
  // each makes a station, an edge and a flow that never see a second packet.
  void spoof_flood_packet() {
    const std::uint64_t v = rng_.next();
    Mac m{};
    for (int i = 0; i < 6; ++i) m[i] = static_cast<std::uint8_t>(v >> (8 * i));
    m[0] = static_cast<std::uint8_t>((m[0] & 0xfe) | 0x02);
    const Host src{m, ip4("10.128.0.0") | static_cast<std::uint32_t>((v >> 40) & 0x3fffff)};
    w_.write(ts_, udp_frame(src, mb_plc_[(v >> 20) % mb_plc_.size()], 40000, 9999, Buf(18, 0), 1));
    step();
  }

  // A short TCP connection from a random client port to an HMI web server.
  void tcp_storm_connection() {
    const std::uint32_t c = rng_.below(65000);
    const Host client{make_mac(0x3c52a1, 0x10000 + (c % 4096)), ip4("10.30.0.0") + (c % 4096)};
    TcpSession s(w_, client, hmi_[c % hmi_.size()], static_cast<std::uint16_t>(1024 + rng_.below(60000)), 8080,
                 static_cast<std::uint32_t>(rng_.next()), static_cast<std::uint32_t>(rng_.next()));
    s.handshake(ts_);
    s.data(ts_, true, Buf(40, 'x'));
    s.close(ts_);
    step();
  }

  // A base frame, damaged: cut short, a lying length, or random bytes.
  void hostile_packet() {
    const std::uint32_t kind = rng_.below(4);
    Buf f;
    const Host& a = scada_[0];
    const Host& b = mb_plc_[rng_.below(static_cast<std::uint32_t>(mb_plc_.size()))];
    if (kind == 0) {  // Modbus ADU with a lying length
      Buf adu = mbap(1, 1, mb_read_req(3, 0, 10));
      adu[4] = 0xff;
      f = frame(a, b, 6, tcp(a.ip, b.ip, 39999, 502, rng_.next() & 0xffffffff, 0, tcpf::psh | tcpf::ack, adu), 1);
    } else if (kind == 1) {  // ENIP encapsulation length far beyond the frame
      Buf e = list_identity_resp(b.ip, 1);
      e[2] = 0xff;
      e[3] = 0xff;
      f = udp_frame(b, a, 44818, 44818, e, 2);
    } else if (kind == 2) {  // frame cut inside the IP header
      f = frame(a, b, 17, udp(a.ip, b.ip, 2222, 2222, io_datagram(1, 1, 8)), 3);
      f.resize(14 + 9);
    } else {  // Ethernet + IPv4 header with random bytes after it
      Buf junk(64);
      for (auto& x : junk) x = static_cast<std::uint8_t>(rng_.next());
      f = frame(a, b, static_cast<std::uint8_t>(rng_.below(256)), junk, 4);
    }
    w_.write(ts_, f);
    step();
  }

 private:
  void step() { ts_ += 1 + rng_.below(8); }  // ~200k packets per second of capture time

  void arp_announce(const Host& h) {
    w_.write(ts_, ether(h.mac, kBroadcast, 0x0806, arp(1, h.mac, h.ip, Mac{}, h.ip)));
    step();
  }

  void io() {
    const std::uint32_t i = rng_.below(static_cast<std::uint32_t>(adapter_.size()));
    const Host& adapter = adapter_[i];
    const Host& scanner = scanner_[i % scanner_.size()];
    const bool o2t = (rng_.next() & 1) != 0;
    const std::uint32_t seq = ++io_seq_[i % 256];
    const Buf dg = io_datagram(o2t ? 0x2000 + i : 0x3000 + i, seq, o2t ? 32 : 64);
    w_.write(ts_, o2t ? udp_frame(scanner, adapter, 2222, 2222, dg, static_cast<std::uint16_t>(seq))
                      : udp_frame(adapter, scanner, 2222, 2222, dg, static_cast<std::uint16_t>(seq)));
    step();
  }

  void modbus() {
    modbus_exchange(modbus_[rng_.below(static_cast<std::uint32_t>(modbus_.size()))], rng_.below(1000));
    step();
  }

  // r in [0, 1000): < 20 an FC16 write, < 22 a 43/14 identification, < 600
  // FC3, else FC4.
  void modbus_exchange(Session& s, std::uint32_t r) {
    const auto tid = static_cast<std::uint16_t>(++s.n);
    if (r < 20) {
      s.tcp->data(ts_, true, mbap(tid, 1, mb_write_req(200, 4)));
      s.tcp->data(ts_, false, mbap(tid, 1, mb_write_resp(200, 4)));
    } else if (r < 22) {
      s.tcp->data(ts_, true, mbap(tid, 1, Buf{0x2b, 0x0e, 0x01, 0x00}));
      s.tcp->data(ts_, false, mbap(tid, 1, mb_devid_resp(s.aux)));
    } else {
      const std::uint8_t fc = r < 600 ? 3 : 4;
      const auto qty = static_cast<std::uint16_t>(8 + (s.n % 4) * 8);
      s.tcp->data(ts_, true, mbap(tid, 1, mb_read_req(fc, 100, qty)));
      s.tcp->data(ts_, false, mbap(tid, 1, mb_read_resp(fc, qty, static_cast<std::uint16_t>(s.n))));
    }
  }

  void enip_explicit() {
    enip_exchange(enip_[rng_.below(static_cast<std::uint32_t>(enip_.size()))]);
    step();
  }
  void enip_exchange(Session& s) {
    ++s.n;
    s.tcp->data(ts_, true, send_rr(s.aux, false, s.n));
    s.tcp->data(ts_, false, send_rr(s.aux, true, s.aux));
  }

  // Steady: each scanner is asked by one HMI.
  void list_identity() {
    const std::uint32_t h = rng_.below(static_cast<std::uint32_t>(hmi_.size()));
    const std::uint32_t i = rng_.below(static_cast<std::uint32_t>(scanner_.size()));
    list_identity_pair(i, steady ? i % static_cast<std::uint32_t>(hmi_.size()) : h);
  }
  void list_identity_pair(std::uint32_t i) { list_identity_pair(i, i % static_cast<std::uint32_t>(hmi_.size())); }
  void list_identity_pair(std::uint32_t i, std::uint32_t hi) {
    const Host& h = hmi_[hi];
    const Host& plc = scanner_[i];
    w_.write(ts_, udp_frame(h, plc, 50000, 44818, encap(0x63, {}), 7));
    step();
    w_.write(ts_, udp_frame(plc, h, 44818, 50000, list_identity_resp(plc.ip, i), 8));
    step();
  }

  // A fresh OPC UA session now and then (HEL/ACK/OPN), else Read requests on
  // the current one.
  void opcua() {
    const std::uint32_t i = rng_.below(static_cast<std::uint32_t>(ua_server_.size()));
    if (!ua_[i].tcp || (ua_[i].n > 200 && !steady)) {
      if (ua_[i].tcp) ua_[i].tcp->close(ts_);
      ++ua_sessions_;
      ua_[i].tcp = std::make_unique<TcpSession>(w_, scada_[i % scada_.size()], ua_server_[i],
                                                static_cast<std::uint16_t>(50000 + ua_sessions_ % 10000), 4840,
                                                ua_sessions_ * 1000u, ua_sessions_ * 7000u);
      ua_[i].n = 0;
      ua_[i].aux = 0x100 + ua_sessions_;
      auto& t = *ua_[i].tcp;
      t.handshake(ts_);
      t.data(ts_, true, ua_hel("opc.tcp://ua-server-" + std::to_string(i) + ":4840/plant"));
      t.data(ts_, false, ua_ack());
      t.data(ts_, true, ua_opn(0, false, 1));
      t.data(ts_, false, ua_opn(ua_[i].aux, true, 1));
    }
    auto& s = ua_[i];
    ++s.n;
    s.tcp->data(ts_, true, ua_read(s.aux, s.n + 1, false));
    s.tcp->data(ts_, false, ua_read(s.aux, s.n + 1, true));
    step();
  }

  void arp_request() {
    const Host& a = mb_plc_[rng_.below(static_cast<std::uint32_t>(mb_plc_.size()))];
    const Host& b = scada_[rng_.below(static_cast<std::uint32_t>(scada_.size()))];
    if ((rng_.next() & 1) != 0) {
      w_.write(ts_, ether(a.mac, kBroadcast, 0x0806, arp(1, a.mac, a.ip, Mac{}, b.ip)));
    } else {
      w_.write(ts_, ether(b.mac, a.mac, 0x0806, arp(2, b.mac, b.ip, a.mac, a.ip)));
    }
    step();
  }

  void lldp_frame() {
    const std::uint32_t i = rng_.below(static_cast<std::uint32_t>(switch_.size()));
    w_.write(ts_, ether(switch_[i].mac, mac("01:80:c2:00:00:0e"), 0x88cc, lldp(switch_[i].mac, i)));
    step();
  }

  void dhcp() {
    const std::uint32_t i = rng_.below(static_cast<std::uint32_t>(hmi_.size()));
    const Host src{hmi_[i].mac, 0}, dst{kBroadcast, 0xffffffffu};
    w_.write(ts_, udp_frame(src, dst, 68, 67, dhcp_discover(hmi_[i].mac, rng_.next() & 0xffffffff, i), 9));
    step();
  }

  void dns() { dns_from(office_[rng_.below(static_cast<std::uint32_t>(office_.size()))]); }
  void dns_from(const Host& o) {
    const auto id = static_cast<std::uint16_t>(rng_.next());
    dns_query_from(o, id, id);
  }
  // `name` picks the name (modulo kDnsNames).
  void dns_query_from(const Host& o, std::uint16_t id, std::uint32_t name) {
    const auto sport = static_cast<std::uint16_t>(steady ? 5353 + (o.ip & 0xff) : 1024 + id % 60000);
    w_.write(ts_, udp_frame(o, server_, sport, 53, dns_query(id, name), id));
    step();
  }

  // Office HTTP and TLS: a request on a short connection to the server.
  void it_noise() {
    const Host& o = office_[rng_.below(static_cast<std::uint32_t>(office_.size()))];
    const bool tls = (rng_.next() & 1) != 0;
    if (((++it_n_ % 8) == 0 && !steady) || !it_) {
      it_ = std::make_unique<TcpSession>(w_, o, server_, static_cast<std::uint16_t>(20000 + it_n_ % 40000),
                                         tls ? 443 : 80, it_n_ * 13, it_n_ * 17);
      it_->handshake(ts_);
      it_tls_ = tls;
    }
    if (it_tls_) {
      // ClientHello: record (5) + handshake header (4) + 43-byte body.
      Buf hello{0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03};
      for (int i = 0; i < 32; ++i) put8(hello, static_cast<std::uint8_t>(it_n_ + i));
      for (const std::uint8_t x : {0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x00}) put8(hello, x);
      it_->data(ts_, true, hello);
      Buf app{0x17, 0x03, 0x03, 0x00, 0xd7};
      app.resize(5 + 0xd7, 0x5a);
      it_->data(ts_, false, app);
    } else {
      Buf get;
      put_str(get, "GET /trend?tag=line" + std::to_string(it_n_ % 9) + " HTTP/1.1\r\nHost: historian\r\n\r\n");
      it_->data(ts_, true, get);
      Buf rsp;
      put_str(rsp, "HTTP/1.1 200 OK\r\nContent-Length: 120\r\nServer: nginx\r\n\r\n");
      rsp.resize(rsp.size() + 120, '0');
      it_->data(ts_, false, rsp);
    }
    step();
  }

  CaptureWriter& w_;
  Rng rng_;
  std::int64_t ts_ = 1764547200LL * 1000000;  // 2025-12-01T00:00:00Z
  std::vector<Host> scada_, hmi_, mb_plc_, scanner_, adapter_, ua_server_, office_, switch_;
  Host server_{};
  std::vector<Session> modbus_, enip_;
  Session ua_[4];
  std::uint32_t ua_sessions_ = 0;
  std::uint32_t io_seq_[256] = {};
  std::unique_ptr<TcpSession> it_;
  bool it_tls_ = false;
  std::uint32_t it_n_ = 0;
};

}  // namespace mieruka::gen::factory
