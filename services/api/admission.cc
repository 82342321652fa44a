#include "services/api/admission.h"

#include <utility>

namespace clinic::api {

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    Release();
    admission_ = std::exchange(other.admission_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

void Admission::Ticket::Release() {
  if (admission_ != nullptr) std::exchange(admission_, nullptr)->Release(key_);
}

std::optional<Admission::Ticket> Admission::TryAdmit(std::string key) {
  absl::MutexLock lock(&mu_);
  int& out = out_[key];
  if (out >= limit_) return std::nullopt;
  ++out;
  return Ticket(this, std::move(key));
}

void Admission::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = out_.find(key);
  if (it != out_.end() && --it->second <= 0) out_.erase(it);
}

}  // namespace clinic::api
