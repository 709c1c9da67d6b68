// wire_size_bench: payload sizes of the sync protocol in four encodings, and the cost of a
// typical delta batch through the compact codec.
//
// Workloads (one generated corpus, fixed seed, so runs are comparable):
//   delta_1       2000 live deltas of one update each: 60% MessageCreated (10% replies),
//                 25% ReadReceipt, 5% MessageEdited, 4% MessageDeleted, 3% ThreadRenamed,
//                 2% ThreadCreated, 1% ParticipantsChanged
//   delta_10       300 catch-up batches of 10 updates, same mix
//   snapshot        50 inboxes of 20 threads: 2-8 participants, name, 5 latest messages,
//                 unread count, a read watermark per participant
//   send_request  1000 sends (10% replies); read_request 500; ack 500
// Texts are English words with a log-normal length (median ~30 bytes, long tail to 2 KB),
// 6% with an emoji; ids look like production ones: 47-bit user and thread ids, time-based
// 60-bit message ids, random 64-bit epochs and client ids, millisecond times around 2024.
//
// Encodings: Thrift compact (the wire), Thrift binary, JSON (json_codec.h), and that JSON
// gzip'd one message at a time (zlib level 6), as a per-message transport compression would.
//
// Output: a table of mean bytes per message kind and ratios, then
//   BENCH wire.thrift_json_ratio  compact bytes / JSON bytes over the whole corpus
//   BENCH wire.batch10_roundtrip_us  mean encode + decode of one 10-update batch, in us
// Flags: --sizes (table and ratio only), --timing (roundtrip only).

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "wire/codec.h"
#include "wire/convert.h"
#include "wire/json_codec.h"

namespace {

using namespace iris;
using namespace iris::wire;

// Corpus -----------------------------------------------------------------------------------

constexpr const char* kWords[] = {
    "the", "you", "I", "to", "a", "and", "it", "is", "that", "ok", "yes", "no", "lol", "what",
    "are", "we", "going", "tonight", "tomorrow", "dinner", "at", "see", "there", "thanks",
    "sounds", "good", "can", "call", "me", "later", "just", "got", "home", "where", "meeting",
    "running", "late", "minutes", "haha", "sure", "maybe", "let's", "do", "it", "love", "this",
    "picture", "did", "watch", "game", "last", "night", "on", "my", "way", "be", "there", "in",
    "10", "pick", "up", "milk", "please", "happy", "birthday", "miss", "you", "too", "work",
    "weekend", "plans", "train", "delayed", "again", "coffee", "?", "!", "great", "idea"};
constexpr const char* kEmoji[] = {"😂", "👍", "❤️", "🙏", "😊", "🎉"};

class Corpus {
 public:
  explicit Corpus(std::uint64_t seed) : rng_(seed) {
    for (auto& u : users_) u = core::UserId{100'000'000'000'000ull + rng_() % 40'000'000'000'000ull};
    for (auto& t : threads_) t = core::ThreadId{100'000'000'000'000ull + rng_() % 40'000'000'000'000ull};
  }

  std::string text() {
    std::lognormal_distribution<double> len(std::log(30.0), 0.9);
    const auto target = static_cast<std::size_t>(std::clamp(len(rng_), 1.0, 2000.0));
    std::string out;
    while (out.size() < target) {
      if (!out.empty()) out += ' ';
      out += kWords[rng_() % std::size(kWords)];
    }
    if (rng_() % 100 < 6) out += std::string(" ") + kEmoji[rng_() % std::size(kEmoji)];
    return out;
  }

  core::UserId user() { return users_[rng_() % users_.size()]; }
  core::ThreadId thread() { return threads_[rng_() % threads_.size()]; }
  core::Timestamp time() {
    now_ms_ += 1 + rng_() % 20'000;
    return core::Timestamp{std::chrono::milliseconds{now_ms_}};
  }
  // Time-based like a snowflake id: milliseconds since 2015 above 22 random bits.
  core::MessageId message_id() {
    return core::MessageId{((static_cast<std::uint64_t>(now_ms_) - 1'420'070'400'000ull) << 22) |
                           (rng_() & 0x3FFFFF)};
  }
  core::ClientMsgId client_id() { return {rng_(), rng_()}; }
  std::vector<core::UserId> some_users(std::size_t lo, std::size_t hi) {
    std::vector<core::UserId> out(lo + rng_() % (hi - lo + 1));
    for (auto& u : out) u = user();
    return out;
  }
  std::string thread_name() {
    static const char* const kNames[] = {"Family", "Weekend trip", "Book club", "Team lunch",
                                         "Flatmates", "Football Tuesdays", "Mum & Dad", ""};
    return kNames[rng_() % std::size(kNames)];
  }

