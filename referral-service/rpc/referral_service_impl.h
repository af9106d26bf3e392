// lifeline.referral.v1.ReferralService: maps requests to the domain and the store, enforces who
// may do what, and converts statuses once.
#pragma once

#include <functional>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

#include "common/auth/caller.h"
#include "common/time/dates.h"
#include "lifeline/referral/v1/referral_service.grpc.pb.h"
#include "referral-service/domain/id_generator.h"
#include "referral-service/domain/router.h"
#include "referral-service/domain/working_days.h"
#include "referral-service/store/referral_store.h"

namespace lifeline::referral {

// Access rules: internal callers (no caller metadata), admins and procurators may do everything
// but the operators' delivery repairs (ListUndeliverable, RetryDelivery,
// RetryVerificationDelivery, ListVerifications of parked ones: admins and internal callers); a
// "partner" caller sees and moves only the referrals of its own department (its scope), reads only
// its department's change feed (the polling channel: what it reads counts as delivered) and may not
// create plans or change the directory. Thread-safe.
class ReferralServiceImpl final : public lifeline::referral::v1::ReferralService::Service {
 public:
  // `on_plan_created` is called after a new plan or an added referral is stored (to wake the
  // delivery dispatcher).
  // `calendar` counts the working days of deadlines (null: Monday to Friday); it outlives this.
  ReferralServiceImpl(ReferralStore* store, const Router* router, const common::Clock* clock,
                      IdGenerator* ids, std::function<void()> on_plan_created = nullptr,
                      const WorkingCalendar* calendar = nullptr);

  // Called with the states before and after each change this service stores (before: "NONE" for
  // a new referral); set before serving.
  using TransitionObserver = std::function<void(std::string_view from, std::string_view to)>;
  void set_transition_observer(TransitionObserver observer) {
    on_transition_ = std::move(observer);
  }
  // Called after a verification request is stored (to wake its dispatcher); set before serving.
  void set_verification_queued(std::function<void()> on_queued) {
    on_verification_queued_ = std::move(on_queued);
  }

  grpc::Status CreatePlan(grpc::ServerContext* context,
                          const lifeline::referral::v1::CreatePlanRequest* request,
                          lifeline::referral::v1::Plan* response) override;
  grpc::Status GetPlan(grpc::ServerContext* context,
                       const lifeline::referral::v1::GetPlanRequest* request,
                       lifeline::referral::v1::Plan* response) override;
  grpc::Status ListReferrals(grpc::ServerContext* context,
                             const lifeline::referral::v1::ListReferralsRequest* request,
                             lifeline::referral::v1::ListReferralsResponse* response) override;
  grpc::Status TransitionReferral(grpc::ServerContext* context,
                                  const lifeline::referral::v1::TransitionReferralRequest* request,
                                  lifeline::referral::v1::Referral* response) override;
  grpc::Status AddReferral(grpc::ServerContext* context,
                           const lifeline::referral::v1::AddReferralRequest* request,
                           lifeline::referral::v1::Referral* response) override;
  grpc::Status ListPartners(grpc::ServerContext* context,
                            const lifeline::referral::v1::ListPartnersRequest* request,
                            lifeline::referral::v1::ListPartnersResponse* response) override;
  grpc::Status GetPartner(grpc::ServerContext* context,
                          const lifeline::referral::v1::GetPartnerRequest* request,
                          lifeline::referral::v1::Partner* response) override;
  grpc::Status UpsertPartner(grpc::ServerContext* context,
                             const lifeline::referral::v1::UpsertPartnerRequest* request,
                             lifeline::referral::v1::Partner* response) override;
  grpc::Status DeletePartner(grpc::ServerContext* context,
                             const lifeline::referral::v1::DeletePartnerRequest* request,
                             lifeline::referral::v1::DeletePartnerResponse* response) override;
  grpc::Status ListChanges(grpc::ServerContext* context,
                           const lifeline::referral::v1::ListChangesRequest* request,
                           lifeline::referral::v1::ListChangesResponse* response) override;
  grpc::Status RequestVerification(
      grpc::ServerContext* context,
      const lifeline::referral::v1::RequestVerificationRequest* request,
      lifeline::referral::v1::Verification* response) override;
  grpc::Status AnswerVerification(grpc::ServerContext* context,
                                  const lifeline::referral::v1::AnswerVerificationRequest* request,
                                  lifeline::referral::v1::Verification* response) override;
  grpc::Status ListVerifications(
      grpc::ServerContext* context, const lifeline::referral::v1::ListVerificationsRequest* request,
      lifeline::referral::v1::ListVerificationsResponse* response) override;
  grpc::Status ListPartnerChanges(
      grpc::ServerContext* context,
      const lifeline::referral::v1::ListPartnerChangesRequest* request,
      lifeline::referral::v1::ListPartnerChangesResponse* response) override;
  grpc::Status ListUndeliverable(grpc::ServerContext* context,
                                 const lifeline::referral::v1::ListUndeliverableRequest* request,
                                 lifeline::referral::v1::ListReferralsResponse* response) override;
  grpc::Status RetryDelivery(grpc::ServerContext* context,
                             const lifeline::referral::v1::RetryDeliveryRequest* request,
                             lifeline::referral::v1::Referral* response) override;
  grpc::Status RetryVerificationDelivery(
      grpc::ServerContext* context,
      const lifeline::referral::v1::RetryVerificationDeliveryRequest* request,
      lifeline::referral::v1::Verification* response) override;

