// ingest-service: wiring only. Loads the config, opens the store, starts the outbox dispatcher
// towards match-service and serves IngestService until SIGTERM/SIGINT.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#include "common/config/flags.h"
#include "common/identity/id_token.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/server/channel.h"
#include "common/server/server_runner.h"
#include "common/time/dates.h"
#include "ingest-service/clients/grpc_match_client.h"
#include "ingest-service/clients/match_sender.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/rpc/ingest_metrics.h"
#include "ingest-service/rpc/ingest_service_impl.h"
#include "ingest-service/store/ingest_store.h"
#include "ingest-service/store/sqlite_ingest_store.h"

namespace {

constexpr int kExitBadConfig = 2;
constexpr int kExitFailure = 1;

// The whole configuration of the binary (flags or LIFELINE_INGEST_<NAME>).
struct IngestConfig {
  std::string listen_address = "127.0.0.1:50051";
  std::string port_file;
  std::string metrics_address = "127.0.0.1:0";
  std::string metrics_port_file;
  std::string data_dir = "./var/ingest";
  std::string match_target = "127.0.0.1:50052";
  std::string token_secret_file;
  int64_t max_batch_records = 10000;
  int64_t max_stream_records = 1000000;
  int64_t max_outbox_pending = 1000000;
  std::string log_level = "info";
};

absl::Status RequirePositive(const char* name, int64_t value) {
  if (value > 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " must be positive"));
}

void DefineFlags(lifeline::common::FlagSet* flags, IngestConfig* config) {
  flags->String("listen_address", &config->listen_address, "gRPC listen address host:port");
  flags->String("port_file", &config->port_file, "file to write the bound gRPC port to");
  flags->String("metrics_address", &config->metrics_address,
                "Prometheus /metrics address host:port (\"\" disables)");
  flags->String("metrics_port_file", &config->metrics_port_file,
                "file to write the bound metrics port to");
  flags->String("data_dir", &config->data_dir, "directory of ingest.db");
  flags->String("match_target", &config->match_target, "match-service gRPC target");
  flags->String("token_secret_file", &config->token_secret_file,
                "file holding the HMAC key for ID tokens (required)");
  flags->Int("max_batch_records", &config->max_batch_records, "largest SubmitBatch, in records");
  flags->Int("max_stream_records", &config->max_stream_records,
             "largest StreamRecords stream, in records");
  flags->Int("max_outbox_pending", &config->max_outbox_pending,
             "records waiting for match-service above which new batches are refused");
  flags->String("log_level", &config->log_level, "debug, info, warn or error");
  flags->Check([config] {
    return config->token_secret_file.empty()
               ? absl::InvalidArgumentError("token_secret_file is required")
               : absl::OkStatus();
  });
  flags->Check([config] {
    return config->listen_address.empty() ? absl::InvalidArgumentError("listen_address is required")
                                          : absl::OkStatus();
  });
  flags->Check([config] {
    return config->data_dir.empty() ? absl::InvalidArgumentError("data_dir is required")
                                    : absl::OkStatus();
  });
  flags->Check([config] {
    return config->match_target.empty() ? absl::InvalidArgumentError("match_target is required")
                                        : absl::OkStatus();
  });
  flags->Check(
      [config] { return RequirePositive("max_batch_records", config->max_batch_records); });
  flags->Check(
      [config] { return RequirePositive("max_stream_records", config->max_stream_records); });
  flags->Check(
      [config] { return RequirePositive("max_outbox_pending", config->max_outbox_pending); });
  flags->Check([config] {
    const std::vector<std::string> levels = {"debug", "info", "warn", "error"};
    return std::find(levels.begin(), levels.end(), config->log_level) == levels.end()
               ? absl::InvalidArgumentError("log_level must be debug, info, warn or error")
               : absl::OkStatus();
  });
}

}  // namespace

