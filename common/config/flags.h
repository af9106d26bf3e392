// Loading one binary's typed config struct from flags and environment, with every problem
// reported at once and secrets redacted when the config is logged.
//
// Precedence: --name=value flag, then LIFELINE_<SERVICE>_<NAME> environment variable, then the
// default already in the struct. Names are lower_snake; the environment form upper-cases them.
//
//   IngestConfig config;
//   FlagSet flags("ingest");
//   flags.String("listen_address", &config.listen_address, "host:port for gRPC");
//   flags.Int("max_batch_records", &config.max_batch_records, "largest accepted batch");
//   if (absl::Status s = flags.Parse(argc, argv); !s.ok()) { ... exit(2) }
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace lifeline::common {

// A set of named settings bound to fields of a config struct. Not thread-safe; use from main.
class FlagSet {
 public:
  // `service` names the environment prefix: "ingest" reads LIFELINE_INGEST_<NAME>.
  explicit FlagSet(std::string service);

  void String(const std::string& name, std::string* field, const std::string& help);
  // A secret: never printed by Describe().
  void Secret(const std::string& name, std::string* field, const std::string& help);
  void Int(const std::string& name, int64_t* field, const std::string& help);
  // An integer that must lie in [min, max]; a value outside is reported by Parse.
  void Int(const std::string& name, int64_t* field, const std::string& help, int64_t min,
           int64_t max);
  // A number that must lie in [min, max] (both inclusive).
  void Double(const std::string& name, double* field, const std::string& help, double min,
              double max);
  // A string that must not be empty.
  void RequiredString(const std::string& name, std::string* field, const std::string& help);
  void Bool(const std::string& name, bool* field, const std::string& help);

  // Adds a check run after parsing; return a non-OK status naming the field to report it.
  void Check(std::function<absl::Status()> check);

  // Reads the environment, then argv. Errors: InvalidArgument listing every unknown flag,
  // unparsable value and failed check, one per line. "--help" yields a Cancelled status whose
  // message is the usage text.
  absl::Status Parse(int argc, char** argv);

  // One line "name=value ..." of the effective settings, secrets shown as "<redacted>".
  std::string Describe() const;

  // The usage text.
  std::string Usage() const;

 private:
  struct Entry {
    std::string name;
    std::string help;
    enum class Kind { kString, kSecret, kInt, kBool, kDouble } kind;
    void* field;
  };
  absl::Status Assign(const Entry& entry, const std::string& value, const std::string& source);
  std::string service_;
  std::vector<Entry> entries_;
  std::vector<std::function<absl::Status()>> checks_;
};

// Reads a secret from a file, trimming trailing whitespace. Errors: NotFound, InvalidArgument
// when empty.
absl::StatusOr<std::string> ReadSecretFile(const std::string& path);

// Reads a whole file. Errors: NotFound.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace lifeline::common
