// The version rule: what an accepted record does to the record stored under the same (agency,
// source_record_id).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lifeline::ingest {

// What is stored for one (agency, source_record_id). Whether it is a tombstone (a retraction)
// does not matter: a higher version replaces a tombstone like any record, and a lower one is
// stale against it.
struct StoredVersion {
  int64_t version = 0;
  // SealedRecord::content_hash of the stored record.
  std::string_view content_hash;
};

// An accepted record as the rule sees it.
struct IncomingVersion {
  int64_t version = 0;
  std::string_view content_hash;
  bool retracted = false;
};

enum class VersionDecision {
  // Nothing is stored: store the record and forward it.
  kNew,
  // A higher version than the stored one: replace it and forward the record.
  kNewer,
  // A lower version than the stored one: ignore the record (STALE).
  kStale,
  // The stored version with the same content: ignore the record (UNCHANGED).
  kUnchanged,
  // The stored version with different content: reject the record (VERSION_CONFLICT).
  kConflict,
  // A retraction with a higher version: replace the stored record by the tombstone, forward it.
  kRetraction,
  // A retraction of a record never stored: store the tombstone all the same, so that an older
  // version sent later is stale, and forward it (RETRACTION_UNKNOWN warning).
  kRetractionOfUnknown,
};

// Decides what `incoming` does, given what is stored (nullopt: nothing).
VersionDecision DecideVersion(const std::optional<StoredVersion>& stored,
                              const IncomingVersion& incoming);

// Whether the record is written (inserted or replacing the stored one) and forwarded to
// match-service.
bool WritesRecord(VersionDecision decision);

}  // namespace lifeline::ingest
