// Match ingestion: how fast match-service's engine applies batches of normalized records into its
// SQLite store (the production pragmas, a file under a temporary directory) as the index grows,
// and how long each batch takes against the sender's deadline (ingest's UpsertRecords deadline is
// 10 s). Sustained ingestion must not fall as the index grows.
//
//   build/release/bin/lifeline-match-bench [--records N] [--batch N] [--window N] [--dir PATH]
//                                          [--only import|rescore]
//
// The records are synthetic, made in-process before anything is measured, with the structure a
// province's data has: families of four (a possible victim, two parents, a child), 95 % with a
// valid ID token; one family in ten has a criminal case (victim, the parents as near relatives,
// a civil judgment and its enforcement); parents and children carry hardship records (minimum
// living security, disability, poverty monitoring, women's federation) at realistic rates; one
// record in twenty is sent again later as a newer version. They arrive in blocks of 10,000
// families, each block ordered by agency the way agency files arrive, in batches of --batch
// records (ingest's dispatcher sends 500). Every --window records the bench prints that window's
// records/s and batch latency percentiles; the summary gives the windows ending at 100 k, 1 M
// and 3 M records already in the index. Then a rule change over the whole store: a dry run
// (PreviewRules) and a re-scoring with the same and with new rules, timed.
//
// A store of a million persons takes many minutes to import, so the two halves can run apart:
// `--dir PATH --only import` builds the store in PATH and keeps it (no rule change), and
// `--dir PATH --only rescore` times the rule change on a copy of PATH/match.db (removed
// afterwards), so every run starts from the imported state. --dir alone keeps the store too, after
// the rule change.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "common/storage/sqlite.h"
#include "lifeline/records/v1/records.pb.h"
#include "match-service/domain/match_engine.h"
#include "match-service/store/sqlite_match_store.h"
#include <sys/resource.h>

namespace lifeline::match {
namespace {

namespace rv1 = records::v1;

struct Options {
  int64_t records = 3000000;
  int batch = 2000;  // ingest-service's dispatcher batch
  int64_t window = 100000;
  std::string dir;
  // "": import then rule change; "import": import only; "rescore": rule change only, on a copy
  // of the store in `dir`.
  std::string only;
};

// Makes the synthetic records, agency by agency within blocks of families.
class Synth {
 public:
  explicit Synth(uint64_t seed) : rng_(seed) {}

