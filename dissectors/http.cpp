// HTTP/1.x first request and response headers (see http.hpp).
#include "http.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace mieruka::dissectors::http {
namespace {

constexpr std::string_view kSource = "http";
constexpr std::string_view kFieldHost = "http_host";
constexpr std::string_view kFieldUserAgent = "http_user_agent";
constexpr std::string_view kFieldServer = "http_server";
constexpr std::string_view kFieldRealm = "http_realm";

// RFC 9110 §9 methods plus WebDAV's common ones.
constexpr std::array<std::string_view, 12> kMethods = {"GET",   "POST",  "HEAD",    "PUT",      "DELETE",
                                                       "OPTIONS", "TRACE", "CONNECT", "PATCH",  "PROPFIND",
                                                       "MKCOL", "SUBSCRIBE"};

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string clip(std::string_view v) { return std::string(v.substr(0, kMaxValueLength)); }

// Where the header block ends (just past the empty line), or npos.
std::size_t header_end(std::string_view s) noexcept {
  const std::size_t crlf = s.find("\r\n\r\n");
  const std::size_t lf = s.find("\n\n");
  const std::size_t a = crlf == std::string_view::npos ? crlf : crlf + 4;
  const std::size_t b = lf == std::string_view::npos ? lf : lf + 2;
  return std::min(a, b);
}

struct DirState {
  std::vector<std::byte> buf;  // bounded by kMaxHeaderBytes
  bool done = false;
};

class Parser final : public StreamParser {
 public:
  void on_data(Direction dir, Bytes data, Sink& sink) noexcept override {
    DirState& s = dirs_[static_cast<std::size_t>(dir)];
    if (s.done || data.empty()) return;
    const std::size_t room = kMaxHeaderBytes - s.buf.size();
    const bool cut = data.size() > room;
    try {
      s.buf.insert(s.buf.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(std::min(room, data.size())));
    } catch (...) {
      finish(s);
      return;
    }
    const std::string_view text = as_chars(s.buf);
    const std::size_t end = header_end(text);
    if (end == std::string_view::npos && !cut) return;
    if (end == std::string_view::npos) sink.anomaly("http.header_too_long");
    const Bytes block = end == std::string_view::npos ? Bytes(s.buf) : Bytes(s.buf).first(end);
    handle(dir, block, sink);
    finish(s);
  }

  void on_gap(Direction dir, std::size_t, Sink&) noexcept override {
    finish(dirs_[static_cast<std::size_t>(dir)]);  // headers with a hole are not trusted
  }

  void on_eof(Direction dir, Sink& sink) noexcept override {
    DirState& s = dirs_[static_cast<std::size_t>(dir)];
    if (s.done) return;
    if (!s.buf.empty()) handle(dir, s.buf, sink);  // a peer that closed after headers
    finish(s);
  }

  [[nodiscard]] std::size_t buffered_bytes() const noexcept override {
    return dirs_[0].buf.capacity() + dirs_[1].buf.capacity();
  }

 private:
  static void finish(DirState& s) noexcept {
    s.done = true;
    std::vector<std::byte>().swap(s.buf);
  }

  static void handle(Direction dir, Bytes block, Sink& sink) noexcept {
    auto m = parse_header_block(block);
    if (!m) {
      sink.violation("http.bad_start_line");
      return;
    }
    // A request in the to_client direction (or a response to_server) means the
    // roles were guessed wrong; the sender is still the one who wrote it.
    try {
      if (m->is_request) {
        Operation op;
        op.protocol = "http";
        op.name = m->method;
        op.is_write = m->method == "PUT" || m->method == "POST" || m->method == "DELETE" || m->method == "PATCH";
        if (dir == Direction::to_server) sink.operation(op);
        if (!m->user_agent.empty()) sink.fact({AssetRef::sender_party(), kFieldUserAgent, m->user_agent, kSource});
        if (!m->host.empty()) sink.fact({AssetRef::receiver_party(), kFieldHost, m->host, kSource});
        return;
      }
      if (!m->server.empty()) sink.fact({AssetRef::sender_party(), kFieldServer, m->server, kSource});
      if (!m->realm.empty()) sink.fact({AssetRef::sender_party(), kFieldRealm, m->realm, kSource});
    } catch (...) {
    }
  }

  std::array<DirState, 2> dirs_{};
};

}  // namespace

std::string_view known_method(Bytes b) noexcept {
  const std::string_view s = as_chars(b);
  for (std::string_view m : kMethods) {
    if (s.size() > m.size() && s.substr(0, m.size()) == m && s[m.size()] == ' ') return m;
  }
  return {};
}

std::string_view realm_of(std::string_view v) noexcept {
  // RFC 9110 §11.6.1: challenge = auth-scheme [ 1*SP auth-params ]; realm="...".
  for (std::size_t i = 0; i + 6 <= v.size(); ++i) {
    if (!iequals(v.substr(i, 6), "realm=")) continue;
    if (i > 0 && v[i - 1] != ' ' && v[i - 1] != ',' && v[i - 1] != '\t') continue;
    std::string_view rest = v.substr(i + 6);
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      return rest.substr(0, rest.find('"'));
    }
    return trim(rest.substr(0, rest.find(',')));
  }
  return {};
}

Result<Message> parse_header_block(Bytes b) noexcept {
  std::string_view text = as_chars(b);
  Message m;
  auto next_line = [&text]() {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  const std::string_view start = next_line();
  try {
    if (start.starts_with("HTTP/1.")) {
      // status-line = HTTP-version SP status-code SP [ reason-phrase ]
      if (start.size() < 12 || start[8] != ' ') return ParseError::malformed;
      const std::string_view code = start.substr(9, 3);
      if (!std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return ParseError::malformed;
      m.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
    } else {
      m.method = known_method(as_bytes(start));
      if (m.method.empty()) return ParseError::malformed;
      std::string_view rest = start.substr(m.method.size() + 1);
      const std::size_t sp = rest.find(' ');
      if (sp == std::string_view::npos || !rest.substr(sp + 1).starts_with("HTTP/")) return ParseError::malformed;
      m.is_request = true;
      m.target = clip(rest.substr(0, sp));
    }
    for (std::size_t n = 0; n < kMaxFieldLines && !text.empty(); ++n) {
      const std::string_view line = next_line();
      if (line.empty()) break;
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos || colon == 0) continue;  // obs-fold or junk: skipped
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = trim(line.substr(colon + 1));
      if (value.empty()) continue;
      if (m.is_request) {
        if (iequals(name, "Host") && m.host.empty()) m.host = clip(value);
        else if (iequals(name, "User-Agent") && m.user_agent.empty()) m.user_agent = clip(value);
        continue;
      }
      if (iequals(name, "Server") && m.server.empty()) m.server = clip(value);
      else if (iequals(name, "WWW-Authenticate") && m.realm.empty()) m.realm = clip(realm_of(value));
    }
  } catch (...) {
    return ParseError::limit_exceeded;
  }
  return m;
}

bool probe(Bytes first_payload, Direction dir) noexcept {
  if (dir != Direction::to_server) return false;
  const std::string_view m = known_method(first_payload);
  if (m.empty()) return false;
  // The request-target starts with '/', '*', or a scheme / authority character.
  const std::string_view s = as_chars(first_payload);
  if (s.size() <= m.size() + 1) return false;
  const char c = s[m.size() + 1];
  return c == '/' || c == '*' || std::isalnum(static_cast<unsigned char>(c)) != 0;
}

std::unique_ptr<StreamParser> make_stream_parser() { return std::make_unique<Parser>(); }

}  // namespace mieruka::dissectors::http
