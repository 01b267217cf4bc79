// `mieruka user add|list|del` (see cmd_serve.hpp): console accounts in the
// ledger database's users table (sensor/web/web_auth.hpp).
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "dissectors/net.hpp"
#include "inventory/store/store.hpp"
#include "sensor/cli/cmd_serve.hpp"
#include "sensor/web/web_auth.hpp"

namespace mieruka::sensor {
namespace {

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void strip_newline(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

// Reads a line from the terminal with echo off.
std::optional<std::string> prompt_hidden(const char* prompt) {
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  termios old {};
  const bool tty = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    (void)::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  const bool ok = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    (void)::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fputc('\n', stderr);
  }
  if (!ok) return std::nullopt;
  strip_newline(line);
  return line;
}

std::optional<std::string> read_password(const ServeCommands& opt) {
  std::string line;
  if (opt.password_file == "-" || (opt.password_file.empty() && ::isatty(STDIN_FILENO) == 0)) {
    if (!std::getline(std::cin, line)) {
      print_error("no password on standard input");
      return std::nullopt;
    }
    strip_newline(line);
    return line;
  }
  if (!opt.password_file.empty()) {
    std::ifstream in(opt.password_file);
    if (!in || !std::getline(in, line)) {
      print_error(opt.password_file + ": cannot read a password from its first line");
      return std::nullopt;
    }
    strip_newline(line);
    return line;
  }
  auto first = prompt_hidden("Password: ");
  auto again = first ? prompt_hidden("Password again: ") : std::nullopt;
  if (!first || !again) {
    print_error("no password given");
    return std::nullopt;
  }
  if (*first != *again) {
    print_error("the two passwords differ; nothing changed");
    return std::nullopt;
  }
  return first;
}

}  // namespace

int cmd_user(const CommonOptions& common, const ServeCommands& opt) {
  const std::string path = resolve_db_path(common.db, common.config);
  std::string error;
  auto store = inventory::Store::open(path, common.config.sensor_name, error, true);
  if (!store) {
    print_error(error);
    return kExitBadInput;
  }
  if (opt.user_list != nullptr && *opt.user_list) {
    for (const auto& u : web::list_users(*store))
      std::printf("%-24s %-7s %s\n", u.name.c_str(), u.role.c_str(), format_time_us(u.created_us).c_str());
    return kExitOk;
  }
  if (opt.user_del != nullptr && *opt.user_del) {
    if (!web::delete_user(*store, opt.user_name, error)) {
      print_error(error);
      return kExitBadInput;
    }
    if (!common.quiet) std::fprintf(stderr, "removed %s\n", opt.user_name.c_str());
    return kExitOk;
  }
  if (std::string why = web::check_user_name(opt.user_name); !why.empty()) {
    print_error(opt.user_name + ": " + why);
    return kExitBadInput;
  }
  auto password = read_password(opt);
  if (!password) return kExitBadInput;
  if (!web::add_user(*store, opt.user_name, opt.role, *password, wall_us(), error)) {
    print_error(error);
    return kExitBadInput;
  }
  if (!common.quiet) std::fprintf(stderr, "added %s (%s)\n", opt.user_name.c_str(), opt.role.c_str());
  return kExitOk;
}

}  // namespace mieruka::sensor
