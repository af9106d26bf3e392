// The agencies that may submit records and the payload kinds each one sends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lifeline::ingest {

// One agency: its code and the payload kinds it may submit.
struct Agency {
  std::string code;
  std::vector<std::string> payload_kinds;
};

// The fixed table of known agencies (DOMAIN.md). Immutable and thread-safe.
class AgencyCatalog {
 public:
  // The catalog of every agency Lifeline knows.
  static const AgencyCatalog& Default();

  explicit AgencyCatalog(std::vector<Agency> agencies) : agencies_(std::move(agencies)) {}

  // Returns the agency with `code`, or nullptr when it is unknown.
  const Agency* Find(std::string_view code) const;

  // Returns whether `agency` may submit payloads of `kind`; false for an unknown agency.
  bool Allows(std::string_view agency, std::string_view kind) const;

  const std::vector<Agency>& agencies() const { return agencies_; }

 private:
  std::vector<Agency> agencies_;
};

}  // namespace lifeline::ingest
