// The answer to a batch: each record's result from validation and the version rule, the batch's
// counts and its issues. The store asks for it inside the commit, so that the answer is stored
// with the records and a retry gets the same one.
#pragma once

#include <optional>
#include <vector>

#include "ingest-service/domain/version_rule.h"
#include "ingest-service/store/ingest_store.h"

namespace lifeline::ingest {

// How many issues a SubmitBatchResponse carries (the first page of ListRejections).
inline constexpr int kResponseIssueLimit = 100;

// A BatchResponder: record i's result is REJECTED when validation rejected it (decisions[i] is
// nullopt), else the version rule's (a conflict rejects, a retraction of an unknown record adds
// a warning). `issues` are every record's validation issues and the version rule's, in batch
// order, with record_index and source_record_id filled in.
BatchAnswer AnswerBatch(const BatchSubmission& batch, const VersionDecisions& decisions);

}  // namespace lifeline::ingest
