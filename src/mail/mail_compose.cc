#include "mail/mail_compose.h"

#include <gmime/gmime.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

#include "mail/errc.h"
#include "mail/text_extract.h"

namespace iris::mail {
namespace {

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

bool has_prefix_re(std::string_view s) {
  return s.size() >= 3 && (s[0] == 'R' || s[0] == 'r') && (s[1] == 'E' || s[1] == 'e') && s[2] == ':';
}

}  // namespace

std::string outgoing_message_id(std::uint64_t sender, std::uint64_t thread, std::uint64_t message,
                                std::uint64_t to_user, std::string_view domain) {
  return fmt::format("iris.{}.{}.{}.{:x}@{}", sender, thread, message, to_user,
                     domain.empty() ? std::string_view("localhost") : domain);
}

std::string clean_header_text(std::string_view value, std::size_t max) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f ? ' ' : c);
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  out = out.substr(first, out.find_last_not_of(' ') - first + 1);
  return clip_utf8(out, max);
}

std::string clean_message_id(std::string_view id) {
  std::string out;
  for (char c : id) {
    if (c > ' ' && c < 0x7f && c != '<' && c != '>') out.push_back(c);
  }
  return out.size() > 250 ? std::string() : out;
}

Result<std::string> compose_mail(const OutgoingMail& mail) {
  init_gmime();
  std::unique_ptr<GMimeMessage, GObjectUnref> message(g_mime_message_new(TRUE));
  if (!message) return fail(errc::malformed);
  auto* object = GMIME_OBJECT(message.get());
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, nullptr, mail.from.c_str());
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, mail.to.c_str());
  std::string subject = clean_header_text(mail.subject, 900);
  if (subject.empty()) subject = "(no subject)";
  if (!has_prefix_re(subject)) subject = "Re: " + subject;
  g_mime_message_set_subject(message.get(), subject.c_str(), "utf-8");
  const std::string id = clean_message_id(mail.message_id);
  if (!id.empty()) g_mime_message_set_message_id(message.get(), id.c_str());
  const std::string reply = clean_message_id(mail.in_reply_to);
  const std::string root = clean_message_id(mail.root);
  if (!reply.empty()) g_mime_object_set_header(object, "In-Reply-To", ("<" + reply + ">").c_str(), nullptr);
  std::string references;
  if (!root.empty()) references = "<" + root + ">";
  if (!reply.empty() && reply != root) references += (references.empty() ? "<" : " <") + reply + ">";
  if (!references.empty()) g_mime_object_set_header(object, "References", references.c_str(), nullptr);
  std::unique_ptr<GDateTime, void (*)(GDateTime*)> date(g_date_time_new_from_unix_utc(mail.date_unix_s),
                                                        g_date_time_unref);
  if (date) g_mime_message_set_date(message.get(), date.get());

  std::unique_ptr<GMimeTextPart, GObjectUnref> part(g_mime_text_part_new_with_subtype("plain"));
  if (!part) return fail(errc::malformed);
  g_mime_text_part_set_text(part.get(), mail.text.c_str());
  g_mime_part_set_content_encoding(
      GMIME_PART(part.get()), g_mime_part_get_best_content_encoding(GMIME_PART(part.get()), GMIME_ENCODING_CONSTRAINT_7BIT));
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(part.get()));

  std::unique_ptr<char, GFree> bytes(g_mime_object_to_string(object, nullptr));
  if (!bytes) return fail(errc::malformed);
  return std::string(bytes.get());
}

}  // namespace iris::mail
