// The topology command (see cmd_topology.hpp).
#include "sensor/cli/cmd_topology.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>

#include "inventory/policy/findings.hpp"
#include "inventory/policy/policy.hpp"
#include "inventory/store/store.hpp"
#include "sensor/cli/cmd_findings.hpp"
#include "inventory/render/topology.hpp"

namespace mieruka::sensor {

void add_topology_command(CLI::App& app, TopologyCommand& c) {
  c.topology = app.add_subcommand("topology", "The network diagram: zones as clusters, edges by protocol, "
                                              "flagged devices highlighted");
  c.topology->add_option("--format", c.format, "dot, graphml, json or svg (SVG laid out by Graphviz)")->required();
  c.topology->add_option("--zone", c.zone, "only this zone's devices (its id or name; none: for the devices in no zone)");
  c.topology->fallthrough();
}

std::optional<int> run_topology_command(const CommonOptions& common, const TopologyCommand& c) {
  if (c.topology != nullptr && *c.topology) return cmd_topology(common, c);
  return std::nullopt;
}

int cmd_topology(const CommonOptions& common, const TopologyCommand& opt) {
  if (opt.format != "dot" && opt.format != "graphml" && opt.format != "json" && opt.format != "svg") {
    print_error("--format " + opt.format + ": expected dot, graphml, json or svg");
    return kExitBadInput;
  }
  if (opt.format == "svg" && !inventory::svg_available()) {
    print_error("--format svg: this build has no Graphviz (install libgraphviz-dev and rebuild), use --format dot");
    return kExitBadInput;
  }
  std::string error;
  LedgerView view;
  inventory::Ledger& ledger = ledger_until_exit(common.config.sensor_name);
  if (!open_ledger_view(common, view, ledger)) return kExitBadInput;
  // The findings, as `mieruka findings` computes them from the config's [policy].
  auto findings = current_findings(common.config, *view.source, view.sensors, ledger, error);
  if (!findings) {
    print_error(error);
    return kExitBadInput;
  }
  if (!overlay_approved(common, ledger)) return kExitBadInput;  // the plant's names as labels
  inventory::Topology t = inventory::build_topology(ledger, {&common.config.policy, &*findings});
  if (opt.topology != nullptr && opt.topology->count("--zone") > 0) {
    const auto id = inventory::find_cluster(t, opt.zone);
    auto one = id ? inventory::topology_of_cluster(t, *id) : std::nullopt;
    if (!one) {
      print_error("--zone " + opt.zone + ": no such zone (mieruka topology --format json lists them under \"zones\")");
      return kExitBadInput;
    }
    t = std::move(*one);
  }
  std::string out;
  if (opt.format == "dot") out = inventory::topology_dot(t);
  else if (opt.format == "graphml") out = inventory::topology_graphml(t);
  else if (opt.format == "json") out = inventory::topology_json(t).dump(2) + "\n";
  else {
    auto svg = inventory::render_svg(inventory::topology_dot(t), error);
    if (!svg) {
      print_error(error);
      return kExitInternal;
    }
    out = std::move(*svg);
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    print_error("topology: cannot write to standard output");
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace mieruka::sensor
