#include "tools/lifeline/link_command.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/status/status_macros.h"
#include "match-service/domain/linkage/resolver.h"
#include "tools/lifeline/record_files.h"
#include "tools/lifeline/staged_csv_file.h"

namespace lifeline::tools {
namespace {

namespace linkage = match::linkage;

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Everything both commands need: the records read and resolved.
struct Resolved {
  OfflineRecords read;
  std::vector<linkage::LinkRecord> records;
  linkage::ResolveResult result;
};

absl::StatusOr<Resolved> ReadAndResolve(const std::vector<std::string>& inputs,
                                        const std::string& token_key_file,
                                        const std::string& params_in, int threads,
                                        std::ostream* progress) {
  ASSIGN_OR_RETURN(std::vector<RecordSource> sources, ExpandSources(inputs));
  ASSIGN_OR_RETURN(common::IdTokenizer tokenizer, OfflineTokenizer(token_key_file));
  linkage::LinkageOptions options;
  options.threads = threads;
  if (!params_in.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadWholeFile(params_in));
    absl::StatusOr<linkage::ModelParams> params = linkage::ParseParams(text);
    if (!params.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(params_in, ": ", params.status().message()));
    }
    options.params = *params;
    options.estimate = false;
  }
  ReadRecordsOptions read_options;
  read_options.progress = progress;
  read_options.threads = threads;
  Resolved resolved;
  ASSIGN_OR_RETURN(resolved.read, ReadRecords(sources, tokenizer, read_options));
  resolved.records.reserve(resolved.read.records.size());
  for (const records::v1::NormalizedRecord& r : resolved.read.records) {
    resolved.records.push_back(linkage::LinkRecord{
        absl::StrCat(r.agency(), ":", r.source_record_id()), linkage::ExtractFeatures(r.person())});
  }
  if (progress != nullptr) {
    options.progress = [progress](const std::string& phase, double) {
      *progress << "\rresolving: " << phase << "          " << std::flush;
    };
  }
  resolved.result = linkage::Resolve(resolved.records, options);
  if (progress != nullptr) *progress << "\n";
  return resolved;
}

double Probability(double weight, double prior_log2_odds) {
  return 1 / (1 + std::exp2(-(weight + prior_log2_odds)));
}

}  // namespace

absl::Status RunLink(const LinkOptions& options, std::ostream& out) {
  if (options.out.empty()) return absl::InvalidArgumentError("link needs --out FILE");
  ASSIGN_OR_RETURN(Resolved resolved,
                   ReadAndResolve(options.inputs, options.token_key_file, options.params_in,
                                  options.threads, options.progress));
  const std::vector<records::v1::NormalizedRecord>& records = resolved.read.records;
  const linkage::ResolveResult& result = resolved.result;
  // Persons are numbered in the order of their first record (records are sorted).
  std::unordered_map<uint32_t, int64_t> person_number;
  StagedCsvFile links(options.out);
  RETURN_IF_ERROR(links.Open());
  links.WriteRow({"agency", "source_record_id", "person_id"});
  for (size_t i = 0; i < records.size(); ++i) {
    const auto [it, added] =
        person_number.emplace(result.cluster_of[i], static_cast<int64_t>(person_number.size()) + 1);
    links.WriteRow(
        {records[i].agency(), records[i].source_record_id(), absl::StrFormat("P%07d", it->second)});
  }
  RETURN_IF_ERROR(links.Commit());
  if (!options.possible_out.empty()) {
    StagedCsvFile possible(options.possible_out);
    RETURN_IF_ERROR(possible.Open());
    possible.WriteRow({"agency_a", "source_record_id_a", "agency_b", "source_record_id_b", "weight",
                       "probability"});
    for (const linkage::ScoredPair& p : result.possible) {
      possible.WriteRow(
          {records[p.a].agency(), records[p.a].source_record_id(), records[p.b].agency(),
           records[p.b].source_record_id(), absl::StrFormat("%.2f", p.weight),
           absl::StrFormat("%.4f", Probability(p.weight, result.stats.prior_log2_odds))});
    }
    RETURN_IF_ERROR(possible.Commit());
  }
  if (!options.params_out.empty()) {
    std::ofstream params(options.params_out, std::ios::trunc);
    params << linkage::FormatParams(result.params);
    if (!params) {
      return absl::FailedPreconditionError(absl::StrCat("cannot write ", options.params_out));
    }
  }
  const OfflineRecords& read = resolved.read;
  const linkage::ResolveStats& s = result.stats;
  out << absl::StrFormat(
      "read %d rows: %d records linked, %d rejected, %d unchanged, %d retracted, %d superseded "
      "(%.1f s)\n",
      read.rows, records.size(), read.rejected, read.unchanged, read.retracted, read.superseded,
      read.seconds);
  out << absl::StrFormat(
      "%d persons; %d candidate pairs, %d joins, %d possible matches; refused joins: %d for two "
      "valid ID numbers, %d weak groups\n",
      s.clusters, s.candidate_pairs, s.joins, result.possible.size(), s.refused_id_conflict,
      s.refused_weak_group);
  out << absl::StrFormat(
      "model: %s, lambda %.4f, prior log2-odds %.2f, link weight %.2f, possible weight %.2f\n",
      options.params_in.empty()
          ? absl::StrFormat("estimated (EM %d iterations%s)", result.params.em_iterations,
                            result.params.em_converged ? "" : ", not converged")
          : "from " + options.params_in,
      result.params.lambda, s.prior_log2_odds, s.link_weight, s.possible_weight);
  out << absl::StrFormat(
      "resolve %.2f s (blocking %.2f, comparing %.2f, estimation %.2f, clustering %.2f)\n",
      s.seconds_blocking + s.seconds_scoring + s.seconds_estimation + s.seconds_clustering,
      s.seconds_blocking, s.seconds_scoring, s.seconds_estimation, s.seconds_clustering);
  for (const auto& [kind, b] : s.blocking) {
    if (b.oversized_blocks > 0) {
      out << absl::StrFormat("oversized %s blocks skipped: %d (%d records)\n", kind,
                             b.oversized_blocks, b.oversized_records);
    }
  }
  out << "links written to " << options.out << "\n";
  return absl::OkStatus();
}