  // Appends the records of families [first, first + count) to `out`, ordered by agency.
  void Block(int64_t first, int64_t count, std::vector<rv1::NormalizedRecord>* out) {
    std::map<std::string, std::vector<rv1::NormalizedRecord>> by_agency;
    for (int64_t f = first; f < first + count; ++f) Family(f, &by_agency);
    const size_t block_start = out->size();
    for (auto& [agency, records] : by_agency) {
      for (auto& r : records) out->push_back(std::move(r));
    }
    // Newer versions of one in twenty of this block's records, as agencies correct them. (Until
    // 2026-12 this walked every earlier block too, so most of a large run was the same few
    // corrections sent again and ignored: 3,400,000 records held 854,665 distinct ones.)
    const size_t n = out->size();
    for (size_t i = block_start; i < n; i += 20) {
      rv1::NormalizedRecord again = (*out)[i];
      again.set_version(again.version() + 1);
      again.set_record_date("2024-05-01");
      out->push_back(std::move(again));
    }
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  rv1::NormalizedPerson Person(int64_t family, int member) {
    rv1::NormalizedPerson p;
    if (Chance(0.95)) p.set_id_token(absl::StrFormat("%016x%02x", family, member));
    p.set_id_masked("3415**********000X");
    const std::string name = absl::StrCat("P", family, "-", member);
    p.set_name_original(name);
    p.set_name_normalized(name);
    p.set_sex(member == 2 ? rv1::SEX_FEMALE : rv1::SEX_MALE);
    p.set_birth_date(member == 3 ? "2012-02-02" : member == 0 ? "1995-04-02" : "1968-01-15");
    p.set_region_code("341523");
    return p;
  }

  rv1::NormalizedRecord Base(const std::string& agency, const std::string& id,
                             rv1::NormalizedPerson person) {
    rv1::NormalizedRecord r;
    r.set_agency(agency);
    r.set_source_record_id(id);
    r.set_version(1);
    r.set_record_date("2023-09-01");
    *r.mutable_person() = std::move(person);
    return r;
  }

  void Family(int64_t f, std::map<std::string, std::vector<rv1::NormalizedRecord>>* out) {
    const std::string tag = absl::StrCat(f);
    if (f % 10 == 0) Case(f, out);
    for (int member = 1; member <= 3; ++member) {
      const std::string id = absl::StrCat(tag, "-", member);
      if (Chance(0.25)) {
        auto r = Base("civil_affairs", "ca-" + id, Person(f, member));
        auto* s = r.mutable_record()->mutable_social_assistance();
        s->set_programme(rv1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING);
        s->set_start_date("2021-05-01");
        (*out)["civil_affairs"].push_back(std::move(r));
      }
      if (Chance(0.08)) {
        auto r = Base("disabled_persons_federation", "dp-" + id, Person(f, member));
        auto* d = r.mutable_record()->mutable_disability_certificate();
        d->set_kind(rv1::DisabilityCertificate::KIND_LIMB);
        d->set_grade(1 + static_cast<int>(f % 4));
        d->set_issue_date("2019-06-01");
        (*out)["disabled_persons_federation"].push_back(std::move(r));
      }
      if (Chance(0.08)) {
        auto r = Base("rural_revitalization", "rr-" + id, Person(f, member));
        auto* p = r.mutable_record()->mutable_poverty_monitoring();
        p->set_category(rv1::PovertyMonitoring::CATEGORY_UNSTABLE);
        p->set_start_date("2022-01-01");
        (*out)["rural_revitalization"].push_back(std::move(r));
      }
      if (member == 2 && Chance(0.05)) {
        auto r = Base("womens_federation", "wf-" + id, Person(f, member));
        auto* w = r.mutable_record()->mutable_women_children_difficulty();
        w->set_kind(rv1::WomenChildrenDifficulty::KIND_FINANCIAL_DIFFICULTY);
        w->set_start_date("2023-01-01");
        (*out)["womens_federation"].push_back(std::move(r));
      }
    }
  }

  void Case(int64_t f, std::map<std::string, std::vector<rv1::NormalizedRecord>>* out) {
    const std::string tag = absl::StrCat(f);
    const std::string case_number = absl::StrCat("BENCH-CASE-", f);
    auto victim = Base("procuratorate", "pv-" + tag, Person(f, 0));
    auto* v = victim.mutable_record()->mutable_criminal_victim();
    v->mutable_criminal_case()->set_case_number(case_number);
    v->mutable_criminal_case()->set_crime(rv1::CriminalCase::CRIME_TRAFFIC);
    v->mutable_criminal_case()->set_case_date("2023-03-01");
    v->mutable_criminal_case()->set_offender_status(rv1::CriminalCase::OFFENDER_STATUS_SENTENCED);
    v->set_harm(Chance(0.4) ? rv1::CriminalVictim::HARM_DEATH
                            : rv1::CriminalVictim::HARM_SERIOUS_INJURY);
    (*out)["procuratorate"].push_back(std::move(victim));
    for (int member = 1; member <= 2; ++member) {
      auto r = Base("procuratorate", absl::StrCat("pr-", tag, "-", member), Person(f, member));
      auto* n = r.mutable_record()->mutable_near_relative();
      n->set_case_number(case_number);
      n->set_victim_record_id("pv-" + tag);
      n->set_relation(rv1::NearRelative::RELATION_PARENT);
      n->set_depended_on_victim(true);
      (*out)["procuratorate"].push_back(std::move(r));
    }
    auto judgment = Base("court", "cj-" + tag, Person(f, 1));
    auto* j = judgment.mutable_record()->mutable_civil_judgment();
    j->set_case_number(case_number);
    j->set_judgment_number("J-" + tag);
    j->set_amount_awarded_fen(83000000);
    (*out)["court"].push_back(std::move(judgment));
    auto enforcement = Base("court", "ce-" + tag, Person(f, 1));
    auto* e = enforcement.mutable_record()->mutable_enforcement();
    e->set_case_number(case_number);
    e->set_judgment_number("J-" + tag);
    e->set_amount_awarded_fen(83000000);
    e->set_status(rv1::Enforcement::STATUS_TERMINATED_NO_PROPERTY);
    (*out)["court"].push_back(std::move(enforcement));
  }

  std::mt19937_64 rng_;
};

int64_t PeakRssMiB() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// User and system CPU time of the process so far.
double CpuSeconds() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  return values[index];
}

bool ParseFlags(int argc, char** argv, Options* options) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    bool ok = true;
    if (flag == "--records") {
      ok = absl::SimpleAtoi(value, &options->records) && options->records > 0;
    } else if (flag == "--batch") {
      ok = absl::SimpleAtoi(value, &options->batch) && options->batch > 0;
    } else if (flag == "--window") {
      ok = absl::SimpleAtoi(value, &options->window) && options->window > 0;
    } else if (flag == "--dir") {
      options->dir = value;
    } else if (flag == "--only") {
      ok = value == "import" || value == "rescore";
      options->only = value;
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "lifeline-match-bench: bad flag " << flag << " " << value << "\n";
      return false;
    }
  }
  if (argc % 2 == 0 || (!options->only.empty() && options->dir.empty())) {
    std::cerr << "usage: lifeline-match-bench [--records N] [--batch N] [--window N] [--dir P] "
                 "[--only import|rescore] (--only needs --dir)\n";
    return false;
  }
  return true;
}

