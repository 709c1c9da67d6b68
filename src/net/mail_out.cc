#include "net/mail_out.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <future>

#include "base/log.h"
#include "mail/address.h"
#include "mail/mail_compose.h"
#include "store/blob/blob_errc.h"

namespace iris::net {
namespace {

// One SMTP connection to the relay: blocking in effect, every wait bounded by `timeout`.
class SmtpConnection {
 public:
  explicit SmtpConnection(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  ~SmtpConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  bool connect(const std::string& relay) {
    const auto colon = relay.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = relay.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port = relay.substr(colon + 1);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) return false;
    std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, ::freeaddrinfo);
    fd_ = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return false;
    if (::connect(fd_, found->ai_addr, found->ai_addrlen) != 0) {
      if (errno != EINPROGRESS || !wait(POLLOUT)) return false;
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return false;
    }
    return true;
  }

  bool write(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!wait(POLLOUT)) return false;
      } else {
        return false;
      }
    }
    return true;
  }

  // The next reply, or nullopt (connection closed, timeout, not SMTP).
  std::optional<mail::SmtpReply> reply() {
    if (auto r = reader_.feed({})) return r;
    char buf[4096];
    for (;;) {
      if (reader_.broken() || !wait(POLLIN)) return std::nullopt;
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return std::nullopt;
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        return std::nullopt;
      }
      if (auto r = reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)))) return r;
    }
  }

 private:
  bool wait(short events) {
    pollfd p{fd_, events, 0};
    const int ms = static_cast<int>(std::min<std::int64_t>(timeout_.count(), 3'600'000));
    for (;;) {
      const int r = ::poll(&p, 1, ms);
      if (r > 0) return true;
      if (r < 0 && errno == EINTR) continue;
      return false;
    }
  }

  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  mail::SmtpReplyReader reader_;
};

// One mail through the relay: the verdict of the first reply that is not the one wanted.
mail::SmtpVerdict smtp_send(const mail::MailOptions& o, const std::string& from, const std::string& to,
                            const std::string& message, std::string& why) {
  SmtpConnection c(o.out_timeout);
  if (!c.connect(o.out_relay)) {
    why = "cannot connect to " + o.out_relay;
    return mail::SmtpVerdict::temporary;
  }
  const std::string helo = o.domain.empty() ? std::string("localhost") : o.domain;
  struct Step {
    std::string command;
    int expected;
  };
  const Step steps[] = {{"", 2},
                        {"EHLO " + helo + "\r\n", 2},
                        {"MAIL FROM:<" + from + ">\r\n", 2},
                        {"RCPT TO:<" + to + ">\r\n", 2},
                        {"DATA\r\n", 3},
                        {mail::smtp_data(message), 2}};
  for (const auto& step : steps) {
    if (!step.command.empty() && !c.write(step.command)) {
      why = "connection lost";
      return mail::SmtpVerdict::temporary;
    }
    auto reply = c.reply();
    if (!reply) {
      why = "no reply (timeout, closed or not SMTP)";
      return mail::SmtpVerdict::temporary;
    }
    const auto verdict = mail::smtp_verdict(*reply, step.expected);
    if (verdict != mail::SmtpVerdict::accepted) {
      why = std::to_string(reply->code) + " " + reply->text;
      return verdict;
    }
  }
  if (c.write("QUIT\r\n")) c.reply();  // the mail is accepted whatever QUIT gets
  return mail::SmtpVerdict::accepted;
}

}  // namespace

MailOut::MailOut(const mail::MailOptions& options, store::QueueStore& queue, store::MailBook& book,
                 store::BlobService* blobs)
    : ExternalOut("mail.out", {options.out_min_backoff, options.out_max_backoff, options.out_max_pending}),
      options_(options),
      cursor_(queue, "mail-out", "mail.out", options.out_timeout),
      book_(book),
      blobs_(blobs) {}

MailOut::~MailOut() { stop(); }

bool MailOut::accepts(core::UserId user) const { return mail::is_external(user); }

MailOut::Metrics MailOut::metrics() const {
  std::lock_guard lock(metrics_mu_);
  return metrics_;
}

void MailOut::scan() {
  core::UserId after{0};
  for (;;) {
    auto page = book_.externals(after, 1024);
    if (!page) return;  // logged by the book; the next overflow tries again
    for (auto u : *page) notify(u);
    if (page->size() < 1024) return;
    after = page->back();
  }
}

MailOut::Turn MailOut::serve(core::UserId user) {
  auto updates = cursor_.unread(user, options_.out_per_turn);
  if (!updates) return Turn::retry;
  if (updates->empty()) return Turn::done;
  std::optional<std::string> address;
  bool looked_up = false;
  core::Seq passed{0};
  for (const auto& u : *updates) {
    const auto* created = std::get_if<core::MessageCreated>(&u.body);
    if (created != nullptr && u.actor == user) {
      // Mail in: the next reply in this thread answers this mail.
      auto ref = book_.received(created->client_id);
      if (!ref) return Turn::retry;
      if (*ref && !book_.set_reply_to(user, u.thread, **ref)) return Turn::retry;
    } else if (created != nullptr && !mail::is_external(u.actor)) {
      if (!looked_up) {
        auto a = book_.address(user);
        if (!a) return Turn::retry;
        address = std::move(*a);
        looked_up = true;
      }
      if (!address) {
        std::lock_guard lock(metrics_mu_);
        ++metrics_.no_address;
      } else {
        if (passed.value() != 0 && !cursor_.advance(user, passed)) return Turn::retry;
        const auto verdict = send(user, u, *address);
        if (verdict == mail::SmtpVerdict::temporary) return Turn::retry;
        if (!cursor_.advance(user, u.seq)) return Turn::retry;
      }
    }
    passed = u.seq;
  }
  if (passed.value() != 0 && !cursor_.advance(user, passed)) return Turn::retry;
  return updates->size() >= options_.out_per_turn ? Turn::more : Turn::done;
}