absl::Status RunWhy(const WhyOptions& options, std::ostream& out) {
  ASSIGN_OR_RETURN(Resolved resolved, ReadAndResolve(options.inputs, options.token_key_file,
                                                     options.params_in, 2, nullptr));
  auto find = [&](const std::string& key) -> absl::StatusOr<size_t> {
    for (size_t i = 0; i < resolved.records.size(); ++i) {
      if (resolved.records[i].key == key) return i;
    }
    return absl::NotFoundError(
        absl::StrCat("record ", key, " is not among the inputs (or was rejected or retracted)"));
  };
  ASSIGN_OR_RETURN(size_t a, find(options.first));
  ASSIGN_OR_RETURN(size_t b, find(options.second));
  linkage::NameFrequencies frequencies;
  for (const linkage::LinkRecord& r : resolved.records) frequencies.Add(r.features);
  const linkage::FsModel model(resolved.result.params, &frequencies);
  const linkage::PersonFeatures& fa = resolved.records[a].features;
  const linkage::PersonFeatures& fb = resolved.records[b].features;
  const linkage::ComparisonVector v = linkage::Compare(fa, fb);
  const linkage::PairWeight w = model.Weigh(v, fa, fb);
  const linkage::ResolveStats& s = resolved.result.stats;
  out << absl::StrFormat("%s vs %s\n", options.first, options.second);
  out << absl::StrFormat("  %-12s %-14s %8s\n", "field", "level", "weight");
  for (const linkage::FieldWeight& fw : model.Explain(v, fa, fb)) {
    std::string note;
    if (fw.tf_adjustment != 0) note = absl::StrFormat("  (name frequency %+.2f)", fw.tf_adjustment);
    if (linkage::IsContextField(fw.field) && fw.level != linkage::kMissing && fw.weight == 0 &&
        model.LevelWeight(fw.field, fw.level) > 0) {
      note = "  (counted once with the strongest context agreement)";
    }
    out << absl::StrFormat("  %-12s %-14s %+8.2f%s\n", linkage::FieldName(fw.field),
                           linkage::LevelName(fw.field, fw.level), fw.weight, note);
  }
  out << absl::StrFormat("  %-27s %+8.2f  (identity %+.2f, context %+.2f)\n", "total", w.total(),
                         w.identity, w.context);
  out << absl::StrFormat("  %-27s %+8.2f\n", "prior log2-odds", s.prior_log2_odds);
  out << absl::StrFormat(
      "  probability of one person %.4f; link at weight >= %.2f, possible at >= %.2f\n",
      Probability(w.total(), s.prior_log2_odds), s.link_weight, s.possible_weight);
  const bool same = resolved.result.cluster_of[a] == resolved.result.cluster_of[b];
  out << "  resolved: " << (same ? "the same person" : "different persons") << "\n";
  return absl::OkStatus();
}

}  // namespace lifeline::tools
