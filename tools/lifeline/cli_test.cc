#include "tools/lifeline/cli.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/testing/process.h"
#include "tools/lifeline/gateway_client.h"

namespace lifeline::tools {
namespace {

TEST(UrlEscapeTest, KeepsUnreservedAndEncodesEverythingElse) {
  EXPECT_EQ(UrlEscape("civil_affairs-2024.batch~1"), "civil_affairs-2024.batch~1");
  EXPECT_EQ(UrlEscape("a b/c?d&e=f%"), "a%20b%2Fc%3Fd%26e%3Df%25");
  EXPECT_EQ(UrlEscape("批次"), "%E6%89%B9%E6%AC%A1");
  EXPECT_EQ(UrlEscape(std::string("\0\n", 2)), "%00%0A");
  EXPECT_EQ(UrlEscape(""), "");
}

TEST(FormatYuanTest, GroupsThousandsAndKeepsFen) {
  EXPECT_EQ(FormatYuan(83012300), "830,123.00");
  EXPECT_EQ(FormatYuan(5), "0.05");
  EXPECT_EQ(FormatYuan(100), "1.00");
  EXPECT_EQ(FormatYuan(123456789), "1,234,567.89");
  EXPECT_EQ(FormatYuan(-250), "-2.50");
}

TEST(ParseHostPortTest, AcceptsHostAndPort) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:8080", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 8080);
}

TEST(ParseHostPortTest, RejectsMalformed) {
  std::string host;
  int port = 0;
  EXPECT_FALSE(ParseHostPort("localhost", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort(":80", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("h:0", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("h:70000", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("h:abc", &host, &port).ok());
}

TEST(RunCliTest, UsageErrorsAreInvalidArgument) {
  std::ostringstream out;
  EXPECT_EQ(RunCli({}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"frobnicate"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"submit", "--agency", "court"}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"review", "c1", "--approve"}, out).code(), absl::StatusCode::kInvalidArgument);
  const absl::Status no_code = RunCli({"review", "c1", "--reject", "--reason", "x"}, out);
  EXPECT_EQ(no_code.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(no_code.message().find("no_hardship"), std::string_view::npos) << no_code;
  EXPECT_EQ(RunCli({"review", "c1", "--reject", "--code", "maybe", "--reason", "x"}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      RunCli({"review", "c1", "--reject", "--code", "unspecified", "--reason", "x"}, out).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"clues", "--status", "maybe"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"clues", "--category", "theft"}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"clues", "--order", "name"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"review", "c1", "--approve", "--suggested", "--amount-fen", "5"}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"rules"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"rules", "apply", "x.yaml"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"rules", "preview", "/nonexistent/rules.yaml"}, out).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(RunCli({"rescore", "now"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"undeliverable", "ref_1"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"retry-delivery"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"retry-delivery", "plan_1"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"--gateway", "nohostport", "clues"}, out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RunCliTest, HelpPrintsTheUsageAlone) {
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"clues", "--help"}}) {
    std::ostringstream out;
    EXPECT_TRUE(RunCli(argv, out).ok()) << argv.size();
    EXPECT_NE(out.str().find("usage: lifeline"), std::string::npos);
  }
}

TEST(RunCliTest, ImportStraightToIngestTakesNoGatewayOrToken) {
  std::ostringstream out;
  const std::vector<std::string> import = {"import", "--agency", "court", "--file", "r.jsonl"};
  auto with = [&import](std::vector<std::string> args) {
    args.insert(args.end(), import.begin(), import.end());
    return args;
  };
  absl::Status token = RunCli(with({"--token", "t", "--ingest", "127.0.0.1:1"}), out);
  EXPECT_EQ(token.code(), absl::StatusCode::kInvalidArgument) << token;
  EXPECT_THAT(token.message(), ::testing::HasSubstr("--token"));
  absl::Status gateway =
      RunCli(with({"--gateway", "127.0.0.1:8080", "--ingest", "127.0.0.1:1"}), out);
  EXPECT_EQ(gateway.code(), absl::StatusCode::kInvalidArgument) << gateway;
  EXPECT_THAT(gateway.message(), ::testing::HasSubstr("--gateway"));
  EXPECT_EQ(RunCli(with({"--ingest", "nohostport"}), out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RunCliTest, BatchesAboveTenThousandNeedIngestDirectly) {
  std::ostringstream out;
  absl::Status st = RunCli({"--gateway", "127.0.0.1:1", "import", "--agency", "court", "--file",
                            "r.jsonl", "--batch-size", "20000"},
                           out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  EXPECT_THAT(st.message(), ::testing::HasSubstr("--ingest"));
  // Straight to ingest the batch size is fine; the missing file is what fails.
  st = RunCli({"import", "--ingest", "127.0.0.1:1", "--agency", "court", "--file",
               "/nonexistent/r.jsonl", "--batch-size", "20000"},
              out);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound) << st;
  st = RunCli({"import", "--ingest", "127.0.0.1:1", "--agency", "court", "--file",
               "/nonexistent/r.jsonl", "--batch-size", "1000001"},
              out);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
}

TEST(RunCliTest, WaitLinkedTakesWholeSecondsUpToADay) {
  std::ostringstream out;
  auto import = [&out](const std::string& wait) {
    return RunCli({"import", "--ingest", "127.0.0.1:1", "--agency", "court", "--file",
                   "/nonexistent/r.jsonl", "--wait-linked-s", wait},
                  out);
  };
  for (const std::string bad : {"-1", "86401", "1.5", "soon", ""}) {
    absl::Status st = import(bad);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << bad << ": " << st;
    EXPECT_THAT(st.message(), ::testing::HasSubstr("--wait-linked-s")) << bad;
  }
  // Good values pass the flag check; the missing file is what fails.
  for (const std::string good : {"0", "60", "86400"}) {
    EXPECT_EQ(import(good).code(), absl::StatusCode::kNotFound) << good;
  }
  absl::Status bare = RunCli({"import", "--ingest", "127.0.0.1:1", "--agency", "court", "--file",
                              "/nonexistent/r.jsonl", "--wait-linked-s"},
                             out);
  EXPECT_EQ(bare.code(), absl::StatusCode::kInvalidArgument) << bare;
}

TEST(RunCliTest, UnreachableGatewayIsUnavailable) {
  std::ostringstream out;
  // Port 1 on loopback is not listening in the test environment.
  absl::Status st = RunCli({"--gateway", "127.0.0.1:1", "clues"}, out);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
}

// Runs `args` against a gateway that is not listening, so that a command whose arguments pass
// its checks fails as Unavailable and one whose arguments do not fails as InvalidArgument.
absl::Status RunOffline(std::vector<std::string> args) {
  std::ostringstream out;
  args.insert(args.begin(), {"--gateway", "127.0.0.1:1", "--token", "t"});
  return RunCli(args, out);
}

TEST(MatchReviewArgsTest, ResolveMatchNeedsTwoRecordKeysAndOneDecision) {
  const absl::StatusCode kBad = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(RunOffline({"resolve-match", "--same"}).code(), kBad);
  EXPECT_EQ(RunOffline({"resolve-match", "court:J-1", "--same"}).code(), kBad);
  EXPECT_EQ(RunOffline({"resolve-match", "court:J-1", "court:J-2", "court:J-3", "--same"}).code(),
            kBad);
  for (const char* malformed : {"J-1", ":J-1", "court:", ""}) {
    absl::Status st = RunOffline({"resolve-match", malformed, "court:J-2", "--same"});
    EXPECT_EQ(st.code(), kBad) << malformed;
    EXPECT_THAT(st.message(), ::testing::HasSubstr("RECORD_A must be AGENCY:SOURCE_RECORD_ID"));
    st = RunOffline({"resolve-match", "court:J-2", malformed, "--different"});
    EXPECT_EQ(st.code(), kBad) << malformed;
    EXPECT_THAT(st.message(), ::testing::HasSubstr("RECORD_B must be AGENCY:SOURCE_RECORD_ID"));
  }
  absl::Status both =
      RunOffline({"resolve-match", "court:J-1", "civil_affairs:MA-1", "--same", "--different"});
  EXPECT_EQ(both.code(), kBad);
  EXPECT_THAT(both.message(), ::testing::HasSubstr("exactly one of --same"));
  absl::Status neither =
      RunOffline({"resolve-match", "court:J-1", "civil_affairs:MA-1", "--reason", "x"});
  EXPECT_EQ(neither.code(), kBad);
  EXPECT_THAT(neither.message(), ::testing::HasSubstr("exactly one of --same"));
  absl::Status twice = RunOffline({"resolve-match", "court:J-1", "court:J-1", "--same"});
  EXPECT_EQ(twice.code(), kBad);
  EXPECT_THAT(twice.message(), ::testing::HasSubstr("two different records"));
  absl::Status typo =
      RunOffline({"resolve-match", "court:J-1", "civil_affairs:MA-1", "--same", "--reasons", "x"});
  EXPECT_EQ(typo.code(), kBad);
  EXPECT_THAT(typo.message(), ::testing::HasSubstr("--reasons"));

  // Well-formed: --same and --different take no value (the reason is not swallowed), a record id
  // may hold ':'; the request is sent and meets the closed port.
  EXPECT_EQ(RunOffline({"resolve-match", "court:J-1", "civil_affairs:MA-1", "--same", "--reason",
                        "checked with the village committee"})
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      RunOffline({"resolve-match", "court:J:2024:1", "civil_affairs:MA-1", "--different"}).code(),
      absl::StatusCode::kUnavailable);
}

TEST(MatchReviewArgsTest, OtherCommandsCheckTheirArguments) {
  const absl::StatusCode kBad = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(RunOffline({"why"}).code(), kBad);
  EXPECT_EQ(RunOffline({"why", "court:J-1"}).code(), kBad);
  EXPECT_EQ(RunOffline({"why", "court:J-1", "court:J-2", "court:J-3"}).code(), kBad);
  EXPECT_EQ(RunOffline({"why", "court-J-1", "court:J-2"}).code(), kBad);
  EXPECT_EQ(RunOffline({"why", "court:J-1", "court:J-2", "--same"}).code(), kBad);
  EXPECT_EQ(RunOffline({"possible-matches", "extra"}).code(), kBad);
  EXPECT_EQ(RunOffline({"possible-matches", "--page-size", "0"}).code(), kBad);
  EXPECT_EQ(RunOffline({"possible-matches", "--page-size", "ten"}).code(), kBad);
  EXPECT_EQ(RunOffline({"possible-matches", "--pagesize", "10"}).code(), kBad);
  EXPECT_EQ(RunOffline({"person"}).code(), kBad);
  EXPECT_EQ(RunOffline({"person", "per_1", "per_2"}).code(), kBad);
  EXPECT_EQ(RunOffline({"relink", "now"}).code(), kBad);
  EXPECT_EQ(RunOffline({"relink", "--force"}).code(), kBad);
  EXPECT_EQ(RunOffline({"link-model", "text"}).code(), kBad);

  const absl::StatusCode kSent = absl::StatusCode::kUnavailable;
  EXPECT_EQ(RunOffline({"why", "court:J-1", "civil_affairs:MA-1"}).code(), kSent);
  EXPECT_EQ(RunOffline({"possible-matches", "--page-size", "10", "--page-token", "50"}).code(),
            kSent);
  EXPECT_EQ(RunOffline({"person", "per_0123456789abcdef"}).code(), kSent);
  EXPECT_EQ(RunOffline({"relink"}).code(), kSent);
  EXPECT_EQ(RunOffline({"link-model"}).code(), kSent);
}

// A truth directory with two records of one person.
class EvalCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("records.csv",
          "agency,source_record_id,person_id,kind,noise,id_status,name,id_number,birth_date\n"
          "court,J-1,1,criminal_victim,,none,a,,1980-01-01\n"
          "civil_affairs,MZ-1,1,social_assistance,name_typo,none,a,,1980-01-01\n");
    Write("eligible.csv", "person_id,category,case_number,victim_person_id,signals\n");
    Write("near_misses.csv", "person_id,reason,case_number\n");
    Write("links.csv", "agency,source_record_id,person_id\ncourt,J-1,p\ncivil_affairs,MZ-1,p\n");
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(Path(name), std::ios::binary) << text;
  }
  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  common::testing::TempDir dir_;
};

TEST_F(EvalCommandTest, ArgumentErrorsAreInvalidArgument) {
  std::ostringstream out;
  const std::string truth = dir_.path();
  EXPECT_EQ(RunCli({"eval"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"eval", "--truth"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"eval", "--truth", truth, "extra"}, out).code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status typo = RunCli({"eval", "--truth", truth, "--link", Path("links.csv")}, out);
  EXPECT_EQ(typo.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.message(), ::testing::HasSubstr("--link"));
  absl::Status no_links = RunCli({"eval", "--truth", truth, "--clues", Path("clues.csv")}, out);
  EXPECT_EQ(no_links.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_links.message(), ::testing::HasSubstr("--links"));
}

TEST_F(EvalCommandTest, UnreadableInputsNameTheFile) {
  std::ostringstream out;
  absl::Status missing = RunCli({"eval", "--truth", Path("nowhere")}, out);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), ::testing::HasSubstr("records.csv"));
  Write("links.csv", "agency,record,person_id\n");
  absl::Status bad = RunCli({"eval", "--truth", dir_.path(), "--links", Path("links.csv")}, out);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), ::testing::HasSubstr("links.csv: line 1: unknown column 'record'"));
}

