// Identity resolution from scratch, speed and quality: generates lifeline-datagen worlds in
// process until it holds the wanted number of distinct records (the final version of each),
// validates and normalizes them as ingest-service does, extracts the linkage features, resolves
// them with match-service's engine (blocking, EM, clustering) and scores the persons it found
// against the truth with `lifeline eval`'s pair scorer, beside the two naive baselines.
//
//   build/release/bin/lifeline-linkage-bench [--records N] [--noise off|low|default|high]
//                                            [--threads N] [--seed S] [--params-out FILE]
//                                            [--explain N] [--incremental N [--singles N]]
//
// A world of 1,000,000 persons has about 180,000 distinct records, so 1,000,000 records take
// about six worlds (seeds S, S+1, ...; ids and persons of world k > 1 get the prefix "W<k>-").
// Only the resolve step is timed as "resolve"; generation and validation are reported apart.
// --incremental N then applies the first N records through match-service's engine and SQLite
// store in batches of 2,000 (as ingest sends them) with the model just estimated, and times
// --singles more one by one.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/identity/id_token.h"
#include "common/identity/name_normalizer.h"
#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/rpc/record_mapping.h"
#include "match-service/domain/linkage/resolver.h"
#include "match-service/domain/match_engine.h"
#include "match-service/store/sqlite_match_store.h"
#include "tools/datagen/generator.h"
#include "tools/eval/baselines.h"
#include "tools/eval/pair_metrics.h"
#include <sys/resource.h>
#include <unistd.h>

namespace {

namespace datagen = lifeline::datagen;
namespace eval = lifeline::eval;
namespace linkage = lifeline::match::linkage;

constexpr char kTokenSecret[] = "lifeline-linkage-bench-token-secret";
constexpr int64_t kMaxPersonsPerWorld = 1'000'000;
constexpr double kRecordsPerPerson = 0.17;
// Person ids of world k start at (k - 1) * this.
constexpr int64_t kPersonsPerWorldIds = 100'000'000;

struct Flags {
  int64_t records = 1'000'000;
  std::string noise = "default";
  int threads = 2;
  uint64_t seed = 1;
  std::string params_out;
  // Prints this many missed true pairs and wrong links with their comparison levels.
  int explain = 0;
  // Then links this many of the records incrementally through match-service's engine and
  // SQLite store (batches of kBatch, as ingest sends them), with the model the from-scratch run
  // estimated, and times --singles more records applied one at a time. 0: skipped.
  int64_t incremental = 0;
  int singles = 2000;
};

int64_t PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// Resident memory now, from /proc/self/statm.
int64_t CurrentRssMiB() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0;
  int64_t resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE) / (1024 * 1024);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Keeps the final version of each distinct record of one world, up to a total.
class FinalVersionSink : public datagen::RecordSink {
 public:
  FinalVersionSink(int64_t target, std::vector<datagen::AgencyRecord>* out)
      : target_(target), out_(out) {}
  void StartWorld(std::string prefix) {
    prefix_ = std::move(prefix);
    index_.clear();
  }
  absl::Status Add(const datagen::AgencyRecord& record, bool final_version) override {
    if (!final_version) return absl::OkStatus();
    const std::string key = absl::StrCat(record.agency, ":", record.record.source_record_id());
    auto it = index_.find(key);
    if (it != index_.end()) {
      (*out_)[it->second] = Prefixed(record);
      return absl::OkStatus();
    }
    if (full()) return absl::CancelledError("enough records");
    index_.emplace(key, out_->size());
    out_->push_back(Prefixed(record));
    return absl::OkStatus();
  }
  bool full() const { return static_cast<int64_t>(out_->size()) >= target_; }

 private:
  datagen::AgencyRecord Prefixed(const datagen::AgencyRecord& record) const {
    datagen::AgencyRecord copy = record;
    if (!prefix_.empty()) {
      copy.record.set_source_record_id(absl::StrCat(prefix_, copy.record.source_record_id()));
      copy.person_id += person_offset;
    }
    return copy;
  }

