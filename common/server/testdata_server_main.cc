// A test-only binary: a ServerRunner with no services of its own (health and reflection only),
// used to check that SIGTERM drains and exits 0.
//   lifeline-test-server <port_file> [<metrics_port_file>]
#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"

#include "common/server/server_runner.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s <port_file> [<metrics_port_file>]\n", argv[0]);
    return 2;
  }
  lifeline::common::ServerOptions options;
  options.port_file = argv[1];
  if (argc == 3) options.metrics_port_file = argv[2];
  options.drain_timeout = absl::Seconds(5);
  lifeline::common::ServerRunner runner("lifeline-test-server", options);
  if (absl::Status status = runner.Start(); !status.ok()) {
    spdlog::error("event=start_failed error=\"{}\"", status.ToString());
    return 1;
  }
  runner.Wait();
  spdlog::info("event=exit code=0");
  return 0;
}
