// Scenario "new_writers" (pcaps/new_writers.pcapng): a client that only read
// begins to write, once per protocol with a write (finding new_writer, 3-7).
//
// SCADA (10.50.1.10) writes to seven PLCs from its first minute; an engineering
// station (10.50.1.99) reads from the same PLCs every ten minutes for two hours
// and then writes twice to each. With a learning period of one hour, each of the
// station's (server, protocol operation) pairs is one new_writer finding and
// SCADA has none. The requests follow the specs the dissectors cite: Modbus AP
// §6.3/6.6/6.12, CIP/Logix Read Tag and Write Tag (1756-PM020) in SendRRData,
// SLMP 3E batch read/write (SH-080956ENG §5), FINS memory area read/write (W342
// §5-3), S7 read/write var (Wireshark packet-s7comm.c), MEWTOCOL-COM RD/WD and
// KV host link RD/WR.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "frames.hpp"
#include "scenarios.hpp"

using namespace mieruka::gen;

namespace {

Buf text(std::string_view s) { return Buf(s.begin(), s.end()); }

// --- EtherNet/IP encapsulation and CIP ------------------------------------------------
Buf encap(std::uint16_t command, std::uint32_t session, const Buf& body) {
  Buf b;
  put16le(b, command);
  put16le(b, static_cast<std::uint32_t>(body.size()));
  put32le(b, session);
  put32le(b, 0);                         // status
  put64le(b, 0x1122334455667788ULL);     // sender context
  put32le(b, 0);                         // options
  put_bytes(b, body);
  return b;
}
Buf register_session() { return Buf{0x01, 0x00, 0x00, 0x00}; }  // protocol version 1, options 0
// SendRRData: interface handle, timeout, two CPF items (null address, unconnected data).
Buf send_rr(const Buf& cip) {
  Buf b;
  put32le(b, 0);
  put16le(b, 10);
  put16le(b, 2);
  put16le(b, 0x0000);
  put16le(b, 0);
  put16le(b, 0x00B2);
  put16le(b, static_cast<std::uint32_t>(cip.size()));
  put_bytes(b, cip);
  return b;
}
// Read Tag / Write Tag on the ANSI extended symbol "Cnt" (path 3 words, padded).
Buf logix(std::uint8_t service, bool with_value) {
  Buf b{service, 0x03, 0x91, 0x03, 'C', 'n', 't', 0x00};
  if (with_value) {
    put16le(b, 0x00C4);  // DINT
    put16le(b, 1);       // one element
    put32le(b, 42);
  } else {
    put16le(b, 1);
  }
  return b;
}
Buf logix_reply(std::uint8_t service, bool with_value) {
  Buf b{static_cast<std::uint8_t>(service | 0x80), 0x00, 0x00, 0x00};
  if (with_value) {
    put16le(b, 0x00C4);
    put32le(b, 7);
  }
  return b;
}

// --- SLMP 3E binary -----------------------------------------------------------------
Buf slmp_req(std::uint16_t cmd, const Buf& data) {
  Buf b{0x50, 0x00, 0x00, 0xFF};
  put16le(b, 0x03FF);
  put8(b, 0x00);
  put16le(b, static_cast<std::uint32_t>(6 + data.size()));
  put16le(b, 0x0010);
  put16le(b, cmd);
  put16le(b, 0x0000);  // word units
  put_bytes(b, data);
  return b;
}
Buf slmp_resp(const Buf& data) {
  Buf b{0xD0, 0x00, 0x00, 0xFF};
  put16le(b, 0x03FF);
  put8(b, 0x00);
  put16le(b, static_cast<std::uint32_t>(2 + data.size()));
  put16le(b, 0);  // end code: normal
  put_bytes(b, data);
  return b;
}
Buf slmp_d(std::uint16_t number, std::uint16_t points) {  // device D (0xA8)
  Buf b;
  put16le(b, number);
  put8(b, 0);
  put8(b, 0xA8);
  put16le(b, points);
  return b;
}

// --- FINS over UDP ----------------------------------------------------------------------
Buf fins(bool response, std::uint8_t sid, std::uint16_t code, const Buf& data) {
  // ICF, RSV, GCT, DNA/DA1/DA2 (PLC node 24), SNA/SA1/SA2 (client node 99), SID.
  Buf b{static_cast<std::uint8_t>(response ? 0xC0 : 0x80), 0x00, 0x02, 0x00,
        static_cast<std::uint8_t>(response ? 99 : 24), 0x00, 0x00,
        static_cast<std::uint8_t>(response ? 24 : 99), 0x00, sid};
  put16be(b, code);
  if (response) put16be(b, 0);  // end code: normal
  put_bytes(b, data);
  return b;
}
Buf dm(std::uint16_t address, std::uint16_t items) {  // DM area (0x82), bit 0
  Buf b{0x82};
  put16be(b, address);
  put8(b, 0);
  put16be(b, items);
  return b;
}

// --- S7comm over COTP over TPKT ------------------------------------------------------------
Buf tpkt_dt(const Buf& pdu) {
  Buf b{0x03, 0x00};
  put16be(b, static_cast<std::uint32_t>(pdu.size() + 7));
  put_bytes(b, Buf{0x02, 0xF0, 0x80});
  put_bytes(b, pdu);
  return b;
}
Buf s7(std::uint8_t rosctr, std::uint16_t ref, const Buf& param, const Buf& data) {
  Buf b{0x32, rosctr, 0x00, 0x00};
  put16be(b, ref);
  put16be(b, static_cast<std::uint32_t>(param.size()));
  put16be(b, static_cast<std::uint32_t>(data.size()));
  if (rosctr == 3) put16be(b, 0);  // error class, code
  put_bytes(b, param);
  put_bytes(b, data);
  return b;
}
// One S7ANY item: byte access, count, DB, area, bit address.
Buf s7_item(std::uint8_t function, std::uint16_t count, std::uint16_t db, std::uint8_t area, std::uint32_t byte) {
  Buf b{function, 0x01, 0x12, 0x0A, 0x10, 0x02};
  put16be(b, count);
  put16be(b, db);
  put8(b, area);
  const std::uint32_t bits = byte << 3;
  put8(b, bits >> 16);
  put16be(b, bits & 0xFFFF);
  return b;
}
const Buf kCotpCr{0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00,
                  0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01};
const Buf kCotpCc{0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x02, 0x00,
                  0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01};
const Buf kSetup{0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0};

// --- MEWTOCOL-COM: text, BCC (XOR, two hex digits), CR --------------------------------
Buf mew(std::string_view t) {
  std::uint8_t x = 0;
  for (char c : t) x = static_cast<std::uint8_t>(x ^ static_cast<std::uint8_t>(c));
  char bcc[3];
  std::snprintf(bcc, sizeof bcc, "%02X", x);
  Buf b = text(t);
  put_str(b, bcc);
  put8(b, '\r');
  return b;
}

// The conversations of one client with the seven PLCs; `write` picks the client's
// write operation per protocol, else its read.
struct Client {
  Client(CaptureWriter& w, const Host& me, const Host (&plc)[7], std::uint16_t port_base)
      : w_(w), me_(me), plc_(plc),
        modbus_(w, me, plc[0], port_base, 502), enip_(w, me, plc[1], port_base + 1, 44818),
        slmp_(w, me, plc[2], port_base + 2, 5007), s7_(w, me, plc[4], port_base + 4, 102),
        mew_(w, me, plc[5], port_base + 5, 9094), kv_(w, me, plc[6], port_base + 6, 8501),
        fins_port_(static_cast<std::uint16_t>(port_base + 3)) {}

