// lifeline: the operator's command-line tool. See tools/lifeline/cli.h.
#include <iostream>
#include <string>
#include <vector>

#include "tools/lifeline/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::Status status = lifeline::tools::RunCli(args, std::cout);
  if (!status.ok()) {
    std::cerr << "lifeline: " << status.message() << "\n";
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
