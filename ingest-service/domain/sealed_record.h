// The content hash and stored bytes of a normalized record: what the version rule compares and
// what is stored and forwarded.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

#include "lifeline/records/v1/records.pb.h"

namespace lifeline::ingest {

struct SealedRecord {
  // SHA-256 of the record's deterministic serialization without its batch id.
  std::string content_hash;
  // The serialized record with the batch id that carried it.
  std::string bytes;
};

// Seals `normalized` for the batch `batch_id`: a batch id the record already carries changes
// neither the hash nor the bytes. Runs on the caller's thread, outside the store's transaction.
// Errors: Internal when the record cannot be serialized or hashed.
absl::StatusOr<SealedRecord> SealRecord(const records::v1::NormalizedRecord& normalized,
                                        std::string_view batch_id);

// Serializes deterministically, so equal messages give equal bytes.
// Errors: Internal when the message cannot be serialized.
absl::StatusOr<std::string> SerializeDeterministic(const google::protobuf::MessageLite& message);

}  // namespace lifeline::ingest
