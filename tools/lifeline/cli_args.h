// The lifeline CLI's command lines: positional arguments and --flags, parsed once and read by
// each command.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lifeline::tools {

// Command-line flags of one command: --name value or --name=value; a bare --name is "true" for
// the flags that take no value (kBoolFlags in cli_args.cc).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;

  std::optional<std::string> Get(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end()) return std::nullopt;
    return it->second;
  }
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
};

// Splits a command line into positional arguments and flags. Errors: InvalidArgument for a flag
// that needs a value and has none.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& raw);

// Returns the flag `name` as an int, or `fallback` when it is absent. Errors: InvalidArgument
// when it is not a whole number.
absl::StatusOr<int> IntFlag(const Args& args, const std::string& name, int fallback);

// Fails with InvalidArgument when `args` has a flag outside `allowed` (or the global --gateway and
// --token), so that a misspelled optional flag is not silently ignored.
absl::Status CheckFlags(const Args& args, const std::string& command,
                        const std::vector<std::string>& allowed);

}  // namespace lifeline::tools
