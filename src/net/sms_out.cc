#include "net/sms_out.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <future>

#include "base/log.h"

namespace iris::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

constexpr std::uint64_t kExternalBit = std::uint64_t{1} << 63;
// The provider's answer is read only for its status; its body is bounded all the same.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

const core::CursorName& cursor_name() {
  static const core::CursorName name = core::CursorName::device(core::DeviceId{"sms-out"});
  return name;
}

// One POST, every step within `timeout` in all: the answer's status, or nullopt (no answer).
std::optional<unsigned> post_form(const sms::HttpUrl& url, const std::string& authorization, std::string body,
                                  std::chrono::milliseconds timeout, std::string& why) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::content_type, "application/x-www-form-urlencoded");
  req.set(http::field::accept, "application/json");
  if (!authorization.empty()) req.set(http::field::authorization, authorization);
  req.keep_alive(false);
  req.body() = std::move(body);
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  std::optional<unsigned> status;
  ErrorCode ec;
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) {
    why = "cannot resolve " + url.host + ": " + ec.message();
    return std::nullopt;
  }
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](ErrorCode e, const tcp::endpoint&) {
    if (e) {
      why = "connect: " + e.message();
      return;
    }
    http::async_write(stream, req, [&](ErrorCode e2, std::size_t) {
      if (e2) {
        why = "write: " + e2.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](ErrorCode e3, std::size_t) {
        if (e3 && e3 != http::error::body_limit) {
          why = "read: " + e3.message();
          return;
        }
        status = parser.get().result_int();
      });
    });
  });
  io.run();
  return status;
}

}  // namespace

SmsOut::SmsOut(const sms::SmsOptions& options, store::QueueStore& queue, store::SmsBook& book)
    : ExternalOut("sms-out", Schedule{options.out_min_backoff, options.out_max_backoff, options.out_max_pending}),
      options_(options),
      queue_(queue),
      book_(book),
      url_(sms::parse_http_url(options.provider_url).value_or(sms::HttpUrl{})) {}

SmsOut::~SmsOut() { stop(); }

SmsOut::Metrics SmsOut::metrics() const {
  std::lock_guard lock(mu_);
  return metrics_;
}

bool SmsOut::accepts(core::UserId user) const { return (user.value() & kExternalBit) != 0; }

void SmsOut::scan() {
  core::UserId after{0};
  for (;;) {
    auto page = book_.participants(after, 1024);
    if (!page) return;  // logged by the book; the next overflow tries again
    for (auto u : *page) notify(u);
    if (page->size() < 1024) return;
    after = page->back();
  }
}

bool SmsOut::advance(core::UserId user, core::Seq to) {
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  queue_.async_advance_cursor(user, cursor_name(), to, [done](Result<core::Seq> r) { done->set_value(r.has_value()); });
  if (result.wait_for(options_.out_timeout) != std::future_status::ready) return false;
  return result.get();
}

ExternalOut::Turn SmsOut::serve(core::UserId user) {
  auto number = book_.participant_number(user);
  if (!number) return Turn::retry;
  if (!*number) return Turn::done;  // an external identity of another channel (mail)
  auto info = queue_.info(user);
  auto cursor = queue_.cursor(user, cursor_name());
  if (!info || !cursor) return Turn::retry;
  core::Seq from{cursor->value_or(core::Seq{0}).value() + 1};
  if (from.value() < info->first_retained.value()) {
    IRIS_LOG(warn, "sms.out", "participant {}: updates {}..{} were trimmed before they could leave as SMS",
             user.value(), from.value(), info->first_retained.value() - 1);
    from = info->first_retained;
  }
  if (from.value() > info->head.value()) return Turn::done;
  auto updates = queue_.read(user, from, options_.out_per_turn);
  if (!updates) return Turn::retry;
  core::Seq passed{0};
  for (const auto& u : *updates) {
    const auto* created = std::get_if<core::MessageCreated>(&u.body);
    if (created != nullptr && (u.actor.value() & kExternalBit) == 0) {
      // Everything before it is passed for good: record that first, so a retry of this one
      // does not read those again.
      if (passed.value() != 0 && !advance(user, passed)) return Turn::retry;
      if (send(u, **number) == sms::Verdict::temporary) return Turn::retry;
      if (!advance(user, u.seq)) return Turn::retry;
    }
    passed = u.seq;
  }
  if (passed.value() != 0 && !advance(user, passed)) return Turn::retry;
  return updates->size() >= options_.out_per_turn ? Turn::more : Turn::done;
}

sms::Verdict SmsOut::send(const core::Update& update, const std::string& to) {
  const auto& created = std::get<core::MessageCreated>(update.body);
  auto from = book_.number_of(update.actor);
  if (!from) return sms::Verdict::temporary;
  if (!*from) {
    std::lock_guard lock(mu_);
    ++metrics_.given_up;
    IRIS_LOG(error, "sms.out", "message {} of thread {}: user {} has no verified number to text from; given up",
             created.message.value(), update.thread.value(), update.actor.value());
    return sms::Verdict::permanent;
  }
  std::string text = created.text;
  if (!created.attachments.empty()) {
    text += (text.empty() ? "" : "\n") + std::to_string(created.attachments.size()) + " attachment(s) on Iris";
  }
  const std::string auth =
      options_.provider_user.empty() ? std::string() : sms::basic_auth(options_.provider_user, options_.provider_password);
  std::string why;
  const auto status =
      post_form(url_, auth, sms::encode_form(sms::outgoing_form(to, **from, text)), options_.out_timeout, why);
  const auto verdict = status ? sms::verdict(*status) : sms::Verdict::temporary;
  if (status) why = "HTTP " + std::to_string(*status);
  std::lock_guard lock(mu_);
  if (verdict == sms::Verdict::accepted) {
    ++metrics_.sent;
    IRIS_LOG(info, "sms.out", "message {} of thread {} sent to {} ({})", created.message.value(),
             update.thread.value(), to, why);
  } else if (verdict == sms::Verdict::temporary) {
    ++metrics_.temporary;
    IRIS_LOG(warn, "sms.out", "message {} to {}: temporary failure ({}), retried", created.message.value(), to, why);
  } else {
    ++metrics_.given_up;
    IRIS_LOG(error, "sms.out", "message {} to {}: refused for good ({}), given up", created.message.value(), to, why);
  }
  return verdict;
}

}  // namespace iris::net
