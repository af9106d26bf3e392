#include "tools/lifeline/cli.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

#include "common/auth/caller.h"
#include "common/csv/csv_writer.h"
#include "common/server/channel.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "lifeline/ingest/v1/ingest_service.pb.h"
#include "lifeline/match/v1/match_service.grpc.pb.h"
#include "lifeline/match/v1/match_service.pb.h"
#include "lifeline/records/v1/records.pb.h"
#include "lifeline/referral/v1/referral_service.pb.h"
#include "tools/eval/report.h"
#include "tools/lifeline/cli_args.h"
#include "tools/lifeline/grpc_batch_sender.h"
#include "tools/lifeline/import.h"
#include "tools/lifeline/link_command.h"
#include "tools/lifeline/match_review.h"
#include "tools/lifeline/rules_command.h"
#include "tools/lifeline/staged_csv_file.h"
#include <signal.h>
#include <unistd.h>

namespace lifeline::tools {
namespace {

constexpr char kUsage[] = R"(usage: lifeline [--gateway HOST:PORT] [--token TOKEN] COMMAND [ARGS]

Talks to the Lifeline gateway (default 127.0.0.1:8080, or $LIFELINE_GATEWAY) with a bearer token
(--token or $LIFELINE_TOKEN); `import --ingest`, `export links --match` and `health` talk to a
service's gRPC API directly instead, with mutual TLS and a caller token as an operator:
--tls-cert FILE --tls-key FILE --tls-ca FILE --caller-key-file FILE (or $LIFELINE_TLS_CERT_FILE,
$LIFELINE_TLS_KEY_FILE, $LIFELINE_TLS_CA_FILE, $LIFELINE_CALLER_KEY_FILE); without them the call
is plaintext and unsigned, which only services started with --insecure_loopback accept.

commands:
  submit --agency CODE --file BATCH.json   submit a batch (SubmitBatchRequest JSON, agency from flag)
  submit --agency CODE --file RECORDS.jsonl [--batch-size N] [--batch-prefix P]
                                           submit one Record JSON per line, in batches P-1, P-2, ...
                                           (default prefix: the file name; re-running is safe)
  import --agency CODE --file FILE.csv --mapping MAPPING.yaml [--encoding auto|utf-8|gb18030]
         [--rejects FILE] [--batch-size N] [--batch-prefix P] [--progress auto|on|off]
         [--wait-linked-s S]
  import --agency CODE --file RECORDS.jsonl [...]
                                           import an agency's CSV export through its column
                                           mapping (or Record JSON lines) in batches whose ids
                                           derive from the file's SHA-256: running it again
                                           resumes without duplicates. Rows that cannot be read,
                                           mapped or stored go to the rejects file (default
                                           FILE.rejects.csv) with line, column, reason and the
                                           original row, in the file's encoding. Batches go
                                           through the gateway (--batch-size up to 10,000).
                                           Then it waits up to S seconds (default 60, 0: not at
                                           all) until match-service has linked every record
                                           stored, and says so, or how many are still queued
  import --ingest HOST:PORT --agency CODE --file FILE [...]
                                           the same, straight to ingest-service's gRPC API
                                           (one StreamRecords call per batch, --batch-size up to
                                           1,000,000, no --gateway or --token: for operators
                                           inside the cluster)
  clues [--status pending|approved|rejected|more_info|excluded|withdrawn]
        [--tier high|medium|low]
        [--category serious_injury|urgent_treatment|dependant_of_deceased|property_loss
                    |civil_tort]
        [--region PREFIX] [--order score|age] [--wait-for N] [--wait-s S]
                                           list clues, best first (or oldest first); optionally
                                           wait for N clues
  clue CLUE_ID                             one clue with its evidence and how its suggested
                                           amount was computed
  review CLUE_ID (--approve (--amount-fen N | --suggested) [--reason NOTE]
                  | --reject --code CODE --reason TEXT
                  | --request-info --reason WHAT | --info-received --reason WHAT)
                                           a decision; approving below the clue's floor or above
                                           the approval threshold needs a NOTE and a chief
                                           procurator's token; CODE is one of not_eligible,
                                           compensated, already_assisted, no_hardship,
                                           major_fault, claim_waived, not_cooperating,
                                           false_evidence, litigation_first, data_error,
                                           declined, other; --info-received puts a clue
                                           waiting for information back to pending
  possible-matches [--page-size N] [--page-token T]
                                           pairs of records the linkage model could not decide,
                                           strongest first: records, persons, weight,
                                           probability and each compared field's level
  resolve-match RECORD_A RECORD_B (--same | --different) [--reason TEXT]
                                           a reviewer's decision on two records (each
                                           AGENCY:SOURCE_RECORD_ID): one person or two; it
                                           always wins over the model. Prints the persons after
  why RECORD_A RECORD_B                    how the model weighs two records: each field's level
                                           and weight, the total, the prior, the thresholds,
                                           the probability, their persons and any decision
  person PERSON_ID                         a person with each record's link: reason, the record
                                           it was joined to, weight and levels
  link-model                               the linkage model: counts, weights and parameters
  relink                                   (admin) resolve every record from scratch with a newly
                                           estimated model; reviewers' decisions are kept
  rules preview FILE                       what the rules in FILE (an eligibility.yaml) would
                                           change: clues added, dropped, moved between tiers,
                                           amounts, by category and city, with examples;
                                           writes nothing
  rescore [--dry-run]                      re-score every clue under the running rules (or
                                           show what that would change)
  plan (PLAN_ID | --clue CLUE_ID [--wait-s S])
                                           a plan with its referrals; by clue, waiting for it
  referrals [--department CODE]            list referrals
  verify CLUE_ID --department CODE --question TEXT
                                           ask an office of the directory (a town government, a
                                           village committee) to confirm a fact for the clue
  verifications --clue CLUE_ID [--wait-answered-s S]
                                           the clue's verification requests and answers;
                                           optionally wait up to S seconds until none is open
  undeliverable                            (admins) referrals and verification requests whose
                                           delivery was parked after its attempts
  retry-delivery ID                        (admins) deliver a parked referral (ref_...) or
                                           verification request (ver_...) again
  health --target HOST:PORT [--wait-s S]   gRPC health check of a service
  export links --match HOST:PORT --out FILE
                                           every record-to-person link, straight from
                                           match-service (gRPC ExportLinks), as CSV
                                           (agency,source_record_id,person_id)
  export clues --out FILE                  every clue, through the gateway, as CSV
                                           (clue_id,person_id,category,score)
  link --in DIR|FILE [FILE...] --out links.csv [--possible-out FILE] [--token-key-file FILE]
       [--params FILE] [--params-out FILE] [--threads N] [--progress auto|on|off]
                                           link agency record files offline (no services): the
                                           same validation as ingest and the same engine as
                                           match-service, in-process; writes
                                           agency,source_record_id,person_id (and the possible
                                           matches); --params uses a saved model instead of
                                           estimating one, --params-out saves it
  why --in DIR|FILE [FILE...] AGENCY:RECORD AGENCY:RECORD [--params FILE] [--token-key-file FILE]
                                           offline: how the engine weighs two records, field by
                                           field, against the thresholds
  eval --truth DIR [--links FILE [--clues FILE]]
                                           score linkage and clues against a lifeline-datagen
                                           truth directory; naive baselines always, Lifeline's
                                           figures when its exports are given (no network)
)";

