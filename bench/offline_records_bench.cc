// Offline record files: how fast `lifeline link`'s reading half turns agency files into the
// NormalizedRecords match-service would receive (read, parse or map, validate, normalize, version
// rule, sort), and the memory the records hold. Runs on files lifeline-datagen wrote:
//
//   build/release/bin/lifeline-datagen --out var/p5m5 --persons 5500000 --format jsonl
//   build/release/bin/lifeline-offline-bench --in var/p5m5 [--in ...] [--threads N]
//
// (5,500,000 persons give about 1,000,000 records.) Prints rows/s, and the resident memory the
// records hold (after giving freed memory back) per 1,000,000 records, with the peak.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"

#include "tools/lifeline/record_files.h"
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

namespace {

int64_t CurrentRssMiB() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE) / (1 << 20);
}

int64_t PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lifeline::tools;  // NOLINT(build/namespaces): a benchmark main.
  std::vector<std::string> inputs;
  ReadRecordsOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--in") {
      inputs.push_back(argv[i + 1]);
    } else if (flag == "--threads") {
      options.threads = std::atoi(argv[i + 1]);
    } else {
      std::cerr << "usage: lifeline-offline-bench --in DIR|FILE... [--threads N]\n";
      return 2;
    }
  }
  auto sources = ExpandSources(inputs);
  if (!sources.ok()) {
    std::cerr << sources.status() << "\n";
    return 1;
  }
  auto tokenizer = OfflineTokenizer("");
  if (!tokenizer.ok()) {
    std::cerr << tokenizer.status() << "\n";
    return 1;
  }
  const int64_t before = CurrentRssMiB();
  const double cpu_before = CpuSeconds();
  auto read = ReadRecords(*sources, *tokenizer, options);
  if (!read.ok()) {
    std::cerr << read.status() << "\n";
    return 1;
  }
  const double cpu = CpuSeconds() - cpu_before;
  malloc_trim(0);
  const int64_t held = CurrentRssMiB() - before;
  const double millions = static_cast<double>(read->records.size()) / 1e6;
  std::cout << absl::StrFormat(
      "%d files, %d threads: %d rows (%d accepted, %d with warnings, %d rejected, %d unchanged, "
      "%d retracted, %d superseded) -> %d records in %.2f s: %.0f rows/s (%.1f CPU s, %.1f µs "
      "CPU per row)\n"
      "memory: %d MiB held by the records (%.0f MiB per 1,000,000), peak %d MiB\n",
      sources->size(), options.threads, read->rows, read->accepted, read->warnings, read->rejected,
      read->unchanged, read->retracted, read->superseded, read->records.size(), read->seconds,
      read->rows / read->seconds, cpu, cpu * 1e6 / read->rows, held,
      millions > 0 ? held / millions : 0.0, PeakRssMiB());
  return 0;
}
