// lifeline-datagen: writes a synthetic county or province's agency files with the truth
// attached. Wiring only; the engine is generator.h.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "common/config/flags.h"
#include "tools/datagen/file_output.h"
#include "tools/datagen/generator.h"
#include "tools/progress/progress_bar.h"
#include <sys/resource.h>
#include <unistd.h>

namespace {

struct DatagenConfig {
  std::string out;
  int64_t persons = 50000;
  int64_t seed = 1;
  std::string noise = "default";
  std::string format = "csv";
  int64_t planted_per_kind = 0;
  std::string progress = "auto";
};

std::string SummaryText(const lifeline::datagen::GeneratorSummary& s, const DatagenConfig& config,
                        const std::string& noise, double seconds, long peak_rss_kib) {
  using lifeline::tools::ProgressBar;
  std::string out = absl::StrFormat(
      "lifeline-datagen: seed %d, noise %s\n"
      "  persons %s in %s households, %s criminal cases\n"
      "  records %s distinct, %s lines sent (duplicates and older versions included)\n",
      config.seed, noise, ProgressBar::Thousands(s.persons), ProgressBar::Thousands(s.households),
      ProgressBar::Thousands(s.cases), ProgressBar::Thousands(s.records_distinct),
      ProgressBar::Thousands(s.records_sent));
  for (const auto& [agency, n] : s.records_by_agency) {
    absl::StrAppendFormat(&out, "    %-28s %10s\n", agency, ProgressBar::Thousands(n));
  }
  absl::StrAppend(&out, "  noise (records carrying each kind)\n");
  for (const auto& [kind, n] : s.noise_by_kind) {
    absl::StrAppendFormat(&out, "    %-28s %10s\n", kind, ProgressBar::Thousands(n));
  }
  int64_t eligible = 0;
  for (const auto& [c, n] : s.eligible_by_category) eligible += n;
  absl::StrAppendFormat(&out, "  eligible persons %s (%s in planted cases)\n",
                        ProgressBar::Thousands(eligible),
                        ProgressBar::Thousands(s.eligible_planted));
  for (const auto& [category, n] : s.eligible_by_category) {
    absl::StrAppendFormat(&out, "    %-28s %10s\n", category, ProgressBar::Thousands(n));
  }
  absl::StrAppend(&out, "  near misses (must not become clues)\n");
  for (const auto& [reason, n] : s.near_misses_by_reason) {
    absl::StrAppendFormat(&out, "    %-28s %10s\n", reason, ProgressBar::Thousands(n));
  }
  absl::StrAppendFormat(&out, "  %.1f s, peak memory %d MiB\n", seconds, peak_rss_kib / 1024);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lifeline;  // NOLINT(build/namespaces): main only wires.
  DatagenConfig config;
  common::FlagSet flags("datagen");
  flags.String("out", &config.out, "output directory (agency files, mappings, truth/)");
  flags.Int("persons", &config.persons, "population size: 50000 a county, 10000000 a province");
  flags.Int("seed", &config.seed, "random seed; the same seed gives the same bytes");
  flags.String("noise", &config.noise,
               "off|low|default|high, optionally with per-kind overrides: "
               "default,id_missing=high,name_traditional=off");
  flags.String("format", &config.format, "csv (agency CSV + mapping files), jsonl, or both");
  flags.Int("planted_per_kind", &config.planted_per_kind,
            "planted cases per category and near-miss reason (0: persons/10000, at least 3)");
  flags.String("progress", &config.progress, "auto (on for a terminal), on or off");
  datagen::NoiseConfig noise;
  flags.Check([&]() -> absl::Status {
    if (config.out.empty()) return absl::InvalidArgumentError("out: required");
    if (config.persons < 1 || config.persons > 100'000'000) {
      return absl::InvalidArgumentError("persons: must be between 1 and 100000000");
    }
    if (config.format != "csv" && config.format != "jsonl" && config.format != "both") {
      return absl::InvalidArgumentError("format: must be csv, jsonl or both");
    }
    if (config.progress != "auto" && config.progress != "on" && config.progress != "off") {
      return absl::InvalidArgumentError("progress: must be auto, on or off");
    }
    auto parsed = datagen::NoiseConfig::Parse(config.noise);
    if (!parsed.ok())
      return absl::InvalidArgumentError(absl::StrCat("noise: ", parsed.status().message()));
    noise = *parsed;
    return absl::OkStatus();
  });
  if (absl::Status s = flags.Parse(argc, argv); !s.ok()) {
    if (absl::IsCancelled(s)) {
      std::cout << "usage: lifeline-datagen --out DIR [flags]\n" << s.message();
      return 0;
    }
    std::cerr << "lifeline-datagen: " << s.message() << "\n";
    return 2;
  }

  datagen::GeneratorOptions options;
  options.persons = config.persons;
  options.seed = static_cast<uint64_t>(config.seed);
  options.noise = noise;
  options.planted_per_kind = static_cast<int>(config.planted_per_kind);

  auto output =
      datagen::FileOutput::Open(config.out, config.format != "jsonl", config.format != "csv");
  if (!output.ok()) {
    std::cerr << "lifeline-datagen: " << output.status().message() << "\n";
    return 1;
  }
  const bool show = config.progress == "on" || (config.progress == "auto" && isatty(2));
  tools::ProgressBar bar(std::cerr, show);
  const auto start = std::chrono::steady_clock::now();
  auto summary = datagen::Generate(
      options, config.out + "/truth", **output,
      [&](const char* stage, int64_t done, int64_t total) { bar.Update(stage, done, total); });
  bar.Finish();
  absl::Status closed = summary.ok() ? (*output)->Close() : summary.status();
  if (!closed.ok()) {
    std::cerr << "lifeline-datagen: " << closed.message() << "\n";
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const std::string text =
      SummaryText(*summary, config, noise.ToString(), seconds, usage.ru_maxrss);
  std::cout << text;
  std::ofstream(config.out + "/summary.txt") << text;
  return 0;
}
