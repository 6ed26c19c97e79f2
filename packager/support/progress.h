// A one-line progress display for long build phases ("compiling 312/700, 1.4 s"), redrawn in
// place on a terminal at most ten times a second; silent when stderr is not a terminal or with
// --quiet/--verbose (verbose output has its own lines). Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace freeze::packager {

class Progress {
 public:
  Progress(std::string phase, std::size_t total);
  ~Progress();  // clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance();  // one more item done

 private:
  void draw(std::size_t done);
  const std::string phase_;
  const std::size_t total_;
  const bool enabled_;
  std::atomic<std::size_t> done_{0};
  std::mutex mutex_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace freeze::packager
