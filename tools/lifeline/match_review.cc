#include "tools/lifeline/match_review.h"

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include "common/status/status_macros.h"
#include "lifeline/records/v1/records.pb.h"

namespace lifeline::tools {
namespace {

using match::v1::FieldComparison;
using match::v1::PairExplanation;

// A re-resolution from scratch reads every record: give it longer than one request. The
// gateway bounds it by its own --long_upstream_timeout_ms (also 10 minutes).
constexpr auto kRelinkTimeout = std::chrono::minutes(10);

// Shorter names for the table columns and summaries.
std::string ShortField(const std::string& field) {
  static const std::map<std::string, std::string> kShort = {{"birth_date", "birth"},
                                                            {"household", "house"},
                                                            {"address", "addr"},
                                                            {"id_number", "id"},
                                                            {"document", "doc"}};
  auto it = kShort.find(field);
  return it == kShort.end() ? field : it->second;
}

std::string Signed(double weight) { return absl::StrFormat("%+.2f", weight); }

// log2(p / (1 - p)); nullopt at 0 and 1, where the odds are infinite.
std::optional<double> Log2Odds(double p) {
  if (!(p > 0 && p < 1)) return std::nullopt;
  return std::log2(p / (1 - p));
}

double Probability(double log2_odds) { return 1 / (1 + std::exp2(-log2_odds)); }

// What the total weight alone says, against the pair's thresholds.
std::string Band(const PairExplanation& pair) {
  if (pair.weight() >= pair.link_weight()) {
    return "at or above the link weight (a link also needs agreeing names, an ID number or a "
           "document, and identity weight)";
  }
  if (pair.weight() >= pair.possible_weight()) {
    return "possible match: between the possible-match and the link weight";
  }
  return "non-link: below the possible-match weight";
}

std::string PersonsLine(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty())
    return absl::StrCat(a.empty() ? "-" : a, " and ", b.empty() ? "-" : b);
  if (a == b) return absl::StrCat(a, " (one person)");
  return absl::StrCat(a, " and ", b, " (two persons)");
}

absl::Status CheckNoPositional(const Args& args, const std::string& command) {
  if (args.positional.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      command, " takes no arguments besides its flags, got '", args.positional[0], "'"));
}

// Checks `command RECORD_A RECORD_B`: two well-formed keys of two different records.
absl::Status CheckRecordPair(const Args& args, const std::string& command) {
  if (args.positional.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(command, " needs RECORD_A RECORD_B (each AGENCY:SOURCE_RECORD_ID), got ",
                     args.positional.size(), " argument(s)"));
  }
  RETURN_IF_ERROR(CheckRecordKey(args.positional[0], "RECORD_A"));
  RETURN_IF_ERROR(CheckRecordKey(args.positional[1], "RECORD_B"));
  if (args.positional[0] == args.positional[1]) {
    return absl::InvalidArgumentError(
        absl::StrCat(command, " needs two different records, got ", args.positional[0], " twice"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckRecordKey(const std::string& key, const std::string& what) {
  const size_t colon = key.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == key.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " must be AGENCY:SOURCE_RECORD_ID (e.g. court:J-2023-045), got '", key, "'"));
  }
  return absl::OkStatus();
}

std::string LevelSummary(const google::protobuf::RepeatedPtrField<FieldComparison>& fields) {
  std::vector<std::string> parts;
  for (const FieldComparison& f : fields) {
    if (f.level() == "missing") continue;
    parts.push_back(absl::StrCat(ShortField(f.field()), ":", f.level()));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, " ");
}

