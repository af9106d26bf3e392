#include "common/config/flags.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace lifeline::common {
namespace {

// "ingest" -> "INGEST", "match-service" -> "MATCH_SERVICE".
std::string EnvToken(const std::string& text) {
  std::string out;
  for (char c : text) {
    out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c))
                      ? absl::ascii_toupper(static_cast<unsigned char>(c))
                      : '_');
  }
  return out;
}

// Flags may be written with dashes: --listen-address means --listen_address.
std::string FlagName(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '_';
  }
  return text;
}

bool ParseBool(const std::string& text, bool* value) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "1" || lower == "yes") {
    *value = true;
    return true;
  }
  if (lower == "false" || lower == "0" || lower == "no") {
    *value = false;
    return true;
  }
  return false;
}

// Quotes values that would otherwise be ambiguous in a "name=value name=value" line.
std::string Quoted(const std::string& value) {
  if (!value.empty() && value.find_first_of(" \t\"=") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

FlagSet::FlagSet(std::string service) : service_(std::move(service)) {}

void FlagSet::String(const std::string& name, std::string* field, const std::string& help) {
  entries_.push_back(Entry{name, help, Entry::Kind::kString, field});
}

void FlagSet::Secret(const std::string& name, std::string* field, const std::string& help) {
  entries_.push_back(Entry{name, help, Entry::Kind::kSecret, field});
}

void FlagSet::Int(const std::string& name, int64_t* field, const std::string& help, int64_t min,
                  int64_t max) {
  Int(name, field, absl::StrCat(help, " [", min, "..", max, "]"));
  Check([name, field, min, max]() -> absl::Status {
    if (*field >= min && *field <= max) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", *field, " is outside [", min, ", ", max, "]"));
  });
}

void FlagSet::RequiredString(const std::string& name, std::string* field, const std::string& help) {
  String(name, field, absl::StrCat(help, " (required)"));
  Check([name, field]() -> absl::Status {
    if (!field->empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(name, " is required"));
  });
}

void FlagSet::Int(const std::string& name, int64_t* field, const std::string& help) {
  entries_.push_back(Entry{name, help, Entry::Kind::kInt, field});
}

void FlagSet::Double(const std::string& name, double* field, const std::string& help, double min,
                     double max) {
  entries_.push_back(
      Entry{name, absl::StrCat(help, " [", min, "..", max, "]"), Entry::Kind::kDouble, field});
  Check([name, field, min, max]() -> absl::Status {
    if (*field >= min && *field <= max) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", *field, " is outside [", min, ", ", max, "]"));
  });
}

void FlagSet::Bool(const std::string& name, bool* field, const std::string& help) {
  entries_.push_back(Entry{name, help, Entry::Kind::kBool, field});
}

void FlagSet::Check(std::function<absl::Status()> check) { checks_.push_back(std::move(check)); }

absl::Status FlagSet::Assign(const Entry& entry, const std::string& value,
                             const std::string& source) {
  switch (entry.kind) {
    case Entry::Kind::kString:
    case Entry::Kind::kSecret:
      *static_cast<std::string*>(entry.field) = value;
      return absl::OkStatus();
    case Entry::Kind::kInt: {
      int64_t parsed = 0;
      if (!absl::SimpleAtoi(value, &parsed)) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": expected an integer, got \"", value, "\""));
      }
      *static_cast<int64_t*>(entry.field) = parsed;
      return absl::OkStatus();
    }
    case Entry::Kind::kDouble: {
      double parsed = 0;
      if (!absl::SimpleAtod(value, &parsed) || !std::isfinite(parsed)) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": expected a number, got \"", value, "\""));
      }
      *static_cast<double*>(entry.field) = parsed;
      return absl::OkStatus();
    }
    case Entry::Kind::kBool: {
      bool parsed = false;
      if (!ParseBool(value, &parsed)) {
        return absl::InvalidArgumentError(
            absl::StrCat(source, ": expected true or false, got \"", value, "\""));
      }
      *static_cast<bool*>(entry.field) = parsed;
      return absl::OkStatus();
    }
  }
  return absl::InternalError(absl::StrCat(source, ": unknown flag kind"));
}

