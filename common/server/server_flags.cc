#include "common/server/server_flags.h"

#include <iostream>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "common/auth/caller.h"
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

bool IsLoopbackAddress(std::string_view address) {
  const size_t colon = address.rfind(':');
  const std::string_view host =
      colon == std::string_view::npos ? address : address.substr(0, colon);
  if (host == "localhost" || host == "[::1]") return true;
  // 127.0.0.0/8 written as an address, not a host name that merely starts with "127.".
  return host.substr(0, 4) == "127." &&
         host.find_first_not_of("0123456789.") == std::string_view::npos;
}

void DefineSecurityFlags(FlagSet* flags, SecurityFlags* security,
                         const std::string* listen_address) {
  flags->String("tls_cert_file", &security->tls.cert_file,
                "PEM certificate this process presents (server and client)");
  flags->String("tls_key_file", &security->tls.key_file, "PEM private key of tls_cert_file");
  flags->String("tls_ca_file", &security->tls.ca_file, "PEM CA that peers' certificates chain to");
  flags->String("caller_key_file", &security->caller_key_file,
                "key file signing and verifying caller tokens (see common/auth/key_file.h)");
  flags->Bool("insecure_loopback", &security->insecure_loopback,
              "no TLS and, without caller_key_file, trust caller metadata (loopback runs only)");
  flags->Check([security]() -> absl::Status {
    const TlsFiles& tls = security->tls;
    const int set = !tls.cert_file.empty() + !tls.key_file.empty() + !tls.ca_file.empty();
    if (set != 0 && set != 3) {
      return absl::InvalidArgumentError(
          "tls_cert_file, tls_key_file and tls_ca_file go together: set all three or none");
    }
    return absl::OkStatus();
  });
  flags->Check([security, listen_address]() -> absl::Status {
    if (security->insecure_loopback) {
      if (listen_address != nullptr && !IsLoopbackAddress(*listen_address)) {
        return absl::InvalidArgumentError(absl::StrCat("insecure_loopback: listen_address \"",
                                                       *listen_address,
                                                       "\" is not a loopback address"));
      }
      return absl::OkStatus();
    }
    if (!security->tls.enabled() || security->caller_key_file.empty()) {
      return absl::InvalidArgumentError(
          "security: set tls_cert_file, tls_key_file, tls_ca_file and caller_key_file, or "
          "insecure_loopback=true for a loopback-only run");
    }
    return absl::OkStatus();
  });
}

absl::Status InstallSecurity(const SecurityFlags& security, std::string_view process_name) {
  SetClientTls(security.tls);
  if (security.caller_key_file.empty()) {
    InstallCallerTokens(nullptr, std::string(process_name));
    spdlog::warn("event=insecure_loopback tls={} caller_tokens=false", security.tls.enabled());
    return absl::OkStatus();
  }
  auto tokens = CallerTokens::Open(security.caller_key_file);
  if (!tokens.ok()) return tokens.status();
  InstallCallerTokens(*std::move(tokens), std::string(process_name));
  if (!security.tls.enabled()) spdlog::warn("event=insecure_loopback tls=false caller_tokens=true");
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
  DefineSecurityFlags(flags, &server->security, &options->listen_address);
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
  if (absl::Status status = InstallSecurity(server.security, binary); !status.ok()) {
    return StartupFailure(binary, "cannot start", status);
  }
  ServerOptions options = server.options;
  options.tls = server.security.tls;
  ServerRunner runner(std::string(binary), options);
  if (absl::Status status = serve(&runner); !status.ok()) {
    return StartupFailure(binary, "cannot start", status);
  }
  return 0;
}

}  // namespace lifeline::common
