// ingest-service: wiring only. Loads the config, opens the store, starts the outbox dispatcher
// towards match-service and serves IngestService until SIGTERM/SIGINT.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/config/flags.h"
#include "common/identity/id_token.h"
#include "common/logging/logging.h"
#include "common/outbox/outbox.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
#include "common/server/server_runner.h"
#include "common/time/dates.h"
#include "ingest-service/clients/grpc_match_client.h"
#include "ingest-service/clients/match_sender.h"
#include "ingest-service/domain/record_validator.h"
#include "ingest-service/rpc/ingest_metrics.h"
#include "ingest-service/rpc/ingest_service_impl.h"
#include "ingest-service/store/sqlite_ingest_store.h"

namespace lifeline::ingest {
namespace {

// The whole configuration of the binary (flags or LIFELINE_INGEST_<NAME>).
struct IngestConfig {
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50051");
  std::string data_dir = "./var/ingest";
  std::string match_target = "127.0.0.1:50052";
  std::string token_secret_file;
  int64_t max_batch_records = 10000;
  int64_t max_stream_records = 1000000;
  int64_t max_outbox_pending = 1000000;
};

void DefineFlags(common::FlagSet* flags, IngestConfig* config) {
  common::DefineServerFlags(flags, &config->server);
  flags->RequiredString("data_dir", &config->data_dir, "directory of ingest.db");
  flags->RequiredString("match_target", &config->match_target, "match-service gRPC target");
  flags->RequiredString("token_secret_file", &config->token_secret_file,
                        "file holding the HMAC key for ID tokens");
  flags->Int("max_batch_records", &config->max_batch_records, "largest SubmitBatch, in records", 1,
             1000000);
  flags->Int("max_stream_records", &config->max_stream_records,
             "largest StreamRecords stream, in records", 1, 100000000);
  flags->Int("max_outbox_pending", &config->max_outbox_pending,
             "records waiting for match-service above which new batches are refused", 1,
             1000000000);
}

int Run(int argc, char** argv) {
  IngestConfig config;
  common::FlagSet flags("ingest");
  DefineFlags(&flags, &config);
  if (auto exit_code = common::ParseFlags(&flags, "ingest-service", argc, argv)) return *exit_code;
  absl::StatusOr<common::IdTokenizer> tokenizer = [&]() -> absl::StatusOr<common::IdTokenizer> {
    absl::StatusOr<std::string> secret = common::ReadSecretFile(config.token_secret_file);
    if (!secret.ok()) return secret.status();
    return common::IdTokenizer::Create(*std::move(secret));
  }();
  if (!tokenizer.ok()) {
    return common::StartupFailure("ingest-service", "bad token_secret_file", tokenizer.status());
  }
  common::InitLogging("ingest-service", config.server.log_level);
  spdlog::info("event=config {}", flags.Describe());
  auto store = SqliteIngestStore::OpenInDirectory(config.data_dir);
  if (!store.ok())
    return common::StartupFailure("ingest-service", "cannot open store", store.status());

  common::ServerRunner runner("ingest-service", config.server.Options());
  IngestMetrics metrics(runner.registry().get());
  // What a previous run left undelivered shows from the start, not only after the next submit.
  if (absl::StatusOr<int64_t> pending = (*store)->OutboxPending(); pending.ok()) {
    metrics.SetOutboxPending(*pending);
  }
  GrpcMatchClient match_client(common::MakeClientChannel(config.match_target));
  common::OutboxDispatcher::Options dispatcher_options;
  dispatcher_options.topic = kMatchTopic;
  dispatcher_options.batch_size = 500;
  common::OutboxDispatcher dispatcher((*store)->outbox(),
                                      MakeMatchSender(&match_client, store->get(), &metrics),
                                      dispatcher_options);

  RecordValidator validator(&*tokenizer, common::Clock::Real());
  IngestServiceImpl::Options service_options;
  service_options.max_batch_records = config.max_batch_records;
  service_options.max_stream_records = config.max_stream_records;
  service_options.max_outbox_pending = config.max_outbox_pending;
  IngestServiceImpl service(
      store->get(), &validator, common::Clock::Real(), &metrics,
      [&dispatcher] { dispatcher.Wake(); }, service_options);
  runner.AddService(&service);
  if (absl::Status status = runner.Start(); !status.ok()) {
    return common::StartupFailure("ingest-service", "cannot start", status);
  }
  dispatcher.Start();
  spdlog::info("event=serving port={} metrics_port={}", runner.port(), runner.metrics_port());
  runner.Wait();
  dispatcher.Stop();
  spdlog::info("event=stopped");
  return 0;
}

}  // namespace
}  // namespace lifeline::ingest

int main(int argc, char** argv) { return lifeline::ingest::Run(argc, argv); }
