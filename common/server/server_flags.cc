#include "common/server/server_flags.h"

#include <iostream>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/logging/logging.h"

namespace lifeline::common {

ServerFlags ServerFlags::Listening(std::string listen_address) {
  ServerFlags flags;
  flags.options.listen_address = std::move(listen_address);
  return flags;
}

absl::Status CheckListenAddress(std::string_view name, std::string_view address) {
  const size_t colon = address.rfind(':');
  const std::string_view host = colon == std::string_view::npos ? "" : address.substr(0, colon);
  const std::string_view port_text =
      colon == std::string_view::npos ? "" : address.substr(colon + 1);
  int port = -1;
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  const bool host_ok = !host.empty() && (bracketed || host.find(':') == std::string_view::npos);
  if (!host_ok || !absl::SimpleAtoi(absl::string_view(port_text.data(), port_text.size()), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(name), ": \"", std::string(address),
                                                   "\" is not host:port with a port in 0..65535"));
  }
  return absl::OkStatus();
}

void DefineServerFlags(FlagSet* flags, ServerFlags* server) {
  ServerOptions* options = &server->options;
  flags->String("listen_address", &options->listen_address, "host:port for gRPC (port 0: any)");
  flags->String("port_file", &options->port_file, "file to write the bound gRPC port to");
  flags->String("metrics_address", &options->metrics_address,
                "host:port for Prometheus /metrics (empty disables)");
  flags->String("metrics_port_file", &options->metrics_port_file,
                "file to write the bound metrics port to");
  flags->String("log_level", &server->log_level, "debug, info, warn or error");
  flags->Check([options] { return CheckListenAddress("listen_address", options->listen_address); });
  flags->Check([options] {
    if (options->metrics_address.empty()) return absl::OkStatus();
    return CheckListenAddress("metrics_address", options->metrics_address);
  });
  flags->Check([server]() -> absl::Status {
    const std::string& level = server->log_level;
    if (level == "debug" || level == "info" || level == "warn" || level == "error") {
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        absl::StrCat("log_level: \"", level, "\" is not debug, info, warn or error"));
  });
}

std::optional<int> ParseFlags(FlagSet* flags, std::string_view binary, int argc, char** argv) {
  absl::Status status = flags->Parse(argc, argv);
  if (status.ok()) return std::nullopt;
  if (absl::IsCancelled(status)) {
    std::cout << status.message() << "\n";
    return 0;
  }
  std::cerr << binary << ": bad configuration:\n" << status.message() << "\n";
  return 2;
}

int StartupFailure(std::string_view binary, std::string_view what, const absl::Status& status) {
  std::cerr << binary << ": " << what << ": " << status << "\n";
  return 2;
}

int RunServer(std::string_view binary, FlagSet* flags, const ServerFlags& server, int argc,
              char** argv, const std::function<absl::Status(ServerRunner*)>& serve) {
  if (std::optional<int> exit_code = ParseFlags(flags, binary, argc, argv)) return *exit_code;
  InitLogging(binary, server.log_level);
  spdlog::info("event=config {}", flags->Describe());
  ServerRunner runner(std::string(binary), server.options);
  if (absl::Status status = serve(&runner); !status.ok()) {
    return StartupFailure(binary, "cannot start", status);
  }
  return 0;
}

}  // namespace lifeline::common
