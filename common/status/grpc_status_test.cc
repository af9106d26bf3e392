#include "common/status/grpc_status.h"

#include <grpcpp/support/status.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"

namespace lifeline::common {
namespace {

struct CodePair {
  absl::StatusCode absl_code;
  grpc::StatusCode grpc_code;
};

constexpr CodePair kPairs[] = {
    {absl::StatusCode::kCancelled, grpc::StatusCode::CANCELLED},
    {absl::StatusCode::kUnknown, grpc::StatusCode::UNKNOWN},
    {absl::StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
    {absl::StatusCode::kDeadlineExceeded, grpc::StatusCode::DEADLINE_EXCEEDED},
    {absl::StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
    {absl::StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
    {absl::StatusCode::kPermissionDenied, grpc::StatusCode::PERMISSION_DENIED},
    {absl::StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
    {absl::StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
    {absl::StatusCode::kAborted, grpc::StatusCode::ABORTED},
    {absl::StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
    {absl::StatusCode::kUnimplemented, grpc::StatusCode::UNIMPLEMENTED},
    {absl::StatusCode::kInternal, grpc::StatusCode::INTERNAL},
    {absl::StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
    {absl::StatusCode::kDataLoss, grpc::StatusCode::DATA_LOSS},
    {absl::StatusCode::kUnauthenticated, grpc::StatusCode::UNAUTHENTICATED},
};

TEST(GrpcStatusTest, OkBothWays) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(GrpcStatusTest, EveryCodeAndMessageSurvivesToGrpc) {
  for (const CodePair& pair : kPairs) {
    grpc::Status converted = ToGrpcStatus(absl::Status(pair.absl_code, "field x: bad"));
    EXPECT_EQ(converted.error_code(), pair.grpc_code) << static_cast<int>(pair.absl_code);
    EXPECT_EQ(converted.error_message(), "field x: bad");
  }
}

TEST(GrpcStatusTest, EveryCodeAndMessageSurvivesFromGrpc) {
  for (const CodePair& pair : kPairs) {
    absl::Status converted = FromGrpcStatus(grpc::Status(pair.grpc_code, "downstream said no"));
    EXPECT_EQ(converted.code(), pair.absl_code) << static_cast<int>(pair.grpc_code);
    EXPECT_EQ(converted.message(), "downstream said no");
  }
}

TEST(GrpcStatusTest, RoundTripKeepsStatus) {
  absl::Status original = absl::NotFoundError("batch 7 not found");
  EXPECT_EQ(FromGrpcStatus(ToGrpcStatus(original)), original);
}

}  // namespace
}  // namespace lifeline::common
