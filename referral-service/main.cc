// referral-service: wiring only. Loads the config and rule files, opens the store, seeds the
// partner directory, starts the delivery dispatcher, the escalation scan and the metrics
// refresher, and serves lifeline.referral.v1.ReferralService until SIGTERM/SIGINT.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "absl/status/status.h"
#include "absl/time/time.h"

#include "common/config/flags.h"
#include "common/outbox/outbox.h"
#include "common/server/channel.h"
#include "common/server/periodic_task.h"
#include "common/server/server_flags.h"
#include "common/status/status_macros.h"
#include "common/time/dates.h"
#include "common/webhook/signature.h"
#include "common/webhook/webhook_client.h"
#include "referral-service/clients/delivery_sender.h"
#include "referral-service/clients/grpc_partner_inbox_client.h"
#include "referral-service/clients/match_client.h"
#include "referral-service/clients/webhook_delivery.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/rpc/escalation_scanner.h"
#include "referral-service/rpc/referral_config.h"
#include "referral-service/rpc/referral_metrics.h"
#include "referral-service/rpc/referral_service_impl.h"
#include "referral-service/store/sqlite_referral_store.h"

namespace lifeline {
namespace {

struct ReferralConfig {
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50053");
  std::string data_dir = "./var/referral";
  std::string routing_file = "config/referral.yaml";
  std::string partners_file = "config/partners.yaml";
  std::string calendar_file = "config/holidays.yaml";
  std::string partner_inbox_override;
  int64_t delivery_batch_size = 20;
  int64_t metrics_refresh_seconds = 15;
  int64_t escalation_interval_seconds = 60;
  int64_t delivery_max_attempts = 30;
  std::string match_target = "127.0.0.1:50052";
  std::string webhook_secrets_file;
  std::string webhook_ca_file;
  int64_t webhook_timeout_ms = 10000;
  int64_t delivery_max_backoff_seconds = 300;
};

void Bind(common::FlagSet* flags, ReferralConfig* config) {
  flags->RequiredString("data_dir", &config->data_dir, "directory of referral.db");
  flags->RequiredString("routing_file", &config->routing_file, "needs -> departments (YAML)");
  flags->RequiredString("partners_file", &config->partners_file,
                        "partner directory seeded at startup (YAML)");
  flags->RequiredString("calendar_file", &config->calendar_file,
                        "public holidays and working weekends by year, for deadlines (YAML)");
  flags->String("partner_inbox_override", &config->partner_inbox_override,
                "when set, every partner's inbox target is this target");
  flags->Int("delivery_batch_size", &config->delivery_batch_size, "deliveries per batch", 1, 50);
  flags->Int("delivery_max_attempts", &config->delivery_max_attempts,
             "failed attempts after which a delivery is parked as undeliverable (0: never)", 0,
             1000);
  flags->String("match_target", &config->match_target,
                "match-service gRPC target: verification requests and answers go onto the clue "
                "there; empty: they wait in the outbox");
  flags->String("webhook_secrets_file", &config->webhook_secrets_file,
                "department secrets signing webhook deliveries ('department secret' lines, mode "
                "600); empty: no webhook channel");
  flags->String("webhook_ca_file", &config->webhook_ca_file,
                "PEM CAs trusted for departments' webhook servers; empty: the system's");
  flags->Int("webhook_timeout_ms", &config->webhook_timeout_ms,
             "bound on one webhook POST (connect, TLS, request, answer)", 100, 60000);
  flags->Int("delivery_max_backoff_seconds", &config->delivery_max_backoff_seconds,
             "longest wait between two attempts of one delivery", 1, 86400);
  flags->Int("metrics_refresh_seconds", &config->metrics_refresh_seconds,
             "how often the gauges are reloaded", 1, 3600);
  flags->Int("escalation_interval_seconds", &config->escalation_interval_seconds,
             "how often referrals past a stage deadline are looked for and escalated", 1, 86400);
}

absl::Status Serve(const ReferralConfig& config, common::ServerRunner* runner) {
  ASSIGN_OR_RETURN(referral::Router router, referral::LoadRouter(config.routing_file));
  ASSIGN_OR_RETURN(std::vector<referral::Partner> partners,
                   referral::LoadPartnerDirectory(config.partners_file));
  common::Clock* clock = common::Clock::Real();
  ASSIGN_OR_RETURN(const referral::WorkingCalendar calendar,
                   referral::LoadWorkingCalendar(config.calendar_file));
  // This year and the next: a deadline set in December falls in January.
  const int this_year = static_cast<int>(referral::LocalDay(clock->Now()).year());
  for (int year : calendar.MissingYears(this_year, this_year + 1)) {
    spdlog::warn(
        "event=calendar_year_missing year={} file={} detail=\"deadlines in {} count Monday to "
        "Friday until its public holidays are added\"",
        year, config.calendar_file, year);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<referral::SqliteReferralStore> store,
                   referral::SqliteReferralStore::Open(config.data_dir + "/referral.db", clock));
  ASSIGN_OR_RETURN(int seeded, store->InsertPartnersIfAbsent(partners));
  spdlog::info("event=partners_seeded inserted={} in_file={}", seeded, partners.size());

  referral::ReferralMetrics metrics(runner->registry().get(), store.get(), clock);
  common::PeriodicTask metrics_refresh("metrics_refresh",
                                       absl::Seconds(config.metrics_refresh_seconds),
                                       [&metrics] { return metrics.Refresh(); });
  referral::EscalationScanner escalator(
      store.get(), clock, &calendar,
      [&metrics](const referral::AppliedEscalation& escalation) {
        metrics.RecordEscalation(escalation);
      },
      [&metrics](const referral::Verification& escalated) {
        metrics.RecordVerificationEscalation(escalated);
      });
  common::PeriodicTask escalation("escalation_scan",
                                  absl::Seconds(config.escalation_interval_seconds),
                                  [&escalator] { return escalator.ScanOnce().status(); });
  referral::GrpcPartnerInboxClient inbox_client(absl::Seconds(5));
  // The webhook channel, when the operator gave the departments' secrets.
  std::unique_ptr<common::WebhookClient> webhook_client;
  std::unique_ptr<referral::WebhookDelivery> webhook;
  if (!config.webhook_secrets_file.empty()) {
    ASSIGN_OR_RETURN(auto secrets, common::LoadWebhookSecrets(config.webhook_secrets_file));
    ASSIGN_OR_RETURN(webhook_client,
                     common::WebhookClient::Create(
                         {.ca_file = config.webhook_ca_file,
                          .timeout = std::chrono::milliseconds(config.webhook_timeout_ms)}));
    spdlog::info("event=webhook_channel_ready departments={}", secrets.size());
    webhook = std::make_unique<referral::WebhookDelivery>(
        referral::WebhookDelivery::PostWith(webhook_client.get()), std::move(secrets), clock);
  }
  common::OutboxDispatcher::Options dispatcher_options;
  dispatcher_options.topic = referral::kDeliveryTopic;
  dispatcher_options.batch_size = static_cast<int>(config.delivery_batch_size);
  dispatcher_options.min_backoff = std::chrono::milliseconds(200);
  dispatcher_options.max_backoff = std::chrono::seconds(config.delivery_max_backoff_seconds);
  // A department that is down holds back only its own deliveries.
  dispatcher_options.per_message_backoff = true;
  // Referrals and verification requests go out the same way, each on its own topic.
  const referral::DeliverySenderOptions sender_options{
      .inbox_override = config.partner_inbox_override,
      .max_attempts = static_cast<int>(config.delivery_max_attempts),
      .webhook = webhook.get(),
      .receiver_pause = std::chrono::seconds(1),
      .receiver_pause_max = std::chrono::seconds(config.delivery_max_backoff_seconds)};
  const referral::DeliveryObserver count_delivery =
      [&metrics](const std::string& department, std::string_view channel, std::string_view result) {
        metrics.RecordDelivery(department, channel, result);
      };
  common::OutboxDispatcher dispatcher(
      store->outbox(),
      referral::MakeDeliverySender(store.get(), &inbox_client, sender_options, count_delivery),
      dispatcher_options);
  common::OutboxDispatcher::Options verification_options = dispatcher_options;
  verification_options.topic = referral::kVerificationTopic;
  common::OutboxDispatcher verification_dispatcher(
      store->outbox(),
      referral::MakeVerificationSender(store.get(), &inbox_client, sender_options, count_delivery),
      verification_options);

  // The clue's copy of verification requests and answers, to match-service, in order.
  std::unique_ptr<referral::GrpcMatchClient> match_client;
  std::unique_ptr<common::OutboxDispatcher> clue_dispatcher;
  if (config.match_target.empty()) {
    spdlog::warn(
        "event=no_match_target detail=\"verifications wait in the outbox until --match_target "
        "is set\"");
  } else {
    match_client = std::make_unique<referral::GrpcMatchClient>(
        common::MakeClientChannel(config.match_target), absl::Seconds(5));
    common::OutboxDispatcher::Options clue_options;
    clue_options.topic = referral::kClueVerificationTopic;
    clue_options.batch_size = 50;
    clue_options.min_backoff = std::chrono::milliseconds(200);
    clue_options.max_backoff = std::chrono::seconds(config.delivery_max_backoff_seconds);
    clue_dispatcher = std::make_unique<common::OutboxDispatcher>(
        store->outbox(), referral::MakeClueVerificationSender(match_client.get()), clue_options);
  }

  referral::RandomIdGenerator ids;
  referral::ReferralServiceImpl service(
      store.get(), &router, clock, &ids, [&dispatcher] { dispatcher.Wake(); }, &calendar);
  service.set_transition_observer([&metrics](std::string_view from, std::string_view to) {
    metrics.RecordTransition(from, to);
  });
  service.set_verification_queued([&verification_dispatcher, &clue_dispatcher] {
    verification_dispatcher.Wake();
    if (clue_dispatcher) clue_dispatcher->Wake();
  });
  runner->AddService(&service);
  std::vector<common::BackgroundTask> background = {&dispatcher, &verification_dispatcher,
                                                    &escalation, &metrics_refresh};
  if (clue_dispatcher) background.emplace_back(clue_dispatcher.get());
  return runner->Serve(background);
}

}  // namespace
}  // namespace lifeline

int main(int argc, char** argv) {
  return lifeline::common::RunServer("referral-service", "referral", argc, argv, &lifeline::Bind,
                                     &lifeline::Serve);
}