  void open(std::int64_t& ts) {
    modbus_.handshake(ts);
    enip_.handshake(ts);
    enip_.data(ts, true, encap(0x65, 0, register_session()));
    enip_.data(ts, false, encap(0x65, session_, register_session()));
    slmp_.handshake(ts);
    s7_.handshake(ts);
    s7_.data(ts, true, kCotpCr);
    s7_.data(ts, false, kCotpCc);
    s7_.data(ts, true, tpkt_dt(s7(1, ref_, kSetup, {})));
    s7_.data(ts, false, tpkt_dt(s7(3, ref_, kSetup, {})));
    ++ref_;
    mew_.handshake(ts);
    kv_.handshake(ts);
  }

  void round(std::int64_t& ts, bool write) {
    ++tid_;
    if (write) {
      modbus_.data(ts, true, modbus_adu(tid_, 1, Buf{0x10, 0x00, 0xC8, 0x00, 0x01, 0x02, 0x12, 0x34}));  // FC16 40201
      modbus_.data(ts, false, modbus_adu(tid_, 1, Buf{0x10, 0x00, 0xC8, 0x00, 0x01}));
      enip_.data(ts, true, encap(0x6F, session_, send_rr(logix(0x4D, true))));
      enip_.data(ts, false, encap(0x6F, session_, send_rr(logix_reply(0x4D, false))));
      Buf wd = slmp_d(200, 1);
      put16le(wd, 0x1234);
      slmp_.data(ts, true, slmp_req(0x1401, wd));
      slmp_.data(ts, false, slmp_resp({}));
      Buf fw = dm(200, 1);
      put16be(fw, 0x1234);
      fins_udp(ts, true, fins(false, sid_, 0x0102, fw));
      fins_udp(ts, false, fins(true, sid_, 0x0102, {}));
      s7_.data(ts, true, tpkt_dt(s7(1, ref_, s7_item(0x05, 2, 0, 0x83, 20), Buf{0x00, 0x04, 0x00, 0x10, 0x12, 0x34})));
      s7_.data(ts, false, tpkt_dt(s7(3, ref_, Buf{0x05, 0x01}, Buf{0xFF})));
      mew_.data(ts, true, mew("%01#WDD00200002003412"));
      mew_.data(ts, false, mew("%01$WD"));
      kv_.data(ts, true, text("WR DM200 1234\r"));
      kv_.data(ts, false, text("OK\r\n"));
    } else {
      modbus_.data(ts, true, modbus_adu(tid_, 1, Buf{0x03, 0x00, 0x64, 0x00, 0x02}));  // FC3 40101, 2 registers
      modbus_.data(ts, false, modbus_adu(tid_, 1, Buf{0x03, 0x04, 0x00, 0x01, 0x00, 0x02}));
      enip_.data(ts, true, encap(0x6F, session_, send_rr(logix(0x4C, false))));
      enip_.data(ts, false, encap(0x6F, session_, send_rr(logix_reply(0x4C, true))));
      slmp_.data(ts, true, slmp_req(0x0401, slmp_d(100, 2)));
      slmp_.data(ts, false, slmp_resp(Buf{0x01, 0x00, 0x02, 0x00}));
      fins_udp(ts, true, fins(false, sid_, 0x0101, dm(100, 2)));
      fins_udp(ts, false, fins(true, sid_, 0x0101, Buf{0x00, 0x01, 0x00, 0x02}));
      s7_.data(ts, true, tpkt_dt(s7(1, ref_, s7_item(0x04, 4, 1, 0x84, 0), {})));
      s7_.data(ts, false, tpkt_dt(s7(3, ref_, Buf{0x04, 0x01}, Buf{0xFF, 0x04, 0x00, 0x20, 1, 2, 3, 4})));
      mew_.data(ts, true, mew("%01#RDD0010000101"));
      mew_.data(ts, false, mew("%01$RD01000200"));
      kv_.data(ts, true, text("RD DM100\r"));
      kv_.data(ts, false, text("00010\r\n"));
    }
    ++ref_;
    ++sid_;
  }

