// ingest-service: wiring only. Loads the config, opens the store, starts the outbox dispatcher
// towards match-service and serves IngestService until SIGTERM/SIGINT.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "common/config/flags.h"
#include "common/identity/id_token.h"
#include "common/outbox/outbox.h"
#include "common/server/channel.h"
#include "common/server/periodic_task.h"
#include "common/server/server_flags.h"
#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "ingest-service/clients/grpc_match_client.h"
#include "ingest-service/clients/match_sender.h"
#include "ingest-service/domain/record_validator.h"
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
  int64_t metrics_refresh_seconds = 5;
  IngestServiceImpl::Options limits;
};

void Bind(common::FlagSet* flags, IngestConfig* config) {
  flags->RequiredString("data_dir", &config->data_dir, "directory of ingest.db");
  flags->RequiredString("match_target", &config->match_target, "match-service gRPC target");
  flags->RequiredString("token_secret_file", &config->token_secret_file,
                        "file holding the HMAC key for ID tokens");
  flags->Int("metrics_refresh_seconds", &config->metrics_refresh_seconds,
             "how often the outbox gauges (the lag towards match-service) are reloaded", 1, 3600);
  IngestServiceImpl::Options& limits = config->limits;
  flags->Int("max_batch_records", &limits.max_batch_records, "largest SubmitBatch, in records", 1,
             1000000);
  flags->Int("max_stream_records", &limits.max_stream_records,
             "largest StreamRecords stream, in records", 1, 100000000);
  flags->Int("max_outbox_pending", &limits.max_outbox_pending,
             "records waiting for match-service above which new batches are refused", 1,
             1000000000);
}

absl::Status Serve(const IngestConfig& config, common::ServerRunner* runner) {
  ASSIGN_OR_RETURN(std::string secret, common::ReadSecretFile(config.token_secret_file));
  ASSIGN_OR_RETURN(common::IdTokenizer tokenizer, common::IdTokenizer::Create(std::move(secret)));
  ASSIGN_OR_RETURN(std::unique_ptr<SqliteIngestStore> store,
                   SqliteIngestStore::OpenInDirectory(config.data_dir));
  IngestMetrics metrics(runner->registry().get());
  // Also shows from the start what a previous run left undelivered.
  common::PeriodicTask metrics_refresh(
      "metrics_refresh", absl::Seconds(config.metrics_refresh_seconds),
      [&] { return metrics.RefreshOutbox(*store, common::Clock::Real()->Now()); });
  GrpcMatchClient match_client(common::MakeClientChannel(config.match_target));
  common::OutboxDispatcher::Options dispatcher_options;
  dispatcher_options.topic = kMatchTopic;
  // Records per UpsertRecords call. Each call costs match-service a transaction, its model and
  // the re-scoring of persons the batch touches more than once; at 500, a million records took a
  // fifth longer to link. A call of 2,000 is about 3 MB and a fifth of a second's work.
  dispatcher_options.batch_size = 2000;
  common::OutboxDispatcher dispatcher(
      store->outbox(), MakeMatchSender(&match_client, store.get(), &metrics), dispatcher_options);
  RecordValidator validator(&tokenizer, common::Clock::Real());
  IngestServiceImpl service(
      store.get(), &validator, common::Clock::Real(), &metrics,
      [&dispatcher] { dispatcher.Wake(); }, config.limits);
  runner->AddService(&service);
  return runner->Serve({&dispatcher, &metrics_refresh});
}

}  // namespace
}  // namespace lifeline::ingest

int main(int argc, char** argv) {
  return lifeline::common::RunServer("ingest-service", "ingest", argc, argv,
                                     &lifeline::ingest::Bind, &lifeline::ingest::Serve);
}