  core::UpdateBody body() {
    const auto p = rng_() % 100;
    if (p < 60) {
      std::optional<core::MessageId> reply;
      if (rng_() % 10 == 0) reply = core::MessageId{message_id().value() - 1000 - rng_() % 100000};
      return core::MessageCreated{message_id(), client_id(), text(), reply};
    }
    if (p < 85) return core::ReadReceipt{user(), message_id()};
    if (p < 90) return core::MessageEdited{message_id(), text()};
    if (p < 94) return core::MessageDeleted{message_id()};
    if (p < 97) return core::ThreadRenamed{thread_name()};
    if (p < 99) return core::ThreadCreated{thread_name(), some_users(2, 8)};
    return core::ParticipantsChanged{some_users(1, 2), {}};
  }

  DeltaBatch batch(std::size_t n) {
    DeltaBatch b{epoch_, core::next(seq_), {}, {}, false};
    for (std::size_t i = 0; i < n; ++i) {
      seq_ = core::next(seq_);
      auto t = time();
      b.updates.push_back(core::Update{seq_, t, thread(), user(), body()});
    }
    b.last_seq = seq_;
    return b;
  }

  Snapshot snapshot() {
    Snapshot s{epoch_, seq_, {}};
    for (int i = 0; i < 20; ++i) {
      ThreadState t{thread(), thread_name(), some_users(2, 8), {}, 0, {}};
      for (int k = 0; k < 5; ++k) {
        auto when = time();
        std::optional<core::MessageId> reply;
        if (rng_() % 10 == 0) reply = core::MessageId{message_id().value() - 5000};
        t.latest_messages.push_back(ThreadMessage{message_id(), t.participants[rng_() % t.participants.size()],
                                                  when, text(), reply});
      }
      t.unread_count = static_cast<std::uint32_t>(rng_() % 3 == 0 ? rng_() % 40 : 0);
      for (const auto& p : t.participants) {
        t.read_watermarks.push_back(ReadWatermark{p, t.latest_messages[rng_() % 5].message});
      }
      s.threads.push_back(std::move(t));
    }
    return s;
  }

  SendRequest send() {
    std::optional<core::MessageId> reply;
    if (rng_() % 10 == 0) reply = message_id();
    return SendRequest{client_id(), thread(), text(), reply};
  }
  ReadRequest read() { return ReadRequest{thread(), message_id()}; }
  Ack ack() { return Ack{epoch_, core::Seq{seq_.value() - rng_() % 10}}; }

