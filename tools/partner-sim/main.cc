// partner-sim: a PartnerInbox that stands in for every partner department in demos and e2e
// tests. Wiring only.
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

#include "common/auth/caller.h"
#include "common/config/flags.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
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

void Bind(common::FlagSet* flags, PartnerSimConfig* config) {
  flags->RequiredString("received_file", &config->received_file,
                        "JSON lines, one per new delivery (appended, fsynced)");
  flags->String("referral_target", &config->referral_target,
                "referral-service gRPC target, for auto_accept");
  flags->Bool("auto_accept", &config->auto_accept,
              "accept each new referral through ReferralService.TransitionReferral");
  flags->Check([config]() -> absl::Status {
    if (config->auto_accept && config->referral_target.empty()) {
      return absl::InvalidArgumentError("referral_target: required with auto_accept");
    }
    return absl::OkStatus();
  });
}

// Moves a referral to ACCEPTED through ReferralService.TransitionReferral, as its department.
partner_sim::AutoAcceptor::AcceptFn AcceptThrough(const std::string& referral_target) {
  std::shared_ptr<referral::v1::ReferralService::Stub> stub =
      referral::v1::ReferralService::NewStub(common::MakeClientChannel(referral_target));
  return [stub](const std::string& referral_id, const std::string& department) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    // The department's own system acting for it: recorded as "partner-sim" for the department.
    RETURN_IF_ERROR(
        common::AttachCaller({"partner-sim", common::kRolePartner, department}, &context));
    referral::v1::TransitionReferralRequest request;
    request.set_referral_id(referral_id);
    request.set_to_state(referral::v1::REFERRAL_STATE_ACCEPTED);
    referral::v1::Referral response;
    return common::FromGrpcStatus(stub->TransitionReferral(&context, request, &response));
  };
}

absl::Status Serve(const PartnerSimConfig& config, common::ServerRunner* runner) {
  ASSIGN_OR_RETURN(std::unique_ptr<partner_sim::ReceivedLog> log,
                   partner_sim::ReceivedLog::Open(config.received_file));
  // Stopped (queued acceptances dropped) when Serve returns, after the server has drained.
  std::unique_ptr<partner_sim::AutoAcceptor> acceptor;
  if (config.auto_accept) {
    acceptor = std::make_unique<partner_sim::AutoAcceptor>(AcceptThrough(config.referral_target),
                                                           partner_sim::AutoAcceptor::Options{});
  }
  partner_sim::PartnerInboxImpl service(log.get(), acceptor.get());
  runner->AddService(&service);
  return runner->Serve(
      {}, [&config] { return config.auto_accept ? " auto_accept=true" : " auto_accept=false"; });
}

}  // namespace
}  // namespace lifeline

int main(int argc, char** argv) {
  return lifeline::common::RunServer("partner-sim", "partner_sim", argc, argv, &lifeline::Bind,
                                     &lifeline::Serve);
}
