#include "ingest-service/rpc/ingest_service_impl.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

#include "common/auth/caller.h"
#include "common/identity/id_number.h"
#include "common/identity/id_token.h"
#include "common/outbox/outbox.h"
#include "ingest-service/clients/fake_match_client.h"
#include "ingest-service/clients/match_sender.h"
#include "ingest-service/domain/reason_codes.h"
#include "ingest-service/store/sqlite_ingest_store.h"
#include "ingest-service/store/sqlite_ingest_store_testing.h"
#include <unistd.h>

namespace lifeline::ingest {
namespace {

constexpr char kSecret[] = "test-secret-for-id-tokens-0123456789";

std::string ValidId(const std::string& first17) {
  return first17 + common::IdCheckCharacter(first17);
}
std::string BadCheckId(const std::string& first17) {
  return first17 + (common::IdCheckCharacter(first17) == '0' ? '1' : '0');
}

// Synthetic people: region 110101, made-up birth dates and sequence numbers.
const std::string kIdA = ValidId("11010119900307123");
const std::string kIdB = ValidId("11010119851120246");

records::v1::Record Assistance(const std::string& srid, const std::string& name,
                               const std::string& id_number, int64_t version = 1) {
  records::v1::Record record;
  record.set_source_record_id(srid);
  record.set_version(version);
  record.set_record_date("2024-05-01");
  record.mutable_person()->set_name(name);
  record.mutable_person()->set_id_number(id_number);
  record.mutable_person()->set_phone("139-0000-0000");
  auto* payload = record.mutable_social_assistance();
  payload->set_programme(records::v1::SocialAssistance::PROGRAMME_RURAL_MINIMUM_LIVING);
  payload->set_start_date("2021-03-01");
  payload->set_monthly_amount_fen(60000);
  return record;
}

v1::SubmitBatchRequest Request(const std::string& agency, const std::string& batch_id,
                               std::vector<records::v1::Record> records) {
  v1::SubmitBatchRequest request;
  request.set_agency(agency);
  request.set_batch_id(batch_id);
  for (auto& record : records) *request.add_records() = std::move(record);
  return request;
}

class IngestServiceTest : public ::testing::Test {
 protected:
  IngestServiceTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2024, 6, 1, 12, 0, 0), absl::UTCTimeZone())),
        tokenizer_(*common::IdTokenizer::Create(kSecret)),
        validator_(&tokenizer_, &clock_),
        registry_(std::make_shared<prometheus::Registry>()),
        metrics_(registry_.get()) {}

  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("ingest_service_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = SqliteIngestStore::OpenInDirectory(dir_.string(), &clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    common::OutboxDispatcher::Options options;
    options.topic = kMatchTopic;
    options.batch_size = 500;
    dispatcher_ = std::make_unique<common::OutboxDispatcher>(store_->outbox(),
                                                             MakeMatchSender(&match_), options);
    Start(IngestServiceImpl::Options());
  }

  void TearDown() override {
    if (server_) server_->Shutdown();
    dispatcher_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(IngestServiceImpl::Options options) {
    if (server_) server_->Shutdown();
    stub_.reset();
    server_.reset();
    service_ = std::make_unique<IngestServiceImpl>(
        store_.get(), &validator_, &clock_, &metrics_, [this] { ++wakes_; }, options);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::IngestService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  grpc::Status Submit(const v1::SubmitBatchRequest& request, v1::SubmitBatchResponse* response,
                      const common::Caller& caller = {}) {
    grpc::ClientContext context;
    EXPECT_TRUE(common::AttachCaller(caller, &context).ok());
    return stub_->SubmitBatch(&context, request, response);
  }

  // Delivers everything queued to the fake match client; returns how many were delivered.
  int Deliver() {
    int total = 0;
    while (true) {
      absl::StatusOr<int> delivered = dispatcher_->DrainOnce();
      EXPECT_TRUE(delivered.ok()) << delivered.status();
      if (!delivered.ok() || *delivered == 0) return total;
      total += *delivered;
    }
  }

  // GetBatch's match_queued_count through the RPC, or -1 when it is absent or the call fails.
  int QueuedForMatch(const std::string& batch_id) {
    grpc::ClientContext context;
    v1::GetBatchRequest get;
    get.set_agency("civil_affairs");
    get.set_batch_id(batch_id);
    v1::Batch batch;
    grpc::Status status = stub_->GetBatch(&context, get, &batch);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok() || !batch.has_match_queued_count()) return -1;
    return batch.match_queued_count();
  }

  double CounterValue(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& family : registry_->Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> got;
        for (const auto& label : metric.label) got[label.name] = label.value;
        if (got == labels) return metric.counter.value;
      }
    }
    return 0;
  }

  double GaugeValue(const std::string& name) {
    for (const auto& family : registry_->Collect()) {
      if (family.name == name && !family.metric.empty()) return family.metric[0].gauge.value;
    }
    return -1;
  }

  common::FakeClock clock_;
  common::IdTokenizer tokenizer_;
  RecordValidator validator_;
  std::shared_ptr<prometheus::Registry> registry_;
  IngestMetrics metrics_;
  FakeMatchClient match_;
  std::filesystem::path dir_;
  std::unique_ptr<SqliteIngestStore> store_;
  std::unique_ptr<common::OutboxDispatcher> dispatcher_;
  std::unique_ptr<IngestServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::IngestService::Stub> stub_;
  int wakes_ = 0;
};

