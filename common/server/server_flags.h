// The start-up shell every server binary shares: the server flags, one way to parse them, one
// way to run, and one exit-code policy (0 after --help or a clean stop, 2 for bad configuration
// or a failed start). A binary is a config struct with a `server` member, a Bind for its own
// flags, and a Serve that opens and builds everything (failing with ASSIGN_OR_RETURN) and ends
// with `return runner->Serve({&dispatcher});`. Its main:
//
//   return common::RunServer("match-service", "match", argc, argv, &Bind, &Serve);
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

#include "common/config/flags.h"
#include "common/server/server_runner.h"

namespace lifeline::common {

// How a process proves itself to its peers and checks them: mutual TLS files and the caller key
// file. Required unless `insecure_loopback` (allowed only on a loopback listen address).
struct SecurityFlags {
  TlsFiles tls;
  std::string caller_key_file;
  // Plaintext gRPC and, without a caller key file, callers trusted from plain metadata: for
  // loopback demo and test runs only.
  bool insecure_loopback = false;
};

// Binds tls_cert_file, tls_key_file, tls_ca_file, caller_key_file and insecure_loopback, with
// checks: the three TLS files together or none; outside insecure_loopback the TLS files and the
// caller key file are required; insecure_loopback only when `listen_address` (if not null) is a
// loopback address.
void DefineSecurityFlags(FlagSet* flags, SecurityFlags* security,
                         const std::string* listen_address);

// Installs `security` for this process: client TLS for MakeClientChannel, and caller tokens from
// the key file (signing this process's own calls as `process_name`). Errors: those of the key
// file.
absl::Status InstallSecurity(const SecurityFlags& security, std::string_view process_name);

// True for 127.0.0.0/8, [::1] and localhost hosts of a host:port address.
bool IsLoopbackAddress(std::string_view address);

// The settings every server binary has: the runner's addresses and port files, security, and the
// log level.
struct ServerFlags {
  ServerOptions options;
  SecurityFlags security;
  std::string log_level = "info";

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

// Runs a server binary whose flags are defined on `flags`, the server flags bound to `server`:
// ParseFlags, logging at --log_level, `event=config <flags>`, then `serve` with a ServerRunner
// named `binary`. Returns ParseFlags' exit code if it has one, 2 after
// StartupFailure(binary, "cannot start", status) if `serve` fails, else 0.
int RunServer(std::string_view binary, FlagSet* flags, const ServerFlags& server, int argc,
              char** argv, const std::function<absl::Status(ServerRunner*)>& serve);

// The same for a binary whose config struct has a `server` member: defines the server flags on
// it, then the binary's own with `bind`, and serves with `serve`. `flag_prefix` names the
// environment prefix (see FlagSet).
template <typename Config>
int RunServer(std::string_view binary, std::string flag_prefix, int argc, char** argv,
              void (*bind)(FlagSet*, Config*),
              absl::Status (*serve)(const Config&, ServerRunner*)) {
  Config config;
  FlagSet flags(std::move(flag_prefix));
  DefineServerFlags(&flags, &config.server);
  bind(&flags, &config);
  return RunServer(binary, &flags, config.server, argc, argv,
                   [&config, serve](ServerRunner* runner) { return serve(config, runner); });
}

}  // namespace lifeline::common
