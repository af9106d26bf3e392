// Whole-run benchmark of lifeline-datagen: generates a population (default 1,000,000 persons)
// with every agency record, CSV files, mapping files and the truth directory into a temporary
// directory, and prints the wall time, records per second and peak memory.
//
//   build/release/bin/lifeline-datagen-bench [--persons N] [--format csv|jsonl|both]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/str_format.h"

#include "tools/datagen/file_output.h"
#include "tools/datagen/generator.h"
#include <sys/resource.h>

int main(int argc, char** argv) {
  using namespace lifeline::datagen;  // NOLINT(build/namespaces): a benchmark main.
  int64_t persons = 1'000'000;
  std::string format = "csv";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--persons") {
      persons = std::atoll(argv[i + 1]);
    } else if (flag == "--format") {
      format = argv[i + 1];
    } else {
      std::cerr << "usage: lifeline-datagen-bench [--persons N] [--format csv|jsonl|both]\n";
      return 2;
    }
  }
  char dir_template[] = "/tmp/lifeline-datagen-bench-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  GeneratorOptions options;
  options.persons = persons;
  options.seed = 1;
  const auto start = std::chrono::steady_clock::now();
  auto output = FileOutput::Open(dir, format != "jsonl", format != "csv");
  if (!output.ok()) {
    std::cerr << output.status() << "\n";
    return 1;
  }
  auto summary = Generate(options, std::string(dir) + "/truth", **output,
                          [](const char*, int64_t, int64_t) {});
  absl::Status closed = summary.ok() ? (*output)->Close() : summary.status();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::uintmax_t bytes = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  std::filesystem::remove_all(dir);
  if (!closed.ok()) {
    std::cerr << closed << "\n";
    return 1;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::cout << absl::StrFormat(
      "datagen %s: %d persons, %d records (%d lines), %.1f MiB written in %.2f s: "
      "%.0f persons/s, %.0f records/s, peak memory %d MiB\n",
      format, summary->persons, summary->records_distinct, summary->records_sent,
      static_cast<double>(bytes) / (1 << 20), seconds, summary->persons / seconds,
      summary->records_sent / seconds, usage.ru_maxrss / 1024);
  return 0;
}