// Applies the synthetic records through `engine` in batches, printing each window. Returns false
// (after saying why) when a batch fails.
bool Import(const Options& options, MatchEngine& engine, absl::Time now) {
  std::cout << "generating " << options.records << " records..." << std::flush;
  std::vector<rv1::NormalizedRecord> records;
  records.reserve(options.records + 40000);
  Synth synth(/*seed=*/1);
  for (int64_t family = 0; static_cast<int64_t>(records.size()) < options.records;
       family += 10000) {
    synth.Block(family, 10000, &records);
  }
  records.resize(options.records);
  std::cout << " done\n";

  std::printf("%12s %12s %10s %10s %10s %10s %10s\n", "in_index", "records/s", "p50_ms", "p99_ms",
              "max_ms", "over_10s", "clues");
  std::vector<double> latencies_ms;
  int64_t window_start = 0;
  int64_t clues = 0;
  auto window_clock = std::chrono::steady_clock::now();
  const auto start = window_clock;
  for (int64_t at = 0; at < options.records; at += options.batch) {
    const int64_t end = std::min<int64_t>(at + options.batch, options.records);
    const std::vector<rv1::NormalizedRecord> batch(records.begin() + at, records.begin() + end);
    const auto t0 = std::chrono::steady_clock::now();
    auto result = engine.UpsertRecords(batch, now);
    const auto t1 = std::chrono::steady_clock::now();
    if (!result.ok()) {
      std::cerr << "lifeline-match-bench: batch at " << at << ": " << result.status() << "\n";
      return false;
    }
    clues += result->clues_created - result->clues_withdrawn;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    if (end - window_start >= options.window || end == options.records) {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - window_clock).count();
      const int64_t over = std::count_if(latencies_ms.begin(), latencies_ms.end(),
                                         [](double ms) { return ms > 10000; });
      std::printf("%12lld %12.0f %10.1f %10.1f %10.1f %10lld %10lld\n", static_cast<long long>(end),
                  static_cast<double>(end - window_start) / seconds, Percentile(latencies_ms, 0.5),
                  Percentile(latencies_ms, 0.99), Percentile(latencies_ms, 1.0),
                  static_cast<long long>(over), static_cast<long long>(clues));
      std::fflush(stdout);
      latencies_ms.clear();
      window_start = end;
      window_clock = std::chrono::steady_clock::now();
    }
  }
  const double total =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("total: %lld records in %.1f s (%.0f records/s), %lld clues, peak RSS %lld MiB\n",
              static_cast<long long>(options.records), total,
              static_cast<double>(options.records) / total, static_cast<long long>(clues),
              static_cast<long long>(PeakRssMiB()));
  return true;
}