void PrintPairExplanation(const PairExplanation& pair, std::ostream& out) {
  out << pair.record_a() << " and " << pair.record_b() << "\n";
  out << absl::StrFormat("  %-12s %-14s %8s\n", "field", "level", "weight");
  std::vector<std::string> missing;
  double sum = 0;
  for (const FieldComparison& f : pair.fields()) {
    if (f.level() == "missing") {
      missing.push_back(f.field());
      continue;
    }
    sum += f.weight();
    out << absl::StrFormat("  %-12s %-14s %8s\n", f.field(), f.level(), Signed(f.weight()));
  }
  if (!missing.empty()) {
    out << "  missing on either side (weigh nothing): " << absl::StrJoin(missing, ", ") << "\n";
  }
  out << absl::StrFormat("  %-27s %8s", "total", Signed(pair.weight()));
  if (pair.identity_weight() != 0 || pair.context_weight() != 0) {
    out << absl::StrFormat("   identity %s, context %s", Signed(pair.identity_weight()),
                           Signed(pair.context_weight()));
  }
  out << "\n";
  if (std::abs(sum - pair.weight()) > 0.005) {
    out << absl::StrFormat(
        "  (the fields add to %s: only the strongest context agreement counts)\n", Signed(sum));
  }
  // The response carries the prior only inside the probability: probability = 1 / (1 +
  // 2^-(weight + prior)).
  const std::optional<double> posterior = Log2Odds(pair.probability());
  if (posterior.has_value()) {
    const double prior = *posterior - pair.weight();
    out << absl::StrFormat("  %-27s %8s   (log2 odds that two records are one person)\n", "prior",
                           Signed(prior));
    out << absl::StrFormat("  %-27s %8s   probability %.3f\n", "weight + prior", Signed(*posterior),
                           pair.probability());
    out << absl::StrFormat(
        "  thresholds: link at %s (probability %.2f), possible match at %s (probability %.2f)\n",
        Signed(pair.link_weight()), Probability(pair.link_weight() + prior),
        Signed(pair.possible_weight()), Probability(pair.possible_weight() + prior));
  } else {
    out << absl::StrFormat("  probability %.3f\n", pair.probability());
    out << absl::StrFormat("  thresholds: link at %s, possible match at %s\n",
                           Signed(pair.link_weight()), Signed(pair.possible_weight()));
  }
  out << "  by weight: " << Band(pair) << "\n";
  out << "  persons: " << PersonsLine(pair.person_a(), pair.person_b()) << "\n";
  out << "  review: " << (pair.review().empty() ? "none" : pair.review()) << "\n";
}

void PrintPerson(const match::v1::Person& person, std::ostream& out) {
  std::string sex = records::v1::Sex_Name(person.sex());
  if (sex.rfind("SEX_", 0) == 0) sex = absl::AsciiStrToLower(sex.substr(4));
  out << absl::StrFormat("person %s  %s", person.person_id(), person.display_name());
  if (!person.id_masked().empty()) out << "  id " << person.id_masked();
  if (person.sex() != records::v1::SEX_UNSPECIFIED) out << "  " << sex;
  if (!person.birth_date().empty()) out << "  born " << person.birth_date();
  if (!person.region_code().empty()) out << "  region " << person.region_code();
  out << "\n  " << person.records_size() << " record(s):\n";
  for (const match::v1::RecordRef& r : person.records()) {
    out << absl::StrFormat("  %s:%s v%d %s: %s", r.agency(), r.source_record_id(), r.version(),
                           r.kind(), r.link_reason().empty() ? "-" : r.link_reason());
    if (!r.linked_to().empty()) {
      out << absl::StrFormat(", joined to %s at %s (%s)", r.linked_to(), Signed(r.link_weight()),
                             LevelSummary(r.comparison()));
    }
    out << "\n";
  }
}

absl::StatusOr<PairExplanation> ExplainPairOnline(const GatewayClient& gw,
                                                  const std::string& record_a,
                                                  const std::string& record_b) {
  RETURN_IF_ERROR(CheckRecordKey(record_a, "RECORD_A"));
  RETURN_IF_ERROR(CheckRecordKey(record_b, "RECORD_B"));
  PairExplanation pair;
  RETURN_IF_ERROR(gw.Call("GET",
                          absl::StrCat("/v1/records:explain?record_a=", UrlEscape(record_a),
                                       "&record_b=", UrlEscape(record_b)),
                          "", &pair));
  return pair;
}

absl::Status PossibleMatchesCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "possible-matches", {"page-size", "page-token"}));
  RETURN_IF_ERROR(CheckNoPositional(args, "possible-matches"));
  ASSIGN_OR_RETURN(int page_size, IntFlag(args, "page-size", 50));
  if (page_size < 1) return absl::InvalidArgumentError("--page-size must be at least 1");
  std::string target = absl::StrCat("/v1/possible-matches?page_size=", page_size);
  if (auto token = args.Get("page-token")) {
    absl::StrAppend(&target, "&page_token=", UrlEscape(*token));
  }
  match::v1::ListPossibleMatchesResponse response;
  RETURN_IF_ERROR(gw.Call("GET", target, "", &response));
  out << response.possible_matches_size() << " possible match(es)\n";
  if (response.possible_matches_size() > 0) {
    out << absl::StrFormat("  %-24s %-24s %-41s %7s %6s  %s\n", "record_a", "record_b", "persons",
                           "weight", "prob", "levels");
  }
  for (const match::v1::PossibleMatch& m : response.possible_matches()) {
    const PairExplanation& p = m.pair();
    out << absl::StrFormat("  %-24s %-24s %-41s %7s %6.3f  %s\n", p.record_a(), p.record_b(),
                           absl::StrCat(p.person_a(), " ", p.person_b()), Signed(p.weight()),
                           p.probability(), LevelSummary(p.fields()));
  }
  if (!response.next_page_token().empty()) {
    out << "more: --page-token " << response.next_page_token() << "\n";
  }
  return absl::OkStatus();
}

