#pragma once
// Payload: the immutable body of an application message, shared (not copied) by every
// subscriber it fans out to, the retained store and offline queues. One allocation per
// message; an empty payload holds none.

#include <memory>
#include <string>
#include <string_view>

namespace iris::mqtt {

class Payload {
 public:
  Payload() = default;
  explicit Payload(std::string bytes)
      : bytes_(bytes.empty() ? nullptr
                             : std::make_shared<const std::string>(std::move(bytes))) {}
  std::string_view view() const { return bytes_ ? std::string_view(*bytes_) : std::string_view(); }
  std::size_t size() const { return bytes_ ? bytes_->size() : 0; }
  bool empty() const { return size() == 0; }
  bool operator==(const Payload& other) const { return view() == other.view(); }

 private:
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace iris::mqtt
