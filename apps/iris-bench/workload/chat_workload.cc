#include "apps/iris-bench/workload/chat_workload.h"

#include <algorithm>
#include <iterator>
#include <cmath>
#include <map>
#include <stdexcept>
#include <utility>

namespace iris::bench {

std::uint64_t WorkloadRng::next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double WorkloadRng::uniform() {
  // The top 53 bits: every double in [0, 1) with that spacing is equally likely.
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

std::uint64_t WorkloadRng::below(std::uint64_t n) {
  // Rejection keeps it unbiased for any n.
  const std::uint64_t limit = ~std::uint64_t{0} - (~std::uint64_t{0} % n);
  std::uint64_t x = next();
  while (x >= limit) x = next();
  return x % n;
}

double WorkloadRng::exponential(double mean) { return -mean * std::log1p(-uniform()); }

double WorkloadRng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]: log is finite
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;

// Common words of chat English: gives generated text the redundancy of real text, which is
// what gzip (the baseline's compression) feeds on.
constexpr const char* kWords[] = {
    "the",   "be",     "to",      "of",     "and",    "a",       "in",     "that",   "have",
    "I",     "it",     "for",     "not",    "on",     "with",    "he",     "as",     "you",
    "do",    "at",     "this",    "but",    "by",     "from",    "they",   "we",     "say",
    "she",   "or",     "an",      "will",   "my",     "one",     "all",    "would",  "there",
    "what",  "so",     "up",      "out",    "if",     "about",   "who",    "get",    "go",
    "me",    "when",   "make",    "can",    "like",   "time",    "no",     "just",   "know",
    "take",  "people", "into",    "your",   "good",   "some",    "could",  "them",   "see",
    "other", "than",   "then",    "now",    "look",   "only",    "come",   "think",  "also",
    "back",  "after",  "work",    "first",  "well",   "way",     "even",   "new",    "want",
    "any",   "give",   "day",     "us",     "ok",     "lol",     "yes",    "haha",   "tonight",
    "tomorrow", "dinner", "later", "sure",  "thanks", "great"};

std::string make_text(WorkloadRng& rng, std::size_t bytes) {
  std::string s;
  while (s.size() < bytes) {
    if (!s.empty()) s += rng.chance(0.08) ? ". " : " ";
    s += kWords[rng.below(std::size(kWords))];
  }
  s.resize(bytes);
  return s;
}

// Online intervals [start, end) of one device, in time order.
struct Timeline {
  std::vector<std::pair<std::int64_t, std::int64_t>> online;
  bool at(std::int64_t t) const {
    auto it = std::upper_bound(online.begin(), online.end(), t,
                               [](std::int64_t v, const auto& span) { return v < span.first; });
    if (it == online.begin()) return false;
    --it;
    return t >= it->first && t < it->second;
  }
};

// Events before renumbering: messages carry a provisional id, mapped to send order at the end.
struct Draft {
  WorkloadEvent event;
  std::size_t order;  // insertion order, the tie-break for equal times
};

class Generator {
 public:
  explicit Generator(const WorkloadOptions& o) : o_(o), rng_(o.seed) {
    out_.options = o;
    out_.users = o.users;
    out_.end_ms = static_cast<std::int64_t>(o.days * static_cast<double>(kDay));
  }

  ChatWorkload run() {
    make_devices();
    make_threads();
    make_timelines();
    for (std::uint32_t t = 0; t < out_.threads.size(); ++t) make_sessions(t);
    finish();
    return std::move(out_);
  }

 private:
  void push(const WorkloadEvent& e) { drafts_.push_back({e, drafts_.size()}); }

  void make_devices() {
    devices_of_.resize(o_.users);
    for (std::uint32_t u = 0; u < o_.users; ++u) {
      devices_of_[u].push_back(static_cast<std::uint32_t>(out_.devices.size()));
      out_.devices.push_back({u, "phone", rng_.chance(o_.online_at_start)});
      if (rng_.chance(o_.laptop_share)) {
        devices_of_[u].push_back(static_cast<std::uint32_t>(out_.devices.size()));
        out_.devices.push_back({u, "laptop", rng_.chance(o_.online_at_start)});
      }
    }
  }

