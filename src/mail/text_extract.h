#pragma once
// The text of a mail as a chat message shows it (docs/PROTOCOL.md "Mail"). Pure; GMime has
// already decoded transfer encodings and converted charsets (mime_parser.h).

#include <cstddef>
#include <string>
#include <string_view>

namespace iris::mail {

// `text` without the quoted reply that mail clients append: from an attribution line
// ("On <date>, <who> wrote:" before a quote that runs to the end) or an Outlook
// "-----Original Message-----" line to the end, and trailing '>' lines; also a signature
// after "-- ". Quoted lines interleaved with new text (an inline
// reply) are kept: cutting them would lose the answer's context. Never returns empty when
// `text` had non-quoted content; a mail that is only a quote keeps it.
std::string trim_quoted_reply(std::string_view text);

// Plain text of an HTML body: tags dropped, block elements (p, div, br, li, tr, h1-h6)
// as line breaks, script/style/head/title content dropped, entities decoded (named basic
// ones and numeric), runs of blank lines collapsed. With `drop_quotes`, blockquote content
// (how HTML mail clients quote) is dropped as well. Not a renderer: layout is not kept.
std::string html_to_text(std::string_view html, bool drop_quotes);

// `text` as valid UTF-8 without control characters other than '\n' and '\t': CRLF and CR
// become '\n', other controls are dropped; a byte sequence that is not UTF-8 is read as
// Latin-1 (what mislabeled mail most often is). Trailing whitespace on lines and leading
// and trailing blank lines are removed.
std::string clean_text(std::string_view text);

// One line of text (a subject, a file name): clean_text with line breaks and tabs as spaces,
// spaces collapsed, trimmed.
std::string one_line(std::string_view text);

// At most `max` bytes of `text`, cut at a UTF-8 character boundary; when cut, the last
// bytes are replaced by "…" (U+2026) so the reader sees it was. Requires: valid UTF-8.
std::string clip_utf8(std::string_view text, std::size_t max);

}  // namespace iris::mail
