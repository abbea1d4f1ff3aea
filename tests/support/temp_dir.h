// A temporary directory removed at the end of the test (kept with RAPPORT_KEEP_TEMP=1).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace rapport::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "rapport") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    if (!std::getenv("RAPPORT_KEEP_TEMP")) std::filesystem::remove_all(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace rapport::testing
