// The lifeline CLI's commands on the eligibility rules, through the gateway: `rules preview FILE`
// (what candidate rules would change, writing nothing) and `rescore [--dry-run]`.
#pragma once

#include <ostream>

#include "absl/status/status.h"

#include "lifeline/match/v1/match_service.pb.h"
#include "tools/lifeline/cli_args.h"
#include "tools/lifeline/gateway_client.h"

namespace lifeline::tools {

// Prints a rules preview: the totals, the changes by category and city, and the examples.
void PrintRulesPreview(const match::v1::RulesPreview& preview, std::ostream& out);

// `rules preview FILE`: sends FILE (an eligibility.yaml) as candidate rules to a dry-run
// Rescore and prints the preview. Errors: InvalidArgument (usage), NotFound (FILE), the
// gateway's (bad rules come back as InvalidArgument listing every problem).
absl::Status RulesCommand(const GatewayClient& gw, const Args& args, std::ostream& out);

// `rescore [--dry-run]`: re-scores every clue under the running rules, or previews it.
absl::Status RescoreCommand(const GatewayClient& gw, const Args& args, std::ostream& out);

}  // namespace lifeline::tools