TEST_F(IngestServiceTest, UnknownAgencyIsInvalidArgument) {
  v1::SubmitBatchResponse response;
  grpc::Status status =
      Submit(Request("police", "b1", {Assistance("r0", "测试甲", kIdA)}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "unknown agency 'police'");
  // A huge one is not echoed.
  status = Submit(Request(std::string(100000, 'p'), "b1", {Assistance("r0", "测试甲", kIdA)}),
                  &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "unknown agency");
}

TEST_F(IngestServiceTest, MissingBatchIdIsInvalidArgument) {
  v1::SubmitBatchResponse response;
  grpc::Status status =
      Submit(Request("civil_affairs", "", {Assistance("r0", "测试甲", kIdA)}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("batch_id"), std::string::npos);
  // Nor may it be longer than a key: a 100 KB batch id reaches neither the store nor the log.
  status =
      Submit(Request("civil_affairs", std::string(100000, 'b'), {Assistance("r0", "测试甲", kIdA)}),
             &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "batch_id is longer than 128 bytes");
  EXPECT_EQ(
      Submit(Request("civil_affairs", std::string(128, 'b'), {Assistance("r0", "测试甲", kIdA)}),
             &response)
          .error_code(),
      grpc::StatusCode::OK);
}

TEST_F(IngestServiceTest, EmptyBatchIsInvalidArgument) {
  v1::SubmitBatchResponse response;
  grpc::Status status = Submit(Request("civil_affairs", "b1", {}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_->GetBatch("civil_affairs", "b1").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(IngestServiceTest, OversizedBatchIsInvalidArgumentNamingTheLimit) {
  IngestServiceImpl::Options options;
  options.max_batch_records = 3;
  Start(options);
  std::vector<records::v1::Record> records;
  for (int i = 0; i < 4; ++i)
    records.push_back(Assistance("r" + std::to_string(i), "测试甲", kIdA));
  v1::SubmitBatchResponse response;
  grpc::Status status = Submit(Request("civil_affairs", "b1", records), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("max_batch_records (3)"), std::string::npos);
  records.pop_back();
  EXPECT_TRUE(Submit(Request("civil_affairs", "b1", records), &response).ok());
}

TEST_F(IngestServiceTest, BadCheckDigitIsKeptWithWarningAndUnverified) {
  v1::SubmitBatchResponse response;
  ASSERT_TRUE(Submit(Request("civil_affairs", "b1",
                             {Assistance("r0", "测试甲", BadCheckId("11010119900307123"))}),
                     &response)
                  .ok());
  ASSERT_EQ(response.outcomes_size(), 1);
  EXPECT_EQ(response.outcomes(0).result(), v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS);
  ASSERT_EQ(response.issues_size(), 1);
  EXPECT_EQ(response.issues(0).reason(), "ID_CHECK_DIGIT");
  EXPECT_EQ(response.issues(0).field(), "person.id_number");
  EXPECT_EQ(response.issues(0).severity(), v1::SEVERITY_WARNING);
  EXPECT_EQ(response.batch().warning_count(), 1);
  auto stored = ReadStoredRecord(*store_, "civil_affairs", "r0");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->person().id_verified());
  // Never an identifier; compared through its near-match forms only.
  EXPECT_TRUE(stored->person().id_token().empty());
  EXPECT_EQ(stored->person().id_problem(), "ID_CHECK_DIGIT");
  EXPECT_FALSE(stored->person().id_near().core_token().empty());
}

TEST_F(IngestServiceTest, DuplicateBatchIdReturnsIdenticalResponse) {
  v1::SubmitBatchRequest request = Request(
      "civil_affairs", "b1", {Assistance("r0", "测试甲", kIdA), Assistance("r1", "", kIdB)});
  v1::SubmitBatchResponse first;
  ASSERT_TRUE(Submit(request, &first).ok());
  clock_.Advance(absl::Hours(1));
  v1::SubmitBatchResponse second;
  ASSERT_TRUE(Submit(request, &second).ok());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Deliver(), 1);
  EXPECT_EQ(match_.received().size(), 1u);
  EXPECT_EQ(CounterValue("lifeline_ingest_batches_total", {{"agency", "civil_affairs"}}), 1);
}

TEST_F(IngestServiceTest, MixedBatchStoresGoodRejectsBadAndPagesIssues) {
  records::v1::Record no_name = Assistance("r1", "", kIdB);
  records::v1::Record future = Assistance("r2", "测试丙", kIdB);
  future.mutable_social_assistance()->set_start_date("2030-01-01");
  records::v1::Record wrong_kind = Assistance("r3", "测试丁", kIdB);
  wrong_kind.mutable_disability_certificate()->set_grade(2);
  wrong_kind.mutable_disability_certificate()->set_kind(
      records::v1::DisabilityCertificate::KIND_LIMB);
  records::v1::Record bad_phone = Assistance("r4", "测试戊", kIdB);
  bad_phone.mutable_person()->set_phone("12");
  v1::SubmitBatchResponse response;
  ASSERT_TRUE(
      Submit(Request("civil_affairs", "b1",
                     {Assistance("r0", "测试甲", kIdA), no_name, future, wrong_kind, bad_phone}),
             &response)
          .ok());
  std::vector<v1::RecordResult> results;
  for (const auto& outcome : response.outcomes()) results.push_back(outcome.result());
  EXPECT_EQ(results,
            (std::vector<v1::RecordResult>{v1::RECORD_RESULT_ACCEPTED, v1::RECORD_RESULT_REJECTED,
                                           v1::RECORD_RESULT_REJECTED, v1::RECORD_RESULT_REJECTED,
                                           v1::RECORD_RESULT_ACCEPTED_WITH_WARNINGS}));
  EXPECT_EQ(response.outcomes(3).record_index(), 3);
  EXPECT_EQ(response.outcomes(3).source_record_id(), "r3");
  EXPECT_TRUE(ReadStoredRecord(*store_, "civil_affairs", "r0").ok());
  EXPECT_FALSE(ReadStoredRecord(*store_, "civil_affairs", "r1").ok());

  grpc::ClientContext get_context;
  v1::GetBatchRequest get;
  get.set_agency("civil_affairs");
  get.set_batch_id("b1");
  v1::Batch batch;
  ASSERT_TRUE(stub_->GetBatch(&get_context, get, &batch).ok());
  EXPECT_EQ(batch.record_count(), 5);
  EXPECT_EQ(batch.accepted_count(), 2);
  EXPECT_EQ(batch.rejected_count(), 3);
  EXPECT_EQ(batch.warning_count(), 1);
  EXPECT_EQ(batch.received_time(), "2024-06-01T12:00:00Z");

  // Page through the issues one at a time.
  std::vector<std::pair<int, std::string>> seen;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext context;
    v1::ListRejectionsRequest list;
    list.set_agency("civil_affairs");
    list.set_batch_id("b1");
    list.set_page_size(1);
    list.set_page_token(token);
    v1::ListRejectionsResponse page;
    ASSERT_TRUE(stub_->ListRejections(&context, list, &page).ok());
    ASSERT_LE(page.issues_size(), 1);
    for (const auto& issue : page.issues()) seen.emplace_back(issue.record_index(), issue.reason());
    token = page.next_page_token();
    ASSERT_LT(++pages, 10);
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<std::pair<int, std::string>>{{1, reason::kNameMissing},
                                                            {2, reason::kDateInFuture},
                                                            {3, reason::kPayloadNotAllowed},
                                                            {4, reason::kPhoneInvalid}}));

  grpc::ClientContext bad_context;
  v1::ListRejectionsRequest bad;
  bad.set_agency("civil_affairs");
  bad.set_batch_id("b1");
  bad.set_page_token("not-a-token");
  v1::ListRejectionsResponse ignored;
  EXPECT_EQ(stub_->ListRejections(&bad_context, bad, &ignored).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  EXPECT_EQ(CounterValue("lifeline_ingest_records_total",
                         {{"agency", "civil_affairs"}, {"result", "rejected"}}),
            3);
  EXPECT_EQ(CounterValue("lifeline_ingest_records_total",
                         {{"agency", "civil_affairs"}, {"result", "accepted"}}),
            1);
}

TEST_F(IngestServiceTest, GetBatchAndListRejectionsOfUnknownBatchAreNotFound) {
  grpc::ClientContext context;
  v1::GetBatchRequest get;
  get.set_agency("court");
  get.set_batch_id("nope");
  v1::Batch batch;
  EXPECT_EQ(stub_->GetBatch(&context, get, &batch).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext list_context;
  v1::ListRejectionsRequest list;
  list.set_agency("court");
  list.set_batch_id("nope");
  v1::ListRejectionsResponse page;
  EXPECT_EQ(stub_->ListRejections(&list_context, list, &page).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(IngestServiceTest, SubmitterOfAnotherAgencyIsDenied) {
  common::Caller court{"tester", common::kRoleAgencySubmitter, "court"};
  v1::SubmitBatchResponse response;
  grpc::Status status =
      Submit(Request("civil_affairs", "b1", {Assistance("r0", "测试甲", kIdA)}), &response, court);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(store_->GetBatch("civil_affairs", "b1").status().code(), absl::StatusCode::kNotFound);

  common::Caller own{"tester", common::kRoleAgencySubmitter, "civil_affairs"};
  EXPECT_TRUE(
      Submit(Request("civil_affairs", "b1", {Assistance("r0", "测试甲", kIdA)}), &response, own)
          .ok());

  common::Caller partner{"tester", common::kRolePartner, "legal_aid"};
  EXPECT_EQ(
      Submit(Request("civil_affairs", "b2", {Assistance("r0", "测试甲", kIdA)}), &response, partner)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  grpc::ClientContext context;
  EXPECT_TRUE(common::AttachCaller(court, &context).ok());
  v1::GetBatchRequest get;
  get.set_agency("civil_affairs");
  get.set_batch_id("b1");
  v1::Batch batch;
  EXPECT_EQ(stub_->GetBatch(&context, get, &batch).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // Reading batches follows the gateway's rule: procurators, auditors and partners may not.
  for (const common::Caller& reader : {common::Caller{"t", common::kRoleProcurator, "34"},
                                       common::Caller{"t", common::kRoleAuditor, ""},
                                       common::Caller{"t", common::kRolePartner, "legal_aid"}}) {
    grpc::ClientContext reader_context;
    EXPECT_TRUE(common::AttachCaller(reader, &reader_context).ok());
    EXPECT_EQ(stub_->GetBatch(&reader_context, get, &batch).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << reader.role;
  }
  grpc::ClientContext own_context;
  EXPECT_TRUE(common::AttachCaller(own, &own_context).ok());
  EXPECT_TRUE(stub_->GetBatch(&own_context, get, &batch).ok());
}

TEST_F(IngestServiceTest, AcceptedRecordsReachMatchOnceWithoutRawIdNumbers) {
  records::v1::Record certificate;
  certificate.set_source_record_id("dc-1");
  certificate.mutable_person()->set_name("测试庚");
  certificate.mutable_person()->set_id_number(kIdB);
  auto* payload = certificate.mutable_disability_certificate();
  payload->set_certificate_number(kIdB + "42");
  payload->set_kind(records::v1::DisabilityCertificate::KIND_LIMB);
  payload->set_grade(2);
  v1::SubmitBatchResponse response;
  ASSERT_TRUE(Submit(Request("disabled_persons_federation", "b1", {certificate}), &response).ok());
  EXPECT_EQ(response.outcomes(0).result(), v1::RECORD_RESULT_ACCEPTED);
  EXPECT_EQ(wakes_, 1);

  EXPECT_EQ(Deliver(), 1);
  EXPECT_EQ(Deliver(), 0);
  // Re-sending the same record in a new batch changes nothing and sends nothing.
  ASSERT_TRUE(Submit(Request("disabled_persons_federation", "b2", {certificate}), &response).ok());
  EXPECT_EQ(response.outcomes(0).result(), v1::RECORD_RESULT_UNCHANGED);
  EXPECT_EQ(Deliver(), 0);
  EXPECT_EQ(wakes_, 1);

  std::vector<std::string> received = match_.received();
  ASSERT_EQ(received.size(), 1u);
  records::v1::NormalizedRecord record;
  ASSERT_TRUE(record.ParseFromString(received[0]));
  EXPECT_EQ(record.agency(), "disabled_persons_federation");
  EXPECT_EQ(record.source_record_id(), "dc-1");
  EXPECT_EQ(record.batch_id(), "b1");
  EXPECT_EQ(record.person().id_token(), tokenizer_.Token(kIdB));
  EXPECT_TRUE(record.person().id_verified());
  EXPECT_EQ(record.person().birth_date(), "1985-11-20");
  EXPECT_EQ(record.person().sex(), records::v1::SEX_FEMALE);
  EXPECT_EQ(record.record().disability_certificate().certificate_number(),
            common::MaskIdNumber(kIdB + "42"));
  EXPECT_EQ(received[0].find(kIdB), std::string::npos);

  // Nothing in the database files holds the raw number.
  store_.reset();
  dispatcher_.reset();
  std::string bytes;
  for (const char* name : {"ingest.db", "ingest.db-wal"}) {
    std::ifstream file(dir_ / name, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  ASSERT_FALSE(bytes.empty());
  EXPECT_NE(bytes.find(tokenizer_.Token(kIdB)), std::string::npos);
  EXPECT_EQ(bytes.find(kIdB), std::string::npos);
  EXPECT_EQ(bytes.find(kIdB.substr(6, 8)), std::string::npos);
}

TEST_F(IngestServiceTest, RetractionReachesMatchAsIdentityOnly) {
  v1::SubmitBatchResponse response;
  ASSERT_TRUE(
      Submit(Request("civil_affairs", "b1", {Assistance("sa-1", "测试甲", kIdA)}), &response).ok());
  EXPECT_EQ(Deliver(), 1);

  // Minimum living security ended: the agency retracts the record with a higher version. The
  // person sent along (here with a broken ID number) is ignored, not validated or forwarded.
  records::v1::Record retraction;
  retraction.set_source_record_id("sa-1");
  retraction.set_version(2);
  retraction.set_record_date("2024-05-20");
  retraction.set_retracted(true);
  retraction.mutable_person()->set_id_number("123");
  ASSERT_TRUE(Submit(Request("civil_affairs", "b2", {retraction}), &response).ok());
  ASSERT_EQ(response.outcomes_size(), 1);
  EXPECT_EQ(response.outcomes(0).result(), v1::RECORD_RESULT_RETRACTED);
  EXPECT_EQ(response.batch().retracted_count(), 1);
  EXPECT_EQ(response.issues_size(), 0);
  EXPECT_EQ(CounterValue("lifeline_ingest_records_total",
                         {{"agency", "civil_affairs"}, {"result", "retracted"}}),
            1);

  EXPECT_EQ(Deliver(), 1);
  std::vector<std::string> received = match_.received();
  ASSERT_EQ(received.size(), 2u);
  records::v1::NormalizedRecord record;
  ASSERT_TRUE(record.ParseFromString(received[1]));
  EXPECT_TRUE(record.retracted());
  EXPECT_EQ(record.source_record_id(), "sa-1");
  EXPECT_EQ(record.version(), 2);
  EXPECT_EQ(record.record_date(), "2024-05-20");
  EXPECT_FALSE(record.has_person());
  EXPECT_EQ(record.record().payload_case(), records::v1::Record::PAYLOAD_NOT_SET);

  // The retraction sent again is a no-op; the retracted version sent late is stale.
  ASSERT_TRUE(
      Submit(Request("civil_affairs", "b3", {retraction, Assistance("sa-1", "测试甲", kIdA)}),
             &response)
          .ok());
  EXPECT_EQ(response.outcomes(0).result(), v1::RECORD_RESULT_UNCHANGED);
  EXPECT_EQ(response.outcomes(1).result(), v1::RECORD_RESULT_STALE);
  EXPECT_EQ(Deliver(), 0);
}

TEST_F(IngestServiceTest, FailedDeliveryKeepsRecordsQueued) {
  v1::SubmitBatchResponse response;
  ASSERT_TRUE(
      Submit(Request("civil_affairs", "b1", {Assistance("r0", "测试甲", kIdA)}), &response).ok());
  match_.FailWith(absl::UnavailableError("match down"));
  EXPECT_FALSE(dispatcher_->DrainOnce().ok());
  EXPECT_EQ(*store_->OutboxPending(), 1);
  EXPECT_TRUE(match_.received().empty());
  // The message is still queued and becomes due again after the backoff.
  auto due =
      store_->outbox()->Due(kMatchTopic, 10, absl::ToUnixMillis(absl::Now() + absl::Hours(1)));
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  records::v1::NormalizedRecord record;
  ASSERT_TRUE(record.ParseFromString((*due)[0].payload));
  EXPECT_EQ(record.source_record_id(), "r0");
}

TEST_F(IngestServiceTest, FullOutboxIsResourceExhausted) {
  IngestServiceImpl::Options options;
  options.max_outbox_pending = 1;
  Start(options);
  v1::SubmitBatchResponse response;
  ASSERT_TRUE(Submit(Request("civil_affairs", "b1",
                             {Assistance("r0", "测试甲", kIdA), Assistance("r1", "测试乙", kIdB)}),
                     &response)
                  .ok());
  EXPECT_EQ(GaugeValue("lifeline_ingest_outbox_pending"), 2);
  grpc::Status status =
      Submit(Request("civil_affairs", "b2", {Assistance("r2", "测试丙", kIdA)}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("max_outbox_pending"), std::string::npos);
  {
    // A stream is refused on its first message, before the client uploads the rest.
    grpc::ClientContext context;
    auto writer = stub_->StreamRecords(&context, &response);
    v1::StreamRecordsRequest first;
    first.set_agency("civil_affairs");
    first.set_batch_id("s2");
    *first.add_records() = Assistance("r3", "测试丁", kIdB);
    writer->Write(first);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  // A retry of a stored batch is answered all the same: a resumed import is not held up.
  v1::SubmitBatchResponse replayed;
  ASSERT_TRUE(Submit(Request("civil_affairs", "b1",
                             {Assistance("r0", "测试甲", kIdA), Assistance("r1", "测试乙", kIdB)}),
                     &replayed)
                  .ok());
  EXPECT_EQ(replayed.batch().accepted_count(), 2);
  {
    grpc::ClientContext context;
    v1::SubmitBatchResponse streamed;
    auto writer = stub_->StreamRecords(&context, &streamed);
    v1::StreamRecordsRequest first;
    first.set_agency("civil_affairs");
    first.set_batch_id("b1");
    *first.add_records() = Assistance("r0", "测试甲", kIdA);
    v1::StreamRecordsRequest second;
    *second.add_records() = Assistance("r1", "测试乙", kIdB);
    writer->Write(first);
    writer->Write(second);
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
    EXPECT_EQ(streamed.SerializeAsString(), replayed.SerializeAsString());
  }
  EXPECT_EQ(Deliver(), 2);
  EXPECT_TRUE(
      Submit(Request("civil_affairs", "b2", {Assistance("r2", "测试丙", kIdA)}), &response).ok());
}

TEST_F(IngestServiceTest, StreamRecordsIndexesAcrossMessages) {
  grpc::ClientContext context;
  v1::SubmitBatchResponse response;
  auto writer = stub_->StreamRecords(&context, &response);
  v1::StreamRecordsRequest first;
  first.set_agency("civil_affairs");
  first.set_batch_id("s1");
  *first.add_records() = Assistance("r0", "测试甲", kIdA);
  ASSERT_TRUE(writer->Write(first));
  v1::StreamRecordsRequest second;
  *second.add_records() = Assistance("r1", "测试乙", kIdB);
  *second.add_records() = Assistance("r2", "", kIdB);
  ASSERT_TRUE(writer->Write(second));
  ASSERT_TRUE(writer->WritesDone());
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_EQ(response.outcomes_size(), 3);
  EXPECT_EQ(response.outcomes(2).record_index(), 2);
  EXPECT_EQ(response.outcomes(2).result(), v1::RECORD_RESULT_REJECTED);
  ASSERT_EQ(response.issues_size(), 1);
  EXPECT_EQ(response.issues(0).record_index(), 2);
  EXPECT_EQ(response.batch().batch_id(), "s1");
  EXPECT_EQ(response.batch().accepted_count(), 2);
  EXPECT_EQ(
      CounterValue("lifeline_ingest_stream_records_received_total", {{"agency", "civil_affairs"}}),
      3);
}

// A stream is one agency's batch: a later message naming another agency or batch is refused, and
// nothing of the stream is stored.
TEST_F(IngestServiceTest, AStreamMessageNamingAnotherAgencyOrBatchIsRefused) {
  for (const auto& [agency, batch_id] :
       {std::pair<std::string, std::string>{"court", ""}, {"", "s9"}, {"court", "s3"}}) {
    grpc::ClientContext context;
    v1::SubmitBatchResponse response;
    auto writer = stub_->StreamRecords(&context, &response);
    v1::StreamRecordsRequest first;
    first.set_agency("civil_affairs");
    first.set_batch_id("s3");
    *first.add_records() = Assistance("r0", "测试甲", kIdA);
    writer->Write(first);
    v1::StreamRecordsRequest second;
    second.set_agency(agency);
    second.set_batch_id(batch_id);
    *second.add_records() = Assistance("r1", "测试乙", kIdB);
    writer->Write(second);
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << agency << batch_id;
    EXPECT_NE(status.error_message().find("one agency's batch"), std::string::npos);
  }
  grpc::ClientContext context;
  v1::GetBatchRequest get;
  get.set_agency("civil_affairs");
  get.set_batch_id("s3");
  v1::Batch batch;
  EXPECT_EQ(stub_->GetBatch(&context, get, &batch).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(IngestServiceTest, StreamWithoutAgencyOrTooLongIsInvalidArgument) {
  {
    grpc::ClientContext context;
    v1::SubmitBatchResponse response;
    auto writer = stub_->StreamRecords(&context, &response);
    v1::StreamRecordsRequest first;
    first.set_batch_id("s1");
    *first.add_records() = Assistance("r0", "测试甲", kIdA);
    writer->Write(first);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  IngestServiceImpl::Options options;
  options.max_stream_records = 2;
  Start(options);
  grpc::ClientContext context;
  v1::SubmitBatchResponse response;
  auto writer = stub_->StreamRecords(&context, &response);
  v1::StreamRecordsRequest message;
  message.set_agency("civil_affairs");
  message.set_batch_id("s2");
  *message.add_records() = Assistance("r0", "测试甲", kIdA);
  *message.add_records() = Assistance("r1", "测试乙", kIdB);
  writer->Write(message);
  message.clear_records();
  *message.add_records() = Assistance("r2", "测试丙", kIdB);
  writer->Write(message);
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("max_stream_records (2)"), std::string::npos);
  EXPECT_EQ(store_->GetBatch("civil_affairs", "s2").status().code(), absl::StatusCode::kNotFound);
}

// GetBatch says how many of a batch's records wait for match-service until match acknowledges
// them, and the outbox gauges show how many records wait and how long the first-queued one has.
TEST_F(IngestServiceTest, GetBatchAndOutboxGaugesFollowDeliveryToMatch) {
  v1::SubmitBatchResponse response;
  ASSERT_TRUE(Submit(Request("civil_affairs", "b1",
                             {Assistance("r0", "测试甲", kIdA), Assistance("r1", "测试乙", kIdB)}),
                     &response)
                  .ok());
  EXPECT_FALSE(response.batch().has_match_queued_count());
  clock_.Advance(absl::Seconds(40));
  ASSERT_TRUE(
      Submit(Request("civil_affairs", "b2", {Assistance("r2", "测试丙", kIdA)}), &response).ok());
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(metrics_.RefreshOutbox(*store_, clock_.Now()).ok());
  EXPECT_EQ(GaugeValue("lifeline_ingest_outbox_pending"), 3);
  EXPECT_EQ(GaugeValue("lifeline_ingest_outbox_oldest_age_seconds"), 42);
  EXPECT_EQ(QueuedForMatch("b1"), 2);
  EXPECT_EQ(QueuedForMatch("b2"), 1);

  EXPECT_EQ(Deliver(), 3);
  EXPECT_EQ(QueuedForMatch("b1"), 0);
  EXPECT_EQ(QueuedForMatch("b2"), 0);
  ASSERT_TRUE(metrics_.RefreshOutbox(*store_, clock_.Now()).ok());
  EXPECT_EQ(GaugeValue("lifeline_ingest_outbox_pending"), 0);
  EXPECT_EQ(GaugeValue("lifeline_ingest_outbox_oldest_age_seconds"), 0);

  // match-service refuses: the record stays queued and its wait shows.
  ASSERT_TRUE(
      Submit(Request("civil_affairs", "b3", {Assistance("r3", "测试丁", kIdB)}), &response).ok());
  clock_.Advance(absl::Seconds(5));
  match_.FailWith(absl::UnavailableError("match-service down"));
  EXPECT_FALSE(dispatcher_->DrainOnce().ok());
  EXPECT_EQ(QueuedForMatch("b3"), 1);
  ASSERT_TRUE(metrics_.RefreshOutbox(*store_, clock_.Now()).ok());
  EXPECT_EQ(GaugeValue("lifeline_ingest_outbox_pending"), 1);
  EXPECT_EQ(GaugeValue("lifeline_ingest_outbox_oldest_age_seconds"), 5);
}

}  // namespace
}  // namespace lifeline::ingest
