// The `topology` command (../shared/INTERFACES.md "Commands"):
//   mieruka topology [--db DB] [--config FILE] --format dot|graphml|json|svg [--zone ZONE]
// --zone: one zone's devices and the conversations between them (a zone's id
// or name as GET /api/v1/map lists them, "none:" for the devices in no zone),
// for a picture of a large plant that Graphviz draws in seconds.
// Zones from the config's [[zone]] sections are clusters (else VLAN / subnet);
// assets with open findings (approved list and wireless allow-list from the
// config's [policy], acknowledgements from the store) are highlighted.
// inventory/render/topology.hpp does the work; SVG is rendered with Graphviz.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sensor/daemon/commands.hpp"

namespace mieruka::sensor {

struct TopologyCommand {
  CLI::App* topology = nullptr;
  std::string format;
  std::string zone;  // empty: the whole plant
};

void add_topology_command(CLI::App& app, TopologyCommand& cmd);
[[nodiscard]] std::optional<int> run_topology_command(const CommonOptions& common, const TopologyCommand& cmd);

int cmd_topology(const CommonOptions& common, const TopologyCommand& opt);

}  // namespace mieruka::sensor
