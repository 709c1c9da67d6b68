#include "mail/lmtp_reply.h"

#include "mail/errc.h"

namespace iris::mail {

std::string delivered_reply() { return "250 2.0.0 delivered"; }

std::string refused_reply(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::rate_limited: return "451 4.7.1 sender over its rate limit, try later";
    case wire::ErrorCode::unavailable: return "451 4.3.0 store unavailable, try later";
    case wire::ErrorCode::internal: return "451 4.3.0 internal error, try later";
    case wire::ErrorCode::queue_full: return "452 4.2.2 recipient's queue full";
    case wire::ErrorCode::too_large: return "552 5.3.4 message too large";
    case wire::ErrorCode::not_participant:
    case wire::ErrorCode::forbidden:
    case wire::ErrorCode::not_accepted: return "550 5.7.1 refused by the recipient's policy";
    case wire::ErrorCode::bad_encoding:
    case wire::ErrorCode::unknown_thread:
    case wire::ErrorCode::invalid_request:
    case wire::ErrorCode::too_late:
    case wire::ErrorCode::unknown_message: return "554 5.6.0 message refused";
  }
  return "451 4.3.0 internal error, try later";
}

std::string error_reply(const std::error_code& ec) {
  if (ec.category() == mail_error_category()) {
    switch (static_cast<errc>(ec.value())) {
      case errc::too_large: return "552 5.3.4 message over mail.max_message_bytes";
      case errc::too_many_parts: return "554 5.6.0 too many MIME parts";
      case errc::malformed: return "554 5.6.0 malformed message";
      case errc::no_sender: return "550 5.1.7 no sender address";
      case errc::bad_address: return "501 5.1.3 bad address";
      case errc::unknown_recipient: return "550 5.1.1 no such user here";
    }
  }
  return "451 4.3.0 " + ec.message() + ", try later";
}

}  // namespace iris::mail
