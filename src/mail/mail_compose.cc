#include "mail/mail_compose.h"

#include <gmime/gmime.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <utility>

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

bool token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// "type/subtype" as two RFC 2045 tokens, lowercased; application/octet-stream otherwise.
std::pair<std::string, std::string> split_content_type(std::string_view type) {
  const auto slash = type.find('/');
  if (slash != std::string_view::npos && slash > 0 && slash + 1 < type.size() && type.size() <= 255) {
    std::string major(type.substr(0, slash));
    std::string minor(type.substr(slash + 1));
    const auto ok = [](const std::string& t) { return std::all_of(t.begin(), t.end(), token_char); };
    if (ok(major) && ok(minor)) {
      for (auto* t : {&major, &minor}) {
        for (auto& c : *t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      return {major, minor};
    }
  }
  return {"application", "octet-stream"};
}

std::string size_text(std::uint64_t size) {
  if (size < 1024) return fmt::format("{} bytes", size);
  if (size < (std::uint64_t{1} << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(size) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(size) / (1024.0 * 1024.0));
}

// Headers of the message and of its text part, and the multipart boundaries: generous.
constexpr std::uint64_t kMessageOverhead = 8 * 1024;
// Headers of one attachment part (type, disposition, the name twice, RFC 2231-encoded
// at up to three bytes per byte of the 255 a name may have) and its boundary line.
constexpr std::uint64_t kPartOverhead = 512 + 2 * 3 * 255;

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

std::uint64_t mail_size_bound(std::size_t text_bytes, std::span<const std::uint64_t> attachment_sizes) {
  // Quoted-printable makes at most three bytes of one, plus a soft break per 76.
  std::uint64_t total = kMessageOverhead + std::uint64_t{text_bytes} * 3 + text_bytes / 25 + 2;
  for (const auto size : attachment_sizes) {
    const std::uint64_t encoded = (size + 2) / 3 * 4;
    total += kPartOverhead + encoded + 2 * (encoded / 76 + 1);  // CRLF after every line of 76
  }
  return total;
}

std::string left_out_line(std::string_view name, std::string_view content_type, std::uint64_t size, LeftOut why) {
  const std::string shown = clean_header_text(name, 255);
  return fmt::format("[not attached ({}): {}, {}, {}]",
                     why == LeftOut::too_large ? "too large for mail" : "no longer stored",
                     shown.empty() ? std::string("unnamed") : shown, clean_header_text(content_type, 255),
                     size_text(size));
}

std::string attachment_file_name(std::string_view name, std::size_t index) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '/' || c == '\\') continue;
    out.push_back(c);
  }
  out = clip_utf8(clean_header_text(out), 255);
  if (out.empty() || out == "." || out == "..") out = fmt::format("attachment-{}", index + 1);
  return out;
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
  if (mail.attachments.empty()) {
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(part.get()));
  } else {
    std::unique_ptr<GMimeMultipart, GObjectUnref> mixed(g_mime_multipart_new_with_subtype("mixed"));
    if (!mixed) return fail(errc::malformed);
    g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
    for (std::size_t i = 0; i < mail.attachments.size(); ++i) {
      const auto& a = mail.attachments[i];
      const auto [major, minor] = split_content_type(a.content_type);
      std::unique_ptr<GMimePart, GObjectUnref> p(g_mime_part_new_with_type(major.c_str(), minor.c_str()));
      if (!p) return fail(errc::malformed);
      g_mime_object_set_disposition(GMIME_OBJECT(p.get()), GMIME_DISPOSITION_ATTACHMENT);
      g_mime_part_set_filename(p.get(), attachment_file_name(a.name, i).c_str());
      std::unique_ptr<GMimeStream, GObjectUnref> stream(g_mime_stream_mem_new_with_buffer(
          reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size()));
      if (!stream) return fail(errc::malformed);
      std::unique_ptr<GMimeDataWrapper, GObjectUnref> content(
          g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
      if (!content) return fail(errc::malformed);
      g_mime_part_set_content(p.get(), content.get());
      // base64 whatever the bytes: any content survives every MTA on the way unchanged.
      g_mime_part_set_content_encoding(p.get(), GMIME_CONTENT_ENCODING_BASE64);
      g_mime_multipart_add(mixed.get(), GMIME_OBJECT(p.get()));
    }
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(mixed.get()));
  }

  std::unique_ptr<char, GFree> bytes(g_mime_object_to_string(object, nullptr));
  if (!bytes) return fail(errc::malformed);
  return std::string(bytes.get());
}

}  // namespace iris::mail
