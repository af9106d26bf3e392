#include "referral-service/rpc/referral_service_impl.h"

#include <algorithm>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include "common/paging/paging.h"
#include "common/server/admit.h"
#include "common/status/grpc_status.h"
#include "common/status/status_macros.h"
#include "referral-service/domain/delivery_request.h"
#include "referral-service/domain/partner_rules.h"
#include "referral-service/domain/plan_builder.h"
#include "referral-service/domain/referral_state.h"
#include "referral-service/domain/verification.h"
#include "referral-service/rpc/referral_mapping.h"

namespace lifeline::referral {
namespace {

constexpr int kDefaultReferralPageSize = 50;
constexpr int kMaxReferralPageSize = 500;
constexpr int kDefaultChangesPageSize = 100;
constexpr int kMaxChangesPageSize = 1000;

bool IsPartner(const common::Caller& caller) { return caller.role == common::kRolePartner; }

// Internal callers, admins, procurators and partners (within their department) use this
// service; any other role (an agency submitter, an auditor, one added later) may not.
absl::Status CheckRole(const common::Caller& caller) {
  if (caller.internal() || IsPartner(caller) || caller.role == common::kRoleAdmin ||
      caller.role == common::kRoleProcurator || caller.role == common::kRoleChiefProcurator) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("caller: role '", caller.role, "' may not use referrals"));
}

// The caller, authenticated, of a role that uses referrals, with no oversized text in `request`.
absl::StatusOr<common::Caller> Admit(const grpc::ServerContext& context,
                                     const google::protobuf::Message* request) {
  absl::StatusOr<common::Caller> caller = common::AdmitCall(context, request);
  if (!caller.ok()) return caller;
  if (absl::Status role = CheckRole(*caller); !role.ok()) return role;
  return caller;
}

// Delivery repairs are an operator's: admins and the suite's own services.
absl::Status RequireOperator(const common::Caller& caller, std::string_view what) {
  if (caller.internal() || caller.role == common::kRoleAdmin) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("caller: only an admin may ", std::string(what)));
}

// A partner caller must carry its department as scope.
absl::Status CheckPartnerScope(const common::Caller& caller) {
  if (IsPartner(caller) && caller.scope.empty()) {
    return absl::PermissionDeniedError("caller: partner without a department scope");
  }
  return absl::OkStatus();
}

absl::Status DenyPartner(const common::Caller& caller, std::string_view what) {
  if (IsPartner(caller)) {
    return absl::PermissionDeniedError(
        absl::StrCat("caller: a partner may not ", std::string(what)));
  }
  return absl::OkStatus();
}

// Who an event records, from the authenticated caller and nothing else (a request's `actor` is
// ignored): the person acting and, for a partner, the department they act for. A partner's system
// acting without a person (an inbox integration) is recorded as its department alone; a service
// without a user name as "internal". The one rule for every event this service writes for a
// caller.
struct EventActor {
  std::string person;
  std::string department;
};
EventActor ActorOf(const common::Caller& caller) {
  if (IsPartner(caller)) return {caller.user, caller.scope};
  return {caller.user.empty() ? "internal" : caller.user, ""};
}

}  // namespace

ReferralServiceImpl::ReferralServiceImpl(ReferralStore* store, const Router* router,
                                         const common::Clock* clock, IdGenerator* ids,
                                         std::function<void()> on_plan_created,
                                         const WorkingCalendar* calendar)
    : store_(store),
      router_(router),
      clock_(clock),
      ids_(ids),
      calendar_(calendar),
      on_plan_created_(std::move(on_plan_created)) {}

