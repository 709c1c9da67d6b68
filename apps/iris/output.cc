#include "apps/iris/output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace iris::cli {

Output::Output(bool json) : json_(json), tty_(::isatty(STDOUT_FILENO) == 1) {}

Output::~Output() { end_progress(); }

void Output::line(std::string_view text) {
  end_progress();
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void Output::error(std::string_view what, std::error_code ec) {
  end_progress();
  std::fprintf(stderr, "iris: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               ec.message().c_str());
}

void Output::error(std::string_view what) {
  end_progress();
  std::fprintf(stderr, "iris: %.*s\n", static_cast<int>(what.size()), what.data());
}

void Output::progress(const client::Progress& p) {
  if (!tty_ || json_) return;
  constexpr int kWidth = 30;
  const char* label = p.phase == client::Progress::Phase::snapshot ? "snapshot" : "catch-up";
  std::uint64_t permille = p.total ? std::min<std::uint64_t>(1000, p.done * 1000 / p.total) : 0;
  if (permille == last_permille_ && drawn_) return;
  last_permille_ = permille;
  std::string bar(kWidth, ' ');
  for (std::uint64_t i = 0; i < permille * kWidth / 1000; ++i) bar[i] = '#';
  if (p.total)
    std::fprintf(stdout, "\r%s [%s] %3u%% %llu/%llu", label, bar.c_str(),
                 static_cast<unsigned>(permille / 10), static_cast<unsigned long long>(p.done),
                 static_cast<unsigned long long>(p.total));
  else
    std::fprintf(stdout, "\r%s %llu", label, static_cast<unsigned long long>(p.done));
  std::fflush(stdout);
  drawn_ = true;
}

void Output::end_progress() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stdout);
  std::fflush(stdout);
  drawn_ = false;
}

std::string format_time(core::Timestamp t) {
  const std::time_t secs = static_cast<std::time_t>(t.time_since_epoch().count() / 1000);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string attachment_text(const core::Attachment& a) {
  std::string dims;
  if (a.width && a.height) dims = fmt::format(" {}x{}", *a.width, *a.height);
  return fmt::format("[file {} {} {} bytes{} blob {}]", a.name.empty() ? "(no name)" : a.name, a.content_type,
                     a.size, dims, a.blob.to_hex());
}

std::string attachment_json(const core::Attachment& a) {
  std::string j = fmt::format(R"({{"blob":{},"content_type":{},"size":{},"name":{})", json_string(a.blob.to_hex()),
                              json_string(a.content_type), json_string(std::to_string(a.size)), json_string(a.name));
  if (a.width && a.height) j += fmt::format(R"(,"width":{},"height":{})", *a.width, *a.height);
  return j + "}";
}

}  // namespace iris::cli
