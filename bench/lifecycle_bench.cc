// lifecycle_bench: figures of message lifecycles (issue 21). Workloads:
//
//   lifecycle_bench fold
//     Folds a 10,000-update backlog of one user: 5,000 messages over 7 threads, half of them
//     unsent later in the backlog, 2,500 reactions to the others (the goal case).
//     Prints how many updates the fold keeps, how many unsent messages it still sends (must
//     be 0) and the fold's time per backlog (median of 20 runs).
//
// GET /v1/badge is measured by bench/http_load.cc.
//
// Output: `name value` lines, read by bench/suites/lifecycle.


#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/folding.h"

namespace {

using Clock = std::chrono::steady_clock;

int fold_bench() {
  using namespace iris::core;
  std::vector<Update> range;
  std::uint64_t seq = 1;
  range.reserve(10'000);
  auto add = [&](std::uint64_t thread, std::uint64_t actor, const UpdateBody& body) {
    Update& u = range.emplace_back();
    u.seq = Seq{seq++};
    u.thread = ThreadId{thread};
    u.actor = UserId{actor};
    u.body = body;
  };
  for (std::uint64_t m = 1; m <= 5000; ++m) add(m % 7 + 1, 1, MessageCreated{MessageId{m}, {}, "message text", {}});
  for (std::uint64_t m = 2; m <= 5000; m += 2) add(m % 7 + 1, 1, MessageDeleted{MessageId{m}});
  for (std::uint64_t m = 1; range.size() < 10'000; m += 2) add(m % 7 + 1, 2, ReactionChanged{MessageId{m}, "+1"});
  std::vector<double> us;
  FoldResult out;
  for (int run = 0; run < 20; ++run) {
    const auto t0 = Clock::now();
    out = fold_range(range);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::size_t unsent_sent = 0;
  for (const auto& u : out.updates) {
    if (const auto* c = std::get_if<MessageCreated>(&u.body); c && c->message.value() % 2 == 0) ++unsent_sent;
  }
  std::printf("backlog_updates %zu\nfolded_updates %zu\nunsent_messages_sent %zu\nfold_us %.0f\n",
              range.size(), out.updates.size(), unsent_sent, us[us.size() / 2]);
  return unsent_sent == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "";
  if (what == "fold") return fold_bench();
  std::fprintf(stderr, "usage: lifecycle_bench fold\n");
  return 2;
}
