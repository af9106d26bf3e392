// Limits every request a service stores from: no text field longer than a few KiB reaches a
// database, whoever the caller is (a free-text note of 8 MB would otherwise be stored and served
// back on every read).
#pragma once

#include <cstddef>

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace lifeline::common {

// The longest text (or bytes) field a request may carry, in bytes: notes, reasons, names, ids.
// ingest's records have their own, tighter limit (1 KiB per field, per record).
inline constexpr size_t kMaxRequestTextBytes = 4096;

// Checks every string and bytes field of `request`, in nested messages and lists too. Errors:
// InvalidArgument naming the first field path that is too long ("partner.display_name is
// 5000 bytes; at most 4096"), never its value.
absl::Status CheckRequestText(const google::protobuf::Message& request,
                              size_t max_bytes = kMaxRequestTextBytes);

}  // namespace lifeline::common
