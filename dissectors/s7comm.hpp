// Siemens S7comm over ISO-on-TCP: TPKT (RFC 1006 §6), COTP (ISO 8073 / X.224
// class 0: CR, CC, DT, DR, DC, ER) and the S7 PDU (protocol id 0x32; header,
// job/ack_data functions and userdata, field layout as Wireshark's packet-s7comm.c
// and Snap7 document them). S7comm-plus (protocol id 0x72, S7-1200/1500) is only
// recognised and counted.
//
// The stream parser frames TPKT per direction (bounded buffer; a TPKT above the
// cap is skipped, not buffered), reassembles COTP DT fragments up to EOT (bounded),
// pairs ack_data with jobs by PDU reference (bounded table) and reassembles
// fragmented userdata SZL answers (bounded). It emits:
//   Operation  — protocol "s7comm": setup_communication, read_var / write_var per
//                item (area in the name, byte address and count as range, write
//                is_write), plc_stop, PI services (plc_start, plc_insert_block...)
//                and request_download as is_control, the CPU's download_block /
//                download_ended jobs, upload blocks, szl_read, userdata by function
//                group (a PLC password as is_control); ack_data with an error class
//                as is_error. Protocol "s7comm_plus", name "pdu".
//   Fact       — roles s7comm_client / s7comm_server (source "s7comm"); the called
//                TSAP of a COTP CR as "s7_tsap" on the server ("0102 rack=0 slot=2"
//                for the classic two-byte form); negotiated "s7_pdu_size";
//                SZL 0x0011 module identification: product (MLFB), revision (firmware
//                "V3.2.6"), vendor "Siemens", class_hint plc (source "s7_szl_0011");
//                SZL 0x001C component identification: name (index 1), s7_module_name
//                (2), s7_plant_id (3), s7_copyright (4), serial (5), model (7),
//                s7_memory_card_serial (8) (source "s7_szl_001c").
//   anomaly    — "s7comm.<counter>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::s7comm {

// RFC 1006 §6: version 3, reserved, length (whole TPKT, header included).
inline constexpr std::size_t kTpktHeaderSize = 4;
inline constexpr std::size_t kMinTpkt = 7;  // TPKT header + the smallest COTP header (DT: LI, code, EOT)
// ISO 8073 §13.3.4: the largest class-0 TPDU is 8192 octets; a TPKT carries one TPDU.
inline constexpr std::size_t kMaxTpkt = kTpktHeaderSize + 8192;
// A COTP DT sequence (EOT clear until the last) is reassembled up to this size;
// an S7 PDU is at most 960 bytes (S7-1500), S7comm-plus PDUs are larger.
inline constexpr std::size_t kMaxCotpReassembly = 16384;
// S7 userdata answers split over several PDUs ("last data unit" = 1) are joined
// up to this size: an SZL list of a large CPU.
inline constexpr std::size_t kMaxSzlReassembly = 8192;
// Jobs remembered per connection for pairing by PDU reference (oldest dropped).
inline constexpr std::size_t kMaxPending = 32;
// Items in one read/write var request (S7 limits this to 20 by PDU size).
inline constexpr std::size_t kMaxItems = 64;

inline constexpr std::uint8_t kProtocolId = 0x32;
inline constexpr std::uint8_t kProtocolIdPlus = 0x72;

inline constexpr std::string_view kVendor = "Siemens";

// COTP TPDU codes (ISO 8073 §13.1 table 8, upper nibble).
enum class CotpType : std::uint8_t { cr = 0xE0, cc = 0xD0, dr = 0x80, dc = 0xC0, dt = 0xF0, ed = 0x10, ak = 0x60, ea = 0x20, rj = 0x50, er = 0x70 };

struct Cotp {
  std::uint8_t code = 0;   // TPDU code (upper nibble of byte 1)
  bool eot = true;         // DT: last data unit
  Bytes called_tsap{};     // CR/CC parameter 0xC2
  Bytes calling_tsap{};    // CR/CC parameter 0xC1
  std::uint8_t tpdu_size = 0;  // CR/CC parameter 0xC0 (log2 of the size)
  Bytes payload{};         // DT user data
};

// S7 header (10 bytes, 12 with error class/code in ack and ack_data).
struct Header {
  std::uint8_t rosctr = 0;         // 1 job, 2 ack, 3 ack_data, 7 userdata
  std::uint16_t pdu_ref = 0;
  std::uint16_t param_length = 0;
  std::uint16_t data_length = 0;
  std::uint8_t error_class = 0;
  std::uint8_t error_code = 0;
};

struct Pdu {
  Header header;
  Bytes param{};
  Bytes data{};
};

// One variable specification of read/write var (syntax id 0x10, S7ANY).
struct VarItem {
  std::uint8_t syntax_id = 0;
  std::uint8_t transport_size = 0;
  std::uint16_t count = 0;
  std::uint16_t db = 0;
  std::uint8_t area = 0;
  std::uint32_t bit_address = 0;  // byte * 8 + bit
};

// Parses a TPKT header: need_more, malformed (version not 3, length < 7),
// limit_exceeded (above kMaxTpkt; the caller skips it). Returns the TPKT length.
[[nodiscard]] Result<std::uint16_t> parse_tpkt(Bytes bytes) noexcept;
// Parses one COTP TPDU (the TPKT payload). Errors: malformed (length indicator
// beyond the bytes, a parameter overrunning the header).
[[nodiscard]] Result<Cotp> parse_cotp(Bytes bytes) noexcept;
// Parses one S7 PDU (protocol id 0x32). Errors: malformed (short, wrong protocol
// id, parameter/data lengths beyond the bytes), unsupported (unknown ROSCTR).
[[nodiscard]] Result<Pdu> parse_pdu(Bytes bytes) noexcept;

[[nodiscard]] std::string_view function_name(std::uint8_t function) noexcept;
[[nodiscard]] std::string_view area_name(std::uint8_t area) noexcept;

// A COTP CR with a TPKT in front (dst ref 0, class 0), or a TPKT DT holding an S7 PDU.
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;

[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::s7comm