 public:
  int64_t person_offset = 0;

 private:
  int64_t target_;
  std::vector<datagen::AgencyRecord>* out_;
  std::string prefix_;
  std::unordered_map<std::string, size_t> index_;
};

std::string Levels(const linkage::ComparisonVector& v) {
  std::string out;
  for (int f = 0; f < linkage::kFieldCount; ++f) {
    const auto field = static_cast<linkage::Field>(f);
    if (v[f] == linkage::kMissing) continue;
    absl::StrAppend(&out, linkage::FieldName(field), "=", linkage::LevelName(field, v[f]), " ");
  }
  return out;
}

// Prints up to `count` missed true pairs (records of one true person in two found persons) and
// up to `count` wrong links (records of two true persons in one found person): their levels,
// weight and noise. Synthetic data only.
void Explain(const std::vector<linkage::LinkRecord>& records,
             const std::vector<eval::TruthRecord>& truth, const linkage::ResolveResult& result,
             int count) {
  linkage::NameFrequencies frequencies;
  for (const linkage::LinkRecord& r : records) frequencies.Add(r.features);
  const linkage::FsModel model(result.params, &frequencies);
  auto show = [&](const char* what, size_t a, size_t b) {
    const linkage::ComparisonVector v = linkage::Compare(records[a].features, records[b].features);
    const linkage::PairWeight w = model.Weigh(v, records[a].features, records[b].features);
    std::string noise;
    for (size_t x : {a, b}) {
      for (const std::string& k : truth[x].noise) absl::StrAppend(&noise, k, ",");
      absl::StrAppend(&noise, "|");
    }
    std::cout << absl::StrFormat("  %s w=%.1f (identity %.1f) %s[%s] %s %s / %s\n", what, w.total(),
                                 w.identity, Levels(v), noise, truth[a].id_status, truth[a].name,
                                 truth[b].name);
  };
  std::unordered_map<std::string, std::vector<size_t>> by_person;
  for (size_t i = 0; i < truth.size(); ++i) by_person[truth[i].person_id].push_back(i);
  int missed = 0;
  for (const auto& [person, members] : by_person) {
    for (size_t x = 1; x < members.size() && missed < count; ++x) {
      const size_t a = members[0];
      const size_t b = members[x];
      if (truth[a].agency == truth[b].agency) continue;
      if (result.cluster_of[a] != result.cluster_of[b]) {
        show("missed", a, b);
        ++missed;
      }
    }
  }
  std::unordered_map<uint32_t, std::vector<size_t>> by_cluster;
  for (size_t i = 0; i < truth.size(); ++i) by_cluster[result.cluster_of[i]].push_back(i);
  int wrong = 0;
  for (const auto& [cluster, members] : by_cluster) {
    for (size_t x = 1; x < members.size() && wrong < count; ++x) {
      if (truth[members[0]].person_id != truth[members[x]].person_id) {
        show("wrong", members[0], members[x]);
        ++wrong;
      }
    }
  }
}

