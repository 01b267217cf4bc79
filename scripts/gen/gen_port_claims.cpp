// --- port_claims: a port number is not a protocol ----------------------------------
// Three conversations on industrial ports, of which only one speaks the
// protocol its port is registered for:
//   - a scanner sends SYNs to 502, 102 and 44818 of a host that answers each with
//     RST (no byte of Modbus, S7 or EtherNet/IP ever crosses);
//   - an IEC 61850 client associates with an IED on 102: RFC 1006 TPKT, ISO 8073
//     COTP CR/CC, then DT carrying an ISO 8327 session CONNECT/ACCEPT around an
//     MMS initiate-request/-response (the presentation layer is kept minimal), not
//     an S7 PDU (protocol id 0x32);
//   - a Modbus client reads holding registers from a server on 502 (valid MBAP).
// Stations use locally administered MACs, so no OUI names a maker.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "scripts/gen/frames.hpp"
#include "scripts/gen/scenarios.hpp"

namespace mieruka::gen {
namespace {

// A SYN from `c` to `s`:`port` answered by RST/ACK (RFC 9293 §3.10.7.1: a closed port).
void refused(CaptureWriter& w, std::int64_t& ts, const Host& c, const Host& s, std::uint16_t cport,
             std::uint16_t port) {
  const std::uint32_t isn = 7000U + port;
  w.write(ts, ether(c.mac, s.mac, 0x0800, ipv4(c.ip, s.ip, 6, tcp(c.ip, s.ip, cport, port, isn, 0, tcpf::syn, {}))));
  ts += 200;
  w.write(ts, ether(s.mac, c.mac, 0x0800,
                    ipv4(s.ip, c.ip, 6, tcp(s.ip, c.ip, port, cport, 0, isn + 1, tcpf::rst | tcpf::ack, {}))));
  ts += 1000;
}

// RFC 1006 TPKT around a COTP TPDU.
Buf tpkt(const Buf& cotp) {
  Buf b = {0x03, 0x00};
  put16be(b, static_cast<std::uint32_t>(cotp.size() + 4));
  put_bytes(b, cotp);
  return b;
}

// ISO 8073 CR (0xE0) or CC (0xD0), class 0, TPDU size 1024, TSAPs 0001/0001 as
// IEC 61850-8-1 clients and servers commonly use them.
Buf cotp_connect(std::uint8_t code, std::uint16_t dst_ref, std::uint16_t src_ref) {
  Buf b;
  put8(b, 17);  // length indicator: the 17 bytes after it
  put8(b, code);
  put16be(b, dst_ref);
  put16be(b, src_ref);
  put8(b, 0x00);                               // class 0
  put8(b, 0xC0); put8(b, 1); put8(b, 0x0A);    // TPDU size 2^10
  put8(b, 0xC1); put8(b, 2); put16be(b, 1);    // calling TSAP
  put8(b, 0xC2); put8(b, 2); put16be(b, 1);    // called TSAP
  return tpkt(b);
}

// COTP DT, last unit, around `user` (the session SPDU).
Buf cotp_data(const Buf& user) {
  Buf b = {0x02, 0xF0, 0x80};
  put_bytes(b, user);
  return tpkt(b);
}

// ISO 8327 SPDU `si` (13 CONNECT, 14 ACCEPT) with session requirement and
// selectors, its user data (PGI 0xC1) the presentation PPDU around `mms`.
Buf session(std::uint8_t si, const Buf& mms) {
  Buf ppdu = {0x31};  // presentation CP/CPA-type, definite short form
  put8(ppdu, static_cast<std::uint32_t>(mms.size()));
  put_bytes(ppdu, mms);
  Buf params = {0x14, 0x02, 0x00, 0x02,   // session requirement: duplex
                0x33, 0x02, 0x00, 0x01,   // calling session selector
                0x34, 0x02, 0x00, 0x01};  // called session selector
  put8(params, 0xC1);
  put8(params, static_cast<std::uint32_t>(ppdu.size()));
  put_bytes(params, ppdu);
  Buf b;
  put8(b, si);
  put8(b, static_cast<std::uint32_t>(params.size()));
  put_bytes(b, params);
  return b;
}

// MMS initiate-request (0xA8) / initiate-response (0xA9) (ISO 9506-2 §7.2): local
// detail 65000, 10 calling/called outstanding, nesting 5, version 1, the
// parameter CBB and services supported as a 61850 client and server send them.
Buf mms_initiate(bool response) {
  Buf b = {response ? std::uint8_t{0xA9} : std::uint8_t{0xA8}, 0x26, 0x80, 0x03, 0x00, 0xFD, 0xE8, 0x81, 0x01, 0x0A,
           0x82, 0x01, 0x0A, 0x83, 0x01, 0x05, 0xA4, 0x16, 0x80, 0x01, 0x01, 0x81, 0x03, 0x05, 0xF1, 0x00, 0x82,
           0x0C, 0x03, 0xEE, 0x1C, 0x00, 0x00, 0x04, 0x08, 0x00, 0x00, 0x79, 0xEF, 0x18};
  return b;
}

Buf modbus_read_holding(std::uint16_t tid, bool response) {
  Buf pdu = {0x03};
  if (response) {
    put8(pdu, 4);  // byte count: two registers
    put16be(pdu, 0x0102);
    put16be(pdu, 0x0304);
  } else {
    put16be(pdu, 0);  // starting address
    put16be(pdu, 2);  // quantity
  }
  return modbus_adu(tid, 1, pdu);
}

int write_port_claims(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764489600LL * 1000000;  // 2025-11-30T08:00:00Z
  const Host scanner{mac("02:50:00:00:00:66"), ip4("10.50.1.66")};
  const Host closed{mac("02:50:00:00:00:20"), ip4("10.50.1.20")};
  const Host mms_client{mac("02:50:00:00:00:31"), ip4("10.50.1.31")};
  const Host ied{mac("02:50:00:00:00:30"), ip4("10.50.1.30")};
  const Host mb_client{mac("02:50:00:00:00:40"), ip4("10.50.1.40")};
  const Host mb_server{mac("02:50:00:00:00:41"), ip4("10.50.1.41")};

  std::uint16_t cport = 40000;
  for (const std::uint16_t port : {std::uint16_t{502}, std::uint16_t{102}, std::uint16_t{44818}})
    refused(w, ts, scanner, closed, cport++, port);

  {
    TcpSession s(w, mms_client, ied, 49200, 102);
    s.handshake(ts);
    s.data(ts, true, cotp_connect(0xE0, 0x0000, 0x0001));
    s.data(ts, false, cotp_connect(0xD0, 0x0001, 0x0002));
    s.data(ts, true, cotp_data(session(13, mms_initiate(false))));
    s.data(ts, false, cotp_data(session(14, mms_initiate(true))));
    s.close(ts);
  }
  {
    TcpSession s(w, mb_client, mb_server, 49300, 502);
    s.handshake(ts);
    for (std::uint16_t tid = 1; tid <= 3; ++tid) {
      s.data(ts, true, modbus_read_holding(tid, false));
      s.data(ts, false, modbus_read_holding(tid, true));
    }
    s.close(ts);
  }
  return wrote(w, out);
}

}  // namespace

const Scenario kPortClaims{"port_claims", write_port_claims};

}  // namespace mieruka::gen