 private:
  std::mt19937_64 rng_;
  std::array<core::UserId, 200> users_;
  std::array<core::ThreadId, 60> threads_;
  std::int64_t now_ms_ = 1'704'067'200'000;  // 2024-01-01
  core::Epoch epoch_{0x9e3779b97f4a7c15ull};
  core::Seq seq_{48'211};
};

// Encodings --------------------------------------------------------------------------------

template <typename M>
std::size_t binary_size(const M& m) {
  namespace tt = apache::thrift::transport;
  auto buffer = std::make_shared<tt::TMemoryBuffer>(1024);
  apache::thrift::protocol::TBinaryProtocolT<tt::TMemoryBuffer> protocol(buffer);
  to_thrift(m).write(&protocol);
  return buffer->available_read();
}

std::size_t gzip_size(const std::string& in) {
  z_stream z{};
  // windowBits 15 + 16: a gzip stream (header and trailer), as Content-Encoding: gzip sends.
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  const std::size_t n = z.total_out;
  deflateEnd(&z);
  return n;
}

struct Sizes {
  std::size_t count = 0, compact = 0, binary = 0, json = 0, gzip = 0;
  void add(const Sizes& o) {
    count += o.count, compact += o.compact, binary += o.binary, json += o.json, gzip += o.gzip;
  }
};

template <typename M>
Sizes measure(const std::vector<M>& messages) {
  Sizes s;
  for (const auto& m : messages) {
    const std::string compact = encode(m);
    const std::string json = encode_json(m);
    // Every message must survive its own encodings; a size of a broken encoding means nothing.
    if (decode<M>(compact) != m || decode_json<M>(json) != m) {
      std::fprintf(stderr, "round trip failed\n");
      std::exit(1);
    }
    s.count++;
    s.compact += compact.size();
    s.binary += binary_size(m);
    s.json += json.size();
    s.gzip += gzip_size(json);
  }
  return s;
}

void print_row(const char* name, const Sizes& s) {
  const auto per = [&](std::size_t total) { return static_cast<double>(total) / static_cast<double>(s.count); };
  std::printf("%-14s %6zu %9.1f %9.1f %9.1f %9.1f %10.1f%% %10.1f%%\n", name, s.count, per(s.compact),
              per(s.binary), per(s.json), per(s.gzip),
              100.0 * static_cast<double>(s.compact) / static_cast<double>(s.json),
              100.0 * static_cast<double>(s.compact) / static_cast<double>(s.gzip));
}

double batch10_roundtrip_us(const std::vector<DeltaBatch>& batches) {
  using Clock = std::chrono::steady_clock;
  std::size_t sink = 0;
  // Warm up caches and the allocator first.
  for (const auto& b : batches) sink += decode<DeltaBatch>(encode(b))->updates.size();
  constexpr int kRounds = 200;
  const auto start = Clock::now();
  for (int r = 0; r < kRounds; ++r) {
    for (const auto& b : batches) {
      const std::string bytes = encode(b);
      auto back = decode<DeltaBatch>(bytes);
      sink += back->updates.size();
    }
  }
  const std::chrono::duration<double, std::micro> elapsed = Clock::now() - start;
  if (sink == 0) std::abort();
  return elapsed.count() / (kRounds * static_cast<double>(batches.size()));
}

}  // namespace

int main(int argc, char** argv) {
  bool sizes = true, timing = true;
  if (argc > 1 && std::strcmp(argv[1], "--sizes") == 0) timing = false;
  if (argc > 1 && std::strcmp(argv[1], "--timing") == 0) sizes = false;

  Corpus corpus(20240101);
  std::vector<DeltaBatch> delta1, delta10;
  std::vector<Snapshot> snapshots;
  std::vector<SendRequest> sends;
  std::vector<ReadRequest> reads;
  std::vector<Ack> acks;
  for (int i = 0; i < 2000; ++i) delta1.push_back(corpus.batch(1));
  for (int i = 0; i < 300; ++i) delta10.push_back(corpus.batch(10));
  for (int i = 0; i < 50; ++i) snapshots.push_back(corpus.snapshot());
  for (int i = 0; i < 1000; ++i) sends.push_back(corpus.send());
  for (int i = 0; i < 500; ++i) reads.push_back(corpus.read());
  for (int i = 0; i < 500; ++i) acks.push_back(corpus.ack());

  if (sizes) {
    std::printf("%-14s %6s %9s %9s %9s %9s %11s %11s\n", "kind", "count", "compact", "binary",
                "json", "json.gz", "compact/json", "compact/gz");
    Sizes total;
    const std::pair<const char*, Sizes> rows[] = {
        {"delta_1", measure(delta1)},      {"delta_10", measure(delta10)},
        {"snapshot", measure(snapshots)},  {"send_request", measure(sends)},
        {"read_request", measure(reads)},  {"ack", measure(acks)},
    };
    for (const auto& [name, s] : rows) {
      print_row(name, s);
      total.add(s);
    }
    print_row("all", total);
    std::printf("(mean bytes per message)\n");
    std::printf("BENCH wire.thrift_json_ratio %.3f\n",
                static_cast<double>(total.compact) / static_cast<double>(total.json));
  }
  if (timing) std::printf("BENCH wire.batch10_roundtrip_us %.2f\n", batch10_roundtrip_us(delta10));
  return 0;
}
