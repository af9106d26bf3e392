#include "gateway/domain/http_error.h"

#include <gtest/gtest.h>

namespace lifeline::gateway {
namespace {

TEST(HttpErrorTest, MapsCodes) {
  using C = absl::StatusCode;
  EXPECT_EQ(HttpStatusForCode(C::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusForCode(C::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusForCode(C::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusForCode(C::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusForCode(C::kNotFound), 404);
  EXPECT_EQ(HttpStatusForCode(C::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusForCode(C::kAborted), 409);
  EXPECT_EQ(HttpStatusForCode(C::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusForCode(C::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusForCode(C::kUnavailable), 503);
  EXPECT_EQ(HttpStatusForCode(C::kDeadlineExceeded), 504);
  EXPECT_EQ(HttpStatusForCode(C::kInternal), 500);
  EXPECT_EQ(HttpStatusForCode(C::kUnimplemented), 500);
}

TEST(HttpErrorTest, HidesInternalDetails) {
  HttpError internal = HttpErrorFromStatus(absl::InternalError("db at /var/x exploded"));
  EXPECT_EQ(internal.http_status, 500);
  EXPECT_EQ(internal.status, "INTERNAL");
  EXPECT_EQ(internal.message, "internal error");
  EXPECT_EQ(HttpErrorFromStatus(absl::UnknownError("x")).message, "internal error");
  EXPECT_EQ(HttpErrorFromStatus(absl::DataLossError("x")).message, "internal error");

  HttpError missing = HttpErrorFromStatus(absl::NotFoundError("clue c-1 not found"));
  EXPECT_EQ(missing.http_status, 404);
  EXPECT_EQ(missing.status, "NOT_FOUND");
  EXPECT_EQ(missing.message, "clue c-1 not found");
}

TEST(HttpErrorTest, FormatsEscapedJsonBody) {
  EXPECT_EQ(ErrorBodyJson(HttpError{404, "NOT_FOUND", "say \"hi\"\n\\"}),
            R"({"code":404,"status":"NOT_FOUND","message":"say \"hi\"\n\\"})");
  EXPECT_EQ(JsonEscape(std::string("a\x01") + "b"), "a\\u0001b");
  // UTF-8 passes; bytes that are not UTF-8 never reach the JSON raw.
  EXPECT_EQ(JsonEscape("测试"), "测试");
  EXPECT_EQ(JsonEscape("a\xff\xfe"), "a\\ufffd\\ufffd");
  EXPECT_EQ(JsonEscape("测\xff"), "\\ufffd\\ufffd\\ufffd\\ufffd");
}

}  // namespace
}  // namespace lifeline::gateway