// A rule change over everyone in the store: the persons and clues, a dry run (PreviewRules), a
// re-scoring with the same rules (nothing changes) and one with new rules (amounts and tiers
// move). The issue's goal: re-scoring a million persons in 10 s. Returns false (after saying
// why) on an error.
bool RuleChange(SqliteMatchStore* store, MatchEngine& engine, absl::Time now) {
  auto persons = store->database()->Run([&]() -> absl::Status {
    auto count =
        store->database()->QueryOne("SELECT COUNT(*) FROM persons",
                                    [](const common::Statement& row) { return row.ColumnInt(0); });
    if (!count.ok()) return count.status();
    std::printf("store: %lld persons\n", static_cast<long long>(count->value_or(0)));
    return absl::OkStatus();
  });
  if (!persons.ok()) {
    std::cerr << "lifeline-match-bench: " << persons << "\n";
    return false;
  }
  // Wall time, and the process's CPU time (all threads), which on a machine shared with other
  // work says what the step needs where the wall time says what it got.
  auto timed = [](const char* what, auto&& fn) {
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = CpuSeconds();
    auto result = fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!result.ok()) {
      std::cerr << "lifeline-match-bench: " << what << ": " << result.status() << "\n";
      std::exit(1);
    }
    std::printf("%-34s %7.2f s (cpu %.2f s)", what, s, CpuSeconds() - cpu0);
    return *std::move(result);
  };
  EligibilityRules changed;
  changed.dependant_of_deceased_months = 2;
  changed.tier_high_score = 100;
  const RulesPreview preview =
      timed("preview new rules (dry run)", [&] { return engine.PreviewRules(changed, now); });
  std::printf("  %d persons scored: %d tier down, %d amounts\n", preview.persons_scored,
              preview.total.tier_down, preview.total.amount_changed);
  const ApplyResult same = timed("rescore, same rules", [&] { return engine.Rescore(now); });
  std::printf("  %d persons scored, %d clues updated, %d created, %d withdrawn\n",
              same.persons_scored, same.clues_updated, same.clues_created, same.clues_withdrawn);
  MatchEngine changed_engine(store, ClueScorer(changed));
  if (auto loaded = changed_engine.LoadIndex(); !loaded.ok()) {
    std::cerr << "lifeline-match-bench: " << loaded.status() << "\n";
    return false;
  }
  const ApplyResult moved =
      timed("rescore, new rules", [&] { return changed_engine.Rescore(now, kCauseRules); });
  std::printf("  %d persons scored, %d clues updated, %d created, %d withdrawn\n",
              moved.persons_scored, moved.clues_updated, moved.clues_created,
              moved.clues_withdrawn);
  std::printf("peak RSS %lld MiB\n", static_cast<long long>(PeakRssMiB()));
  return true;
}

int Run(const Options& options) {
  std::error_code ec;
  const bool own_dir = options.dir.empty();
  std::string dir = own_dir ? absl::StrCat(std::filesystem::temp_directory_path().string(),
                                           "/match-bench-", absl::ToUnixNanos(absl::Now()))
                            : options.dir;
  std::filesystem::create_directories(dir, ec);
  std::string copy;  // the working copy of a built store (--only rescore), removed at the end
  if (options.only == "rescore") {
    copy = absl::StrCat(dir, "/rescore-copy-", absl::ToUnixNanos(absl::Now()));
    std::filesystem::create_directories(copy, ec);
    for (const char* file : {"/match.db", "/match.db-wal"}) {
      if (!std::filesystem::exists(dir + file)) continue;
      if (!std::filesystem::copy_file(dir + file, copy + file, ec)) {
        std::cerr << "lifeline-match-bench: copying " << dir << file << ": " << ec.message()
                  << "\n";
        return 1;
      }
    }
    if (!std::filesystem::exists(copy + "/match.db")) {
      std::cerr << "lifeline-match-bench: no store in " << dir
                << " (build one with --only import)\n";
      return 1;
    }
    dir = copy;
  }
  auto store = SqliteMatchStore::Open(dir + "/match.db");
  if (!store.ok()) {
    std::cerr << "lifeline-match-bench: " << store.status() << "\n";
    return 1;
  }
  MatchEngine engine(store->get(), ClueScorer(EligibilityRules{}));
  const absl::Time now =
      absl::FromCivil(absl::CivilSecond(2024, 6, 1, 8, 0, 0), absl::UTCTimeZone());

  bool ok = true;
  if (options.only == "rescore") {
    // The import leaves the engine's link index built; a re-opened store builds it first.
    const auto t0 = std::chrono::steady_clock::now();
    auto loaded = engine.LoadIndex();
    if (!loaded.ok()) {
      std::cerr << "lifeline-match-bench: " << loaded.status() << "\n";
      return 1;
    }
    std::printf("link index: %lld live records in %.1f s\n", static_cast<long long>(*loaded),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  } else {
    ok = Import(options, engine, now);
  }
  if (ok && options.only != "import") ok = RuleChange(store->get(), engine, now);

  store->reset();
  if (own_dir) std::filesystem::remove_all(dir, ec);
  if (!copy.empty()) std::filesystem::remove_all(copy, ec);
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace lifeline::match

int main(int argc, char** argv) {
  lifeline::match::Options options;
  if (!lifeline::match::ParseFlags(argc, argv, &options)) return 2;
  return lifeline::match::Run(options);
}
