// Scenario registry of mieruka_gen_pcap: a scenario kept in a file of its own
// (scripts/gen/gen_<topic>.cpp) registers itself with a namespace-scope
//   const mieruka::gen::Scenario kMine{"name", write_mine};
// and main() lists it beside the scenarios of gen_pcap.cpp.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace mieruka::gen {

using ScenarioFn = std::function<int(const std::string&)>;

inline std::map<std::string, ScenarioFn>& scenario_registry() {
  static std::map<std::string, ScenarioFn> r;
  return r;
}

struct Scenario {
  Scenario(const char* name, ScenarioFn fn) { scenario_registry().emplace(name, std::move(fn)); }
};

}  // namespace mieruka::gen
