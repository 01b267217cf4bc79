// HTTP/1.x (RFC 9112 §3 request line, §4 status line, §5 field lines) as an
// identity source: the first request and the first response of a connection.
// Request: method (an Operation "http"/<method>), Host -> "http_host" on the
// receiver, User-Agent -> "http_user_agent" on the sender. Response: Server ->
// "http_server" on the sender (device web servers often name the model), the
// realm of WWW-Authenticate (RFC 9110 §11.6.1) -> "http_realm" on the sender.
// Source "http". Header bytes are buffered up to kMaxHeaderBytes per direction;
// bodies are never parsed; a direction stops after its first message.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "byte_reader.hpp"
#include "observation.hpp"
#include "registry.hpp"
#include "result.hpp"

namespace mieruka::dissectors::http {

inline constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
inline constexpr std::size_t kMaxFieldLines = 100;  // header lines looked at
inline constexpr std::size_t kMaxValueLength = 512; // a header value kept

struct Message {
  bool is_request = false;
  std::string_view method;      // request: the known method name (static storage)
  std::string target;           // request-target
  int status = 0;               // response status code
  std::string host, user_agent; // request
  std::string server, realm;    // response
};

// The method of a request line starting `b` (static storage), or empty.
[[nodiscard]] std::string_view known_method(Bytes b) noexcept;
// Parses a complete header block (start line + field lines, up to and including
// the empty line, or all of `b` when it was cut at kMaxHeaderBytes).
[[nodiscard]] Result<Message> parse_header_block(Bytes b) noexcept;
// The realm parameter of a WWW-Authenticate value, or empty.
[[nodiscard]] std::string_view realm_of(std::string_view www_authenticate) noexcept;

// A to_server stream that starts "<known method> SP".
[[nodiscard]] bool probe(Bytes first_payload, Direction dir) noexcept;
[[nodiscard]] std::unique_ptr<StreamParser> make_stream_parser();

}  // namespace mieruka::dissectors::http
