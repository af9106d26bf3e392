// partner-sim: a PartnerInbox that stands in for every partner department in demos and e2e
// tests. Wiring only.
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "absl/status/status.h"

#include "common/auth/caller.h"
#include "common/config/flags.h"
#include "common/logging/logging.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
#include "common/server/server_runner.h"
#include "common/status/grpc_status.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include "tools/partner-sim/auto_acceptor.h"
#include "tools/partner-sim/partner_inbox_impl.h"
#include "tools/partner-sim/received_log.h"

namespace lifeline {
namespace {

struct PartnerSimConfig {
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50054");
  std::string received_file = "./var/partner-sim/received.jsonl";
  std::string referral_target = "127.0.0.1:50053";
  bool auto_accept = false;
};

int Run(int argc, char** argv) {
  PartnerSimConfig config;
  common::FlagSet flags("partner_sim");
  common::DefineServerFlags(&flags, &config.server);
  flags.RequiredString("received_file", &config.received_file,
                       "JSON lines, one per new delivery (appended, fsynced)");
  flags.String("referral_target", &config.referral_target,
               "referral-service gRPC target, for auto_accept");
  flags.Bool("auto_accept", &config.auto_accept,
             "accept each new referral through ReferralService.TransitionReferral");
  flags.Check([&config]() -> absl::Status {
    if (config.auto_accept && config.referral_target.empty()) {
      return absl::InvalidArgumentError("referral_target: required with auto_accept");
    }
    return absl::OkStatus();
  });
  if (auto exit_code = common::ParseFlags(&flags, "partner-sim", argc, argv)) return *exit_code;
  common::InitLogging("partner-sim", config.server.log_level);
  spdlog::info("event=config {}", flags.Describe());

  absl::StatusOr<std::unique_ptr<partner_sim::ReceivedLog>> log =
      partner_sim::ReceivedLog::Open(config.received_file);
  if (!log.ok()) return common::StartupFailure("partner-sim", "bad received_file", log.status());

  std::unique_ptr<referral::v1::ReferralService::Stub> referral_stub;
  std::unique_ptr<partner_sim::AutoAcceptor> acceptor;
  if (config.auto_accept) {
    referral_stub =
        referral::v1::ReferralService::NewStub(common::MakeClientChannel(config.referral_target));
    auto accept = [stub = referral_stub.get()](const std::string& referral_id,
                                               const std::string& department) -> absl::Status {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
      common::AddCallerMetadata({"", common::kRolePartner, department}, &context);
      referral::v1::TransitionReferralRequest request;
      request.set_referral_id(referral_id);
      request.set_to_state(referral::v1::REFERRAL_STATE_ACCEPTED);
      request.set_actor(department);
      referral::v1::Referral response;
      return common::FromGrpcStatus(stub->TransitionReferral(&context, request, &response));
    };
    acceptor =
        std::make_unique<partner_sim::AutoAcceptor>(accept, partner_sim::AutoAcceptor::Options{});
  }

  partner_sim::PartnerInboxImpl service(log->get(), acceptor.get());
  common::ServerRunner runner("partner-sim", config.server.Options());
  runner.AddService(&service);
  if (absl::Status status = runner.Start(); !status.ok()) {
    return common::StartupFailure("partner-sim", "cannot start", status);
  }
  spdlog::info("event=serving port={} metrics_port={} auto_accept={}", runner.port(),
               runner.metrics_port(), config.auto_accept);
  runner.Wait();
  if (acceptor) acceptor->Stop();
  spdlog::info("event=stopped");
  return 0;
}

}  // namespace
}  // namespace lifeline

int main(int argc, char** argv) { return lifeline::Run(argc, argv); }
