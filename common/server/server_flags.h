// The start-up shell every service binary shares: the server flags, one way to parse them and
// one exit-code policy (0 after --help, 2 for bad configuration or a failed start).
//
//   ServerFlags server = ServerFlags::Listening("127.0.0.1:50052");
//   FlagSet flags("match");
//   DefineServerFlags(&flags, &server);
//   flags.String("data_dir", &config.data_dir, "...");
//   if (std::optional<int> exit = ParseFlags(&flags, "match-service", argc, argv)) return *exit;
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

#include "common/config/flags.h"
#include "common/server/server_runner.h"

namespace lifeline::common {

// The settings every server binary has.
struct ServerFlags {
  // gRPC listen address; port 0 picks a free port.
  std::string listen_address = "127.0.0.1:0";
  std::string port_file;
  // Prometheus /metrics address; empty disables.
  std::string metrics_address = "127.0.0.1:0";
  std::string metrics_port_file;
  std::string log_level = "info";

  // The runner options these flags describe.
  ServerOptions Options() const;

  // Defaults with `listen_address` as the binary's own default address.
  static ServerFlags Listening(std::string listen_address);
};

// Binds listen_address, port_file, metrics_address, metrics_port_file and log_level to `server`
// (its current values are the defaults), with checks: the addresses are host:port with a port in
// 0..65535 (metrics_address may be empty) and log_level is debug, info, warn or error.
void DefineServerFlags(FlagSet* flags, ServerFlags* server);

// Returns InvalidArgument unless `address` is host:port with a port in 0..65535 (IPv6 hosts in
// brackets: [::1]:50051).
absl::Status CheckListenAddress(std::string_view name, std::string_view address);

// Parses `flags` from the environment and argv. Returns nullopt when the binary should go on,
// or the code main must exit with: 0 after printing the usage for --help, 2 after printing every
// problem to stderr as "<binary>: bad configuration:" and one line each.
std::optional<int> ParseFlags(FlagSet* flags, std::string_view binary, int argc, char** argv);

// Prints "<binary>: <what>: <status>" to stderr and returns 2, the exit code of a failed start.
int StartupFailure(std::string_view binary, std::string_view what, const absl::Status& status);

}  // namespace lifeline::common