TEST_F(EvalCommandTest, PrintsTheReportWithoutAGateway) {
  std::ostringstream out;
  // A malformed gateway does not matter: eval never talks to it.
  absl::Status st = RunCli(
      {"--gateway", "nohostport", "eval", "--truth", dir_.path(), "--links", Path("links.csv")},
      out);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_THAT(out.str(), ::testing::HasSubstr("Truth: 2 records from 2 agencies"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("Lifeline"));
  EXPECT_THAT(out.str(), ::testing::HasSubstr("name+birth join"));
}

TEST_F(EvalCommandTest, ExportArgumentErrorsAreInvalidArgument) {
  std::ostringstream out;
  const std::string file = Path("out.csv");
  EXPECT_EQ(RunCli({"export"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"export", "persons", "--out", file}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"export", "clues"}, out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"export", "links", "--out", file}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"export", "links", "--match", "nohostport", "--out", file}, out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RunCli({"export", "clues", "--match", "127.0.0.1:1", "--out", file}, out).code(),
            absl::StatusCode::kInvalidArgument);
}

// Returns the files in `path`'s directory whose names start with its name (the file itself and
// any temporary file staged for it).
std::vector<std::string> FilesStartingWith(const std::string& path) {
  const std::filesystem::path p(path);
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(p.parent_path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(p.filename().string(), 0) == 0) found.push_back(name);
  }
  return found;
}

TEST_F(EvalCommandTest, FailedExportLeavesNoFile) {
  std::ostringstream out;
  const std::string file = Path("links-out.csv");
  // Port 1 on loopback is not listening in the test environment.
  absl::Status st = RunCli({"export", "links", "--match", "127.0.0.1:1", "--out", file}, out);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_FALSE(std::ifstream(file).good());
  EXPECT_THAT(FilesStartingWith(file), ::testing::IsEmpty());
  st = RunCli({"--gateway", "127.0.0.1:1", "export", "clues", "--out", file}, out);
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;
  EXPECT_FALSE(std::ifstream(file).good());
  EXPECT_THAT(FilesStartingWith(file), ::testing::IsEmpty());
}

}  // namespace
}  // namespace lifeline::tools
