#include "mail/mime_parser.h"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>

#include "mail/address.h"
#include "mail/errc.h"
#include "mail/text_extract.h"

namespace iris::mail {
namespace {

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
  void operator()(gpointer p) const { g_free(p); }
};
using GString = std::unique_ptr<char, GFree>;

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

bool ieq_prefix(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// An upper bound of the entities GMime can build from `bytes`, without parsing: every
// entity after the first starts after a boundary line ("--...") or is a nested message
// with its own Content-Type header line. GMime's parser recurses per nesting level, so
// this check (and not the count after parsing) is what bounds its stack and its tree.
std::size_t entity_bound(std::string_view bytes) {
  std::size_t count = 1;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const auto nl = bytes.find('\n', start);
    const std::string_view line = bytes.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (line.starts_with("--") || ieq_prefix(line, "content-type")) ++count;
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return count;
}

std::string header(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  return value != nullptr ? std::string(value) : std::string();
}

// The decoded content of a leaf part (transfer encoding undone, no charset conversion).
std::string decoded_bytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return {};
  GPtr<GMimeStream> stream(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(content, stream.get()) < 0) return {};
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return array != nullptr ? std::string(reinterpret_cast<const char*>(array->data), array->len) : std::string();
}

// The file name without any path a sender put in it ("../../x" -> "x").
std::string file_name(GMimePart* part) {
  const char* raw = g_mime_part_get_filename(part);
  if (raw == nullptr) return {};
  std::string name = one_line(raw);
  if (const auto slash = name.find_last_of("/\\"); slash != std::string::npos) name.erase(0, slash + 1);
  if (name == "." || name == "..") name.clear();
  return name;
}

struct Walk {
  const MimeLimits* limits;
  ParsedMail* mail;
  std::string plain, html;
  bool have_plain = false, have_html = false;
};

void visit(GMimeObject* /*parent*/, GMimeObject* object, gpointer data) {
  auto& walk = *static_cast<Walk*>(data);
  ++walk.mail->parts;
  if (!GMIME_IS_PART(object)) return;  // multiparts are walked into; nested messages are not kept
  auto* part = GMIME_PART(object);
  GMimeContentType* type = g_mime_object_get_content_type(object);
  const char* media = type != nullptr ? type->type : nullptr;
  const char* sub = type != nullptr ? type->subtype : nullptr;
  std::string content_type = std::string(media != nullptr ? media : "application") + "/" +
                             std::string(sub != nullptr ? sub : "octet-stream");
  for (auto& c : content_type) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  const bool attachment = g_mime_part_is_attachment(part) != FALSE;
  if (!attachment && GMIME_IS_TEXT_PART(object) && (content_type == "text/plain" || content_type == "text/html")) {
    const bool is_plain = content_type == "text/plain";
    if ((is_plain && walk.have_plain) || (!is_plain && walk.have_html)) return;  // the first of each
    // Converted to UTF-8 from the part's charset; an unknown charset leaves the bytes as
    // they are, and clean_text reads what is not UTF-8 as Latin-1.
    GString text(g_mime_text_part_get_text(GMIME_TEXT_PART(object)));
    std::string value = text ? std::string(text.get()) : decoded_bytes(part);
    if (is_plain) {
      walk.plain = std::move(value);
      walk.have_plain = true;
    } else {
      walk.html = std::move(value);
      walk.have_html = true;
    }
    return;
  }
  walk.mail->attachments.push_back(MailAttachment{file_name(part), std::move(content_type), decoded_bytes(part)});
}

}  // namespace

Result<ParsedMail> parse_mime(std::string_view bytes, const MimeLimits& limits) {
  if (entity_bound(bytes) > limits.max_parts * 2 + 2) return fail(errc::too_many_parts);
  init_gmime();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message) return fail(errc::malformed);

  ParsedMail mail;
  auto* object = GMIME_OBJECT(message.get());
  if (InternetAddressList* from = g_mime_message_get_from(message.get());
      from != nullptr && internet_address_list_length(from) > 0) {
    InternetAddress* first = internet_address_list_get_address(from, 0);
    if (INTERNET_ADDRESS_IS_MAILBOX(first)) {
      if (auto a = normalize_address(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(first)))) {
        mail.from = std::move(*a);
      }
      if (const char* name = internet_address_get_name(first)) mail.from_name = one_line(name);
    }
  }
  if (const char* subject = g_mime_message_get_subject(message.get())) mail.subject = one_line(subject);
  if (const char* id = g_mime_message_get_message_id(message.get())) mail.message_id = one_line(id);
  mail.in_reply_to = header(object, "In-Reply-To");
  mail.references = header(object, "References");

  Walk walk{&limits, &mail, {}, {}};
  ++mail.parts;  // the message itself
  if (GMimeObject* body = g_mime_message_get_mime_part(message.get())) {
    if (GMIME_IS_MULTIPART(body)) {
      visit(object, body, &walk);  // counts the multipart itself
      g_mime_multipart_foreach(GMIME_MULTIPART(body), visit, &walk);
    } else {
      visit(object, body, &walk);
    }
  }
  if (mail.parts > limits.max_parts) return fail(errc::too_many_parts);
  if (walk.have_plain) {
    mail.text = limits.trim_quotes ? trim_quoted_reply(walk.plain) : clean_text(walk.plain);
  } else if (walk.have_html) {
    std::string text = html_to_text(walk.html, limits.trim_quotes);
    mail.text = limits.trim_quotes ? trim_quoted_reply(text) : std::move(text);
  }
  return mail;
}

}  // namespace iris::mail
