#include "packager/support/progress.h"

#include <unistd.h>

#include <cstdio>

#include "packager/support/console.h"

namespace freeze::packager {

Progress::Progress(std::string phase, std::size_t total)
    : phase_(std::move(phase)),
      total_(total),
      enabled_(verbosity() == Verbosity::Normal && isatty(STDERR_FILENO) == 1),
      started_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (enabled_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

void Progress::advance() {
  const std::size_t done = ++done_;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (done != total_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(done);
}

void Progress::draw(std::size_t done) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  std::fprintf(stderr, "\r\033[K%s %zu/%zu, %.1f s", phase_.c_str(), done, total_, seconds);
  std::fflush(stderr);
}

}  // namespace freeze::packager
