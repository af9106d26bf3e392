#include "tools/lifeline/rules_command.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/status/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "tools/lifeline/cli.h"

namespace lifeline::tools {
namespace {

// Re-scoring a province's clues takes longer than an ordinary call.
constexpr auto kRescoreTimeout = std::chrono::minutes(10);

std::string Lower(const std::string& name, const std::string& prefix) {
  return absl::AsciiStrToLower(name.substr(name.rfind(prefix, 0) == 0 ? prefix.size() : 0));
}

std::string CountsLine(const match::v1::PreviewCounts& c) {
  return absl::StrFormat("added %d, dropped %d, tier up %d, tier down %d, amount changed %d",
                         c.added(), c.dropped(), c.tier_up(), c.tier_down(), c.amount_changed());
}

absl::Status CallRescore(const GatewayClient& gw, const match::v1::RescoreRequest& request,
                         match::v1::RescoreResponse* response) {
  std::string body;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(request, &body, print).ok()) {
    return absl::InternalError("RescoreRequest does not print as JSON");
  }
  const GatewayClient slow(gw.context(), kRescoreTimeout);
  return slow.Call("POST", "/v1/clues:rescore", body, response);
}

}  // namespace

void PrintRulesPreview(const match::v1::RulesPreview& preview, std::ostream& out) {
  out << absl::StrFormat("%d person(s) scored; nothing was written\n", preview.persons_scored());
  out << "  " << CountsLine(preview.total()) << "\n";
  if (preview.groups_size() > 0) out << "by category and city:\n";
  for (const auto& group : preview.groups()) {
    out << absl::StrFormat("  %-22s %-5s %s\n",
                           Lower(match::v1::Category_Name(group.category()), "CATEGORY_"),
                           group.city().empty() ? "-" : group.city(), CountsLine(group.counts()));
  }
  if (preview.examples_size() > 0) out << "examples:\n";
  for (const auto& e : preview.examples()) {
    out << absl::StrFormat(
        "  %-9s %s  case %s  %s  region %s  score %.1f -> %.1f  tier %s -> %s  amount %s -> %s "
        "yuan\n",
        e.change(), e.clue_id().empty() ? "(new)" : e.clue_id(), e.case_number(),
        Lower(match::v1::Category_Name(e.category()), "CATEGORY_"),
        e.region_code().empty() ? "-" : e.region_code(), e.score_before(), e.score_after(),
        Lower(match::v1::ClueTier_Name(e.tier_before()), "CLUE_TIER_"),
        Lower(match::v1::ClueTier_Name(e.tier_after()), "CLUE_TIER_"),
        FormatYuan(e.point_fen_before()), FormatYuan(e.point_fen_after()));
  }
}

absl::Status RulesCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "rules", {}));
  if (args.positional.size() != 2 || args.positional[0] != "preview") {
    return absl::InvalidArgumentError("usage: rules preview FILE");
  }
  const std::string& path = args.positional[1];
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return absl::InvalidArgumentError(absl::StrCat(path, " is empty"));
  match::v1::RescoreRequest request;
  request.set_dry_run(true);
  request.set_candidate_rules_yaml(text.str());
  match::v1::RescoreResponse response;
  RETURN_IF_ERROR(CallRescore(gw, request, &response));
  out << "rules preview of " << path << ": ";
  PrintRulesPreview(response.preview(), out);
  return absl::OkStatus();
}

absl::Status RescoreCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "rescore", {"dry-run"}));
  if (!args.positional.empty()) return absl::InvalidArgumentError("rescore takes no arguments");
  match::v1::RescoreRequest request;
  request.set_dry_run(args.Has("dry-run"));
  match::v1::RescoreResponse response;
  RETURN_IF_ERROR(CallRescore(gw, request, &response));
  if (request.dry_run()) {
    out << "rescore preview: ";
    PrintRulesPreview(response.preview(), out);
    return absl::OkStatus();
  }
  out << absl::StrFormat("rescored %d person(s): %d clue(s) created, %d updated or withdrawn\n",
                         response.persons_scored(), response.clues_created(),
                         response.clues_updated());
  return absl::OkStatus();
}

}  // namespace lifeline::tools