int main(int argc, char** argv) {
  namespace common = lifeline::common;
  namespace ingest = lifeline::ingest;

  IngestConfig config;
  common::FlagSet flags("ingest");
  DefineFlags(&flags, &config);
  if (absl::Status status = flags.Parse(argc, argv); !status.ok()) {
    if (absl::IsCancelled(status)) {
      std::fprintf(stdout, "%s\n", std::string(status.message()).c_str());
      return 0;
    }
    std::fprintf(stderr, "ingest-service: bad configuration:\n%s\n",
                 std::string(status.message()).c_str());
    return kExitBadConfig;
  }
  absl::StatusOr<std::string> secret = common::ReadSecretFile(config.token_secret_file);
  if (!secret.ok()) {
    std::fprintf(stderr, "ingest-service: bad configuration: token_secret_file: %s\n",
                 std::string(secret.status().message()).c_str());
    return kExitBadConfig;
  }
  absl::StatusOr<common::IdTokenizer> tokenizer = common::IdTokenizer::Create(*std::move(secret));
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "ingest-service: bad configuration: token_secret_file: %s\n",
                 std::string(tokenizer.status().message()).c_str());
    return kExitBadConfig;
  }

  common::InitLogging("ingest-service", config.log_level);
  spdlog::info("event=config {}", flags.Describe());

  absl::StatusOr<std::unique_ptr<ingest::SqliteIngestStore>> store =
      ingest::SqliteIngestStore::OpenInDirectory(config.data_dir);
  if (!store.ok()) {
    spdlog::error("event=store_open_failed status=\"{}\"", store.status().ToString());
    return kExitFailure;
  }

  common::ServerOptions server_options;
  server_options.listen_address = config.listen_address;
  server_options.port_file = config.port_file;
  server_options.metrics_address = config.metrics_address;
  server_options.metrics_port_file = config.metrics_port_file;
  common::ServerRunner runner("ingest-service", server_options);
  ingest::IngestMetrics metrics(runner.registry().get());
  // What a previous run left undelivered shows from the start, not only after the next submit.
  if (absl::StatusOr<int64_t> pending = (*store)->OutboxPending(); pending.ok()) {
    metrics.SetOutboxPending(*pending);
  }

  ingest::GrpcMatchClient match_client(common::MakeClientChannel(config.match_target));
  common::OutboxDispatcher::Sender send_to_match = ingest::MakeMatchSender(&match_client);
  ingest::IngestStore* store_ptr = store->get();
  common::OutboxDispatcher::Options dispatcher_options;
  dispatcher_options.topic = ingest::kMatchTopic;
  dispatcher_options.batch_size = 500;
  common::OutboxDispatcher dispatcher(
      (*store)->outbox(),
      [&](const std::vector<common::OutboxMessage>& messages) {
        absl::Status status = send_to_match(messages);
        if (status.ok()) {
          // The delivered messages are deleted right after this returns.
          absl::StatusOr<int64_t> pending = store_ptr->OutboxPending();
          if (pending.ok()) {
            metrics.SetOutboxPending(
                std::max<int64_t>(0, *pending - static_cast<int64_t>(messages.size())));
          }
        } else {
          spdlog::warn("event=match_send_failed records={} status=\"{}\"", messages.size(),
                       status.ToString());
        }
        return status;
      },
      dispatcher_options);

  ingest::RecordValidator validator(&*tokenizer, common::Clock::Real());
  ingest::IngestServiceImpl::Options service_options;
  service_options.max_batch_records = config.max_batch_records;
  service_options.max_stream_records = config.max_stream_records;
  service_options.max_outbox_pending = config.max_outbox_pending;
  ingest::IngestServiceImpl service(
      store_ptr, &validator, common::Clock::Real(), &metrics, [&dispatcher] { dispatcher.Wake(); },
      service_options);
  runner.AddService(&service);

  if (absl::Status status = runner.Start(); !status.ok()) {
    spdlog::error("event=start_failed status=\"{}\"", status.ToString());
    return kExitFailure;
  }
  dispatcher.Start();
  spdlog::info("event=serving port={} metrics_port={}", runner.port(), runner.metrics_port());
  runner.Wait();
  dispatcher.Stop();
  spdlog::info("event=stopped");
  return 0;
}
