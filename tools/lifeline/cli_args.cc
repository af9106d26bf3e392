#include "tools/lifeline/cli_args.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lifeline::tools {
namespace {

// Flags that take no value.
const std::vector<std::string> kBoolFlags = {"approve",       "reject",    "request-info",
                                             "info-received", "suggested", "same",
                                             "different",     "help",      "dry-run"};

}  // namespace

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& raw) {
  Args args;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string& a = raw[i];
    if (a.rfind("--", 0) != 0) {
      args.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::string value = "true";
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (std::find(kBoolFlags.begin(), kBoolFlags.end(), name) == kBoolFlags.end()) {
      if (i + 1 >= raw.size())
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      value = raw[++i];
    }
    args.flags[name] = value;
  }
  return args;
}

absl::StatusOr<int> IntFlag(const Args& args, const std::string& name, int fallback) {
  auto v = args.Get(name);
  if (!v) return fallback;
  int out = 0;
  if (!absl::SimpleAtoi(*v, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be a whole number"));
  }
  return out;
}

absl::Status CheckFlags(const Args& args, const std::string& command,
                        const std::vector<std::string>& allowed) {
  for (const auto& [name, value] : args.flags) {
    if (name == "gateway" || name == "token") continue;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return absl::InvalidArgumentError(absl::StrCat(command, " has no flag --", name));
    }
  }
  return absl::OkStatus();
}

}  // namespace lifeline::tools