  void close(std::int64_t& ts) {
    for (TcpSession* s : {&modbus_, &enip_, &slmp_, &s7_, &mew_, &kv_}) s->close(ts);
  }

 private:
  void fins_udp(std::int64_t& ts, bool from_client, const Buf& payload) {
    const Host& a = from_client ? me_ : plc_[3];
    const Host& b = from_client ? plc_[3] : me_;
    const std::uint16_t sport = from_client ? fins_port_ : 9600, dport = from_client ? 9600 : fins_port_;
    w_.write(ts, ether(a.mac, b.mac, 0x0800, ipv4(a.ip, b.ip, 17, udp(a.ip, b.ip, sport, dport, payload))));
    ts += 2000;
  }

  CaptureWriter& w_;
  Host me_;
  const Host (&plc_)[7];
  TcpSession modbus_, enip_, slmp_, s7_, mew_, kv_;
  std::uint16_t fins_port_;
  std::uint16_t tid_ = 0, ref_ = 1;
  std::uint8_t sid_ = 1;
  std::uint32_t session_ = 0x00010203;
};

int write_new_writers(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764576000LL * 1000000;  // 2025-12-01T08:00:00Z
  const Host scada{mac("00:15:5d:50:00:10"), ip4("10.50.1.10")};
  const Host ews{mac("00:15:5d:50:00:99"), ip4("10.50.1.99")};
  const Host plc[7] = {
      {mac("00:80:f4:50:00:01"), ip4("10.50.1.21")},  // Modbus/TCP (Schneider OUI)
      {mac("00:00:bc:50:00:02"), ip4("10.50.1.22")},  // EtherNet/IP (Rockwell)
      {mac("00:26:92:50:00:03"), ip4("10.50.1.23")},  // SLMP (Mitsubishi)
      {mac("00:00:0a:50:00:04"), ip4("10.50.1.24")},  // FINS/UDP (Omron)
      {mac("28:63:36:50:00:05"), ip4("10.50.1.25")},  // S7comm (Siemens)
      {mac("00:c0:8f:50:00:06"), ip4("10.50.1.26")},  // MEWTOCOL-COM (Panasonic)
      {mac("00:01:fc:50:00:07"), ip4("10.50.1.27")},  // KV host link (Keyence)
  };
  Client early(w, scada, plc, 49200);
  Client late(w, ews, plc, 50200);
  early.open(ts);
  late.open(ts);
  for (int minute = 0; minute <= 120; minute += 10) {
    early.round(ts, true);
    late.round(ts, false);
    ts += 600'000'000;
  }
  // Two hours in, the station writes to every PLC, twice: one finding per pair.
  late.round(ts, true);
  ts += 60'000'000;
  late.round(ts, true);
  early.close(ts);
  late.close(ts);
  return wrote(w, out);
}

}  // namespace

const mieruka::gen::Scenario kNewWriters{"new_writers", write_new_writers};
