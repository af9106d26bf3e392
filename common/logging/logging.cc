#include "common/logging/logging.h"

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"

namespace lifeline::common {
namespace {

// Returns false when `level` is not one of the names we document.
bool ParseLevel(std::string_view level, spdlog::level::level_enum* out) {
  const std::string lower = absl::AsciiStrToLower(std::string(level));
  if (lower == "debug") {
    *out = spdlog::level::debug;
  } else if (lower == "info") {
    *out = spdlog::level::info;
  } else if (lower == "warn" || lower == "warning") {
    *out = spdlog::level::warn;
  } else if (lower == "error") {
    *out = spdlog::level::err;
  } else {
    return false;
  }
  return true;
}

// The service name goes into the pattern literally, so '%' must not start a flag.
std::string EscapePattern(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%') out.push_back('%');
    out.push_back(c);
  }
  return out;
}

// Keeps the echo of an unrecognized level short and printable.
std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 32)) {
    out.push_back(absl::ascii_isprint(static_cast<unsigned char>(c)) ? c : '?');
  }
  return out;
}

}  // namespace

void InitLogging(std::string_view service, std::string_view level) {
  spdlog::level::level_enum parsed = spdlog::level::info;
  const bool known = ParseLevel(level, &parsed);
  try {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>(std::string(service), std::move(sink));
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l service=" + EscapePattern(service) + " %v",
        spdlog::pattern_time_type::utc));
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::debug);
    spdlog::set_default_logger(std::move(logger));
  } catch (const spdlog::spdlog_ex& e) {
    std::fprintf(stderr, "logging setup failed, using spdlog defaults: %s\n", e.what());
  }
  if (!known) {
    spdlog::warn("event=unknown_log_level level=\"{}\" using=info", Printable(level));
  }
}

}  // namespace lifeline::common
