#pragma once
// Conversions between the Thrift-generated types of iris.thrift (namespace iris::wire::gen,
// generated at build time into the build tree) and Iris's own types (core::Update and the
// structs of messages.h).
//
// This is the only public header that includes generated code and Thrift's headers, which
// are heavy to compile; the rest of Iris uses codec.h and json_codec.h, whose API is in
// terms of messages.h only. Include this header only where the generated types themselves
// are needed (another Thrift protocol, as in bench/wire_size_bench.cc).
//
// to_thrift never fails (Requires: the same as encode() in codec.h). from_thrift checks
// what the Thrift reader cannot: a union with exactly one known member (unknown_kind,
// malformed), enum values in range (unknown_kind), ClientMsgId of 16 bytes (malformed),
// non-negative counts (invalid_message), then the rules of detail/validate.h. It moves
// strings out of its argument.

#include "base/result.h"
#include "core/update.h"
#include "gen/iris_types.h"
#include "wire/messages.h"

namespace iris::wire {

gen::Update to_thrift(const core::Update& update);
gen::DeltaBatch to_thrift(const DeltaBatch& message);
gen::ThreadMessage to_thrift(const ThreadMessage& message);
gen::Snapshot to_thrift(const Snapshot& message);
gen::ResumeRequest to_thrift(const ResumeRequest& message);
gen::Resync to_thrift(const Resync& message);
gen::SendRequest to_thrift(const SendRequest& message);
gen::SendResult to_thrift(const SendResult& message);
gen::Error to_thrift(const Error& message);
gen::ReadRequest to_thrift(const ReadRequest& message);
gen::CreateThreadRequest to_thrift(const CreateThreadRequest& message);
gen::RenameThreadRequest to_thrift(const RenameThreadRequest& message);
gen::ChangeParticipantsRequest to_thrift(const ChangeParticipantsRequest& message);
gen::Ack to_thrift(const Ack& message);
gen::Heartbeat to_thrift(const Heartbeat& message);
gen::Typing to_thrift(const Typing& message);
gen::ThreadPage to_thrift(const ThreadPage& message);
gen::MessageActionRequest to_thrift(const MessageActionRequest& message);
gen::Badge to_thrift(const Badge& message);
gen::SocialRequest to_thrift(const SocialRequest& message);
gen::ContactList to_thrift(const ContactList& message);
gen::Envelope to_thrift(const Message& message);

Result<core::Update> from_thrift(gen::Update&& update);
Result<DeltaBatch> from_thrift(gen::DeltaBatch&& message);
// Its strings are checked with the message that holds it; a negative count fails here.
Result<ThreadMessage> from_thrift(gen::ThreadMessage&& message);
Result<Snapshot> from_thrift(gen::Snapshot&& message);
Result<ResumeRequest> from_thrift(gen::ResumeRequest&& message);
Result<Resync> from_thrift(gen::Resync&& message);
Result<SendRequest> from_thrift(gen::SendRequest&& message);
Result<SendResult> from_thrift(gen::SendResult&& message);
Result<Error> from_thrift(gen::Error&& message);
Result<ReadRequest> from_thrift(gen::ReadRequest&& message);
Result<CreateThreadRequest> from_thrift(gen::CreateThreadRequest&& message);
Result<RenameThreadRequest> from_thrift(gen::RenameThreadRequest&& message);
Result<ChangeParticipantsRequest> from_thrift(gen::ChangeParticipantsRequest&& message);
Result<Ack> from_thrift(gen::Ack&& message);
Result<Heartbeat> from_thrift(gen::Heartbeat&& message);
Result<Typing> from_thrift(gen::Typing&& message);
Result<ThreadPage> from_thrift(gen::ThreadPage&& message);
Result<MessageActionRequest> from_thrift(gen::MessageActionRequest&& message);
Result<Badge> from_thrift(gen::Badge&& message);
Result<SocialRequest> from_thrift(gen::SocialRequest&& message);
Result<ContactList> from_thrift(gen::ContactList&& message);
Result<Message> from_thrift(gen::Envelope&& message);

// The generated type of a message: ThriftOf<DeltaBatch> is gen::DeltaBatch.
template <WireMessage M>
using ThriftOf = decltype(to_thrift(std::declval<const M&>()));

}  // namespace iris::wire