grpc::Status ReferralServiceImpl::CreatePlan(grpc::ServerContext* context,
                                             const v1::CreatePlanRequest* request,
                                             v1::Plan* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoCreatePlan(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoCreatePlan(const common::Caller& caller,
                                               const v1::CreatePlanRequest& request,
                                               v1::Plan* response) {
  RETURN_IF_ERROR(DenyPartner(caller, "create plans"));
  PlanRequest plan_request = FromProto(request);
  PlanBuilder builder(router_, clock_, ids_, calendar_);
  auto lookup = [this](const std::string& department) -> std::optional<Partner> {
    absl::StatusOr<Partner> partner = store_->GetPartner(department);
    if (!partner.ok()) return std::nullopt;
    return *partner;
  };
  ASSIGN_OR_RETURN(Plan plan, builder.Build(plan_request, lookup));
  std::vector<std::string> unknown = router_->UnknownNeeds(plan_request.needs);
  ASSIGN_OR_RETURN(CreatePlanResult result, store_->CreatePlan(plan, BuildDeliveryRequests(plan)));
  if (result.created) {
    spdlog::info("event=plan_created rpc=CreatePlan plan_id={} clue_id={} referrals={}{}",
                 result.plan.plan_id, result.plan.clue_id, result.plan.referrals.size(),
                 unknown.empty() ? "" : " unknown_needs=" + absl::StrJoin(unknown, ","));
    if (on_plan_created_) on_plan_created_();
    if (on_transition_) {
      for (const Referral& referral : result.plan.referrals) {
        on_transition_("NONE", StateName(referral.state));
      }
    }
  } else {
    spdlog::info("event=plan_exists rpc=CreatePlan plan_id={} clue_id={}", result.plan.plan_id,
                 result.plan.clue_id);
  }
  ToProto(result.plan, response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::GetPlan(grpc::ServerContext* context,
                                          const v1::GetPlanRequest* request, v1::Plan* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoGetPlan(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoGetPlan(const common::Caller& caller,
                                            const v1::GetPlanRequest& request, v1::Plan* response) {
  RETURN_IF_ERROR(CheckPartnerScope(caller));
  if (request.plan_id().empty()) return absl::InvalidArgumentError("plan_id: required");
  ASSIGN_OR_RETURN(Plan plan, store_->GetPlan(request.plan_id()));
  if (IsPartner(caller)) {
    std::erase_if(plan.referrals,
                  [&caller](const Referral& r) { return r.department != caller.scope; });
    if (plan.referrals.empty()) {
      return absl::PermissionDeniedError("plan_id: the plan has no referral for the caller");
    }
  }
  ToProto(plan, response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::ListReferrals(grpc::ServerContext* context,
                                                const v1::ListReferralsRequest* request,
                                                v1::ListReferralsResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoListReferrals(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoListReferrals(const common::Caller& caller,
                                                  const v1::ListReferralsRequest& request,
                                                  v1::ListReferralsResponse* response) {
  RETURN_IF_ERROR(CheckPartnerScope(caller));
  ReferralFilter filter;
  filter.department = request.department();
  filter.plan_id = request.plan_id();
  filter.escalated = request.escalated();
  if (request.state() != v1::REFERRAL_STATE_UNSPECIFIED) {
    filter.state = FromProto(request.state());
    if (!filter.state.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("state: unknown value ", request.state()));
    }
  }
  if (IsPartner(caller)) {
    if (!filter.department.empty() && filter.department != caller.scope) {
      return absl::PermissionDeniedError(
          "department: a partner may list only its own department's referrals");
    }
    filter.department = caller.scope;
  }
  const int page_size =
      common::PageSize(request.page_size(), {kDefaultReferralPageSize, kMaxReferralPageSize});
  ASSIGN_OR_RETURN(int64_t cursor, common::ParsePageToken(request.page_token()));
  ASSIGN_OR_RETURN(ReferralPage page, store_->ListReferrals(filter, page_size, cursor));
  for (const Referral& referral : page.referrals) ToProto(referral, response->add_referrals());
  response->set_next_page_token(common::NextPageToken(page.next_cursor));
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::TransitionReferral(grpc::ServerContext* context,
                                                     const v1::TransitionReferralRequest* request,
                                                     v1::Referral* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoTransitionReferral(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoTransitionReferral(const common::Caller& caller,
                                                       const v1::TransitionReferralRequest& request,
                                                       v1::Referral* response) {
  RETURN_IF_ERROR(CheckPartnerScope(caller));
  if (request.referral_id().empty()) return absl::InvalidArgumentError("referral_id: required");
  std::optional<ReferralState> to = FromProto(request.to_state());
  if (!to.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("to_state: ", request.to_state(), " is not a target state"));
  }
  if (!v1::ReferralOutcome_IsValid(request.outcome())) {
    return absl::InvalidArgumentError(
        absl::StrCat("outcome: ", request.outcome(), " is not an outcome"));
  }
  // Who may make the move: the department works it, the procuratorate cancels (ActorMay).
  const ActorKind kind = IsPartner(caller)   ? ActorKind::kDepartment
                         : caller.internal() ? ActorKind::kSystem
                                             : ActorKind::kProcuratorate;
  if (!ActorMay(kind, *to)) {
    return absl::PermissionDeniedError(
        kind == ActorKind::kDepartment
            ? "to_state: a department does not cancel a referral (it rejects or fails it)"
            : "to_state: the procuratorate only cancels a referral; the department moves it "
              "through its work");
  }
  // A partner's department is checked against the referral's inside the transaction
  // (DecideTransition): no read of its own, no wait for the writer.
  const EventActor actor = ActorOf(caller);
  ASSIGN_OR_RETURN(Referral referral,
                   store_->TransitionReferral(
                       request.referral_id(), *to, request.note(), actor.person, actor.department,
                       static_cast<ReferralOutcome>(static_cast<int>(request.outcome()))));
  spdlog::info(
      "event=referral_transition rpc=TransitionReferral referral_id={} department={} "
      "to={}",
      referral.referral_id, referral.department, StateName(referral.state));
  if (on_transition_ && !referral.history.empty()) {
    const ReferralEvent& last = referral.history.back();
    on_transition_(StateName(last.from_state), StateName(last.to_state));
  }
  ToProto(referral, response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::AddReferral(grpc::ServerContext* context,
                                              const v1::AddReferralRequest* request,
                                              v1::Referral* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoAddReferral(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoAddReferral(const common::Caller& caller,
                                                const v1::AddReferralRequest& request,
                                                v1::Referral* response) {
  RETURN_IF_ERROR(DenyPartner(caller, "add referrals"));
  if (request.plan_id().empty()) return absl::InvalidArgumentError("plan_id: required");
  if (request.department().empty()) return absl::InvalidArgumentError("department: required");
  absl::StatusOr<Partner> partner = store_->GetPartner(request.department());
  if (!partner.ok()) {
    if (absl::IsNotFound(partner.status())) {
      return absl::NotFoundError(
          absl::StrCat("department: ", request.department(), " is not in the directory"));
    }
    return partner.status();
  }
  PlanBuilder builder(router_, clock_, ids_, calendar_);
  const PlanBuilder::AddedReferral added{request.department(), request.service(), request.reason(),
                                         request.reroutes_referral_id()};
  // A partner's department is checked against the referral's inside the transaction
  // (DecideTransition): no read of its own, no wait for the writer.
  const EventActor actor = ActorOf(caller);
  ASSIGN_OR_RETURN(Referral referral, store_->AddReferral(request.plan_id(), [&](const Plan& plan) {
    return builder.BuildAdded(plan, added, *partner, actor.person, actor.department);
  }));
  spdlog::info("event=referral_added rpc=AddReferral referral_id={} plan_id={} department={}{}",
               referral.referral_id, referral.plan_id, referral.department,
               referral.rerouted_from.empty() ? "" : " reroutes=" + referral.rerouted_from);
  if (on_plan_created_) on_plan_created_();  // wakes the delivery dispatcher
  if (on_transition_) on_transition_("NONE", StateName(referral.state));
  ToProto(referral, response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::ListPartners(grpc::ServerContext* context,
                                               const v1::ListPartnersRequest* /*request*/,
                                               v1::ListPartnersResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, nullptr);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  absl::StatusOr<std::vector<Partner>> partners = store_->ListPartners();
  if (!partners.ok()) return common::ToGrpcStatus(partners.status());
  for (const Partner& partner : *partners) ToProto(partner, response->add_partners());
  return grpc::Status::OK;
}

grpc::Status ReferralServiceImpl::GetPartner(grpc::ServerContext* context,
                                             const v1::GetPartnerRequest* request,
                                             v1::Partner* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  if (!IsDepartmentCode(request->department())) {
    return common::ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("department: '", request->department(), "' is not a department code")));
  }
  absl::StatusOr<Partner> partner = store_->GetPartner(request->department());
  if (!partner.ok()) return common::ToGrpcStatus(partner.status());
  ToProto(*partner, response);
  return grpc::Status::OK;
}

grpc::Status ReferralServiceImpl::UpsertPartner(grpc::ServerContext* context,
                                                const v1::UpsertPartnerRequest* request,
                                                v1::Partner* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoUpsertPartner(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoUpsertPartner(const common::Caller& caller,
                                                  const v1::UpsertPartnerRequest& request,
                                                  v1::Partner* response) {
  RETURN_IF_ERROR(DenyPartner(caller, "change the partner directory"));
  Partner partner = FromProto(request.partner());
  RETURN_IF_ERROR(ValidatePartner(partner));
  ASSIGN_OR_RETURN(Partner stored, store_->UpsertPartner(partner, ActorOf(caller).person));
  spdlog::info("event=partner_upserted rpc=UpsertPartner department={} enabled={}",
               stored.department, stored.enabled);
  ToProto(stored, response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::DeletePartner(grpc::ServerContext* context,
                                                const v1::DeletePartnerRequest* request,
                                                v1::DeletePartnerResponse* /*response*/) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoDeletePartner(*authenticated, *request));
}

absl::Status ReferralServiceImpl::DoDeletePartner(const common::Caller& caller,
                                                  const v1::DeletePartnerRequest& request) {
  RETURN_IF_ERROR(DenyPartner(caller, "change the partner directory"));
  if (!IsDepartmentCode(request.department())) {
    return absl::InvalidArgumentError(
        absl::StrCat("department: '", request.department(), "' is not a department code"));
  }
  RETURN_IF_ERROR(store_->DeletePartner(request.department(), ActorOf(caller).person));
  spdlog::info("event=partner_deleted rpc=DeletePartner department={}", request.department());
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::ListChanges(grpc::ServerContext* context,
                                              const v1::ListChangesRequest* request,
                                              v1::ListChangesResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoListChanges(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoListChanges(const common::Caller& caller,
                                                const v1::ListChangesRequest& request,
                                                v1::ListChangesResponse* response) {
  RETURN_IF_ERROR(CheckPartnerScope(caller));
  if (request.after_sequence() < 0) {
    return absl::InvalidArgumentError("after_sequence: must not be negative");
  }
  std::string department = request.department();
  if (!department.empty() && !IsDepartmentCode(department)) {
    return absl::InvalidArgumentError(
        absl::StrCat("department: '", department, "' is not a department code"));
  }
  if (IsPartner(caller)) {
    // A department reads its own feed: the polling channel.
    if (!department.empty() && department != caller.scope) {
      return absl::PermissionDeniedError(
          "department: a partner may read only its own department's changes");
    }
    department = caller.scope;
  }
  const int page_size =
      common::PageSize(request.page_size(), {kDefaultChangesPageSize, kMaxChangesPageSize});
  ASSIGN_OR_RETURN(ChangePage page,
                   store_->ListChanges(request.after_sequence(), page_size, department));
  if (IsPartner(caller)) {
    // What the department has now read is delivered to it, whatever its channel.
    std::vector<std::string> picked;
    for (const Referral& referral : page.referrals) {
      if (!referral.delivery.delivered) picked.push_back(referral.referral_id);
    }
    ASSIGN_OR_RETURN(int recorded, store_->RecordPickup(picked));
    if (recorded > 0) {
      spdlog::info("event=referrals_picked_up rpc=ListChanges department={} referrals={}",
                   department, recorded);
    }
  }
  for (const ReferralEvent& event : page.events) ToProto(event, response->add_events());
  for (const Referral& referral : page.referrals) ToProto(referral, response->add_referrals());
  response->set_last_sequence(page.last_sequence);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::RequestVerification(grpc::ServerContext* context,
                                                      const v1::RequestVerificationRequest* request,
                                                      v1::Verification* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoRequestVerification(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoRequestVerification(
    const common::Caller& caller, const v1::RequestVerificationRequest& request,
    v1::Verification* response) {
  RETURN_IF_ERROR(DenyPartner(caller, "request verifications"));
  if (!IsDepartmentCode(request.department())) {
    return absl::InvalidArgumentError(
        absl::StrCat("department: '", request.department(), "' is not a department code"));
  }
  ASSIGN_OR_RETURN(Partner office, store_->GetPartner(request.department()));
  VerificationRequest asked;
  asked.clue_id = request.clue_id();
  asked.department = request.department();
  asked.question = request.question();
  asked.person = FromProto(request.person());
  asked.requested_by = ActorOf(caller).person;
  static const WorkingCalendar kWeekdays;
  ASSIGN_OR_RETURN(Verification verification,
                   NewVerification(asked, office, clock_->Now(),
                                   calendar_ != nullptr ? *calendar_ : kWeekdays, ids_));
  ASSIGN_OR_RETURN(Verification stored, store_->CreateVerification(verification));
  spdlog::info(
      "event=verification_requested rpc=RequestVerification verification_id={} clue_id={} "
      "department={}",
      stored.verification_id, stored.clue_id, stored.department);
  if (on_verification_queued_) on_verification_queued_();
  ToProto(stored, LocalDay(clock_->Now()), response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::AnswerVerification(grpc::ServerContext* context,
                                                     const v1::AnswerVerificationRequest* request,
                                                     v1::Verification* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoAnswerVerification(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoAnswerVerification(const common::Caller& caller,
                                                       const v1::AnswerVerificationRequest& request,
                                                       v1::Verification* response) {
  // The office answers: its partner users, or the suite's services relaying for it.
  if (!IsPartner(caller) && !caller.internal()) {
    return absl::PermissionDeniedError(
        "caller: only the office asked (a partner of its department) answers a verification");
  }
  RETURN_IF_ERROR(CheckPartnerScope(caller));
  if (request.verification_id().empty()) {
    return absl::InvalidArgumentError("verification_id: required");
  }
  if (!v1::VerificationState_IsValid(request.result())) {
    return absl::InvalidArgumentError("result: CONFIRMED or NOT_CONFIRMED");
  }
  VerificationAnswer answer;
  answer.result = static_cast<VerificationState>(static_cast<int>(request.result()));
  answer.note = request.note();
  for (const v1::Attachment& attachment : request.attachments()) {
    answer.attachments.push_back(FromProto(attachment));
  }
  const EventActor actor = ActorOf(caller);
  answer.actor = actor.person;
  answer.actor_department = actor.department;
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(
      Verification answered,
      store_->AnswerVerification(request.verification_id(), [&](const Verification& current) {
        return DecideAnswer(current, answer, now);
      }));
  spdlog::info(
      "event=verification_answered rpc=AnswerVerification verification_id={} department={} "
      "result={} attachments={}",
      answered.verification_id, answered.department, VerificationStateName(answered.state),
      answered.attachments.size());
  ToProto(answered, LocalDay(now), response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::ListVerifications(grpc::ServerContext* context,
                                                    const v1::ListVerificationsRequest* request,
                                                    v1::ListVerificationsResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoListVerifications(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoListVerifications(const common::Caller& caller,
                                                      const v1::ListVerificationsRequest& request,
                                                      v1::ListVerificationsResponse* response) {
  RETURN_IF_ERROR(CheckPartnerScope(caller));
  VerificationFilter filter;
  filter.clue_id = request.clue_id();
  filter.department = request.department();
  filter.open_only = request.open_only();
  filter.undeliverable_only = request.undeliverable_only();
  if (filter.undeliverable_only) {
    RETURN_IF_ERROR(RequireOperator(caller, "list undeliverable verifications"));
  }
  if (!filter.department.empty() && !IsDepartmentCode(filter.department)) {
    return absl::InvalidArgumentError(
        absl::StrCat("department: '", filter.department, "' is not a department code"));
  }
  if (IsPartner(caller)) {
    if (!filter.department.empty() && filter.department != caller.scope) {
      return absl::PermissionDeniedError(
          "department: a partner may list only its own department's verifications");
    }
    filter.department = caller.scope;
  }
  const int page_size =
      common::PageSize(request.page_size(), {kDefaultReferralPageSize, kMaxReferralPageSize});
  ASSIGN_OR_RETURN(int64_t cursor, common::ParsePageToken(request.page_token()));
  ASSIGN_OR_RETURN(VerificationPage page, store_->ListVerifications(filter, page_size, cursor));
  if (IsPartner(caller)) {
    // What the office has read is delivered to it (the polling channel).
    std::vector<std::string> picked;
    for (const Verification& v : page.verifications) {
      if (!v.delivery.delivered) picked.push_back(v.verification_id);
    }
    RETURN_IF_ERROR(store_->RecordVerificationPickup(picked).status());
  }
  const absl::CivilDay today = LocalDay(clock_->Now());
  for (const Verification& v : page.verifications) {
    ToProto(v, today, response->add_verifications());
  }
  response->set_next_page_token(common::NextPageToken(page.next_cursor));
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::ListPartnerChanges(grpc::ServerContext* context,
                                                     const v1::ListPartnerChangesRequest* request,
                                                     v1::ListPartnerChangesResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoListPartnerChanges(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoListPartnerChanges(const common::Caller& caller,
                                                       const v1::ListPartnerChangesRequest& request,
                                                       v1::ListPartnerChangesResponse* response) {
  RETURN_IF_ERROR(DenyPartner(caller, "read the directory's history"));
  if (!request.department().empty() && !IsDepartmentCode(request.department())) {
    return absl::InvalidArgumentError(
        absl::StrCat("department: '", request.department(), "' is not a department code"));
  }
  const int page_size =
      common::PageSize(request.page_size(), {kDefaultReferralPageSize, kMaxReferralPageSize});
  ASSIGN_OR_RETURN(int64_t cursor, common::ParsePageToken(request.page_token()));
  ASSIGN_OR_RETURN(PartnerChangePage page,
                   store_->ListPartnerChanges(request.department(), page_size, cursor));
  for (const PartnerChange& change : page.changes) ToProto(change, response->add_changes());
  response->set_next_page_token(common::NextPageToken(page.next_cursor));
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::ListUndeliverable(grpc::ServerContext* context,
                                                    const v1::ListUndeliverableRequest* request,
                                                    v1::ListReferralsResponse* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoListUndeliverable(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoListUndeliverable(const common::Caller& caller,
                                                      const v1::ListUndeliverableRequest& request,
                                                      v1::ListReferralsResponse* response) {
  RETURN_IF_ERROR(RequireOperator(caller, "list undeliverable referrals"));
  const int page_size =
      common::PageSize(request.page_size(), {kDefaultReferralPageSize, kMaxReferralPageSize});
  ASSIGN_OR_RETURN(int64_t cursor, common::ParsePageToken(request.page_token()));
  ASSIGN_OR_RETURN(ReferralPage page, store_->ListUndeliverable(page_size, cursor));
  for (const Referral& referral : page.referrals) ToProto(referral, response->add_referrals());
  response->set_next_page_token(common::NextPageToken(page.next_cursor));
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::RetryDelivery(grpc::ServerContext* context,
                                                const v1::RetryDeliveryRequest* request,
                                                v1::Referral* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoRetryDelivery(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoRetryDelivery(const common::Caller& caller,
                                                  const v1::RetryDeliveryRequest& request,
                                                  v1::Referral* response) {
  RETURN_IF_ERROR(RequireOperator(caller, "retry deliveries"));
  if (request.referral_id().empty()) return absl::InvalidArgumentError("referral_id: required");
  ASSIGN_OR_RETURN(Referral referral,
                   store_->RetryDelivery(request.referral_id(), ActorOf(caller).person));
  spdlog::info("event=delivery_retried rpc=RetryDelivery referral_id={} department={}",
               referral.referral_id, referral.department);
  if (on_plan_created_) on_plan_created_();  // wakes the dispatcher
  ToProto(referral, response);
  return absl::OkStatus();
}

grpc::Status ReferralServiceImpl::RetryVerificationDelivery(
    grpc::ServerContext* context, const v1::RetryVerificationDeliveryRequest* request,
    v1::Verification* response) {
  const absl::StatusOr<common::Caller> authenticated = Admit(*context, request);
  if (!authenticated.ok()) return common::ToGrpcStatus(authenticated.status());
  return common::ToGrpcStatus(DoRetryVerificationDelivery(*authenticated, *request, response));
}

absl::Status ReferralServiceImpl::DoRetryVerificationDelivery(
    const common::Caller& caller, const v1::RetryVerificationDeliveryRequest& request,
    v1::Verification* response) {
  RETURN_IF_ERROR(RequireOperator(caller, "retry deliveries"));
  if (request.verification_id().empty()) {
    return absl::InvalidArgumentError("verification_id: required");
  }
  ASSIGN_OR_RETURN(Verification verification,
                   store_->RetryVerificationDelivery(request.verification_id()));
  spdlog::info(
      "event=delivery_retried rpc=RetryVerificationDelivery verification_id={} department={}",
      verification.verification_id, verification.department);
  if (on_verification_queued_) on_verification_queued_();  // wakes its dispatcher
  ToProto(verification, LocalDay(clock_->Now()), response);
  return absl::OkStatus();
}

}  // namespace lifeline::referral
