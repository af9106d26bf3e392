#include "ingest-service/domain/version_rule.h"

namespace lifeline::ingest {

VersionDecision DecideVersion(const std::optional<StoredVersion>& stored,
                              const IncomingVersion& incoming) {
  if (!stored.has_value()) {
    return incoming.retracted ? VersionDecision::kRetractionOfUnknown : VersionDecision::kNew;
  }
  if (incoming.version < stored->version) return VersionDecision::kStale;
  if (incoming.version == stored->version) {
    return incoming.content_hash == stored->content_hash ? VersionDecision::kUnchanged
                                                         : VersionDecision::kConflict;
  }
  return incoming.retracted ? VersionDecision::kRetraction : VersionDecision::kNewer;
}

bool WritesRecord(VersionDecision decision) {
  switch (decision) {
    case VersionDecision::kNew:
    case VersionDecision::kNewer:
    case VersionDecision::kRetraction:
    case VersionDecision::kRetractionOfUnknown:
      return true;
    case VersionDecision::kStale:
    case VersionDecision::kUnchanged:
    case VersionDecision::kConflict:
      return false;
  }
  return false;
}

}  // namespace lifeline::ingest
