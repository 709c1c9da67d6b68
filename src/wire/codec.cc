#include "wire/codec.h"

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TTransportException.h>

#include <climits>
#include <memory>

#include "wire/convert.h"
#include "wire/errc.h"

namespace iris::wire {
namespace {

namespace tp = apache::thrift::protocol;
namespace tt = apache::thrift::transport;
using Buffer = tt::TMemoryBuffer;
using CompactProtocol = tp::TCompactProtocolT<Buffer>;

// Thrift refuses a list, set or map whose declared size cannot fit in the bytes left,
// counting each element's smallest encoding; it counts a struct as 0 bytes, so a few bytes
// claiming thousands of structs would pass and make the reader allocate them all. An
// encoded struct is at least its 1-byte stop field.
class BoundedCompactProtocol final : public CompactProtocol {
 public:
  BoundedCompactProtocol(std::shared_ptr<Buffer> buffer, const Limits& limits)
      : CompactProtocol(std::move(buffer), clamp_int(limits.max_string_bytes),
                        clamp_int(limits.max_list_size)) {}

  int getMinSerializedSize(tp::TType type) override {
    return type == tp::T_STRUCT ? 1 : CompactProtocol::getMinSerializedSize(type);
  }

  static std::int32_t clamp_int(std::size_t v) {
    return static_cast<std::int32_t>(std::min<std::size_t>(v, INT_MAX));
  }
};

std::error_code from_transport(const tt::TTransportException& e) {
  // END_OF_FILE: a read past the end, or a size promising more than the bytes left.
  if (e.getType() == tt::TTransportException::END_OF_FILE) return make_error_code(errc::truncated);
  return make_error_code(errc::malformed);
}

std::error_code from_protocol(const tp::TProtocolException& e) {
  switch (e.getType()) {
    case tp::TProtocolException::SIZE_LIMIT:
    case tp::TProtocolException::DEPTH_LIMIT: return make_error_code(errc::too_large);
    default: return make_error_code(errc::malformed);
  }
}

// The encoder's buffer and protocol, reused by every encode on this thread: building them
// costs more allocations than a small message's whole encoding. Between calls the buffer is
// empty and the protocol has no open struct (a write of a generated struct is balanced).
struct EncodeScratch {
  std::shared_ptr<Buffer> buffer = std::make_shared<Buffer>(1024);
  CompactProtocol protocol{buffer};
};

}  // namespace

template <WireMessage M>
std::string encode(const M& message) {
  const ThriftOf<M> g = to_thrift(message);
  thread_local EncodeScratch scratch;
  scratch.buffer->resetBuffer();
  g.write(&scratch.protocol);
  std::uint8_t* data = nullptr;
  std::uint32_t size = 0;
  scratch.buffer->getBuffer(&data, &size);
  std::string out(reinterpret_cast<const char*>(data), size);
  scratch.buffer->resetBuffer();
  return out;
}

template <WireMessage M>
Result<M> decode(std::string_view bytes, const Limits& limits) {
  if (bytes.size() > limits.max_message_bytes || bytes.size() > INT_MAX) {
    return fail(errc::too_large);
  }
  if (bytes.empty()) return fail(errc::truncated);
  // The configured message size is the input's own size, so that Thrift checks every
  // declared length against the bytes actually left.
  const int size = static_cast<int>(bytes.size());
  auto config = std::make_shared<apache::thrift::TConfiguration>(size, size, limits.max_depth);
  // OBSERVE: the buffer reads `bytes` in place and never writes to it.
  auto buffer = std::make_shared<Buffer>(
      reinterpret_cast<std::uint8_t*>(const_cast<char*>(bytes.data())),
      static_cast<std::uint32_t>(bytes.size()), Buffer::OBSERVE, config);
  BoundedCompactProtocol protocol(buffer, limits);
  ThriftOf<M> g;
  try {
    g.read(&protocol);
  } catch (const tt::TTransportException& e) {
    return fail(from_transport(e));
  } catch (const tp::TProtocolException& e) {
    return fail(from_protocol(e));
  } catch (const std::bad_alloc&) {
    return fail(errc::too_large);
  } catch (const std::exception&) {
    return fail(errc::malformed);
  }
  if (buffer->available_read() != 0) return fail(errc::malformed);
  return from_thrift(std::move(g));
}

#define IRIS_WIRE_INSTANTIATE(M)            \
  template std::string encode<M>(const M&); \
  template Result<M> decode<M>(std::string_view, const Limits&);
IRIS_WIRE_FOR_EACH_MESSAGE(IRIS_WIRE_INSTANTIATE)
#undef IRIS_WIRE_INSTANTIATE

}  // namespace iris::wire
