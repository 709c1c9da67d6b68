#include "cluster/cell_view.h"

namespace iris::cluster {

const ServerInfo* CellSnapshot::owner(core::UserId user) const {
  const auto s = ring.owner_of(user);
  return s ? &ring.servers()[*s] : nullptr;
}

bool CellSnapshot::placed_here(core::UserId user) const {
  if (directory == nullptr) return true;
  const auto placed = directory->placement().cell_of(user);
  return placed && *placed == cell;
}

bool CellSnapshot::owns(core::UserId user) const {
  if (!serving || !placed_here(user)) return false;
  const auto* o = owner(user);
  return o != nullptr && o->name == self;
}

std::optional<Route> CellSnapshot::elsewhere(core::UserId user) const {
  if (directory == nullptr || placed_here(user)) return std::nullopt;
  return directory->route(user);
}

CellView::CellView(std::string self, std::string cell) : self_(std::move(self)), cell_(std::move(cell)) {
  auto first = std::make_shared<CellSnapshot>();
  first->self = self_;
  first->cell = cell_;
  current_ = std::move(first);
}

void CellView::set_directory(std::shared_ptr<const Directory> directory) {
  std::lock_guard lock(mu_);
  if (directory_ != nullptr && directory != nullptr && directory->version() < directory_->version()) return;
  directory_ = std::move(directory);
  auto next = std::make_shared<CellSnapshot>(*current_);
  next->directory = directory_;
  current_ = std::move(next);
}

void CellView::set_id_slot(std::uint32_t slot) {
  std::lock_guard lock(mu_);
  id_slot_ = slot;
  auto next = std::make_shared<CellSnapshot>(*current_);
  next->id_slot = slot;
  current_ = std::move(next);
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
  std::shared_ptr<CellSnapshot> next = [&] {
    auto n = std::make_shared<CellSnapshot>();
    n->self = self_;
    n->cell = cell_;
    n->version = table_.version();
    n->serving = serving_;
    n->ring = table_.ring();
    return n;
  }();
  {
    std::lock_guard lock(mu_);
    next->directory = directory_;
    next->id_slot = id_slot_;
    current_ = next;
  }
  if (on_changed_) on_changed_(next);
}

}  // namespace iris::cluster