absl::Status FlagSet::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-help" || arg == "-h") return absl::CancelledError(Usage());
  }
  std::vector<std::string> problems;
  auto note = [&problems](const absl::Status& status) {
    if (!status.ok()) problems.emplace_back(status.message());
  };

  std::set<std::string> seen;
  for (const Entry& entry : entries_) {
    if (!seen.insert(entry.name).second) {
      problems.push_back(absl::StrCat("flag --", entry.name, " is defined twice"));
    }
  }
  auto find = [this](const std::string& name) -> const Entry* {
    for (const Entry& entry : entries_) {
      if (entry.name == name) return &entry;
    }
    return nullptr;
  };

  const std::string env_prefix = absl::StrCat("LIFELINE_", EnvToken(service_), "_");
  for (const Entry& entry : entries_) {
    const std::string env_name = env_prefix + EnvToken(entry.name);
    if (const char* value = std::getenv(env_name.c_str()); value != nullptr) {
      note(Assign(entry, value, env_name));
    }
  }

  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      problems.push_back(absl::StrCat("unexpected argument \"", arg, "\""));
      continue;
    }
    const size_t eq = arg.find('=');
    const std::string name = FlagName(arg.substr(2, eq == std::string::npos ? eq : eq - 2));
    const Entry* entry = find(name);
    if (entry == nullptr) {
      problems.push_back(absl::StrCat("unknown flag --", name));
      continue;
    }
    const std::string source = absl::StrCat("--", name);
    if (eq != std::string::npos) {
      note(Assign(*entry, arg.substr(eq + 1), source));
    } else if (entry->kind == Entry::Kind::kBool) {
      *static_cast<bool*>(entry->field) = true;
    } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      note(Assign(*entry, argv[++i], source));
    } else {
      problems.push_back(absl::StrCat(source, ": missing value"));
    }
  }

  for (const auto& check : checks_) note(check());
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
}

std::string FlagSet::Describe() const {
  std::vector<std::string> parts;
  for (const Entry& entry : entries_) {
    std::string value;
    switch (entry.kind) {
      case Entry::Kind::kString:
        value = Quoted(*static_cast<const std::string*>(entry.field));
        break;
      case Entry::Kind::kSecret:
        value = "<redacted>";
        break;
      case Entry::Kind::kInt:
        value = absl::StrCat(*static_cast<const int64_t*>(entry.field));
        break;
      case Entry::Kind::kBool:
        value = *static_cast<const bool*>(entry.field) ? "true" : "false";
        break;
      case Entry::Kind::kDouble:
        value = absl::StrCat(*static_cast<const double*>(entry.field));
        break;
    }
    parts.push_back(absl::StrCat(entry.name, "=", value));
  }
  return absl::StrJoin(parts, " ");
}

std::string FlagSet::Usage() const {
  const std::string env_prefix = absl::StrCat("LIFELINE_", EnvToken(service_), "_");
  std::string out = absl::StrCat("Usage: ", service_, " [--name=value ...]\n",
                                 "Each flag can also be set with the environment variable shown; "
                                 "flags win.\n");
  for (const Entry& entry : entries_) {
    std::string kind;
    std::string current;
    switch (entry.kind) {
      case Entry::Kind::kString:
        kind = "string";
        current = Quoted(*static_cast<const std::string*>(entry.field));
        break;
      case Entry::Kind::kSecret:
        kind = "secret";
        current = "<redacted>";
        break;
      case Entry::Kind::kInt:
        kind = "int";
        current = absl::StrCat(*static_cast<const int64_t*>(entry.field));
        break;
      case Entry::Kind::kBool:
        kind = "bool";
        current = *static_cast<const bool*>(entry.field) ? "true" : "false";
        break;
      case Entry::Kind::kDouble:
        kind = "number";
        current = absl::StrCat(*static_cast<const double*>(entry.field));
        break;
    }
    absl::StrAppend(&out, "  --", entry.name, " (", kind, ", env ", env_prefix,
                    EnvToken(entry.name), ", default ", current, ")\n      ", entry.help, "\n");
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrCat("not a file: ", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    const int error = errno;
    if (error == EACCES) return absl::PermissionDeniedError(absl::StrCat("cannot read ", path));
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  return content;
}

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return content.status();
  std::string secret = *std::move(content);
  absl::StripTrailingAsciiWhitespace(&secret);
  if (secret.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("secret file ", path, " is empty"));
  }
  return secret;
}

}  // namespace lifeline::common
