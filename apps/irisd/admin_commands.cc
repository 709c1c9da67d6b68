#include "apps/irisd/admin_commands.h"

#include <chrono>
#include <cstdio>

#include "apps/irisd/history_store_backend.h"
#include "apps/irisd/queue_store_backend.h"
#include "apps/irisd/secret.h"
#include "dbpair/manual_promote.h"
#include "net/token.h"
#include "sync/history_writer.h"

namespace iris::irisd {

int issue_token(const Parsed& parsed) {
  auto secret = load_or_create_secret(parsed.config.secret_file);
  if (!secret) {
    std::fprintf(stderr, "irisd: auth.secret_file %s: %s\n", parsed.config.secret_file.c_str(),
                 secret.error().message().c_str());
    return 1;
  }
  const net::TokenSigner signer(std::move(*secret));
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string token =
      signer.issue({parsed.token.user, parsed.token.device, now + parsed.token.ttl});
  std::puts(token.c_str());
  return 0;
}

int trim_queue(const Parsed& parsed) {
  auto store = open_queue_store(parsed.config);
  if (!store) {
    std::fprintf(stderr, "irisd trim: cannot open the queue store (%s): %s\n",
                 describe_queue_store(parsed.config).c_str(), store.error().message().c_str());
    return 1;
  }
  const core::UserId user{parsed.trim.user};
  const core::Seq up_to{parsed.trim.up_to};
  auto history = open_history_store(parsed.config);
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
                 static_cast<unsigned long long>(user.value()), describe_history_store(parsed.config).c_str(),
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

int db_promote(const Parsed& parsed) {
  const DbPromoteRequest& r = parsed.db_promote;
  dbpair::ManualPromoteOptions options;
  auto servers = dbpair::parse_servers(r.servers);
  if (!servers || servers->size() != 2) {
    std::fprintf(stderr, "irisd: db promote: --servers: expected HOST:PORT,HOST:PORT, got '%s'\n",
                 r.servers.c_str());
    return 1;
  }
  options.servers = std::move(*servers);
  options.admin.user = r.admin_user;
  options.admin.password = r.admin_password;
  options.replication = {r.repl_user, r.repl_password};
  options.promote.database = r.database;
  options.force = r.force;
  auto report = dbpair::manual_promote(options);
  if (!report) {
    std::fprintf(stderr, "irisd: db promote: %s\n", report.error().message().c_str());
    return 1;
  }
  std::printf("promoted %s%s%s\n", report->promoted.to_string().c_str(),
              report->old_primary_reachable ? "; the old primary is now its replica" : "",
              report->generation_bumped ? "; failover generation bumped (devices resync)" : "");
  return 0;
}

}  // namespace iris::irisd
