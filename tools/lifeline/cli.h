// The `lifeline` command-line tool: submits agency batches, reads clues, plans and referrals,
// reviews possible matches and explains links (match_review.h) through the gateway's HTTP/JSON
// API, waits for services to become healthy, exports links and
// clues as CSV, and evaluates those exports against a lifeline-datagen truth directory.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "absl/status/status.h"

#include "tools/lifeline/gateway_client.h"

namespace lifeline::tools {

// Runs one command line (without the program name). Writes results to `out` and returns the
// status; the caller turns a non-OK status into a message on stderr and a non-zero exit code.
// Errors: InvalidArgument for usage errors; NotFound / InvalidArgument for unreadable or malformed
// eval inputs; otherwise what the gateway or service answered, mapped back.
absl::Status RunCli(const std::vector<std::string>& args, std::ostream& out);

// Formats fen (0.01 yuan) as yuan with two decimals and thousands separators: 83012300 ->
// "830,123.00".
std::string FormatYuan(int64_t fen);

// Parses "host:port". Errors: InvalidArgument.
absl::Status ParseHostPort(const std::string& text, std::string* host, int* port);

}  // namespace lifeline::tools
