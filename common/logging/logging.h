// Process logging: spdlog, one line per event in key=value form, tagged with the service name.
// Log events, counts and ids; never names, ID numbers, phones or addresses.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace lifeline::common {

// Sets up the default logger for `service` ("ingest-service") at `level` ("debug", "info",
// "warn", "error"). Lines look like: 2026-11-29T01:50:06.123Z info service=ingest-service ...
void InitLogging(std::string_view service, std::string_view level);

}  // namespace lifeline::common
