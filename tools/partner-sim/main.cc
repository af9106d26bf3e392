// partner-sim: a PartnerInbox that stands in for every partner department in demos and e2e
// tests, and optionally a webhook receiver and a ListChanges/ListVerifications poller for the
// departments that use those channels. Wiring only.
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "common/auth/caller.h"
#include "common/config/flags.h"
#include "common/server/channel.h"
#include "common/server/server_flags.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "common/webhook/signature.h"
#include "gateway/http/http_server.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include "tools/partner-sim/auto_acceptor.h"
#include "tools/partner-sim/partner_inbox_impl.h"
#include "tools/partner-sim/poller.h"
#include "tools/partner-sim/received_log.h"
#include "tools/partner-sim/webhook_receiver.h"

namespace lifeline {
namespace {

struct PartnerSimConfig {
  common::ServerFlags server = common::ServerFlags::Listening("127.0.0.1:50054");
  std::string received_file = "./var/partner-sim/received.jsonl";
  std::string referral_target = "127.0.0.1:50053";
  bool auto_accept = false;
  // The webhook receiver: off while webhook_listen is empty.
  std::string webhook_listen;
  std::string webhook_port_file;
  std::string webhook_tls_cert_file;
  std::string webhook_tls_key_file;
  std::string webhook_secrets_file;
  // The ListChanges poller: off while poll_departments is empty.
  std::string poll_departments;
  int64_t poll_interval_ms = 1000;
};

// The department codes of --poll_departments, in order (blanks around commas ignored).
std::vector<std::string> PollDepartments(const std::string& flag) {
  std::vector<std::string> departments;
  for (absl::string_view part : absl::StrSplit(flag, ',', absl::SkipWhitespace())) {
    departments.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return departments;
}

void Bind(common::FlagSet* flags, PartnerSimConfig* config) {
  flags->RequiredString("received_file", &config->received_file,
                        "JSON lines, one per new delivery (appended, fsynced)");
  flags->String("referral_target", &config->referral_target,
                "referral-service gRPC target, for auto_accept and poll_departments");
  flags->Bool("auto_accept", &config->auto_accept,
              "accept each new referral through ReferralService.TransitionReferral and confirm "
              "each new verification through ReferralService.AnswerVerification");
  flags->String("webhook_listen", &config->webhook_listen,
                "host:port of the HTTPS webhook receiver; empty: no receiver");
  flags->String("webhook_port_file", &config->webhook_port_file,
                "file the webhook receiver's bound port is written to");
  flags->String("webhook_tls_cert_file", &config->webhook_tls_cert_file,
                "PEM certificate chain of the webhook receiver (HTTPS only)");
  flags->String("webhook_tls_key_file", &config->webhook_tls_key_file,
                "PEM private key of the webhook receiver");
  flags->String("webhook_secrets_file", &config->webhook_secrets_file,
                "'department secret' lines (mode 0600) the webhook signatures are checked with");
  flags->String("poll_departments", &config->poll_departments,
                "comma-separated department codes to poll ListChanges for; empty: no polling");
  flags->Int("poll_interval_ms", &config->poll_interval_ms,
             "wait before polling again after a page without changes", 10, 60000);
  flags->Check([config]() -> absl::Status {
    if (config->auto_accept && config->referral_target.empty()) {
      return absl::InvalidArgumentError("referral_target: required with auto_accept");
    }
    return absl::OkStatus();
  });
  flags->Check([config]() -> absl::Status {
    if (config->webhook_listen.empty()) return absl::OkStatus();
    return common::CheckListenAddress("webhook_listen", config->webhook_listen);
  });
  // The receiver speaks HTTPS only (the bodies carry people's names) and checks every signature.
  const std::pair<const char*, const std::string*> webhook_files[] = {
      {"webhook_tls_cert_file", &config->webhook_tls_cert_file},
      {"webhook_tls_key_file", &config->webhook_tls_key_file},
      {"webhook_secrets_file", &config->webhook_secrets_file}};
  for (const auto& [name, value] : webhook_files) {
    flags->Check([config, file_flag = name, file = value]() -> absl::Status {
      if (config->webhook_listen.empty() || !file->empty()) return absl::OkStatus();
      return absl::InvalidArgumentError(absl::StrCat(file_flag, ": required with webhook_listen"));
    });
  }
  flags->Check([config]() -> absl::Status {
    const std::vector<std::string> departments = PollDepartments(config->poll_departments);
    if (departments.empty()) return absl::OkStatus();
    if (config->referral_target.empty()) {
      return absl::InvalidArgumentError("referral_target: required with poll_departments");
    }
    std::set<std::string> seen;
    for (const std::string& department : departments) {
      if (!partner_sim::IsDepartmentCode(department)) {
        return absl::InvalidArgumentError(
            absl::StrCat("poll_departments: \"", department, "\" is not a department code"));
      }
      if (!seen.insert(department).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("poll_departments: ", department, " is listed twice"));
      }
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

// Answers a verification through ReferralService.AnswerVerification, as its department.
partner_sim::AutoAcceptor::AnswerFn AnswerThrough(const std::string& referral_target) {
  std::shared_ptr<referral::v1::ReferralService::Stub> stub =
      referral::v1::ReferralService::NewStub(common::MakeClientChannel(referral_target));
  return [stub](const std::string& department,
                const referral::v1::AnswerVerificationRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    // The office's own system answering: recorded as "partner-sim" for the department, which
    // referral-service checks is the one the verification was sent to.
    RETURN_IF_ERROR(
        common::AttachCaller({"partner-sim", common::kRolePartner, department}, &context));
    referral::v1::Verification response;
    return common::FromGrpcStatus(stub->AnswerVerification(&context, request, &response));
  };
}

// Reads a department's changes through ReferralService.ListChanges, as that department.
partner_sim::Poller::ListChangesFn ListChangesThrough(const std::string& referral_target) {
  std::shared_ptr<referral::v1::ReferralService::Stub> stub =
      referral::v1::ReferralService::NewStub(common::MakeClientChannel(referral_target));
  return [stub](const std::string& department, const referral::v1::ListChangesRequest& request)
             -> absl::StatusOr<referral::v1::ListChangesResponse> {
    grpc::ClientContext context;
    // Bounds how long stopping the poller can wait for a call in progress.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    // A partner caller sees only its own department's changes, like the real department would.
    RETURN_IF_ERROR(
        common::AttachCaller({"partner-sim", common::kRolePartner, department}, &context));
    referral::v1::ListChangesResponse response;
    RETURN_IF_ERROR(common::FromGrpcStatus(stub->ListChanges(&context, request, &response)));
    return response;
  };
}

// Lists a department's verifications through ReferralService.ListVerifications, as that
// department.
partner_sim::Poller::ListVerificationsFn ListVerificationsThrough(
    const std::string& referral_target) {
  std::shared_ptr<referral::v1::ReferralService::Stub> stub =
      referral::v1::ReferralService::NewStub(common::MakeClientChannel(referral_target));
  return [stub](const std::string& department,
                const referral::v1::ListVerificationsRequest& request)
             -> absl::StatusOr<referral::v1::ListVerificationsResponse> {
    grpc::ClientContext context;
    // Bounds how long stopping the poller can wait for a call in progress.
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    // A partner caller sees only its own department's verifications, and the listing counts as
    // their delivery.
    RETURN_IF_ERROR(
        common::AttachCaller({"partner-sim", common::kRolePartner, department}, &context));
    referral::v1::ListVerificationsResponse response;
    RETURN_IF_ERROR(common::FromGrpcStatus(stub->ListVerifications(&context, request, &response)));
    return response;
  };
}

absl::Status Serve(const PartnerSimConfig& config, common::ServerRunner* runner) {
  ASSIGN_OR_RETURN(std::unique_ptr<partner_sim::ReceivedLog> log,
                   partner_sim::ReceivedLog::Open(config.received_file));
  // Stopped (queued acceptances and answers dropped) when Serve returns, after the server has
  // drained and the webhook receiver and the poller, which feed it, have stopped.
  std::unique_ptr<partner_sim::AutoAcceptor> acceptor;
  if (config.auto_accept) {
    acceptor = std::make_unique<partner_sim::AutoAcceptor>(AcceptThrough(config.referral_target),
                                                           AnswerThrough(config.referral_target),
                                                           partner_sim::AutoAcceptor::Options{});
  }
  partner_sim::PartnerInboxImpl service(log.get(), acceptor.get());
  runner->AddService(&service);
  std::vector<common::BackgroundTask> tasks;

  std::unique_ptr<partner_sim::WebhookReceiver> receiver;
  std::unique_ptr<gateway::HttpServer> webhook_server;
  if (!config.webhook_listen.empty()) {
    ASSIGN_OR_RETURN(auto secrets, common::LoadWebhookSecrets(config.webhook_secrets_file));
    receiver = std::make_unique<partner_sim::WebhookReceiver>(
        std::move(secrets), log.get(), acceptor.get(), partner_sim::WebhookReceiver::Options{});
    gateway::HttpServerOptions http;
    http.address = config.webhook_listen;
    http.tls_cert_file = config.webhook_tls_cert_file;
    http.tls_key_file = config.webhook_tls_key_file;
    // One referral or verification is a few hundred bytes; anything near this is not a delivery.
    http.max_body_bytes = 1024 * 1024;
    webhook_server = std::make_unique<gateway::HttpServer>(http, receiver.get());
    tasks.emplace_back(
        [&config, &webhook_server]() -> absl::Status {
          RETURN_IF_ERROR(webhook_server->Start());
          if (!config.webhook_port_file.empty()) {
            RETURN_IF_ERROR(
                common::WritePortFile(config.webhook_port_file, webhook_server->port()));
          }
          return absl::OkStatus();
        },
        [&webhook_server] { webhook_server->Stop(); });
  }

  std::unique_ptr<partner_sim::Poller> poller;
  const std::vector<std::string> departments = PollDepartments(config.poll_departments);
  if (!departments.empty()) {
    partner_sim::Poller::Options options;
    options.departments = departments;
    options.cursor_prefix = config.received_file + ".cursor.";
    options.poll_interval = std::chrono::milliseconds(config.poll_interval_ms);
    poller = std::make_unique<partner_sim::Poller>(ListChangesThrough(config.referral_target),
                                                   ListVerificationsThrough(config.referral_target),
                                                   log.get(), acceptor.get(), options);
    tasks.emplace_back([&poller] { return poller->Start(); }, [&poller] { poller->Stop(); });
  }

  return runner->Serve(tasks, [&config, &webhook_server, &departments] {
    std::string fields = config.auto_accept ? " auto_accept=true" : " auto_accept=false";
    if (webhook_server != nullptr) {
      absl::StrAppend(&fields, " webhook_port=", webhook_server->port());
    }
    if (!departments.empty()) {
      absl::StrAppend(&fields, " poll_departments=", absl::StrJoin(departments, ","));
    }
    return fields;
  });
}

}  // namespace
}  // namespace lifeline

int main(int argc, char** argv) {
  return lifeline::common::RunServer("partner-sim", "partner_sim", argc, argv, &lifeline::Bind,
                                     &lifeline::Serve);
}
