// The lifeline CLI's commands on how records became persons, through the gateway: the
// possible-match queue and a reviewer's decisions on it, why two records are (not) one person,
// a person with the link behind each record, the linkage model, and a re-resolution from scratch.
// The printers take match-service's messages, so that an offline command can print what it
// computes in-process the same way.
#pragma once

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "lifeline/match/v1/match_service.pb.h"
#include "tools/lifeline/cli_args.h"
#include "tools/lifeline/gateway_client.h"

namespace lifeline::tools {

// Checks that `key` is "AGENCY:SOURCE_RECORD_ID" as match-service reads it: an agency before the
// first ':' and a record id after it (which may itself hold ':'). Errors: InvalidArgument naming
// `what` and the key.
absl::Status CheckRecordKey(const std::string& key, const std::string& what);

// Returns the fields compared, leaving out those missing on either side, in one short line:
// "name:exact birth:different region:same_county"; "-" when none was compared.
std::string LevelSummary(
    const google::protobuf::RepeatedPtrField<match::v1::FieldComparison>& fields);

// Prints how the linkage engine weighs a pair, as a waterfall: each compared field's level and
// weight, the fields missing on either side, the total (identity and context parts when known),
// the prior and the posterior log2 odds and probability, the link and possible-match weights, the
// band the total falls in, the two records' persons and a reviewer's decision.
void PrintPairExplanation(const match::v1::PairExplanation& pair, std::ostream& out);

// Prints a person and, for each record, its link: reason, the record it was joined to, the
// pair's weight and levels.
void PrintPerson(const match::v1::Person& person, std::ostream& out);

// Asks the gateway how the engine weighs records `record_a` and `record_b` (GET
// /v1/records:explain). Errors: InvalidArgument for a malformed key (before any request);
// otherwise what the gateway answered (NotFound for an unknown record).
absl::StatusOr<match::v1::PairExplanation> ExplainPairOnline(const GatewayClient& gw,
                                                             const std::string& record_a,
                                                             const std::string& record_b);

// The commands. Each checks its arguments before it sends anything (InvalidArgument), then
// returns what the gateway answered.
// `possible-matches [--page-size N] [--page-token T]`: one page of the review queue as a table.
absl::Status PossibleMatchesCommand(const GatewayClient& gw, const Args& args, std::ostream& out);
// `resolve-match RECORD_A RECORD_B (--same | --different) [--reason TEXT]`: records the decision
// and prints the two records' persons after it.
absl::Status ResolveMatchCommand(const GatewayClient& gw, const Args& args, std::ostream& out);
// `why RECORD_A RECORD_B`: PrintPairExplanation of ExplainPairOnline.
absl::Status WhyCommand(const GatewayClient& gw, const Args& args, std::ostream& out);
// `person PERSON_ID`: PrintPerson.
absl::Status PersonCommand(const GatewayClient& gw, const Args& args, std::ostream& out);
// `link-model`: the model's counts, weights and parameter text.
absl::Status LinkModelCommand(const GatewayClient& gw, const Args& args, std::ostream& out);
// `relink` (admin): resolves every record from scratch and prints what changed.
absl::Status RelinkCommand(const GatewayClient& gw, const Args& args, std::ostream& out);

}  // namespace lifeline::tools
