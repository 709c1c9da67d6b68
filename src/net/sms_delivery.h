#pragma once
// SmsDelivery: one SMS the provider's webhook brought (sms::Inbound, its signature checked)
// -> a message in Iris (docs/PROTOCOL.md "SMS in"). The same path as mail in
// (mail_delivery.h): the sender is an external identity (its number, sms/webhook.h), the
// recipient the user the `To` number is assigned to (store/sms/sms_book.h); on the sender's
// owner shard the thread is created by the sender with a client id derived from (number,
// user), so every SMS between them lands in one thread, and the message is sent with a
// client id derived from MessageSid, so a provider's retry appends nothing. Social routing
// applies on the request path as for mail: a number that is not a contact lands in the
// requests folder, a blocked one is refused.
//
// `done` gets the HTTP status to answer the provider with: 200 only once the message is
// durable in every participant's queue; 404 when the To number is assigned to no user;
// 503 (the provider retries) when the book or the store cannot take it now; 422 when the
// message is refused for good (blocked, invalid).
//
// Thread-safety: deliver() runs on the caller's thread; `done` is called once, on some
// owner shard's thread (or inline).

#include <functional>

#include "sms/webhook.h"
#include "sync/request_planner.h"
#include "sync/sync_shard.h"

namespace iris::store {
class SmsBook;
}

namespace iris::net {

class SmsDelivery {
 public:
  using Done = std::function<void(unsigned status)>;

  // `limits`, `router` and `book` must outlive the delivery and every `done` it has not called.
  SmsDelivery(const sync::RequestLimits& limits, sync::ShardRouter& router, store::SmsBook& book);

  void deliver(sms::Inbound sms, Done done);

 private:
  const sync::RequestLimits& limits_;
  sync::ShardRouter& router_;
  store::SmsBook& book_;
};

}  // namespace iris::net
