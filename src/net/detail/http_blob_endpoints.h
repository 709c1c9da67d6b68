#pragma once
// HttpBlobEndpoints: the blob routes of the HTTP API session (docs/PROTOCOL.md "Blobs"), as
// a base the session (net/http_session.cc) derives from: POST /v1/blobs is finished here
// once its body streamed into the store (BlobUploadSink), GET /v1/blobs/{id} is authorized
// (the uploader, or a participant of a referencing thread, asked of the user's owner shard)
// and streamed from the store (BlobSender). Runs on the session's shard.

#include <algorithm>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>
#include <type_traits>

#include "net/blob_http.h"
#include "net/detail/blob_sender.h"
#include "net/detail/blob_upload_sink.h"
#include "net/detail/http_answer.h"
#include "net/detail/server_core.h"
#include "net/errc.h"
#include "store/blob/blob_errc.h"

namespace iris::net::detail {

template <class Session>
class HttpBlobEndpoints {
 protected:
  // POST /v1/blobs: the body is in the store (BlobUploadSink); name it.
  void finish_upload() {
    auto done = self().upload_ ? self().upload_->finish() : Result<store::UploadedBlob>(fail(net::errc::no_route));
    if (!done) return self().respond(error_answer(self().encoding_, done.error()));
    self().respond({200, upload_answer(*done), kJsonType});
  }

  // GET /v1/blobs/{id}: its uploader, or a participant of a thread citing it (asked of the
  // owner shard of the user); anyone else gets the 404 of a blob that does not exist.
  void download(core::UserId who, const core::BlobId& blob, const HttpRequest& req) {
    Result<store::BlobAccess> access = fail(store::blob_errc::not_found);
    if (self().core().blobs() != nullptr) access = self().core().blobs()->access(who, blob);
    if (!access) return self().respond(error_answer(self().encoding_, access.error()));
    download_ = Download{blob, access->size, access->type, std::string(req[boost::beast::http::field::range])};
    if (access->uploaded_by_user) return send_blob(true);
    self().ask_owner(who, [who, threads = std::move(access->threads)](sync::SyncShard& s, const Deliver& deliver) {
      const bool member = std::any_of(threads.begin(), threads.end(), [&](auto t) { return s.is_participant(who, t); });
      Answer a;
      a.status = member ? 200 : 404;
      a.proceed = true;
      deliver(std::move(a));
    });
  }

  void send_blob(bool allowed) {
    if (!allowed) return self().respond(error_answer(self().encoding_, store::blob_errc::not_found));
    auto range = parse_byte_range(download_.range, download_.size);
    if (!range) {
      Answer a = error_answer(self().encoding_, range.error());
      a.content_range = "bytes */" + std::to_string(download_.size);
      return self().respond(std::move(a));
    }
    auto reader = self().core().blobs()->read(download_.blob, range->value_or(store::ByteRange{0, download_.size}));
    if (!reader) return self().respond(error_answer(self().encoding_, reader.error()));
    auto header = blob_response(self().version_, self().keep_alive_, download_.type, download_.size, *range);
    std::make_shared<BlobSender<std::remove_reference_t<decltype(self().stream_)>>>(self().stream_, self().shared_from_this(), std::move(header), std::move(*reader),
                                         self().options().idle_timeout, [this](boost::system::error_code ec) { self().after_write(ec); })
        ->start();
  }

  void send_continue() {
    self().continued_ = true;
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(self().stream_, asio::buffer(kContinue),
                      [session = self().shared_from_this()](boost::system::error_code ec, std::size_t) {
      if (session->closed_) return;
      if (ec) return session->finish();
      session->read_some();
    });
  }

 private:
  Session& self() { return static_cast<Session&>(*this); }
  struct Download {
    core::BlobId blob;
    std::uint64_t size = 0;
    std::string type;
    std::string range;  // the request's Range header
  } download_;
};

}  // namespace iris::net::detail