// For the noise kinds that take the number away, why the missed cross-agency pairs were missed:
// without a number, a pair is its name, birth date and context, and when another person of the
// data has the same name sound and birth date, nothing but the context tells them apart.
void MissedWithoutNumber(const std::vector<linkage::LinkRecord>& records,
                         const std::vector<eval::TruthRecord>& truth,
                         const linkage::ResolveResult& result) {
  // (name sound, birth date) → up to two true persons holding it.
  std::unordered_map<uint64_t, std::vector<std::string>> holders;
  auto key_of = [&](size_t i) {
    const linkage::PersonFeatures& f = records[i].features;
    return f.pinyin_key * 31 + static_cast<uint64_t>(f.birth);
  };
  for (size_t i = 0; i < records.size(); ++i) {
    std::vector<std::string>& h = holders[key_of(i)];
    if (h.size() < 2 && std::find(h.begin(), h.end(), truth[i].person_id) == h.end()) {
      h.push_back(truth[i].person_id);
    }
  }
  std::unordered_map<std::string, std::vector<size_t>> by_person;
  for (size_t i = 0; i < truth.size(); ++i) by_person[truth[i].person_id].push_back(i);
  struct Tally {
    int64_t missed = 0, namesake = 0, name_differs = 0, birth_differs = 0;
  };
  std::map<std::string, Tally> tallies;
  for (const auto& [person, members] : by_person) {
    for (size_t x = 0; x < members.size(); ++x) {
      for (size_t y = x + 1; y < members.size(); ++y) {
        const size_t a = members[x];
        const size_t b = members[y];
        if (truth[a].agency == truth[b].agency) continue;
        if (result.cluster_of[a] == result.cluster_of[b]) continue;
        std::set<std::string> kinds;
        for (size_t r : {a, b}) kinds.insert(truth[r].noise.begin(), truth[r].noise.end());
        for (const char* kind : {"id_missing", "id_spreadsheet"}) {
          if (kinds.count(kind) == 0) continue;
          Tally& t = tallies[kind];
          ++t.missed;
          const linkage::PersonFeatures& fa = records[a].features;
          const linkage::PersonFeatures& fb = records[b].features;
          if (fa.pinyin_key != fb.pinyin_key) {
            ++t.name_differs;
          } else if (fa.birth != fb.birth) {
            ++t.birth_differs;
          } else if (holders[key_of(a)].size() > 1) {
            ++t.namesake;
          }
        }
      }
    }
  }
  std::cout << "missed pairs without a usable number: kind missed (name sound differs, birth "
               "differs, another person has the same name sound and birth date)\n";
  for (const auto& [kind, t] : tallies) {
    std::cout << absl::StrFormat("  %-28s %7d (%d, %d, %d)\n", kind, t.missed, t.name_differs,
                                 t.birth_differs, t.namesake);
  }
}

