#include "ingest-service/domain/sealed_record.h"

#include <optional>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>

#include "common/status/status_macros.h"

namespace lifeline::ingest {
namespace {

absl::StatusOr<std::string> Sha256(std::string_view bytes) {
  // Fetched once: with EVP_sha256() OpenSSL 3 looks the implementation up again on every call,
  // which cost about as much as hashing the record.
  static const EVP_MD* const kSha256 = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, kSha256, nullptr) != 1) {
    return absl::InternalError("SHA-256 of a record failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// Appends a length-delimited field to serialized message bytes. Parsing gives the same message as
// if the field had been serialized in its place, so a record is serialized once for its content
// hash (without the batch id) and once more only by this append (with it).
void AppendStringField(int field_number, std::string_view value, std::string* bytes) {
  google::protobuf::io::StringOutputStream stream(bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(static_cast<uint32_t>(field_number) << 3 | 2);  // wire type 2: length-delimited
  coded.WriteVarint32(static_cast<uint32_t>(value.size()));
  coded.WriteRaw(value.data(), static_cast<int>(value.size()));
}

}  // namespace

absl::StatusOr<std::string> SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string bytes;
  bool ok = false;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    ok = message.SerializeToCodedStream(&coded);
  }
  if (!ok) return absl::InternalError("a message cannot be serialized");
  return bytes;
}

absl::StatusOr<SealedRecord> SealRecord(const records::v1::NormalizedRecord& normalized,
                                        std::string_view batch_id) {
  // The content hash ignores the batch that carried the record (copied only in that rare case).
  std::optional<records::v1::NormalizedRecord> without_batch;
  if (!normalized.batch_id().empty()) {
    without_batch.emplace(normalized);
    without_batch->clear_batch_id();
  }
  SealedRecord sealed;
  ASSIGN_OR_RETURN(sealed.bytes,
                   SerializeDeterministic(without_batch.has_value() ? *without_batch : normalized));
  ASSIGN_OR_RETURN(sealed.content_hash, Sha256(sealed.bytes));
  AppendStringField(records::v1::NormalizedRecord::kBatchIdFieldNumber, batch_id, &sealed.bytes);
  return sealed;
}

}  // namespace lifeline::ingest
