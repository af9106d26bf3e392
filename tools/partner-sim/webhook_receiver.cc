#include "tools/partner-sim/webhook_receiver.h"

#include <chrono>
#include <optional>
#include <utility>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <spdlog/spdlog.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "gateway/domain/http_error.h"
#include "lifeline/partner/v1/partner_inbox.pb.h"

namespace lifeline::partner_sim {
namespace {

namespace pb = ::lifeline::partner::v1;

gateway::HttpServerResponse ErrorResponse(int http_status, std::string status,
                                          std::string message) {
  gateway::HttpServerResponse response;
  response.status = http_status;
  response.body = gateway::ErrorBodyJson(
      gateway::HttpError{http_status, std::move(status), std::move(message)});
  return response;
}

gateway::HttpServerResponse ErrorResponse(const absl::Status& status) {
  gateway::HttpError error = gateway::HttpErrorFromStatus(status);
  return ErrorResponse(error.http_status, std::move(error.status), std::move(error.message));
}

// The header names as HttpServerRequest keeps them (lower case).
std::string Lower(const char* name) { return absl::AsciiStrToLower(std::string(name)); }

// `text` when it is a short code of letters, digits, '_' and '-', else "-". Department codes and
// referral ids are read from the body before its signature is checked, so anybody can put
// anything there; only text that cannot forge log fields or carry a person's details is logged.
std::string LogToken(const std::string& text) {
  if (text.empty() || text.size() > 64) return "-";
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return "-";
  }
  return text;
}

}  // namespace

WebhookReceiver::WebhookReceiver(absl::flat_hash_map<std::string, std::string> secrets,
                                 ReceivedLog* log, AutoAcceptor* acceptor, Options options)
    : secrets_(std::move(secrets)),
      log_(log),
      acceptor_(acceptor),
      options_(std::move(options)),
      replay_guard_(options_.tolerance_seconds) {}

void WebhookReceiver::Handle(gateway::HttpServerRequest request, Done done) {
  LogFields fields;
  gateway::HttpServerResponse response = Answer(request, &fields);
  (response.status == 200 ? accepted_ : refused_).fetch_add(1);
  // Codes only: the notice's name and ID fields, the body and the headers stay out of logs.
  spdlog::info("event=webhook_received department={} {}={} status={} result={}",
               LogToken(fields.department), fields.id_name, LogToken(fields.id), response.status,
               fields.result);
  done(std::move(response));
}