  void make_threads() {
    std::map<std::pair<std::uint32_t, std::uint32_t>, bool> pairs;
    const auto one_to_one =
        static_cast<std::size_t>(std::lround(o_.contacts * o_.users / 2.0));
    const std::size_t max_pairs = std::size_t{o_.users} * (o_.users - 1) / 2;
    for (std::size_t i = 0; i < std::min(one_to_one, max_pairs);) {
      auto a = static_cast<std::uint32_t>(rng_.below(o_.users));
      auto b = static_cast<std::uint32_t>(rng_.below(o_.users));
      if (a == b || pairs.count({std::min(a, b), std::max(a, b)})) continue;
      pairs[{std::min(a, b), std::max(a, b)}] = true;
      out_.threads.push_back({{a, b}, "", false});
      ++i;
    }
    const auto groups = static_cast<std::size_t>(std::lround(o_.groups_per_user * o_.users));
    for (std::size_t g = 0; g < groups; ++g) {
      const std::uint32_t size = std::min<std::uint32_t>(
          o_.users, 3 + static_cast<std::uint32_t>(rng_.below(o_.max_group - 2)));
      WorkloadThread t;
      t.group = true;
      t.name = make_text(rng_, 6 + rng_.below(14));
      while (t.participants.size() < size) {
        const auto u = static_cast<std::uint32_t>(rng_.below(o_.users));
        if (std::find(t.participants.begin(), t.participants.end(), u) == t.participants.end()) {
          t.participants.push_back(u);
        }
      }
      out_.threads.push_back(std::move(t));
    }
  }

  std::int64_t offline_spell() {
    const double r = rng_.uniform();
    if (r < o_.offline_minutes_share) {
      return kMinute + static_cast<std::int64_t>(
                           rng_.exponential(o_.offline_minutes_mean_min * kMinute));
    }
    if (r < o_.offline_minutes_share + o_.offline_hours_share) {
      return kHour + static_cast<std::int64_t>(rng_.uniform() * 7 * kHour);
    }
    return kDay + static_cast<std::int64_t>(rng_.uniform() * kDay);
  }

  void make_timelines() {
    timelines_.resize(out_.devices.size());
    const double cold_mean = o_.cold_start_per_day > 0 ? kDay / o_.cold_start_per_day : 0;
    for (std::uint32_t d = 0; d < out_.devices.size(); ++d) {
      const bool day_away = rng_.chance(o_.day_away_share) && out_.end_ms > 30 * kHour;
      const std::int64_t away_at =
          day_away ? static_cast<std::int64_t>(rng_.uniform() *
                                               static_cast<double>(out_.end_ms - 30 * kHour))
                   : -1;
      bool away_pending = day_away;
      std::int64_t next_cold =
          cold_mean > 0 ? static_cast<std::int64_t>(rng_.exponential(cold_mean)) : -1;
      bool online = out_.devices[d].online_at_start;
      std::int64_t t = 0;
      while (t < out_.end_ms) {
        if (online) {
          const std::int64_t end =
              t + kMinute + static_cast<std::int64_t>(rng_.exponential(o_.online_mean_min * kMinute));
          timelines_[d].online.emplace_back(t, std::min(end, out_.end_ms));
          if (end < out_.end_ms) push({end, EventKind::go_offline, d, 0, 0});
          t = end;
        } else {
          std::int64_t len = offline_spell();
          if (away_pending && t + len >= away_at) {
            len += kDay + static_cast<std::int64_t>(rng_.uniform() * 6 * kHour);
            away_pending = false;
          }
          t += len;
          if (t < out_.end_ms) {
            EventKind kind = EventKind::go_online;
            if (next_cold >= 0 && t >= next_cold) {
              kind = EventKind::cold_start;
              next_cold = t + static_cast<std::int64_t>(rng_.exponential(cold_mean));
            }
            push({t, kind, d, 0, 0});
          }
        }
        online = !online;
      }
    }
  }

  // A device of `user` online at `t`, or -1.
  std::int64_t online_device(std::uint32_t user, std::int64_t t) {
    std::vector<std::uint32_t> up;
    for (auto d : devices_of_[user]) {
      if (timelines_[d].at(t)) up.push_back(d);
    }
    if (up.empty()) return -1;
    return up[rng_.below(up.size())];
  }

