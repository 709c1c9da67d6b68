#include "cluster/cell_view.h"

namespace iris::cluster {

const ServerInfo* CellSnapshot::owner(core::UserId user) const {
  const auto s = ring.owner_of(user);
  return s ? &ring.servers()[*s] : nullptr;
}

bool CellSnapshot::owns(core::UserId user) const {
  if (!serving) return false;
  const auto* o = owner(user);
  return o != nullptr && o->name == self;
}

CellView::CellView(std::string self) : self_(std::move(self)) {
  auto first = std::make_shared<CellSnapshot>();
  first->self = self_;
  current_ = std::move(first);
}

std::shared_ptr<const CellSnapshot> CellView::snapshot() const {
  std::lock_guard lock(mu_);
  return current_;
}

CoordinatorListener CellView::listener(OnChanged on_changed) {
  on_changed_ = std::move(on_changed);
  return {[this](const MembershipEvent& e) { apply(e); }, [this](SessionState s) { set_session(s); }};
}

void CellView::apply(const MembershipEvent& event) {
  if (!table_.apply(event)) return;
  publish();
}

void CellView::set_session(SessionState state) {
  // `connecting` keeps serving: the session may still be live (coordinator.h).
  const bool serving = state != SessionState::expired && (serving_ || state == SessionState::connected);
  if (serving == serving_) return;
  serving_ = serving;
  publish();
}

void CellView::publish() {
  std::shared_ptr<const CellSnapshot> next = [&] {
    auto n = std::make_shared<CellSnapshot>();
    n->self = self_;
    n->version = table_.version();
    n->serving = serving_;
    n->ring = table_.ring();
    return n;
  }();
  {
    std::lock_guard lock(mu_);
    current_ = next;
  }
  if (on_changed_) on_changed_(next);
}

}  // namespace iris::cluster
