// irisd: parses arguments and runs the Server (or issues a token); nothing else lives here.
#include <csignal>
#include <cstdio>
#include <stdexcept>

#include "apps/irisd/config.h"
#include "apps/irisd/private_files.h"
#include "apps/irisd/secret.h"
#include "apps/irisd/server.h"
#include "base/log.h"
#include "net/token.h"
#include "store/rocksdb/rocksdb_queue_store.h"
#include "store/sqlite/sqlite_history_store.h"
#include "sync/history_writer.h"

namespace {

// `irisd token`: prints one token; exit 1 if the secret cannot be read or created.
int issue_token(const iris::irisd::Parsed& parsed) {
  auto secret = iris::irisd::load_or_create_secret(parsed.config.secret_file);
  if (!secret) {
    std::fprintf(stderr, "irisd: auth.secret_file %s: %s\n", parsed.config.secret_file.c_str(),
                 secret.error().message().c_str());
    return 1;
  }
  const iris::net::TokenSigner signer(std::move(*secret));
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string token =
      signer.issue({parsed.token.user, parsed.token.device, now + parsed.token.ttl});
  std::puts(token.c_str());
  return 0;
}

// `irisd trim`: catch USER's history up (the writer moves the storage cursor), then trim up
// to SEQ, never past what history holds; exit 1 with the reason on failure (the store is
// locked by a running server, history is unavailable, the seq is past the head ...).
int trim_queue(const iris::irisd::Parsed& parsed) {
  using namespace iris;
  auto store = store::open_rocksdb_queue_store(parsed.config.store);
  if (!store) {
    std::fprintf(stderr, "irisd trim: cannot open the queue store at %s: %s\n",
                 parsed.config.store.path.c_str(), store.error().message().c_str());
    return 1;
  }
  const core::UserId user{parsed.trim.user};
  const core::Seq up_to{parsed.trim.up_to};
  auto history = store::open_sqlite_history_store(parsed.config.history);
  {
    sync::HistoryWriter writer(**store, *history, parsed.config.history_writer);
    writer.notify(user);
    writer.flush(std::chrono::seconds(10));
  }
  auto storage = (*store)->cursor(user, core::CursorName::storage());
  const core::Seq held = storage ? storage->value_or(core::Seq{0}) : core::Seq{0};
  if (up_to > held) {
    std::fprintf(stderr,
                 "irisd trim: user %llu: history (%s) holds updates up to %llu only; not trimming "
                 "past it\n",
                 static_cast<unsigned long long>(user.value()), parsed.config.history.path.c_str(),
                 static_cast<unsigned long long>(held.value()));
    return 1;
  }
  auto trimmed = (*store)->trim_to(user, up_to);
  if (!trimmed) {
    std::fprintf(stderr, "irisd trim: user %llu up to %llu: %s\n",
                 static_cast<unsigned long long>(user.value()),
                 static_cast<unsigned long long>(up_to.value()), trimmed.error().message().c_str());
    return 1;
  }
  std::printf("trimmed %zu updates of user %llu\n", *trimmed,
              static_cast<unsigned long long>(user.value()));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace iris;
  // Block the stop signals in every thread; Server::run_until_signal waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer that closes while we write must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);

  irisd::Parsed parsed;
  try {
    parsed = irisd::parse_command_line(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "irisd: %s\n", e.what());
    return 2;
  }
  if (parsed.command == irisd::Command::help) {
    std::fputs(irisd::help_text().c_str(), stdout);
    return 0;
  }
  if (parsed.command == irisd::Command::version) {
    std::puts("irisd " IRIS_VERSION);
    return 0;
  }
  log::set_level(parsed.config.log_level);
  irisd::restrict_new_files();
  if (parsed.command == irisd::Command::token) return issue_token(parsed);
  if (parsed.command == irisd::Command::trim) return trim_queue(parsed);
  irisd::Server server(parsed.config);
  if (!server.start()) return 1;
  server.run_until_signal();
  return 0;
}