absl::Status ResolveMatchCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "resolve-match", {"same", "different", "reason"}));
  RETURN_IF_ERROR(CheckRecordPair(args, "resolve-match"));
  if (args.Has("same") == args.Has("different")) {
    return absl::InvalidArgumentError(
        "resolve-match needs exactly one of --same (one person) and --different (two persons)");
  }
  const bool same = args.Has("same");
  match::v1::ResolvePossibleMatchRequest request;
  request.set_record_a(args.positional[0]);
  request.set_record_b(args.positional[1]);
  request.set_decision(same ? match::v1::MATCH_DECISION_CONFIRM
                            : match::v1::MATCH_DECISION_SEPARATE);
  request.set_reason(args.Get("reason").value_or(""));
  std::string body;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  auto st = google::protobuf::util::MessageToJsonString(request, &body, print);
  if (!st.ok()) return absl::InternalError(st.ToString());
  match::v1::ResolvePossibleMatchResponse response;
  RETURN_IF_ERROR(gw.Call("POST", "/v1/possible-matches:resolve", body, &response));
  out << request.record_a() << " and " << request.record_b()
      << (same ? " confirmed as one person" : " separated")
      << "; persons now: " << PersonsLine(response.person_a(), response.person_b()) << "\n";
  std::vector<std::string> ids = {response.person_a()};
  if (response.person_b() != response.person_a()) ids.push_back(response.person_b());
  for (const std::string& id : ids) {
    match::v1::Person person;
    // The decision is recorded whatever happens here: a failed read is reported, not returned.
    absl::Status read = gw.Call("GET", absl::StrCat("/v1/persons/", UrlEscape(id)), "", &person);
    if (read.ok()) {
      PrintPerson(person, out);
    } else {
      out << "  (could not read person " << id << ": " << read.message() << ")\n";
    }
  }
  return absl::OkStatus();
}

absl::Status WhyCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "why", {}));
  RETURN_IF_ERROR(CheckRecordPair(args, "why"));
  ASSIGN_OR_RETURN(PairExplanation pair,
                   ExplainPairOnline(gw, args.positional[0], args.positional[1]));
  PrintPairExplanation(pair, out);
  return absl::OkStatus();
}

absl::Status PersonCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "person", {}));
  if (args.positional.size() != 1 || args.positional[0].empty()) {
    return absl::InvalidArgumentError("person needs PERSON_ID");
  }
  match::v1::Person person;
  RETURN_IF_ERROR(
      gw.Call("GET", absl::StrCat("/v1/persons/", UrlEscape(args.positional[0])), "", &person));
  PrintPerson(person, out);
  return absl::OkStatus();
}

absl::Status LinkModelCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "link-model", {}));
  RETURN_IF_ERROR(CheckNoPositional(args, "link-model"));
  match::v1::LinkModel model;
  RETURN_IF_ERROR(gw.Call("GET", "/v1/link-model", "", &model));
  out << "link model: "
      << (model.estimated() ? "estimated from the data by the last re-resolution"
                            : "prior parameters (not estimated yet: run `lifeline relink`)")
      << "\n";
  out << absl::StrFormat("  live records %d, matches per record %.4g\n", model.live_records(),
                         model.matches_per_record());
  out << absl::StrFormat("  link weight %s, possible-match weight %s\n",
                         Signed(model.link_weight()), Signed(model.possible_weight()));
  out << "parameters:\n" << model.parameters();
  if (!model.parameters().empty() && model.parameters().back() != '\n') out << "\n";
  return absl::OkStatus();
}

absl::Status RelinkCommand(const GatewayClient& gw, const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "relink", {}));
  RETURN_IF_ERROR(CheckNoPositional(args, "relink"));
  const GatewayClient slow(gw.context(), kRelinkTimeout);
  match::v1::RelinkResponse response;
  RETURN_IF_ERROR(slow.Call("POST", "/v1/persons:relink", "{}", &response));
  out << absl::StrFormat(
      "relinked %d records into %d persons: %d record(s) moved, %d possible match(es); clues %d "
      "created, %d updated, %d withdrawn\n",
      response.records(), response.persons(), response.records_moved(), response.possible_matches(),
      response.clues_created(), response.clues_updated(), response.clues_withdrawn());
  return absl::OkStatus();
}

}  // namespace lifeline::tools