// Links records through the engine and store as match-service does, then times single records.
absl::Status RunIncremental(const Flags& flags,
                            const std::vector<lifeline::records::v1::NormalizedRecord>& normalized,
                            const linkage::ResolveResult& scratch) {
  namespace match = lifeline::match;
  char dir_template[] = "/tmp/lifeline-linkage-bench-db-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return absl::UnavailableError("cannot create a temporary directory");
  const int64_t rss_before = CurrentRssMiB();
  absl::StatusOr<std::unique_ptr<match::SqliteMatchStore>> store =
      match::SqliteMatchStore::Open(std::string(dir) + "/match.db");
  if (!store.ok()) return store.status();
  auto engine_owner = std::make_unique<match::MatchEngine>(
      store->get(), match::ClueScorer(match::EligibilityRules()));
  match::MatchEngine& engine = *engine_owner;
  match::LinkModel model;
  model.params = scratch.params;
  const double n = static_cast<double>(scratch.stats.records);
  model.matches_per_record = (n - 1) / 2 / (1 + std::exp2(-scratch.stats.prior_log2_odds));
  absl::Status saved = (*store)->InTransaction(
      [&](match::MatchTransaction& tx) { return tx.SaveLinkModel(model, absl::Now()); });
  if (!saved.ok()) return saved;
  const size_t bulk = std::min<size_t>(static_cast<size_t>(flags.incremental), normalized.size());
  auto start = std::chrono::steady_clock::now();
  std::vector<double> batch_ms;
  auto window_start = start;
  constexpr size_t kBatch = 2000;  // ingest-service's dispatcher batch
  for (size_t i = 0; i < bulk; i += kBatch) {
    if (i > 0 && i % 100'000 == 0) {
      std::cerr << absl::StrFormat("  %d records applied, last 100,000 at %.0f records/s\n", i,
                                   100'000 / SecondsSince(window_start));
      window_start = std::chrono::steady_clock::now();
    }
    std::vector<const lifeline::records::v1::NormalizedRecord*> batch;
    for (size_t j = i; j < std::min(bulk, i + kBatch); ++j) batch.push_back(&normalized[j]);
    const auto t = std::chrono::steady_clock::now();
    absl::StatusOr<match::ApplyResult> applied = engine.UpsertRecords(batch, absl::Now());
    if (!applied.ok()) return applied.status();
    batch_ms.push_back(SecondsSince(t) * 1000);
  }
  const double seconds = SecondsSince(start);
  std::sort(batch_ms.begin(), batch_ms.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v.empty()
               ? 0.0
               : v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  std::cout << absl::StrFormat(
      "incremental: %d records in batches of 2,000 through the engine and SQLite: %.1f s (%.0f "
      "records/s), batch p50 %.0f ms, p99 %.0f ms; resident memory grew %d MiB (engine's link "
      "index and SQLite's cache)\n",
      bulk, seconds, static_cast<double>(bulk) / seconds, pct(batch_ms, 0.5), pct(batch_ms, 0.99),
      CurrentRssMiB() - rss_before);
  std::vector<double> single_ms;
  for (size_t i = bulk; i < normalized.size(); ++i) {
    const auto t = std::chrono::steady_clock::now();
    absl::StatusOr<match::ApplyResult> applied = engine.UpsertRecords({normalized[i]}, absl::Now());
    if (!applied.ok()) return applied.status();
    single_ms.push_back(SecondsSince(t) * 1000);
  }
  std::sort(single_ms.begin(), single_ms.end());
  std::cout << absl::StrFormat(
      "incremental: %d single records against %d: p50 %.2f ms, p99 %.2f ms, max %.2f ms (each "
      "its own transaction: link, re-score, commit)\n",
      single_ms.size(), bulk, pct(single_ms, 0.5), pct(single_ms, 0.99),
      single_ms.empty() ? 0.0 : single_ms.back());
  // A restart: a new engine builds its link index from the store.
  engine_owner.reset();
  engine_owner = std::make_unique<match::MatchEngine>(store->get(),
                                                      match::ClueScorer(match::EligibilityRules()));
  start = std::chrono::steady_clock::now();
  absl::StatusOr<int64_t> indexed = engine_owner->LoadIndex();
  if (!indexed.ok()) return indexed.status();
  std::cout << absl::StrFormat("restart: link index of %d records built from match.db in %.1f s\n",
                               *indexed, SecondsSince(start));
  engine_owner.reset();
  store->reset();
  std::filesystem::remove_all(dir);
  return absl::OkStatus();
}

absl::Status Run(const Flags& flags) {
  absl::StatusOr<datagen::NoiseLevel> level = datagen::ParseNoiseLevel(flags.noise);
  if (!level.ok()) return level.status();

  // --- Generate ---
  auto start = std::chrono::steady_clock::now();
  std::vector<datagen::AgencyRecord> generated;
  FinalVersionSink sink(flags.records, &generated);
  int worlds = 0;
  int64_t persons = 0;
  while (!sink.full()) {
    const int world = ++worlds;
    const int64_t wanted = static_cast<int64_t>(
        (flags.records - static_cast<int64_t>(generated.size())) / kRecordsPerPerson);
    datagen::GeneratorOptions options;
    options.persons = std::clamp<int64_t>(wanted, 10'000, kMaxPersonsPerWorld);
    options.seed = flags.seed + static_cast<uint64_t>(world) - 1;
    options.noise = datagen::NoiseConfig::ForLevel(*level);
    sink.StartWorld(world == 1 ? "" : absl::StrCat("W", world, "-"));
    sink.person_offset = static_cast<int64_t>(world - 1) * kPersonsPerWorldIds;
    char dir_template[] = "/tmp/lifeline-linkage-bench-XXXXXX";
    const char* truth_dir = mkdtemp(dir_template);
    if (truth_dir == nullptr) return absl::UnavailableError("cannot create a temporary directory");
    absl::StatusOr<datagen::GeneratorSummary> summary =
        datagen::Generate(options, truth_dir, sink, [](const char*, int64_t, int64_t) {});
    std::filesystem::remove_all(truth_dir);
    if (!summary.ok() && !(absl::IsCancelled(summary.status()) && sink.full())) {
      return summary.status();
    }
    persons += options.persons;
  }
  std::cout << absl::StrFormat(
      "generated %d distinct records from %d persons in %d world(s), noise %s: %.1f s\n",
      generated.size(), persons, worlds, flags.noise, SecondsSince(start));

  // --- Validate and extract ---
  start = std::chrono::steady_clock::now();
  // Worlds are generated independently and may give two persons the same ID number, which
  // cannot happen in life: each world's numbers are tokenized under its own secret.
  std::vector<std::unique_ptr<lifeline::common::IdTokenizer>> tokenizers;
  std::vector<std::unique_ptr<lifeline::ingest::RecordValidator>> validators;
  for (int w = 0; w < worlds; ++w) {
    tokenizers.push_back(std::make_unique<lifeline::common::IdTokenizer>(
        *lifeline::common::IdTokenizer::Create(absl::StrCat(kTokenSecret, "-", w))));
    validators.push_back(std::make_unique<lifeline::ingest::RecordValidator>(
        tokenizers.back().get(), lifeline::common::Clock::Real()));
  }
  lifeline::common::DefaultNameNormalizer();
  std::vector<linkage::LinkRecord> records;
  std::vector<eval::TruthRecord> truth;
  // The normalized records themselves, for the incremental run.
  std::vector<lifeline::records::v1::NormalizedRecord> normalized;
  records.reserve(generated.size());
  truth.reserve(generated.size());
  int64_t rejected = 0;
  for (datagen::AgencyRecord& g : generated) {
    const auto& validator = *validators[static_cast<size_t>(g.person_id / kPersonsPerWorldIds)];
    lifeline::ingest::ValidationResult result = validator.Validate(g.agency, g.record);
    if (result.rejected()) {
      ++rejected;
      continue;
    }
    eval::TruthRecord t;
    t.agency = g.agency;
    t.source_record_id = g.record.source_record_id();
    t.person_id = std::to_string(g.person_id);
    t.kind = "";
    t.noise = g.noise;
    t.id_status = g.id_status;
    t.name = g.record.person().name();
    t.id_number = g.record.person().id_number();
    t.birth_date = g.record.person().birth_date();
    truth.push_back(std::move(t));
    records.push_back(linkage::LinkRecord{absl::StrCat(g.agency, ":", g.record.source_record_id()),
                                          linkage::ExtractFeatures(result.person)});
    if (flags.incremental > 0 &&
        static_cast<int64_t>(normalized.size()) < flags.incremental + flags.singles) {
      lifeline::records::v1::Record copy = g.record;
      normalized.push_back(
          lifeline::ingest::BuildNormalizedRecord(g.agency, std::move(copy), std::move(result)));
    }
  }
  generated.clear();
  generated.shrink_to_fit();
  std::cout << absl::StrFormat(
      "validated and extracted %d records (%d rejected): %.1f s, peak RSS %d MiB\n", records.size(),
      rejected, SecondsSince(start), PeakRssMiB());

  // --- Resolve ---
  linkage::LinkageOptions options;
  options.threads = flags.threads;
  options.seed = flags.seed;
  const int64_t rss_before = PeakRssMiB();
  start = std::chrono::steady_clock::now();
  const linkage::ResolveResult result = linkage::Resolve(records, options);
  const double seconds = SecondsSince(start);
  const linkage::ResolveStats& s = result.stats;
  std::cout << absl::StrFormat(
      "resolve %d records: %.2f s (%.0f records/s) [blocking %.2f, comparing %.2f, estimation "
      "%.2f, clustering %.2f], peak RSS %d MiB (%d before)\n",
      records.size(), seconds, records.size() / seconds, s.seconds_blocking, s.seconds_scoring,
      s.seconds_estimation, s.seconds_clustering, PeakRssMiB(), rss_before);
  std::cout << absl::StrFormat(
      "  candidate pairs %d, linked pairs %d, possible %d, joins %d, refused (ID conflict %d, "
      "weak group %d), persons %d\n",
      s.candidate_pairs, s.linked_pairs, s.possible_pairs, s.joins, s.refused_id_conflict,
      s.refused_weak_group, s.clusters);
  std::cout << absl::StrFormat(
      "  prior log2-odds %.2f, link weight %.2f, possible weight %.2f, EM lambda %.4f after %d "
      "iterations (%s)\n",
      s.prior_log2_odds, s.link_weight, s.possible_weight, result.params.lambda,
      result.params.em_iterations, result.params.em_converged ? "converged" : "not converged");
  std::cout << "  blocks by key: kind keys blocks oversized(records) largest-kept\n";
  for (const std::string& kind : linkage::BlockingKeyKinds()) {
    const linkage::BlockingStats& b = s.blocking.at(kind);
    std::cout << absl::StrFormat("    %-20s %10d %9d %6d(%d) %6d\n", kind, b.keys, b.blocks,
                                 b.oversized_blocks, b.oversized_records, b.largest_kept);
  }
  if (!flags.params_out.empty()) {
    std::ofstream(flags.params_out) << linkage::FormatParams(result.params);
  }

  // --- Quality ---
  std::vector<std::string> cluster_of(records.size());
  for (size_t i = 0; i < records.size(); ++i) cluster_of[i] = std::to_string(result.cluster_of[i]);
  const eval::PairMetrics m = eval::ComputePairMetrics(truth, cluster_of);
  eval::Truth t;
  t.records = truth;
  const eval::BaselineReport baselines = eval::EvaluateBaselines(t);
  auto row = [](const std::string& what, const eval::PairCounts& c) {
    std::cout << absl::StrFormat("  %-28s true %9d  predicted %9d  precision %.4f  recall %.4f\n",
                                 what, c.true_pairs, c.predicted_pairs, c.precision(), c.recall());
  };
  std::cout << "quality (pairs of records):\n";
  row("lifeline, cross-agency", m.overall.cross_agency);
  row("lifeline, all", m.overall.all);
  row("ID join, cross-agency", baselines.id_number.overall.cross_agency);
  row("name+birth join, cross-agency", baselines.name_birth.overall.cross_agency);
  std::cout << "recall by noise kind (cross-agency pairs where a record carries it):\n";
  for (const auto& [kind, scope] : m.by_noise) row(kind, scope.cross_agency);
  MissedWithoutNumber(records, truth, result);
  if (flags.explain > 0) Explain(records, truth, result, flags.explain);
  if (flags.incremental > 0) {
    RETURN_IF_ERROR(RunIncremental(flags, normalized, result));
  }
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << arg << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    bool ok = true;
    if (arg == "--records") {
      ok = absl::SimpleAtoi(value(), &flags.records) && flags.records > 1;
    } else if (arg == "--noise") {
      flags.noise = value();
    } else if (arg == "--threads") {
      ok = absl::SimpleAtoi(value(), &flags.threads) && flags.threads > 0;
    } else if (arg == "--seed") {
      ok = absl::SimpleAtoi(value(), &flags.seed);
    } else if (arg == "--incremental") {
      ok = absl::SimpleAtoi(value(), &flags.incremental) && flags.incremental >= 0;
    } else if (arg == "--singles") {
      ok = absl::SimpleAtoi(value(), &flags.singles) && flags.singles > 0;
    } else if (arg == "--explain") {
      ok = absl::SimpleAtoi(value(), &flags.explain) && flags.explain >= 0;
    } else if (arg == "--params-out") {
      flags.params_out = value();
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "usage: lifeline-linkage-bench [--records N] [--noise off|low|default|high] "
                   "[--threads N] [--seed S] [--params-out FILE] [--explain N] "
                   "[--incremental N [--singles N]]\n";
      return 2;
    }
  }
  const absl::Status status = Run(flags);
  if (!status.ok()) {
    std::cerr << "lifeline-linkage-bench: " << status << "\n";
    return 1;
  }
  return 0;
}