 private:
  absl::Status DoCreatePlan(const common::Caller& caller,
                            const lifeline::referral::v1::CreatePlanRequest& request,
                            lifeline::referral::v1::Plan* response);
  absl::Status DoGetPlan(const common::Caller& caller,
                         const lifeline::referral::v1::GetPlanRequest& request,
                         lifeline::referral::v1::Plan* response);
  absl::Status DoListReferrals(const common::Caller& caller,
                               const lifeline::referral::v1::ListReferralsRequest& request,
                               lifeline::referral::v1::ListReferralsResponse* response);
  absl::Status DoAddReferral(const common::Caller& caller,
                             const lifeline::referral::v1::AddReferralRequest& request,
                             lifeline::referral::v1::Referral* response);
  absl::Status DoTransitionReferral(
      const common::Caller& caller,
      const lifeline::referral::v1::TransitionReferralRequest& request,
      lifeline::referral::v1::Referral* response);
  absl::Status DoUpsertPartner(const common::Caller& caller,
                               const lifeline::referral::v1::UpsertPartnerRequest& request,
                               lifeline::referral::v1::Partner* response);
  absl::Status DoDeletePartner(const common::Caller& caller,
                               const lifeline::referral::v1::DeletePartnerRequest& request);
  absl::Status DoListChanges(const common::Caller& caller,
                             const lifeline::referral::v1::ListChangesRequest& request,
                             lifeline::referral::v1::ListChangesResponse* response);

  absl::Status DoRequestVerification(
      const common::Caller& caller,
      const lifeline::referral::v1::RequestVerificationRequest& request,
      lifeline::referral::v1::Verification* response);
  absl::Status DoAnswerVerification(
      const common::Caller& caller,
      const lifeline::referral::v1::AnswerVerificationRequest& request,
      lifeline::referral::v1::Verification* response);
  absl::Status DoListVerifications(const common::Caller& caller,
                                   const lifeline::referral::v1::ListVerificationsRequest& request,
                                   lifeline::referral::v1::ListVerificationsResponse* response);
  absl::Status DoListPartnerChanges(
      const common::Caller& caller,
      const lifeline::referral::v1::ListPartnerChangesRequest& request,
      lifeline::referral::v1::ListPartnerChangesResponse* response);
  absl::Status DoListUndeliverable(const common::Caller& caller,
                                   const lifeline::referral::v1::ListUndeliverableRequest& request,
                                   lifeline::referral::v1::ListReferralsResponse* response);
  absl::Status DoRetryDelivery(const common::Caller& caller,
                               const lifeline::referral::v1::RetryDeliveryRequest& request,
                               lifeline::referral::v1::Referral* response);
  absl::Status DoRetryVerificationDelivery(
      const common::Caller& caller,
      const lifeline::referral::v1::RetryVerificationDeliveryRequest& request,
      lifeline::referral::v1::Verification* response);

  ReferralStore* store_;
  const Router* router_;
  const common::Clock* clock_;
  IdGenerator* ids_;
  const WorkingCalendar* calendar_;
  std::function<void()> on_plan_created_;
  TransitionObserver on_transition_;
  std::function<void()> on_verification_queued_;
};

}  // namespace lifeline::referral
