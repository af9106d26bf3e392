// Test-only: a mutable argv for code that parses command lines (FlagSet::Parse, ParseFlags).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

namespace lifeline::common::testing {

// argv[0] is "binary", then `args` in order. Keeps the strings alive while it lives.
class Argv {
 public:
  Argv(std::initializer_list<std::string> args) : storage_(args) {
    storage_.insert(storage_.begin(), "binary");
    for (std::string& s : storage_) pointers_.push_back(s.data());
  }
  int argc() const { return static_cast<int>(pointers_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> storage_;
  std::vector<char*> pointers_;
};

}  // namespace lifeline::common::testing
