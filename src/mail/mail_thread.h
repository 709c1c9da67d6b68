#pragma once
// Which thread a mail belongs to, from its Message-ID, In-Reply-To and References
// (RFC 5322 §3.6.4), and the idempotency keys that make a redelivery append nothing. Pure.
//
// The rule: a conversation is named by its root, the first Message-ID of References (the
// thread's first message, RFC 5322 §3.6.4), else the first of In-Reply-To, else the mail's
// own Message-ID (it starts a conversation). The thread is created by the external sender
// with a client id derived from (root, the sorted recipients), so every later mail of the
// same conversation from the same sender to the same users lands in the same thread: the
// store's (sender, client id) deduplication answers with the first thread, and no table is
// kept. The message itself is sent with a client id derived from its Message-ID (or, without
// one, a digest of the whole mail), so an MTA that redelivers after a lost 250 appends nothing.
//
// Limits of the rule: deduplication lasts as long as the queue remembers client ids (the
// retention window), so a reply after that starts a new thread; a reply that carries no
// References and whose In-Reply-To is not the root starts one too.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"

namespace iris::mail {

// The Message-IDs (`<...>` tokens, brackets dropped) of a header value, at most `max`;
// comments and anything else between them are skipped.
std::vector<std::string> message_ids(std::string_view header_value, std::size_t max = 100);

// The root Message-ID of a mail's conversation (see above); empty if the mail names none.
std::string thread_root(std::string_view message_id, std::string_view in_reply_to,
                        std::string_view references);

// The client id of the thread's creation by its external sender.
core::ClientMsgId thread_key(std::string_view root, std::span<const core::UserId> recipients);

// The client id of the message: from its Message-ID, or (when empty) from `digest_source`,
// the mail's bytes.
core::ClientMsgId message_key(std::string_view message_id, std::string_view digest_source);

}  // namespace iris::mail