mail::SmtpVerdict MailOut::send(core::UserId user, const core::Update& update, const std::string& to) {
  const auto& created = std::get<core::MessageCreated>(update.body);
  auto ref = book_.reply_to(user, update.thread);
  if (!ref) return mail::SmtpVerdict::temporary;
  mail::OutgoingMail m;
  m.from = std::to_string(update.actor.value()) + "@" + (options_.domain.empty() ? "localhost" : options_.domain);
  m.to = to;
  if (*ref) {
    m.subject = (*ref)->subject;
    m.in_reply_to = (*ref)->message_id;
    m.root = (*ref)->root;
  }
  m.message_id = mail::outgoing_message_id(update.actor.value(), update.thread.value(), created.message.value(),
                                           user.value(), options_.domain);
  m.text = created.text;
  if (!add_attachments(created, update, m)) {
    std::lock_guard lock(metrics_mu_);
    ++metrics_.temporary;
    return mail::SmtpVerdict::temporary;
  }
  m.date_unix_s = std::chrono::duration_cast<std::chrono::seconds>(update.time.time_since_epoch()).count();
  auto bytes = mail::compose_mail(m);
  std::string why;
  const auto verdict = bytes ? smtp_send(options_, m.from, to, *bytes, why) : mail::SmtpVerdict::permanent;
  std::lock_guard lock(metrics_mu_);
  if (verdict == mail::SmtpVerdict::accepted) {
    ++metrics_.sent;
    IRIS_LOG(info, "mail.out", "message {} of thread {} sent to {} as <{}>", created.message.value(),
             update.thread.value(), to, m.message_id);
  } else if (verdict == mail::SmtpVerdict::temporary) {
    ++metrics_.temporary;
    IRIS_LOG(warn, "mail.out", "message {} to {}: temporary failure ({}), retried", created.message.value(), to, why);
  } else {
    ++metrics_.given_up;
    IRIS_LOG(error, "mail.out", "message {} to {}: given up ({})", created.message.value(), to,
             bytes ? why : std::string("the mail could not be built"));
  }
  return verdict;
}

bool MailOut::add_attachments(const core::MessageCreated& created, const core::Update& update,
                              mail::OutgoingMail& m) {
  if (created.attachments.empty()) return true;
  std::vector<std::string> lines;
  std::vector<std::uint64_t> sizes;
  for (const auto& a : created.attachments) sizes.push_back(a.size);
  const std::uint64_t bound = mail::mail_size_bound(m.text.size(), sizes);
  if (bound > options_.out_max_message_bytes) {
    IRIS_LOG(warn, "mail.out",
             "message {} of thread {}: its {} attachment(s) would make a mail of up to {} bytes, over "
             "mail.out_max_message_bytes ({}): named in the text instead",
             created.message.value(), update.thread.value(), created.attachments.size(), bound,
             options_.out_max_message_bytes);
    for (const auto& a : created.attachments) {
      lines.push_back(mail::left_out_line(a.name, a.content_type, a.size, mail::LeftOut::too_large));
    }
  } else {
    for (const auto& a : created.attachments) {
      Result<std::unique_ptr<store::BlobReader>> reader = fail(store::blob_errc::not_found);
      if (blobs_ != nullptr) reader = blobs_->read(a.blob, store::ByteRange{0, a.size});
      std::string bytes;
      if (reader) {
        bytes.resize(a.size);  // bounded: the sizes passed mail.out_max_message_bytes above
        std::size_t at = 0;
        while (at < bytes.size()) {
          auto n = (*reader)->read(std::span<char>(bytes.data() + at, bytes.size() - at));
          if (!n || *n == 0) {
            reader = n ? fail(store::blob_errc::io_error) : fail(n.error());
            break;
          }
          at += *n;
        }
      }
      if (!reader && reader.error() != store::blob_errc::not_found && reader.error() != store::blob_errc::bad_range) {
        IRIS_LOG(warn, "mail.out", "message {}: cannot read blob {} now ({}), retried", created.message.value(),
                 a.blob.to_hex(), reader.error().message());
        return false;
      }
      if (!reader) {
        IRIS_LOG(warn, "mail.out", "message {} of thread {}: blob {} ({}) is no longer stored: named in the text",
                 created.message.value(), update.thread.value(), a.blob.to_hex(), a.name);
        lines.push_back(mail::left_out_line(a.name, a.content_type, a.size, mail::LeftOut::gone));
        continue;
      }
      m.attachments.push_back(mail::OutgoingAttachment{a.content_type, a.name, std::move(bytes)});
    }
  }
  if (!lines.empty()) {
    if (!m.text.empty()) m.text += "\n\n";
    for (std::size_t i = 0; i < lines.size(); ++i) m.text += (i == 0 ? "" : "\n") + lines[i];
  }
  std::lock_guard lock(metrics_mu_);
  metrics_.attached += m.attachments.size();
  metrics_.left_out += lines.size();
  return true;
}

}  // namespace iris::net
