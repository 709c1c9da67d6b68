#include "apps/iris-bench/bandwidth/socket_bytes.h"

// linux/tcp.h has the byte counters (Linux 4.1 and 4.19); glibc's netinet/tcp.h does not, and
// the two headers conflict, so this file includes no Asio.
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace iris::bench {

SocketBytes socket_bytes(int fd) {
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return {};
  return {info.tcpi_bytes_sent, info.tcpi_bytes_received};
}

}  // namespace iris::bench
