#include "referral-service/clients/webhook_delivery.h"

#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

#include "common/status/status_macros.h"
#include "common/webhook/signature.h"

namespace lifeline::referral {

WebhookDelivery::Poster WebhookDelivery::PostWith(common::WebhookClient* client) {
  return [client](const std::string& url,
                  const std::vector<std::pair<std::string, std::string>>& headers,
                  const std::string& body) { return client->Post(url, headers, body); };
}

absl::StatusOr<std::string> WebhookDelivery::Deliver(
    const std::string& url, const lifeline::partner::v1::DeliverReferralRequest& request) {
  return Post(url, request, request.referral().department(), request.idempotency_key());
}

absl::StatusOr<std::string> WebhookDelivery::DeliverVerification(
    const std::string& url, const lifeline::partner::v1::DeliverVerificationRequest& request) {
  return Post(url, request, request.verification().department(), request.idempotency_key());
}

absl::StatusOr<std::string> WebhookDelivery::Post(const std::string& url,
                                                  const google::protobuf::Message& request,
                                                  const std::string& department,
                                                  const std::string& idempotency_key) {
  auto secret = secrets_.find(department);
  if (secret == secrets_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("webhook: no secret for department ", department));
  }
  std::string body;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(request, &body, print).ok()) {
    return absl::InternalError("webhook: the delivery could not be printed as JSON");
  }
  const int64_t timestamp = absl::ToUnixSeconds(clock_->Now());
  const std::vector<std::pair<std::string, std::string>> headers = {
      {common::kWebhookTimestampHeader, absl::StrCat(timestamp)},
      {common::kWebhookIdempotencyKeyHeader, idempotency_key},
      {common::kWebhookSignatureHeader, common::SignWebhook(secret->second, timestamp, body)},
  };
  ASSIGN_OR_RETURN(common::WebhookResponse response, post_(url, headers, body));
  if (response.status >= 200 && response.status < 300) {
    lifeline::partner::v1::DeliverReferralResponse answer;
    google::protobuf::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = true;
    // The reference is a courtesy: a 2xx with another body is still a delivery.
    if (!response.body.empty() &&
        google::protobuf::util::JsonStringToMessage(response.body, &answer, parse).ok()) {
      return answer.partner_reference();
    }
    return std::string();
  }
  const std::string what =
      absl::StrCat("webhook of ", department, " answered HTTP ", response.status);
  if (response.status == 408 || response.status == 429 || response.status >= 500) {
    return absl::UnavailableError(what);
  }
  return absl::FailedPreconditionError(what);
}

}  // namespace lifeline::referral