std::string ShortEnum(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

// A rejection code as the CLI writes it: REJECT_REASON_NO_HARDSHIP -> "no_hardship".
std::string RejectCode(match::v1::RejectReason reason) {
  return absl::AsciiStrToLower(ShortEnum(match::v1::RejectReason_Name(reason), "REJECT_REASON_"));
}

void PrintClueLine(const match::v1::Clue& c, int rank, std::ostream& out) {
  out << absl::StrFormat(
      "%2d. %s  score %.1f (%s)  %s  %s (%s)  case %s  suggested %s yuan (%s-%s)\n", rank,
      c.clue_id(), c.score(),
      absl::AsciiStrToLower(ShortEnum(match::v1::ClueTier_Name(c.tier()), "CLUE_TIER_")),
      ShortEnum(match::v1::ClueStatus_Name(c.status()), "CLUE_STATUS_"), c.person_name(),
      c.person_id_masked(), c.case_number(), FormatYuan(c.suggested_amount().point_fen()),
      FormatYuan(c.suggested_amount().min_fen()), FormatYuan(c.suggested_amount().max_fen()));
  out << "    category " << ShortEnum(match::v1::Category_Name(c.category()), "CATEGORY_");
  if (!c.region_code().empty()) out << "; region " << c.region_code();
  if (!c.hardship_signals().empty()) {
    out << "; hardship " << absl::StrJoin(c.hardship_signals(), ", ");
  }
  if (!c.possible_exclusions().empty()) {
    out << "; to weigh: " << absl::StrJoin(c.possible_exclusions(), ", ");
  }
  if (!c.exclusions().empty()) out << "; excluded: " << absl::StrJoin(c.exclusions(), ", ");
  out << "\n";
}

// Submits a JSON Lines file of lifeline.records.v1.Record messages in batches named
// <prefix>-1, <prefix>-2, ...: ingest answers a batch id it has seen with its first answer, so
// running the same command again adds nothing twice. A line that is not a valid Record is
// reported by line number (never by content) and left out; its neighbours still go.
absl::Status SubmitJsonLines(GatewayClient& gw, const Args& args, const std::string& agency,
                             const std::string& file, std::ostream& out) {
  ASSIGN_OR_RETURN(int batch_size, IntFlag(args, "batch-size", 1000));
  if (batch_size < 1) return absl::InvalidArgumentError("--batch-size must be at least 1");
  std::string prefix = args.Get("batch-prefix").value_or("");
  if (prefix.empty()) {
    prefix = file.substr(file.find_last_of('/') + 1);
    prefix = prefix.substr(0, prefix.rfind('.'));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", file));
  struct Totals {
    int64_t records = 0, accepted = 0, warnings = 0, rejected = 0, unchanged = 0, bad_lines = 0;
  } totals;
  std::map<std::string, int64_t> reasons;  // "field reason" -> count
  int batch_number = 0;
  std::string body;
  int in_batch = 0;
  auto flush = [&]() -> absl::Status {
    if (in_batch == 0) return absl::OkStatus();
    ++batch_number;
    const std::string request =
        absl::StrCat("{\"batchId\":\"", prefix, "-", batch_number, "\",\"records\":[", body, "]}");
    ingest::v1::SubmitBatchResponse response;
    RETURN_IF_ERROR(
        gw.Call("POST", absl::StrCat("/v1/agencies/", agency, "/batches"), request, &response));
    const auto& b = response.batch();
    totals.records += b.record_count();
    totals.accepted += b.accepted_count();
    totals.warnings += b.warning_count();
    totals.rejected += b.rejected_count();
    totals.unchanged += b.unchanged_count();
    for (const auto& issue : response.issues()) {
      ++reasons[absl::StrCat(ShortEnum(ingest::v1::Severity_Name(issue.severity()), "SEVERITY_"),
                             " ", issue.field(), " ", issue.reason())];
    }
    body.clear();
    in_batch = 0;
    return absl::OkStatus();
  };
  std::string line;
  int64_t line_number = 0;
  records::v1::Record record;
  while (std::getline(in, line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    record.Clear();
    if (!google::protobuf::util::JsonStringToMessage(line, &record).ok()) {
      ++totals.bad_lines;
      out << absl::StrFormat("    line %d: not a lifeline.records.v1.Record in JSON; skipped\n",
                             line_number);
      continue;
    }
    if (in_batch > 0) body.push_back(',');
    body += line;
    if (++in_batch == batch_size) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(flush());
  out << absl::StrFormat(
      "%s: %d batches, %d records, %d accepted, %d with warnings, %d rejected, %d unchanged%s\n",
      agency, batch_number, totals.records, totals.accepted, totals.warnings, totals.rejected,
      totals.unchanged,
      totals.bad_lines > 0 ? absl::StrCat(", ", totals.bad_lines, " bad lines skipped") : "");
  for (const auto& [reason, count] : reasons) {
    out << absl::StrFormat("    %6d  %s\n", count, reason);
  }
  return absl::OkStatus();
}

absl::Status Submit(GatewayClient& gw, const Args& args, std::ostream& out) {
  auto agency = args.Get("agency");
  auto file = args.Get("file");
  if (!agency || !file) return absl::InvalidArgumentError("submit needs --agency and --file");
  if (absl::EndsWith(*file, ".jsonl")) return SubmitJsonLines(gw, args, *agency, *file, out);
  std::ifstream in(*file, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", *file));
  std::stringstream buffer;
  buffer << in.rdbuf();
  ingest::v1::SubmitBatchResponse response;
  RETURN_IF_ERROR(
      gw.Call("POST", absl::StrCat("/v1/agencies/", *agency, "/batches"), buffer.str(), &response));
  const auto& b = response.batch();
  out << absl::StrFormat(
      "batch %s/%s: %d records, %d accepted, %d with warnings, %d rejected, %d unchanged\n",
      b.agency(), b.batch_id(), b.record_count(), b.accepted_count(), b.warning_count(),
      b.rejected_count(), b.unchanged_count());
  for (const auto& issue : response.issues()) {
    out << absl::StrFormat("    record %d (%s) %s %s: %s\n", issue.record_index(),
                           issue.source_record_id(),
                           ShortEnum(ingest::v1::Severity_Name(issue.severity()), "SEVERITY_"),
                           issue.field(), issue.reason());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StatusQuery(const Args& args) {
  auto status = args.Get("status");
  if (!status) return std::string();
  static const std::map<std::string, std::string> kNames = {
      {"pending", "CLUE_STATUS_PENDING_REVIEW"}, {"approved", "CLUE_STATUS_APPROVED"},
      {"rejected", "CLUE_STATUS_REJECTED"},      {"more_info", "CLUE_STATUS_MORE_INFO_REQUESTED"},
      {"excluded", "CLUE_STATUS_EXCLUDED"},      {"withdrawn", "CLUE_STATUS_WITHDRAWN"}};
  auto it = kNames.find(*status);
  if (it == kNames.end()) {
    return absl::InvalidArgumentError(
        "--status must be pending, approved, rejected, more_info, excluded or withdrawn");
  }
  return absl::StrCat("&status=", it->second);
}

absl::StatusOr<std::string> TierQuery(const Args& args) {
  auto tier = args.Get("tier");
  if (!tier) return std::string();
  if (*tier != "high" && *tier != "medium" && *tier != "low") {
    return absl::InvalidArgumentError("--tier must be high, medium or low");
  }
  return absl::StrCat("&tier=CLUE_TIER_", absl::AsciiStrToUpper(*tier));
}

// --category, --region and --order as query parameters.
absl::StatusOr<std::string> FilterQuery(const Args& args) {
  std::string query;
  if (auto category = args.Get("category")) {
    match::v1::Category parsed = match::v1::CATEGORY_UNSPECIFIED;
    if (!match::v1::Category_Parse(absl::StrCat("CATEGORY_", absl::AsciiStrToUpper(*category)),
                                   &parsed) ||
        parsed == match::v1::CATEGORY_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          "--category must be serious_injury, urgent_treatment, dependant_of_deceased, "
          "property_loss or civil_tort");
    }
    absl::StrAppend(&query, "&category=CATEGORY_", absl::AsciiStrToUpper(*category));
  }
  if (auto region = args.Get("region")) {
    absl::StrAppend(&query, "&region=", UrlEscape(*region));
  }
  if (auto order = args.Get("order")) {
    if (*order != "score" && *order != "age") {
      return absl::InvalidArgumentError("--order must be score or age");
    }
    absl::StrAppend(&query, "&order=CLUE_ORDER_", absl::AsciiStrToUpper(*order));
  }
  return query;
}

absl::Status Clues(GatewayClient& gw, const Args& args, std::ostream& out) {
  ASSIGN_OR_RETURN(std::string status_query, StatusQuery(args));
  ASSIGN_OR_RETURN(std::string tier_query, TierQuery(args));
  ASSIGN_OR_RETURN(std::string filter_query, FilterQuery(args));
  ASSIGN_OR_RETURN(int wait_for, IntFlag(args, "wait-for", 0));
  ASSIGN_OR_RETURN(int wait_s, IntFlag(args, "wait-s", 0));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  match::v1::ListCluesResponse response;
  while (true) {
    response.Clear();
    RETURN_IF_ERROR(gw.Call(
        "GET", absl::StrCat("/v1/clues?page_size=500", status_query, tier_query, filter_query), "",
        &response));
    if (response.clues_size() >= wait_for) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("expected at least ", wait_for, " clues, found ", response.clues_size()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  out << response.clues_size() << " clue(s)\n";
  int rank = 0;
  for (const auto& c : response.clues()) PrintClueLine(c, ++rank, out);
  return absl::OkStatus();
}

absl::Status ShowClue(GatewayClient& gw, const Args& args, std::ostream& out) {
  if (args.positional.size() != 1) return absl::InvalidArgumentError("clue needs CLUE_ID");
  match::v1::Clue clue;
  RETURN_IF_ERROR(gw.Call("GET", absl::StrCat("/v1/clues/", args.positional[0]), "", &clue));
  PrintClueLine(clue, 1, out);
  out << "    suggested amount:\n";
  for (const auto& line : clue.suggested_amount().rationale()) out << "      " << line << "\n";
  out << "    evidence:\n";
  for (const auto& e : clue.evidence()) {
    out << absl::StrFormat("      [%s] %s %s  %s = %s  (%s)\n", e.role(), e.agency(),
                           e.source_record_id(), e.field(), e.value(), e.date());
  }
  for (const auto& r : clue.reviews()) {
    std::string code;
    if (r.reject_reason() != match::v1::REJECT_REASON_UNSPECIFIED) {
      code = absl::StrCat("(", RejectCode(r.reject_reason()), ") ");
    }
    out << absl::StrFormat("    review: %s by %s %s %s%s\n",
                           ShortEnum(match::v1::Review::Decision_Name(r.decision()), "DECISION_"),
                           r.reviewer(), r.amount_fen() ? FormatYuan(r.amount_fen()) + " yuan" : "",
                           code, r.reason());
  }
  if (!clue.plan_id().empty()) out << "    plan: " << clue.plan_id() << "\n";
  if (clue.questions_size() > 0) out << "    questions:\n";
  for (const auto& q : clue.questions()) out << "      - " << q.text() << "\n";
  if (clue.related_size() > 0) out << "    the case's other clues:\n";
  for (const auto& r : clue.related()) {
    out << absl::StrFormat("      %s  %s (%s)  %s  %s  score %.1f  hardship %s\n", r.clue_id(),
                           r.person_name(), r.person_id_masked(),
                           ShortEnum(match::v1::Category_Name(r.category()), "CATEGORY_"),
                           ShortEnum(match::v1::ClueStatus_Name(r.status()), "CLUE_STATUS_"),
                           r.score(), absl::StrJoin(r.hardship_signals(), ", "));
  }
  if (clue.family_size() > 0) out << "    family:\n";
  for (const auto& f : clue.family()) {
    out << absl::StrFormat(
        "      %s (%s)  %s%s  hardship %s\n", f.person_name(),
        f.person_id_masked().empty() ? std::string("no ID") : f.person_id_masked(),
        absl::StrJoin(f.relations(), "; "), f.age_group().empty() ? "" : ", " + f.age_group(),
        f.hardship_signals().empty() ? std::string("none on record")
                                     : absl::StrJoin(f.hardship_signals(), ", "));
    for (const auto& c : f.clues()) {
      out << absl::StrFormat("        clue %s  %s  %s\n", c.clue_id(),
                             ShortEnum(match::v1::Category_Name(c.category()), "CATEGORY_"),
                             ShortEnum(match::v1::ClueStatus_Name(c.status()), "CLUE_STATUS_"));
    }
  }
  if (clue.history_size() > 0) out << "    history:\n";
  for (const auto& h : clue.history()) {
    out << absl::StrFormat("      %s  %-9s by %s: %s\n", h.time(), h.kind(), h.actor(), h.detail());
  }
  return absl::OkStatus();
}

// The rejection codes, lower case ("not_eligible", ...).
std::vector<std::string> RejectCodes() {
  std::vector<std::string> codes;
  const auto* values = match::v1::RejectReason_descriptor();
  for (int i = 0; i < values->value_count(); ++i) {
    if (values->value(i)->number() == match::v1::REJECT_REASON_UNSPECIFIED) continue;
    codes.push_back(RejectCode(static_cast<match::v1::RejectReason>(values->value(i)->number())));
  }
  return codes;
}

// A request body for the gateway: the message's JSON with proto field names.
absl::Status ToJsonBody(const google::protobuf::Message& request, std::string* body) {
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  auto st = google::protobuf::util::MessageToJsonString(request, body, print);
  if (!st.ok()) return absl::InternalError(st.ToString());
  return absl::OkStatus();
}

absl::Status Review(GatewayClient& gw, const Args& args, std::ostream& out) {
  if (args.positional.size() != 1) return absl::InvalidArgumentError("review needs CLUE_ID");
  match::v1::ReviewClueRequest request;
  if (args.Has("approve")) {
    request.set_decision(match::v1::Review::DECISION_APPROVE);
    auto amount = args.Get("amount-fen");
    int64_t fen = 0;
    if (args.Has("suggested") && !amount) {
      match::v1::Clue clue;
      RETURN_IF_ERROR(gw.Call("GET", absl::StrCat("/v1/clues/", args.positional[0]), "", &clue));
      fen = clue.suggested_amount().point_fen();
    } else if (args.Has("suggested") || !amount || !absl::SimpleAtoi(*amount, &fen)) {
      return absl::InvalidArgumentError("--approve needs --amount-fen N or --suggested");
    }
    request.set_amount_fen(fen);
    request.set_reason(args.Get("reason").value_or(""));
  } else if (args.Has("reject")) {
    request.set_decision(match::v1::Review::DECISION_REJECT);
    const std::string code = args.Get("code").value_or("");
    match::v1::RejectReason reason = match::v1::REJECT_REASON_UNSPECIFIED;
    if (!match::v1::RejectReason_Parse(absl::StrCat("REJECT_REASON_", absl::AsciiStrToUpper(code)),
                                       &reason) ||
        reason == match::v1::REJECT_REASON_UNSPECIFIED) {
      return absl::InvalidArgumentError(
          absl::StrCat("--reject needs --code, one of: ", absl::StrJoin(RejectCodes(), ", ")));
    }
    request.set_reject_reason(reason);
    request.set_reason(args.Get("reason").value_or(""));
  } else if (args.Has("request-info") || args.Has("info-received")) {
    request.set_decision(args.Has("request-info") ? match::v1::Review::DECISION_REQUEST_INFO
                                                  : match::v1::Review::DECISION_INFO_RECEIVED);
    request.set_reason(args.Get("reason").value_or(""));
  } else {
    return absl::InvalidArgumentError(
        "review needs --approve, --reject, --request-info or --info-received");
  }
  std::string body;
  RETURN_IF_ERROR(ToJsonBody(request, &body));
  match::v1::Clue clue;
  RETURN_IF_ERROR(
      gw.Call("POST", absl::StrCat("/v1/clues/", args.positional[0], ":review"), body, &clue));
  out << "clue " << clue.clue_id() << " is now "
      << ShortEnum(match::v1::ClueStatus_Name(clue.status()), "CLUE_STATUS_") << "\n";
  return absl::OkStatus();
}

void PrintPlan(const referral::v1::Plan& plan, std::ostream& out) {
  out << absl::StrFormat("plan %s for %s (%s), clue %s, case %s: assistance %s yuan, %s\n",
                         plan.plan_id(), plan.person().name(), plan.person().id_masked(),
                         plan.clue_id(), plan.case_number(),
                         FormatYuan(plan.assistance_amount_fen()),
                         ShortEnum(referral::v1::Plan::State_Name(plan.state()), "STATE_"));
  for (const auto& r : plan.referrals()) {
    // The current stage's deadline, and how far it is escalated.
    std::string deadline;
    switch (r.escalation().stage()) {
      case referral::v1::DEADLINE_STAGE_ACCEPT:
        deadline = "respond by " + r.deadlines().accept();
        break;
      case referral::v1::DEADLINE_STAGE_PROGRESS:
        deadline = "start by " + r.deadlines().progress();
        break;
      case referral::v1::DEADLINE_STAGE_COMPLETE:
        deadline = "complete by " + r.deadlines().complete();
        break;
      default:
        deadline = "closed";
        break;
    }
    if (r.escalation().level() == 1) deadline += " (overdue: escalated)";
    if (r.escalation().level() >= 2) deadline += " (overdue: re-routing proposed)";
    const char* delivery = r.delivery().delivered()       ? "delivered"
                           : r.delivery().undeliverable() ? "UNDELIVERABLE (admin may retry)"
                                                          : "not yet delivered";
    out << absl::StrFormat(
        "    %-32s %-12s %s; %s; %s\n", r.department(),
        ShortEnum(referral::v1::ReferralState_Name(r.state()), "REFERRAL_STATE_"), r.service(),
        deadline, delivery);
  }
}

absl::Status Plan(GatewayClient& gw, const Args& args, std::ostream& out) {
  std::string plan_id;
  if (args.positional.size() == 1) {
    plan_id = args.positional[0];
  } else if (auto clue_id = args.Get("clue")) {
    ASSIGN_OR_RETURN(int wait_s, IntFlag(args, "wait-s", 0));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
    while (true) {
      match::v1::Clue clue;
      RETURN_IF_ERROR(gw.Call("GET", absl::StrCat("/v1/clues/", *clue_id), "", &clue));
      if (!clue.plan_id().empty()) {
        plan_id = clue.plan_id();
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return absl::DeadlineExceededError("the clue has no plan yet");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  } else {
    return absl::InvalidArgumentError("plan needs PLAN_ID or --clue CLUE_ID");
  }
  referral::v1::Plan plan;
  RETURN_IF_ERROR(gw.Call("GET", absl::StrCat("/v1/plans/", plan_id), "", &plan));
  PrintPlan(plan, out);
  return absl::OkStatus();
}

absl::Status Referrals(GatewayClient& gw, const Args& args, std::ostream& out) {
  std::string target = "/v1/referrals?page_size=500";
  if (auto d = args.Get("department")) absl::StrAppend(&target, "&department=", *d);
  referral::v1::ListReferralsResponse response;
  RETURN_IF_ERROR(gw.Call("GET", target, "", &response));
  out << response.referrals_size() << " referral(s)\n";
  for (const auto& r : response.referrals()) {
    out << absl::StrFormat(
        "  %s  plan %s  %-32s %s\n", r.referral_id(), r.plan_id(), r.department(),
        ShortEnum(referral::v1::ReferralState_Name(r.state()), "REFERRAL_STATE_"));
  }
  return absl::OkStatus();
}

void PrintVerification(const referral::v1::Verification& v, std::ostream& out) {
  out << absl::StrFormat(
      "  %s  %-20s %-14s respond by %s%s  %s\n", v.verification_id(), v.department(),
      ShortEnum(referral::v1::VerificationState_Name(v.state()), "VERIFICATION_STATE_"),
      v.respond_by(), v.overdue() ? " (overdue)" : "", v.question());
  if (!v.answered_by().empty()) {
    out << absl::StrFormat("      answered by %s at %s: %s\n", v.answered_by(), v.answered_time(),
                           v.answer_note());
  }
  for (const auto& a : v.attachments()) {
    out << absl::StrFormat("      attachment %s (%s, %d bytes, sha256 %s)\n", a.name(),
                           a.content_type(), a.size_bytes(), a.sha256());
  }
}

absl::Status Verify(GatewayClient& gw, const Args& args, std::ostream& out) {
  if (args.positional.size() != 1) return absl::InvalidArgumentError("verify needs CLUE_ID");
  const std::string& clue_id = args.positional[0];
  std::optional<std::string> department = args.Get("department");
  std::optional<std::string> question = args.Get("question");
  if (!department || !question) {
    return absl::InvalidArgumentError("verify needs --department CODE and --question TEXT");
  }
  // The person as the clue shows them: what the office needs to find them, no raw ID number.
  match::v1::Clue clue;
  RETURN_IF_ERROR(gw.Call("GET", absl::StrCat("/v1/clues/", clue_id), "", &clue));
  referral::v1::RequestVerificationRequest request;
  request.set_department(*department);
  request.set_question(*question);
  request.mutable_person()->set_person_id(clue.person_id());
  request.mutable_person()->set_name(clue.person_name());
  request.mutable_person()->set_id_masked(clue.person_id_masked());
  request.mutable_person()->set_region_code(clue.region_code());
  std::string body;
  RETURN_IF_ERROR(ToJsonBody(request, &body));
  referral::v1::Verification made;
  RETURN_IF_ERROR(
      gw.Call("POST", absl::StrCat("/v1/clues/", clue_id, "/verifications"), body, &made));
  out << "verification requested\n";
  PrintVerification(made, out);
  return absl::OkStatus();
}

absl::Status Verifications(GatewayClient& gw, const Args& args, std::ostream& out) {
  std::optional<std::string> clue_id = args.Get("clue");
  if (!clue_id) return absl::InvalidArgumentError("verifications needs --clue CLUE_ID");
  ASSIGN_OR_RETURN(int wait_s, IntFlag(args, "wait-answered-s", 0));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  referral::v1::ListVerificationsResponse response;
  while (true) {
    response.Clear();
    RETURN_IF_ERROR(
        gw.Call("GET", absl::StrCat("/v1/verifications?clue_id=", *clue_id), "", &response));
    bool open = false;
    for (const auto& v : response.verifications()) {
      open = open || v.state() == referral::v1::VERIFICATION_STATE_REQUESTED;
    }
    if (!open || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  out << response.verifications_size() << " verification(s)\n";
  for (const auto& v : response.verifications()) PrintVerification(v, out);
  return absl::OkStatus();
}

absl::Status Undeliverable(GatewayClient& gw, const Args& args, std::ostream& out) {
  if (!args.positional.empty()) return absl::InvalidArgumentError("undeliverable takes no ID");
  referral::v1::ListReferralsResponse referrals;
  RETURN_IF_ERROR(gw.Call("GET", "/v1/referrals:undeliverable?page_size=500", "", &referrals));
  referral::v1::ListVerificationsResponse verifications;
  RETURN_IF_ERROR(gw.Call("GET", "/v1/verifications?undeliverable_only=true&page_size=500", "",
                          &verifications));
  out << referrals.referrals_size() << " referral(s) and " << verifications.verifications_size()
      << " verification request(s) undeliverable\n";
  for (const auto& r : referrals.referrals()) {
    out << absl::StrFormat("  %s  %-32s parked %s after %d attempts: %s\n", r.referral_id(),
                           r.department(), r.delivery().parked_time(), r.delivery().attempts(),
                           r.delivery().last_error());
  }
  for (const auto& v : verifications.verifications()) {
    out << absl::StrFormat("  %s  %-32s parked %s after %d attempts: %s\n", v.verification_id(),
                           v.department(), v.delivery().parked_time(), v.delivery().attempts(),
                           v.delivery().last_error());
  }
  return absl::OkStatus();
}

absl::Status RetryDeliveryCommand(GatewayClient& gw, const Args& args, std::ostream& out) {
  if (args.positional.size() != 1) {
    return absl::InvalidArgumentError("retry-delivery needs a referral or verification ID");
  }
  const std::string& id = args.positional[0];
  if (absl::StartsWith(id, "ver_")) {
    referral::v1::Verification retried;
    RETURN_IF_ERROR(gw.Call("POST",
                            absl::StrCat("/v1/verifications/", UrlEscape(id), ":retryDelivery"),
                            "{}", &retried));
    out << "verification request " << id << " queued for delivery to " << retried.department()
        << " again\n";
    return absl::OkStatus();
  }
  if (!absl::StartsWith(id, "ref_")) {
    return absl::InvalidArgumentError(absl::StrCat("retry-delivery: '", id,
                                                   "' is neither a referral (ref_...) nor a "
                                                   "verification (ver_...) ID"));
  }
  referral::v1::Referral retried;
  RETURN_IF_ERROR(gw.Call("POST", absl::StrCat("/v1/referrals/", UrlEscape(id), ":retryDelivery"),
                          "{}", &retried));
  out << "referral " << id << " queued for delivery to " << retried.department() << " again\n";
  return absl::OkStatus();
}

// The flags of operators' direct gRPC calls, and the environment variables they default to.
constexpr std::pair<const char*, const char*> kSecurityFlags[] = {
    {"tls-cert", "LIFELINE_TLS_CERT_FILE"},
    {"tls-key", "LIFELINE_TLS_KEY_FILE"},
    {"tls-ca", "LIFELINE_TLS_CA_FILE"},
    {"caller-key-file", "LIFELINE_CALLER_KEY_FILE"}};

// `allowed` plus the security flags.
std::vector<std::string> WithSecurityFlags(std::vector<std::string> allowed) {
  for (const auto& [flag, env] : kSecurityFlags) allowed.emplace_back(flag);
  return allowed;
}

// Installs mutual TLS and caller tokens for direct gRPC calls from the security flags (or their
// environment variables). With none set, calls go in plaintext without a token, which only
// services started with --insecure_loopback accept. Errors: InvalidArgument for TLS files not
// given together, those of the key file.
absl::Status InstallOperatorSecurity(const Args& args) {
  std::string values[4];
  for (int i = 0; i < 4; ++i) {
    values[i] = args.Get(kSecurityFlags[i].first).value_or("");
    if (values[i].empty()) {
      const char* env = std::getenv(kSecurityFlags[i].second);
      values[i] = env ? env : "";
    }
  }
  const int tls_set = !values[0].empty() + !values[1].empty() + !values[2].empty();
  if (tls_set != 0 && tls_set != 3) {
    return absl::InvalidArgumentError("--tls-cert, --tls-key and --tls-ca go together");
  }
  common::SetClientTls(common::TlsFiles{values[0], values[1], values[2]});
  if (values[3].empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::shared_ptr<const common::CallerTokens> tokens,
                   common::CallerTokens::Open(values[3]));
  common::InstallCallerTokens(std::move(tokens), "lifeline-cli");
  return absl::OkStatus();
}

absl::Status Health(const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "health", WithSecurityFlags({"target", "wait-s"})));
  RETURN_IF_ERROR(InstallOperatorSecurity(args));
  auto target = args.Get("target");
  if (!target) return absl::InvalidArgumentError("health needs --target HOST:PORT");
  ASSIGN_OR_RETURN(int wait_s, IntFlag(args, "wait-s", 0));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  auto stub = grpc::health::v1::Health::NewStub(common::MakeClientChannel(*target));
  while (true) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status st = stub->Check(&ctx, request, &response);
    if (st.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      out << *target << " SERVING\n";
      return absl::OkStatus();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!st.ok()) return common::FromGrpcStatus(st);
      return absl::UnavailableError(absl::StrCat(*target, " is not serving"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// How long `import` waits for match-service to link what it stored, unless --wait-linked-s says
// otherwise, and the most it may be told to (a day).
constexpr int kDefaultWaitLinkedSeconds = 60;
constexpr int kMaxWaitLinkedSeconds = 86400;

// Imports with import's flags, through the gateway as `gateway` says, or straight to ingest with
// --ingest HOST:PORT (StreamRecords, no token).
absl::Status Import(const Args& args, const CliContext* gateway, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(
      args, "import",
      {"agency", "file", "mapping", "encoding", "rejects", "batch-size", "batch-prefix", "progress",
       "ingest", "wait-linked-s", "tls-cert", "tls-key", "tls-ca", "caller-key-file"}));
  if (!args.positional.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "import takes no arguments besides its flags, got '", args.positional[0], "'"));
  }
  const std::optional<std::string> ingest = args.Get("ingest");
  if (ingest && (args.Has("gateway") || args.Has("token"))) {
    return absl::InvalidArgumentError(
        "import --ingest sends straight to ingest-service, without the gateway or a token: "
        "drop --gateway and --token");
  }
  if (ingest) RETURN_IF_ERROR(InstallOperatorSecurity(args));
  ImportOptions options;
  options.agency = args.Get("agency").value_or("");
  options.file = args.Get("file").value_or("");
  options.mapping_file = args.Get("mapping").value_or("");
  options.encoding = args.Get("encoding").value_or("auto");
  options.rejects_file = args.Get("rejects").value_or("");
  options.batch_prefix = args.Get("batch-prefix").value_or("");
  ASSIGN_OR_RETURN(options.batch_size, IntFlag(args, "batch-size", 1000));
  options.max_batch_size = ingest ? kMaxStreamBatchSize : kMaxGatewayBatchSize;
  if (!ingest && options.batch_size > kMaxGatewayBatchSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("--batch-size must be between 1 and ", kMaxGatewayBatchSize,
                     " through the gateway (up to ", kMaxStreamBatchSize, " with --ingest)"));
  }
  ASSIGN_OR_RETURN(int wait_linked_s, IntFlag(args, "wait-linked-s", kDefaultWaitLinkedSeconds));
  if (wait_linked_s < 0 || wait_linked_s > kMaxWaitLinkedSeconds) {
    return absl::InvalidArgumentError(absl::StrCat("--wait-linked-s must be between 0 and ",
                                                   kMaxWaitLinkedSeconds, " (0: do not wait)"));
  }
  options.wait_linked = std::chrono::seconds(wait_linked_s);
  const std::string progress = args.Get("progress").value_or("auto");
  if (progress != "auto" && progress != "on" && progress != "off") {
    return absl::InvalidArgumentError("--progress must be auto, on or off");
  }
  if (progress == "on" || (progress == "auto" && isatty(2))) options.progress = &std::cerr;

  std::unique_ptr<BatchSender> sender;
  std::optional<GatewayClient> slow;
  if (ingest) {
    std::string host;
    int port = 0;
    RETURN_IF_ERROR(ParseHostPort(*ingest, &host, &port));
    sender = std::make_unique<GrpcBatchSender>(MakeIngestChannel(*ingest));
  } else {
    slow.emplace(*gateway, std::chrono::seconds(120));
    sender = std::make_unique<GatewayBatchSender>(&*slow);
  }

  // Ctrl-C (or SIGTERM) stops the import between rows, so that the rejects file's temporary is
  // removed and the message says how to resume.
  static std::atomic<bool> interrupted{false};
  interrupted = false;
  options.cancelled = &interrupted;
  struct sigaction action = {};
  action.sa_handler = [](int) { interrupted = true; };
  struct sigaction old_int = {}, old_term = {};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  absl::Cleanup restore = [&] {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  };
  Importer importer(sender.get(), std::move(options));
  ASSIGN_OR_RETURN(ImportSummary summary, importer.Run());
  PrintImportSummary(summary, out);
  return absl::OkStatus();
}

absl::Status Eval(const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "eval", {"truth", "links", "clues"}));
  if (!args.positional.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("eval takes no arguments besides its flags, got '", args.positional[0], "'"));
  }
  auto truth = args.Get("truth");
  if (!truth || truth->empty()) return absl::InvalidArgumentError("eval needs --truth DIR");
  eval::EvalOptions options;
  options.truth_dir = *truth;
  options.links_path = args.Get("links").value_or("");
  options.clues_path = args.Get("clues").value_or("");
  if (!options.clues_path.empty() && options.links_path.empty()) {
    return absl::InvalidArgumentError(
        "eval --clues needs --links: clue persons are mapped to true persons through the links");
  }
  ASSIGN_OR_RETURN(eval::EvalReport report, eval::Evaluate(options));
  eval::PrintReport(report, out);
  return absl::OkStatus();
}

// --in takes one value; more files follow as arguments.
std::vector<std::string> Inputs(const Args& args, size_t skip_last) {
  std::vector<std::string> inputs;
  if (auto in = args.Get("in"); in && !in->empty()) inputs.push_back(*in);
  for (size_t i = 0; i + skip_last < args.positional.size(); ++i) {
    inputs.push_back(args.positional[i]);
  }
  return inputs;
}

absl::StatusOr<int> ThreadsFlag(const Args& args) {
  int threads = 2;
  if (auto t = args.Get("threads")) {
    if (!absl::SimpleAtoi(*t, &threads) || threads < 1 || threads > 64) {
      return absl::InvalidArgumentError("--threads must be between 1 and 64");
    }
  }
  return threads;
}

absl::Status Link(const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "link",
                             {"in", "out", "possible-out", "token-key-file", "params", "params-out",
                              "threads", "progress"}));
  LinkOptions options;
  options.inputs = Inputs(args, 0);
  if (options.inputs.empty()) return absl::InvalidArgumentError("link needs --in DIR|FILE");
  options.out = args.Get("out").value_or("");
  if (options.out.empty()) return absl::InvalidArgumentError("link needs --out FILE");
  options.possible_out = args.Get("possible-out").value_or("");
  options.token_key_file = args.Get("token-key-file").value_or("");
  options.params_in = args.Get("params").value_or("");
  options.params_out = args.Get("params-out").value_or("");
  ASSIGN_OR_RETURN(options.threads, ThreadsFlag(args));
  const std::string progress = args.Get("progress").value_or("auto");
  if (progress != "auto" && progress != "on" && progress != "off") {
    return absl::InvalidArgumentError("--progress must be auto, on or off");
  }
  if (progress == "on" || (progress == "auto" && isatty(STDERR_FILENO))) {
    options.progress = &std::cerr;
  }
  return RunLink(options, out);
}

absl::Status Why(const Args& args, std::ostream& out) {
  RETURN_IF_ERROR(CheckFlags(args, "why", {"in", "token-key-file", "params"}));
  if (args.positional.size() < 2) {
    return absl::InvalidArgumentError("why needs two records: AGENCY:RECORD AGENCY:RECORD");
  }
  WhyOptions options;
  options.inputs = Inputs(args, 2);
  if (options.inputs.empty()) return absl::InvalidArgumentError("why needs --in DIR|FILE");
  options.first = args.positional[args.positional.size() - 2];
  options.second = args.positional[args.positional.size() - 1];
  RETURN_IF_ERROR(CheckRecordKey(options.first, "the first record"));
  RETURN_IF_ERROR(CheckRecordKey(options.second, "the second record"));
  options.token_key_file = args.Get("token-key-file").value_or("");
  options.params_in = args.Get("params").value_or("");
  return RunWhy(options, out);
}

absl::Status ExportLinks(const std::string& target, const std::string& path, std::ostream& out) {
  StagedCsvFile csv(path);
  RETURN_IF_ERROR(csv.Open());
  csv.WriteRow({"agency", "source_record_id", "person_id"});
  auto stub = match::v1::MatchService::NewStub(common::MakeClientChannel(target));
  grpc::ClientContext ctx;
  RETURN_IF_ERROR(common::AttachCaller(common::InternalCaller(), &ctx));
  std::unique_ptr<grpc::ClientReader<match::v1::RecordLink>> reader =
      stub->ExportLinks(&ctx, match::v1::ExportLinksRequest());
  match::v1::RecordLink link;
  int64_t count = 0;
  while (reader->Read(&link)) {
    csv.WriteRow({link.agency(), link.source_record_id(), link.person_id()});
    ++count;
  }
  grpc::Status st = reader->Finish();
  if (!st.ok()) return common::FromGrpcStatus(st);
  RETURN_IF_ERROR(csv.Commit());
  out << "wrote " << count << " link(s) to " << path << "\n";
  return absl::OkStatus();
}

// The truth files' code for a clue category ("" when unspecified).
std::string CategoryCode(match::v1::Category category) {
  switch (category) {
    case match::v1::CATEGORY_SERIOUS_INJURY:
      return "serious_injury";
    case match::v1::CATEGORY_URGENT_TREATMENT:
      return "urgent_treatment";
    case match::v1::CATEGORY_DEPENDANT_OF_DECEASED:
      return "dependant_of_killed";
    case match::v1::CATEGORY_PROPERTY_LOSS:
      return "property_loss";
    case match::v1::CATEGORY_CIVIL_TORT:
      return "civil_tort";
    default:
      return "";
  }
}

absl::Status ExportClues(GatewayClient& gw, const std::string& path, std::ostream& out) {
  StagedCsvFile csv(path);
  RETURN_IF_ERROR(csv.Open());
  csv.WriteRow({"clue_id", "person_id", "category", "score"});
  int64_t count = 0;
  std::string page_token;
  do {
    std::string target = "/v1/clues?page_size=500";
    if (!page_token.empty()) absl::StrAppend(&target, "&page_token=", UrlEscape(page_token));
    match::v1::ListCluesResponse response;
    RETURN_IF_ERROR(gw.Call("GET", target, "", &response));
    for (const auto& c : response.clues()) {
      csv.WriteRow({c.clue_id(), c.person_id(), CategoryCode(c.category()),
                    absl::StrFormat("%g", c.score())});
      ++count;
    }
    if (!response.next_page_token().empty() && response.next_page_token() == page_token) {
      return absl::InternalError("the gateway returned the same page token twice");
    }
    page_token = response.next_page_token();
  } while (!page_token.empty());
  RETURN_IF_ERROR(csv.Commit());
  out << "wrote " << count << " clue(s) to " << path << "\n";
  return absl::OkStatus();
}

absl::Status Export(GatewayClient& gw, const Args& args, std::ostream& out) {
  if (args.positional.size() != 1 ||
      (args.positional[0] != "links" && args.positional[0] != "clues")) {
    return absl::InvalidArgumentError("export needs 'links' or 'clues'");
  }
  const std::string& what = args.positional[0];
  if (what == "links") {
    RETURN_IF_ERROR(CheckFlags(args, "export links", WithSecurityFlags({"match", "out"})));
    RETURN_IF_ERROR(InstallOperatorSecurity(args));
  } else {
    RETURN_IF_ERROR(CheckFlags(args, "export clues", {"out"}));
  }
  auto path = args.Get("out");
  if (!path || path->empty()) return absl::InvalidArgumentError("export needs --out FILE");
  if (what == "clues") return ExportClues(gw, *path, out);
  auto match = args.Get("match");
  if (!match) return absl::InvalidArgumentError("export links needs --match HOST:PORT");
  std::string host;
  int port = 0;
  RETURN_IF_ERROR(ParseHostPort(*match, &host, &port));
  return ExportLinks(*match, *path, out);
}

}  // namespace

std::string FormatYuan(int64_t fen) {
  bool negative = fen < 0;
  uint64_t abs_fen = negative ? static_cast<uint64_t>(-(fen + 1)) + 1 : static_cast<uint64_t>(fen);
  std::string yuan = std::to_string(abs_fen / 100);
  std::string grouped;
  for (size_t i = 0; i < yuan.size(); ++i) {
    if (i > 0 && (yuan.size() - i) % 3 == 0) grouped += ',';
    grouped += yuan[i];
  }
  return absl::StrFormat("%s%s.%02d", negative ? "-" : "", grouped, abs_fen % 100);
}

absl::Status ParseHostPort(const std::string& text, std::string* host, int* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || !absl::SimpleAtoi(text.substr(colon + 1), port) ||
      *port <= 0 || *port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("expected HOST:PORT, got '", text, "'"));
  }
  *host = text.substr(0, colon);
  return absl::OkStatus();
}

absl::Status RunCli(const std::vector<std::string>& raw, std::ostream& out) {
  ASSIGN_OR_RETURN(Args args, ParseArgs(raw));
  if (args.positional.empty() || args.Has("help")) {
    out << kUsage;
    return args.positional.empty() && !args.Has("help")
               ? absl::InvalidArgumentError("no command given")
               : absl::OkStatus();
  }
  if (args.positional.front() == "eval") {
    args.positional.erase(args.positional.begin());
    return Eval(args, out);
  }
  if (args.positional.front() == "link") {
    args.positional.erase(args.positional.begin());
    return Link(args, out);
  }
  if (args.positional.front() == "why" && args.Has("in")) {
    args.positional.erase(args.positional.begin());
    return Why(args, out);
  }
  if (args.positional.front() == "import" && args.Has("ingest")) {
    args.positional.erase(args.positional.begin());
    return Import(args, nullptr, out);
  }
  CliContext ctx;
  std::string gateway = args.Get("gateway").value_or("");
  if (gateway.empty()) {
    const char* env = std::getenv("LIFELINE_GATEWAY");
    gateway = env ? env : "127.0.0.1:8080";
  }
  RETURN_IF_ERROR(ParseHostPort(gateway, &ctx.gateway_host, &ctx.gateway_port));
  ctx.token = args.Get("token").value_or("");
  if (ctx.token.empty()) {
    const char* env = std::getenv("LIFELINE_TOKEN");
    ctx.token = env ? env : "";
  }
  std::string command = args.positional.front();
  args.positional.erase(args.positional.begin());
  GatewayClient gw(ctx);
  if (command == "submit") return Submit(gw, args, out);
  if (command == "import") return Import(args, &ctx, out);
  if (command == "clues") return Clues(gw, args, out);
  if (command == "clue") return ShowClue(gw, args, out);
  if (command == "review") return Review(gw, args, out);
  if (command == "possible-matches") return PossibleMatchesCommand(gw, args, out);
  if (command == "resolve-match") return ResolveMatchCommand(gw, args, out);
  if (command == "why") return WhyCommand(gw, args, out);
  if (command == "person") return PersonCommand(gw, args, out);
  if (command == "link-model") return LinkModelCommand(gw, args, out);
  if (command == "relink") return RelinkCommand(gw, args, out);
  if (command == "rules") return RulesCommand(gw, args, out);
  if (command == "rescore") return RescoreCommand(gw, args, out);
  if (command == "plan") return Plan(gw, args, out);
  if (command == "referrals") return Referrals(gw, args, out);
  if (command == "verify") return Verify(gw, args, out);
  if (command == "verifications") return Verifications(gw, args, out);
  if (command == "undeliverable") return Undeliverable(gw, args, out);
  if (command == "retry-delivery") return RetryDeliveryCommand(gw, args, out);
  if (command == "health") return Health(args, out);
  if (command == "export") return Export(gw, args, out);
  out << kUsage;
  return absl::InvalidArgumentError(absl::StrCat("unknown command '", command, "'"));
}

}  // namespace lifeline::tools