  void make_sessions(std::uint32_t thread) {
    const WorkloadThread& th = out_.threads[thread];
    const double rate = th.group ? o_.sessions_per_day_group : o_.sessions_per_day_1to1;
    if (rate <= 0) return;
    // Provisional id of the newest message and, per participant, of the newest one read.
    std::int64_t newest = -1;
    std::map<std::uint32_t, std::int64_t> read;
    auto mark_read = [&](std::uint32_t user, std::uint32_t device, std::int64_t at) {
      if (newest < 0 || read[user] >= newest) return;
      read[user] = newest;
      push({at, EventKind::read, device, thread, static_cast<std::uint32_t>(newest)});
    };
    for (auto u : th.participants) read[u] = -1;
    std::int64_t t = 0;
    while (true) {
      t += static_cast<std::int64_t>(rng_.exponential(static_cast<double>(kDay) / rate));
      if (t >= out_.end_ms) break;
      const auto hour = (t / kHour) % 24;
      if (hour < 7 && !rng_.chance(0.15)) continue;  // people mostly sleep at night
      std::uint32_t turns = 1;
      while (turns < 50 && rng_.chance(1.0 - 1.0 / o_.messages_per_session)) ++turns;
      std::int64_t previous = -1;
      for (std::uint32_t turn = 0; turn < turns && t < out_.end_ms; ++turn) {
        std::vector<std::pair<std::uint32_t, std::uint32_t>> candidates;  // user, device
        for (auto u : th.participants) {
          if (auto d = online_device(u, t); d >= 0) {
            candidates.emplace_back(u, static_cast<std::uint32_t>(d));
          }
        }
        if (candidates.empty()) break;
        auto pick = candidates[rng_.below(candidates.size())];
        if (candidates.size() > 1 && pick.first == previous && rng_.chance(0.8)) {
          while (pick.first == previous) pick = candidates[rng_.below(candidates.size())];
        }
        previous = pick.first;
        mark_read(pick.first, pick.second, t);
        const std::uint32_t burst =
            rng_.chance(o_.burst_share) ? 2 + static_cast<std::uint32_t>(rng_.below(3)) : 1;
        for (std::uint32_t k = 0; k < burst && t < out_.end_ms; ++k) {
          if (k > 0) t += kSecond + static_cast<std::int64_t>(rng_.below(3 * kSecond));
          if (!timelines_[pick.second].at(t) || t >= out_.end_ms) break;
          const double len = o_.text_median * std::exp(o_.text_sigma * rng_.normal());
          const auto bytes = static_cast<std::size_t>(
              std::clamp(std::lround(len), 1L, static_cast<long>(o_.text_max)));
          newest = static_cast<std::int64_t>(draft_texts_.size());
          draft_texts_.push_back(make_text(rng_, bytes));
          draft_thread_.push_back(thread);
          read[pick.first] = newest;
          push({t, EventKind::send, pick.second, thread, static_cast<std::uint32_t>(newest)});
        }
        t += kSecond + static_cast<std::int64_t>(rng_.exponential(o_.turn_gap_s * kSecond));
      }
      // The others who are online look at the thread once it goes quiet.
      for (auto u : th.participants) {
        const std::int64_t at = t + static_cast<std::int64_t>(rng_.exponential(kMinute));
        if (at >= out_.end_ms || !rng_.chance(0.7)) continue;
        if (auto d = online_device(u, at); d >= 0) mark_read(u, static_cast<std::uint32_t>(d), at);
      }
      t += 2 * kMinute;  // sessions of one thread never overlap
    }
  }

  void finish() {
    std::stable_sort(drafts_.begin(), drafts_.end(), [](const Draft& a, const Draft& b) {
      return a.event.at_ms < b.event.at_ms;
    });
    std::vector<std::uint32_t> final_id(draft_texts_.size());
    std::uint32_t next = 0;
    for (Draft& d : drafts_) {
      if (d.event.kind == EventKind::send) {
        final_id[d.event.message] = next;
        out_.texts.push_back(std::move(draft_texts_[d.event.message]));
        out_.message_thread.push_back(draft_thread_[d.event.message]);
        d.event.message = next++;
      } else if (d.event.kind == EventKind::read) {
        d.event.message = final_id[d.event.message];
      }
      out_.events.push_back(d.event);
    }
  }

  const WorkloadOptions& o_;
  WorkloadRng rng_;
  ChatWorkload out_;
  std::vector<std::vector<std::uint32_t>> devices_of_;
  std::vector<Timeline> timelines_;
  std::vector<Draft> drafts_;
  std::vector<std::string> draft_texts_;
  std::vector<std::uint32_t> draft_thread_;
};

}  // namespace

ChatWorkload generate_chat_workload(const WorkloadOptions& options) {
  if (options.users < 2) throw std::invalid_argument("workload: users must be >= 2");
  if (!(options.days > 0)) throw std::invalid_argument("workload: days must be > 0");
  if (options.max_group < 3) throw std::invalid_argument("workload: max_group must be >= 3");
  if (!(options.messages_per_session >= 1)) {
    throw std::invalid_argument("workload: messages_per_session must be >= 1");
  }
  return Generator(options).run();
}

}  // namespace iris::bench