gateway::HttpServerResponse WebhookReceiver::Answer(const gateway::HttpServerRequest& request,
                                                    LogFields* fields) {
  static const std::string* const kTimestampHeader =
      new std::string(Lower(common::kWebhookTimestampHeader));
  static const std::string* const kSignatureHeader =
      new std::string(Lower(common::kWebhookSignatureHeader));
  static const std::string* const kIdempotencyKeyHeader =
      new std::string(Lower(common::kWebhookIdempotencyKeyHeader));

  if (request.method != "POST") {
    fields->result = "method_not_allowed";
    gateway::HttpServerResponse response =
        ErrorResponse(405, "METHOD_NOT_ALLOWED", "only POST is accepted");
    response.headers.emplace_back("Allow", "POST");
    return response;
  }

  // Which kind of delivery this is shows in the top-level object the body carries; a body with
  // both or neither has no single meaning, so it is refused rather than guessed at.
  google::protobuf::Struct object;
  if (!google::protobuf::util::JsonStringToMessage(request.body, &object).ok()) {
    // The parser's message may quote the body, which can carry a person's details.
    fields->result = "malformed";
    return ErrorResponse(400, "INVALID_ARGUMENT", "body: not a JSON object");
  }
  const bool has_referral = object.fields().find("referral") != object.fields().end();
  const bool is_verification = object.fields().find("verification") != object.fields().end();
  if (has_referral == is_verification) {
    fields->result = "wrong_kind";
    return ErrorResponse(400, "INVALID_ARGUMENT",
                         "body: exactly one of referral and verification is required");
  }

  // The default options refuse unknown fields: what the sender printed must be what is recorded.
  const google::protobuf::util::JsonParseOptions strict;
  pb::DeliverReferralRequest referral;
  pb::DeliverVerificationRequest verification;
  std::string key;
  if (is_verification) {
    fields->id_name = "verification_id";
    if (!google::protobuf::util::JsonStringToMessage(request.body, &verification, strict).ok()) {
      fields->result = "malformed";
      return ErrorResponse(400, "INVALID_ARGUMENT",
                           "body: not a DeliverVerificationRequest in JSON");
    }
    key = verification.idempotency_key();
    fields->id = verification.verification().verification_id();
    fields->department = verification.verification().department();
  } else {
    if (!google::protobuf::util::JsonStringToMessage(request.body, &referral, strict).ok()) {
      fields->result = "malformed";
      return ErrorResponse(400, "INVALID_ARGUMENT", "body: not a DeliverReferralRequest in JSON");
    }
    key = referral.idempotency_key();
    fields->id = referral.referral().referral_id();
    fields->department = referral.referral().department();
  }
  if (key.empty() || fields->id.empty() || fields->department.empty()) {
    fields->result = "incomplete";
    return ErrorResponse(400, "INVALID_ARGUMENT",
                         is_verification
                             ? "idempotency_key, verification.verification_id and "
                               "verification.department are required"
                             : "idempotency_key, referral.referral_id and referral.department are "
                               "required");
  }

  // The department picks the secret; once the signature matches, the department is proven too.
  auto secret = secrets_.find(fields->department);
  if (secret == secrets_.end()) {
    fields->result = "unknown_department";
    return ErrorResponse(401, "UNAUTHENTICATED", "unknown department");
  }
  const std::string timestamp_header = HeaderValue(request, *kTimestampHeader).value_or("");
  const std::string signature_header = HeaderValue(request, *kSignatureHeader).value_or("");
  const int64_t now = Now();
  if (absl::Status verified =
          common::VerifyWebhook(secret->second, timestamp_header, signature_header, request.body,
                                now, options_.tolerance_seconds);
      !verified.ok()) {
    fields->result = "bad_signature";
    // VerifyWebhook's messages name what is wrong without the secret or the body. Anything but
    // Unauthenticated is this side's misconfiguration, not the sender's fault.
    if (!absl::IsUnauthenticated(verified)) return ErrorResponse(absl::InternalError(""));
    return ErrorResponse(401, "UNAUTHENTICATED", std::string(verified.message()));
  }

  // The header is not signed; a sender whose header and body disagree has a bug worth surfacing
  // rather than guessing which key it meant.
  std::optional<std::string> key_header = HeaderValue(request, *kIdempotencyKeyHeader);
  if (!key_header.has_value() || *key_header != key) {
    fields->result = "key_mismatch";
    return ErrorResponse(400, "INVALID_ARGUMENT",
                         absl::StrCat(common::kWebhookIdempotencyKeyHeader,
                                      ": must be present and equal the body's idempotency_key"));
  }

  int64_t timestamp = 0;
  // VerifyWebhook has accepted the header, so it is a decimal number.
  (void)absl::SimpleAtoi(timestamp_header, &timestamp);
  // Remembered before the append: should the append then fail, the sender's next attempt carries
  // a new timestamp and so a new signature, which the guard lets through.
  if (absl::Status fresh = replay_guard_.CheckAndRemember(signature_header, timestamp, now);
      !fresh.ok()) {
    if (absl::IsAlreadyExists(fresh)) {
      fields->result = "replay";
      return ErrorResponse(409, "ALREADY_EXISTS", "this exact request was already received");
    }
    fields->result = "refused";
    return ErrorResponse(fresh);
  }

  absl::StatusOr<bool> is_new =
      is_verification ? log_->AppendVerification(verification) : log_->Append(referral);
  if (!is_new.ok()) {
    fields->result = "not_recorded";
    return ErrorResponse(is_new.status());
  }
  fields->result = *is_new ? "new" : "duplicate";
  if (*is_new && acceptor_ != nullptr) {
    if (is_verification) {
      acceptor_->EnqueueVerification(fields->id, fields->department);
    } else {
      acceptor_->Enqueue(fields->id, fields->department);
    }
  }

  pb::DeliverReferralResponse answer;
  answer.set_partner_reference("sim-" + fields->id);
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  gateway::HttpServerResponse response;
  if (!google::protobuf::util::MessageToJsonString(answer, &response.body, print_options).ok()) {
    fields->result = "not_printed";
    return ErrorResponse(absl::InternalError("response: cannot be printed as JSON"));
  }
  return response;
}

int64_t WebhookReceiver::Now() const {
  if (options_.now) return options_.now();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace lifeline::partner_sim
