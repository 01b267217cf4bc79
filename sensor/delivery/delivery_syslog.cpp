// Syslog channel: RFC 5424 messages (or CEF inside them; rendered in
// delivery.cpp, stored as a JSON array of strings) over
//   udp://host:port  RFC 5426, one datagram per message; accepted once sent;
//   tcp://host:port  RFC 6587 octet counting ("LEN SP MSG");
//   tls://host:port  RFC 5425 (same framing inside TLS), OpenSSL with the
//                    server certificate verified against ca_file (or the
//                    system store) and the host name checked.
// TCP/TLS: accepted when every frame was written and the connection closed
// cleanly; a failure part-way resends the whole message (each frame carries
// its id, so a receiver drops the repeats).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include "sensor/delivery/delivery.hpp"

namespace mieruka::sensor::delivery {
namespace {

struct Endpoint {
  std::string scheme, host, port;
};

std::optional<Endpoint> parse_url(const std::string& url) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  Endpoint e;
  e.scheme = url.substr(0, sep);
  std::string rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    e.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() == ':') e.port = rest.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    e.host = rest.substr(0, colon);
    if (colon != std::string::npos) e.port = rest.substr(colon + 1);
  }
  if (e.port.empty()) e.port = e.scheme == "tls" ? "6514" : e.scheme == "tcp" ? "601" : "514";
  if (e.host.empty()) return std::nullopt;
  return e;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

std::string sys_error(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Connects with a timeout; returns the socket or -1 with `error` set.
int connect_to(const Endpoint& e, int socktype, int timeout_s, std::string& error) {
  addrinfo hints{};
  hints.ai_socktype = socktype;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(e.host.c_str(), e.port.c_str(), &hints, &res); rc != 0) {
    error = e.host + ": " + ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (socktype == SOCK_DGRAM) {
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
      error = sys_error("connect");
      ::close(fd);
      fd = -1;
      continue;
    }
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, timeout_s * 1000);
      int soerr = 0;
      socklen_t len = sizeof soerr;
      if (rc == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0) {
        rc = 0;
      } else {
        errno = rc == 0 ? ETIMEDOUT : (soerr != 0 ? soerr : errno);
        rc = -1;
      }
    }
    if (rc == 0) {
      ::fcntl(fd, F_SETFL, flags);
      timeval tv{timeout_s, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      break;
    }
    error = sys_error("connect");
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0 && error.empty()) error = e.host + ": no address";
  return fd;
}

bool write_all(int fd, std::string_view data, std::string& error) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = sys_error("send");
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string octet_counted(const std::vector<std::string>& frames) {
  std::string out;
  for (const auto& f : frames) out += std::to_string(f.size()) + " " + f;
  return out;
}

std::string ssl_error() {
  const unsigned long e = ERR_get_error();
  char buf[256] = "TLS error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

SendResult send_tls(const Endpoint& e, const ChannelConfig& ch, const std::string& data, int fd) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!ctx) return {false, redacted_url(ch.url) + ": " + ssl_error()};
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  const int loaded = ch.ca_file.empty() ? SSL_CTX_set_default_verify_paths(ctx.get())
                                        : SSL_CTX_load_verify_locations(ctx.get(), ch.ca_file.c_str(), nullptr);
  if (loaded != 1) return {false, redacted_url(ch.url) + ": cannot load CA file `" + ch.ca_file + "`: " + ssl_error()};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  SSL_set_fd(ssl.get(), fd);
  in6_addr a6{};
  in_addr a4{};
  const bool is_ip = ::inet_pton(AF_INET, e.host.c_str(), &a4) == 1 || ::inet_pton(AF_INET6, e.host.c_str(), &a6) == 1;
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), e.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), e.host.c_str());
    SSL_set1_host(ssl.get(), e.host.c_str());
  }
  if (SSL_connect(ssl.get()) != 1) {
    const long v = SSL_get_verify_result(ssl.get());
    std::string why = v != X509_V_OK ? std::string("certificate not trusted: ") + X509_verify_cert_error_string(v)
                                     : ssl_error();
    return {false, redacted_url(ch.url) + ": TLS handshake failed: " + why};
  }
  std::string_view rest = data;
  while (!rest.empty()) {
    const int n = SSL_write(ssl.get(), rest.data(), static_cast<int>(std::min<std::size_t>(rest.size(), 1 << 30)));
    if (n <= 0) return {false, redacted_url(ch.url) + ": TLS write failed: " + ssl_error()};
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  SSL_shutdown(ssl.get());
  return {true, {}};
}

}  // namespace

SendResult send_syslog(const ChannelConfig& ch, const inventory::OutboxMessage& m) {
  const auto e = parse_url(ch.url);
  if (!e || (e->scheme != "udp" && e->scheme != "tcp" && e->scheme != "tls"))
    return {false, redacted_url(ch.url) + ": not udp://, tcp:// or tls://host:port"};
  std::vector<std::string> frames;
  try {
    frames = nlohmann::json::parse(m.payload).get<std::vector<std::string>>();
  } catch (const std::exception&) {
    return {false, "outbox message " + m.id + " is not a list of syslog frames"};
  }
  std::string error;
  if (e->scheme == "udp") {
    Fd fd(connect_to(*e, SOCK_DGRAM, ch.timeout_s, error));
    if (fd.get() < 0) return {false, redacted_url(ch.url) + ": " + error};
    for (const auto& f : frames) {
      if (::send(fd.get(), f.data(), f.size(), MSG_NOSIGNAL) < 0) return {false, redacted_url(ch.url) + ": " + sys_error("send")};
    }
    return {true, {}};
  }
  Fd fd(connect_to(*e, SOCK_STREAM, ch.timeout_s, error));
  if (fd.get() < 0) return {false, redacted_url(ch.url) + ": " + error};
  const std::string data = octet_counted(frames);
  if (e->scheme == "tls") return send_tls(*e, ch, data, fd.get());
  if (!write_all(fd.get(), data, error)) return {false, redacted_url(ch.url) + ": " + error};
  ::shutdown(fd.get(), SHUT_WR);
  return {true, {}};
}

}  // namespace mieruka::sensor::delivery
