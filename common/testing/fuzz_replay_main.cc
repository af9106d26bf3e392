// Replays a fuzz target's seed corpus as an ordinary test: runs LLVMFuzzerTestOneInput once on
// every file named on the command line or found (recursively) in a directory named there, in
// sorted order. A violated invariant aborts the process, so the test fails; the input that did it
// is named on stderr first. Links with the fuzz target's sources instead of libFuzzer.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// The input being run, for the signal handler (which may only call async-signal-safe functions).
char current_input[4096];

void OnCrash(int signal_number) {
  constexpr char kPrefix[] = "fuzz replay: crashed on ";
  (void)!write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
  (void)!write(STDERR_FILENO, current_input, strnlen(current_input, sizeof(current_input)));
  (void)!write(STDERR_FILENO, "\n", 1);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus dir or file>...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    std::error_code error;
    const fs::path arg(argv[i]);
    if (fs::is_regular_file(arg, error)) {
      inputs.push_back(arg);
    } else if (fs::is_directory(arg, error)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg, error)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
    } else {
      std::fprintf(stderr, "fuzz replay: %s is neither a file nor a directory\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "fuzz replay: no inputs found\n");
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());

  // SIGSEGV is left to AddressSanitizer, which reports more than a file name.
  for (int signal_number : {SIGABRT, SIGILL, SIGTRAP}) {
    std::signal(signal_number, OnCrash);
  }
  for (const fs::path& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "fuzz replay: cannot read %s\n", path.c_str());
      return 2;
    }
    std::snprintf(current_input, sizeof(current_input), "%s", path.c_str());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("fuzz replay: %zu inputs passed\n", inputs.size());
  return 0;
}
