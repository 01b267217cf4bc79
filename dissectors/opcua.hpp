// OPC UA Connection Protocol and Secure Conversation over TCP (OPC 10000-6 v1.04
// §7.1 UA TCP: HEL/ACK/ERR/RHE; §6.7 UA Secure Conversation: OPN/MSG/CLO chunks,
// asymmetric and symmetric security headers, sequence header, chunk reassembly).
// Service bodies are decoded (opcua_types.hpp) only when the channel's security
// policy is None, as learnt from the OPN on this connection (or, with no OPN
// seen, when the body decodes to a known service); the sender certificate of an
// OPN is readable even when the channel is encrypted (opcua_cert.hpp).
// Emits: role/application/product/BuildInfo/certificate Facts about the OPC UA
// server and client, "security" Facts (policy None, deprecated policies,
// anonymous tokens), one Operation per service request (and per error response).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "byte_reader.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::opcua {

// Caps. A chunk's size must lie in [minimum for its type, kMaxChunkSizeHard];
// chunks above kMaxBufferedChunk are skipped by length (counted), never buffered.
// C chunks are reassembled up to kMaxChunkCount chunks and kMaxReassembledBytes.
inline constexpr std::uint32_t kHeaderSize = 8;
inline constexpr std::uint32_t kMaxChunkSizeHard = 16u * 1024 * 1024;
inline constexpr std::size_t kMaxBufferedChunk = 1024 * 1024;
inline constexpr std::size_t kMaxReassembledBytes = 1024 * 1024;
inline constexpr std::uint32_t kMaxChunkCount = 256;
inline constexpr std::size_t kMaxEndpointUrlLength = 4096;  // Part 6 §7.1.2.3
inline constexpr std::uint16_t kDefaultPort = 4840;

inline constexpr std::string_view kPolicyNone = "http://opcfoundation.org/UA/SecurityPolicy#None";

// Part 6 §7.1.2.2 table 49: MessageType (3 ASCII bytes) and chunk type.
enum class MessageType : std::uint8_t { hello, acknowledge, error, reverse_hello, open, message, close };

struct MessageHeader {
  MessageType type = MessageType::hello;
  char chunk_type = 'F';  // F final, C intermediate, A abort
  std::uint32_t size = 0; // whole chunk, header included
};

// Checks the first 8 bytes: a known type, a chunk type valid for it, a size at
// least the type's minimum and at most kMaxChunkSizeHard. need_more when < 8 bytes.
[[nodiscard]] Result<MessageHeader> parse_header(Bytes data) noexcept;

// Part 6 §7.1.2.3 Hello.
struct Hello {
  std::uint32_t protocol_version = 0;
  std::uint32_t receive_buffer_size = 0;
  std::uint32_t send_buffer_size = 0;
  std::uint32_t max_message_size = 0;
  std::uint32_t max_chunk_count = 0;
  std::optional<std::string_view> endpoint_url;
};
// Part 6 §7.1.2.4 Acknowledge.
struct Acknowledge {
  std::uint32_t protocol_version = 0;
  std::uint32_t receive_buffer_size = 0;
  std::uint32_t send_buffer_size = 0;
  std::uint32_t max_message_size = 0;
  std::uint32_t max_chunk_count = 0;
};
// Part 6 §7.1.2.5 Error.
struct ErrorMessage {
  std::uint32_t error = 0;
  std::optional<std::string_view> reason;
};
// Part 6 §7.1.2.6 ReverseHello.
struct ReverseHello {
  std::optional<std::string_view> server_uri;
  std::optional<std::string_view> endpoint_url;
};
// Part 6 §6.7.2.3 asymmetric algorithm security header, after the SecureChannelId.
struct AsymmetricHeader {
  std::uint32_t secure_channel_id = 0;
  std::optional<std::string_view> security_policy_uri;
  std::optional<Bytes> sender_certificate;
  std::optional<Bytes> receiver_thumbprint;
};

// Bodies: the bytes after the 8-byte message header.
[[nodiscard]] Result<Hello> parse_hello(Bytes body) noexcept;
[[nodiscard]] Result<Acknowledge> parse_acknowledge(Bytes body) noexcept;
[[nodiscard]] Result<ErrorMessage> parse_error(Bytes body) noexcept;
[[nodiscard]] Result<ReverseHello> parse_reverse_hello(Bytes body) noexcept;
// Reads SecureChannelId and the asymmetric header; `r` is left at the sequence header.
[[nodiscard]] Result<AsymmetricHeader> parse_asymmetric_header(ByteReader& r) noexcept;

// Symbolic name of a common StatusCode (Part 6 Annex A / StatusCodes.csv), e.g.
// 0x80820000 -> "BadTcpInternalError"; "" when not in our table.
[[nodiscard]] std::string_view status_name(std::uint32_t code) noexcept;

// "Basic128Rsa15" / "Basic256" for the deprecated policies (Part 7, deprecated in
// 1.04), "" otherwise.
[[nodiscard]] std::string_view deprecated_policy(std::string_view policy_uri) noexcept;

// A HEL (protocol version 0) or RHE header with a sane size at the start of a
// to_server flow.
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;

[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::opcua
